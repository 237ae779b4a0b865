/* File capabilities on libcap: reading, classifying, setting and clearing
 * them on an fd (caps.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

#include "caps.h"

int boxed_fcaps_unsupported_errno(int err)
{
	return err == EOPNOTSUPP || err == ENOTSUP || err == EINVAL;
}

static cap_t runner_caps(void)
{
	return cap_from_text(BOXED_RUNNER_CAPS_TEXT);
}

static enum boxed_fcaps_state classify(cap_t caps, char **text)
{
	cap_t want;
	int differ;

	if (!caps) {
		/* ENODATA: no xattr. ENOTSUP: none can exist on this fs. */
		if (errno == ENODATA || boxed_fcaps_unsupported_errno(errno))
			return BOXED_FCAPS_NONE;
		return BOXED_FCAPS_UNKNOWN;
	}
	want = runner_caps();
	if (!want) {
		int saved = errno;

		cap_free(caps);
		errno = saved;
		return BOXED_FCAPS_UNKNOWN;
	}
	differ = cap_compare(caps, want);
	cap_free(want);
	if (text) {
		char *t = cap_to_text(caps, NULL);

		*text = t ? strdup(t) : NULL;
		cap_free(t);
	}
	/* libcap may hand back an empty set for a file whose xattr grants
	 * nothing; that is no capability. */
	if (differ != 0) {
		cap_t empty = cap_init();
		int is_empty = empty && cap_compare(caps, empty) == 0;

		cap_free(empty);
		cap_free(caps);
		if (is_empty) {
			if (text) {
				free(*text);
				*text = NULL;
			}
			return BOXED_FCAPS_NONE;
		}
		return BOXED_FCAPS_OTHER;
	}
	cap_free(caps);
	return BOXED_FCAPS_RUNNER;
}

enum boxed_fcaps_state boxed_fcaps_get_fd(int fd, char **text)
{
	if (text)
		*text = NULL;
	return classify(cap_get_fd(fd), text);
}

enum boxed_fcaps_state boxed_fcaps_get_path(const char *path, char **text)
{
	if (text)
		*text = NULL;
	return classify(cap_get_file(path), text);
}

int boxed_fcaps_apply_runner_fd(int fd)
{
	cap_t caps = runner_caps();
	int rc, saved;

	if (!caps)
		return -1;
	rc = cap_set_fd(fd, caps);
	saved = errno;
	cap_free(caps);
	errno = saved;
	if (rc != 0)
		return -1;
	/* The kernel's answer is the truth: read back what it stored. */
	if (boxed_fcaps_get_fd(fd, NULL) != BOXED_FCAPS_RUNNER) {
		errno = EIO;
		return -1;
	}
	return 0;
}

int boxed_fcaps_clear_fd(int fd)
{
	/* Removing needs CAP_SETFCAP even when there is nothing to remove, so
	 * a user staging files would fail on a file that is already clean. */
	if (boxed_fcaps_get_fd(fd, NULL) == BOXED_FCAPS_NONE)
		return 0;
	/* libcap removes the security.capability xattr when given NULL. */
	if (cap_set_fd(fd, NULL) != 0 && errno != ENODATA && !boxed_fcaps_unsupported_errno(errno))
		return -1;
	if (boxed_fcaps_get_fd(fd, NULL) != BOXED_FCAPS_NONE) {
		errno = EIO;
		return -1;
	}
	return 0;
}
