/* The ELF audit against fixtures built to fail one check each
 * (tests/fixtures/elf/fixtures.mk), and against malformed input. */
#include <elf.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "../../installer/audit_elf.h"
#include "../../installer/setup.h"
#include "check_main.h"
#include "elfaudit.h"
#include "findings.h"
#include "fsutil.h"

#ifndef BOXED_ELF_FIXTURES
#error "build through tests/fixtures/elf/fixtures.mk, which passes the fixture directory"
#endif

static const char *const all_checks[] = {
    "elf",     "class",	   "machine",	 "type",    "pie",   "relro",
    "bindnow", "nx-stack", "wx-segment", "textrel", "rpath", "needed",
};
#define N_CHECKS (sizeof(all_checks) / sizeof(all_checks[0]))

struct blob {
	unsigned char *data;
	size_t size;
};

static void fixture_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", BOXED_ELF_FIXTURES, name);
}

static struct blob load(const char *name)
{
	char path[4096];
	struct blob b;
	struct stat st;
	FILE *f;

	fixture_path(path, sizeof(path), name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "fixture %s missing: build it with make elf-fixtures", path);
	ck_assert_int_eq(fstat(fileno(f), &st), 0);
	b.size = (size_t)st.st_size;
	b.data = malloc(b.size ? b.size : 1);
	ck_assert_ptr_nonnull(b.data);
	ck_assert_uint_eq(fread(b.data, 1, b.size, f), b.size);
	fclose(f);
	return b;
}

static void dump(const struct boxed_findings *f)
{
	boxed_findings_print(f, stderr, 1);
}

static size_t errors(const struct boxed_findings *f, const char *check)
{
	return boxed_findings_count(f, BOXED_SEV_ERROR, check);
}

/* Exactly `bad` fails (as an error), and every other check ran and passed. */
static void assert_only_fails(const struct boxed_findings *f, const char *bad)
{
	if (bad)
		ck_assert_msg(errors(f, bad) >= 1, "expected check %s to fail", bad);
	for (size_t i = 0; i < f->count; i++)
		if (f->items[i].severity > BOXED_SEV_WARNING &&
		    (!bad || strcmp(f->items[i].check, bad)))
			ck_abort_msg("unexpected %s finding: %s: %s", f->items[i].check,
				     f->items[i].subject, f->items[i].message);
	for (size_t i = 0; i < N_CHECKS; i++) {
		if (bad && strcmp(all_checks[i], bad) == 0)
			continue;
		ck_assert_msg(boxed_findings_count(f, BOXED_SEV_OK, all_checks[i]) == 1,
			      "check %s did not record a pass", all_checks[i]);
	}
}

/* b, a changed copy of a fixture, fails exactly check (subject: what);
 * b's data is freed. */
static void assert_blob_fails_only(struct blob *b, const char *what, const char *check)
{
	struct boxed_findings f = {0};

	ck_assert_int_eq(boxed_elf_audit_mem(b->data, b->size, what, BOXED_ELF_RECORD_OK, &f),
			 BOXED_SEV_ERROR);
	assert_only_fails(&f, check);
	boxed_findings_free(&f);
	free(b->data);
}

static int open_fixture(const char *name)
{
	char path[4096];
	int fd;

	fixture_path(path, sizeof(path), name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "fixture %s missing: build it with make elf-fixtures", path);
	return fd;
}

static enum boxed_severity audit_fixture(const char *name, struct boxed_findings *f)
{
	int fd = open_fixture(name);
	enum boxed_severity worst = boxed_elf_audit_fd(fd, name, BOXED_ELF_RECORD_OK, f);

	close(fd);
	return worst;
}

START_TEST(good_passes_everything)
{
	struct boxed_findings f = {0};

	ck_assert_int_eq(audit_fixture("good", &f), BOXED_SEV_OK);
	assert_only_fails(&f, NULL);
	ck_assert_int_eq(boxed_findings_worst(&f), BOXED_SEV_OK);
	boxed_findings_free(&f);
}
END_TEST

