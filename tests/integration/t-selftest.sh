#!/bin/bash
# boxed-selftest against the real staged installation: it passes as root
# and as a caller, its control run detects every unsandboxed probe, and
# three real breakages each fail the probe that names them.
. tests/integration/lib.sh

st_out=$(mktemp)
legacy=/usr/bin/python_boxed
planted=
restore() {
	[ -n "$planted" ] && rm -f "$legacy"
	[ -f "$st_out.config" ] && cp -p "$st_out.config" "$BOXED_CONFIG"
	chmod go-w "$BOXED_CONFIG" 2>/dev/null
	rm -f "$st_out" "$st_out.config"
}
trap restore EXIT

# The probes of the seal and the host's part in it.
SEAL_PROBES="ipc run-ends proc-private private-files disk-limit no-network memory-run-wide"

# probe_status NAME: the status of one probe in the --json report in $st_out.
probe_status() {
	/usr/bin/python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
print(" ".join(p["status"] for p in d["probes"] if p["name"] == sys.argv[2]))' "$st_out" "$1" 2>&1
}
# probe_field NAME FIELD: its message or fix.
probe_field() {
	/usr/bin/python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
print(" ".join(p[sys.argv[3]] or "" for p in d["probes"] if p["name"] == sys.argv[2]))' \
		"$st_out" "$1" "$2" 2>&1
}

# selftest_as WHO ARGS...: run it, keep the output, return its status.
selftest() {
	local rc=0
	"$@" >"$st_out" 2>&1 || rc=$?
	return $rc
}

# Probes reported not ok, one name a line.
not_ok_names() { sed -n 's/^not ok [0-9]* - //p' "$st_out"; }

# --- it passes: as root, then as a caller in the group ---------------------
t0=$(date +%s.%N)
rc=0
selftest "$BOXED_SELFTEST" || rc=$?
t1=$(date +%s.%N)
check_eq "as root: exit 0" 0 "$rc"
[ "$rc" = 0 ] || diag "$(cat "$st_out")"
check_match "as root: TAP 14 header" '^TAP version 14$' "$(head -1 "$st_out")"
check_eq "as root: no probe not ok" "" "$(not_ok_names)"
check_match "as root: the sandboxed probes ran" '^ok [0-9]+ - signals-ptrace-proc$' "$(cat "$st_out")"
check_match "as root: the audit findings are included" '^ok [0-9]+ - audit:' "$(cat "$st_out")"
for p in $SEAL_PROBES host-userns; do
	check_match "as root: $p passes" "^ok [0-9]+ - $p\$" "$(cat "$st_out")"
done
secs=$(echo "$t1 - $t0" | bc)
diag "selftest as root took $secs s"
check "as root: under 15 s ($secs s)" test "$(echo "$secs < 15" | bc)" = 1
check_eq "as root: the throwaway caller is removed" "" "$(getent passwd | grep '^boxed-st-' || true)"

rc=0
selftest as_caller "$BOXED_SELFTEST" || rc=$?
check_eq "as caller: exit 0" 0 "$rc"
check_eq "as caller: no probe not ok" "" "$(not_ok_names)"
[ "$rc" = 0 ] || diag "$(cat "$st_out")"
check_match "as caller: the re-escalation probe ran" '^ok [0-9]+ - re-escalation' "$(cat "$st_out")"
for p in $SEAL_PROBES host-userns; do
	check_match "as caller: $p passes" "^ok [0-9]+ - $p\$" "$(cat "$st_out")"
done
rc=0
selftest as_caller "$BOXED_SELFTEST" --control || rc=$?
check_eq "--control as caller: exit 0 (every probe detected or skipped)" 0 "$rc"
[ "$rc" = 0 ] || diag "$(cat "$st_out")"
check_match "as caller: --control skips capabilities, with the reason" \
	'^ok [0-9]+ - capabilities # SKIP .*root' "$(cat "$st_out")"
for p in $SEAL_PROBES; do
	check_match "--control as caller: $p detects" "^ok [0-9]+ - $p\$" "$(cat "$st_out")"
done

rc=0
selftest "$BOXED_SELFTEST" --json || rc=$?
check_eq "--json: exit 0" 0 "$rc"
[ "$rc" = 0 ] || diag "$(/usr/bin/python3 -c 'import json,sys
for p in json.load(open(sys.argv[1]))["probes"]:
    if p["status"] in ("fail", "dubious"):
        print(p["name"], p["status"], p["message"])' "$st_out" 2>&1)"
check_eq "--json: valid JSON, ok true" "True" \
	"$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ok"])' "$st_out" 2>&1)"
check_eq "--json: every time is whole milliseconds" "" \
	"$(grep -E '"seconds":[[:space:]]*[0-9]+\.[0-9]{4,}' "$st_out")"
