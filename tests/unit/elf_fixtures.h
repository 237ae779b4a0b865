/* The ELF-audit fixtures (tests/fixtures/elf/fixtures.mk), each built to
 * fail one check, and the helpers the ELF-audit tests share to load and
 * judge them. Only a test built through fixtures.mk, which passes the
 * fixture directory, may include this. */
#ifndef BOXED_TEST_ELF_FIXTURES_H
#define BOXED_TEST_ELF_FIXTURES_H

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfaudit.h"
#include "findings.h"

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

static inline void fixture_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", BOXED_ELF_FIXTURES, name);
}

static inline struct blob load(const char *name)
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

static inline void dump(const struct boxed_findings *f)
{
	boxed_findings_print(f, stderr, 1);
}

static inline size_t errors(const struct boxed_findings *f, const char *check)
{
	return boxed_findings_count(f, BOXED_SEV_ERROR, check);
}

/* Exactly `bad` fails (as an error), and every other check ran and passed. */
static inline void assert_only_fails(const struct boxed_findings *f, const char *bad)
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
static inline void assert_blob_fails_only(struct blob *b, const char *what, const char *check)
{
	struct boxed_findings f = {0};

	ck_assert_int_eq(boxed_elf_audit_mem(b->data, b->size, what, BOXED_ELF_RECORD_OK, &f),
			 BOXED_SEV_ERROR);
	assert_only_fails(&f, check);
	boxed_findings_free(&f);
	free(b->data);
}

static inline int open_fixture(const char *name)
{
	char path[4096];
	int fd;

	fixture_path(path, sizeof(path), name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "fixture %s missing: build it with make elf-fixtures", path);
	return fd;
}

static inline enum boxed_severity audit_fixture(const char *name, struct boxed_findings *f)
{
	int fd = open_fixture(name);
	enum boxed_severity worst = boxed_elf_audit_fd(fd, name, BOXED_ELF_RECORD_OK, f);

	close(fd);
	return worst;
}

#endif