static const struct {
	const char *fixture, *check;
} one_bad[] = {
    {"execstack", "nx-stack"}, {"nopie", "pie"},	{"lazy", "bindnow"},
    {"norelro", "relro"},      {"origin", "rpath"},	{"rpath", "rpath"},
    {"relrunpath", "rpath"},   {"emptyrpath", "rpath"}, {"textrel", "textrel"},
    {"wx", "wx-segment"},      {"needed", "needed"},
};

START_TEST(fixture_fails_exactly_its_check)
{
	struct boxed_findings f = {0};

	ck_assert_int_eq(audit_fixture(one_bad[_i].fixture, &f), BOXED_SEV_ERROR);
	if (errors(&f, one_bad[_i].check) == 0)
		dump(&f);
	assert_only_fails(&f, one_bad[_i].check);
	boxed_findings_free(&f);
}
END_TEST

/* ld.so makes the stack executable for a library that asks. The fixture's
 * library sits in the build tree, trusted when the tree is (root-owned, not
 * writable by others); otherwise "needed" rightly fails as well. */
START_TEST(library_execstack)
{
	struct boxed_findings f = {0};
	char dir[4096], err[512];

	fixture_path(dir, sizeof(dir), "lib/libboxedfix.so");
	ck_assert_int_eq(audit_fixture("libexecstack", &f), BOXED_SEV_ERROR);
	if (boxed_check_trusted_path(dir, err, sizeof(err)) == 0) {
		assert_only_fails(&f, "nx-stack");
	} else {
		ck_assert_uint_ge(errors(&f, "nx-stack"), 1);
		ck_assert_uint_ge(errors(&f, "needed"), 1);
	}
	ck_assert_uint_eq(boxed_findings_count(&f, BOXED_SEV_OK, "nx-stack"), 1);
	boxed_findings_free(&f);
}
END_TEST

START_TEST(without_record_ok_only_failures)
{
	struct boxed_findings f = {0};
	int fd = open_fixture("good");

	ck_assert_int_eq(boxed_elf_audit_fd(fd, "good", 0, &f), BOXED_SEV_OK);
	ck_assert_uint_eq(f.count, 0);
	ck_assert_int_eq(
	    boxed_elf_audit_fd(fd, "good", BOXED_ELF_NO_NEEDED | BOXED_ELF_RECORD_OK, &f),
	    BOXED_SEV_OK);
	ck_assert_uint_eq(boxed_findings_count(&f, BOXED_SEV_OK, "needed"), 0);
	ck_assert_uint_eq(boxed_findings_count(&f, BOXED_SEV_OK, "pie"), 1);
	close(fd);
	boxed_findings_free(&f);
}
END_TEST

/* boxed-setup audits and then copies through the same fd. */
START_TEST(fd_offset_is_not_moved)
{
	struct boxed_findings f = {0};
	int fd = open_fixture("good");

	ck_assert_int_eq(lseek(fd, 123, SEEK_SET), 123);
	boxed_elf_audit_fd(fd, "good", 0, &f);
	ck_assert_int_eq(boxed_elf_is_elf(fd), 1);
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 123);
	close(fd);
	boxed_findings_free(&f);
}
END_TEST

/* A temporary file holding data; returns an fd open on it. */
static int temp_fd(const void *data, size_t len)
{
	char tmpl[] = "/tmp/boxed-elf-test.XXXXXX";
	int fd = mkstemp(tmpl);

	ck_assert_int_ge(fd, 0);
	unlink(tmpl);
	if (len)
		ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	return fd;
}

