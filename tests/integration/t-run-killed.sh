#!/bin/bash
# Must hold 6: a runner killed with SIGKILL mid-run takes its child with it,
# its slot is usable again at once, and nothing is left over.
. tests/integration/lib.sh
. tests/integration/run-lib.sh

install -m 0644 -o "$BOXED_CALLER" /dev/null "$RUN_TMP/k.out"
as_caller "$BOXED_RUN" --timeout 30 -- "$PY" -I -S -c '
import os, time
print(os.getuid(), os.getpid(), flush=True)
time.sleep(25)' >"$RUN_TMP/k.out" 2>&1 &
wait_for_output "$RUN_TMP/k.out"
read -r uid pid <"$RUN_TMP/k.out"
check "the run started (pid $pid)" kill -0 "$pid"
check "SIGKILL to the runner" pkill -KILL -U "$BOXED_CALLER" -x boxed-run
wait
gone=no
for _ in $(seq 20); do
	state=$(ps -o stat= -p "$pid" 2>/dev/null)
	case "$state" in "" | Z*) gone=yes; break ;; esac
	sleep 0.05
done
check_eq "the child died with its runner (parent-death signal)" yes "$gone"
check_eq "no live process of a slot uid is left" "" "$(slot_procs)"

# Every slot at once: the killed runner's slot must be among them. Each
# run holds its slot for a while, so that all of them overlap and no slot
# serves twice.
install -m 0644 -o "$BOXED_CALLER" /dev/null "$RUN_TMP/all.out"
pids=()
for i in $(seq "$BOXED_SLOT_COUNT"); do
	as_caller "$BOXED_RUN" --nproc 4 -- /bin/sh -c 'id -u; exec sleep 2' \
		>>"$RUN_TMP/all.out" 2>&1 &
	pids+=($!)
done
fails=0
for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
# Runners that ran at the same moment could not all get a slot only if one
# were lost; with the killed runner's lock released, none is.
sleep 0.1
check_eq "the killed runner's slot is usable again at once" "0" "$fails"
check "its uid ($uid) served a run again" grep -qx "$uid" "$RUN_TMP/all.out"

# The documented gap, and how it closes: with --nproc above 1, a daemon of
# the run survives a runner killed with SIGKILL (nobody is left to kill
# it), and the next run of the same slot kills it, and wipes what the run
# left, before its own target starts. Every other slot is held, so both
# runs get slot 0.
locks=()
for i in $(seq 1 $((BOXED_SLOT_COUNT - 1))); do
	exec {fd}<"$BOXED_STATEDIR/locks/$i.lock"
	flock -n "$fd"
	locks+=("$fd")
done
install -m 0644 -o "$BOXED_CALLER" /dev/null "$RUN_TMP/d.out"
(
	for fd in "${locks[@]}"; do eval "exec $fd<&-"; done
	as_caller "$BOXED_RUN" --nproc 4 --timeout 30 -- "$PY" -I -S -c "$DAEMON_PY"'
open("left-behind", "w").write("x")
print(os.getuid(), flush=True)
time.sleep(25)' >"$RUN_TMP/d.out" 2>&1
) &
wait_for_output "$RUN_TMP/d.out"
duid=$(head -n 1 "$RUN_TMP/d.out")
check_eq "the daemon's run got slot 0" "$BOXED_UID_BASE" "$duid"
pkill -KILL -U "$BOXED_CALLER" -x boxed-run
wait
sleep 0.2
check_match "gap: the daemon outlives a runner killed with SIGKILL" 'sleep|python' \
	"$(ps -o comm= -U "$BOXED_UID_BASE" | grep -v '^$')"
out=$( (
	for fd in "${locks[@]}"; do eval "exec $fd<&-"; done
	as_caller "$BOXED_RUN" -- "$PY" -I -S -c 'import os; print(os.getuid(), os.listdir("."))'
))
for fd in "${locks[@]}"; do eval "exec $fd<&-"; done
check_eq "the next run of slot 0 starts in an empty directory" "$BOXED_UID_BASE []" "$out"
sleep 0.1
check_eq "the next run of slot 0 killed the daemon" "" "$(slot_procs)"
finish
