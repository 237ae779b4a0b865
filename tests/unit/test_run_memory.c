/* The parsers of init's memory watchdog, on texts in this kernel's formats
 * (/proc/PID/status, /proc/PID/smaps_rollup, the files of /proc/sysvipc). */
#include <string.h>

#include "become.h"
#include "check_main.h"
#include "../../runner/runner.h"

static const char status[] =
    "Name:\tpython3\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t2\nPid:\t2\n"
    "Uid:\t1879048193\t1879048193\t1879048193\t1879048193\n"
    "Gid:\t1879048193\t1879048193\t1879048193\t1879048193\n"
    "VmHWM:\t   12000 kB\nVmRSS:\t   11000 kB\nRssAnon:\t    6000 kB\n"
    "RssFile:\t    4000 kB\nRssShmem:\t    1000 kB\nVmPTE:\t      80 kB\n"
    "SigIgn:\t0000000001001000\nSigCgt:\t0000000000000002\n"
    "CapAmb:\t0000000000000000\n";

START_TEST(status_fields)
{
	uint64_t v;

	/* Shared memory is counted where it lives (its tmpfs, its SysV
	 * object), not in each process that maps it. */
	ck_assert_uint_eq(boxed_run_status_anon(status), 6000 * 1024ull);
	ck_assert_uint_eq(boxed_run_status_page_tables(status), 80 * 1024ull);
	ck_assert_uint_eq(boxed_run_status_peak(status), 12000 * 1024ull);
	ck_assert_uint_eq(boxed_run_status_uid(status), 1879048193u);
	ck_assert_int_eq(boxed_status_hex(status, "SigIgn", &v), 0);
	ck_assert_uint_eq(v, 0x1001000);
	ck_assert_int_eq(boxed_status_hex(status, "CapAmb", &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(boxed_status_hex(status, "CapBnd", &v), -1);
	/* A zombie has no memory lines at all. */
	ck_assert_uint_eq(boxed_run_status_anon("Name:\tx\nState:\tZ (zombie)\n"), 0);
	ck_assert_uint_eq(boxed_run_status_page_tables("Name:\tx\nState:\tZ (zombie)\n"), 0);
	ck_assert_uint_eq(boxed_run_status_uid("Name:\tx\n"), (uid_t)-1);
}
END_TEST

START_TEST(smaps_rollup)
{
	static const char text[] =
	    "55d4c12b5000-7ffeac0e0000 ---p 00000000 00:00 0                          [rollup]\n"
	    "Rss:                1636 kB\nPss:                 302 kB\nPss_Dirty:           116 "
	    "kB\n"
	    "Pss_Anon:            116 kB\nPss_File:            186 kB\nPss_Shmem:             8 "
	    "kB\n"
	    "Shared_Clean:       1480 kB\n";

	ck_assert_uint_eq(boxed_run_smaps_proportional(text), 116 * 1024ull);
}
END_TEST

/* The owner of each object, for the cleanup of an unsealed run's slot. */
START_TEST(sysvipc_owners)
{
	static const char shm_head[] =
	    "       key      shmid perms                  size  cpid  lpid "
	    "nattch   uid   gid  cuid  cgid      atime      dtime      "
	    "ctime                   rss                  swap";
	static const char shm_attached[] =
	    "       -12          3   600               1048576  7331  "
	    "7331      2  1001  1001  1001  1001          0 1796088998 "
	    "1796088998               1048576                     0";
	static const char sem[] =
	    "         0          7   600          5  1001  1001     0     0       "
	    "   0 1796088998";
	uid_t uid;
	int id;

	ck_assert_int_eq(boxed_run_sysvipc_owner(0, shm_head, &id, &uid), -1);
	ck_assert_int_eq(boxed_run_sysvipc_owner(0, shm_attached, &id, &uid), 0);
	ck_assert_int_eq(id, 3);
	ck_assert_uint_eq(uid, 1001);
	ck_assert_int_eq(boxed_run_sysvipc_owner(2, sem, &id, &uid), 0);
	ck_assert_int_eq(id, 7);
	ck_assert_uint_eq(uid, 1001);
}
END_TEST

/* The kernel's totals of an IPC namespace, as init reads them. */
START_TEST(sysv_memory)
{
	struct boxed_run_sysv_counts none = {.page_size = 4096}, some = {.segments = 2,
									 .segment_pages = 257,
									 .page_size = 4096,
									 .queues = 1,
									 .messages = 16384,
									 .message_bytes = 100,
									 .sets = 3,
									 .semaphores = 5};

	ck_assert_uint_eq(boxed_run_sysv_memory(&none), 0);
	/* Attached or not, a segment's pages are its own (a process can drop
	 * them from its mapping with MADV_DONTNEED while the segment keeps
	 * them); a queue counts a header for each message, empty ones too. */
	ck_assert_uint_eq(boxed_run_sysv_memory(&some),
			  6 * 256 + 257 * 4096ull + 16384 * 64ull + 100 + 5 * 64);
}
END_TEST

static Suite *run_memory_suite(void)
{
	Suite *s = suite_create("run_memory");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, status_fields);
	tcase_add_test(tc, smaps_rollup);
	tcase_add_test(tc, sysvipc_owners);
	tcase_add_test(tc, sysv_memory);
	suite_add_tcase(s, tc);
	return s;
}

BOXED_CHECK_MAIN(run_memory_suite)
