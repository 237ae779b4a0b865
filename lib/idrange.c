#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
