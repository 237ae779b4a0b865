/* The ELF audit (elfaudit.h): what the kernel and ld.so will do with an
 * executable, read the way they read it (elfimage.h). This file holds the
 * checks of one object, and walks the dependency graph that ldsearch.h
 * resolves, judging each library it finds.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elfaudit.h"
#include "elfimage.h"
#include "fsutil.h"
#include "ldsearch.h"

struct audit {
	const char *subject;
	unsigned flags;
	struct boxed_findings *out;
	enum boxed_severity worst;
};

__attribute__((format(printf, 4, 5))) static void note(struct audit *a, enum boxed_severity sev,
						       const char *check, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (sev == BOXED_SEV_OK && !(a->flags & BOXED_ELF_RECORD_OK))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	boxed_findings_add(a->out, sev, check, a->subject, "%s", msg);
	if (sev > a->worst)
		a->worst = sev;
}

static void check_class(struct audit *a, const struct boxed_elf_image *im)
{
	if (boxed_elf_host_class(&im->ehdr))
		note(a, BOXED_SEV_OK, "class", "64-bit little-endian, as the host");
	else
		note(a, BOXED_SEV_ERROR, "class",
		     "class %u, data encoding %u: not the host's 64-bit little-endian",
		     im->ehdr.e_ident[EI_CLASS], im->ehdr.e_ident[EI_DATA]);
}

static void check_machine(struct audit *a, const struct boxed_elf_image *im)
{
	if (im->ehdr.e_machine == BOXED_ELF_HOST_MACHINE)
		note(a, BOXED_SEV_OK, "machine", "%s, as the host", BOXED_ELF_HOST_MACHINE_NAME);
	else
		note(a, BOXED_SEV_ERROR, "machine", "machine %u is not the host's %s",
		     im->ehdr.e_machine, BOXED_ELF_HOST_MACHINE_NAME);
}

/* ET_DYN without PT_INTERP is a shared library unless it says it is a
 * static PIE (DF_1_PIE). */
static void check_type(struct audit *a, const struct boxed_elf_image *im)
{
	if (im->ehdr.e_type == ET_EXEC ||
	    (im->ehdr.e_type == ET_DYN && (im->interp || im->df_1_pie)))
		note(a, BOXED_SEV_OK, "type", "an executable");
	else
		note(a, BOXED_SEV_ERROR, "type", "ELF type %u is not an executable",
		     im->ehdr.e_type);
}

/* A fixed load address makes every gadget's address known in advance. */
static void check_pie(struct audit *a, const struct boxed_elf_image *im)
{
	if (im->ehdr.e_type == ET_DYN && (im->interp || im->df_1_pie))
		note(a, BOXED_SEV_OK, "pie", "position-independent executable");
	else
		note(a, BOXED_SEV_ERROR, "pie",
		     "not a position-independent executable: it loads at a fixed address; "
		     "build with -fPIE -pie");
}

static void check_relro(struct audit *a, const struct boxed_elf_image *im)
{
	if (boxed_elf_image_phdr(im, PT_GNU_RELRO))
		note(a, BOXED_SEV_OK, "relro", "PT_GNU_RELRO present");
	else
		note(a, BOXED_SEV_ERROR, "relro",
		     "no PT_GNU_RELRO: the GOT and relocated data stay writable; "
		     "link with -Wl,-z,relro");
}

/* Without BIND_NOW the PLT part of the GOT stays writable for lazy
 * binding, and RELRO covers only half of it. */
static void check_bindnow(struct audit *a, const struct boxed_elf_image *im)
{
	if (!im->dynamic)
		note(a, BOXED_SEV_OK, "bindnow", "statically linked: nothing is bound lazily");
	else if (im->bind_now)
		note(a, BOXED_SEV_OK, "bindnow", "BIND_NOW set");
	else
		note(a, BOXED_SEV_ERROR, "bindnow",
		     "symbols are bound lazily, so the GOT stays writable (partial RELRO); "
		     "link with -Wl,-z,now");
}

/* The x86 kernel maps the stack executable when PT_GNU_STACK is missing
 * (elf_read_implies_exec), and ld.so does it when any object asks. */