static void assert_clean_elf_error(const void *data, size_t len, const char *what)
{
	struct boxed_findings f = {0};
	int fd = temp_fd(data, len);

	ck_assert_int_eq(boxed_elf_audit_fd(fd, what, BOXED_ELF_RECORD_OK, &f), BOXED_SEV_ERROR);
	if (errors(&f, "elf") != 1)
		dump(&f);
	ck_assert_uint_eq(errors(&f, "elf"), 1);
	ck_assert_uint_eq(boxed_findings_count(&f, BOXED_SEV_ERROR, NULL), 1);
	boxed_findings_free(&f);
	ck_assert_int_eq(boxed_elf_audit_mem(data, len, what, 0, &f), BOXED_SEV_ERROR);
	ck_assert_uint_eq(errors(&f, "elf"), 1);
	boxed_findings_free(&f);
	close(fd);
}

START_TEST(non_elf_inputs)
{
	static const char script[] = "#!/bin/sh\necho hello\n";
	static const char text[] = "just some text, long enough to have an ELF header's size.\n";

	assert_clean_elf_error(script, strlen(script), "script");
	assert_clean_elf_error(text, strlen(text), "text");
	assert_clean_elf_error("", 0, "empty");
	assert_clean_elf_error("\177ELF", 4, "magic only");
}
END_TEST

START_TEST(is_elf)
{
	struct blob b = load("good");
	int fd;

	fd = temp_fd(b.data, b.size);
	ck_assert_int_eq(boxed_elf_is_elf(fd), 1);
	close(fd);
	fd = temp_fd("#!/bin/sh\n", 10);
	ck_assert_int_eq(boxed_elf_is_elf(fd), 0);
	close(fd);
	fd = temp_fd("", 0);
	ck_assert_int_eq(boxed_elf_is_elf(fd), 0);
	close(fd);
	free(b.data);
}
END_TEST

START_TEST(truncated_inputs)
{
	struct blob b = load("good");

	assert_clean_elf_error(b.data, 64, "first 64 bytes");
	assert_clean_elf_error(b.data, b.size / 2, "first half");
	free(b.data);
}
END_TEST

/* Accessors through memcpy: the image is bytes, not structs. */
static Elf64_Ehdr get_ehdr(const struct blob *b)
{
	Elf64_Ehdr e;

	memcpy(&e, b->data, sizeof(e));
	return e;
}

static void put_ehdr(struct blob *b, const Elf64_Ehdr *e)
{
	memcpy(b->data, e, sizeof(*e));
}

static size_t phdr_index(const struct blob *b, Elf64_Word type)
{
	Elf64_Ehdr e = get_ehdr(b);

	for (size_t i = 0; i < e.e_phnum; i++) {
		Elf64_Phdr p;

		memcpy(&p, b->data + e.e_phoff + i * sizeof(p), sizeof(p));
		if (p.p_type == type)
			return i;
	}
	ck_abort_msg("no program header of type %u", type);
	return 0;
}

static Elf64_Phdr get_phdr(const struct blob *b, size_t i)
{
	Elf64_Phdr p;

	memcpy(&p, b->data + get_ehdr(b).e_phoff + i * sizeof(p), sizeof(p));
	return p;
}

static void put_phdr(struct blob *b, size_t i, const Elf64_Phdr *p)
{
	memcpy(b->data + get_ehdr(b).e_phoff + i * sizeof(*p), p, sizeof(*p));
}

/* The offset of the dynamic entry with this tag (the first). */
static size_t dyn_offset(const struct blob *b, Elf64_Sxword tag)
{
	Elf64_Phdr p = get_phdr(b, phdr_index(b, PT_DYNAMIC));

	for (size_t off = p.p_offset; off + sizeof(Elf64_Dyn) <= p.p_offset + p.p_filesz;
	     off += sizeof(Elf64_Dyn)) {
		Elf64_Dyn d;

		memcpy(&d, b->data + off, sizeof(d));
		if (d.d_tag == tag)
			return off;
	}
	ck_abort_msg("no dynamic entry with tag %lld", (long long)tag);
	return 0;
}

