/* Landlock, as far as more than one program asks about it. */
#ifndef BOXED_LANDLOCK_H
#define BOXED_LANDLOCK_H

/* The kernel's Landlock ABI version, or 0 when Landlock is unavailable
 * (errno then says why: ENOSYS not built in, EOPNOTSUPP not enabled). */
int boxed_landlock_abi(void);

#endif
