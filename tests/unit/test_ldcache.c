/* The ld.so.cache parser (lib/ldcache.h): this host's cache, entry by
 * entry, against what `ldconfig -p` prints from it; every truncation and a
 * set of corrupted offsets, which must be refused cleanly (run under ASan
 * by make check-sanitize, where a buffer of exactly the truncated length
 * makes any over-read fatal); and a cache built here with glibc-hwcaps
 * entries, which this host's ldconfig may not write.
 *
 * The layout below is glibc's (sysdeps/generic/dl-cache.h), written out
 * again so that the test does not trust the parser's own constants. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "ldcache.h"

#define H_NLIBS 20
#define H_LEN_STRINGS 24
#define H_FLAGS 28
#define H_EXT 32
#define H_SIZE 48
#define E_SIZE 24
#define E_KEY 4
#define E_VALUE 8
#define E_HWCAP 16
#define X_MAGIC 0xeaa42174u

static char err[512];

struct bytes {
	unsigned char *data;
	size_t size;
};

static struct bytes host_cache(void)
{
	struct bytes b = {0};
	FILE *f = fopen(BOXED_LDCACHE_PATH, "rb");
	long n;

	ck_assert_msg(f != NULL, "%s: this test needs the host's cache", BOXED_LDCACHE_PATH);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_gt(n, H_SIZE);
	rewind(f);
	b.size = (size_t)n;
	b.data = malloc(b.size);
	ck_assert_ptr_nonnull(b.data);
	ck_assert_uint_eq(fread(b.data, 1, b.size, f), b.size);
	fclose(f);
	return b;
}

static uint32_t get32(const struct bytes *b, size_t off)
{
	uint32_t v;

	memcpy(&v, b->data + off, sizeof(v));
	return v;
}

static void put32(struct bytes *b, size_t off, uint32_t v)
{
	memcpy(b->data + off, &v, sizeof(v));
}

static void put64(struct bytes *b, size_t off, uint64_t v)
{
	memcpy(b->data + off, &v, sizeof(v));
}

/* Parse a copy of data[0..len) in a buffer of exactly len bytes, so that
 * ASan sees any read past it. Returns the parser's answer; on success, every
 * entry's strings are read whole. */
static int parse_copy(const unsigned char *data, size_t len)
{
	unsigned char *copy = malloc(len ? len : 1);
	struct boxed_ldcache c;
	struct boxed_ldcache_entry e;
	int rc;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, data, len);
	err[0] = '\0';
	rc = boxed_ldcache_parse(&c, copy, len, err, sizeof(err));
	if (rc == 0) {
		for (size_t i = 0; i < boxed_ldcache_count(&c); i++) {
			ck_assert_int_eq(boxed_ldcache_entry(&c, i, &e), 0);
			ck_assert_uint_lt(strlen(e.name) + strlen(e.path), len);
		}
		boxed_ldcache_free(&c);
	} else {
		ck_assert_msg(err[0] != '\0', "refused without a reason");
		ck_assert_uint_eq(boxed_ldcache_count(&c), 0);
	}
	free(copy);
	return rc;
}

/* One line of `ldconfig -p`: "\tNAME (DESCRIPTION) => PATH". */
struct listed {
	char name[256], desc[128], path[4096];
};

static int parse_listed(const char *line, struct listed *l)
{
	const char *open = strstr(line, " ("), *arrow = strstr(line, ") => ");
	size_t n;

	if (line[0] != '\t' || !open || !arrow || arrow < open)
		return -1;
	snprintf(l->name, sizeof(l->name), "%.*s", (int)(open - line - 1), line + 1);
	snprintf(l->desc, sizeof(l->desc), "%.*s", (int)(arrow - open - 2), open + 2);
	snprintf(l->path, sizeof(l->path), "%s", arrow + 5);
	n = strlen(l->path);
	if (n && l->path[n - 1] == '\n')
		l->path[n - 1] = '\0';
	return 0;
}

static FILE *ldconfig_p(void)
{
	FILE *p = popen("PATH=/usr/sbin:/sbin:/usr/bin:/bin LC_ALL=C ldconfig -p 2>&1", "r");

	ck_assert_ptr_nonnull(p);
	return p;
}

