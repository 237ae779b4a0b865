#!/bin/bash
# Filesystems that fail under install (issue 2, "Must show" 6): one that
# cannot store file capabilities, and one that fills during the copy.
. tests/integration/lib.sh
. tests/integration/setup-lib.sh

base=$BOXED_CHECK_ROOT-fs
mnt=$base/mnt
cleanup() {
	mountpoint -q "$mnt" && umount "$mnt"
	rm -rf "$base"
}
trap cleanup EXIT
cleanup
mkdir -p "$base/back" "$mnt"
chmod 0755 "$base" "$base/back" "$mnt"

# 1. No xattrs. vfat is not in this kernel; bindfs --xattr-none (FUSE)
# answers every xattr call with ENOTSUP, as vfat does.
if ! command -v bindfs >/dev/null; then
	skip "xattr-less filesystem: bindfs is not installed (scripts/install-deps test)"
elif ! bindfs --xattr-none "$base/back" "$mnt" 2>/dev/null; then
	skip "xattr-less filesystem: bindfs cannot mount here (no /dev/fuse?)"
else
	stage_runner "$mnt"
	check_match "the mount really refuses xattrs" "^E(OP)?NOTSUPP?$" "$(/usr/bin/python3 -c '
import errno, os, sys
try:
    os.setxattr(sys.argv[1], "user.x", b"1")
    print("stored")
except OSError as e:
    print(errno.errorcode[e.errno])' "$mnt$BOXED_RUN")"
	out=$("$BOXED_SETUP" install --root "$mnt" 2>&1)
	check_eq "no xattrs: install exits 1" 1 "$?"
	check_match "no xattrs: the message says so" \
		"cannot store file capabilities.*never falls back to setuid" "$out"
	check_eq "no xattrs: the runner has no capability" "" "$(getcap "$base/back$BOXED_RUN")"
	check_eq "no xattrs: the runner is not set-id" "750" "$(stat -c '%a' "$base/back$BOXED_RUN")"
	check_eq "no xattrs: no manifest was written" "no" \
		"$([ -e "$base/back$BOXED_STATEDIR/manifest.json" ] && echo yes || echo no)"
	check_eq "no xattrs: no temp file left" "" "$(temp_files "$base/back")"
	umount "$mnt"
	rm -rf "${base:?}/back"
fi

# 2. A disk that fills during the copy: a tmpfs with room for the runner
# and the state, not for the 6.5 MB interpreter.
need=$(($(stat -c %s "$BOXED_BUILD/boxed-run") / 1024 + 1024))
if ! mount -t tmpfs -o size=${need}k,mode=0755 boxed-full "$mnt"; then
	skip "full disk: cannot mount a tmpfs"
	finish
fi
stage_runner "$mnt"
out=$("$BOXED_SETUP" install --root "$mnt" 2>&1)
check_eq "full disk: install exits 1" 1 "$?"
check_match "full disk: the message says the filesystem is full" \
	"python_boxed: writing the copy: No space left on device; the filesystem is full" "$out"
check_eq "full disk: no copy, no temp file" "" \
	"$(ls -A "$mnt$BOXED_PKGLIBDIR")"
check_eq "full disk: no manifest" "no" \
	"$([ -e "$mnt$BOXED_STATEDIR/manifest.json" ] && echo yes || echo no)"
check_eq "full disk: the runner got no capability" "" "$(getcap "$mnt$BOXED_RUN")"
used=$(df --output=used "$mnt" | tail -1 | tr -d ' ')
check "full disk: the partial copy's space is freed (${used} KiB used)" test "$used" -lt 4096
finish
