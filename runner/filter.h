/* The rules of the runner's seccomp filter.
 *
 * They are written with libseccomp, but compiled to BPF at build time by
 * tools/seccomp-gen: the runner loads that fixed program, so it neither
 * links libseccomp nor spends a filter build on every run, and the program
 * a run gets is the one the unit tests compared with these rules.
 */
#ifndef BOXED_RUN_FILTER_H
#define BOXED_RUN_FILTER_H

#include <stddef.h>

#include <seccomp.h>

/* A new filter context holding every rule: with or without the network
 * rule, and for a sealed run (its own IPC namespace) or not. Returns NULL
 * with the reason in err. */
scmp_filter_ctx boxed_run_filter_build(int no_network, int sealed, char *err, size_t errlen);

/* The four programs, as tools/seccomp-gen names them in the header. */
#define BOXED_RUN_FILTER_VARIANTS                                                                  \
	X(boxed_filter_unsealed_network, 0, 0)                                                     \
	X(boxed_filter_unsealed_no_network, 1, 0)                                                  \
	X(boxed_filter_sealed_network, 0, 1)                                                       \
	X(boxed_filter_sealed_no_network, 1, 1)

#endif
