#!/bin/bash
# Sealed runs, the fallback: where the host refuses the namespaces (forced
# here through the root-owned config, "namespaces": false, or for real with
# user.max_user_namespaces=0), a run goes on unsealed and names every
# missing layer, SysV IPC and POSIX queues are refused, the slot uid's IPC
# objects are removed, and the wall clock, the memory bound and the slot's
# cleanliness still hold. "require_sealed": true refuses such a run.
. tests/integration/lib.sh
. tests/integration/run-lib.sh

cp -p "$BOXED_CONFIG" "$RUN_TMP/config.saved"
trap 'cp -p "$RUN_TMP/config.saved" "$BOXED_CONFIG"; rm -rf "$RUN_TMP"' EXIT
config() { # KEY=JSON...: the saved config with these keys set
	"$PY" -c '
import json, sys
cfg = json.load(open(sys.argv[1]))
for kv in sys.argv[2:]:
	k, v = kv.split("=", 1)
	cfg[k] = json.loads(v)
json.dump(cfg, open(sys.argv[1] + ".new", "w"))' "$RUN_TMP/config.saved" "$@"
	install -m 0644 -o root -g root "$RUN_TMP/config.saved.new" "$BOXED_CONFIG"
}

config namespaces=false
rep=$(run_json --no-network -- /bin/true)
check_eq "namespaces off: the run goes on, unsealed" "ok False []" \
	"$(jget "$rep" 'd["report"]["outcome"], d["report"]["hardening"]["sealed"], d["report"]["hardening"]["namespaces"]' | tr -d "(),'")"
check_eq "every missing layer is named, with reason unsealed" \
	"user-namespace pid-namespace ipc-namespace mount-namespace network-namespace unsealed" \
	"$(jget "$rep" '" ".join(x["layer"] for x in d["report"]["hardening"]["degraded"] if x["reason"] == "unsealed") + " " + " ".join(sorted({x["reason"] for x in d["report"]["hardening"]["degraded"] if x["layer"].endswith("namespace")}))')"

out=$(probe '
import ctypes, errno
libc = ctypes.CDLL(None, use_errno=True)
libc.mq_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_uint, ctypes.c_void_p]
r = []
for call in (lambda: libc.shmget(0, 4096, 0o1000 | 0o600), lambda: libc.msgget(0, 0o1000 | 0o600),
		lambda: libc.semget(0, 1, 0o1000 | 0o600), lambda: libc.mq_open(b"/q", 0o102, 0o600, None)):
	r.append("ok" if call() >= 0 else errno.errorcode[ctypes.get_errno()])
print(*r)')
check_eq "unsealed: SysV shm, msg, sem and mq_open are refused" "EPERM EPERM EPERM EPERM" "$out"

# An IPC object of a slot uid, left as a killed runner would leave it: the
# next run of that slot removes it.
locks=()
for i in $(seq 1 $((BOXED_SLOT_COUNT - 1))); do
	exec {fd}<"$BOXED_STATEDIR/locks/$i.lock"
	flock -n "$fd"
	locks+=("$fd")
done
on_slot0() { ( for fd in "${locks[@]}"; do eval "exec $fd<&-"; done; as_caller "$@" ); }
setpriv --reuid="$BOXED_UID_BASE" --regid="$BOXED_UID_BASE" --clear-groups "$PY" -I -S -c '
import ctypes
libc = ctypes.CDLL(None)
print(libc.shmget(0, 4096, 0o1000 | 0o600))' >/dev/null
check_match "a SysV segment of slot 0's uid is there" . \
	"$(awk -v u="$BOXED_UID_BASE" 'NR > 1 && $8 == u' /proc/sysvipc/shm)"
