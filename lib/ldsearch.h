/* Where ld.so would find the libraries an object needs, and whether
 * another user could choose them: the "needed" check of the ELF audit
 * (elfaudit.h), which walks the dependency graph with it.
 *
 * The model is ld.so(8)'s order for a name without a slash, in
 * secure-execution mode (the mode of a binary with file capabilities):
 * DT_RPATH of the object and then of the executable (only when the object
 * has no DT_RUNPATH), then DT_RUNPATH (LD_LIBRARY_PATH is ignored in that
 * mode), then /etc/ld.so.cache (ldcache.h), then the default directories.
 * Each directory is tried with its glibc-hwcaps subdirectories first, and
 * a candidate of the wrong class or machine is skipped, as ld.so skips it.
 * Every library found, the cache, and every directory searched in vain
 * must be root-owned and not writable by others; each departure is a
 * BOXED_SEV_ERROR finding of check "needed".
 */
#ifndef BOXED_LDSEARCH_H
#define BOXED_LDSEARCH_H

#include <stddef.h>

#include "findings.h"

struct boxed_ldsearch;

/* What ld.so reads from one object to find its libraries. */
struct boxed_ldsearch_object {
	const char *path;	   /* the object, as findings name it */
	const char *runpath;	   /* its DT_RUNPATH (ld.so takes the last), or NULL */
	const char *rpath;	   /* its DT_RPATH (the last), or NULL */
	const char *const *needed; /* its DT_NEEDED names, in order */
	size_t n_needed;
};

/* A search over the dependency graph of the executable subject. Its
 * DT_RPATH, when it has no DT_RUNPATH, is exe_rpath (or NULL): ld.so
 * searches it for every library too. Findings go to out under subject;
 * subject, exe_rpath and out must outlive the search. Returns NULL when
 * out of memory. */
struct boxed_ldsearch *boxed_ldsearch_new(const char *subject, const char *exe_rpath,
					  struct boxed_findings *out);

/* Release s and everything it found (NULL: nothing). */
void boxed_ldsearch_free(struct boxed_ldsearch *s);

/* Resolve every DT_NEEDED of obj as ld.so would. A library not met
 * before (ld.so loads each name once) is queued for boxed_ldsearch_next().
 * Returns 1 when it added a finding, 0 when it did not. */
int boxed_ldsearch_resolve(struct boxed_ldsearch *s, const struct boxed_ldsearch_object *obj);

/* The next queued library's path, or NULL when every one was handed out.
 * The string lives as long as s. */
const char *boxed_ldsearch_next(struct boxed_ldsearch *s);

/* How many libraries were queued in all. */
size_t boxed_ldsearch_found(const struct boxed_ldsearch *s);

/* The trust rule for a file ld.so or the kernel maps (what, needed by
 * from): root-owned and not writable by others, nor any directory above
 * it. Returns 1 when it added a finding, 0 when the file passes. */
int boxed_ldsearch_judge_trusted(struct boxed_ldsearch *s, const char *what, const char *from,
				 const char *path);

#endif
