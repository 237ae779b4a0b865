# The body of the sandbox's bootstrap (docs/protocol.md), loaded by
# boxed_bootstrap.py, which the pinned interpreter runs inside the sandbox
# as `python_boxed -I -S bootstrap.py`: the request on fd 3, the result on
# fd 4, the function's own stdout and stderr on fds 1 and 2.
#
# Start-up time is most of the cost of a run, so this file imports only what
# the interpreter has already loaded or builds in, plus the C half of json
# (_json): the json package itself pulls in re and doubles the start-up.
# Nothing of the caller's is imported before the request has been read: a
# pool keeps this process waiting on fd 3 before it knows what it will run.
import sys
from posix import R_OK, access, chdir, close, getpid, kill, read, write, _exit

from _signal import SIGSTOP

import _json

_SELF = sys._getframe().f_code.co_filename
REQUEST_FD = 3
RESULT_FD = 4


class _Context:
    # What _json.make_scanner reads from a json.JSONDecoder.
    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int

    @staticmethod
    def parse_constant(name):
        raise ValueError("not JSON: " + name)


def _read_all(fd):
    chunks = []
    while True:
        chunk = read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[write(fd, view):]


def _decode(data):
    text = data.decode("utf-8")
    start = len(text) - len(text.lstrip(" \t\r\n"))
    value, end = _json.make_scanner(_Context())(text, start)
    if text[end:].strip(" \t\r\n"):
        raise ValueError("trailing data after the request")
    return value


def _no_default(obj):
    raise TypeError("Object of type %s is not JSON serializable" % type(obj).__name__)


def _encode(obj):
    # ensure_ascii: the result is plain ASCII whatever the value holds;
    # allow_nan off: NaN and Infinity are not JSON, the runner would refuse.
    encoder = _json.make_encoder(
        {}, _no_default, _json.encode_basestring_ascii, None, ": ", ", ", False, False, False
    )
    return "".join(encoder(obj, 0)).encode("ascii")


def _serializer(name):
    if name == "pickle":
        import pickle

        return pickle.loads, pickle.dumps
    if name == "cloudpickle":
        import cloudpickle

        return cloudpickle.loads, cloudpickle.dumps
    if name == "dill":
        import dill

        return dill.loads, dill.dumps
    raise ValueError("unknown serializer %r" % (name,))


def _resolve(target):
    # "pkg.mod.Class.method": import the longest module path that the
    # attributes do not already provide, then walk the rest.
    parts = target.split(".")
    if not all(p.isidentifier() for p in parts):
        raise ValueError("not a dotted name: %r" % (target,))
    obj = __import__(parts[0])
    path = parts[0]
    for part in parts[1:]:
        path = path + "." + part
        try:
            obj = getattr(obj, part)
        except AttributeError:
            if not hasattr(obj, "__path__"):
                raise
            __import__(path)
            obj = sys.modules[path]
    return obj


class _Refusal(Exception):
    # A failure of the bootstrap's own, not the function's: its flat
    # members go into the exception object of the result as they are.
    def __init__(self, message, **members):
        Exception.__init__(self, message)
        self.members = members


class ModuleAccessError(_Refusal, ImportError):
    pass


ModuleAccessError.__module__ = "boxed.errors"


def _closed_to_others(path):
    # Why this uid cannot read path: the first directory on the way it may
    # not enter, or the file itself; the kernel's answer, asked as the
    # sandbox's uid. None when it can.
    from posix import X_OK, stat

    prefix = ""
    for part in path.split("/")[1:-1]:
        prefix += "/" + part
        if not access(prefix, X_OK):
            try:
                mode = " (mode %04o)" % (stat(prefix).st_mode & 0o7777)
            except OSError:
                mode = ""
            return ("the directory %s%s is closed to other users, and the sandbox runs as "
                    "another user: make it searchable (chmod o+x %s)" % (prefix, mode, prefix))
    if not access(path, R_OK):
        try:
            mode = " (mode %04o)" % (stat(path).st_mode & 0o7777)
        except OSError:
            return "%s no longer exists" % path
        return ("%s%s is not readable by other users, and the sandbox runs as another "
                "user: make it readable (chmod o+r %s)" % (path, mode, path))
    return None


