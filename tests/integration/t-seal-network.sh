#!/bin/bash
# Sealed runs, item 5: under --no-network a run reaches no socket of the
# host: no AF_INET or AF_INET6 (loopback included), no abstract unix socket
# in either direction, no pathname unix socket of the host (a 0777 one in
# /tmp, one under /run, one in /var/tmp, one in any directory the run can
# read): it makes no socket at all, and a socketpair still works. Without
# the flag, networking is as before.
. tests/integration/lib.sh
. tests/integration/run-lib.sh

abstract=boxed-seal-net-$$
tmp_sock=/tmp/boxed-seal-net-$$.sock
run_sock=/run/boxed-seal-net-$$.sock
vartmp_sock=/var/tmp/boxed-seal-net-$$.sock
any_sock=$RUN_TMP/boxed-seal-net.sock
chmod 0755 "$RUN_TMP"

# Host listeners, as a host service or any user would have them: an
# abstract name, 0777 sockets in /tmp, /run, /var/tmp and a directory
# anyone can read. Each answers "host" to a client.
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
for path in sys.argv[3:6]:
	serve(path, path)
open(sys.argv[6], "w").write("ready")
threading.Event().wait(60)' "$abstract" "$tmp_sock" "$run_sock" "$vartmp_sock" "$any_sock" \
	"$RUN_TMP/listening" &
listener=$!
for _ in $(seq 100); do [ -s "$RUN_TMP/listening" ] && break; sleep 0.05; done
check "the host's listeners are up" test -S "$tmp_sock" -a -S "$run_sock" -a -S "$vartmp_sock" -a -S "$any_sock"
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
def pair():
	try:
		a, b = socket.socketpair(); a.sendall(b"x"); return "pair-" + b.recv(1).decode()
	except OSError as e:
		return errno.errorcode[e.errno]
print(make(socket.AF_INET), make(socket.AF_INET6), reach("\0" + sys.argv[1]),
	*(reach(path) for path in sys.argv[2:]), pair())'

socks=("$tmp_sock" "$run_sock" "$vartmp_sock" "$any_sock")
out=$(as_caller "$BOXED_RUN" --no-network -- "$PY" -I -S -c "$CLIENT_PY" "$abstract" "${socks[@]}" 2>&1)
check_eq "--no-network: no socket of any family (not even to reach /tmp, /run, /var/tmp or any directory); a socketpair works" \
	"EPERM EPERM EPERM EPERM EPERM EPERM EPERM pair-x" "$out"
out=$(as_caller "$BOXED_RUN" --no-network --nproc 16 -- "$PY" -I -S -c '
import multiprocessing as mp
def double(x):
	return 2 * x
if __name__ == "__main__":
	a, b = mp.Pipe()
	a.send("duplex")
	with mp.Pool(2) as pool:
		print(b.recv(), sum(pool.map(double, range(10))))' 2>&1)
check_eq "--no-network: multiprocessing's duplex Pipe and Pool work" "duplex 90" "$out"
# A pair stays a pair: no name, no other peer, no address to send to, no
# bigger buffer (a closed sender's data waits in its peer's queue, so only
# this bounds what the queues hold).
out=$(as_caller "$BOXED_RUN" --no-network -- "$PY" -I -S -c '
import errno, socket
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
def err(f):
	try:
		f(); return "ok"
	except OSError as e:
		return errno.errorcode[e.errno]
print(err(lambda: a.bind(b"")), err(lambda: a.connect(b"\0peer")),
	err(lambda: a.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)),
	err(lambda: a.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)),
	err(lambda: a.sendto(b"x", b"\0peer")), err(lambda: socket.send_fds(a, [b"x"], [0])),
	err(lambda: socket.socketpair(socket.AF_INET)), err(lambda: a.send(b"x")))' 2>&1)
check_eq "--no-network: bind, connect, setsockopt, sendto an address, sendmsg, a non-unix pair refused; send to the peer works" \
	"EPERM EPERM EPERM EPERM EPERM EPERM EPERM ok" "$out"
out=$(as_caller "$BOXED_RUN" --no-network -- "$PY" -I -S -c '
import errno, socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)' 2>&1 | tail -n 1)
check_match "--no-network: loopback is out of reach too" 'PermissionError' "$out"

# The other direction: the run tries to listen on an abstract name; a host
# process of the caller's tries to connect in.
install -m 0644 -o "$BOXED_CALLER" /dev/null "$RUN_TMP/inbound.out"
as_caller "$BOXED_RUN" --no-network --timeout 10 -- "$PY" -I -S -c '
import socket, sys
try:
	s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
	s.bind("\0" + sys.argv[1] + "-in")
	s.listen(1)
except OSError as e:
	print("cannot listen:", e, flush=True)
	raise SystemExit
print("listening", flush=True)
s.settimeout(5)
try:
	c, _ = s.accept(); print("ACCEPTED")
except OSError:
	print("nobody came")' "$abstract" >"$RUN_TMP/inbound.out" 2>&1 &
inbound=$!
wait_for_output "$RUN_TMP/inbound.out"
out=$(as_caller "$PY" -I -S -c "$CLIENT_PY" "$abstract-in" 2>&1 | awk '{print $3}')
check_eq "--no-network: the host cannot connect to an abstract socket of the run" ECONNREFUSED "$out"
kill -TERM "$(pgrep -U "$BOXED_CALLER" -x boxed-run | head -n 1)" 2>/dev/null
wait "$inbound" 2>/dev/null
check_fails "the run accepted no connection" grep -q ACCEPTED "$RUN_TMP/inbound.out"
check_match "the run could not even listen" "cannot listen: .*Operation not permitted" \
	"$(cat "$RUN_TMP/inbound.out")"

# Without --no-network: sockets of every family, /run as on the host.
out=$(as_caller "$BOXED_RUN" -- "$PY" -I -S -c "$CLIENT_PY" "$abstract" "${socks[@]}" 2>&1)
check_eq "with network: AF_INET, AF_INET6, /run and the host's other sockets; abstract names stay scoped (Landlock); /tmp is the run's" \
	"ok ok EPERM ENOENT host host host pair-x" "$out"

kill "$listener" 2>/dev/null
wait "$listener" 2>/dev/null
rm -f "${socks[@]}"
finish
