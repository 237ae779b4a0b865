#!/bin/bash
# Sealed runs, item 5: under --no-network a run reaches no socket of the
# host: no AF_INET or AF_INET6 (loopback included), no abstract unix socket
# in either direction, no pathname unix socket of the host (a 0777 one in
# /tmp, one under /run). Without the flag, networking is as before.
. tests/integration/lib.sh
. tests/integration/run-lib.sh

abstract=boxed-seal-net-$$
tmp_sock=/tmp/boxed-seal-net-$$.sock
run_sock=/run/boxed-seal-net-$$.sock

# Host listeners, as a host service would have them: an abstract name, a
# 0777 socket in /tmp, one under /run. Each answers "host" to a client.
"$PY" -I -S -c '
import os, socket, sys, threading
def serve(addr, path=None):
	s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
	s.bind(addr)
	if path:
		os.chmod(path, 0o777)
	s.listen(8)
	def loop():
		while True:
			c, _ = s.accept(); c.sendall(b"host"); c.close()
	threading.Thread(target=loop, daemon=True).start()
serve("\0" + sys.argv[1])
serve(sys.argv[2], sys.argv[2])
serve(sys.argv[3], sys.argv[3])
open(sys.argv[4], "w").write("ready")
threading.Event().wait(60)' "$abstract" "$tmp_sock" "$run_sock" "$RUN_TMP/listening" &
listener=$!
for _ in $(seq 100); do [ -s "$RUN_TMP/listening" ] && break; sleep 0.05; done
check "the host's listeners are up" test -S "$tmp_sock" -a -S "$run_sock"
check_eq "a non-member reaches the host's 0777 socket (the test is valid)" host \
	"$(as_other "$PY" -I -S -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); print(s.recv(9).decode())' "$tmp_sock" 2>&1)"

CLIENT_PY='
import errno, socket, sys
def reach(addr):
	try:
		s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
		s.settimeout(2)
		s.connect(addr)
		return s.recv(9).decode() or "connected"
	except OSError as e:
		return errno.errorcode.get(e.errno, str(e.errno))
def make(family):
	try:
		socket.socket(family, socket.SOCK_STREAM).close(); return "ok"
	except OSError as e:
		return errno.errorcode[e.errno]
print(make(socket.AF_INET), make(socket.AF_INET6),
	reach("\0" + sys.argv[1]), reach(sys.argv[2]), reach(sys.argv[3]))'

out=$(as_caller "$BOXED_RUN" --no-network -- "$PY" -I -S -c "$CLIENT_PY" "$abstract" "$tmp_sock" "$run_sock" 2>&1)
check_eq "--no-network: no AF_INET, no AF_INET6, no host abstract socket, no socket in /tmp or /run" \
	"EPERM EPERM ECONNREFUSED ENOENT ENOENT" "$out"
out=$(as_caller "$BOXED_RUN" --no-network -- "$PY" -I -S -c '
import errno, socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)' 2>&1 | tail -n 1)
check_match "--no-network: loopback is out of reach too" 'PermissionError' "$out"

# The other direction: the run listens on an abstract name; a host process
# of the caller's tries to connect in.
install -m 0644 -o "$BOXED_CALLER" /dev/null "$RUN_TMP/inbound.out"
as_caller "$BOXED_RUN" --no-network --timeout 10 -- "$PY" -I -S -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind("\0" + sys.argv[1] + "-in")
s.listen(1)
print("listening", flush=True)
s.settimeout(5)
try:
	c, _ = s.accept(); print("ACCEPTED")
except OSError:
	print("nobody came")' "$abstract" >"$RUN_TMP/inbound.out" 2>&1 &
inbound=$!
wait_for_output "$RUN_TMP/inbound.out"
out=$(as_caller "$PY" -I -S -c "$CLIENT_PY" "$abstract-in" /nonexistent /nonexistent 2>&1 | awk '{print $3}')
check_eq "--no-network: the host cannot connect to an abstract socket of the run" ECONNREFUSED "$out"
kill -TERM "$(pgrep -U "$BOXED_CALLER" -x boxed-run | head -n 1)" 2>/dev/null
wait "$inbound" 2>/dev/null
check_fails "the run accepted no connection" grep -q ACCEPTED "$RUN_TMP/inbound.out"

# Without --no-network: sockets of every family, /run as on the host.
out=$(as_caller "$BOXED_RUN" -- "$PY" -I -S -c "$CLIENT_PY" "$abstract" "$tmp_sock" "$run_sock" 2>&1)
check_eq "with network: AF_INET, AF_INET6 and /run; abstract names stay scoped (Landlock); /tmp is the run's" \
	"ok ok EPERM ENOENT host" "$out"

kill "$listener" 2>/dev/null
wait "$listener" 2>/dev/null
rm -f "$tmp_sock" "$run_sock"
finish
