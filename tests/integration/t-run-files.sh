#!/bin/bash
# Must hold 2: files of the caller and other processes are out of reach.
. tests/integration/lib.sh
. tests/integration/run-lib.sh

home=$(getent passwd "$BOXED_CALLER" | cut -d: -f6)
cgroup=$(id -gn "$BOXED_CALLER")
install -d -m 0755 -o "$BOXED_CALLER" -g "$cgroup" "$home"
printf 'secret\n' >"$home/secret-0600"
chown "$BOXED_CALLER:$cgroup" "$home/secret-0600"
chmod 0600 "$home/secret-0600"
printf 'group secret\n' >"$RUN_TMP/group-0640"
chown "root:$BOXED_GROUP" "$RUN_TMP/group-0640"
chmod 0640 "$RUN_TMP/group-0640"
install -d -m 0777 -o "$BOXED_CALLER" "$home/open-dir"

check "the caller can read its 0600 file" as_caller cat "$home/secret-0600"
check "the caller can read the group's 0640 file" as_caller cat "$RUN_TMP/group-0640"

try_open() { # PATH MODE
	probe "
import errno
try:
	open('$1', '$2').close(); print('opened')
except OSError as e:
	print(errno.errorcode[e.errno])"
}
check_eq "cannot read the caller's 0600 file" EACCES "$(try_open "$home/secret-0600" r)"
check_eq "cannot read a 0640 file of the caller's group" EACCES "$(try_open "$RUN_TMP/group-0640" r)"
check_eq "cannot write a 0777 directory in the caller's home (Landlock)" EACCES \
	"$(try_open "$home/open-dir/x" w)"
check_eq "/tmp is the run's own: writable" opened "$(try_open "/tmp/boxed-run-probe-$$" w)"
check_fails "nothing was created in the host's /tmp" test -e "/tmp/boxed-run-probe-$$"
check_eq "cannot write /var/tmp (Landlock)" EACCES "$(try_open "/var/tmp/boxed-run-probe-$$" w)"
check_fails "nothing was created in /var/tmp" test -e "/var/tmp/boxed-run-probe-$$"
out=$(probe 'import os; open("here", "w").write("x"); os.mkdir("d"); open("d/f", "w").write("y"); print(sorted(os.listdir(".")), os.getcwd() == os.environ["HOME"])')
check_eq "can write its private directory (and it is HOME and cwd)" "['d', 'here'] True" "$out"
check_eq "can write /dev/null" opened "$(try_open /dev/null w)"

# A process of the caller, and a concurrent run.
as_caller sleep 30 &
sleeper=$!
sleep 0.2
sleeper_pid=$(pgrep -u "$BOXED_CALLER" -x sleep | head -n 1)
install -m 0644 -o "$BOXED_CALLER" /dev/null "$RUN_TMP/a.out"
as_caller "$BOXED_RUN" --timeout 20 -- "$PY" -I -S -c '
import os, time
print(os.getuid(), flush=True)
time.sleep(15)' >"$RUN_TMP/a.out" 2>&1 &
runner_a=$!
wait_for_output "$RUN_TMP/a.out"
# Its pid as the host sees it: inside, the run's own PID namespace numbers
# it 2.
pid_a=$(slot_procs | awk -v u="$(head -n 1 "$RUN_TMP/a.out")" '$1 == u && $4 ~ /python/ {print $3}')
check_match "a concurrent run is going on" '^[0-9]+$' "$pid_a"

victims() { # PID: signal, ptrace, /proc/PID/environ
	probe "
import ctypes, errno, os
r = []
try:
	os.kill($1, 0); r.append('kill-ok')
except OSError as e:
	r.append('kill-' + errno.errorcode[e.errno])
libc = ctypes.CDLL(None, use_errno=True)
if libc.ptrace(16, $1, 0, 0) == 0:  # PTRACE_ATTACH
	r.append('ptrace-ok')
else:
	r.append('ptrace-' + errno.errorcode[ctypes.get_errno()])
try:
	open('/proc/$1/environ').read(); r.append('environ-ok')
except OSError as e:
	r.append('environ-' + errno.errorcode[e.errno])
print(' '.join(r))"
}
# The run's PID namespace does not hold them: no such process (ptrace is
# refused before the lookup, by seccomp).
check_eq "cannot signal, ptrace or read the environ of the caller's process" \
	"kill-ESRCH ptrace-EPERM environ-ENOENT" "$(victims "$sleeper_pid")"
check_eq "cannot signal, ptrace or read the environ of a concurrent run" \
	"kill-ESRCH ptrace-EPERM environ-ENOENT" "$(victims "$pid_a")"
check "the concurrent run's target is still alive" kill -0 "$pid_a"
kill "$sleeper" 2>/dev/null
pkill -u "$BOXED_CALLER" -x sleep 2>/dev/null
check "SIGTERM reaches the concurrent runner" pkill -TERM -U "$BOXED_CALLER" -x boxed-run
wait "$runner_a"
rc=$?
check_eq "a runner stopped by SIGTERM exits 125 (sandbox error)" 125 "$rc"
check_eq "a runner stopped by SIGTERM kills its run" "" "$(slot_procs)"
finish
