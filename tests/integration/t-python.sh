#!/bin/bash
# The Python client (tests/python, pytest) against the installed runner,
# interpreter, bootstrap and package, as the real caller in the group; then
# as a user outside the group, who must get an actionable SandboxError.
. tests/integration/lib.sh

PY=/usr/bin/python3
if ! "$PY" -c 'import pytest' 2>/dev/null; then
	skip "python3-pytest is not installed (scripts/install-deps test)"
	finish
fi

# The sandbox imports the test module by name from the caller's sys.path,
# and reads only what other users may read: a world-readable copy.
dir=$(mktemp -d /var/tmp/boxed-pytest.XXXXXX)
trap 'rm -rf "$dir"' EXIT
chmod 0755 "$dir"
cp tests/python/*.py "$dir/"
chmod 0644 "$dir"/*.py
tap=$dir/results.tap
install -m 0666 /dev/null "$tap"
# pytest's own temporary directories, the caller's: a /tmp/pytest-of-USER
# left by an earlier user of the same name (another uid) would fail them.
install -d -m 0700 -o "$BOXED_CALLER" "$dir/tmp"

pytest_as() {
	local who=$1
	shift
	(cd "$dir" && "$who" env PYTHONPATH="$BOXED_PYTHONDIR" BOXED_PYTHONDIR="$BOXED_PYTHONDIR" \
		BOXED_BOOTSTRAP="$BOXED_PKGLIBDIR/bootstrap.py" BOXED_PYTEST_TAP="$tap" \
		BOXED_REQUIRE_RUNNER=1 BOXED_CONFIG="$BOXED_CONFIG" BOXED_TEST_UNUSABLE="${BOXED_TEST_UNUSABLE:-}" \
		PYTHONDONTWRITEBYTECODE=1 "$PY" -m pytest -p no:cacheprovider -q -rfE "$@")
}

out=$(pytest_as as_caller --ignore=test_unusable.py --basetemp="$dir/tmp/pytest" 2>&1)
rc=$?
summary=$(printf '%s\n' "$out" | tail -n 1)
[ "$rc" -eq 0 ] || diag "$out"
echo "# pytest as $BOXED_CALLER: $summary"

out2=$(BOXED_TEST_UNUSABLE=1 pytest_as as_other test_unusable.py 2>&1)
rc2=$?
[ "$rc2" -eq 0 ] || diag "$out2"
echo "# pytest as $BOXED_OTHER: $(printf '%s\n' "$out2" | tail -n 1)"

cat "$tap"
check_eq "pytest as the caller in the group: exit 0" 0 "$rc"
check_eq "pytest as a user outside the group: exit 0" 0 "$rc2"
check_match "the unusable runner test ran, not skipped" '^ok - python: test_unusable.py::test_unusable_runner_says_what_to_do$' "$(cat "$tap")"
finish
