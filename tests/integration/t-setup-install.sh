#!/bin/bash
# The installation the harness made with `boxed-setup install`, as the
# kernel and the filesystem report it; then a second install changes
# nothing (issue 2, "Must show" 2 and 4).
. tests/integration/lib.sh
. tests/integration/setup-lib.sh

caps=$(getcap "$BOXED_RUN" | sed "s|^$BOXED_RUN ||")
# getcap prints libcap's canonical text, capabilities in number order:
# the set cap_setuid,cap_setgid=ep reads back as cap_setgid,cap_setuid=ep.
check_eq "runner carries exactly cap_setuid,cap_setgid=ep" "cap_setgid,cap_setuid=ep" "$caps"
check_eq "runner is root:$BOXED_GROUP 0750, no set-id bit" "root:$BOXED_GROUP 750" \
	"$(stat -c '%U:%G %a' "$BOXED_RUN")"
# The kernel's answer to the mode: group members may execute it, others not.
out=$(as_other "$BOXED_RUN" --version 2>&1)
check_eq "a user outside $BOXED_GROUP cannot execute the runner" 126 "$?"
check_match "the kernel said EACCES" "Permission denied" "$out"
check "a member of $BOXED_GROUP can execute it" as_caller "$BOXED_RUN" --version
check_eq "getcap -r PKGLIBDIR prints nothing" "" "$(getcap -r "$BOXED_PKGLIBDIR" 2>&1)"
copy=$BOXED_PKGLIBDIR/python_boxed
src=$(readlink -f /usr/bin/python3)
check_eq "copy is root:root 0755" "root:root 755" "$(stat -c '%U:%G %a' "$copy")"
check_eq "copy is byte-identical to $src" "$(sha "$src")" "$(sha "$copy")"
check "copy runs" "$copy" -I -S -c 'pass'

manifest=$BOXED_STATEDIR/manifest.json
check "manifest is valid JSON" /usr/bin/python3 -m json.tool "$manifest"
m() { /usr/bin/python3 -c "import json,sys; d=json.load(open('$manifest')); print($1)"; }
check_eq "manifest records the copy's sha256" "$(sha "$copy")" "$(m "d['interpreter']['sha256']")"
check_eq "manifest records the source" "$src" "$(m "d['interpreter']['source']['path']")"
check_eq "manifest records the Python version the probe printed" \
	"$(/usr/bin/python3 -c 'import platform; print(platform.python_version())')" \
	"$(m "d['interpreter']['python_version']")"
check_eq "manifest records the capabilities" "cap_setuid,cap_setgid=ep" "$(m "d['runner']['capabilities']")"

# The slot layout lib/slot.h promises the runner.
check_eq "state dir" "root:root 755" "$(stat -c '%U:%G %a' "$BOXED_STATEDIR")"
check_eq "locks dir" "root:$BOXED_GROUP 750" "$(stat -c '%U:%G %a' "$BOXED_STATEDIR/locks")"
check_eq "slots dir" "root:root 711" "$(stat -c '%U:%G %a' "$BOXED_STATEDIR/slots")"
last=$((BOXED_SLOT_COUNT - 1))
check_eq "lock of the last slot" "root:$BOXED_GROUP 640" \
	"$(stat -c '%U:%G %a' "$BOXED_STATEDIR/locks/$last.lock")"
# Only the slot's uid, by its gid, may pass through a slot's directory:
# nobody else reaches the run directory in it, even one a run opened up.
check_eq "dir of the last slot" "0:$((BOXED_UID_BASE + last)) 710" \
	"$(stat -c '%u:%g %a' "$BOXED_STATEDIR/slots/$last")"
check_eq "run directory of the last slot" "$((BOXED_UID_BASE + last)):$((BOXED_UID_BASE + last)) 700" \
	"$(stat -c '%u:%g %a' "$BOXED_STATEDIR/slots/$last/home")"
check_eq "one lock and one dir per slot" "$BOXED_SLOT_COUNT $BOXED_SLOT_COUNT" \
	"$(ls "$BOXED_STATEDIR/locks" | wc -l) $(ls "$BOXED_STATEDIR/slots" | wc -l)"
check_eq "config is root:root 0644" "root:root 644" "$(stat -c '%U:%G %a' "$BOXED_CONFIG")"

out=$("$BOXED_SETUP" audit 2>&1)
rc=$?
check_eq "audit exits 0" 0 "$rc"
[ "$rc" -eq 0 ] || diag "$out"
check_match "audit ran the ELF audit on the runner" "^OK +elf +$BOXED_RUN: passes the ELF audit" "$out"
check "audit --json is valid JSON" sh -c "'$BOXED_SETUP' audit --json | /usr/bin/python3 -m json.tool"
check_match "audit --json says ok" '"ok":[[:space:]]*true' "$("$BOXED_SETUP" audit --json)"
check_match "status names the Python version" 'Python 3\.' "$("$BOXED_SETUP" status)"
# A slot in use, as the runner holds it: flock on its lock file. status
# reads the kernel's lock table.
flock -o "$BOXED_STATEDIR/locks/5.lock" sleep 5 &
holder=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do
	grep -q FLOCK /proc/locks && break
	sleep 0.1
done
check_match "status sees slot 5 in use" '^in use: +1 \(slots 5\)' "$("$BOXED_SETUP" status)"
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
check_match "and free again once released" '^in use: +0$' "$("$BOXED_SETUP" status)"
check "status --json is valid JSON" sh -c "'$BOXED_SETUP' status --json | /usr/bin/python3 -m json.tool"

# Idempotence: the second run says so and touches nothing.
watched=("$BOXED_RUN" "$copy" "$BOXED_CONFIG" "$manifest" "$BOXED_STATEDIR/locks"
	"$BOXED_STATEDIR/slots" "$BOXED_STATEDIR/locks/0.lock" "$BOXED_STATEDIR/slots/0")
before=$(stat -c '%n %i %Y.%y %Z %a %U %G' "${watched[@]}"; getcap "$BOXED_RUN")
out=$("$BOXED_SETUP" install 2>&1)
rc=$?
check_eq "second install exits 0" 0 "$rc"
check_match "second install reports no change" '^boxed-setup: no change' "$out"
after=$(stat -c '%n %i %Y.%y %Z %a %U %G' "${watched[@]}"; getcap "$BOXED_RUN")
check_eq "second install changed no inode, mtime, ctime, mode or owner" "$before" "$after"
check_match "install --json reports changed: false" '"changed":[[:space:]]*false' \
	"$("$BOXED_SETUP" install --json)"

# --group naming the config's own group is no change either (another
# group moves the installation to it: t-setup-group).
check_match "install --group $BOXED_GROUP reports no change" '^boxed-setup: no change' \
	"$("$BOXED_SETUP" install --group "$BOXED_GROUP" 2>&1)"
check_eq "and nothing changed" "$before" \
	"$(stat -c '%n %i %Y.%y %Z %a %U %G' "${watched[@]}"; getcap "$BOXED_RUN")"
finish