def _check_modules(modules):
    # The request names the file the caller loaded each module from
    # (parents first). Find what this interpreter would import under each
    # name, without running it, and refuse another file: a module the
    # sandbox cannot read would otherwise come silently from a later
    # sys.path entry, which another user may control, and see the arguments.
    find_spec = sys.modules["_frozen_importlib"]._find_spec
    for name, origin in modules.items():
        module = sys.modules.get(name)
        if module is not None:
            found = getattr(module, "__file__", None)
        else:
            parent = name.rpartition(".")[0]
            path = None
            if parent:
                __import__(parent)
                path = getattr(sys.modules[parent], "__path__", None)
            spec = find_spec(name, path)
            found = spec.origin if spec is not None and spec.has_location else None
        if found is not None and found != origin:
            from posixpath import realpath

            if realpath(found) == origin:
                found = origin
        if found == origin and access(origin, R_OK):
            continue
        why = _closed_to_others(origin)
        if found is None or found == origin:
            message = "the sandbox cannot import %s from %s, where the caller has it" % (
                name, origin)
        else:
            message = ("the sandbox would import %s from %s, not from %s, where the caller "
                       "has it; it refuses to run another file" % (name, found, origin))
        message += ": " + (why or "the sandbox's sys.path finds another file first: "
                           "rename the module")
        if why:
            message += ", or move the module where other users may read it"
        raise ModuleAccessError(message, kind="module-access", module_name=name,
                                origin=origin, found=found)


def _encode_result(value, dumps):
    try:
        if dumps is None:
            # The value travels as a string holding its JSON text: the
            # runner checks that text but never re-prints it, so 2.0 stays
            # 2.0.
            return b'{"ok": true, "json": ' + _encode(_encode(value).decode("ascii")) + b"}"
        from binascii import b2a_base64

        payload = b2a_base64(dumps(value), newline=False)
        return b'{"ok": true, "payload": "' + payload + b'"}'
    except Exception as exc:
        # Not the function's failure: the caller gets a SerializationError
        # and, for json, whether pickle would have carried the value.
        members = {"kind": "result-unserializable"}
        if dumps is None:
            try:
                import pickle

                pickle.dumps(value)
                members["picklable"] = True
            except Exception:
                members["picklable"] = False
        raise _Refusal(str(exc), type=type(exc).__qualname__, module=type(exc).__module__,
                       **members) from exc


def _call(req, ctx):
    if not isinstance(req, dict):
        raise ValueError("the request is not an object")
    cwd = req.get("cwd")
    if isinstance(cwd, str):
        # The caller's directory when this uid may enter it (read-only by
        # file permissions and Landlock), else the run's own.
        try:
            chdir(cwd)
        except OSError:
            pass
    for entry in req.get("sys_path") or ():
        if isinstance(entry, str) and entry not in sys.path:
            sys.path.append(entry)
    modules = req.get("modules")
    if isinstance(modules, dict):
        # Before the arguments too: unpickling them imports their classes.
        _check_modules(modules)
    serializer = req.get("serializer") or "json"
    if serializer == "json":
        args = req.get("args") or []
        kwargs = req.get("kwargs") or {}
        loads = dumps = None
    else:
        from binascii import a2b_base64

        loads, dumps = _serializer(serializer)
        ctx["dumps"] = dumps
        args, kwargs = loads(a2b_base64(req["payload"]))
    for name in req.get("imports") or ():
        __import__(name)
    value = _resolve(req["target"])(*args, **kwargs)
    return _encode_result(value, dumps)


