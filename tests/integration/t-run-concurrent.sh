#!/bin/bash
# Must hold 7: 64 concurrent runs all succeed, each with its own uid, and
# none can see, signal or read another.
. tests/integration/lib.sh
. tests/integration/run-lib.sh

n=64
if [ "$BOXED_SLOT_COUNT" -lt "$n" ]; then
	skip "needs $n slots, the installation has $BOXED_SLOT_COUNT"
	finish
fi
install -d -m 0755 -o "$BOXED_CALLER" "$RUN_TMP/out"
code='
import errno, os, time
me = os.getuid()
time.sleep(0.7)  # overlap with the other runs
seen = readable = signalled = 0
for p in os.listdir("/proc"):
	if not p.isdigit() or int(p) == os.getpid():
		continue
	try:
		status = open("/proc/%s/status" % p).read()
		uid = int(status.split("\nUid:\t")[1].split()[0])
		state = status.split("\nState:\t")[1][0]
	except (OSError, IndexError):
		continue
	if uid == me or not (LO <= uid < HI) or state in "ZX":
		continue
	seen += 1
	try:
		open("/proc/%s/environ" % p).read(); readable += 1
	except OSError:
		pass
	try:
		os.kill(int(p), 0); signalled += 1
	except OSError:
		pass
print(me, seen, readable, signalled)'
code=${code//LO/$BOXED_UID_BASE}
code=${code//HI/$((BOXED_UID_BASE + BOXED_SLOT_COUNT))}
pids=()
for i in $(seq "$n"); do
	as_caller "$BOXED_RUN" --timeout 20 -- "$PY" -I -S -c "$code" >"$RUN_TMP/out/$i" 2>&1 &
	pids+=($!)
done
fails=0
for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
check_eq "all $n concurrent runs succeed" 0 "$fails"
uids=$(cat "$RUN_TMP"/out/* | awk '{print $1}' | sort -u | wc -l)
check_eq "all $n runs had distinct uids" "$n" "$uids"
seen=$(cat "$RUN_TMP"/out/* | awk '{s += $2} END {print s + 0}')
check "the runs overlapped: they saw $seen live processes of other slots in /proc" test "$seen" -gt 0
check_eq "no run could read another's /proc/PID/environ or signal it" "0 0" \
	"$(cat "$RUN_TMP"/out/* | awk '{r += $3; k += $4} END {print r + 0, k + 0}')"
check_eq "no process of a slot uid survives" "" "$(slot_procs)"
finish