/* Every entry, in order, is the line ldconfig prints for it: the same name
 * and path, and "libc6,x86-64" exactly when ld.so here would take it. */
START_TEST(host_cache_matches_ldconfig)
{
	struct boxed_ldcache c;
	struct boxed_ldcache_entry e;
	struct listed l;
	char line[8192], want[64];
	size_t i = 0, host = 0, matched = 0, gen_len;
	const char *gen;
	FILE *p;
	int fd = open(BOXED_LDCACHE_PATH, O_RDONLY | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_msg(boxed_ldcache_read_fd(&c, fd, err, sizeof(err)) == 0, "%s", err);
	close(fd);
	p = ldconfig_p();
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), p));
	snprintf(want, sizeof(want), "%zu libs found in cache", boxed_ldcache_count(&c));
	ck_assert_msg(strstr(line, want), "ldconfig -p: %s, the parser: %s", line, want);
	while (fgets(line, sizeof(line), p) && parse_listed(line, &l) == 0) {
		int is_host;

		ck_assert_msg(boxed_ldcache_entry(&c, i, &e) == 0, "entry %zu missing", i);
		ck_assert_str_eq(e.name, l.name);
		ck_assert_str_eq(e.path, l.path);
		is_host = strncmp(l.desc, "libc6,x86-64", 12) == 0 &&
			  (l.desc[12] == '\0' || l.desc[12] == ',');
		ck_assert_msg(boxed_ldcache_host_flags(e.flags) == is_host,
			      "entry %zu (%s, %s): flags %#x", i, l.name, l.desc,
			      (unsigned)e.flags);
		host += is_host;
		matched += is_host && strcmp(e.name, l.name) == 0 && strcmp(e.path, l.path) == 0;
		i++;
	}
	ck_assert_uint_eq(i, boxed_ldcache_count(&c));
	ck_assert_uint_gt(host, 0);
	ck_assert_uint_eq(matched, host);
	gen = boxed_ldcache_generator(&c, &gen_len);
	if (gen && strncmp(line, "Cache generated by: ", 20) == 0)
		ck_assert_msg(strncmp(line + 20, gen, gen_len) == 0, "generator: %s", line);
	pclose(p);
	printf("ldcache: %zu of %zu x86-64 libc6 entries (%zu entries in all) match ldconfig -p\n",
	       matched, host, i);
	boxed_ldcache_free(&c);
}
END_TEST

/* The first bytes (header and first entries) at every length, the tail
 * (extension directory and generator) at every length, and the rest at a
 * stride: every truncation is refused, with a reason. */
START_TEST(host_cache_truncated)
{
	struct bytes b = host_cache();
	size_t tail = b.size > 512 ? b.size - 512 : 0;

	for (size_t len = 0; len < b.size; len++) {
		if (len > H_SIZE + 8 * E_SIZE && len < tail && len % 97 != 0)
			continue;
		ck_assert_msg(parse_copy(b.data, len) == -1, "%zu of %zu bytes accepted", len,
			      b.size);
	}
	ck_assert_int_eq(parse_copy(b.data, b.size), 0);
	free(b.data);
}
END_TEST

/* Each field that holds an offset or a count, set to values past the end,
 * at its edges, and misaligned: refused, never read through. */