static void check_nx_stack(struct audit *a, const struct boxed_elf_image *im)
{
	const GElf_Phdr *p = boxed_elf_image_phdr(im, PT_GNU_STACK);

	if (!p)
		note(
		    a, BOXED_SEV_ERROR, "nx-stack",
		    "no PT_GNU_STACK: the stack would be executable; link with -Wl,-z,noexecstack");
	else if (p->p_flags & PF_X)
		note(a, BOXED_SEV_ERROR, "nx-stack",
		     "PT_GNU_STACK asks for an executable stack; link with -Wl,-z,noexecstack");
	else
		note(a, BOXED_SEV_OK, "nx-stack", "PT_GNU_STACK without PF_X");
}

static void check_wx(struct audit *a, const struct boxed_elf_image *im)
{
	int bad = 0;

	for (size_t i = 0; i < im->phnum; i++) {
		const GElf_Phdr *p = &im->phdr[i];

		if (p->p_type == PT_GNU_STACK)
			continue; /* judged by nx-stack */
		if ((p->p_flags & (PF_W | PF_X)) == (PF_W | PF_X)) {
			note(a, BOXED_SEV_ERROR, "wx-segment",
			     "program header %zu (type %#x, address %#llx) is writable and "
			     "executable: injected code could run there",
			     i, p->p_type, (unsigned long long)p->p_vaddr);
			bad = 1;
		}
	}
	if (!bad)
		note(a, BOXED_SEV_OK, "wx-segment", "no segment is both writable and executable");
}

/* Text relocations make ld.so write into code, so the code pages are
 * writable for a while and never shared. */
static void check_textrel(struct audit *a, const struct boxed_elf_image *im)
{
	if (im->textrel)
		note(a, BOXED_SEV_ERROR, "textrel",
		     "text relocations (DT_TEXTREL or DF_TEXTREL); build every object with "
		     "-fPIC/-fPIE");
	else
		note(a, BOXED_SEV_OK, "textrel", "no text relocations");
}

/* One RPATH/RUNPATH string. ld.so takes an empty entry as the current
 * directory, a relative one relative to it, and $ORIGIN as the directory
 * of the binary: all three let whoever chooses the cwd or hard-links the
 * binary choose the libraries. Other tokens ($LIB, $PLATFORM) are refused
 * as well: the audit would have to guess how ld.so expands them. */
