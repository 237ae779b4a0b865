#!/bin/bash
# Must hold 1 and 3: identity and privilege in the child; fds, environment
# and tty. Each answer comes from the kernel (/proc/self/status, errno).
. tests/integration/lib.sh
. tests/integration/run-lib.sh

caller_uid=$(id -u "$BOXED_CALLER")
caller_gid=$(id -g "$BOXED_CALLER")

status=$(probe 'print(open("/proc/self/status").read())')
uidl=$(printf '%s\n' "$status" | awk '/^Uid:/ {print $2, $3, $4, $5}')
gidl=$(printf '%s\n' "$status" | awk '/^Gid:/ {print $2, $3, $4, $5}')
read -r u _ <<<"$uidl"
check "slot uid is in the configured range" test "$u" -ge "$BOXED_UID_BASE" -a "$u" -lt $((BOXED_UID_BASE + BOXED_SLOT_COUNT))
check_eq "real, effective, saved and fs uid are the slot's" "$u $u $u $u" "$uidl"
check_eq "real, effective, saved and fs gid are the slot's" "$u $u $u $u" "$gidl"
check_match "no supplementary groups" '^Groups:[[:space:]]*$' "$(printf '%s\n' "$status" | grep '^Groups:')"
for f in CapInh CapPrm CapEff CapAmb; do
	check_match "$f is 0" "^$f:[[:space:]]+0+$" "$(printf '%s\n' "$status" | grep "^$f:")"
done
check_match "NoNewPrivs is 1" '^NoNewPrivs:[[:space:]]+1$' "$(printf '%s\n' "$status" | grep '^NoNewPrivs:')"
check_match "Seccomp is 2 (filter)" '^Seccomp:[[:space:]]+2$' "$(printf '%s\n' "$status" | grep '^Seccomp:')"

