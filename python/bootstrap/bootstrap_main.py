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
from posix import close, getpid, kill, read, write, _exit

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


def _call(req):
    if not isinstance(req, dict):
        raise ValueError("the request is not an object")
    for entry in req.get("sys_path") or ():
        if isinstance(entry, str) and entry not in sys.path:
            sys.path.append(entry)
    serializer = req.get("serializer") or "json"
    if serializer == "json":
        args = req.get("args") or []
        kwargs = req.get("kwargs") or {}
        loads = dumps = None
    else:
        from binascii import a2b_base64

        loads, dumps = _serializer(serializer)
        args, kwargs = loads(a2b_base64(req["payload"]))
    for name in req.get("imports") or ():
        __import__(name)
    value = _resolve(req["target"])(*args, **kwargs)
    if dumps is None:
        # The value travels as a string holding its JSON text: the runner
        # checks that text but never re-prints it, so 2.0 stays 2.0.
        return b'{"ok": true, "json": ' + _encode(_encode(value).decode("ascii")) + b"}"
    from binascii import b2a_base64

    payload = b2a_base64(dumps(value), newline=False)
    return b'{"ok": true, "payload": "' + payload + b'"}'


def _exception_result(exc):
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
    try:
        result = _call(_decode(data))
    except BaseException as exc:
        try:
            result = _exception_result(exc)
        except BaseException:
            # Most likely out of memory: say so without allocating much.
            result = (b'{"ok": false, "exception": {"type": "MemoryError", "message": '
                      b'"the exception could not be reported"}}')
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass
    _write_all(RESULT_FD, result)
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
