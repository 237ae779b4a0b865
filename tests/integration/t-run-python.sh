#!/bin/bash
# Python-function mode (docs/protocol.md) through the installed runner,
# interpreter and bootstrap, as the real caller.
. tests/integration/lib.sh
. tests/integration/run-lib.sh

if [ ! -e "$BOXED_PKGLIBDIR/bootstrap.py" ] || [ ! -e "$BOXED_PKGLIBDIR/python_boxed" ]; then
	skip "no installed interpreter or bootstrap in $BOXED_PKGLIBDIR"
	finish
fi

# call [RUNNER OPTIONS] REQUEST-JSON: one request, prints the response.
call() {
	local req=${*: -1}
	printf '%s' "$req" | as_caller "$BOXED_RUN" --python "${@:1:$#-1}"
}

resp=$(call '{"target": "math.sqrt", "args": [4]}')
rc=$?
check_eq "math.sqrt(4): exit 0" 0 "$rc"
check_eq "math.sqrt(4): outcome ok, value 2.0 (a float, relayed as written)" "ok 2.0 float" \
	"$(jget "$resp" 'd["report"]["outcome"], val(d), type(val(d)).__name__' | tr -d "(),'")"
check_eq "the wall clock is short" True "$(jget "$resp" 'd["report"]["wall_time"] < 2')"
# The answer is written once the result is in, before the interpreter's end
# (docs/protocol.md): no exit status, but its CPU time and peak RSS.
check_eq "answered at the result: exit_code and signal null, CPU and RSS read" \
	"None None True True" \
	"$(jget "$resp" 'd["report"]["exit_code"], d["report"]["signal"], d["report"]["cpu_time"] > 0, d["report"]["max_rss_kib"] > 1000' | tr -d "(),'")"
check_eq "answered at the result: nothing of the run is left once the runner exits" "" \
	"$(slot_procs)"

start=$(date +%s%N)
resp=$(call --timeout 5 '{"target": "os.kill", "args": [0, 19]}')
end=$(date +%s%N)
check_eq "a function that stops itself before its result: error at once, no result" \
	"error None the function ended without a result" \
	"$(jget "$resp" 'd["report"]["outcome"], d["result"], d["report"]["message"]' | tr -d "(),'")"
check "stopped function: answered in under 2 s" test $(((end - start) / 1000000)) -lt 2000

resp=$(call '{"target": "math.sqrt", "args": [-1]}')
check_eq "exception: outcome error, type and message carried" "error False ValueError math domain error" \
	"$(jget "$resp" 'd["report"]["outcome"], d["result"]["ok"], d["result"]["exception"]["type"], d["result"]["exception"]["message"]' | tr -d "(),'")"

resp=$(call '{"target": "builtins.print", "args": ["{\"ok\": true, \"value\": 42}"]}')
check_eq "printing a forged result does not forge it" "None True" \
	"$(jget "$resp" 'val(d), "42" in d["stdout"]' | tr -d "(),'")"

resp=$(call '{"target": "math.sqrt", "target": "os.getuid", "args": [4]}')
rc=$?
check_eq "a request with a key twice is refused before anything runs" \
	"125 sandbox-error request-invalid None" \
	"$rc $(jget "$resp" 'd["report"]["outcome"], d["report"]["reason"], d["result"]' | tr -d "(),'")"
resp=$(call '{"target": "math.sqrt", "args": [4]} {"target": "os.getuid"}')
check_eq "a request with a second document after it is refused" "request-invalid" \
	"$(jget "$resp" 'd["report"]["reason"]')"

resp=$(call '{"target": "os._exit", "args": [3]}')
check_eq "exit without a result: outcome error, result null" "error None" \
	"$(jget "$resp" 'd["report"]["outcome"], d["result"]' | tr -d "(),'")"

start=$(date +%s%N)
resp=$(call --timeout 0.5 '{"target": "time.sleep", "args": [30]}')
end=$(date +%s%N)
check_eq "sleep(30) with --timeout 0.5: timeout, no result" "timeout None" \
	"$(jget "$resp" 'd["report"]["outcome"], d["result"]' | tr -d "(),'")"
check "timeout: the runner returned within 1.5 s ($(((end - start) / 1000000)) ms)" test $(((end - start) / 1000000)) -lt 1500
resp=$(call '{"target": "time.sleep", "args": [30], "timeout": 0.3}')
check_eq "the request's timeout lowers the limit" "timeout 0.3" \
	"$(jget "$resp" 'd["report"]["outcome"], d["report"]["limits"]["timeout"]' | tr -d "(),'")"

resp=$(call --memory 256M '{"target": "builtins.bytearray", "args": [1099511627776]}')
check_eq "MemoryError: outcome memory" memory "$(jget "$resp" 'd["report"]["outcome"]')"

