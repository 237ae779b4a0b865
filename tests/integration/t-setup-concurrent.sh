#!/bin/bash
# Concurrent installs are serialised (issue 2, "Must show" 6): all succeed,
# the interpreter is copied exactly once, and the result audits clean.
. tests/integration/lib.sh
. tests/integration/setup-lib.sh

r=$(stage_root conc)
trap 'rm -rf "$r"' EXIT
n=3
for i in $(seq $n); do
	"$BOXED_SETUP" install --root "$r" >"$r.out$i" 2>&1 &
	pids[i]=$!
done
fails=0
for i in $(seq $n); do
	wait "${pids[i]}" || { fails=$((fails + 1)); diag "$(cat "$r.out$i")"; }
done
check_eq "$n concurrent installs all exit 0" 0 "$fails"
copies=$(cat "$r".out* | grep -c "installed .*python_boxed from")
check_eq "the interpreter was copied exactly once" 1 "$copies"
nochange=$(cat "$r".out* | grep -c "^boxed-setup: no change")
check_eq "the others found nothing left to do" $((n - 1)) "$nochange"
rm -f "$r".out*
check_eq "no temp file left" "" "$(temp_files "$r")"
check_eq "the copy is the source" "$(sha /usr/bin/python3.11)" "$(sha "$r$BOXED_PKGLIBDIR/python_boxed")"
check_eq "the runner has its capabilities" "cap_setgid,cap_setuid=ep" \
	"$(getcap "$r$BOXED_RUN" | sed 's/^[^ ]* //')"
out=$("$BOXED_SETUP" audit --root "$r" 2>&1)
rc=$?
check_eq "audit --root exits 0" 0 "$rc"
[ "$rc" -eq 0 ] || diag "$out"
finish
