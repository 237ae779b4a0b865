#!/bin/bash
# Every run leaves one audit line in syslog: caller, slot uid, target,
# outcome, duration. Where no syslog daemon listens, the test listens on
# /dev/log itself for the length of the test.
. tests/integration/lib.sh
. tests/integration/run-lib.sh

if [ -e /dev/log ]; then
	skip "a syslog daemon owns /dev/log; see its log for boxed-run lines"
	finish
fi
"$PY" - "$RUN_TMP/log" <<'PYEOF' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
os.chmod("/dev/log", 0o666)
open(sys.argv[1] + ".ready", "w").close()
s.settimeout(10)
with open(sys.argv[1], "wb") as out:
	try:
		while True:
			out.write(s.recv(4096) + b"\n")
			out.flush()
	except socket.timeout:
		pass
PYEOF
listener=$!
for _ in $(seq 50); do [ -e "$RUN_TMP/log.ready" ] && break; sleep 0.05; done
as_caller "$BOXED_RUN" -- /bin/true
as_caller "$BOXED_RUN" --timeout 0.2 -- "$PY" -I -S -c 'while True: pass'
ln -s /bin/true "$RUN_TMP/"$'evil\nforged=1'
as_caller "$BOXED_RUN" -- "$RUN_TMP/"$'evil\nforged=1'
sleep 0.3
kill "$listener" 2>/dev/null
wait "$listener" 2>/dev/null
rm -f /dev/log
caller_uid=$(id -u "$BOXED_CALLER")
log=$(cat "$RUN_TMP/log")
check_match "one line per run: caller, slot uid, target, outcome, reason, duration" \
	"boxed-run\[[0-9]+\]: caller=$caller_uid slot_uid=[0-9]+ target=/bin/true outcome=ok reason=- duration=[0-9.]+" "$log"
check_match "a timeout is logged as such, with its reason" "target=$PY outcome=timeout reason=wall-limit" "$log"
check_match "a newline in the target cannot forge a line" "target=$RUN_TMP/evil\\?forged=1 outcome=ok" "$log"
# Only this caller's lines: other runs on the host log to /dev/log too.
check_eq "the facility is authpriv (priority <86>: authpriv.info), one line each" 3 \
	"$(grep -c "^<86>.*caller=$caller_uid " "$RUN_TMP/log")"
finish
