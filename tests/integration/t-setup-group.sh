#!/bin/bash
# install --group on an installation that names another group: the config
# follows (only its group changes), and the runner, the locks and the
# capabilities with it. The package's postinst does this when an admin
# changes the dpkg-statoverride of the runner after install.
. tests/integration/lib.sh
. tests/integration/setup-lib.sh

g2=$BOXED_CHECK_NAME-g2
r=$(stage_root group)
trap 'rm -rf "$r"; groupdel "$g2" 2>/dev/null' EXIT
groupadd --system "$g2" || exit 1
cfg=$r$BOXED_CONFIG
jq() { /usr/bin/python3 -c "import json, sys; d = json.load(open(sys.argv[1])); print($1)" "$cfg"; }

check "staged install, group $BOXED_GROUP" "$BOXED_SETUP" install --root "$r"
out=$("$BOXED_SETUP" install --root "$r" --group "$g2" 2>&1)
check_eq "install --group $g2 on it exits 0" 0 "$?"
check_match "... and says what it changed" "set the group of .*boxed.json to $g2 \\(was $BOXED_GROUP\\)" "$out"
check_eq "the config names $g2" "$g2" "$(jq 'd["group"]')"
check_eq "the runner is root:$g2 0750" "root:$g2 750" "$(stat -c '%U:%G %a' "$r$BOXED_RUN")"
check_eq "... with its capabilities again (chown dropped them)" "cap_setgid,cap_setuid=ep" \
	"$(getcap "$r$BOXED_RUN" | sed 's/^[^ ]* //')"
check_eq "the locks are $g2's" "root:$g2 750" "$(stat -c '%U:%G %a' "$r$BOXED_STATEDIR/locks")"
check "audit passes" "$BOXED_SETUP" audit --root "$r"
# Unedited, the config is still boxed-setup's own: uninstall removes it.
check "uninstall" "$BOXED_SETUP" uninstall --root "$r"
check "... removes the config it wrote, regrouped" test ! -e "$cfg"

# An admin's edits stay: only the group changes.
check "install again" "$BOXED_SETUP" install --root "$r"
/usr/bin/python3 - "$cfg" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d.setdefault("limits", {}).setdefault("default", {})["timeout"] = 7.5
json.dump(d, open(sys.argv[1], "w"), indent=2)
PY
check "install --group $g2 on an edited config" "$BOXED_SETUP" install --root "$r" --group "$g2"
check_eq "the group changed, the admin's timeout stayed" "$g2 7.5" \
	"$(jq 'd["group"], d["limits"]["default"]["timeout"]')"
check_eq "the config is still root:root 0644" "root:root 644" "$(stat -c '%U:%G %a' "$cfg")"
out=$("$BOXED_SETUP" install --root "$r" --group "$g2" 2>&1)
check_match "a second install --group $g2 changes nothing" "no change" "$out"
check "uninstall" "$BOXED_SETUP" uninstall --root "$r"
check "... keeps the edited config" test -e "$cfg"
finish
