#!/bin/bash
# uninstall removes what install created, capabilities first, and keeps an
# edited config unless --purge; a staging run as a user applies no
# ownership and says so.
. tests/integration/lib.sh
. tests/integration/setup-lib.sh

r=$(stage_root uninst)
trap 'rm -rf "$r" "$u"' EXIT
check "staged install" "$BOXED_SETUP" install --root "$r"
cfg=$r$BOXED_CONFIG
check_eq "it wrote a config" "yes" "$([ -f "$cfg" ] && echo yes)"
out=$("$BOXED_SETUP" uninstall --root "$r" 2>&1)
check_eq "uninstall exits 0" 0 "$?"
check_match "capabilities go first" "^boxed-setup: removed the capabilities of $r$BOXED_RUN" \
	"$(printf '%s\n' "$out" | head -1)"
check_eq "the runner has no capability" "" "$(getcap "$r$BOXED_RUN")"
check_eq "the runner is back to root:root 0750" "root:root 750" "$(stat -c '%U:%G %a' "$r$BOXED_RUN")"
check_eq "copy, state and the unedited config are gone" "" \
	"$(ls -d "$r$BOXED_PKGLIBDIR/python_boxed" "$r$BOXED_STATEDIR" "$cfg" 2>/dev/null)"

check "reinstall" "$BOXED_SETUP" install --root "$r"
printf '{"group": "%s", "slots": {"first_uid": %d, "count": 4}}\n' "$BOXED_GROUP" \
	"$BOXED_UID_BASE" >"$cfg"
check "install accepts the admin's config" "$BOXED_SETUP" install --root "$r"
check_eq "and follows it (4 slots in the manifest)" "4" \
	"$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["slots"]["count"])' \
		"$r$BOXED_STATEDIR/manifest.json")"
out=$("$BOXED_SETUP" uninstall --root "$r" 2>&1)
check_match "uninstall keeps the edited config" "kept $cfg" "$out"
check_eq "it is still there" "yes" "$([ -f "$cfg" ] && echo yes)"
check "install again" "$BOXED_SETUP" install --root "$r"
check "uninstall --purge" "$BOXED_SETUP" uninstall --purge --root "$r"
check_eq "--purge removed the edited config" "no" "$([ -e "$cfg" ] && echo yes || echo no)"
check_fails "uninstall with nothing installed fails" "$BOXED_SETUP" uninstall --root "$r"

# A staging root with its own group database: the group is created there
# (groupadd --prefix), not on the host, and --purge removes it.
g=$r-etc
rm -rf "$g"
mkdir -p "$g/etc"
printf 'root:x:0:\n' >"$g/etc/group"
printf 'root:*::\n' >"$g/etc/gshadow"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$g/etc/passwd"
stage_runner "$g"
out=$("$BOXED_SETUP" install --root "$g" --group "$BOXED_CHECK_NAME-staged" 2>&1)
check_eq "staging root with etc/group: install exits 0" 0 "$?"
check_match "the group is created in the staging root" "^$BOXED_CHECK_NAME-staged:x:[0-9]+:" \
	"$(cat "$g/etc/group")"
check_eq "and not on the host" "" "$(getent group "$BOXED_CHECK_NAME-staged")"
check_eq "the runner belongs to it" "$(sed -n "s/^$BOXED_CHECK_NAME-staged:x:\([0-9]*\):.*/\1/p" "$g/etc/group")" \
	"$(stat -c %g "$g$BOXED_RUN")"
check "uninstall --purge" "$BOXED_SETUP" uninstall --purge --root "$g"
check_eq "removed the group it created" "root:x:0:" "$(cat "$g/etc/group")"
rm -rf "$g"

# A user staging for a package: no chown, no group, no capabilities.
u=/tmp/boxed-stage-$BOXED_CHECK_NAME
rm -rf "$u"
mkdir -p "$u"
stage_runner "$u"
chown -R "$BOXED_CALLER" "$u"
out=$(as_caller "$BOXED_SETUP" install --root "$u" 2>&1)
check_eq "a user's staging install exits 0" 0 "$?"
check_match "it says ownership and capabilities were not applied" \
	"ownership, the group and file capabilities were not applied" "$out"
check_eq "the staged runner has no capability" "" "$(getcap "$u$BOXED_RUN")"
check_eq "the staged copy belongs to the user" "$BOXED_CALLER 755" \
	"$(stat -c '%U %a' "$u$BOXED_PKGLIBDIR/python_boxed")"
check_match "the manifest records it" '"ownership_applied":[[:space:]]*false' \
	"$(cat "$u$BOXED_STATEDIR/manifest.json")"
finish