check_eq "--json: every sysctl fix says how to keep it across reboots" "" \
	"$(grep -E '"fix":[[:space:]]*".*sysctl -w' "$st_out" | grep -v '/etc/sysctl.d/')"
check_match "host-userns: says the runs are sealed, and what the host allows" \
	'^runs are sealed: .*user\.max_user_namespaces=' "$(probe_field host-userns message)"

# --- control: every isolation probe detects the unsandboxed case ----------
rc=0
selftest "$BOXED_SELFTEST" --control || rc=$?
check_eq "--control as root: exit 0 (every probe detected)" 0 "$rc"
[ "$rc" = 0 ] || diag "$(cat "$st_out")"
check_eq "--control: 19 isolation probes, all ok" 19 "$(grep -c '^ok [0-9]* - ' "$st_out")"
check_eq "--control: none passes unsandboxed" "" "$(not_ok_names)"
check_match "--control: each says what it detected" 'detected: ' "$("$BOXED_SELFTEST" --control --verbose --only fds)"
rc=0
selftest "$BOXED_SELFTEST" --control --json $(for p in $SEAL_PROBES; do echo --only "$p"; done) || rc=$?
check_eq "--control --json: exit 0" 0 "$rc"
for p in $SEAL_PROBES; do
	check_eq "--control: $p detects the missing seal" pass "$(probe_status "$p")"
	check_match "--control: $p says what it saw" 'detected: ' "$(probe_field "$p" message)"
done
check_match "--control: run-ends sees the daemon outlive each end" \
	'SIGKILL of the runner: detected: .*st-daemon.*SIGSTOP of the runner: detected: .*SIGKILL of its caller: detected: ' \
	"$(probe_field run-ends message)"
check_eq "--control: no IPC object of the probe is left on the host" "" \
	"$(ipcs | grep -i 0x6278 || true)"
check_eq "--control: no file or socket of the probe is left" "" \
	"$(ls /tmp /dev/shm /run 2>/dev/null | grep '^boxed-st-' || true)"

# --- breakage 1: the runner without its capabilities ------------------------
setcap -r "$BOXED_RUN"
rc=0
selftest "$BOXED_SELFTEST" || rc=$?
check_eq "caps stripped: exit 1" 1 "$rc"
names=$(not_ok_names)
for p in identity capabilities no-new-privs caller-files limit-memory audit:runner-caps; do
	check_match "caps stripped: $p fails" "^$p\$" "$names"
done
check_match "caps stripped: fail-closed still passes (the runner refuses)" \
	'^ok [0-9]+ - fail-closed$' "$(cat "$st_out")"
check_match "caps stripped: the diagnostic says why" \
	'message: .*sandbox-error: .*capabilities' "$(cat "$st_out")"
"$BOXED_SETUP" install >/dev/null 2>&1
rc=0
selftest "$BOXED_SELFTEST" --only identity || rc=$?
check_eq "caps restored: identity passes again" 0 "$rc"

# --- breakage 2: a group-writable configuration ----------------------------
chmod g+w "$BOXED_CONFIG"
rc=0
selftest "$BOXED_SELFTEST" || rc=$?
chmod g-w "$BOXED_CONFIG"
check_eq "config g+w: exit 1" 1 "$rc"
check_match "config g+w: the config probe fails" '^config$' "$(not_ok_names)"
check_match "config g+w: the message names the config" "message: .*$BOXED_CONFIG.*group" "$(cat "$st_out")"
check_match "config g+w: the fix is printed" 'fix: .*chmod' "$(cat "$st_out")"

# --- breakage 3: a legacy python_boxed with cap_setuid ---------------------
if [ -e "$legacy" ]; then
	skip "legacy python_boxed: $legacy already exists, not touching it"
else
	planted=1
	cp /usr/bin/python3.11 "$legacy" && setcap cap_setuid+ep "$legacy"
	rc=0
	selftest "$BOXED_SELFTEST" || rc=$?
	rm -f "$legacy"
	planted=
	check_eq "legacy python_boxed: exit 1" 1 "$rc"
	check_match "legacy python_boxed: the audit probe for interpreter caps fails" \
		'^audit:interpreter-caps$' "$(not_ok_names)"
	check_match "legacy python_boxed: the message names the file and the fix" \
		"message: .*$legacy.*cap_setuid" "$(grep -A4 '^not ok [0-9]* - audit:interpreter-caps' "$st_out")"
	check_match "legacy python_boxed: the fix is printed" 'fix: "boxed-setup migrate-legacy' \
		"$(grep -A5 '^not ok [0-9]* - audit:interpreter-caps' "$st_out")"
fi