START_TEST(host_cache_corrupted)
{
	struct bytes b = host_cache();
	uint32_t nlibs = get32(&b, H_NLIBS), ext = get32(&b, H_EXT);
	size_t strings = H_SIZE + (size_t)nlibs * E_SIZE;
	const uint32_t huge[] = {0xffffffffu, 0x80000000u, (uint32_t)b.size, (uint32_t)b.size - 1};
	const size_t fields[] = {H_NLIBS,
				 H_LEN_STRINGS,
				 H_EXT,
				 H_SIZE + E_KEY,
				 H_SIZE + E_VALUE,
				 strings - E_SIZE + E_KEY,
				 strings - E_SIZE + E_VALUE};

	ck_assert_uint_gt(nlibs, 1);
	for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
		uint32_t keep = get32(&b, fields[f]);

		for (size_t v = 0; v < sizeof(huge) / sizeof(huge[0]); v++) {
			put32(&b, fields[f], huge[v]);
			ck_assert_msg(parse_copy(b.data, b.size) == -1, "field %zu = %#x accepted",
				      fields[f], huge[v]);
		}
		put32(&b, fields[f], keep);
	}
	/* An entry's string just before the string table (inside the entries). */
	put32(&b, H_SIZE + E_KEY, (uint32_t)strings - 1);
	ck_assert_int_eq(parse_copy(b.data, b.size), -1);
	put32(&b, H_SIZE + E_KEY, get32(&b, H_SIZE + E_SIZE + E_KEY));
	ck_assert_int_eq(parse_copy(b.data, b.size), 0);
	/* The string table one byte short: its last string loses its end. */
	put32(&b, H_LEN_STRINGS, get32(&b, H_LEN_STRINGS) - 1);
	ck_assert_int_eq(parse_copy(b.data, b.size), -1);
	put32(&b, H_LEN_STRINGS, get32(&b, H_LEN_STRINGS) + 1);
	/* The byte order: marked invalid, or the other one. */
	b.data[H_FLAGS] = 1;
	ck_assert_int_eq(parse_copy(b.data, b.size), -1);
	ck_assert_msg(strstr(err, "invalid"), "%s", err);
	b.data[H_FLAGS] = 3;
	ck_assert_int_eq(parse_copy(b.data, b.size), -1);
	ck_assert_msg(strstr(err, "byte order"), "%s", err);
	b.data[H_FLAGS] = 2;
	if (ext != 0) {
		put32(&b, H_EXT, ext + 2);
		ck_assert_int_eq(parse_copy(b.data, b.size), -1);
		ck_assert_msg(strstr(err, "misaligned"), "%s", err);
		put32(&b, H_EXT, ext);
		put32(&b, ext, X_MAGIC + 1);
		ck_assert_int_eq(parse_copy(b.data, b.size), -1);
		put32(&b, ext, X_MAGIC);
		put32(&b, ext + 4, 0x10000000u);
		ck_assert_int_eq(parse_copy(b.data, b.size), -1);
		put32(&b, ext + 4, 1);
	}
	b.data[3] ^= 0x20;
	ck_assert_int_eq(parse_copy(b.data, b.size), -1);
	ck_assert_msg(strstr(err, "magic"), "%s", err);
	free(b.data);
}
END_TEST

/* Random bytes of the header, the first entries and the extension
 * directory changed: whatever the parser answers, it reads in bounds. */
START_TEST(host_cache_random_damage)
{
	struct bytes b = host_cache(), work;
	uint32_t ext = get32(&b, H_EXT);
	unsigned seed = 13;

	work.size = b.size;
	work.data = malloc(b.size);
	ck_assert_ptr_nonnull(work.data);
	for (int round = 0; round < 300; round++) {
		memcpy(work.data, b.data, b.size);
		for (int k = 0; k < 4; k++) {
			size_t at = (size_t)rand_r(&seed) % (H_SIZE + 4 * E_SIZE);

			if (ext && k == 3)
				at = ext + (size_t)rand_r(&seed) % 40;
			if (at < work.size)
				work.data[at] = (unsigned char)rand_r(&seed);
		}
		(void)parse_copy(work.data, work.size);
	}
	free(work.data);
	free(b.data);
}
END_TEST

/* A cache as ldconfig writes it where libraries sit in glibc-hwcaps
 * subdirectories: entry 0 is x86-64-v3's, entry 1 the plain one, entry 2
 * a 32-bit library. Offsets of the strings are fixed below. */
static struct bytes built_cache(void)
{
	static const char strings[] = "libz.so.1\0"				    /* 0 */
				      "/usr/lib/glibc-hwcaps/x86-64-v3/libz.so.1\0" /* 10 */
				      "/usr/lib/libz.so.1\0"			    /* 52 */
				      "/usr/lib32/libz.so.1\0"			    /* 71 */
				      "x86-64-v2\0"				    /* 92 */
				      "x86-64-v3\0";				    /* 102 */
	const size_t nlibs = 3, table = H_SIZE + nlibs * E_SIZE, ext = table + 112;
	struct bytes b;

