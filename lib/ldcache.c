/* The ld.so.cache parser (ldcache.h). The file is checked whole before
 * anything in it is handed out: the header, then the extension directory,
 * then every entry. Each read goes through get_u32()/get_u64(), which
 * refuse an offset whose bytes do not lie inside the file, so a check
 * forgotten above would still be a clean error, not an out-of-bounds
 * read.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "die.h"
#include "fsutil.h"
#include "ldcache.h"

/* struct cache_file_new (glibc's dl-cache.h), field by field. */
enum {
	HEADER_MAGIC = 0,	      /* char[20]: BOXED_LDCACHE_MAGIC */
	HEADER_NLIBS = 20,	      /* uint32_t: the number of entries */
	HEADER_LEN_STRINGS = 24,      /* uint32_t: the string table's size */
	HEADER_FLAGS = 28,	      /* uint8_t: the byte order; 3 bytes of padding */
	HEADER_EXTENSION_OFFSET = 32, /* uint32_t: the extension directory, 0: none */
	HEADER_SIZE = 48,	      /* 3 unused uint32_t; then the entries */
};

/* struct file_entry_new: one entry. */
enum {
	ENTRY_FLAGS = 0,      /* int32_t: BOXED_LDCACHE_FLAG_* */
	ENTRY_KEY = 4,	      /* uint32_t: offset of the soname */
	ENTRY_VALUE = 8,      /* uint32_t: offset of the path */
	ENTRY_OSVERSION = 12, /* uint32_t: unused since glibc 2.33 */
	ENTRY_HWCAP = 16,     /* uint64_t: see BOXED_LDCACHE_HWCAP_* */
	ENTRY_SIZE = 24,
};

/* The byte order in HEADER_FLAGS (cache_file_new_flags_endian_*): ld.so
 * takes a cache that says nothing or says its own, refuses the others. */
enum {
	ENDIAN_MASK = 3,
	ENDIAN_UNSET = 0,
	ENDIAN_INVALID = 1,
	ENDIAN_LITTLE = 2,
	ENDIAN_BIG = 3,
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	ENDIAN_HOST = ENDIAN_LITTLE,
#else
	ENDIAN_HOST = ENDIAN_BIG,
#endif
};

/* struct cache_extension, and its array of struct
 * cache_extension_section. */
#define EXTENSION_MAGIC UINT32_C(0xeaa42174) /* (uint32_t)-358342284 */
enum {
	EXTENSION_MAGIC_AT = 0, /* uint32_t */
	EXTENSION_COUNT = 4,	/* uint32_t: the number of sections */
	EXTENSION_SIZE = 8,	/* then the sections */
	SECTION_TAG = 0,	/* uint32_t: SECTION_TAG_* */
	SECTION_FLAGS = 4,	/* uint32_t: unused */
	SECTION_OFFSET = 8,	/* uint32_t: from the start of the file */
	SECTION_LENGTH = 12,	/* uint32_t: in bytes */
	SECTION_SIZE = 16,
};
enum {
	SECTION_TAG_GENERATOR = 0,    /* bytes: who wrote the cache */
	SECTION_TAG_GLIBC_HWCAPS = 1, /* uint32_t[]: offsets of subdirectory names */
};

/* The string table, as the header places it; computed by check_header(). */
struct layout {
	size_t strings_start, strings_end;
};

/* Do len bytes at off lie inside the file? (No sum can overflow.) */
static int in_file(const struct boxed_ldcache *c, size_t off, size_t len)
{
	return off <= c->size && len <= c->size - off;
}

static int get_u32(const struct boxed_ldcache *c, size_t off, uint32_t *v)
{
	if (!in_file(c, off, sizeof(*v)))
		return -1;
	memcpy(v, c->data + off, sizeof(*v));
	return 0;
}

static int get_u64(const struct boxed_ldcache *c, size_t off, uint64_t *v)
{
	if (!in_file(c, off, sizeof(*v)))
		return -1;
	memcpy(v, c->data + off, sizeof(*v));
	return 0;
}

