#!/bin/bash
# Sealed runs, items 8 and 9: a report that cannot be written is a sandbox
# error, never a silent success; every failure carries a stable reason
# code, through the real runner.
. tests/integration/lib.sh
. tests/integration/run-lib.sh

# Item 8: a --report-fd that cannot be written.
as_caller /bin/sh -c 'exec "$0" --report-fd 3 -- /bin/true 3>/dev/full' "$BOXED_RUN" 2>/dev/null
check_eq "--report-fd on a full device: exit 125, not 0" 125 "$?"
as_caller /bin/sh -c 'exec "$0" --report-fd 3 -- /bin/true 3</dev/null' "$BOXED_RUN" 2>/dev/null
check_eq "--report-fd open read-only: exit 125" 125 "$?"
as_caller /bin/sh -c 'exec "$0" --report-fd 57 -- /bin/true' "$BOXED_RUN" 2>/dev/null
check_eq "--report-fd closed: exit 125" 125 "$?"
as_caller /bin/sh -c 'exec "$0" --json -- /bin/true >/dev/full' "$BOXED_RUN" 2>/dev/null
check_eq "--json to a full device: exit 125" 125 "$?"

# Item 9: the reason of each kind of end, as the report gives it.
reason() { jget "$(run_json "$@" 2>/dev/null)" 'd["report"]["outcome"] + " " + str(d["report"]["reason"])'; }
check_eq "a clean exit: ok, no reason" "ok None" "$(reason -- /bin/true)"
check_eq "a failing program: exit-status" "error exit-status" "$(reason -- /bin/false)"
check_eq "a missing program: exec-failed" "error exec-failed" "$(reason -- /nonexistent)"
check_eq "the wall clock: wall-limit" "timeout wall-limit" \
	"$(reason --timeout 0.3 -- /bin/sleep 5)"
check_eq "the CPU limit: cpu-limit" "timeout cpu-limit" \
	"$(reason --cpu 1 --timeout 10 -- "$PY" -I -S -c 'while True: pass')"
check_eq "a file past --fsize: fsize-limit" "signal fsize-limit" \
	"$(reason --fsize 4096 -- /bin/sh -c 'exec head -c 8192 /dev/zero >f')"
check_eq "a signal: signal" "signal signal" "$(reason -- /bin/sh -c 'kill -SEGV $$')"
check_eq "output past --output: output-limit" "output-limit output-limit" \
	"$(reason --output 100 -- "$PY" -I -S -c 'print("x" * 1000)')"
check_eq "the address space: memory-limit" "memory memory-limit" \
	"$(reason --memory 64M -- "$PY" -I -S -c '
b = []
while True:
	b.append(bytearray(1 << 20))')"

locks=()
for i in $(seq 0 $((BOXED_SLOT_COUNT - 1))); do
	exec {fd}<"$BOXED_STATEDIR/locks/$i.lock"
	flock -n "$fd"
	locks+=("$fd")
done
check_eq "every slot taken: slots-busy" "sandbox-error slots-busy" "$(reason -- /bin/true)"
for fd in "${locks[@]}"; do eval "exec $fd<&-"; done

cp -p "$BOXED_CONFIG" "$RUN_TMP/config.saved"
chmod o+w "$BOXED_CONFIG"
check_eq "a config writable by others: config-untrusted" "sandbox-error config-untrusted" \
	"$(reason -- /bin/true)"
chmod o-w "$BOXED_CONFIG"
printf '{"group": "%s", "bogus": 1}\n' "$BOXED_GROUP" >"$BOXED_CONFIG"
check_eq "an unknown config key: config-invalid" "sandbox-error config-invalid" \
	"$(reason -- /bin/true)"
printf '{"group": "%s", "group": "other"}\n' "$BOXED_GROUP" >"$BOXED_CONFIG"
check_eq "a config key twice: config-invalid" "sandbox-error config-invalid" \
	"$(reason -- /bin/true)"
cp -p "$RUN_TMP/config.saved" "$BOXED_CONFIG"

# The runner told to stop, and its caller gone, while the run goes on.
install -m 0644 -o "$BOXED_CALLER" /dev/null "$RUN_TMP/int.out"
as_caller "$BOXED_RUN" --json -- /bin/sleep 10 >"$RUN_TMP/int.out" 2>/dev/null &
stopped=$!
for _ in $(seq 50); do
	runner=$(pgrep -U "$BOXED_CALLER" -x boxed-run | head -n 1)
	[ -n "$runner" ] && slot_procs | grep -q sleep && break
	sleep 0.05
done
kill -TERM "$runner"
wait "$stopped"
check_eq "SIGTERM to the runner: interrupted, exit 125" "125 sandbox-error interrupted" \
	"$? $(jget "$(cat "$RUN_TMP/int.out")" 'd["report"]["outcome"] + " " + d["report"]["reason"]')"
finish