	b.size = ext + 8 + 2 * 16 + 8 + 4;
	b.data = calloc(1, b.size);
	ck_assert_ptr_nonnull(b.data);
	memcpy(b.data, BOXED_LDCACHE_MAGIC, strlen(BOXED_LDCACHE_MAGIC));
	put32(&b, H_NLIBS, (uint32_t)nlibs);
	put32(&b, H_LEN_STRINGS, sizeof(strings) - 1); /* the literal's own NUL is not in it */
	b.data[H_FLAGS] = 2;
	put32(&b, H_EXT, (uint32_t)ext);
	for (size_t i = 0; i < nlibs; i++) {
		size_t e = H_SIZE + i * E_SIZE;
		static const uint32_t values[] = {10, 52, 71};

		put32(&b, e, i == 2 ? BOXED_LDCACHE_FLAG_ELF_LIBC6 : BOXED_LDCACHE_HOST_FLAGS);
		put32(&b, e + E_KEY, (uint32_t)table);
		put32(&b, e + E_VALUE, (uint32_t)table + values[i]);
	}
	put64(&b, H_SIZE + E_HWCAP, BOXED_LDCACHE_HWCAP_EXTENSION | 1);
	memcpy(b.data + table, strings, sizeof(strings) - 1);
	/* The directory: two sections, the hwcaps names, then "ldconfig". */
	put32(&b, ext, X_MAGIC);
	put32(&b, ext + 4, 2);
	put32(&b, ext + 8, 1);
	put32(&b, ext + 16, (uint32_t)(ext + 40));
	put32(&b, ext + 20, 8);
	put32(&b, ext + 24, 0);
	put32(&b, ext + 32, (uint32_t)(ext + 48));
	put32(&b, ext + 36, 4);
	put32(&b, ext + 40, (uint32_t)table + 92);
	put32(&b, ext + 44, (uint32_t)table + 102);
	memcpy(b.data + ext + 48, "test", 4);
	return b;
}

