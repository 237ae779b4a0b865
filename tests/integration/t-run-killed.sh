#!/bin/bash
# Sealed runs, item 2: when a run ends, every process of it is gone within
# 100 ms, however it ends: its runner killed with SIGKILL, stopped with
# SIGSTOP (its init keeps the wall clock), or its caller killed. A killed
# runner's slot is usable again at once.
. tests/integration/lib.sh
. tests/integration/run-lib.sh

start_run "$RUN_TMP/k.out" --timeout 30
uid=$(head -n 1 "$RUN_TMP/k.out")
check_match "the run and its daemon are alive" 'sleep|python' "$(slot_procs)"
runner=$(runner_of "$uid")
kill -KILL "$runner"
took=$(gone_within 100)
check "runner killed with SIGKILL: nothing of the run is left within 100 ms ($took)" \
	test "${took#still}" = "$took"
wait

# The runner stopped: the run's init ends the run at its wall clock
# anyway, and the stopped runner reports it once continued.
start_run "$RUN_TMP/s.out" --timeout 1
stopped_run=$!
runner=$(runner_of "$(head -n 1 "$RUN_TMP/s.out")")
kill -STOP "$runner"
sleep 1
took=$(gone_within 300)
check "runner stopped: the run still ends at its 1 s wall clock ($took ms past 1 s)" \
	test "${took#still}" = "$took"
check_eq "the runner is still stopped meanwhile" T "$(ps -o stat= -p "$runner" | cut -c1)"
kill -CONT "$runner"
wait "$stopped_run"
check_eq "once continued, the runner reports the timeout (exit 124)" 124 "$?"

# The caller killed: boxed-run watches the process that started it, here a
# shell that tells its pid.
for f in c.out c.pid; do install -m 0644 -o "$BOXED_CALLER" /dev/null "$RUN_TMP/$f"; done
as_caller /bin/sh -c 'echo $$ >"$4"; "$0" --nproc 4 --timeout 30 -- "$1" -I -S -c "$2
print(os.getuid(), flush=True)
time.sleep(25)" >"$3" 2>&1 & wait' "$BOXED_RUN" "$PY" "$DAEMON_PY" "$RUN_TMP/c.out" \
	"$RUN_TMP/c.pid" &
wait_for_output "$RUN_TMP/c.out"
check_match "the caller's run and its daemon are alive" 'sleep|python' "$(slot_procs)"
kill -KILL "$(cat "$RUN_TMP/c.pid")"
took=$(gone_within 100)
check "caller killed: nothing of the run is left within 100 ms ($took)" \
	test "${took#still}" = "$took"
wait 2>/dev/null

# Every slot at once: the killed runners' slots must be among them. Each
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
check_eq "the killed runner's slot is usable again at once" "0" "$fails"
check "its uid ($uid) served a run again" grep -qx "$uid" "$RUN_TMP/all.out"
check_eq "no live process of a slot uid is left" "" "$(slot_procs)"
finish