def _nproc_exhausted():
    # The kernel's answer: are this uid's tasks at RLIMIT_NPROC? Asked only
    # for an exception that a refused thread or process raises.
    from posix import getuid, listdir
    from posix import open as _open

    def text(path):
        fd = _open(path, 0)
        try:
            return read(fd, 1 << 16).decode("ascii", "replace")
        finally:
            close(fd)

    limit = None
    for line in text("/proc/self/limits").splitlines():
        if line.startswith("Max processes"):
            limit = line.split()[2]
    if limit is None or not limit.isdigit():
        return False
    uid, tasks = str(getuid()), 0
    for pid in listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            status = text("/proc/" + pid + "/status")
        except OSError:
            continue  # ended meanwhile
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("Uid", "").split()[:1] == [uid]:
            tasks += int(fields.get("Threads", "1"))
    return tasks >= int(limit)


def _flat(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape").encode(
            "utf-8", "replace").decode("utf-8")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _exception_result(exc, dumps=None):
    cls = type(exc)
    info = {
        "type": cls.__qualname__,
        "module": cls.__module__,
        "message": "",
        "traceback": "",
    }
    try:
        info["message"] = str(exc)
    except BaseException:
        info["message"] = "<unprintable %s>" % cls.__qualname__
    try:
        # args let the caller rebuild a builtin exception exactly
        # (KeyError('k'), OSError(errno, strerror)); dropped when they
        # are not JSON. As JSON text: the exception object stays flat.
        info["args"] = _encode(list(exc.args)).decode("ascii")
    except BaseException:
        pass
    if isinstance(exc, _Refusal):
        info.update(exc.members)
    if isinstance(exc, OSError) and isinstance(exc.errno, int):
        info["errno"] = exc.errno
        for key in ("strerror", "filename", "filename2"):
            if getattr(exc, key) is not None:
                info[key] = _flat(getattr(exc, key))
    try:
        thread = isinstance(exc, RuntimeError) and str(exc) == "can't start new thread"
        fork = isinstance(exc, OSError) and exc.errno == 11  # EAGAIN
        if (thread or fork) and _nproc_exhausted():
            info["limit"] = "nproc"
    except BaseException:
        pass
    if dumps is not None and not isinstance(exc, _Refusal):
        try:
            # The pickle family: the exception itself, attributes and all,
            # for a caller that can import its class.
            from binascii import b2a_base64

            info["payload"] = b2a_base64(dumps(exc), newline=False).decode("ascii")
        except BaseException:
            pass
    try:
        import traceback

        # The bootstrap's own frames say nothing about the function.
        tb = exc.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename == _SELF:
            tb = tb.tb_next
        lines = traceback.format_exception(cls, exc, tb)
        info["traceback"] = "".join(lines)
    except BaseException:
        info["traceback"] = "(the traceback could not be formatted)"
    return b'{"ok": false, "exception": ' + _encode(info) + b"}"


def main():
    # A pool's sandbox waits here for its request: the first pass through
    # the JSON code is paid now, not by the call.
    _encode(_decode(b'{"w": [1, 2.5, "s", null, true, {}]}'))
    data = _read_all(REQUEST_FD)
    close(REQUEST_FD)
    ctx = {}
    try:
        result = _call(_decode(data), ctx)
    except BaseException as exc:
        try:
            result = _exception_result(exc, ctx.get("dumps"))
        except BaseException:
            # Most likely out of memory: say so without allocating much.
            result = (b'{"ok": false, "exception": {"type": "MemoryError", "message": '
                      b'"the exception could not be reported"}}')
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass
    try:
        _write_all(RESULT_FD, result)
    except OSError:
        # The runner stopped reading: a result over its limit. It says so;
        # a traceback here would only reach the caller's stderr.
        pass
    # The answer is complete. The runner takes it when this process stops:
    # it reads the process's CPU time and peak RSS while it still exists,
    # answers, and only then kills it. Stopping spares the caller the
    # interpreter's exit (unmapping its memory) and its shutdown (atexit,
    # module teardown, GC), which would cost milliseconds and run code of
    # the target's.
    try:
        kill(getpid(), SIGSTOP)
    finally:
        _exit(0)


main()
