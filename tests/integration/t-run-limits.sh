#!/bin/bash
# Must hold 4: limits end a run with the right outcome, and nothing of the
# run survives it.
. tests/integration/lib.sh
. tests/integration/run-lib.sh

# Wall clock: an infinite loop ends as timeout within 100 ms of 0.5 s.
start=$(date +%s%N)
rep=$(run_json --timeout 0.5 -- "$PY" -I -S -c 'while True: pass')
rc=$?
end=$(date +%s%N)
check_eq "infinite loop: outcome timeout" timeout "$(jget "$rep" 'd["report"]["outcome"]')"
check_eq "infinite loop: exit status 124" 124 "$rc"
wall=$(jget "$rep" 'd["report"]["wall_time"]')
check "timeout: report wall_time $wall s is within [0.5, 0.6)" \
	"$PY" -c "import sys; w=float(sys.argv[1]); sys.exit(not (0.5 <= w < 0.6))" "$wall"
elapsed_ms=$(((end - start) / 1000000))
check "timeout: the whole runner took $elapsed_ms ms (< 600 incl. setup and cleanup)" test "$elapsed_ms" -lt 600

# CPU limit.
rep=$(run_json --cpu 1 --timeout 10 -- "$PY" -I -S -c 'while True: pass')
check_eq "CPU limit: outcome timeout" timeout "$(jget "$rep" 'd["report"]["outcome"]')"
check_match "CPU limit: the message says CPU" 'CPU' "$(jget "$rep" 'd["report"]["message"]')"