/* The string at off, when off lies in [start, end) and the string ends
 * there too; NULL otherwise. */
static const char *string_at(const struct boxed_ldcache *c, size_t start, size_t end, uint32_t off)
{
	if (end > c->size || off < start || off >= end)
		return NULL;
	if (!memchr(c->data + off, '\0', end - off))
		return NULL;
	return (const char *)c->data + off;
}

static int is_hwcaps_entry(uint64_t hwcap)
{
	uint32_t upper = (uint32_t)(hwcap >> 32) & ~BOXED_LDCACHE_HWCAP_ISA_LEVEL_MASK;

	return upper == (uint32_t)(BOXED_LDCACHE_HWCAP_EXTENSION >> 32);
}

static int check_header(struct boxed_ldcache *c, struct layout *l, char *err, size_t errlen)
{
	size_t magic_len = strlen(BOXED_LDCACHE_MAGIC);
	uint32_t nlibs, len_strings;
	unsigned order;

	if (c->size < HEADER_SIZE)
		return boxed_errf(err, errlen, "%zu bytes, shorter than the %d-byte header",
				  c->size, HEADER_SIZE);
	if (memcmp(c->data + HEADER_MAGIC, BOXED_LDCACHE_MAGIC, magic_len) != 0)
		return boxed_errf(err, errlen,
				  "no \"%s\" magic (not the format of glibc 2.32 and later)",
				  BOXED_LDCACHE_MAGIC);
	order = c->data[HEADER_FLAGS] & ENDIAN_MASK;
	if (order != ENDIAN_UNSET && order != ENDIAN_HOST)
		return boxed_errf(err, errlen, "%s",
				  order == ENDIAN_INVALID ? "marked invalid by ldconfig"
							  : "written for the other byte order");
	if (get_u32(c, HEADER_NLIBS, &nlibs) != 0 || get_u32(c, HEADER_LEN_STRINGS, &len_strings))
		return boxed_errf(err, errlen, "truncated header");
	if (nlibs > (c->size - HEADER_SIZE) / ENTRY_SIZE)
		return boxed_errf(err, errlen, "%u entries do not fit in %zu bytes", nlibs,
				  c->size);
	l->strings_start = HEADER_SIZE + (size_t)nlibs * ENTRY_SIZE;
	if (!in_file(c, l->strings_start, len_strings))
		return boxed_errf(err, errlen,
				  "the string table (offset %zu, %u bytes) runs past the end (%zu "
				  "bytes)",
				  l->strings_start, len_strings, c->size);
	l->strings_end = l->strings_start + len_strings;
	c->nlibs = nlibs;
	return 0;
}

/* Every name of the glibc-hwcaps section must be a string of the table. */
static int check_hwcaps_names(const struct boxed_ldcache *c, const struct layout *l, char *err,
			      size_t errlen)
{
	for (uint32_t i = 0; i < c->n_hwcaps; i++) {
		uint32_t off = 0;

		if (get_u32(c, c->hwcaps_off + (size_t)i * sizeof(off), &off) != 0 ||
		    !string_at(c, l->strings_start, l->strings_end, off))
			return boxed_errf(err, errlen,
					  "glibc-hwcaps name %u (offset %u) is not a string of "
					  "the string table",
					  i, off);
	}
	return 0;
}

/* One section of the extension directory: inside the file, and for the
 * two tags ld.so and ldconfig know, recorded (once). */
