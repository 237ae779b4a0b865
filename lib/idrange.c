/* The slot-range check (idrange.h): the four files, then the name
 * service. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "die.h"
#include "fsutil.h"
#include "idrange.h"

#define IDFILE_MAX (64u * 1024u * 1024u)
#define MAX_FIELDS 8
/* The name service answers in about 0.1 ms an id here (nss_systemd looks
 * in six directories), and in milliseconds over the network (LDAP): the
 * range is cut in slices of at least NSS_SLICE_MIN ids, asked at once by
 * up to NSS_THREADS threads, so the largest range (65536 slots, 131072
 * lookups) takes seconds, not minutes. */
#define NSS_THREADS 8
#define NSS_SLICE_MIN 32
/* getpwuid_r's buffer: grown on ERANGE up to this (a group lists its
 * members). */
#define NSS_BUF_MAX (1024u * 1024u)

static const char *const kind_names[] = {
    [BOXED_IDFILE_PASSWD] = "passwd",
    [BOXED_IDFILE_GROUP] = "group",
    [BOXED_IDFILE_SUBUID] = "subuid",
    [BOXED_IDFILE_SUBGID] = "subgid",
};

static int parse_id(const char *s, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > UINT_MAX)
		return -1;
	*out = v;
	return 0;
}

/* Split line in place at ':'; returns the number of fields. */
static size_t split(char *line, char **fields)
{
	size_t n = 0;

	fields[n++] = line;
	for (char *p = line; *p; p++) {
		if (*p != ':')
			continue;
		*p = '\0';
		if (n == MAX_FIELDS)
			return MAX_FIELDS + 1;
		fields[n++] = p + 1;
	}
	return n;
}

static int overlaps(unsigned long a, unsigned long alen, unsigned long b, unsigned long blen)
{
	return alen > 0 && blen > 0 && a < b + blen && b < a + alen;
}

/* Like boxed_errf(), but returns 1: an overlap is an answer, not an error. */
__attribute__((format(printf, 3, 4))) static int found(char *err, size_t errlen, const char *fmt,
						       ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return 1;
}

static int check_line(enum boxed_idfile kind, char *line, const char *filename, unsigned lineno,
		      unsigned long first, unsigned long count, char *err, size_t errlen)
{
	char *f[MAX_FIELDS + 1];
	size_t n = split(line, f);
	unsigned long a, b;

	switch (kind) {
	case BOXED_IDFILE_PASSWD:
		if (n != 7 || parse_id(f[2], &a) || parse_id(f[3], &b))
			goto bad;
		if (overlaps(a, 1, first, count))
			return found(err, errlen,
				     "%s:%u: user '%s' has uid %lu, inside the slot range %lu-%lu",
				     filename, lineno, f[0], a, first, first + count - 1);
		if (overlaps(b, 1, first, count))
			return found(err, errlen,
				     "%s:%u: user '%s' has gid %lu, inside the slot range %lu-%lu",
				     filename, lineno, f[0], b, first, first + count - 1);
		return 0;
	case BOXED_IDFILE_GROUP:
		if (n != 4 || parse_id(f[2], &a))
			goto bad;
		if (overlaps(a, 1, first, count))
			return found(err, errlen,
				     "%s:%u: group '%s' has gid %lu, inside the slot range %lu-%lu",
				     filename, lineno, f[0], a, first, first + count - 1);
		return 0;
	case BOXED_IDFILE_SUBUID:
	case BOXED_IDFILE_SUBGID:
		if (n != 3 || parse_id(f[1], &a) || parse_id(f[2], &b))
			goto bad;
		if (overlaps(a, b, first, count))
			return found(err, errlen,
				     "%s:%u: subordinate range of '%s' (%lu-%lu) overlaps the slot "
				     "range %lu-%lu",
				     filename, lineno, f[0], a, a + b - 1, first,
				     first + count - 1);
		return 0;
	}
bad:
	return boxed_errf(err, errlen, "%s:%u: cannot parse this %s entry", filename, lineno,
			  kind_names[kind]);
}

int boxed_idrange_check_text(enum boxed_idfile kind, const char *text, const char *filename,
			     unsigned long first, unsigned long count, char *err, size_t errlen)
{
	boxed_autofree char *copy = strdup(text);
	char *line;
	unsigned lineno = 0;
	const char *p;

	if (!copy)
		return boxed_errf(err, errlen, "%s: out of memory", filename);
	/* strtok_r would merge empty lines and lose the line numbers. */
	line = copy;
	for (p = text;; p++) {
		if (*p != '\n' && *p != '\0')
			continue;
		lineno++;
		copy[p - text] = '\0';
		/* Empty lines, comments and NIS compat entries ("+", "-")
		 * name no id of this host's own. */
		if (line[0] != '\0' && line[0] != '#' && line[0] != '+' && line[0] != '-') {
			int rc =
			    check_line(kind, line, filename, lineno, first, count, err, errlen);

			if (rc != 0)
				return rc;
		}
		if (*p == '\0')
			break;
		line = copy + (p - text) + 1;
	}
	return 0;
}

