/* Strict JSON input: exactly one value, nothing after it but whitespace,
 * and no object with the same key twice.
 *
 * cJSON alone accepts trailing bytes and keeps both members of a duplicated
 * key, while Python's json keeps the last: two readers of one document
 * would then disagree on what it says (the runner logs one "target", the
 * bootstrap runs the other). Every document that crosses the sandbox
 * boundary, and the config, is parsed here.
 */
#ifndef BOXED_JSONUTIL_H
#define BOXED_JSONUTIL_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* Parse len bytes of text (not NUL-terminated, may hold NULs) as exactly
 * one JSON value. Returns the tree (cJSON_Delete it), or NULL with the
 * reason in err: not JSON (with the byte offset), trailing data, or the
 * path of a duplicated key. */
cJSON *boxed_json_parse_strict(const char *text, size_t len, char *err, size_t errlen);

/* The first key that appears twice in one object anywhere beneath item
 * (item itself included), or NULL when there is none. */
const char *boxed_json_duplicate_key(const cJSON *item);

#endif
