#!/bin/bash
# An install killed at any point leaves the old state or the new one,
# never a half-written binary, and no temp file; a rerun completes it
# (issue 2, "Must show" 6).
. tests/integration/lib.sh
. tests/integration/setup-lib.sh

r=$(stage_root kill)
trap 'rm -rf "$r"' EXIT
want=$(sha /usr/bin/python3.11)
old=$(sha /usr/bin/true)
copy=$r$BOXED_PKGLIBDIR/python_boxed
bad=0 absent=0 complete=0 kept_old=0 temps=0 i=0
# Delays from 0 to 190 ms cover the lock, the probe, the copy, the
# runner and the manifest (a whole install takes about 200 ms).
for delay in 0 0.01 0.02 0.03 0.04 0.05 0.06 0.08 0.1 0.13 0.16 0.19; do
	rm -f "$copy" "$r$BOXED_STATEDIR/manifest.json"
	# Every other round starts from an older copy that must survive whole
	# or be replaced whole.
	i=$((i + 1))
	[ $((i % 2)) -eq 0 ] && install -m 0755 /usr/bin/true "$copy"
	"$BOXED_SETUP" install --root "$r" >/dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	if [ -n "$(temp_files "$r")" ]; then
		temps=$((temps + 1))
		diag "after ${delay}s: $(temp_files "$r")"
	fi
	if [ ! -e "$copy" ]; then
		absent=$((absent + 1))
	elif [ "$(sha "$copy")" = "$want" ] && [ "$(stat -c '%U %a' "$copy")" = "root 755" ]; then
		complete=$((complete + 1))
	elif [ "$(sha "$copy")" = "$old" ] && [ $((i % 2)) -eq 0 ]; then
		kept_old=$((kept_old + 1))
	else
		bad=$((bad + 1))
		diag "after ${delay}s: $(stat -c '%s %U %a' "$copy")"
	fi
	if [ -e "$r$BOXED_STATEDIR/manifest.json" ]; then
		/usr/bin/python3 -m json.tool "$r$BOXED_STATEDIR/manifest.json" >/dev/null ||
			bad=$((bad + 1))
	fi
done
diag "12 kills: copy absent $absent, old copy intact $kept_old, new copy complete $complete"
check_eq "no kill left a partial or wrong copy" 0 "$bad"
check_eq "no kill left an anonymous temp file behind as a name" 0 "$temps"
out=$("$BOXED_SETUP" install --root "$r" 2>&1)
check_eq "a rerun succeeds" 0 "$?"
check_eq "and leaves the copy complete" "$want" "$(sha "$copy")"
out=$("$BOXED_SETUP" audit --root "$r" 2>&1)
rc=$?
check_eq "audit --root exits 0 after the rerun" 0 "$rc"
[ "$rc" -eq 0 ] || diag "$out"
finish