out=$(probe "
import errno, os
for what, f in (('setuid(0)', lambda: os.setuid(0)), ('setuid(caller)', lambda: os.setuid($caller_uid)),
		('setgid(0)', lambda: os.setgid(0)), ('setgid(caller)', lambda: os.setgid($caller_gid))):
	try:
		f(); print(what, 'SUCCEEDED')
	except OSError as e:
		print(what, errno.errorcode[e.errno])")
# In the run's user namespace neither id exists: the kernel answers EINVAL
# (EPERM where the run is unsealed). Either way, nothing is regained.
check_eq "setuid(0), setuid(caller), setgid(0), setgid(caller) fail: the ids do not exist in the run" \
	"setuid(0) EINVAL
setuid(caller) EINVAL
setgid(0) EINVAL
setgid(caller) EINVAL" "$out"

# A setuid-root copy of id: no_new_privs keeps the slot's ids across exec.
install -m 4755 -o root /usr/bin/id "$RUN_TMP/suid-id"
out=$(as_caller "$BOXED_RUN" -- "$RUN_TMP/suid-id" -u -r 2>&1)
check "exec of a setuid-root binary does not elevate (euid and ruid: a slot uid, got $out)" \
	test "$out" -ge "$BOXED_UID_BASE" -a "$out" -lt $((BOXED_UID_BASE + BOXED_SLOT_COUNT))
out=$(as_caller "$BOXED_RUN" -- "$RUN_TMP/suid-id" -u 2>&1)
check "exec of a setuid-root binary: effective uid stays a slot uid (got $out)" \
	test "$out" -ge "$BOXED_UID_BASE" -a "$out" -lt $((BOXED_UID_BASE + BOXED_SLOT_COUNT))
out=$(as_caller "$BOXED_RUN" -- /usr/bin/passwd --status 2>&1; echo "rc=$?")
check_fails "setuid-root passwd gains nothing" grep -q '^root ' <<<"$out"

# Must hold 3: only fds 0-2 in program mode.
out=$(probe 'import os; print(sorted(int(f) for f in os.listdir("/proc/self/fd")))')
check_match "only fds 0, 1, 2 (and the listing's own) are open" '^\[0, 1, 2, 3\]$' "$out"
out=$(probe 'import os; print(os.readlink("/proc/self/fd/0"))')
check_eq "stdin is /dev/null" "/dev/null" "$out"

# The caller's environment does not arrive.
out=$(setpriv --reuid="$BOXED_CALLER" --regid="$BOXED_CALLER" --init-groups --inh-caps=-all -- \
	env -i PATH=/tmp:/usr/bin:/bin HOME=/home/x LD_PRELOAD=/nonexistent.so PYTHONPATH=/tmp \
	LD_LIBRARY_PATH=/tmp PYTHONSTARTUP=/tmp/x LANG=C.UTF-8 SECRET=1 \
	"$BOXED_RUN" -- /usr/bin/env 2>&1 | sort | tr '\n' ' ')
check_match "environment is exactly the allow-list" \
	"^HOME=$BOXED_STATEDIR/slots/[0-9]+/home LANG=C.UTF-8 PATH=/usr/bin:/bin TMPDIR=$BOXED_STATEDIR/slots/[0-9]+/home \$" "$out"

# No controlling tty, even when the caller has one (script gives it a pty).
if command -v script >/dev/null; then
	out=$(setpriv --reuid="$BOXED_CALLER" --regid="$BOXED_CALLER" --init-groups --inh-caps=-all -- \
		env -i PATH=/usr/bin:/bin HOME=/tmp script -qec "$BOXED_RUN -- $PY -I -S -c '
import os, errno
print(\"tty_nr\", open(\"/proc/self/stat\").read().rsplit(\")\", 1)[1].split()[4])
try:
	os.open(\"/dev/tty\", os.O_RDONLY); print(\"tty opened\")
except OSError as e:
	print(\"dev_tty\", errno.errorcode[e.errno])
print(\"sid_is_pid\", os.getsid(0) == os.getpid())'" /dev/null 2>&1 | tr -d '\r')
	check_match "controlling tty of the target is none (tty_nr 0)" 'tty_nr 0' "$out"
	check_match "opening /dev/tty fails with ENXIO" 'dev_tty ENXIO' "$out"
	check_match "the target leads its own session" 'sid_is_pid True' "$out"
else
	skip "script(1) not installed: no tty test"
fi

# The report states the hardening that was applied.
rep=$(run_json -- /bin/true)
check_eq "report: no_new_privs and seccomp" "True True" "$(jget "$rep" 'd["report"]["hardening"]["no_new_privs"], d["report"]["hardening"]["seccomp"]' | tr -d '(),')"
abi=$(jget "$rep" 'd["report"]["hardening"]["landlock_abi"]')
check "report: landlock ABI >= 1 on this kernel" test "${abi:-0}" -ge 1
check "report: supervisor peak RSS at most 2 MiB ($(jget "$rep" 'd["report"]["supervisor_max_rss_kib"]') KiB)" \
	test "$(jget "$rep" 'd["report"]["supervisor_max_rss_kib"]')" -le 2048

# --report-fd: the output is relayed, the report goes to the fd.
install -m 0644 -o "$BOXED_CALLER" /dev/null "$RUN_TMP/report.json"
out=$(as_caller /bin/sh -c "exec \"\$0\" --report-fd 3 -- /bin/echo relayed 3>$RUN_TMP/report.json" "$BOXED_RUN")
check_eq "--report-fd: the output is relayed" relayed "$out"
check_eq "--report-fd: the report is on the fd" "ok 0" \
	"$(jget "$(cat "$RUN_TMP/report.json")" 'd["outcome"], d["exit_code"]' | tr -d "(),'")"
out=$(as_caller "$BOXED_RUN" -- /bin/sh -c 'exit 7')
check_eq "program mode: the target's exit status is ours" 7 "$?"
as_caller "$BOXED_RUN" -- /nonexistent/program 2>/dev/null
check_eq "a missing program: exit 127" 127 "$?"
install -m 0644 /dev/null "$RUN_TMP/not-executable"
as_caller "$BOXED_RUN" -- "$RUN_TMP/not-executable" 2>/dev/null
check_eq "a program that cannot be executed: exit 126" 126 "$?"
as_caller "$BOXED_RUN" --bogus -- /bin/true 2>/dev/null
check_eq "a usage error: exit 125" 125 "$?"
as_caller "$BOXED_RUN" -- "$PY" -I -S -c 'import os; os.kill(os.getpid(), 9)'
check_eq "killed by signal 9 (not ours): 128+9" 137 "$?"
finish
