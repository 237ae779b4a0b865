/* The probes of boxed-selftest: each one's name, kind, function and what
 * it proves, in the order of the report. */
#include <stdio.h>

#include "outer.h"

static const struct boxed_selftest_probe probes[] = {
    {"identity", BOXED_SELFTEST_ISOLATION, boxed_selftest_p_identity,
     "uids and gids (r/e/s/fs) are the slot's"},
    {"groups-empty", BOXED_SELFTEST_ISOLATION, boxed_selftest_p_groups, "no supplementary groups"},
    {"capabilities", BOXED_SELFTEST_ISOLATION, boxed_selftest_p_caps,
     "CapInh, CapPrm, CapEff, CapAmb are 0"},
    {"no-new-privs", BOXED_SELFTEST_ISOLATION, boxed_selftest_p_nnp, "NoNewPrivs is 1"},
    {"seccomp", BOXED_SELFTEST_ISOLATION, boxed_selftest_p_seccomp, "Seccomp is 2 (filter)"},
    {"re-escalation", BOXED_SELFTEST_ISOLATION, boxed_selftest_p_reescalate,
     "setuid(0), setuid(caller), setgid(0) are refused; a setuid-root exec does not elevate"},
    {"caller-files", BOXED_SELFTEST_ISOLATION, boxed_selftest_p_files,
     "a 0600 and a 0640 group file of the caller are unreadable"},
    {"home-and-tmp", BOXED_SELFTEST_ISOLATION, boxed_selftest_p_write,
     "the caller's directories and /var/tmp are not writable; the private dir is"},
    {"signals-ptrace-proc", BOXED_SELFTEST_ISOLATION, boxed_selftest_p_procs,
     "no kill, ptrace or environ of the caller or another run"},
    {"fds", BOXED_SELFTEST_ISOLATION, boxed_selftest_p_fds, "only fds 0, 1, 2 are open"},
    {"environment", BOXED_SELFTEST_ISOLATION, boxed_selftest_p_env,
     "only the allow-listed variables arrive"},
    {"tty", BOXED_SELFTEST_ISOLATION, boxed_selftest_p_tty, "no controlling tty"},
    {"ipc", BOXED_SELFTEST_ISOLATION, boxed_selftest_seal_ipc,
     "SysV and POSIX IPC of a run: invisible to the host and other runs, gone after it"},
    {"run-ends", BOXED_SELFTEST_ISOLATION, boxed_selftest_seal_run_ends,
     "nothing of a run outlives its runner's SIGKILL or SIGSTOP, or its caller, by 100 ms"},
    {"proc-private", BOXED_SELFTEST_ISOLATION, boxed_selftest_seal_proc_private,
     "/proc lists the run alone; no host process's cmdline, environ or status is readable"},
    {"private-files", BOXED_SELFTEST_ISOLATION, boxed_selftest_seal_private_files,
     "the run's directory, /tmp and /dev/shm are its own and gone after it"},
    {"disk-limit", BOXED_SELFTEST_ISOLATION, boxed_selftest_seal_disk_limit,
     "--disk bounds the run's directory, /tmp and /dev/shm together (ENOSPC)"},
    {"no-network", BOXED_SELFTEST_ISOLATION, boxed_selftest_seal_no_network,
     "--no-network: no inet socket, no abstract or host unix socket either way"},
    {"memory-run-wide", BOXED_SELFTEST_ISOLATION, boxed_selftest_seal_memory,
     "--memory bounds the run as a whole: several processes, SysV shm; no memfd"},
    {"limit-timeout", BOXED_SELFTEST_LIMIT, boxed_selftest_p_timeout,
     "an endless loop ends as timeout within 100 ms"},
    {"limit-memory", BOXED_SELFTEST_LIMIT, boxed_selftest_p_memory, "a memory hog ends as memory"},
    {"limit-nproc", BOXED_SELFTEST_LIMIT, boxed_selftest_p_nproc,
     "a fork bomb is contained and leaves nothing"},
    {"limit-output", BOXED_SELFTEST_LIMIT, boxed_selftest_p_output,
     "an output flood ends as output-limit, first N bytes kept"},
    {"limit-fsize", BOXED_SELFTEST_LIMIT, boxed_selftest_p_fsize,
     "a file cannot grow past the fsize limit"},
    {"leftover-processes", BOXED_SELFTEST_LIMIT, boxed_selftest_p_leftover,
     "a double-forked daemon is killed with the run"},
    {"fail-closed", BOXED_SELFTEST_LIMIT, boxed_selftest_p_failclosed,
     "under no_new_privs the runner gives sandbox-error"},
    {"config", BOXED_SELFTEST_INSTALL, boxed_selftest_p_config,
     "the configuration is trusted and valid"},
    {"runner-mount", BOXED_SELFTEST_INSTALL, boxed_selftest_p_mount,
     "the runner's filesystem is not nosuid"},
    {"audit", BOXED_SELFTEST_INSTALL, NULL, "each finding of boxed-setup audit"},
    {"host-landlock", BOXED_SELFTEST_HOST, boxed_selftest_host_landlock, "Landlock ABI (warning)"},
    {"host-seccomp", BOXED_SELFTEST_HOST, boxed_selftest_host_seccomp, "seccomp filters (warning)"},
    {"host-userns", BOXED_SELFTEST_HOST, boxed_selftest_host_userns,
     "what sealing runs needs of this host, and whether a real run is sealed"},
    {"host-tiocsti", BOXED_SELFTEST_HOST, boxed_selftest_host_tiocsti,
     "dev.tty.legacy_tiocsti (warning)"},
    {"host-ptrace-scope", BOXED_SELFTEST_HOST, boxed_selftest_host_ptrace,
     "kernel.yama.ptrace_scope (warning)"},
    {"host-protected-symlinks", BOXED_SELFTEST_HOST, boxed_selftest_host_symlinks,
     "fs.protected_symlinks (warning)"},
    {"host-protected-hardlinks", BOXED_SELFTEST_HOST, boxed_selftest_host_hardlinks,
     "fs.protected_hardlinks (warning)"},
    {"host-protected-regular", BOXED_SELFTEST_HOST, boxed_selftest_host_regular,
     "fs.protected_regular (warning)"},
};

const struct boxed_selftest_probe *boxed_selftest_probe_table(size_t *n)
{
	*n = sizeof(probes) / sizeof(probes[0]);
	return probes;
}

void boxed_selftest_list(FILE *out)
{
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		fprintf(out, "%-26s %s\n", probes[i].name, probes[i].what);
}
