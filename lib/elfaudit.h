/* The ELF audit (BLUEPRINT §3), on libelf.
 *
 * The dynamic segment is read through the program headers, as the loader
 * reads it, not through the section headers, which a crafted file can make
 * say anything. Every verdict is a finding; a malformed file is a finding,
 * never a crash.
 *
 * Check names: "elf", "class", "machine", "type", "pie", "relro",
 * "bindnow", "nx-stack", "wx-segment", "textrel", "rpath", "needed".
 * "elf" fails for anything that is not a well-formed ELF object (then the
 * other checks are not run); "needed" covers PT_INTERP and every library
 * of the dependency graph as ld.so resolves it in secure-execution mode.
 * A failed check is BOXED_SEV_ERROR; callers may weigh it differently.
 *
 * Under it: elfimage.h reads one object as the loader does, ldsearch.h
 * models ld.so's search for its libraries, ldcache.h reads the loader
 * cache. This header is the audit's whole API.
 */
#ifndef BOXED_ELFAUDIT_H
#define BOXED_ELFAUDIT_H

#include <stddef.h>

#include "findings.h"

enum {
	/* Do not resolve DT_NEEDED libraries on this host (fuzzing, staging). */
	BOXED_ELF_NO_NEEDED = 1u << 0,
	/* Record passing checks as BOXED_SEV_OK findings too. */
	BOXED_ELF_RECORD_OK = 1u << 1,
};

/* Audit the ELF executable open on fd (a regular file of at most 1 GiB);
 * subject names it in findings. The fd is read with pread and not moved.
 * Adds findings; returns the worst severity it added. */
enum boxed_severity boxed_elf_audit_fd(int fd, const char *subject, unsigned flags,
				       struct boxed_findings *out);

/* As boxed_elf_audit_fd() on an image in memory (for the fuzzer). */
enum boxed_severity boxed_elf_audit_mem(const void *image, size_t size, const char *subject,
					unsigned flags, struct boxed_findings *out);

/* Is the file open on fd an ELF object at all (magic and a header libelf
 * accepts)? 1 yes, 0 no. */
int boxed_elf_is_elf(int fd);

#endif