static int judge_search_path(struct audit *a, const char *tag, const char *s)
{
	const char *p = s;
	int bad = 0;

	if (*s == '\0') {
		note(a, BOXED_SEV_ERROR, "rpath", "empty %s: it means the current directory", tag);
		return 1;
	}
	for (;;) {
		size_t len = strcspn(p, ":");
		char comp[PATH_MAX];

		snprintf(comp, sizeof(comp), "%.*s",
			 (int)(len < sizeof(comp) ? len : sizeof(comp) - 1), p);
		if (len == 0) {
			note(a, BOXED_SEV_ERROR, "rpath",
			     "%s \"%s\" has an empty entry: it means the current directory", tag,
			     s);
			bad = 1;
		} else if (strstr(comp, "$ORIGIN") || strstr(comp, "${ORIGIN}")) {
			note(a, BOXED_SEV_ERROR, "rpath",
			     "%s entry \"%s\" uses $ORIGIN: a hard link elsewhere chooses the "
			     "libraries",
			     tag, comp);
			bad = 1;
		} else if (strchr(comp, '$')) {
			note(a, BOXED_SEV_ERROR, "rpath",
			     "%s entry \"%s\" uses a dynamic string token", tag, comp);
			bad = 1;
		} else if (comp[0] != '/') {
			note(a, BOXED_SEV_ERROR, "rpath",
			     "%s entry \"%s\" is relative: the current directory chooses the "
			     "libraries",
			     tag, comp);
			bad = 1;
		}
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	return bad;
}

static void check_rpath(struct audit *a, const struct boxed_elf_image *im)
{
	int bad = 0;

	for (size_t i = 0; i < im->n_rpath; i++)
		bad |= judge_search_path(a, "DT_RPATH", im->rpath[i]);
	for (size_t i = 0; i < im->n_runpath; i++)
		bad |= judge_search_path(a, "DT_RUNPATH", im->runpath[i]);
	if (!bad)
		note(a, BOXED_SEV_OK, "rpath",
		     im->n_rpath + im->n_runpath ? "RPATH/RUNPATH entries are absolute"
						 : "no RPATH or RUNPATH");
}

/* What a library does to the process it is loaded into: ld.so makes the
 * whole stack executable for a library that asks (or says nothing), and
 * text relocations or a W+X segment in it are W+X memory in the process. */
static void judge_library_image(struct audit *a, const char *path, const struct boxed_elf_image *im)
{
	const GElf_Phdr *stack = boxed_elf_image_phdr(im, PT_GNU_STACK);

	if (!stack || (stack->p_flags & PF_X))
		note(a, BOXED_SEV_ERROR, "nx-stack",
		     "library %s %s: ld.so would make the process's stack executable", path,
		     stack ? "asks for an executable stack" : "has no PT_GNU_STACK");
	if (im->textrel)
		note(a, BOXED_SEV_ERROR, "textrel", "library %s has text relocations", path);
	for (size_t i = 0; i < im->phnum; i++)
		if (im->phdr[i].p_type != PT_GNU_STACK &&
		    (im->phdr[i].p_flags & (PF_W | PF_X)) == (PF_W | PF_X))
			note(a, BOXED_SEV_ERROR, "wx-segment",
			     "library %s: program header %zu is writable and executable", path, i);
}

/* What ld.so reads from an object to find its libraries: the last
 * DT_RUNPATH and DT_RPATH win. */
static struct boxed_ldsearch_object search_object(const char *path,
						  const struct boxed_elf_image *im)
{
	return (struct boxed_ldsearch_object){
	    .path = path,
	    .runpath = im->n_runpath ? im->runpath[im->n_runpath - 1] : NULL,
	    .rpath = im->n_rpath ? im->rpath[im->n_rpath - 1] : NULL,
	    .needed = im->needed,
	    .n_needed = im->n_needed,
	};
}

/* Audit one library of the graph: it must parse, and its own DT_NEEDED
 * are resolved in turn. Returns 1 when a "needed" finding was added. */
static int walk_library(struct audit *a, struct boxed_ldsearch *s, const char *path)
{
	char err[512];
	boxed_autofree char *buf = NULL;
	struct boxed_elf_image im = {0};
	struct boxed_ldsearch_object obj;
	size_t size;
	boxed_autoclose int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	int bad = 0;

	if (fd < 0) {
		note(a, BOXED_SEV_ERROR, "needed", "%s: %s", path, strerror(errno));
		return 1;
	}
	if (boxed_elf_read_file(fd, &buf, &size, err, sizeof(err)) != 0 ||
	    boxed_elf_image_open(&im, buf, size, err, sizeof(err)) != 0 ||
	    boxed_elf_image_parse(&im, err, sizeof(err)) != 0) {
		note(a, BOXED_SEV_ERROR, "needed", "library %s is malformed: %s", path, err);
		bad = 1;
	} else {
		judge_library_image(a, path, &im);
		obj = search_object(path, &im);
		bad = boxed_ldsearch_resolve(s, &obj);
	}
	boxed_elf_image_free(&im);
	return bad;
}

/* The program interpreter and every library of the dependency graph, as
 * ld.so resolves them in secure-execution mode (ldsearch.h). */
static void check_needed(struct audit *a, const struct boxed_elf_image *im)
{
	struct boxed_ldsearch_object exe = search_object(a->subject, im);
	struct boxed_ldsearch *s;
	const char *lib;
	int bad = 0;

	s = boxed_ldsearch_new(a->subject, exe.runpath ? NULL : exe.rpath, a->out);
	if (!s) {
		note(a, BOXED_SEV_ERROR, "needed", "out of memory");
		return;
	}
	if (im->interp && im->interp[0] != '/') {
		/* The kernel opens PT_INTERP relative to the caller's cwd. */
		note(a, BOXED_SEV_ERROR, "needed",
		     "program interpreter \"%s\" is a relative path: the current directory "
		     "chooses it",
		     im->interp);
		bad = 1;
	} else if (im->interp) {
		bad |=
		    boxed_ldsearch_judge_trusted(s, "program interpreter", a->subject, im->interp);
	}
	bad |= boxed_ldsearch_resolve(s, &exe);
	while ((lib = boxed_ldsearch_next(s)))
		bad |= walk_library(a, s, lib);
	/* ldsearch adds its findings itself: count them in the worst. */
	if (bad && a->worst < BOXED_SEV_ERROR)
		a->worst = BOXED_SEV_ERROR;
	if (!bad)
		note(a, BOXED_SEV_OK, "needed",
		     "%zu libraries and the program interpreter: root-owned, not writable by "
		     "others",
		     boxed_ldsearch_found(s));
	boxed_ldsearch_free(s);
}

/* buf is private to the audit (libelf may be handed it writable). */
static enum boxed_severity audit_buffer(char *buf, size_t size, const char *subject, unsigned flags,
					struct boxed_findings *out)
{
	struct audit a = {.subject = subject, .flags = flags, .out = out, .worst = BOXED_SEV_OK};
	struct boxed_elf_image im;
	char err[512];

	if (boxed_elf_image_open(&im, buf, size, err, sizeof(err)) != 0) {
		note(&a, BOXED_SEV_ERROR, "elf", "%s", err);
		goto done;
	}
	check_class(&a, &im);
	if (!boxed_elf_host_class(&im.ehdr))
		goto done;
	if (boxed_elf_image_parse(&im, err, sizeof(err)) != 0) {
		note(&a, BOXED_SEV_ERROR, "elf", "malformed: %s", err);
		goto done;
	}
	note(&a, BOXED_SEV_OK, "elf", "well-formed ELF object");
	check_machine(&a, &im);
	check_type(&a, &im);
	check_pie(&a, &im);
	check_relro(&a, &im);
	check_bindnow(&a, &im);
	check_nx_stack(&a, &im);
	check_wx(&a, &im);
	check_textrel(&a, &im);
	check_rpath(&a, &im);
	if (!(flags & BOXED_ELF_NO_NEEDED))
		check_needed(&a, &im);
done:
	boxed_elf_image_free(&im);
	return a.worst;
}

enum boxed_severity boxed_elf_audit_mem(const void *image, size_t size, const char *subject,
					unsigned flags, struct boxed_findings *out)
{
	enum boxed_severity worst;
	char *copy;

	if (size > BOXED_ELF_MAX_IMAGE) {
		boxed_findings_add(out, BOXED_SEV_ERROR, "elf", subject, "larger than %zu bytes",
				   BOXED_ELF_MAX_IMAGE);
		return BOXED_SEV_ERROR;
	}
	copy = malloc(size ? size : 1);
	if (!copy) {
		boxed_findings_add(out, BOXED_SEV_ERROR, "elf", subject, "out of memory");
		return BOXED_SEV_ERROR;
	}
	if (size)
		memcpy(copy, image, size);
	worst = audit_buffer(copy, size, subject, flags, out);
	free(copy);
	return worst;
}

enum boxed_severity boxed_elf_audit_fd(int fd, const char *subject, unsigned flags,
				       struct boxed_findings *out)
{
	enum boxed_severity worst;
	char err[512], *buf;
	size_t size;

	if (boxed_elf_read_file(fd, &buf, &size, err, sizeof(err)) != 0) {
		boxed_findings_add(out, BOXED_SEV_ERROR, "elf", subject, "%s", err);
		return BOXED_SEV_ERROR;
	}
	worst = audit_buffer(buf, size, subject, flags, out);
	free(buf);
	return worst;
}

int boxed_elf_is_elf(int fd)
{
	unsigned char ident[EI_NIDENT];
	struct boxed_elf_image im;
	char err[256], *buf;
	size_t size;
	int ok;

	if (pread(fd, ident, sizeof(ident), 0) != (ssize_t)sizeof(ident) ||
	    memcmp(ident, ELFMAG, SELFMAG) != 0)
		return 0;
	if (boxed_elf_read_file(fd, &buf, &size, err, sizeof(err)) != 0)
		return 0;
	ok = boxed_elf_image_open(&im, buf, size, err, sizeof(err)) == 0;
	boxed_elf_image_free(&im);
	free(buf);
	return ok;
}
