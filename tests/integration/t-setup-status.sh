#!/bin/bash
# status runs the cheap checks: the runner's capabilities, the size and
# digest of the runner and of the pinned interpreter, and every idle slot
# as the runner would meet it. It says "ok" only when they hold, and exits
# 1 when one does not.
. tests/integration/lib.sh
. tests/integration/setup-lib.sh

r=$(stage_root status)
trap 'rm -rf "$r"' EXIT
check "staged install" "$BOXED_SETUP" install --root "$r"
status() { "$BOXED_SETUP" status --root "$r" 2>&1; }

out=$(status)
check_eq "a fresh install: status exits 0" 0 "$?"
check_match "... and says health ok" "^health: +ok " "$out"

cp -p "$r$BOXED_PKGLIBDIR/python_boxed" "$r/python_boxed.orig"
printf 'x' >>"$r$BOXED_PKGLIBDIR/python_boxed"
out=$(status)
check_eq "one byte appended to the pinned copy: status exits 1" 1 "$?"
check_match "... and names the copy" "python_boxed: [0-9]+ bytes where the manifest says [0-9]+: changed since install" "$out"
# The same size, other content: the digest catches it.
cp -p "$r/python_boxed.orig" "$r$BOXED_PKGLIBDIR/python_boxed"
printf 'X' | dd of="$r$BOXED_PKGLIBDIR/python_boxed" bs=1 seek=100 conv=notrunc status=none
out=$(status)
check_eq "one byte changed in place: status exits 1" 1 "$?"
check_match "... by its digest" "python_boxed: sha256 differs from the manifest's" "$out"
check "install repairs the copy" "$BOXED_SETUP" install --root "$r"
check "... and status exits 0 again" status

# What a run left that its uid can remove, the next run removes: no problem.
touch "$r$BOXED_STATEDIR/slots/5/home/left-behind"
chown "$((BOXED_UID_BASE + 5)):$((BOXED_UID_BASE + 5))" "$r$BOXED_STATEDIR/slots/5/home/left-behind"
check "an idle slot with a leftover of its own uid: status exits 0" status
# Something the slot's uid cannot remove: only root could put it there.
install -d -m 0755 -o "$BOXED_OTHER" "$r$BOXED_STATEDIR/slots/5/home/planted"
out=$(status)
check_eq "an idle slot that holds what its uid cannot remove: status exits 1" 1 "$?"
check_match "... names the slot and the entry" "slot 5 cannot be cleaned by its uid: slots/5/home/planted belongs to uid" "$out"
check "install repairs it" "$BOXED_SETUP" install --root "$r"
check "... and status exits 0 again" status

chown "$BOXED_OTHER" "$r$BOXED_STATEDIR/slots/7"
out=$(status)
check_eq "a slot given away: status exits 1" 1 "$?"
check_match "... names it" "slot 7 cannot be cleaned by its uid: slots/7 is a directory [0-9]+:[0-9]+ 0710, expected" "$out"
check "install repairs it" "$BOXED_SETUP" install --root "$r"

setcap -r "$r$BOXED_RUN"
out=$(status)
check_eq "a runner without capabilities: status exits 1" 1 "$?"
check_match "... says so" "boxed-run: does not carry exactly cap_setuid,cap_setgid=ep" "$out"
check "install repairs it" "$BOXED_SETUP" install --root "$r"

out=$("$BOXED_SETUP" status --root "$r" --json 2>&1)
check_eq "status --json: health.ok is true" True \
	"$(printf '%s' "$out" | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["health"]["ok"])')"

out=$(as_other "$BOXED_SETUP" status --root "$r" 2>&1)
check_eq "status by a user outside the group exits 3 (not fully checked)" 3 "$?"
check_match "... and says to run it as root" "not checked: .*run boxed-setup status as root" "$out"
finish
