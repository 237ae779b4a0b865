/* The Landlock ABI probe (landlock.h). */
#include <linux/landlock.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "landlock.h"

int boxed_landlock_abi(void)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

	return abi > 0 ? (int)abi : 0;
}
