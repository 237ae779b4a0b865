#!/bin/bash
# Sealed runs, item 1: no SysV shared memory, message queue or semaphore
# set, no POSIX message queue or shared memory object that a run creates
# is visible to another run or to any user while it lives, and none
# survives it.
. tests/integration/lib.sh
. tests/integration/run-lib.sh

key=$((0x5e4100 + $$ % 4096))
name=boxed-seal-ipc-$$

# The IPC calls Python has no module for, through libc.
IPC_PY='
import ctypes, errno, os
libc = ctypes.CDLL(None, use_errno=True)
libc.mq_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_uint, ctypes.c_void_p]
IPC_CREAT, O_CREAT, O_RDWR = 0o1000, 0o100, 0o2
def err(rc):
	return "ok" if rc >= 0 else errno.errorcode[ctypes.get_errno()]
'

# A run that creates one of each, says so, and holds them for a while.
install -m 0644 -o "$BOXED_CALLER" /dev/null "$RUN_TMP/holder.out"
as_caller "$BOXED_RUN" --timeout 20 -- "$PY" -I -S -c "$IPC_PY"'
import time
shm = libc.shmget('"$key"', 1 << 20, IPC_CREAT | 0o666)
msg = libc.msgget('"$key"', IPC_CREAT | 0o666)
sem = libc.semget('"$key"', 4, IPC_CREAT | 0o666)
mq = libc.mq_open(b"/'"$name"'", O_CREAT | O_RDWR, 0o666, None)
fd = os.open("/dev/shm/'"$name"'", os.O_CREAT | os.O_RDWR, 0o666)
print(err(shm), err(msg), err(sem), err(mq), "created", flush=True)
time.sleep(15)' >"$RUN_TMP/holder.out" 2>&1 &
holder=$!
wait_for_output "$RUN_TMP/holder.out"
check_eq "a run creates SysV shm, msg, sem, a POSIX queue and shm object" \
	"ok ok ok ok created" "$(head -n 1 "$RUN_TMP/holder.out")"

hexkey=$(printf '%d' "$key")
host_ipc() {
	# Any object of the key in the host's IPC namespace, any user's.
	awk -v k="$hexkey" 'NR > 1 && $1 == k' /proc/sysvipc/shm /proc/sysvipc/msg /proc/sysvipc/sem
}
check_eq "while it lives: the host's IPC namespace has none of them" "" "$(host_ipc)"
check_fails "while it lives: the host's /dev/shm has not its object" test -e "/dev/shm/$name"
mq_dir=$(mktemp -d)
if mount -t mqueue none "$mq_dir" 2>/dev/null; then
	check_fails "while it lives: the host's POSIX queues have not its queue" test -e "$mq_dir/$name"
	umount "$mq_dir"
fi
rmdir "$mq_dir"

opener='
shm = libc.shmget('"$key"', 0, 0)
msg = libc.msgget('"$key"', 0)
sem = libc.semget('"$key"', 0, 0)
mq = libc.mq_open(b"/'"$name"'", O_RDWR, 0, None)
try:
	os.close(os.open("/dev/shm/'"$name"'", os.O_RDWR)); posix = "ok"
except OSError as e:
	posix = errno.errorcode[e.errno]
print(err(shm), err(msg), err(sem), err(mq), posix)'
check_eq "while it lives: another run cannot open any of them" \
	"ENOENT ENOENT ENOENT ENOENT ENOENT" \
	"$(as_caller "$BOXED_RUN" -- "$PY" -I -S -c "$IPC_PY$opener" 2>&1)"
check_eq "while it lives: a user outside the group cannot open any of them" \
	"ENOENT ENOENT ENOENT ENOENT ENOENT" \
	"$(as_other "$PY" -I -S -c "$IPC_PY$opener" 2>&1)"

kill -TERM "$(pgrep -U "$BOXED_CALLER" -x boxed-run | head -n 1)" 2>/dev/null
wait "$holder" 2>/dev/null
check_eq "after it: the host's IPC namespace has none of them" "" "$(host_ipc)"
check_fails "after it: no POSIX shared memory object is left" test -e "/dev/shm/$name"
check_eq "after it: no process of a slot uid is left" "" "$(slot_procs)"

# A second run on the same slots sees a fresh namespace: nothing at all.
check_eq "a later run starts with an empty IPC namespace" "0 0 0" \
	"$(as_caller "$BOXED_RUN" -- "$PY" -I -S -c '
n = [sum(1 for _ in open("/proc/sysvipc/" + k)) - 1 for k in ("shm", "msg", "sem")]
print(*n)' 2>&1)"
finish
