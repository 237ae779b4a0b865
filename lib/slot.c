/* The paths and uids of slots (slot.h). */
#include <errno.h>
#include <stdio.h>

#include "slot.h"

uid_t boxed_slot_uid(const struct boxed_config *cfg, unsigned index)
{
	return cfg->first_uid + index;
}

static int format_path(char *buf, size_t len, const char *statedir, const char *dir, unsigned index,
		       const char *suffix)
{
	int n = snprintf(buf, len, "%s/%s/%u%s", statedir, dir, index, suffix);

	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int boxed_slot_lock_path(char *buf, size_t len, const char *statedir, unsigned index)
{
	return format_path(buf, len, statedir, "locks", index, ".lock");
}

int boxed_slot_dir_path(char *buf, size_t len, const char *statedir, unsigned index)
{
	return format_path(buf, len, statedir, "slots", index, "");
}
