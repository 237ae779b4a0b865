#!/bin/bash
# Sealed runs, item 4: everything a run can write (its directory, /tmp,
# /dev/shm) is private to it, bounded as a whole by --disk, and gone at
# the end; nobody, inside or outside, can make a slot unusable; and with
# --nproc > 1, multiprocessing, tempfile and sem_open work.
. tests/integration/lib.sh
. tests/integration/run-lib.sh

# Writes in all three places, then what a second run of the same slot sees.
out=$(as_caller "$BOXED_RUN" -- "$PY" -I -S -c '
import os
for d in (os.environ["HOME"], "/tmp", "/dev/shm"):
	open(os.path.join(d, "left-by-a-run"), "w").write("x")
print(os.getuid(), os.environ["HOME"] == os.getcwd() == os.environ["TMPDIR"])' 2>&1)
read -r uid same <<<"$out"
check_eq "HOME, TMPDIR and the working directory are the run directory" True "$same"
check_fails "the host's /tmp did not get the run's file" test -e /tmp/left-by-a-run
check_fails "the host's /dev/shm did not get the run's file" test -e /dev/shm/left-by-a-run
slot=$((uid - BOXED_UID_BASE))
check_eq "the slot's directory on disk holds only its empty run directory" "home|" \
	"$(ls -A "$BOXED_STATEDIR/slots/$slot")|$(ls -A "$BOXED_STATEDIR/slots/$slot/home")"

# Every slot but that one held: the next run lands on it.
locks=()
for i in $(seq 0 $((BOXED_SLOT_COUNT - 1))); do
	[ "$i" = "$slot" ] && continue
	exec {fd}<"$BOXED_STATEDIR/locks/$i.lock"
	flock -n "$fd"
	locks+=("$fd")
done
on_slot() { ( for fd in "${locks[@]}"; do eval "exec $fd<&-"; done; as_caller "$@" ); }
out=$(on_slot "$BOXED_RUN" -- "$PY" -I -S -c '
import os
print(os.getuid(), *(os.path.exists(os.path.join(d, "left-by-a-run"))
	for d in (os.environ["HOME"], "/tmp", "/dev/shm")))' 2>&1)
check_eq "the next run of the slot finds none of it" "$uid False False False" "$out"

# Poisoning: a run opens its directories to everyone; the caller, outside,
# tries to plant a directory of its own in them, then a run of the slot.
on_slot "$BOXED_RUN" -- "$PY" -I -S -c '
import os
for d in (os.environ["HOME"], os.path.dirname(os.environ["HOME"]), "/tmp"):
	try:
		os.chmod(d, 0o777)
	except OSError:
		pass' >/dev/null 2>&1
check_fails "the caller cannot reach the slot's run directory" \
	as_caller mkdir "$BOXED_STATEDIR/slots/$slot/home/planted"
check_eq "the slot's directory on disk is still root's, closed to others" \
	"0 $uid 710" "$(stat -c '%u %g %a' "$BOXED_STATEDIR/slots/$slot")"
out=$(on_slot "$BOXED_RUN" --json -- /bin/true)
check_eq "the slot still serves runs" ok "$(jget "$out" 'd["report"]["outcome"]')"
for fd in "${locks[@]}"; do eval "exec $fd<&-"; done
out=$("$BOXED_SETUP" audit 2>&1)
check_fails "boxed-setup audit finds no slot it cannot clean" grep -q "^ERROR *slot" <<<"$out"

# The disk limit bounds the sum of the three places.
out=$(as_caller "$BOXED_RUN" --disk 8M -- "$PY" -I -S -c '
import errno, os
chunk = b"x" * (1 << 20)
written = 0
try:
	for i in range(16):
		d = (os.environ["HOME"], "/tmp", "/dev/shm")[i % 3]
		with open(os.path.join(d, "f%d" % i), "wb") as f:
			f.write(chunk)
		written += 1
except OSError as e:
	print(written, errno.errorcode[e.errno])' 2>&1)
check_match "--disk 8M: the run directory, /tmp and /dev/shm together hold 8 MiB, then ENOSPC" \
	'^[78] ENOSPC$' "$out"
out=$(run_json --disk 8M -- /bin/true)
check_eq "--disk is reported" 8388608 "$(jget "$out" 'd["report"]["limits"]["disk"]')"
check_eq "the default disk limit is 64 MiB" 67108864 \
	"$(jget "$(run_json -- /bin/true)" 'd["report"]["limits"]["disk"]')"

# Python's multiprocessing (fork, pipes, sem_open in /dev/shm), tempfile.
out=$(as_caller "$BOXED_RUN" --nproc 8 -- "$PY" -I -S -c '
import multiprocessing, tempfile
def square(x):
	return x * x
if __name__ == "__main__":
	lock = multiprocessing.Lock()
	with lock:
		pass
	with multiprocessing.Pool(2) as pool:
		squares = pool.map(square, range(5))
	with tempfile.NamedTemporaryFile() as f:
		f.write(b"x"); f.flush()
		name = f.name
	print(squares, name.startswith(tempfile.gettempdir()))' 2>&1)
check_eq "--nproc 8: multiprocessing.Pool, a Lock (sem_open) and tempfile work" \
	"[0, 1, 4, 9, 16] True" "$out"
check_eq "nothing of the slot uids is left" "" "$(slot_procs)"
finish
