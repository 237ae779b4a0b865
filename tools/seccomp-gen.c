/* seccomp-gen: compile the runner's seccomp rules (runner/filter.c) to
 * BPF and write them as a C header, for the runner to load as they are.
 *
 *   seccomp-gen OUTPUT.h
 *
 * The program is for the architecture this tool runs on; the header fails
 * to compile for any other, so a cross build cannot load a filter whose
 * syscall numbers belong to the wrong architecture.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "die.h"
#include "filter.h"

const int boxed_die_status = 1;

/* The compiler's view of each architecture libseccomp may call native. Only
 * architectures whose clone(2) takes its flags first, as the clone rule of
 * runner/filter.c assumes: not s390x (CLONE_BACKWARDS2). */
static const struct {
	uint32_t audit_arch;
	const char *name;
	const char *cpp_test;
} arches[] = {
    {AUDIT_ARCH_X86_64, "x86_64", "defined(__x86_64__) && !defined(__ILP32__)"},
    {AUDIT_ARCH_AARCH64, "aarch64", "defined(__aarch64__)"},
    {AUDIT_ARCH_I386, "i386", "defined(__i386__)"},
    {AUDIT_ARCH_RISCV64, "riscv64", "defined(__riscv) && __riscv_xlen == 64"},
    {AUDIT_ARCH_PPC64LE, "ppc64le",
     "defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__"},
};

/* The BPF program of one variant, as libseccomp exports it. */
static struct sock_filter *export_program(int no_network, int sealed, size_t *count)
{
	char err[256];
	scmp_filter_ctx ctx = boxed_run_filter_build(no_network, sealed, err, sizeof(err));
	int fd = memfd_create("seccomp-gen", MFD_CLOEXEC);
	struct sock_filter *prog;
	off_t size;
	int rc;

	if (!ctx)
		boxed_die("%s", err);
	if (fd < 0)
		boxed_die_errno("memfd_create");
	rc = seccomp_export_bpf(ctx, fd);
	if (rc != 0)
		boxed_die("seccomp_export_bpf: %s", strerror(-rc));
	seccomp_release(ctx);
	size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || size % (off_t)sizeof(*prog) != 0)
		boxed_die("seccomp_export_bpf wrote %lld bytes, not a whole program",
			  (long long)size);
	prog = malloc((size_t)size);
	if (!prog)
		boxed_die("out of memory");
	if (pread(fd, prog, (size_t)size, 0) != size)
		boxed_die_errno("reading the exported program");
	close(fd);
	*count = (size_t)size / sizeof(*prog);
	return prog;
}

static void write_program(FILE *out, const char *name, int no_network, int sealed)
{
	size_t count;
	struct sock_filter *prog = export_program(no_network, sealed, &count);

	fprintf(out, "static const struct sock_filter %s[%zu] = {\n", name, count);
	for (size_t i = 0; i < count; i++)
		fprintf(out, "\t{0x%04x, %u, %u, 0x%08x},\n", prog[i].code, prog[i].jt, prog[i].jf,
			prog[i].k);
	fprintf(out, "};\n\n");
	free(prog);
}

int main(int argc, char **argv)
{
	uint32_t native = seccomp_arch_native();
	char tmp[4096];
	FILE *out;
	size_t a;

	if (argc != 2)
		boxed_die("usage: seccomp-gen OUTPUT.h");
	for (a = 0; a < sizeof(arches) / sizeof(arches[0]); a++)
		if (arches[a].audit_arch == native)
			break;
	if (a == sizeof(arches) / sizeof(arches[0]))
		boxed_die("libseccomp's native architecture %#x is not one this tool knows",
			  native);
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", argv[1]) >= (int)sizeof(tmp))
		boxed_die("%s: path too long", argv[1]);
	out = fopen(tmp, "w");
	if (!out)
		boxed_die_errno("%s", tmp);
	fprintf(out,
		"/* The runner's seccomp filter for %s, compiled from runner/filter.c by\n"
		" * tools/seccomp-gen. Generated at build time: do not edit. */\n"
		"#ifndef BOXED_SECCOMP_FILTER_H\n#define BOXED_SECCOMP_FILTER_H\n\n"
		"#include <linux/filter.h>\n\n"
		"#if !(%s)\n"
		"#error \"seccomp-filter.h holds a filter for %s: build natively\"\n"
		"#endif\n\n",
		arches[a].name, arches[a].cpp_test, arches[a].name);
#define X(name, no_network, sealed) write_program(out, #name, no_network, sealed);
	BOXED_RUN_FILTER_VARIANTS
#undef X
	fprintf(out, "#endif\n");
	if (fflush(out) != 0 || ferror(out) || fclose(out) != 0)
		boxed_die_errno("writing %s", tmp);
	if (rename(tmp, argv[1]) != 0)
		boxed_die_errno("rename(%s, %s)", tmp, argv[1]);
	return 0;
}
