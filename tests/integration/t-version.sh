#!/bin/bash
# What make install put in place states this installation's version and
# layout: the programs, the Python package as installed (a copy of
# VERSION, not a link into the tree), and the man pages, whose FILES name
# this installation's own paths.
. tests/integration/lib.sh

version=$(cat VERSION)
man=$(dirname "$(dirname "$BOXED_RUN")")/share/man
for p in "$BOXED_RUN" "$BOXED_SETUP" "$BOXED_SELFTEST"; do
	check_eq "$(basename "$p") --version" "$(basename "$p") $version" "$("$p" --version 2>&1)"
done
check_eq "the installed boxed.__version__" "$version" \
	"$(cd / && PYTHONPATH=$BOXED_PYTHONDIR /usr/bin/python3 -c 'import boxed; print(boxed.__file__.startswith(__import__("sys").argv[1]), boxed.__version__)' "$BOXED_PYTHONDIR" 2>&1 | sed 's/^True //')"
check "the installed boxed/VERSION is a file, not a link into the tree" \
	test -f "$BOXED_PYTHONDIR/boxed/VERSION" -a ! -L "$BOXED_PYTHONDIR/boxed/VERSION"
check_eq "_installed.py names this runner and nothing else" "RUNNER = \"$BOXED_RUN\"" \
	"$(cat "$BOXED_PYTHONDIR/boxed/_installed.py")"

for page in man1/boxed-run.1 man8/boxed-setup.8 man8/boxed-selftest.8; do
	check_match "$page: .TH says boxed $version" "^\\.TH .*\"boxed $version\"" "$(head -n 1 "$man/$page")"
done
setup_page=$(cat "$man/man8/boxed-setup.8")
check_match "boxed-setup(8) FILES: this installation's config" "^\\.I $BOXED_CONFIG\$" "$setup_page"
check_match "boxed-setup(8) FILES: this installation's state directory" \
	"^\\.I $BOXED_STATEDIR/manifest.json\$" "$setup_page"
check_match "boxed-setup(8) FILES: this installation's runner" "^\\.I $BOXED_RUN\$" "$setup_page"
check_eq "no man page names the package's /etc/boxed or /var/lib/boxed" "" \
	"$(grep -l -e ' /etc/boxed' -e ' /var/lib/boxed' "$man"/man*/boxed-* 2>/dev/null)"
# Wide enough that nothing wraps: the keys must read as JSON.
check_match "boxed-run(1) renders the keys of --json as JSON" \
	'\{"stdout", "stderr", "stdout_truncated", "stderr_truncated", "report"\}\.' \
	"$(groff -man -Tascii -rLL=400n "$man/man1/boxed-run.1" 2>/dev/null | col -b)"
finish