out=$(on_slot0 "$BOXED_RUN" --nproc 4 --json -- "$PY" -I -S -c "$DAEMON_PY"'
import os
open("leftover", "w").write("x")
os.makedirs("d/" + "/".join(["deep"] * 100))
os.chmod(os.environ["HOME"], 0o777)
print(os.getuid())')
check_eq "unsealed run on slot 0" "ok $BOXED_UID_BASE" \
	"$(jget "$out" 'd["report"]["outcome"], d["stdout"].strip()' | tr -d "(),'")"
check_eq "its cleanup removed the slot uid's SysV segment" "" \
	"$(awk -v u="$BOXED_UID_BASE" 'NR > 1 && $8 == u' /proc/sysvipc/shm)"
check_eq "its cleanup killed the daemon it left" "" "$(slot_procs)"
check_eq "its cleanup emptied the run directory it wrote to, 100 levels deep" "" \
	"$(ls -A "$BOXED_STATEDIR/slots/0/home")"
check_fails "the caller cannot plant in the run directory the run opened up" \
	as_caller mkdir "$BOXED_STATEDIR/slots/0/home/planted"
out=$(on_slot0 "$BOXED_RUN" --json -- "$PY" -I -S -c 'import os; print(os.listdir("."))')
check_eq "the next run of slot 0 starts in an empty directory" "ok []" \
	"$(jget "$out" 'd["report"]["outcome"] + " " + d["stdout"].strip()')"
for fd in "${locks[@]}"; do eval "exec $fd<&-"; done

# A killed runner: nothing ends the run's processes with init here, so
# init takes its parent-death signal and kills them before it goes.
start_run "$RUN_TMP/k.out" --timeout 30
check_match "unsealed: the run and its daemon are alive" 'sleep|python' "$(slot_procs)"
kill -KILL "$(runner_of "$(head -n 1 "$RUN_TMP/k.out")")"
took=$(gone_within 100)
check "unsealed, runner killed: nothing of the run is left within 100 ms ($took)" \
	test "${took#still}" = "$took"
wait

out=$(run_json --timeout 0.5 -- /bin/sleep 5)
check_eq "unsealed: the wall clock holds" "timeout wall-limit" \
	"$(jget "$out" 'd["report"]["outcome"], d["report"]["reason"]' | tr -d "(),'")"
out=$(run_json --timeout 20 --memory 64M --nproc 4 -- "$PY" -I -S -c '
import os, time
for i in range(3):
	if os.fork() == 0:
		b = bytearray(40 << 20)
		for j in range(0, len(b), 4096):
			b[j] = 1
		time.sleep(10)
		os._exit(0)
time.sleep(10)')
check_eq "unsealed: the run-wide memory bound holds" "memory memory-limit" \
	"$(jget "$out" 'd["report"]["outcome"], d["report"]["reason"]' | tr -d "(),'")"
check_eq "nothing of the slot uids is left" "" "$(slot_procs)"

# For real: the kernel refuses user namespaces to the runner, as a
# container's seccomp profile does (deny-userns.c).
cc -O2 -o "$RUN_TMP/deny-userns" tests/integration/deny-userns.c \
	$(pkg-config --cflags --libs libseccomp) || not_ok "building deny-userns"
refused_json() { "$RUN_TMP/deny-userns" setpriv --reuid="$BOXED_CALLER" --regid="$BOXED_CALLER" \
	--init-groups --inh-caps=-all -- env -i PATH=/usr/bin:/bin LANG=C.UTF-8 \
	"$BOXED_RUN" --json "$@"; }
config
rep=$(refused_json -- /bin/true)
check_eq "user namespaces refused by the kernel: the run goes on, unsealed" "ok False" \
	"$(jget "$rep" 'd["report"]["outcome"], d["report"]["hardening"]["sealed"]' | tr -d "(),'")"
check_match "the degraded layer says why (the errno of clone)" "refused new namespaces \\(Operation not permitted\\)" \
	"$(jget "$rep" 'd["report"]["hardening"]["degraded"][0]["message"]')"
config require_sealed=true
rep=$(refused_json -- /bin/true)
rc=$?
check_eq "require_sealed on such a host: refused, exit 125, reason unsealed" \
	"125 sandbox-error unsealed" \
	"$rc $(jget "$rep" 'd["report"]["outcome"], d["report"]["reason"]' | tr -d "(),'")"
rep=$(run_json -- /bin/true)
check_eq "require_sealed where the seal can be made: runs sealed" "ok True" \
	"$(jget "$rep" 'd["report"]["outcome"], d["report"]["hardening"]["sealed"]' | tr -d "(),'")"
config namespaces=false require_sealed=true
check_eq "require_sealed with namespaces off: the config is refused" "sandbox-error config-invalid" \
	"$(jget "$(run_json -- /bin/true)" 'd["report"]["outcome"], d["report"]["reason"]' | tr -d "(),'")"
finish
