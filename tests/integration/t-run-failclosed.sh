#!/bin/bash
# Must hold 5: the runner fails closed, and nothing runs.
. tests/integration/lib.sh
. tests/integration/run-lib.sh

marker_dir=$RUN_TMP/markers
install -d -m 0777 "$marker_dir"
# The target would leave a marker in a world-writable directory if it ran
# at all without the sandbox (a sandboxed run could not: Landlock).
target=(/bin/sh -c "touch $marker_dir/ran")

# no_new_privs caller: the kernel grants no file capabilities.
out=$(setpriv --reuid="$BOXED_CALLER" --regid="$BOXED_CALLER" --init-groups --inh-caps=-all \
	--no-new-privs -- env -i PATH=/usr/bin:/bin "$BOXED_RUN" --json -- "${target[@]}" 2>/dev/null)
rc=$?
check_eq "no_new_privs caller: exit 125" 125 "$rc"
check_eq "no_new_privs caller: outcome sandbox-error" sandbox-error "$(jget "$out" 'd["report"]["outcome"]')"
check_match "no_new_privs caller: the message says why" 'no_new_privs' "$(jget "$out" 'd["report"]["message"]')"

# A copy without capabilities stands for a runner whose capabilities were
# stripped (the installed path stays untouched for concurrent tests).
copy=$RUN_TMP/boxed-run-nocaps
install -m 0750 -o root -g "$BOXED_GROUP" "$BOXED_RUN" "$copy"
out=$(as_caller "$copy" --json -- "${target[@]}" 2>/dev/null)
rc=$?
check_eq "runner without capabilities: exit 125" 125 "$rc"
check_eq "runner without capabilities: outcome sandbox-error" sandbox-error "$(jget "$out" 'd["report"]["outcome"]')"
check_match "runner without capabilities: the message names the capabilities" 'cap_setuid' "$(jget "$out" 'd["report"]["message"]')"
# Capabilities other than exactly cap_setuid,cap_setgid are refused too.
setcap cap_setuid,cap_setgid,cap_kill=ep "$copy"
out=$(as_caller "$copy" --json -- "${target[@]}" 2>/dev/null)
check_eq "runner with an extra capability: sandbox-error" sandbox-error "$(jget "$out" 'd["report"]["outcome"]')"
setcap cap_setuid=ep "$copy"
out=$(as_caller "$copy" --json -- "${target[@]}" 2>/dev/null)
check_eq "runner with cap_setuid only: sandbox-error" sandbox-error "$(jget "$out" 'd["report"]["outcome"]')"
check_fails "nothing was executed by a runner lacking its capabilities" test -e "$marker_dir/ran"

# The real runner, stripped and restored through the installer.
if [ -x "$BOXED_SETUP" ] && [ "${BOXED_RUN_STRIP_REAL:-1}" = 1 ] && command -v setcap >/dev/null; then
	setcap -r "$BOXED_RUN"
	out=$(as_caller "$BOXED_RUN" --json -- "${target[@]}" 2>/dev/null)
	rc=$?
	"$BOXED_SETUP" install >/dev/null 2>&1
	check_eq "installed runner stripped of its capabilities: exit 125" 125 "$rc"
	check_eq "installed runner stripped: sandbox-error" sandbox-error "$(jget "$out" 'd["report"]["outcome"]')"
	check_fails "nothing was executed by the stripped runner" test -e "$marker_dir/ran"
	check "boxed-setup install restored the runner" as_caller "$BOXED_RUN" -- /bin/true
fi

# A caller not in the group: the kernel refuses the exec.
out=$(as_other "$BOXED_RUN" -- /bin/true 2>&1)
rc=$?
check_eq "caller outside the group: exec refused (126, EACCES)" 126 "$rc"
check_match "caller outside the group: Permission denied" 'Permission denied' "$out"
# Reached some other way (here the runner made executable by all, which
# keeps its capabilities): the state directory refuses the caller, and the
# runner says what to do, by name.
chmod 0755 "$BOXED_RUN"
out=$(as_other "$BOXED_RUN" --json -- /bin/true 2>"$RUN_TMP/nonmember.err")
chmod 0750 "$BOXED_RUN"
check_eq "caller outside the group, runner reached anyway: sandbox-error not-in-group" \
	"sandbox-error not-in-group" "$(jget "$out" 'd["report"]["outcome"], d["report"]["reason"]' | tr -d "(),'")"
check_eq "it says whom to ask for what, by name" \
	"boxed-run: you are not in group $BOXED_GROUP: ask an administrator to run \`usermod -a -G $BOXED_GROUP $BOXED_OTHER\`, then log in again" \
	"$(cat "$RUN_TMP/nonmember.err")"

# A config writable by others, or by the group, is refused.
cp -p "$BOXED_CONFIG" "$RUN_TMP/config.saved"
chmod g+w "$BOXED_CONFIG"
out=$(as_caller "$BOXED_RUN" --json -- "${target[@]}" 2>/dev/null)
rc=$?
chmod 0644 "$BOXED_CONFIG"
check_eq "group-writable config: exit 125" 125 "$rc"
check_match "group-writable config: refused with the reason" 'writable by its group' "$(jget "$out" 'd["report"]["message"]')"
chmod o+w "$(dirname "$BOXED_CONFIG")"
out=$(as_caller "$BOXED_RUN" --json -- "${target[@]}" 2>/dev/null)
chmod o-w "$(dirname "$BOXED_CONFIG")"
check_match "config in an others-writable directory: refused" 'writable by others' "$(jget "$out" 'd["report"]["message"]')"
check_fails "nothing ran with an untrusted config" test -e "$marker_dir/ran"

# An exhausted pool: every lock held by a test process.
locks=()
for i in $(seq 0 $((BOXED_SLOT_COUNT - 1))); do
	exec {fd}<"$BOXED_STATEDIR/locks/$i.lock"
	flock -n "$fd"
	locks+=("$fd")
done
out=$(as_caller "$BOXED_RUN" --json -- /bin/true 2>/dev/null)
rc=$?
check_eq "exhausted pool: exit 125" 125 "$rc"
check_match "exhausted pool: a clear error" "all $BOXED_SLOT_COUNT slots are busy.*--wait" "$(jget "$out" 'd["report"]["message"]')"
start=$(date +%s%N)
out=$(as_caller "$BOXED_RUN" --wait=0.3 --json -- /bin/true 2>/dev/null)
end=$(date +%s%N)
check_match "exhausted pool, --wait=0.3: gives up after waiting" 'stayed busy' "$(jget "$out" 'd["report"]["message"]')"
check "exhausted pool, --wait=0.3: waited at least 0.3 s" test $(((end - start) / 1000000)) -ge 300
install -m 0644 -o "$BOXED_CALLER" /dev/null "$RUN_TMP/w.out"
# The waiter must not inherit the lock fds: a copy would keep them locked.
(
	for fd in "${locks[@]}"; do eval "exec $fd<&-"; done
	as_caller "$BOXED_RUN" --wait=10 --json -- /usr/bin/id -u >"$RUN_TMP/w.out" 2>&1
) &
waiter=$!
sleep 0.5
eval "exec ${locks[3]}<&-"
wait "$waiter"
for fd in "${locks[@]}"; do eval "exec $fd<&-" 2>/dev/null; done
check_eq "exhausted pool, --wait: runs once a slot is free" ok "$(jget "$(cat "$RUN_TMP/w.out")" 'd["report"]["outcome"]')"
finish
