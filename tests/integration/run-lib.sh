# Helpers shared by tests/integration/t-run-*.sh; sourced after lib.sh.

# A directory every user can read, removed at exit. Not under /tmp: a run
# has a /tmp of its own and does not see the host's.
RUN_TMP=$(mktemp -d "$BOXED_CHECK_ROOT/test.XXXXXX")
chmod 0755 "$RUN_TMP"
trap 'rm -rf "$RUN_TMP"' EXIT

PY=/usr/bin/python3

# run_json [RUNNER OPTIONS] -- PROGRAM...: the caller runs boxed-run --json.
run_json() { as_caller "$BOXED_RUN" --json "$@"; }

# jget JSON EXPR: evaluate a Python expression on the parsed object d, and
# val(d), the value of a json-serializer result. A Python-mode response is
# framed (docs/protocol.md): its header must give the body's exact length.
JGET_PY='
import json, re, sys
text = sys.stdin.buffer.read()
frame = re.match(rb"boxed-response ([0-9]+)\n", text)
if frame:
    text = text[frame.end():]
    assert len(text) == int(frame.group(1)), "frame length"
d = json.loads(text)
def val(d):
    return json.loads(d["result"]["json"])
print(eval(sys.argv[1]))'
jget() { printf '%s' "$1" | "$PY" -c "$JGET_PY" "$2" 2>/dev/null; }

# probe CODE: run Python code in the sandbox, print its stdout.
probe() { as_caller "$BOXED_RUN" --nproc 4 -- "$PY" -I -S -c "$1" 2>&1; }

# Python code that starts a daemon (double fork, own session, stdout and
# stderr closed) sleeping for a minute, and goes on.
DAEMON_PY='
import os, time
if os.fork() == 0:
	os.setsid()
	if os.fork() == 0:
		os.close(1); os.close(2)
		time.sleep(60)
	os._exit(0)'

# slot_procs: live (non-zombie) processes whose real uid is a slot uid (a
# supervisor has only its effective uid set to its slot's).
slot_procs() {
	ps -eo ruid=,stat=,pid=,comm= | awk -v lo="$BOXED_UID_BASE" -v n="$BOXED_SLOT_COUNT" \
		'$1 >= lo && $1 < lo + n && $2 !~ /^Z/'
}

# wait_for_output FILE: wait up to 5 s for a background run to write its
# first line to FILE.
wait_for_output() {
	for _ in $(seq 50); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# gone_within MS: wait up to MS milliseconds for no live process of a slot
# uid to be left; prints how long it took, or "still: PROCS".
gone_within() {
	local start now left
	start=$(date +%s%N)
	while :; do
		left=$(slot_procs)
		now=$(date +%s%N)
		if [ -z "$left" ]; then
			echo "$(((now - start) / 1000000))"
			return 0
		fi
		if [ $(((now - start) / 1000000)) -ge "$1" ]; then
			echo "still: $left"
			return 1
		fi
		sleep 0.005
	done
}

# start_run OUT ARGS...: a run in the background, as the caller, with a
# daemon (its own session, stdout closed) beside a sleeping target; waits
# for its first line.
start_run() {
	local out=$1
	shift
	install -m 0644 -o "$BOXED_CALLER" /dev/null "$out"
	as_caller "$BOXED_RUN" --nproc 4 "$@" -- "$PY" -I -S -c "$DAEMON_PY"'
print(os.getuid(), flush=True)
time.sleep(25)' >"$out" 2>&1 &
	wait_for_output "$out"
}

runner_of() { # UID: the supervisor (real uid the caller's, effective the slot's)
	ps -eo pid=,euid=,ruid=,comm= | awk -v u="$1" -v c="$(id -u "$BOXED_CALLER")" \
		'$2 == u && $3 == c && $4 == "boxed-run" {print $1}'
}