static void set_dyn(struct blob *b, Elf64_Sxword tag, Elf64_Xword val)
{
	size_t off = dyn_offset(b, tag);
	Elf64_Dyn d;

	memcpy(&d, b->data + off, sizeof(d));
	d.d_un.d_val = val;
	memcpy(b->data + off, &d, sizeof(d));
}

static Elf64_Xword get_dyn(const struct blob *b, Elf64_Sxword tag)
{
	Elf64_Dyn d;

	memcpy(&d, b->data + dyn_offset(b, tag), sizeof(d));
	return d.d_un.d_val;
}

enum corruption {
	PHOFF_PAST_END,
	PHNUM_HUGE,
	PHENTSIZE_WRONG,
	DYNAMIC_PAST_EOF,
	DYNAMIC_TOO_LONG,
	STRTAB_OUTSIDE_SEGMENTS,
	STRSZ_HUGE,
	NEEDED_PAST_STRTAB,
	NEEDED_UNTERMINATED,
	INTERP_UNTERMINATED,
	TWO_DYNAMIC,
	LOAD_PAST_EOF,
	N_CORRUPTIONS,
};

static void corrupt(struct blob *b, enum corruption c)
{
	Elf64_Ehdr e = get_ehdr(b);
	size_t i;
	Elf64_Phdr p;

	switch (c) {
	case PHOFF_PAST_END:
		e.e_phoff = b->size + 4096;
		break;
	case PHNUM_HUGE:
		e.e_phnum = 0xfffe;
		break;
	case PHENTSIZE_WRONG:
		e.e_phentsize = 12;
		break;
	case DYNAMIC_PAST_EOF:
		i = phdr_index(b, PT_DYNAMIC);
		p = get_phdr(b, i);
		p.p_offset = b->size + 100;
		put_phdr(b, i, &p);
		break;
	case DYNAMIC_TOO_LONG:
		i = phdr_index(b, PT_DYNAMIC);
		p = get_phdr(b, i);
		p.p_filesz = UINT64_MAX - 7;
		put_phdr(b, i, &p);
		break;
	case STRTAB_OUTSIDE_SEGMENTS:
		set_dyn(b, DT_STRTAB, 0xdead0000000ull);
		break;
	case STRSZ_HUGE:
		set_dyn(b, DT_STRSZ, UINT64_MAX / 2);
		break;
	case NEEDED_PAST_STRTAB:
		set_dyn(b, DT_NEEDED, get_dyn(b, DT_STRSZ) + 10);
		break;
	case NEEDED_UNTERMINATED:
		/* The table now ends two bytes into the library's name. */
		set_dyn(b, DT_STRSZ, get_dyn(b, DT_NEEDED) + 2);
		break;
	case INTERP_UNTERMINATED:
		i = phdr_index(b, PT_INTERP);
		p = get_phdr(b, i);
		p.p_filesz = 3;
		put_phdr(b, i, &p);
		break;
	case TWO_DYNAMIC:
		i = phdr_index(b, PT_NOTE);
		p = get_phdr(b, i);
		p.p_type = PT_DYNAMIC;
		put_phdr(b, i, &p);
		break;
	case LOAD_PAST_EOF:
		i = phdr_index(b, PT_LOAD);
		p = get_phdr(b, i);
		p.p_filesz = b->size * 4;
		put_phdr(b, i, &p);
		break;
	case N_CORRUPTIONS:
		break;
	}
	put_ehdr(b, &e);
}

START_TEST(corrupted_inputs)
{
	struct blob b = load("good");
	struct boxed_findings f = {0};

	corrupt(&b, (enum corruption)_i);
	ck_assert_int_eq(boxed_elf_audit_mem(b.data, b.size, "corrupt", BOXED_ELF_RECORD_OK, &f),
			 BOXED_SEV_ERROR);
	if (errors(&f, "elf") != 1)
		dump(&f);
	ck_assert_uint_eq(errors(&f, "elf"), 1);
	ck_assert_uint_eq(boxed_findings_count(&f, BOXED_SEV_OK, "elf"), 0);
	boxed_findings_free(&f);
	free(b.data);
}
END_TEST