# --- unsealed: the config turns namespaces off --------------------------------
# What the fallback refuses passes, and says so; what it goes without fails,
# pointing at host-userns, which names the layers and the fix.
cp -p "$BOXED_CONFIG" "$st_out.config"
/usr/bin/python3 -c 'import json,sys
d = json.load(open(sys.argv[1])); d["namespaces"] = False
open(sys.argv[1], "w").write(json.dumps(d, indent="\t"))' "$BOXED_CONFIG"
rc=0
selftest "$BOXED_SELFTEST" --json || rc=$?
cp -p "$st_out.config" "$BOXED_CONFIG"
rm -f "$st_out.config"
check_eq "unsealed: exit 1" 1 "$rc"
check_eq "unsealed: ipc passes" pass "$(probe_status ipc)"
check_match "unsealed: ipc says the objects were refused" \
	'^unsealed run made: none; refused: sysv-shm .*posix-mq' "$(probe_field ipc message)"
check_eq "unsealed: memory-run-wide passes" pass "$(probe_status memory-run-wide)"
check_match "unsealed: the SysV hog is refused" 'SysV segments .*shmget refused' \
	"$(probe_field memory-run-wide message)"
for p in proc-private disk-limit; do
	check_eq "unsealed: $p fails" fail "$(probe_status "$p")"
	check_match "unsealed: $p points at host-userns" 'see host-userns' "$(probe_field "$p" fix)"
done
# The filter refuses every socket under --no-network, sealed or not.
check_eq "unsealed: no-network passes (no socket at all)" pass "$(probe_status no-network)"
check_eq "unsealed: signals-ptrace-proc still passes (uid and Landlock)" pass \
	"$(probe_status signals-ptrace-proc)"
# The fallback keeps a run's files in its slot directory, private by its
# mode, and the runner wipes it after the run: nothing may be left there.
check_eq "unsealed: private-files passes (the run directory is wiped after the run)" pass \
	"$(probe_status private-files)"
[ "$(probe_status private-files)" = pass ] || diag "$(probe_field private-files message)"
check_eq "unsealed: no slot directory holds anything after the runs" "" \
	"$(find "$BOXED_STATEDIR/slots" -mindepth 3 2>/dev/null)"
# Whatever is left, boxed-setup install repairs, so that later tests start clean.
"$BOXED_SETUP" install >/dev/null 2>&1
check_eq "unsealed: host-userns warns" warning "$(probe_status host-userns)"
check_match "unsealed: host-userns names the layers runs go without" \
	'without user-namespace, pid-namespace, ipc-namespace, mount-namespace, network-namespace' \
	"$(probe_field host-userns message)"
check_eq "unsealed: host-userns gives the fix" "set \"namespaces\": true in $BOXED_CONFIG" \
	"$(probe_field host-userns fix)"
check_match "config restored: runs are sealed again" '"sealed":true' \
	"$(as_caller "$BOXED_RUN" --json -- /bin/true)"

# --- interrupted: the throwaway caller and the stage still go ---------------
"$BOXED_SELFTEST" >/dev/null 2>&1 &
st_pid=$!
sleep 0.15
kill -TERM "$st_pid" 2>/dev/null
rc=0
wait "$st_pid" || rc=$?
check_match "SIGTERM: exit 2 (or done already: 0)" '^(0|2)$' "$rc"
# What a selftest names on the host carries its pid: another selftest of
# the machine, running meanwhile, is not this one's leftover.
check_eq "SIGTERM: no throwaway user left" "" \
	"$(getent passwd "boxed-st-$st_pid" || true)"
check_eq "SIGTERM: no throwaway group left" "" "$(getent group "boxed-st-$st_pid" || true)"
check_eq "SIGTERM: no stage directory left" "" \
	"$(ls -d /var/tmp/boxed-selftest."$st_pid".* 2>/dev/null || true)"
check_eq "SIGTERM: no file or socket of a probe left" "" \
	"$(ls /tmp /dev/shm /run 2>/dev/null | grep "^boxed-st-$st_pid-" || true)"

# --- refusals: exit 2 ------------------------------------------------------
rc=0
out=$(as_other "$BOXED_SELFTEST" 2>&1) || rc=$?
check_eq "a user outside the group: exit 2" 2 "$rc"
check_eq "... told by name what to ask for" \
	"boxed-selftest: cannot run: you are not in group $BOXED_GROUP: ask an administrator to run \`usermod -a -G $BOXED_GROUP $BOXED_OTHER\`, then log in again (or run boxed-selftest as root)" \
	"$out"
rc=0
"$BOXED_SELFTEST" --only no-such-probe >/dev/null 2>&1 || rc=$?
check_eq "an unknown probe: exit 2" 2 "$rc"

finish