# Memory.
rep=$(run_json --memory 128M -- "$PY" -I -S -c '
a = []
while True:
	a.append(bytearray(4 << 20))')
check_eq "memory hog: outcome memory" memory "$(jget "$rep" 'd["report"]["outcome"]')"
check_eq "memory hog: the limit is reported" 134217728 "$(jget "$rep" 'd["report"]["limits"]["memory"]')"
rep=$(run_json --memory 64M -- "$PY" -I -S -c 'print(len(bytearray(1 << 20)))')
check_eq "a program within the memory limit: ok" ok "$(jget "$rep" 'd["report"]["outcome"]')"

# A limit that ends a run says so on stderr, naming the option that
# raises it; so does a run that failed after a refused fork.
out=$(as_caller "$BOXED_RUN" --cpu 1 --timeout 10 -- "$PY" -I -S -c 'while True: pass' 2>&1)
check_eq "CPU limit: stderr names --cpu" \
	"boxed-run: CPU time limit of 1 s reached (raise it with --cpu)" "$out"
out=$(as_caller "$BOXED_RUN" --timeout 0.2 -- /bin/sleep 5 2>&1)
check_eq "wall clock: stderr names --timeout" \
	"boxed-run: wall-clock limit of 0.2 s reached (raise it with --timeout)" "$out"
out=$(as_caller "$BOXED_RUN" -- /bin/sh -c 'echo a | cat' 2>&1)
check_match "a pipeline at the default --nproc 1: the shell's error, then the limit named" \
	'Cannot fork.*boxed-run: exited with status 2, and its stderr says a fork or a new thread was refused: the run is limited to one process, without threads \(raise it with --nproc\)' \
	"$(tr '\n' ' ' <<<"$out")"
check_eq "the same pipeline with --nproc 4: fine" a \
	"$(as_caller "$BOXED_RUN" --nproc 4 -- /bin/sh -c 'echo a | cat' 2>&1)"
check_eq "a plain failure names no limit" "" \
	"$(as_caller "$BOXED_RUN" -- /bin/sh -c 'exit 3' 2>&1)"

# Above the configured maximum: lowered to it, and said so, on stderr and
# in the report.
rep=$(run_json --timeout 99999 --memory 100G -- /bin/true 2>"$RUN_TMP/clamp.err")
check_eq "a limit above the maximum is lowered to it" "ok 600.0" \
	"$(jget "$rep" 'd["report"]["outcome"], float(d["report"]["limits"]["timeout"])' | tr -d "(),'")"
check_eq "the report lists what was lowered, asked for and applied" \
	"{'memory': {'max': 8589934592, 'requested': 107374182400}, 'timeout': {'max': 600, 'requested': 99999}}" \
	"$(jget "$rep" 'dict(sorted((k, dict(sorted(v.items()))) for k, v in d["report"]["clamped"].items()))')"
check_eq "the warning names each limit" \
	"boxed-run: warning: lowered to the configured maximum: --timeout 99999s to 600s, --memory 100G to 8G" \
	"$(cat "$RUN_TMP/clamp.err")"
check_eq "nothing lowered: an empty clamped" "{}" "$(jget "$(run_json -- /bin/true)" 'd["report"]["clamped"]')"

# Fork bomb: contained by RLIMIT_NPROC, the host unaffected.
as_caller "$BOXED_RUN" --nproc 16 --timeout 2 -- "$PY" -I -S -c '
import os
while True:
	try:
		os.fork()
	except OSError:
		pass' >/dev/null 2>&1 &
bomb=$!
peak=0
for _ in $(seq 15); do
	sleep 0.1
	# The run's processes, without its init (boxed's, named boxed-run).
	n=$(slot_procs | awk '$4 != "boxed-run"' | wc -l)
	[ "$n" -gt "$peak" ] && peak=$n
done
check "fork bomb: at most 16 processes of the run at any time (peak $peak)" test "$peak" -le 16
check "fork bomb: it did fork" test "$peak" -ge 2
check "fork bomb: the caller can still start processes meanwhile" as_caller /bin/true
wait "$bomb"
check_eq "fork bomb: exits as timeout (124)" 124 "$?"
check_eq "fork bomb: no process of a slot uid survives" "" "$(slot_procs)"

# Output flood: the first N bytes are kept.
rep=$(run_json --output 1000 -- "$PY" -I -S -c 'import sys; sys.stdout.write("x" * 100000); sys.stdout.flush()')
check_eq "output flood: outcome output-limit" output-limit "$(jget "$rep" 'd["report"]["outcome"]')"
check_eq "output flood: exactly the first 1000 bytes kept" "1000 True True" \
	"$(jget "$rep" 'len(d["stdout"]), set(d["stdout"]) == {"x"}, d["stdout_truncated"]' | tr -d '(),')"
out=$(as_caller "$BOXED_RUN" --output 1000 -- "$PY" -I -S -c 'import sys; sys.stdout.write("y" * 100000)' | wc -c)
check_eq "output flood relayed: 1000 bytes reach the caller" 1000 "$out"
rep=$(run_json --output 1000 -- "$PY" -I -S -c 'import sys; sys.stderr.write("e" * 1000)')
check_eq "exactly N bytes is not a flood" "ok 1000" "$(jget "$rep" 'd["report"]["outcome"], len(d["stderr"])' | tr -d "(),'")"

# A double-forked daemon is killed when the run ends.
start=$(date +%s%N)
rep=$(run_json --nproc 4 -- "$PY" -I -S -c "$DAEMON_PY"'
time.sleep(0.2)
print("parent done")')
end=$(date +%s%N)
check_eq "daemon: the run itself is ok" ok "$(jget "$rep" 'd["report"]["outcome"]')"
check "daemon: the runner did not wait for it ($(((end - start) / 1000000)) ms)" test $(((end - start) / 1000000)) -lt 5000
check_eq "daemon: no process of a slot uid survives" "" "$(slot_procs)"

# A daemon that keeps stdout open does not hang the runner either.
rep=$(run_json --nproc 4 --timeout 5 -- "$PY" -I -S -c '
import os, time
if os.fork() == 0:
	time.sleep(60)
print("bye")')
check_eq "daemon holding stdout: run is ok, output kept" "ok bye" \
	"$(jget "$rep" 'd["report"]["outcome"], d["stdout"].strip()' | tr -d "(),'")"
check_eq "daemon holding stdout: nothing survives" "" "$(slot_procs)"

# The private directory is wiped after the run.
rep=$(run_json -- /bin/sh -c 'echo data > leftover; echo "$HOME"')
dir=$(jget "$rep" 'd["stdout"].strip()')
check_eq "private directory is empty after the run" "" "$(ls -A "$dir" 2>&1)"

# A run that takes the permissions of its private directory away (and of a
# directory in it) still gets it wiped, and leaves a usable slot.
rep=$(run_json -- "$PY" -I -S -c '
import os
home = os.environ["HOME"]
os.mkdir("d")
open("d/f", "w").write("x")
os.chmod("d", 0)
os.chmod(home, 0)
print(home)')
dir=$(jget "$rep" 'd["stdout"].strip()')
check_eq "chmod 000 of the private directory: the run is ok" ok \
	"$(jget "$rep" 'd["report"]["outcome"]')"
check_eq "chmod 000 of the private directory: emptied and 0700 again" "700 " \
	"$(stat -c %a "$dir") $(ls -A "$dir" 2>&1)"
rep=$(run_json -- "$PY" -I -S -c '
import os
os.chmod(os.environ["HOME"], 0o777)
print(os.environ["HOME"])')
dir=$(jget "$rep" 'd["stdout"].strip()')
check_eq "chmod 0777 of an empty private directory: 0700 again after the run" 700 \
	"$(stat -c %a "$dir")"

# File size limit.
rep=$(run_json --fsize 4096 -- /bin/sh -c 'exec head -c 100000 /dev/zero > big')
check_eq "fsize: a larger file ends the run by SIGXFSZ" "signal 25" \
	"$(jget "$rep" 'd["report"]["outcome"], d["report"]["signal"]' | tr -d "(),'")"
finish