static int take_section(struct boxed_ldcache *c, size_t at, char *err, size_t errlen)
{
	uint32_t tag, off, len;

	if (get_u32(c, at + SECTION_TAG, &tag) || get_u32(c, at + SECTION_OFFSET, &off) ||
	    get_u32(c, at + SECTION_LENGTH, &len))
		return boxed_errf(err, errlen, "truncated extension section at %zu", at);
	if (!in_file(c, off, len))
		return boxed_errf(err, errlen,
				  "extension section %u (offset %u, %u bytes) runs past the end",
				  tag, off, len);
	if (tag == SECTION_TAG_GENERATOR) {
		if (c->have_generator)
			return boxed_errf(err, errlen, "two generator sections");
		c->have_generator = 1;
		c->generator_off = off;
		c->generator_len = len;
	} else if (tag == SECTION_TAG_GLIBC_HWCAPS) {
		/* An array of uint32_t: dl-cache.h asks for 4-byte alignment. */
		if (c->n_hwcaps || len == 0 || off % 4 || len % 4)
			return boxed_errf(err, errlen,
					  "malformed glibc-hwcaps section (offset %u, %u bytes)",
					  off, len);
		c->hwcaps_off = off;
		c->n_hwcaps = len / 4;
	}
	return 0;
}

static int check_extensions(struct boxed_ldcache *c, const struct layout *l, char *err,
			    size_t errlen)
{
	uint32_t off, magic, count;

	if (get_u32(c, HEADER_EXTENSION_OFFSET, &off) != 0)
		return boxed_errf(err, errlen, "truncated header");
	if (off == 0)
		return 0;
	if (off % 4 || get_u32(c, off + EXTENSION_MAGIC_AT, &magic) ||
	    get_u32(c, (size_t)off + EXTENSION_COUNT, &count))
		return boxed_errf(err, errlen, "the extension directory (offset %u) is %s", off,
				  off % 4 ? "misaligned" : "past the end");
	if (magic != EXTENSION_MAGIC)
		return boxed_errf(err, errlen, "the extension directory (offset %u) has no magic",
				  off);
	if (count > (c->size - off - EXTENSION_SIZE) / SECTION_SIZE)
		return boxed_errf(err, errlen, "%u extension sections do not fit after offset %u",
				  count, off);
	for (uint32_t i = 0; i < count; i++)
		if (take_section(c, (size_t)off + EXTENSION_SIZE + (size_t)i * SECTION_SIZE, err,
				 errlen) != 0)
			return -1;
	return check_hwcaps_names(c, l, err, errlen);
}

static int check_entries(const struct boxed_ldcache *c, const struct layout *l, char *err,
			 size_t errlen)
{
	for (uint32_t i = 0; i < c->nlibs; i++) {
		size_t e = HEADER_SIZE + (size_t)i * ENTRY_SIZE;
		uint32_t key, value;
		uint64_t hwcap;

		if (get_u32(c, e + ENTRY_KEY, &key) || get_u32(c, e + ENTRY_VALUE, &value) ||
		    get_u64(c, e + ENTRY_HWCAP, &hwcap))
			return boxed_errf(err, errlen, "entry %u is truncated", i);
		if (!string_at(c, l->strings_start, l->strings_end, key) ||
		    !string_at(c, l->strings_start, l->strings_end, value))
			return boxed_errf(err, errlen,
					  "entry %u: its name (offset %u) or path (offset %u) is "
					  "not a string of the string table (offsets %zu-%zu)",
					  i, key, value, l->strings_start, l->strings_end);
		if (is_hwcaps_entry(hwcap) &&
		    (hwcap & BOXED_LDCACHE_HWCAP_INDEX_MASK) >= c->n_hwcaps)
			return boxed_errf(
			    err, errlen, "entry %u names glibc-hwcaps subdirectory %llu of %u", i,
			    (unsigned long long)(hwcap & BOXED_LDCACHE_HWCAP_INDEX_MASK),
			    c->n_hwcaps);
	}
	return 0;
}

int boxed_ldcache_parse(struct boxed_ldcache *c, const void *data, size_t size, char *err,
			size_t errlen)
{
	struct layout l = {0};

	memset(c, 0, sizeof(*c));
	c->data = data;
	c->size = size;
	if (size > BOXED_LDCACHE_MAX_SIZE) {
		memset(c, 0, sizeof(*c));
		return boxed_errf(err, errlen, "larger than %zu bytes", BOXED_LDCACHE_MAX_SIZE);
	}
	if (check_header(c, &l, err, errlen) != 0 || check_extensions(c, &l, err, errlen) != 0 ||
	    check_entries(c, &l, err, errlen) != 0) {
		memset(c, 0, sizeof(*c));
		return -1;
	}
	return 0;
}

