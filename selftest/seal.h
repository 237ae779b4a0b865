/* What the outer side of the seal's probes (seal_*.c) share: judging a
 * check the outer side made itself, and runs it watches while they live.
 * The seal (BLUEPRINT §2a) is what DAC, Landlock and seccomp do not cover
 * and the run's own namespaces and init do. */
#ifndef BOXED_SELFTEST_SEAL_H
#define BOXED_SELFTEST_SEAL_H

#include <stddef.h>
#include <sys/types.h>

#include "outer.h"

#define FIX_SEAL                                                                                   \
	"runs need their own namespaces: see host-userns for what this host lacks and how "        \
	"to allow unprivileged user namespaces"

/* The verdict of a check the outer side made itself, judged as an inner
 * verdict would be: in the sandbox, isolated passes; in control mode, the
 * check must have seen the missing isolation. The run's own outcome has
 * been looked at already. */
__attribute__((format(printf, 5, 6))) void boxed_selftest_judge(const struct boxed_selftest_ctx *c,
								struct boxed_selftest_result *res,
								int isolated, const char *fix,
								const char *fmt, ...);

/* Did the run fail to give what the probe needs? In the sandbox, a report
 * with outcome ok; in both modes, a verdict line of the inner side. Sets
 * res and returns 1 when it did. */
int boxed_selftest_run_broken(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *res,
			      const struct boxed_selftest_run *r, const char *what,
			      const char *fix);

/* One result of n parts: the worst status, its fix, and every part's
 * message after its label. */
void boxed_selftest_merge(struct boxed_selftest_result *res,
			  const struct boxed_selftest_result *part, const char *const *label,
			  size_t n);

/* An errno from the verdict's "errno" object; -1 when absent. */
int boxed_selftest_verdict_errno(const struct boxed_selftest_run *r, const char *what);

/* Is the verdict's field what true? */
int boxed_selftest_verdict_true(const struct boxed_selftest_run *r, const char *what);

/* "yes" for 0, "unknown" for -1, else the errno's text. */
const char *boxed_selftest_errno_text(int e);

/* The sealed state of a run, for messages. */
const char *boxed_selftest_sealed_text(const struct boxed_selftest_ctx *c,
				       const struct boxed_selftest_run *r);

/* Call fn(fields, n, arg) for each line of /proc/sysvipc/kind ("shm",
 * "msg", "sem") with n > 0 numbers: its first n (at most 8) fields. */
void boxed_selftest_sysvipc_each(const char *kind, void (*fn)(const long *v, int n, void *arg),
				 void *arg);

/* A run the outer side looks at while it lives: its inner side names
 * itself "st-ready" when it has done its part, and ends once the outer
 * side creates the release file. */
struct boxed_selftest_live {
	struct boxed_selftest_spawn_opts opts;
	pid_t pid; /* the runner (or in control mode the probe; with via_caller the caller) */
	int fd, efd;
	char token[64];
	char release[160];
	pid_t ready; /* the inner side, as the host numbers it; 0: never ready */
	long uid;    /* its real uid */
};

/* Name the run what (its token, its release file) under limits. */
void boxed_selftest_live_init(const struct boxed_selftest_ctx *c, struct boxed_selftest_live *l,
			      const char *what, const char *const *limits);

/* Start it, and wait until its inner side is ready (l->ready), it ended,
 * or 12 s passed. */
void boxed_selftest_live_start(const struct boxed_selftest_ctx *c, struct boxed_selftest_live *l,
			       const char *probe, const char *const *args);

/* Release the inner side and collect the run. */
void boxed_selftest_live_finish(const struct boxed_selftest_ctx *c, struct boxed_selftest_live *l,
				struct boxed_selftest_run *r);

/* The run never got ready: say what became of it. */
void boxed_selftest_not_ready(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *res,
			      const struct boxed_selftest_run *r, const char *fix);

#endif
