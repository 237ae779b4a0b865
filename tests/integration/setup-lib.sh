# Helpers shared by the t-setup-*.sh scripts; sourced after lib.sh.

# A staging root of our own, root-owned, with the runner in place as
# `make install` leaves it (0750, no capabilities). Prints its path.
stage_root() {
	local r=$BOXED_CHECK_ROOT-$1
	rm -rf "$r"
	mkdir -p "$r"
	chmod 0755 "$r"
	stage_runner "$r"
	echo "$r"
}

# Put the built runner under root $1, as make install does.
stage_runner() {
	install -d -m 0755 "$1$(dirname "$BOXED_RUN")" "$1$BOXED_PKGLIBDIR"
	install -m 0750 "$BOXED_BUILD/boxed-run" "$1$BOXED_RUN"
}

# Everything a failed install must not have touched: path, inode, mode,
# owner, size, mtime, and the digest of every regular file.
snapshot() {
	local d
	for d in "$@"; do
		[ -e "$d" ] || continue
		find "$d" -printf '%p %i %m %u %g %s %T@\n' | sort
		find "$d" -type f -print0 | sort -z | xargs -0 -r sha256sum
		find "$d" -type f -print0 | sort -z | xargs -0 -r getcap
	done
}

# Temp files that install may have left (there must be none).
temp_files() {
	find "$@" -name '.*.boxed-tmp.*' 2>/dev/null
}

sha() { sha256sum "$1" | cut -d' ' -f1; }