resp=$(call --output 1000 '{"target": "builtins.print", "args": ["'"$(printf 'x%.0s' $(seq 3000))"'"]}')
check_eq "printing past --output: output-limit, first 1000 bytes kept" "output-limit 1000 True" \
	"$(jget "$resp" 'd["report"]["outcome"], len(d["stdout"]), d["stdout_truncated"]' | tr -d "(),'")"

resp=$(call '{"target": "os.getuid"}')
uid=$(jget "$resp" 'val(d)')
check "the function runs as a slot uid ($uid)" test "$uid" -ge "$BOXED_UID_BASE" -a "$uid" -lt $((BOXED_UID_BASE + BOXED_SLOT_COUNT))

resp=$(call '{"target": "os.listdir", "args": ["/proc/self/fd"]}')
check_eq "only fds 0-4 (and the listing's own) can be open" True \
	"$(jget "$resp" 'all(0 <= int(f) <= 5 for f in val(d))')"

resp=$(printf '%s' '{"target": "os.getenv", "args": ["PYTHONPATH"]}' |
	setpriv --reuid="$BOXED_CALLER" --regid="$BOXED_CALLER" --init-groups --inh-caps=-all -- \
		env -i PATH=/usr/bin:/bin PYTHONPATH=/tmp LD_PRELOAD=/nonexistent.so "$BOXED_RUN" --python)
check_eq "the caller's PYTHONPATH does not arrive" None "$(jget "$resp" 'val(d)')"

install -d -m 0755 "$RUN_TMP/mods"
printf 'def triple(x):\n    return 3 * x\n' >"$RUN_TMP/mods/boxedmod.py"
chmod 0644 "$RUN_TMP/mods/boxedmod.py"
resp=$(call '{"target": "boxedmod.triple", "args": [14], "sys_path": ["'"$RUN_TMP/mods"'"]}')
check_eq "sys_path entries of the request are importable" 42 "$(jget "$resp" 'val(d)')"

# The answer comes at the child's stop, not at the end of its output: a
# process the function left behind may hold its pipes.
cat >"$RUN_TMP/mods/boxedstop.py" <<'PYEOF'
import os
import signal
import subprocess


def leave_a_process():
    subprocess.Popen(["/bin/sleep", "30"])
    return 7


def garbage_then_stop():
    os.write(4, b"garbage")
    os.close(4)
    os.kill(os.getpid(), signal.SIGSTOP)
PYEOF
chmod 0644 "$RUN_TMP/mods/boxedstop.py"
start=$(date +%s%N)
resp=$(call --nproc 4 --timeout 5 '{"target": "boxedstop.leave_a_process", "sys_path": ["'"$RUN_TMP/mods"'"]}')
end=$(date +%s%N)
check_eq "a process left holding stdout: answered with the result" "ok 7" \
	"$(jget "$resp" 'd["report"]["outcome"], val(d)' | tr -d "(),'")"
check "a process left holding stdout: answered in under 2 s" test $(((end - start) / 1000000)) -lt 2000
check_eq "a process left holding stdout: killed with the run" "" "$(slot_procs)"
start=$(date +%s%N)
resp=$(call --timeout 5 '{"target": "boxedstop.garbage_then_stop", "sys_path": ["'"$RUN_TMP/mods"'"]}')
end=$(date +%s%N)
check_eq "a malformed result, then a stop: error at once, reason result-invalid" \
	"error result-invalid None True" \
	"$(jget "$resp" 'd["report"]["outcome"], d["report"]["reason"], d["result"], d["report"]["message"].startswith("the function'"'"'s result is malformed")' | tr -d "(),'")"
check "a malformed result, then a stop: answered in under 2 s" test $(((end - start) / 1000000)) -lt 2000

# A caller that ignores SIGCHLD passes that on through execve: the runner
# must still see its child's stop and exit status.
ignoring_sigchld=(-c 'import os, signal, sys
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
os.execv(sys.argv[1], sys.argv[1:])')
resp=$(printf '%s' '{"target": "math.sqrt", "args": [16]}' |
	as_caller "$PY" "${ignoring_sigchld[@]}" "$BOXED_RUN" --python)
check_eq "caller ignoring SIGCHLD: the Python call is answered" "ok 4.0" \
	"$(jget "$resp" 'd["report"]["outcome"], val(d)' | tr -d "(),'")"
rep=$(as_caller "$PY" "${ignoring_sigchld[@]}" "$BOXED_RUN" --json -- /bin/sh -c 'exit 3')
check_eq "caller ignoring SIGCHLD: the program's exit status is kept" "error 3" \
	"$(jget "$rep" 'd["report"]["outcome"], d["report"]["exit_code"]' | tr -d "(),'")"

resp=$(call 'not json')
rc=$?
check_eq "a request that is not JSON: exit 125" 125 "$rc"
check_eq "a request that is not JSON: sandbox-error" sandbox-error "$(jget "$resp" 'd["report"]["outcome"]')"
check_eq "no process of a slot uid survives" "" "$(slot_procs)"
finish
