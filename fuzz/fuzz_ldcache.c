/* libFuzzer target: any byte string handed to the ld.so.cache parser is
 * refused with a reason, or parsed into entries whose strings all lie
 * inside it; never a crash or an out-of-bounds read (ASan, UBSan). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ldcache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

const int boxed_die_status = 99;

/* Does the string s end inside data? */
static int inside(const uint8_t *data, size_t size, const char *s)
{
	const uint8_t *p = (const uint8_t *)s;

	return p >= data && p < data + size && memchr(p, '\0', size - (size_t)(p - data));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct boxed_ldcache c;
	struct boxed_ldcache_entry e;
	char err[256] = "";
	const char *gen;
	size_t len;

	if (boxed_ldcache_parse(&c, data, size, err, sizeof(err)) != 0) {
		if (err[0] == '\0' || boxed_ldcache_count(&c) != 0)
			__builtin_trap();
		return 0;
	}
	for (size_t i = 0; i < boxed_ldcache_count(&c); i++) {
		if (boxed_ldcache_entry(&c, i, &e) != 0 || !inside(data, size, e.name) ||
		    !inside(data, size, e.path) || (e.hwcaps && !inside(data, size, e.hwcaps)))
			__builtin_trap();
		(void)boxed_ldcache_host_flags(e.flags);
		(void)boxed_ldcache_name_matches(e.name, e.path);
	}
	gen = boxed_ldcache_generator(&c, &len);
	if (gen &&
	    ((const uint8_t *)gen < data || len > size - (size_t)((const uint8_t *)gen - data)))
		__builtin_trap();
	boxed_ldcache_free(&c);
	return 0;
}
