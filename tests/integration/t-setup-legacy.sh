#!/bin/bash
# An interpreter that carries a capability is root for whoever runs it:
# audit calls it CRITICAL, migrate-legacy strips it (issue 2, "Must show" 3).
. tests/integration/lib.sh
. tests/integration/setup-lib.sh

legacy=/usr/bin/python_boxed
evil=$BOXED_PKGLIBDIR/python_evil
if [ -e "$legacy" ]; then
	skip "$legacy already exists on this host; not touching it"
	finish
fi
cleanup() { rm -f "$legacy" "$evil"; }
trap cleanup EXIT

# The original boxed's layout, made with setcap(8) as it did.
cp /usr/bin/python3.11 "$legacy"
setcap cap_setuid+ep "$legacy"
check_eq "hazard in place" "$legacy cap_setuid=ep" "$(getcap "$legacy")"
try_root='import os
try:
    os.setuid(0)
    print("uid", os.getuid())
except PermissionError:
    print("EPERM")'
check_eq "the kernel's answer: a user running it becomes root" "uid 0" \
	"$(as_other "$legacy" -c "$try_root" 2>&1)"
out=$("$BOXED_SETUP" audit 2>&1)
check_eq "audit exits 1" 1 "$?"
check_match "audit names $legacy CRITICAL" "^CRITICAL .*$legacy: .*cap_setuid" "$out"
check_match "audit offers migrate-legacy" "boxed-setup migrate-legacy" "$out"
json=$("$BOXED_SETUP" audit --json)
check_eq "audit --json lists it as critical" "critical $legacy" \
	"$(printf '%s' "$json" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
print(" ".join(f["severity"] + " " + f["subject"] for f in d["findings"] if f["check"] == "interpreter-caps" and f["severity"] != "ok"))')"

# Any capability on anything in boxed's own library directory, too.
cp /usr/bin/python3.11 "$evil"
setcap cap_net_raw+ep "$evil"
check_match "a capable file in PKGLIBDIR is CRITICAL" "^CRITICAL .*$evil" "$("$BOXED_SETUP" audit 2>&1)"

out=$("$BOXED_SETUP" migrate-legacy 2>&1)
check_eq "migrate-legacy exits 0" 0 "$?"
check_match "migrate-legacy reports $legacy" "removed capabilities 'cap_setuid=ep' from $legacy" "$out"
check_match "migrate-legacy reports $evil" "from $evil" "$out"
check_eq "getcap: $legacy has no capability left" "" "$(getcap "$legacy")"
check_eq "getcap -r PKGLIBDIR prints nothing" "" "$(getcap -r "$BOXED_PKGLIBDIR")"
# The kernel's answer: a user running it can no longer become root.
check_eq "the kernel's answer: now setuid(0) is EPERM for that user" "EPERM" \
	"$(as_other "$legacy" -c "$try_root" 2>&1)"
rm -f "$evil"
out=$("$BOXED_SETUP" audit 2>&1)
check_eq "audit exits 0 again" 0 "$?"
[ -n "$out" ] && check_match "audit notes the harmless leftover" "^INFO .*$legacy" "$out"
check_match "a second migrate-legacy: no change" "no change" "$("$BOXED_SETUP" migrate-legacy)"
finish
