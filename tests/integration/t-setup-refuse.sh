#!/bin/bash
# Install refuses a bad source interpreter, or a taken uid range, with a
# message that names the problem, and changes nothing (issue 2, "Must
# show" 5 and 6: a writable ancestor of the source).
. tests/integration/lib.sh
. tests/integration/setup-lib.sh

work=$BOXED_CHECK_ROOT-refuse
rm -rf "$work"
mkdir -p "$work"
chmod 0755 "$work"
trap 'rm -rf "$work"' EXIT
watch=("$BOXED_CHECK_ROOT/usr/bin" "$BOXED_PKGLIBDIR" "$BOXED_STATEDIR" "$(dirname "$BOXED_CONFIG")")
before=$(snapshot "${watch[@]}")

# refuses NAME REGEX ARGS...: install fails, says REGEX, changes nothing.
refuses() {
	local name=$1 want=$2 out rc
	shift 2
	out=$("$BOXED_SETUP" install "$@" 2>&1)
	rc=$?
	check_eq "$name: install exits 1" 1 "$rc"
	check_match "$name: the message says why" "$want" "$out"
	check_eq "$name: nothing changed" "$before" "$(snapshot "${watch[@]}")"
}

printf '#!/bin/sh\nexec /usr/bin/python3.11 "$@"\n' >"$work/script"
chmod 0755 "$work/script"
refuses "a shell script" "$work/script: not an ELF executable" --python "$work/script"

printf 'print("hello")\n' >"$work/text.py"
chmod 0755 "$work/text.py"
refuses "a text file" "not an ELF executable" --python "$work/text.py"

refuses "a missing path" "$work/missing: cannot resolve it: No such file" --python "$work/missing"

cp "$(readlink -f /usr/lib/x86_64-linux-gnu/libm.so.6)" "$work/libm.so" 2>/dev/null &&
	chmod 0755 "$work/libm.so" &&
	refuses "a shared library" "not an executable" --python "$work/libm.so"

# An ELF executable that is no Python: it runs, but prints no version.
cp /usr/bin/true "$work/true"
refuses "an ELF that is not Python" "did not print what a Python interpreter prints" \
	--python "$work/true"

# Owned by a user: whoever owns it could change what gets pinned.
cp /usr/bin/python3.11 "$work/userpy"
chown "$BOXED_OTHER" "$work/userpy"
refuses "a source owned by a user" "userpy: owned by uid [0-9]+, not root" --python "$work/userpy"

# A group- or world-writable ancestor: anyone could swap the file.
mkdir -p "$work/wdir"
chmod 0777 "$work/wdir"
cp /usr/bin/python3.11 "$work/wdir/python3"
refuses "a world-writable ancestor" "$work/wdir: writable by others" --python "$work/wdir/python3"
chmod 0775 "$work/wdir"
refuses "a group-writable ancestor" "$work/wdir: writable by its group" \
	--python "$work/wdir/python3"

# The slot range must be free: a staging root whose /etc/passwd has an
# account inside it.
r=$(stage_root range)
mkdir -p "$r/etc"
printf 'root:x:0:0:root:/root:/bin/sh\nsquatter:x:%d:100::/:/bin/false\n' \
	$((BOXED_UID_BASE + 3)) >"$r/etc/passwd"
out=$("$BOXED_SETUP" install --root "$r" 2>&1)
check_eq "a taken slot uid: install exits 1" 1 "$?"
check_match "a taken slot uid: the message names the entry" \
	"etc/passwd:2: user 'squatter' has uid $((BOXED_UID_BASE + 3))" "$out"
check_eq "a taken slot uid: no copy, config or manifest" "" \
	"$(ls -d "$r$BOXED_PKGLIBDIR/python_boxed" "$r$BOXED_CONFIG" "$r$BOXED_STATEDIR/manifest.json" 2>/dev/null)"
printf 'squatter:%d:65536\n' $((BOXED_UID_BASE - 10)) >"$r/etc/subuid"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$r/etc/passwd"
out=$("$BOXED_SETUP" install --root "$r" 2>&1)
check_match "a subordinate range over the slots: refused, naming it" \
	"etc/subuid:1: subordinate range of 'squatter'" "$out"
rm -rf "$r"

# A runner that fails the ELF audit gets no capability: a non-PIE binary
# with lazy binding (the distribution's python3.11 is one).
r=$(stage_root badrunner)
install -m 0750 /usr/bin/python3.11 "$r$BOXED_RUN"
out=$("$BOXED_SETUP" install --root "$r" 2>&1)
check_eq "a runner failing the ELF audit: install exits 1" 1 "$?"
check_match "a runner failing the ELF audit: the findings and the refusal" \
	"ERROR +pie .*$r$BOXED_RUN.*fails the ELF audit \(above\); it gets no capabilities" "$(printf '%s' "$out" | tr '\n' ' ')"
check_eq "a runner failing the ELF audit: getcap prints nothing" "" "$(getcap "$r$BOXED_RUN")"
rm -rf "$r"
finish