int boxed_idrange_check_files(const char *root, unsigned long first, unsigned long count, char *err,
			      size_t errlen)
{
	static const char *const names[] = {"passwd", "group", "subuid", "subgid"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		boxed_autoclose int fd = -1;
		boxed_autofree char *text = NULL;
		char path[PATH_MAX];
		int n, rc;

		n = snprintf(path, sizeof(path), "%s/etc/%s", root, names[i]);
		if (n < 0 || (size_t)n >= sizeof(path))
			return boxed_errf(err, errlen, "%s/etc/%s: path too long", root, names[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0 && errno == ENOENT)
			continue;
		if (fd < 0 || boxed_read_all(fd, IDFILE_MAX, &text) < 0)
			return boxed_errf(err, errlen, "%s: %s", path, strerror(errno));
		rc = boxed_idrange_check_text((enum boxed_idfile)i, text, path, first, count, err,
					      errlen);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* getpwuid_r() or getgrgid_r() into a buffer grown until the entry fits.
 * The "not found" answers are those getpwuid_r(3) lists. */
static int host_lookup(int group, unsigned long id, char *name, size_t namelen)
{
	size_t size = 16384;
	int rc;

	for (;;) {
		boxed_autofree char *buf = malloc(size);
		struct passwd pw, *pwp = NULL;
		struct group gr, *grp = NULL;

		if (!buf)
			return -1;
		rc = group ? getgrgid_r((gid_t)id, &gr, buf, size, &grp)
			   : getpwuid_r((uid_t)id, &pw, buf, size, &pwp);
		if (rc == ERANGE && size < NSS_BUF_MAX) {
			size *= 2;
			continue;
		}
		if (rc == 0 && (pwp || grp)) {
			snprintf(name, namelen, "%s", group ? grp->gr_name : pwp->pw_name);
			return 1;
		}
		if (rc == 0 || rc == ENOENT || rc == ESRCH || rc == EBADF || rc == EPERM)
			return 0;
		errno = rc;
		return -1;
	}
}

static int host_user(unsigned long id, char *name, size_t namelen)
{
	return host_lookup(0, id, name, namelen);
}

static int host_group(unsigned long id, char *name, size_t namelen)
{
	return host_lookup(1, id, name, namelen);
}

/* One thread's share of the range, and the first thing it met there. */
struct nss_slice {
	const struct boxed_idrange_nss *nss;
	unsigned long first, count;
	int rc; /* 0: nothing; 1: an entry; -1: a failed lookup (errno in err) */
	int group, err;
	unsigned long id;
	char name[256];
};

static void *scan_slice(void *arg)
{
	struct nss_slice *sl = arg;

	for (unsigned long id = sl->first; id < sl->first + sl->count; id++) {
		for (sl->group = 0; sl->group < 2; sl->group++) {
			boxed_idrange_lookup_fn fn = sl->group ? sl->nss->group : sl->nss->user;

			sl->rc = fn(id, sl->name, sizeof(sl->name));
			sl->err = errno;
			if (sl->rc != 0) {
				sl->id = id;
				return NULL;
			}
		}
	}
	return NULL;
}

static int slice_answer(const struct nss_slice *sl, unsigned long first, unsigned long count,
			char *err, size_t errlen)
{
	const char *what = sl->group ? "group" : "user";
	const char *idname = sl->group ? "gid" : "uid";

	if (sl->rc < 0)
		return boxed_errf(err, errlen,
				  "the name service (nsswitch.conf) could not say whether a %s has "
				  "%s %lu: %s; an account it knows could be inside the slot range",
				  what, idname, sl->id, strerror(sl->err));
	return found(err, errlen,
		     "the name service (nsswitch.conf: LDAP, sssd, ...) has %s '%s' with %s %lu, "
		     "inside the slot range %lu-%lu",
		     what, sl->name, idname, sl->id, first, first + count - 1);
}

int boxed_idrange_check_nss(const struct boxed_idrange_nss *nss, unsigned long first,
			    unsigned long count, char *err, size_t errlen)
{
	static const struct boxed_idrange_nss host = {host_user, host_group};
	struct nss_slice sl[NSS_THREADS] = {0};
	pthread_t tid[NSS_THREADS];
	int started[NSS_THREADS] = {0};
	size_t n = (count + NSS_SLICE_MIN - 1) / NSS_SLICE_MIN;
	unsigned long per;

	if (count == 0)
		return 0;
	n = n < 1 ? 1 : n > NSS_THREADS ? NSS_THREADS : n;
	per = (count + n - 1) / n;
	for (size_t t = 0; t < n; t++) {
		sl[t].nss = nss ? nss : &host;
		sl[t].first = first + t * per;
		sl[t].count = t * per >= count ? 0 : count - t * per < per ? count - t * per : per;
		/* A thread that cannot start is run here instead. */
		started[t] = t > 0 && pthread_create(&tid[t], NULL, scan_slice, &sl[t]) == 0;
		if (t > 0 && !started[t])
			scan_slice(&sl[t]);
	}
	scan_slice(&sl[0]);
	for (size_t t = 1; t < n; t++)
		if (started[t])
			pthread_join(tid[t], NULL);
	/* The lowest id the service knows, whichever thread met it. */
	for (size_t t = 0; t < n; t++)
		if (sl[t].rc != 0)
			return slice_answer(&sl[t], first, count, err, errlen);
	return 0;
}

int boxed_idrange_check(const char *root, unsigned long first, unsigned long count, char *err,
			size_t errlen)
{
	int rc = boxed_idrange_check_files(root, first, count, err, errlen);

	/* Under another root, the host's name service says nothing about
	 * the accounts of that system. */
	if (rc != 0 || (root[0] != '\0' && strcmp(root, "/") != 0))
		return rc;
	return boxed_idrange_check_nss(NULL, first, count, err, errlen);
}
