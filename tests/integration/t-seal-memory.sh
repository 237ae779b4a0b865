#!/bin/bash
# Sealed runs, item 6: what a run can pin in RAM is bounded by its memory
# limit (the run as a whole, measured by its init) plus its disk limit,
# however it tries: several processes, memfd, tmpfs, POSIX or SysV shared
# memory.
. tests/integration/lib.sh
. tests/integration/run-lib.sh

# hog LIMITS -- CODE: a run that pins memory and then waits; prints the
# outcome, the reason and the run's measured peak in MiB.
hog() {
	local code=${*: -1}
	local rep
	rep=$(run_json --timeout 20 "${@:1:$#-1}" -- "$PY" -I -S -c "
import ctypes, os, time
$code
time.sleep(10)")
	jget "$rep" 'd["report"]["outcome"], d["report"]["reason"], (d["report"]["run_memory"] or 0) >> 20' | tr -d "(),'"
}

# Three processes of 40 MiB each, every one under --memory 64M.
out=$(hog --memory 64M --nproc 4 '
for i in range(3):
	if os.fork() == 0:
		b = bytearray(40 << 20)
		for j in range(0, len(b), 4096):
			b[j] = 1
		time.sleep(10)
		os._exit(0)')
read -r outcome reason peak <<<"$out"
check_eq "three 40 MiB processes under --memory 64M: the run ends as memory" \
	"memory memory-limit" "$outcome $reason"
check "the run's peak, as its init measured it, is over 64 MiB and bounded ($peak MiB)" \
	test "$peak" -gt 64 -a "$peak" -lt 130

out=$(as_caller "$BOXED_RUN" -- "$PY" -I -S -c '
import errno, os
try:
	os.memfd_create("x"); print("created")
except OSError as e:
	print(errno.errorcode[e.errno])' 2>&1)
check_eq "memfd_create is refused (ENOSYS: code falls back to /dev/shm)" ENOSYS "$out"

# tmpfs and POSIX shared memory: bounded by the disk limit.
out=$(as_caller "$BOXED_RUN" --disk 16M -- "$PY" -I -S -c '
import errno, os
n = 0
try:
	for i in range(64):
		with open("/dev/shm/hog%d" % i, "wb") as f:
			f.write(b"x" * (1 << 20))
		n += 1
except OSError as e:
	print(n, errno.errorcode[e.errno])' 2>&1)
check_match "/dev/shm (POSIX shared memory) holds at most --disk" '^1[56] ENOSPC$' "$out"

# SysV shared memory that no process maps any more: counted by init too.
out=$(hog --memory 64M '
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
for i in range(8):
	sid = libc.shmget(0, 16 << 20, 0o1000 | 0o600)
	addr = libc.shmat(sid, None, 0)
	ctypes.memset(addr, 1, 16 << 20)
	libc.shmdt(ctypes.c_void_p(addr))')
read -r outcome reason peak <<<"$out"
check_eq "SysV segments touched and detached, past --memory 64M: the run ends as memory" \
	"memory memory-limit" "$outcome $reason"
check "its peak is bounded ($peak MiB)" test "$peak" -gt 64 -a "$peak" -lt 160

# A run within its limits is left alone by the watchdog.
out=$(hog --memory 128M --nproc 4 '
if os.fork() == 0:
	b = bytearray(20 << 20)
	time.sleep(1)
	os._exit(0)
b = bytearray(20 << 20)
time.sleep(1)
os.wait()
print("done")
raise SystemExit(0)')
check_eq "two processes of 20 MiB under --memory 128M: ok" "ok None" "$(cut -d' ' -f1,2 <<<"$out")"
check_eq "nothing of the slot uids is left" "" "$(slot_procs)"
finish
