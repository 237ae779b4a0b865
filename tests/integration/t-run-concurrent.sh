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
# Each run lists what its /proc shows and what kill(PID, 0) reaches among
# the first pids: its own processes only (its init is pid 1, itself pid
# 2), whatever other runs are going on.
code='
import os, time
me = os.getuid()
began = time.time()
time.sleep(0.7)  # overlap with the other runs
listed = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
reached = []
for pid in range(1, 5000):
	try:
		os.kill(pid, 0); reached.append(pid)
	except OSError:
		pass
# kill(1, 0) may be refused too: init is out of the Landlock scope of the run.
print(me, began, time.time(), listed == [1, os.getpid()],
	set(reached) <= {1, os.getpid()} and os.getpid() in reached)'
pids=()
for i in $(seq "$n"); do
	as_caller "$BOXED_RUN" --timeout 20 -- "$PY" -I -S -c "$code" >"$RUN_TMP/out/$i" 2>&1 &
	pids+=($!)
done
sleep 0.5
live=$(slot_procs | awk '$4 ~ /python/' | wc -l)
fails=0
for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
check_eq "all $n concurrent runs succeed" 0 "$fails"
# A uid serves two runs only one after the other: no two runs whose
# lifetimes overlap share one.
shared=$(cat "$RUN_TMP"/out/* | "$PY" -c '
import sys
runs = [line.split()[:3] for line in sys.stdin if line.strip()]
print(sum(1 for i, a in enumerate(runs) for b in runs[i + 1:]
	if a[0] == b[0] and float(a[1]) < float(b[2]) and float(b[1]) < float(a[2])))')
check_eq "no two runs that overlapped in time had the same uid" 0 "$shared"
check "the runs overlapped: $live were alive at once, seen from the host" test "$live" -gt 1
check_eq "each run's /proc lists its init and itself, nothing of the others" "$n" \
	"$(grep -c ' True True$' "$RUN_TMP"/out/*  | awk -F: '{s += $2} END {print s + 0}')"
check_eq "no process of a slot uid survives" "" "$(slot_procs)"
finish