int boxed_ldcache_read_fd(struct boxed_ldcache *c, int fd, char *err, size_t errlen)
{
	struct stat st;
	char *buf;
	ssize_t n;

	memset(c, 0, sizeof(*c));
	if (fstat(fd, &st) != 0)
		return boxed_errf(err, errlen, "fstat: %s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return boxed_errf(err, errlen, "not a regular file");
	n = boxed_read_all(fd, BOXED_LDCACHE_MAX_SIZE, &buf);
	if (n < 0)
		return boxed_errf(err, errlen, "%s",
				  errno == EFBIG ? "too large" : strerror(errno));
	if (boxed_ldcache_parse(c, buf, (size_t)n, err, errlen) != 0) {
		free(buf);
		return -1;
	}
	c->owned = (unsigned char *)buf;
	return 0;
}

void boxed_ldcache_free(struct boxed_ldcache *c)
{
	free(c->owned);
	memset(c, 0, sizeof(*c));
}

size_t boxed_ldcache_count(const struct boxed_ldcache *c)
{
	return c->nlibs;
}

int boxed_ldcache_entry(const struct boxed_ldcache *c, size_t i, struct boxed_ldcache_entry *e)
{
	size_t at = HEADER_SIZE + i * ENTRY_SIZE;
	uint32_t flags, key, value, sub;

	memset(e, 0, sizeof(*e));
	/* check_entries() proved all of this; it is checked again so that
	 * no path of this file reads unchecked. */
	if (i >= c->nlibs || get_u32(c, at + ENTRY_FLAGS, &flags) ||
	    get_u32(c, at + ENTRY_KEY, &key) || get_u32(c, at + ENTRY_VALUE, &value) ||
	    get_u64(c, at + ENTRY_HWCAP, &e->hwcap))
		return -1;
	e->flags = (int32_t)flags;
	e->name = string_at(c, 0, c->size, key);
	e->path = string_at(c, 0, c->size, value);
	if (is_hwcaps_entry(e->hwcap) &&
	    get_u32(c, c->hwcaps_off + (e->hwcap & BOXED_LDCACHE_HWCAP_INDEX_MASK) * 4, &sub) == 0)
		e->hwcaps = string_at(c, 0, c->size, sub);
	return e->name && e->path ? 0 : -1;
}

const char *boxed_ldcache_generator(const struct boxed_ldcache *c, size_t *len)
{
	*len = c->generator_len;
	return c->have_generator ? (const char *)c->data + c->generator_off : NULL;
}

int boxed_ldcache_host_flags(int32_t flags)
{
	return flags == BOXED_LDCACHE_HOST_FLAGS;
}

/* A run of digits at *p: its value, compared by length once leading zeros
 * are gone (no overflow for any length); *p moves past it. */
static size_t digit_run(const char **p, const char **start)
{
	while (**p == '0' && (*p)[1] >= '0' && (*p)[1] <= '9')
		(*p)++;
	*start = *p;
	while (**p >= '0' && **p <= '9')
		(*p)++;
	return (size_t)(*p - *start);
}

int boxed_ldcache_name_matches(const char *key, const char *name)
{
	const char *k = key, *n = name;

	while (*k && *n) {
		int kd = *k >= '0' && *k <= '9', nd = *n >= '0' && *n <= '9';

		if (kd && nd) {
			const char *ks, *ns;
			size_t kl = digit_run(&k, &ks), nl = digit_run(&n, &ns);

			if (kl != nl || memcmp(ks, ns, kl) != 0)
				return 0;
		} else if (*k++ != *n++) {
			return 0;
		}
	}
	return *k == '\0' && *n == '\0';
}
