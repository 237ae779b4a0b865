#!/bin/bash
# install repairs every slot it can, even when some cannot be repaired:
# those are named with the kernel's reason (EPERM from an immutable entry,
# chattr +i), install still fails, and a rerun once they are fixed passes.
. tests/integration/lib.sh
. tests/integration/setup-lib.sh

r=$(stage_root repair)
slots=$r$BOXED_STATEDIR/slots
stuck=$slots/3/home/stuck
frozen=$slots/6/home/frozen
cleanup() {
	chattr -i "$stuck" "$frozen" 2>/dev/null
	rm -rf "$r"
}
trap cleanup EXIT
check "staged install" "$BOXED_SETUP" install --root "$r"

# Slot 3: a root-owned immutable file in its run directory. Slot 6: an
# immutable directory. Slot 5: something install can remove.
touch "$stuck"
mkdir "$frozen"
if ! chattr +i "$stuck" "$frozen" 2>/dev/null; then
	skip "this filesystem has no immutable flag (chattr +i)"
	finish
fi
install -d -m 0755 -o "$BOXED_OTHER" "$slots/5/home/planted"

out=$("$BOXED_SETUP" install --root "$r" 2>&1)
check_eq "install with two slots it cannot repair exits 1" 1 "$?"
check_match "slot 3 is named with the real errno" \
	"slot 3 not repaired: $stuck: removing it: Operation not permitted" "$out"
check_match "slot 6 is named with the real errno" \
	"slot 6 not repaired: $frozen: removing it: Operation not permitted" "$out"
check_eq "no wrong errno" "" "$(printf '%s\n' "$out" | grep 'Not a directory')"
check_match "the last line names both slots" \
	"2 slots not repaired \(3, 6; why is above\)" "$(printf '%s\n' "$out" | tail -n 1)"
check_eq "slot 5 was repaired all the same" "" "$(ls -A "$slots/5/home")"
check_eq "the slots after the broken ones exist" \
	"$((BOXED_UID_BASE + 79)):$((BOXED_UID_BASE + 79)) 700" \
	"$(stat -c '%u:%g %a' "$slots/79/home")"
out=$("$BOXED_SETUP" audit --root "$r" 2>&1)
check_eq "audit still fails" 1 "$?"
check_match "audit names slot 3" "slot 3 cannot be cleaned by its uid: slots/3/home/stuck belongs to uid 0" "$out"
check_eq "audit finds no problem in slot 5" "" "$(printf '%s\n' "$out" | grep 'slot 5 ')"

out=$("$BOXED_SETUP" install --root "$r" --json 2>/dev/null)
check_eq "install --json exits 1 too" 1 "$?"
check_eq "... and lists the slots" "[3, 6]" \
	"$(printf '%s' "$out" | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["unrepaired_slots"])')"

chattr -i "$stuck" "$frozen"
check "once they are mutable again, install repairs them" "$BOXED_SETUP" install --root "$r"
check_eq "slot 3 is empty" "" "$(ls -A "$slots/3/home")"
check "audit passes" "$BOXED_SETUP" audit --root "$r"
finish
