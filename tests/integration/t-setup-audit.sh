#!/bin/bash
# audit re-checks what install guarantees and fails on each way it can be
# broken afterwards; install repairs each one.
. tests/integration/lib.sh
. tests/integration/setup-lib.sh

r=$(stage_root audit)
trap 'rm -rf "$r"' EXIT
# A source of our own, so that it can be "upgraded".
src=$r/src/python3
mkdir -p "$r/src"
cp /usr/bin/python3.11 "$src"
check "staged install from $src" "$BOXED_SETUP" install --root "$r" --python "$src"
audit() { "$BOXED_SETUP" audit --root "$r" 2>&1; }
check "audit of the fresh install exits 0" audit
out=$(audit)
# The interpreter's hardening is a fact about the distribution's Python,
# which carries no capability: never a warning that is always there.
check_eq "a healthy install draws no WARNING" "" "$(printf '%s\n' "$out" | grep '^WARNING')"
check_match "the interpreter's PIE finding is informational, with its reason" \
	"^INFO +pie .*python_boxed: .*informational: the interpreter carries no capability" "$out"
check_eq "the interpreter's findings carry no build advice" "" \
	"$(printf '%s\n' "$out" | grep 'python_boxed' | grep -e '-fPIE' -e 'link with')"

# Without root: what cannot be read is "not checked", with its own exit
# status, never an error with repair advice.
out=$(as_other "$BOXED_SETUP" audit --root "$r" 2>&1)
check_eq "audit by a user outside the group exits 3 (incomplete)" 3 "$?"
check_eq "... and reports no ERROR" "" "$(printf '%s\n' "$out" | grep -E '^(ERROR|CRITICAL)')"
check_match "... says what it could not check, and to run it as root" \
	"^UNCHECKED +runner-sha256 .*not checked: only root and group $BOXED_GROUP may read the runner, and this audit runs as $BOXED_OTHER; run it as root" "$out"
check_match "... still checks the runner's mode and capabilities" \
	"^OK +runner-caps .*cap_setuid,cap_setgid=ep" "$out"
check_match "... and sums up as incomplete" "INCOMPLETE \(run it as root\)$" "$out"
out=$(as_other "$BOXED_SETUP" audit --root "$r" --json 2>&1)
check_eq "... --json says complete: false, ok: false" "False False" \
	"$(printf '%s' "$out" | /usr/bin/python3 -c 'import json, sys; d = json.load(sys.stdin); print(d["complete"], d["ok"])')"
out=$(as_caller "$BOXED_SETUP" audit --root "$r" 2>&1)
check_eq "audit by a member of the group exits 3 too" 3 "$?"
check_eq "... and only the slots, which only root may enter, are not checked" "slot" \
	"$(printf '%s\n' "$out" | awk '$1 == "UNCHECKED" {print $2}' | sort -u)"

# broken DESCRIPTION REGEX: audit exits 1 and prints REGEX; install repairs.
broken() {
	local out rc
	out=$(audit)
	rc=$?
	check_eq "$1: audit exits 1" 1 "$rc"
	check_match "$1: audit says so" "$2" "$out"
	check "$1: install repairs it" "$BOXED_SETUP" install --root "$r" --python "$src"
	out=$(audit)
	rc=$?
	check_eq "$1: audit exits 0 again" 0 "$rc"
	[ "$rc" -eq 0 ] || diag "$out"
}

printf 'x' >>"$src"
broken "source upgraded" "^ERROR +stale .*STALE: $src changed since it was pinned"

setcap -r "$r$BOXED_RUN"
broken "runner lost its capabilities" "^ERROR +runner-caps .*carries no capabilities"

setcap cap_setuid,cap_setgid,cap_sys_admin+ep "$r$BOXED_RUN"
broken "runner with a wider set" "^CRITICAL +runner-caps .*expected exactly cap_setuid,cap_setgid=ep"

chmod 4750 "$r$BOXED_RUN"
broken "runner made setuid" "^CRITICAL +runner-mode .*set-id bit"

chmod 0755 "$r$BOXED_RUN"
broken "runner executable by all" "^ERROR +runner-mode .*expected root:$BOXED_GROUP 0750"

printf 'x' >>"$r$BOXED_PKGLIBDIR/python_boxed"
broken "copy modified" "^ERROR +interpreter-sha256 .*differs from the manifest"

chown "$BOXED_OTHER" "$r$BOXED_STATEDIR/slots/3"
broken "slot dir given away" "^ERROR +slot .*slot 3 cannot be cleaned by its uid: slots/3 is a directory [0-9]+:[0-9]+ 0710, expected"

# Something the slot's uid cannot remove, in its run directory: only root
# can put it there (the slot's directory admits no one else).
install -d -m 0755 -o "$BOXED_OTHER" "$r$BOXED_STATEDIR/slots/4/home/planted"
broken "slot with a planted directory" "^ERROR +slot .*slot 4 cannot be cleaned by its uid: slots/4/home/planted belongs to uid"

chmod 0666 "$r$BOXED_CONFIG"
out=$(audit)
check_eq "world-writable config: audit exits 1" 1 "$?"
check_match "world-writable config: audit names it" "^ERROR +config .*writable by others" "$out"
chmod 0644 "$r$BOXED_CONFIG"

check "audit --json is valid JSON" sh -c "'$BOXED_SETUP' audit --root '$r' --json | /usr/bin/python3 -m json.tool"
rm -f "$r$BOXED_STATEDIR/manifest.json"
check_match "no manifest: audit says to install" "^ERROR +manifest .*run boxed-setup install" "$(audit)"
finish