START_TEST(wrong_class)
{
	struct blob b = load("good");
	struct boxed_findings f = {0};

	b.data[EI_CLASS] = ELFCLASS32;
	ck_assert_int_eq(boxed_elf_audit_mem(b.data, b.size, "class32", 0, &f), BOXED_SEV_ERROR);
	ck_assert_uint_eq(errors(&f, "class"), 1);
	ck_assert_uint_eq(boxed_findings_count(&f, BOXED_SEV_ERROR, NULL), 1);
	boxed_findings_free(&f);
	b.data[EI_CLASS] = ELFCLASS64;
	b.data[EI_DATA] = ELFDATA2MSB;
	ck_assert_int_eq(boxed_elf_audit_mem(b.data, b.size, "bigendian", 0, &f), BOXED_SEV_ERROR);
	ck_assert_uint_eq(errors(&f, "class"), 1);
	ck_assert_uint_eq(boxed_findings_count(&f, BOXED_SEV_ERROR, NULL), 1);
	boxed_findings_free(&f);
	free(b.data);
}
END_TEST

START_TEST(wrong_machine)
{
	struct blob b = load("good");
	Elf64_Ehdr e = get_ehdr(&b);

	e.e_machine = e.e_machine == EM_X86_64 ? EM_AARCH64 : EM_X86_64;
	put_ehdr(&b, &e);
	assert_blob_fails_only(&b, "machine", "machine");
}
END_TEST

/* Same-length renames of libc.so.6 in DT_STRTAB. */
static void rename_needed(struct blob *b, const char *to)
{
	unsigned char *hit = memmem(b->data, b->size, "libc.so.6", 10);

	ck_assert_ptr_nonnull(hit);
	ck_assert_uint_eq(strlen(to), 9);
	memcpy(hit, to, 9);
}

START_TEST(needed_not_found)
{
	struct blob b = load("good");

	rename_needed(&b, "libq.so.9");
	assert_blob_fails_only(&b, "missing", "needed");
}
END_TEST

START_TEST(needed_relative_path)
{
	struct blob b = load("good");

	rename_needed(&b, "./libc.so");
	assert_blob_fails_only(&b, "relative", "needed");
}
END_TEST

START_TEST(interpreter_relative_path)
{
	struct blob b = load("good");
	Elf64_Phdr p = get_phdr(&b, phdr_index(&b, PT_INTERP));

	ck_assert_int_eq(b.data[p.p_offset], '/');
	b.data[p.p_offset] = 'x';
	assert_blob_fails_only(&b, "interp", "needed");
}
END_TEST

/* No input may crash the audit or make it read out of bounds (ASan in
 * make check-sanitize); a fixed seed keeps the test reproducible. */
START_TEST(random_mutations_are_findings)
{
	struct blob b = load("good");
	unsigned char *work = malloc(b.size);
	unsigned seed = 12345;

	ck_assert_ptr_nonnull(work);
	for (int round = 0; round < 300; round++) {
		struct boxed_findings f = {0};
		size_t span = b.size < 4096 ? b.size : 4096;

		memcpy(work, b.data, b.size);
		for (int k = 0; k < 4; k++) {
			seed = seed * 1103515245u + 12345u;
			work[(seed >> 8) % span] ^= (unsigned char)(1u << ((seed >> 4) & 7));
		}
		ck_assert_int_eq(
		    boxed_elf_audit_mem(work, b.size, "mutant", BOXED_ELF_NO_NEEDED, &f),
		    boxed_findings_worst(&f));
		boxed_findings_free(&f);
	}
	free(work);
	free(b.data);
}
END_TEST

/* Run boxed-setup audit-elf with stdout and stderr in a file; returns the
 * status and the output (malloc'd) in *text. */