START_TEST(hwcaps_entries)
{
	struct bytes b = built_cache();
	struct boxed_ldcache c;
	struct boxed_ldcache_entry e;
	const char *gen;
	size_t len;

	ck_assert_msg(boxed_ldcache_parse(&c, b.data, b.size, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(boxed_ldcache_count(&c), 3);
	ck_assert_int_eq(boxed_ldcache_entry(&c, 0, &e), 0);
	ck_assert_str_eq(e.name, "libz.so.1");
	ck_assert_str_eq(e.path, "/usr/lib/glibc-hwcaps/x86-64-v3/libz.so.1");
	ck_assert_ptr_nonnull(e.hwcaps);
	ck_assert_str_eq(e.hwcaps, "x86-64-v3");
	ck_assert_int_eq(boxed_ldcache_host_flags(e.flags), 1);
	ck_assert_int_eq(boxed_ldcache_entry(&c, 1, &e), 0);
	ck_assert_ptr_null(e.hwcaps);
	ck_assert_str_eq(e.path, "/usr/lib/libz.so.1");
	ck_assert_int_eq(boxed_ldcache_entry(&c, 2, &e), 0);
	ck_assert_int_eq(boxed_ldcache_host_flags(e.flags), 0);
	ck_assert_int_eq(boxed_ldcache_entry(&c, 3, &e), -1);
	gen = boxed_ldcache_generator(&c, &len);
	ck_assert_uint_eq(len, 4);
	ck_assert_int_eq(memcmp(gen, "test", 4), 0);
	boxed_ldcache_free(&c);
	boxed_ldcache_free(&c);
	for (size_t n = 0; n < b.size; n++)
		ck_assert_msg(parse_copy(b.data, n) == -1, "%zu bytes accepted", n);
	free(b.data);
}
END_TEST

START_TEST(hwcaps_corrupted)
{
	struct bytes b = built_cache();
	size_t ext = get32(&b, H_EXT);

	/* An index past the list of subdirectories. */
	put64(&b, H_SIZE + E_HWCAP, BOXED_LDCACHE_HWCAP_EXTENSION | 2);
	ck_assert_int_eq(parse_copy(b.data, b.size), -1);
	ck_assert_msg(strstr(err, "glibc-hwcaps subdirectory 2 of 2"), "%s", err);
	/* ISA level bits keep it an extension entry; other bits make it a
	 * legacy hwcap mask, whose low half indexes nothing. */
	put64(&b, H_SIZE + E_HWCAP, BOXED_LDCACHE_HWCAP_EXTENSION | (UINT64_C(5) << 32) | 7);
	ck_assert_int_eq(parse_copy(b.data, b.size), -1);
	put64(&b, H_SIZE + E_HWCAP, BOXED_LDCACHE_HWCAP_EXTENSION | (UINT64_C(1) << 61) | 7);
	ck_assert_int_eq(parse_copy(b.data, b.size), 0);
	put64(&b, H_SIZE + E_HWCAP, BOXED_LDCACHE_HWCAP_EXTENSION | 1);
	/* The names: misaligned, of a length not a multiple of 4, a name
	 * outside the string table. */
	put32(&b, ext + 16, (uint32_t)ext + 42);
	ck_assert_int_eq(parse_copy(b.data, b.size), -1);
	put32(&b, ext + 16, (uint32_t)ext + 40);
	put32(&b, ext + 20, 6);
	ck_assert_int_eq(parse_copy(b.data, b.size), -1);
	put32(&b, ext + 20, 8);
	put32(&b, ext + 44, (uint32_t)ext + 48);
	ck_assert_int_eq(parse_copy(b.data, b.size), -1);
	put32(&b, ext + 44, get32(&b, ext + 40));
	ck_assert_int_eq(parse_copy(b.data, b.size), 0);
	/* The generator runs past the end; a second generator section. */
	put32(&b, ext + 36, 5);
	ck_assert_int_eq(parse_copy(b.data, b.size), -1);
	put32(&b, ext + 36, 4);
	put32(&b, ext + 8, 0);
	ck_assert_int_eq(parse_copy(b.data, b.size), -1);
	ck_assert_msg(strstr(err, "two generator"), "%s", err);
	free(b.data);
}
END_TEST

START_TEST(read_fd_refuses_non_files)
{
	struct boxed_ldcache c;
	int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(boxed_ldcache_read_fd(&c, fd, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "not a regular file"), "%s", err);
	close(fd);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ck_assert_int_eq(boxed_ldcache_read_fd(&c, fd, err, sizeof(err)), -1);
	close(fd);
}
END_TEST

/* ld.so's _dl_cache_libcmp: runs of digits compare by value. */
START_TEST(names_compare_as_ld_so_does)
{
	ck_assert_int_eq(boxed_ldcache_name_matches("libz.so.1", "libz.so.1"), 1);
	ck_assert_int_eq(boxed_ldcache_name_matches("libz.so.01", "libz.so.1"), 1);
	ck_assert_int_eq(boxed_ldcache_name_matches("libz.so.1", "libz.so.001"), 1);
	ck_assert_int_eq(boxed_ldcache_name_matches("libz.so.0", "libz.so.00"), 1);
	ck_assert_int_eq(boxed_ldcache_name_matches("libz.so.1", "libz.so.10"), 0);
	ck_assert_int_eq(boxed_ldcache_name_matches("libz.so.1", "libz.so.1.2"), 0);
	ck_assert_int_eq(boxed_ldcache_name_matches("libz.so", "libz.so.1"), 0);
	ck_assert_int_eq(boxed_ldcache_name_matches("libz.so.1", "libz.so.x"), 0);
	ck_assert_int_eq(boxed_ldcache_name_matches("libz.so.2", "libz.so.1"), 0);
	ck_assert_int_eq(boxed_ldcache_name_matches("", ""), 1);
	ck_assert_int_eq(boxed_ldcache_name_matches("a", ""), 0);
}
END_TEST

static Suite *ldcache_suite(void)
{
	Suite *s = suite_create("ldcache");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, host_cache_matches_ldconfig);
	tcase_add_test(tc, host_cache_truncated);
	tcase_add_test(tc, host_cache_corrupted);
	tcase_add_test(tc, host_cache_random_damage);
	tcase_add_test(tc, hwcaps_entries);
	tcase_add_test(tc, hwcaps_corrupted);
	tcase_add_test(tc, read_fd_refuses_non_files);
	tcase_add_test(tc, names_compare_as_ld_so_does);
	suite_add_tcase(s, tc);
	return s;
}

BOXED_CHECK_MAIN(ldcache_suite)
