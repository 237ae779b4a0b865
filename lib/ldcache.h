/* /etc/ld.so.cache, read the way ld.so reads it.
 *
 * The format is the one ldconfig writes since glibc 2.32 (glibc's
 * sysdeps/generic/dl-cache.h, "struct cache_file_new"): a 48-byte header
 * that starts with the magic "glibc-ld.so.cache1.1", nlibs entries of 24
 * bytes (flags, name, path, an unused OS version, hwcap), a string table,
 * and an optional extension directory (the generator's version, the names
 * of the glibc-hwcaps subdirectories). Every string is an offset from the
 * start of the file. The older "ld.so-1.7.0" layout, which glibc 2.32 no
 * longer writes, is refused.
 *
 * Only root can write the cache, but the parser treats it as untrusted:
 * every offset and count read from the file is checked against the file's
 * size before it is used, and every string must end inside its table. A
 * truncated or corrupt cache is refused as a whole with the reason, never
 * read out of bounds. After a successful parse, every entry is valid.
 */
#ifndef BOXED_LDCACHE_H
#define BOXED_LDCACHE_H

#include <stddef.h>
#include <stdint.h>

#define BOXED_LDCACHE_PATH "/etc/ld.so.cache"
/* "glibc-ld.so.cache" and the version "1.1", without a terminator. */
#define BOXED_LDCACHE_MAGIC "glibc-ld.so.cache1.1"
/* Far larger than any real cache (a few hundred KiB); bounds malloc. */
#define BOXED_LDCACHE_MAX_SIZE ((size_t)64 << 20)

/* Entry flags (glibc's FLAG_*): the low byte says what kind of object the
 * entry is, the next byte which ABI it needs. ld.so on a host takes only
 * the entries whose flags are exactly its own (BOXED_LDCACHE_HOST_FLAGS). */
enum {
	BOXED_LDCACHE_FLAG_TYPE_MASK = 0x00ff,
	BOXED_LDCACHE_FLAG_ELF = 0x0001,
	BOXED_LDCACHE_FLAG_ELF_LIBC6 = 0x0003,
	BOXED_LDCACHE_FLAG_ABI_MASK = 0xff00,
	BOXED_LDCACHE_FLAG_X8664_LIB64 = 0x0300,
	BOXED_LDCACHE_FLAG_AARCH64_LIB64 = 0x0a00,
};

#if defined(__x86_64__)
#define BOXED_LDCACHE_HOST_FLAGS (BOXED_LDCACHE_FLAG_ELF_LIBC6 | BOXED_LDCACHE_FLAG_X8664_LIB64)
#elif defined(__aarch64__)
#define BOXED_LDCACHE_HOST_FLAGS (BOXED_LDCACHE_FLAG_ELF_LIBC6 | BOXED_LDCACHE_FLAG_AARCH64_LIB64)
#else
#error "the ld.so.cache reader knows the flags of x86-64 and AArch64 only"
#endif

/* The hwcap field of an entry. With the extension bit set (and nothing
 * else in the upper half but the ISA level bits), the entry lies in a
 * glibc-hwcaps subdirectory, and the lower 32 bits index the list of their
 * names; ld.so before 2.33 ignores such entries. Otherwise the field is a
 * mask of legacy hardware capabilities. */
#define BOXED_LDCACHE_HWCAP_EXTENSION (UINT64_C(1) << 62)
#define BOXED_LDCACHE_HWCAP_ISA_LEVEL_BITS 10
#define BOXED_LDCACHE_HWCAP_ISA_LEVEL_MASK ((UINT32_C(1) << BOXED_LDCACHE_HWCAP_ISA_LEVEL_BITS) - 1)
#define BOXED_LDCACHE_HWCAP_INDEX_MASK UINT64_C(0xffffffff)

/* A parsed cache. The fields are the parser's; read them through the
 * functions below. */
struct boxed_ldcache {
	const unsigned char *data;
	size_t size;
	unsigned char *owned; /* what boxed_ldcache_read_fd() allocated */
	uint32_t nlibs;
	size_t hwcaps_off; /* the glibc-hwcaps name list: offset and count */
	uint32_t n_hwcaps;
	int have_generator;
	size_t generator_off, generator_len;
};

/* One entry, with its strings resolved (pointers into the cache). */
struct boxed_ldcache_entry {
	int32_t flags;	    /* BOXED_LDCACHE_FLAG_* */
	const char *name;   /* the soname ld.so looks for */
	const char *path;   /* the file it loads for it */
	uint64_t hwcap;	    /* as stored */
	const char *hwcaps; /* the glibc-hwcaps subdirectory, or NULL */
};

/* Parse the cache image data[0..size), which must outlive c (it is not
 * copied). Returns 0, or -1 with the reason in err and c empty. */
__attribute__((warn_unused_result)) int boxed_ldcache_parse(struct boxed_ldcache *c,
							    const void *data, size_t size,
							    char *err, size_t errlen);

/* Read the regular file open on fd, from its offset to its end (at most
 * BOXED_LDCACHE_MAX_SIZE bytes), and parse it; c owns the copy. Returns 0,
 * or -1 with the reason in err. */
__attribute__((warn_unused_result)) int boxed_ldcache_read_fd(struct boxed_ldcache *c, int fd,
							      char *err, size_t errlen);

/* Release what c holds; c is empty afterwards (freeing it twice is safe). */
void boxed_ldcache_free(struct boxed_ldcache *c);

/* The number of entries. */
size_t boxed_ldcache_count(const struct boxed_ldcache *c);

/* Entry i (below the count) into *e. Returns 0, or -1 when i is out of
 * range. */
int boxed_ldcache_entry(const struct boxed_ldcache *c, size_t i, struct boxed_ldcache_entry *e);

/* The generator's version text (not NUL-terminated) and its length, or
 * NULL when the cache does not say. */
const char *boxed_ldcache_generator(const struct boxed_ldcache *c, size_t *len);

/* Does ld.so on this host consider entries with these flags? */
int boxed_ldcache_host_flags(int32_t flags);

/* Would ld.so take cache key for the name it looks up? It compares as
 * glibc's _dl_cache_libcmp does: runs of digits by their value, so
 * "libfoo.so.01" answers for "libfoo.so.1". Returns 1 or 0. */
int boxed_ldcache_name_matches(const char *key, const char *name);

#endif