static int run_cli(char **argv, char **text)
{
	char tmpl[] = "/tmp/boxed-elf-cli.XXXXXX";
	int out = mkstemp(tmpl), saved = dup(STDOUT_FILENO), saved_err = dup(STDERR_FILENO);
	int argc = 0, rc;
	struct stat st;

	ck_assert_int_ge(out, 0);
	unlink(tmpl);
	while (argv[argc])
		argc++;
	fflush(stdout);
	ck_assert_int_ge(dup2(out, STDOUT_FILENO), 0);
	ck_assert_int_ge(dup2(out, STDERR_FILENO), 0);
	rc = boxed_setup_audit_elf(argc, argv);
	fflush(stdout);
	fflush(stderr);
	ck_assert_int_ge(dup2(saved, STDOUT_FILENO), 0);
	ck_assert_int_ge(dup2(saved_err, STDERR_FILENO), 0);
	close(saved);
	close(saved_err);
	ck_assert_int_eq(fstat(out, &st), 0);
	*text = calloc(1, (size_t)st.st_size + 1);
	ck_assert_ptr_nonnull(*text);
	ck_assert_int_eq(pread(out, *text, (size_t)st.st_size, 0), st.st_size);
	close(out);
	return rc;
}

START_TEST(cli_exit_status_and_json)
{
	char good[4096], bad[4096], *text;
	char *usage[] = {"audit-elf", NULL};
	char *unknown[] = {"audit-elf", "--frobnicate", "x", NULL};
	char *pass[] = {"audit-elf", good, NULL};
	char *fail[] = {"audit-elf", bad, NULL};
	char *json[] = {"audit-elf", "--json", good, bad, NULL};
	cJSON *root, *files, *findings, *it;
	int seen = 0;

	fixture_path(good, sizeof(good), "good");
	fixture_path(bad, sizeof(bad), "execstack");
	ck_assert_int_eq(run_cli(usage, &text), 2);
	ck_assert_str_eq(text, "boxed-setup: audit-elf: give at least one FILE\n"
			       "Try 'boxed-setup audit-elf --help' for more information.\n");
	free(text);
	ck_assert_int_eq(run_cli(unknown, &text), 2);
	ck_assert_str_eq(text, "boxed-setup: audit-elf: unrecognized option '--frobnicate'\n"
			       "Try 'boxed-setup audit-elf --help' for more information.\n");
	free(text);
	ck_assert_int_eq(run_cli(pass, &text), 0);
	free(text);
	ck_assert_int_eq(run_cli(fail, &text), 1);
	ck_assert_ptr_nonnull(strstr(text, "nx-stack"));
	free(text);

	ck_assert_int_eq(run_cli(json, &text), 1);
	root = cJSON_Parse(text);
	ck_assert_msg(root != NULL, "not JSON: %s", text);
	ck_assert_str_eq(cJSON_GetObjectItem(root, "worst")->valuestring, "error");
	files = cJSON_GetObjectItem(root, "files");
	ck_assert_int_eq(cJSON_GetArraySize(files), 2);
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(files, 1), "path")->valuestring,
			 bad);
	findings = cJSON_GetObjectItem(cJSON_GetArrayItem(files, 1), "findings");
	cJSON_ArrayForEach(it, findings)
	{
		if (strcmp(cJSON_GetObjectItem(it, "check")->valuestring, "nx-stack") == 0 &&
		    strcmp(cJSON_GetObjectItem(it, "severity")->valuestring, "error") == 0)
			seen = 1;
	}
	ck_assert_int_eq(seen, 1);
	cJSON_Delete(root);
	free(text);
}
END_TEST

START_TEST(cli_does_not_follow_symlinks)
{
	char good[4096], link[] = "/tmp/boxed-elf-link.XXXXXX", *text;
	char *argv[] = {"audit-elf", link, NULL};
	int fd = mkstemp(link);

	ck_assert_int_ge(fd, 0);
	close(fd);
	unlink(link);
	fixture_path(good, sizeof(good), "good");
	ck_assert_int_eq(symlink(good, link), 0);
	ck_assert_int_eq(run_cli(argv, &text), 1);
	unlink(link);
	ck_assert_ptr_nonnull(strstr(text, "open"));
	free(text);
}
END_TEST

