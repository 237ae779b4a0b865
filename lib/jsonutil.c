/* Strict JSON on cJSON (jsonutil.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "jsonutil.h"

/* Objects with more members than this are checked by sorting their keys;
 * smaller ones, the usual case, pairwise. */
#define PAIRWISE_MAX 16

static int compare_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A repeated key among the members of one object, or NULL. */
static const char *repeated_member(const cJSON *object)
{
	const cJSON *a, *b;
	const char **keys, *found = NULL;
	size_t n = 0, i = 0;

	for (a = object->child; a; a = a->next)
		n++;
	if (n <= PAIRWISE_MAX) {
		for (a = object->child; a; a = a->next)
			for (b = a->next; b; b = b->next)
				if (strcmp(a->string, b->string) == 0)
					return a->string;
		return NULL;
	}
	keys = malloc(n * sizeof(*keys));
	/* Out of memory: report the object's first key as repeated, so the
	 * document is refused rather than accepted unchecked. */
	if (!keys)
		return object->child->string;
	for (a = object->child; a; a = a->next)
		keys[i++] = a->string;
	qsort(keys, n, sizeof(*keys), compare_keys);
	for (i = 1; i < n && !found; i++)
		if (strcmp(keys[i - 1], keys[i]) == 0)
			found = keys[i];
	free(keys);
	return found;
}

const char *boxed_json_duplicate_key(const cJSON *item)
{
	/* cJSON nests at most CJSON_NESTING_LIMIT (1000) deep, which bounds
	 * this recursion. */
	for (; item; item = item->next) {
		const char *dup;

		if (cJSON_IsObject(item) && (dup = repeated_member(item)))
			return dup;
		if ((cJSON_IsObject(item) || cJSON_IsArray(item)) &&
		    (dup = boxed_json_duplicate_key(item->child)))
			return dup;
	}
	return NULL;
}

static int only_whitespace(const char *p, const char *end)
{
	for (; p < end; p++)
		if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			return 0;
	return 1;
}

/* What cJSON lets through and JSON does not: a control character, taken
 * for whitespace between tokens and kept raw inside strings; and the
 * escape \u0000, which a C string cannot hold, so that cJSON cuts the
 * string short there, a value different from the one written. Returns
 * the offending offset, or -1. */
static long lexical_flaw(const char *text, size_t len, const char **what)
{
	int in_string = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c < 0x20 && (in_string || (c != ' ' && c != '\t' && c != '\n' && c != '\r'))) {
			*what = "a control character";
			return (long)i;
		}
		if (c == '"') {
			in_string = !in_string;
		} else if (in_string && c == '\\' && i + 1 < len) {
			if (len - i >= 6 && memcmp(text + i + 1, "u0000", 5) == 0) {
				*what = "the escape \\u0000";
				return (long)i;
			}
			i++; /* the escaped character, a quote perhaps */
		}
	}
	return -1;
}

cJSON *boxed_json_parse_strict(const char *text, size_t len, char *err, size_t errlen)
{
	const char *flaw;
	long at;
	const char *end = NULL;
	const char *dup;
	cJSON *root;

	if (!text || len == 0) {
		boxed_errf(err, errlen, "empty document");
		return NULL;
	}
	at = lexical_flaw(text, len, &flaw);
	if (at >= 0) {
		boxed_errf(err, errlen, "not valid JSON: %s at byte %ld", flaw, at);
		return NULL;
	}
	root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (!root) {
		boxed_errf(err, errlen, "not valid JSON near byte %ld",
			   end ? (long)(end - text) : 0L);
		return NULL;
	}
	if (!end || end < text || end > text + len || !only_whitespace(end, text + len)) {
		boxed_errf(err, errlen, "data after the JSON value at byte %ld",
			   end ? (long)(end - text) : 0L);
		cJSON_Delete(root);
		return NULL;
	}
	dup = boxed_json_duplicate_key(root);
	if (dup) {
		boxed_errf(err, errlen, "the key \"%.64s\" appears twice in one object", dup);
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}
