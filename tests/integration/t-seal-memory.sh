#!/bin/bash
# Sealed runs, item 6: what a run can pin in RAM is bounded by its memory
# limit (the run as a whole, measured by its init) plus its disk limit,
# however it tries: several processes, memfd, shared anonymous memory,
# tmpfs, POSIX or SysV shared memory, SysV messages, pipe buffers.
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

# SysV segments that their processes keep attached but have emptied their
# mappings of (MADV_DONTNEED): the segments still hold the pages.
out=$(hog --memory 64M --nproc 8 '
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
for i in range(4):
	if os.fork() == 0:
		sid = libc.shmget(0, 24 << 20, 0o1000 | 0o600)
		addr = libc.shmat(sid, None, 0)
		ctypes.memset(addr, 1, 24 << 20)
		libc.madvise(ctypes.c_void_p(addr), ctypes.c_size_t(24 << 20), 4)
		time.sleep(10)
		os._exit(0)')
read -r outcome reason peak <<<"$out"
check_eq "4 SysV segments of 24 MiB, attached but madvise(DONTNEED)ed: the run ends as memory" \
	"memory memory-limit" "$outcome $reason"

# Empty SysV messages: no text, but a kernel header each.
out=$(hog --memory 32M '
libc = ctypes.CDLL(None, use_errno=True)
msg = ctypes.c_long(1)
for q in range(40):
	qid = libc.msgget(0, 0o1000 | 0o600)
	for i in range(16384):
		if libc.msgsnd(qid, ctypes.byref(msg), 0, 0o4000) != 0:
			break')
read -r outcome reason peak <<<"$out"
check_eq "655360 empty SysV messages under --memory 32M: the run ends as memory" \
	"memory memory-limit" "$outcome $reason"

# What nothing would count is refused: shared anonymous memory (also as a
# shared writable mapping of /dev/zero), and pages held by pipe buffers.
out=$(as_caller "$BOXED_RUN" -- "$PY" -I -S -c '
import ctypes, errno, fcntl, mmap, os
def errname(f):
	try:
		f(); return "ok"
	except OSError as e:
		return errno.errorcode[e.errno]
libc = ctypes.CDLL(None, use_errno=True)
def vmsplice():
	if libc.vmsplice(1, None, 0, 0) < 0:
		raise OSError(ctypes.get_errno(), "vmsplice")
r, w = os.pipe()
print(errname(lambda: mmap.mmap(-1, 1 << 20)),
	errname(lambda: open("/dev/zero", "r+b")),
	errname(lambda: mmap.mmap(-1, 1 << 20, flags=mmap.MAP_PRIVATE)),
	errname(vmsplice), errname(lambda: os.splice(r, w, 1)),
	errname(lambda: fcntl.fcntl(r, 1031, 1 << 20)))' 2>&1)
check_eq "refused: MAP_SHARED|MAP_ANONYMOUS, /dev/zero for writing, vmsplice, splice, F_SETPIPE_SZ; private mappings stay" \
	"EPERM EACCES ok ENOSYS ENOSYS EPERM" "$out"

# Many processes that allocate at once: the watchdog looks at its shortest
# interval past half the limit, so the slack stays a fraction of it.
out=$(hog --memory 64M --nproc 40 '
for i in range(32):
	if os.fork() == 0:
		chunks = []
		for j in range(16):
			chunks.append(bytearray(4 << 20))
			time.sleep(0.01)
		time.sleep(10)
		os._exit(0)')
read -r outcome reason peak <<<"$out"
check_eq "32 processes growing at once under --memory 64M: the run ends as memory" \
	"memory memory-limit" "$outcome $reason"
# What they add between two looks is the slack: it grows with how many
# allocate at once and how busy the CPUs are (init is one process among
# 33 here), far below the 2 GiB they would hold unwatched.
check "their peak stays within 6 times the limit ($peak MiB)" test "$peak" -lt 384

# Processes whose main thread has exited alone: their status shows no
# memory, their other threads keep it all.
out=$(hog --memory 64M --nproc 32 '
import threading
for i in range(6):
	if os.fork() == 0:
		def hold():
			time.sleep(0.5)
			b = b"x" * (40 << 20)
			time.sleep(10)
		threading.Thread(target=hold).start()
		time.sleep(0.1)
		ctypes.CDLL(None).pthread_exit(None)')
read -r outcome reason peak <<<"$out"
check_eq "6 processes holding 40 MiB in a thread after their main thread exited: memory" \
	"memory memory-limit" "$outcome $reason"

# Kernel objects a run could pile up uncounted are refused: legacy AIO
# (a poll request keeps a closed socket alive), inotify and fanotify
# (event queues); queued signals and POSIX timers are bounded.
out=$(as_caller "$BOXED_RUN" -- "$PY" -I -S -c '
import ctypes, errno, resource, signal
libc = ctypes.CDLL(None, use_errno=True)
def call(nr, *args):
	return "ok" if libc.syscall(nr, *args) >= 0 else errno.errorcode[ctypes.get_errno()]
ctx = ctypes.c_ulong(0)
print(call(206, 1, ctypes.byref(ctx)), call(294, 0), call(300, 0, 0),
	resource.getrlimit(resource.RLIMIT_SIGPENDING)[0])' 2>&1)
check_eq "io_setup, inotify_init1, fanotify_init refused (ENOSYS); RLIMIT_SIGPENDING 1024" \
	"ENOSYS ENOSYS ENOSYS 1024" "$out"

# Thousands of SysV objects: the watchdog reads the kernel's totals for the
# run's IPC namespace, in constant time, and looks at least every 0.1 s,
# so the run cannot buy time with them.
out=$(hog --memory 64M --nproc 32 '
libc = ctypes.CDLL(None, use_errno=True)
for i in range(20000):
	libc.semget(0, 1, 0o1000 | 0o600); libc.msgget(0, 0o1000 | 0o600)
for i in range(16):
	if os.fork() == 0:
		b = b"x" * (40 << 20)
		time.sleep(10)
		os._exit(0)')
read -r outcome reason peak <<<"$out"
check_eq "40000 SysV objects, then 16 processes of 40 MiB: the run ends as memory" \
	"memory memory-limit" "$outcome $reason"
check "the watchdog was not slowed past 4 times the limit ($peak MiB)" test "$peak" -lt 256

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