/* On the interpreter, which carries no capability, the hardening of a
 * privileged process is a fact (info) without build advice; on the runner
 * the same file fails. Other checks keep their severity on both. */
START_TEST(interpreter_hardening_is_informational)
{
	static const char *const soft[] = {"nopie", "lazy", "norelro"};
	char path[4096];

	for (size_t i = 0; i < sizeof(soft) / sizeof(soft[0]); i++) {
		struct boxed_findings f = {0}, r = {0};
		int fd;

		fixture_path(path, sizeof(path), soft[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(boxed_setup_audit_interpreter_elf(fd, path, 0, &f),
				 BOXED_SEV_INFO);
		ck_assert_int_eq(boxed_setup_audit_runner_elf(fd, path, 0, &r), BOXED_SEV_ERROR);
		close(fd);
		ck_assert_uint_eq(boxed_findings_count(&f, BOXED_SEV_WARNING, NULL), 0);
		ck_assert_uint_eq(boxed_findings_count(&f, BOXED_SEV_INFO, NULL), 1);
		for (size_t k = 0; k < f.count; k++) {
			if (f.items[k].severity != BOXED_SEV_INFO)
				continue;
			ck_assert_msg(strstr(f.items[k].message,
					     "(informational: the interpreter carries no "
					     "capability; the privileged runner must pass this "
					     "check)"),
				      "%s", f.items[k].message);
			ck_assert_msg(!strstr(f.items[k].message, "build with") &&
					  !strstr(f.items[k].message, "link with"),
				      "advice left: %s", f.items[k].message);
		}
		boxed_findings_free(&f);
		boxed_findings_free(&r);
	}
	fixture_path(path, sizeof(path), "execstack");
	{
		struct boxed_findings f = {0};
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(boxed_setup_audit_interpreter_elf(fd, path, 0, &f),
				 BOXED_SEV_ERROR);
		close(fd);
		boxed_findings_free(&f);
	}
}
END_TEST

static Suite *elfaudit_suite(void)
{
	Suite *s = suite_create("elfaudit");
	TCase *t = tcase_create("fixtures");
	TCase *m = tcase_create("malformed");
	TCase *c = tcase_create("audit-elf");

	tcase_set_timeout(t, 30);
	tcase_add_test(t, good_passes_everything);
	tcase_add_loop_test(t, fixture_fails_exactly_its_check, 0,
			    (int)(sizeof(one_bad) / sizeof(one_bad[0])));
	tcase_add_test(t, library_execstack);
	tcase_add_test(t, without_record_ok_only_failures);
	tcase_add_test(t, fd_offset_is_not_moved);
	tcase_add_test(t, wrong_class);
	tcase_add_test(t, wrong_machine);
	tcase_add_test(t, needed_not_found);
	tcase_add_test(t, needed_relative_path);
	tcase_add_test(t, interpreter_relative_path);
	tcase_add_test(t, interpreter_hardening_is_informational);
	suite_add_tcase(s, t);
	tcase_set_timeout(m, 30);
	tcase_add_test(m, non_elf_inputs);
	tcase_add_test(m, is_elf);
	tcase_add_test(m, truncated_inputs);
	tcase_add_loop_test(m, corrupted_inputs, 0, N_CORRUPTIONS);
	tcase_add_test(m, random_mutations_are_findings);
	suite_add_tcase(s, m);
	tcase_add_test(c, cli_exit_status_and_json);
	tcase_add_test(c, cli_does_not_follow_symlinks);
	suite_add_tcase(s, c);
	return s;
}

BOXED_CHECK_MAIN(elfaudit_suite)
