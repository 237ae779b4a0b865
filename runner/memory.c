/* Reading the run's memory from /proc texts, for init's watchdog
 * (init.c). Pure parsers, unit-tested against texts of this kernel's
 * format. */
#include <stdlib.h>
#include <string.h>

#include "runner.h"

/* The value of "name" in a "Name:  value kB" text, in bytes; 0 when absent. */
static uint64_t kib_field(const char *text, const char *name)
{
	size_t n = strlen(name);
	const char *p = text;

	while (p && *p) {
		if (strncmp(p, name, n) == 0 && p[n] == ':')
			return strtoull(p + n + 1, NULL, 10) * 1024;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

uint64_t boxed_run_status_anon(const char *text)
{
	return kib_field(text, "RssAnon");
}

uint64_t boxed_run_status_peak(const char *text)
{
	return kib_field(text, "VmHWM");
}

uint64_t boxed_run_status_page_tables(const char *text)
{
	return kib_field(text, "VmPTE");
}

uid_t boxed_run_status_uid(const char *text)
{
	const char *p = strstr(text, "\nUid:");
	char *end;
	unsigned long v;

	if (!p)
		return (uid_t)-1;
	v = strtoul(p + 5, &end, 10);
	return end == p + 5 ? (uid_t)-1 : (uid_t)v;
}

uint64_t boxed_run_smaps_proportional(const char *text)
{
	return kib_field(text, "Pss_Anon");
}

/* The numbers of a /proc/sysvipc line: its fields, as many as fit. */
static int fields(const char *line, unsigned long long *v, int max)
{
	int n = 0;
	char *end;

	while (n < max) {
		while (*line == ' ' || *line == '\t')
			line++;
		if (*line < '0' || *line > '9') {
			/* "key" is signed: a negative key is a number too. */
			if (*line != '-')
				break;
		}
		v[n] = strtoull(line, &end, 10);
		if (end == line)
			break;
		line = end;
		n++;
	}
	return n;
}

/* What the kernel allocates for an object of any kind besides its
 * contents (its kern_ipc_perm and queue or array head), for a message
 * (struct msg_msg, in a 64-byte slab at the least) and for a semaphore
 * (struct sem, a cache line): rounded up, so that a run of empty objects
 * still counts. */
#define SYSV_OBJECT_BYTES 256
#define SYSV_MESSAGE_BYTES 64
#define SYSV_SEMAPHORE_BYTES 64

uint64_t boxed_run_sysv_memory(const struct boxed_run_sysv_counts *c)
{
	return (c->segments + c->queues + c->sets) * SYSV_OBJECT_BYTES +
	       c->segment_pages * c->page_size + c->messages * SYSV_MESSAGE_BYTES +
	       c->message_bytes + c->semaphores * SYSV_SEMAPHORE_BYTES;
}

int boxed_run_sysvipc_owner(int kind, const char *line, int *id, uid_t *uid)
{
	/* The uid is the 8th field of shm and msg lines, the 5th of sem. */
	unsigned long long v[8];
	int uid_field = kind == 2 ? 4 : 7;

	if (fields(line, v, 8) <= uid_field)
		return -1;
	*id = (int)v[1];
	*uid = (uid_t)v[uid_field];
	return 0;
}
