# Helpers for tests/integration/t-*.sh; sourced, never run. Each check
# prints one TAP-style line, which tests/integration/run counts.
T=$(basename "$0" .sh)
FAILED=0

ok() { echo "ok - $T: $*"; }
not_ok() {
	echo "not ok - $T: $*"
	FAILED=1
}
skip() { echo "ok - $T: $* # SKIP"; }
diag() { printf '%s\n' "$*" | sed 's/^/#   /'; }

# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then ok "$desc"; else
		not_ok "$desc"
		diag "$out"
	fi
}

# check_fails DESCRIPTION COMMAND...: passes when the command fails.
check_fails() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		not_ok "$desc (command succeeded)"
		diag "$out"
	else ok "$desc"; fi
}

# check_eq DESCRIPTION EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		not_ok "$1"
		diag "expected: $2" "actual:   $3"
	fi
}

# check_match DESCRIPTION ERE TEXT
check_match() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then ok "$1"; else
		not_ok "$1"
		diag "expected to match: $2" "actual: $3"
	fi
}

# as_caller COMMAND...: run as the check user who is in the boxed group,
# with a clean login-like environment, as a real non-root uid.
as_user() {
	local user=$1
	shift
	setpriv --reuid="$user" --regid="$user" --init-groups --inh-caps=-all -- \
		env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="/home/$user" USER="$user" \
		LANG=C.UTF-8 "$@"
}
as_caller() { as_user "$BOXED_CALLER" "$@"; }
as_other() { as_user "$BOXED_OTHER" "$@"; }

finish() { exit "$FAILED"; }
