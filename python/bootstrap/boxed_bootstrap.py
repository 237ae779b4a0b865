# What the pinned interpreter runs inside the sandbox, as
# `python_boxed -I -S bootstrap.py` (docs/protocol.md). It only loads the
# body, bootstrap_main, from its own directory and runs it.
#
# Compiling the body's source costs about 0.6 ms, a tenth of the
# interpreter's whole start-up, at every run, because the sandbox cannot
# write a bytecode cache. So `make install` also writes bootstrap_main.pyc
# (unchecked-hash, compiled by the distribution's interpreter, of which
# python_boxed is a copy) and this stub reads it; when it is missing or was
# made by another Python version, the source is compiled as before.
#
# boxed-run has checked that this file and its ancestors are root's and not
# writable by others; the body sits in the same directory, and is read only
# when it, too, is root's and not writable by group or others.
import sys
from marshal import loads
from posix import O_CLOEXEC, O_NOFOLLOW, O_RDONLY, close, fstat, getuid, read, stat
from posix import open as _open


def _read_trusted(path):
    fd = _open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
    try:
        st = fstat(fd)
        # In the run's user namespace root is not mapped: its files show
        # the overflow uid, as "/" does.
        if st.st_uid not in (0, stat("/").st_uid, getuid()) or st.st_mode & 0o022:
            raise PermissionError(path + ": not root's, or writable by others")
        # Nobody else can write the file, so it is as large as it was.
        data = read(fd, st.st_size)
        if len(data) != st.st_size:
            raise OSError(path + ": short read")
        return data
    finally:
        close(fd)


def _body():
    here = sys._getframe().f_code.co_filename.rpartition("/")[0] or "."
    magic = sys.modules["_frozen_importlib_external"].MAGIC_NUMBER
    try:
        data = _read_trusted(here + "/bootstrap_main.pyc")
    except FileNotFoundError:
        data = b""
    # A pyc header: magic, flags, then the source's hash or mtime and size.
    if len(data) > 16 and data[:4] == magic:
        return loads(memoryview(data)[16:])
    path = here + "/bootstrap_main.py"
    return compile(_read_trusted(path), path, "exec", dont_inherit=True)


exec(_body(), {"__name__": "__boxed_bootstrap__", "__builtins__": __builtins__})
