/* The ELF audit against malformed input: anything that is not a
 * well-formed ELF object, a fixture with one offset or size corrupted at a
 * time, and random mutations. Each must end in findings, never in a crash
 * or an out-of-bounds read (make check-sanitize runs this under ASan). */
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "elf_fixtures.h"
#include "elfaudit.h"
#include "findings.h"

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

/* Apply one corruption to a copy of the good fixture. One piece: a table,
 * one short case per corruption, read down the page. */
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

static Suite *elfaudit_malformed_suite(void)
{
	Suite *s = suite_create("elfaudit_malformed");
	TCase *m = tcase_create("malformed");

	tcase_set_timeout(m, 30);
	tcase_add_test(m, non_elf_inputs);
	tcase_add_test(m, is_elf);
	tcase_add_test(m, truncated_inputs);
	tcase_add_loop_test(m, corrupted_inputs, 0, N_CORRUPTIONS);
	tcase_add_test(m, wrong_class);
	tcase_add_test(m, wrong_machine);
	tcase_add_test(m, needed_not_found);
	tcase_add_test(m, needed_relative_path);
	tcase_add_test(m, interpreter_relative_path);
	tcase_add_test(m, random_mutations_are_findings);
	suite_add_tcase(s, m);
	return s;
}

BOXED_CHECK_MAIN(elfaudit_malformed_suite)
