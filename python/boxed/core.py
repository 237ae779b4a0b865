"""run(): one function call in a fresh sandbox, through ``boxed-run --python``.

The pure steps (naming the target, building the request, reading the
response) are separate functions so that they can be tested without a
runner.
"""

import base64
import builtins
import collections
import contextlib
import grp
import io
import json
import os
import queue
import re
import subprocess
import sys
import threading

from .errors import (
    BoxedError,
    ModuleAccessError,
    RemoteError,
    RemoteTraceback,
    RequestTooLargeError,
    SandboxError,
    SerializationError,
    UserError,
)
from .limits import limit_error, limit_note, runner_argv
from .target import describe, module_files, offered_sys_path, target_name

__all__ = ["run", "Result", "find_runner", "target_name", "build_request", "make_request",
           "runner_argv", "capture_print", "MAX_MESSAGE"]

#: The runner's default ``max_message``: the largest request it accepts.
MAX_MESSAGE = 16 << 20

#: Where the runner is looked for after BOXED_RUN and the installed path.
DEFAULT_RUNNERS = ("/usr/bin/boxed-run", "/usr/local/bin/boxed-run")

SERIALIZERS = ("json", "pickle", "cloudpickle", "dill")

# The Debian package that provides each optional serializer.
_SERIALIZER_PACKAGES = {"cloudpickle": "python3-cloudpickle", "dill": "python3-dill"}


class Result(collections.namedtuple("Result", "value stdout stderr")):
    """What ``run(..., capture=True)`` returns: the function's return value
    and what it printed on stdout and stderr (str, UTF-8, invalid bytes
    replaced)."""

    __slots__ = ()


def find_runner(runner=None):
    """The path of boxed-run: ``runner`` if given, else $BOXED_RUN, else the
    path recorded at installation (boxed/_installed.py), else the first of
    /usr/bin/boxed-run, /usr/local/bin/boxed-run that exists. Never raises:
    a missing runner is reported when it is started."""
    if runner:
        return os.fspath(runner)
    env = os.environ.get("BOXED_RUN")
    if env:
        return env
    try:
        from ._installed import RUNNER
    except ImportError:
        RUNNER = None
    if RUNNER:
        return RUNNER
    for path in DEFAULT_RUNNERS:
        if os.path.exists(path):
            return path
    return DEFAULT_RUNNERS[0]


def _load_serializer(name):
    if name not in SERIALIZERS:
        raise ValueError("serializer must be one of %s, not %r" % (", ".join(SERIALIZERS), name))
    if name == "json":
        return None
    if name == "pickle":
        import pickle

        return pickle
    try:
        return __import__(name)
    except ImportError:
        raise ImportError(
            "serializer %r needs the %s module: install it with `apt install %s` "
            "(or `pip install %s`)" % (name, name, _SERIALIZER_PACKAGES[name], name),
            name=name,
        ) from None


_PICKLE_RISK = ("serializer='pickle' would carry %s, but then the caller unpickles what the "
                "sandbox returns, so the function can run code in the caller: choose it "
                "only for functions you trust as much as your own code")


def _picklable(value):
    import pickle

    try:
        pickle.dumps(value)
        return True
    except Exception:
        return False


def not_json(what, complaint, picklable):
    """The message for ``what`` that json cannot carry (``complaint``, the
    encoder's); it names the pickle serializer and its risk when pickle
    could carry it."""
    text = "%s cannot be sent as JSON (%s)" % (what, complaint)
    if picklable:
        return text + ": " + _PICKLE_RISK % ("it" if what.startswith("the result") else "them")
    return text + ": use JSON values (str, int, float, bool, None, lists and dicts)"


# What a request holds besides the arguments, for the last targets called:
# a Pool call costs well under a millisecond, and naming the target and
# finding its files is a good part of the client's share.
_fixed_parts = collections.OrderedDict()
_FIXED_PARTS_KEPT = 64


def _fixed_part(target, imports, sys_path, cwd):
    """``(target name, the request's keys that do not depend on the
    arguments)``, remembered while sys.path, the cwd and the target stay
    the same."""
    key = None
    if sys_path is None:
        key = (target if isinstance(target, str) else id(target), imports, tuple(sys.path), cwd)
        hit = _fixed_parts.get(key)
        if hit is not None and hit[0] is target:
            return hit[1], hit[2]
        sys_path = offered_sys_path()
    for name in imports:
        if not isinstance(name, str) or not all(p.isidentifier() for p in name.split(".")):
            raise TypeError("imports must be module names, not %r" % (name,))
    name, main = describe(target, sys_path)
    fixed = {
        "target": name,
        "sys_path": list(sys_path),
        "imports": list(imports),
        # The files the caller's modules came from: the sandbox refuses to
        # import another file of the same name, which anyone may have put
        # on a later sys.path entry.
        "modules": module_files([name, *imports], main),
    }
    if cwd is not None:
        fixed["cwd"] = cwd
    if key is not None:
        _fixed_parts[key] = (target, name, fixed)
        while len(_fixed_parts) > _FIXED_PARTS_KEPT:
            _fixed_parts.popitem(last=False)
    return name, fixed


def build_request(target, args=(), kwargs=None, **options):
    """The request of docs/protocol.md as bytes; see make_request()."""
    return make_request(target, args, kwargs, **options)[0]


def make_request(target, args=(), kwargs=None, *, serializer="json", imports=(),
                 timeout=None, sys_path=None, max_message=None):
    """``(request bytes, target name)``. Everything that can fail before a
    sandbox starts fails here: TypeError for a target that cannot be named,
    SerializationError (a ValueError and a TypeError) for arguments that
    cannot be serialized, ValueError for a bad serializer name, ImportError
    for a serializer that is not installed, RequestTooLargeError for
    arguments beyond ``max_message`` (default: MAX_MESSAGE, read at each
    call)."""
    if kwargs is None:
        kwargs = {}
    if isinstance(imports, str):
        imports = (imports,)
    module = _load_serializer(serializer)
    try:
        cwd = os.getcwd()
    except OSError:
        cwd = None  # a removed directory: the sandbox stays in its own
    name, fixed = _fixed_part(target, tuple(imports), sys_path, cwd)
    req = dict(fixed, serializer=serializer)
    if timeout is not None:
        if not float(timeout) > 0:
            raise ValueError("timeout must be positive, not %r" % (timeout,))
        req["timeout"] = float(timeout)
    if module is None:
        req["args"] = list(args)
        req["kwargs"] = dict(kwargs)
        try:
            data = json.dumps(req, allow_nan=False, separators=(",", ":"))
        except (TypeError, ValueError, RecursionError) as exc:
            raise SerializationError(not_json("the arguments", "%s: %s" % (
                type(exc).__name__, exc), _picklable(
                (tuple(args), dict(kwargs))))) from None
    else:
        try:
            blob = module.dumps((tuple(args), dict(kwargs)))
        except Exception as exc:
            raise SerializationError(
                "the arguments cannot be serialized with %s: %s: %s"
                % (serializer, type(exc).__name__, exc)
            ) from None
        req["payload"] = base64.b64encode(blob).decode("ascii")
        data = json.dumps(req, separators=(",", ":"))
    data = data.encode("utf-8")
    if max_message is None:
        max_message = MAX_MESSAGE
    if len(data) > max_message:
        raise RequestTooLargeError(
            "the request is %d bytes, more than the runner accepts (%d bytes, "
            "max_message in the boxed config): pass smaller arguments, or have "
            "the function read its input from a file that other users may read"
            % (len(data), max_message)
        )
    return data, name


def _group_of(path):
    try:
        return grp.getgrgid(os.stat(path).st_gid).gr_name
    except (OSError, KeyError):
        return "boxed"


def start_error(runner, exc):
    """The SandboxError for a runner that could not be started."""
    if isinstance(exc, FileNotFoundError):
        return SandboxError(
            "boxed-run not found at %s: install boxed (`make setup`, or the boxed "
            "package), or point BOXED_RUN at the runner" % runner
        )
    if isinstance(exc, PermissionError):
        group = _group_of(runner)
        return SandboxError(
            "not permitted to run %s (%s): only members of the group %r may; ask "
            "an administrator to run `usermod -a -G %s %s`, then log in again"
            % (runner, exc.strerror, group, group, _user_name())
        )
    return SandboxError("cannot start %s: %s" % (runner, exc))


def _user_name():
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):
        return str(os.getuid())


#: What to do about each sandbox-error reason of the report
#: (docs/protocol.md); None when the runner's own message already says it.
_SANDBOX_HINTS = {
    "not-in-group": None,
    "no-capabilities": "the runner lacks its file capabilities: run `boxed-setup install` "
                       "as root, then `boxed-selftest`",
    "config-untrusted": "the boxed config is not root's: run `boxed-setup install` as root",
    "config-invalid": "fix the boxed config (see boxed-setup(8)), then `boxed-setup audit`",
    "interpreter-untrusted": "run `boxed-setup install` as root to pin the interpreter again",
    "state-broken": "run `boxed-setup install` as root, then `boxed-setup status`",
    "slots-busy": "every sandbox slot is busy: retry, or see `boxed-setup status`",
    "slot-unclean": "see `boxed-setup audit`; `boxed-setup install` repairs the slot",
    "unsealed": "this host cannot give runs their own namespaces and the config requires "
                "it: see `boxed-selftest`",
    "setup-failed": "see `boxed-selftest` and the system log",
    "init-lost": "see `boxed-selftest` and the system log",
    "internal": "see `boxed-selftest` and the system log",
}

OUTCOMES = ("ok", "error", "timeout", "memory", "output-limit", "signal", "sandbox-error")


def _sandbox_hint(reason):
    return _SANDBOX_HINTS.get(reason, "see `boxed-selftest` and the system log")


def _attach(exc, response, report):
    exc.stdout = response.get("stdout", "")
    exc.stderr = response.get("stderr", "")
    exc.report = report
    return exc


def _rebuild_builtin(cls, info, message):
    """The builtin exception ``cls`` as the function raised it, or None."""
    code = info.get("errno")
    if issubclass(cls, OSError) and isinstance(code, int):
        # OSError(errno, strerror, filename, winerror, filename2): the
        # subclass, errno, strerror and both file names, as raised.
        return cls(code, str(info.get("strerror") or ""), info.get("filename"), None,
                   info.get("filename2"))
    try:
        # The arguments travel as their JSON text: the object stays flat.
        args = json.loads(info["args"]) if isinstance(info.get("args"), str) else None
        return cls(*args) if isinstance(args, list) else cls(message)
    except Exception:
        return None


def _unpickled_exception(info, serializer):
    """The function's exception itself, unpickled, when the serializer is
    of the pickle family and the caller can import its class."""
    payload = info.get("payload")
    if serializer == "json" or not isinstance(payload, str):
        return None
    try:
        exc = _load_serializer(serializer).loads(base64.b64decode(payload, validate=True))
    except Exception:
        return None
    # A SystemExit or KeyboardInterrupt of the function must not end the
    # caller's program.
    return exc if isinstance(exc, Exception) else None


def _remote_exception(info, serializer="json", report=None, target="the function"):
    """The local exception for the remote exception ``info``."""
    type_name = str(info.get("type", ""))
    module = info.get("module")
    message = str(info.get("message", ""))
    tb = str(info.get("traceback") or "")
    kind = info.get("kind")
    if kind == "module-access":
        return ModuleAccessError(message, name=info.get("module_name"),
                                 origin=info.get("origin"), found=info.get("found"))
    if kind == "result-unserializable":
        if serializer != "json":
            return SerializationError("the result of %s cannot be serialized with %s (%s: %s)"
                                      % (target, serializer, type_name, message))
        return SerializationError(not_json("the result of " + target, "%s: %s" % (
            type_name, message), info.get("picklable") is True))
    exc = _unpickled_exception(info, serializer)
    cls = getattr(builtins, type_name, None) if module in (None, "builtins") else None
    # Only Exception subclasses: a SystemExit or KeyboardInterrupt of the
    # function must not end the caller's program.
    if exc is None and isinstance(cls, type) and issubclass(cls, Exception) and \
            not issubclass(cls, BoxedError):
        exc = _rebuild_builtin(cls, info, message)
    if exc is None:
        return RemoteError(type_name, message, tb, module)
    exc.__cause__ = RemoteTraceback(tb or "%s: %s\n" % (type_name, message))
    exc.remote_traceback = tb
    note = limit_note(exc, info, report or {})
    if note and isinstance(exc, RuntimeError) and len(exc.args) == 1:
        exc.args = ("%s: %s" % (exc.args[0], note),)
    elif note and hasattr(exc, "add_note"):
        exc.add_note(note)
    return exc


def _decode_value(result, serializer):
    if serializer == "json":
        text = result.get("json")
        if not isinstance(text, str):
            raise BoxedError("the sandbox returned a result that is not JSON-serialized")
        try:
            return json.loads(text)
        except RecursionError:
            raise SerializationError(
                "the function's result is nested too deeply for this interpreter to decode "
                "(sys.getrecursionlimit() is %d)" % sys.getrecursionlimit()) from None
    payload = result.get("payload")
    if not isinstance(payload, str):
        raise BoxedError("the sandbox returned a result that is not %s-serialized" % serializer)
    module = _load_serializer(serializer)
    return module.loads(base64.b64decode(payload, validate=True))


def check_response(response):
    """The response of docs/protocol.md, or None when it does not have that
    shape. Every field the client acts on is the runner's own; this makes
    sure each has the type the runner writes."""
    if not isinstance(response, dict):
        return None
    report = response.get("report")
    if not isinstance(report, dict) or report.get("outcome") not in OUTCOMES:
        return None
    if not isinstance(report.get("reason"), (str, type(None))) or \
            not isinstance(report.get("message"), (str, type(None))) or \
            not isinstance(report.get("limits", {}), dict):
        return None
    for key in ("stdout", "stderr"):
        if not isinstance(response.get(key), str):
            return None
    result = response.get("result")
    if result is not None and not isinstance(result, dict):
        return None
    return response


def interpret(raw, returncode, stderr, serializer="json", target="the function"):
    """Turn the runner's response (the JSON body, bytes), exit status and
    stderr into ``(value, response)``, or raise the matching boxed error.
    Failures are told apart by the report's ``reason`` code, never by its
    message."""
    try:
        response = check_response(json.loads(raw)) if raw else None
    except (ValueError, RecursionError):
        response = None
    if response is None:
        text = stderr.decode("utf-8", "replace").strip() if stderr else ""
        if returncode is not None and returncode < 0:
            raise SandboxError("boxed-run was killed by signal %d before it answered%s" % (
                -returncode, ": " + text if text else ""))
        raise SandboxError(
            "boxed-run gave no well-formed response (exit status %s)%s" % (
                returncode, ": " + text if text else "")
        )
    report = response["report"]
    outcome = report["outcome"]
    reason = report.get("reason")
    message = report.get("message") or ""
    result = response.get("result")
    if outcome == "sandbox-error":
        if reason == "request-too-large":
            raise _attach(RequestTooLargeError("boxed-run refused the request: " + message),
                          response, report)
        hint = _sandbox_hint(reason)
        raise _attach(SandboxError("boxed-run: " + message + (" (" + hint + ")" if hint else "")),
                      response, report)
    exc = limit_error(reason, report, response, target)
    if exc is not None:
        if isinstance(result, dict) and isinstance(result.get("exception"), dict):
            exc.__cause__ = RemoteTraceback(str(result["exception"].get("traceback") or ""))
        raise _attach(exc, response, report)
    if isinstance(result, dict) and result.get("ok") is True and outcome == "ok":
        try:
            return _decode_value(result, serializer), response
        except BoxedError as exc:
            raise _attach(exc, response, report) from None
    if isinstance(result, dict) and result.get("ok") is False and \
            isinstance(result.get("exception"), dict):
        raise _attach(_remote_exception(result["exception"], serializer, report, target),
                      response, report)
    raise _attach(RemoteError(None, "the function returned no result (%s%s)" % (
        reason or outcome, ": " + message if message else "")), response, report)


def deliver(response, capture):
    """Write what the function printed to sys.stdout and sys.stderr, unless
    it is captured."""
    if capture:
        return
    if response.get("stdout"):
        sys.stdout.write(response["stdout"])
        sys.stdout.flush()
    if response.get("stderr"):
        sys.stderr.write(response["stderr"])
        sys.stderr.flush()


def check_user(user):
    """Only ``'nobody'`` and None: every call runs as a fresh uid of its
    own, never as an account. UserError (a PermissionError, as boxed 0.3
    raised, and a ValueError) otherwise."""
    if user in ("nobody", None):
        return
    if user == "root" or user == 0:
        why = "boxed never runs a function as root"
    else:
        try:
            import pwd

            pwd.getpwnam(user) if isinstance(user, str) else pwd.getpwuid(user)
            why = "boxed runs every call as a fresh uid of its own, never as an account"
        except (KeyError, TypeError, ValueError, OverflowError):
            why = "no such user, and boxed runs every call as a fresh uid of its own anyway"
    raise UserError("user=%r: %s; pass user='nobody' or None (the same thing)" % (user, why))


def check_method(method):
    """``'best'`` and ``'simple'`` (boxed 0.3's names) are the one sandbox
    there is; anything else is a ValueError, as it was."""
    if method not in ("best", "simple"):
        raise ValueError("invalid sandbox method %r: use 'best' or 'simple'" % (method,))


def run(target, args=(), kwargs=None, *, timeout=None, method="best", serializer="json",
        imports=(), user="nobody", print_messages=False, cpu=None, memory=None, nproc=None,
        output=None, disk=None, fsize=None, network=False, capture=False, runner=None):
    """Call ``target(*args, **kwargs)`` in a fresh sandbox and return its value.

    >>> from math import sqrt
    >>> run(sqrt, args=(4,), serializer='json')
    2.0

    ``target`` is a module-level function (or class, or "module.name"
    string). It travels as its dotted name and is imported inside the
    sandbox, which sees the caller's ``sys.path`` entries but reads only what
    other users may read, and refuses another file than the caller's. A
    lambda, a nested function or a function of a ``__main__`` the sandbox
    cannot import raises TypeError at once. The function runs in the
    caller's working directory when other users may enter it (read-only),
    else in the run's private directory.

    Limits, each clamped by the configuration's maximum; None is the
    configured default, except for ``timeout``:

    - ``timeout``: wall-clock seconds; None is the configured maximum;
    - ``cpu``: CPU seconds; ``memory``: address-space bytes (int or
      "256M"); ``nproc``: processes and threads (1 allows no thread and no
      fork); ``output``: bytes of stdout and of stderr kept; ``disk``:
      bytes of the run's private directory, /tmp and /dev/shm together;
      ``fsize``: the largest file the function may write;
    - ``network``: False (default) allows only AF_UNIX sockets.

    Others:

    - ``serializer``: "json" (default, safe), "pickle", "cloudpickle" or
      "dill". With the pickle family the caller unpickles what the
      sandbox returns, so the function can run code in the caller: use
      them only for functions you trust as much as your own code;
    - ``imports``: modules imported in the sandbox before the target;
    - ``method``: "best" or "simple" (boxed 0.3's names; one sandbox);
    - ``user``: "nobody" or None; each call gets its own uid anyway;
    - ``print_messages``: on failure, print what the runner said and the
      remote traceback to sys.stdout;
    - ``capture``: return ``Result(value, stdout, stderr)`` instead of
      writing the function's output to sys.stdout and sys.stderr.

    Raises the function's own exception (same builtin type, remote
    traceback as ``__cause__``) or RemoteError, TimeoutError,
    MemoryLimitError, OutputLimitError, SerializationError, SandboxError...,
    all BoxedError (docs/python.md). Thread-safe: concurrent calls run in
    separate sandboxes. Ctrl-C (KeyboardInterrupt) ends the call's sandbox
    before it propagates.
    """
    check_method(method)
    check_user(user)
    request, name = make_request(target, args, kwargs, serializer=serializer, imports=imports)
    path = find_runner(runner)
    argv = runner_argv(path, timeout=timeout, cpu=cpu, memory=memory, nproc=nproc,
                       output=output, disk=disk, fsize=fsize, network=network)
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
    except OSError as exc:
        raise start_error(path, exc) from None
    try:
        send(proc, request)
        out, returncode, err = receive(proc)
    except BaseException:
        stop(proc)
        raise
    return finish(out, returncode, err, serializer, capture, name, print_messages)


# How long a runner told to stop may take to end its run and clean up
# before it is killed (its run's processes die with it).
_STOP_GRACE = 1.0


def stop(proc):
    """End a runner whose call is abandoned (KeyboardInterrupt, SystemExit
    from a signal handler, a pool's shutdown): SIGTERM makes it kill the
    run and clean the slot. Waits for it, so that when the caller's
    exception propagates, the sandbox is gone."""
    for close in (proc.stdin, proc.stdout, proc.stderr):
        try:
            if close is not None:
                close.close()
        except OSError:
            pass
    proc.stdin = None
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(_STOP_GRACE)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def send(proc, request):
    """Write the request to the runner and close its stdin. False when the
    runner was already gone (it has not read the request)."""
    try:
        proc.stdin.write(request)
        proc.stdin.close()
        return True
    except BrokenPipeError:
        try:
            proc.stdin.close()
        except BrokenPipeError:
            pass
        return False
    finally:
        proc.stdin = None


#: The header of the runner's Python-mode response (docs/protocol.md).
RESPONSE_HEADER = re.compile(rb"boxed-response ([0-9]{1,12})\n")


def receive(proc):
    """Read the runner's response: ``(body, exit status, stderr)``.

    The response is a header line ``boxed-response LENGTH`` and exactly
    LENGTH bytes of JSON, so nothing inside it can end it early. It is
    written once the run is over (the function's result is in and its
    process stopped); the runner cleans the slot, logs and exits after it,
    so once the body is complete the runner is reaped in the background
    (exit status None). Without a complete response, its stderr and exit
    status say why."""
    fd = proc.stdout.fileno()
    buf = bytearray()
    need = None
    while need is None or len(buf) < need:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            break
        buf += chunk
        if need is None:
            match = RESPONSE_HEADER.match(buf)
            if match:
                need = match.end() + int(match.group(1))
            elif b"\n" in buf or len(buf) > 64:
                break  # not a response header: read no further
    if need is not None and len(buf) >= need:
        _reap(proc)
        return bytes(buf[match.end():need]), None, b""
    err = proc.stderr.read()
    proc.wait()
    proc.stdout.close()
    proc.stderr.close()
    return b"", proc.returncode, err


_reaper_lock = threading.Lock()
_reaper_queue = None


def _reap(proc):
    """Wait for a runner that has answered, in a background thread."""
    global _reaper_queue
    proc.stdout.close()
    proc.stderr.close()
    with _reaper_lock:
        if _reaper_queue is None:
            _reaper_queue = queue.SimpleQueue()
            threading.Thread(target=_reaper, args=(_reaper_queue,), name="boxed-reaper",
                             daemon=True).start()
    _reaper_queue.put(proc)


def _reaper(pending):
    while True:
        pending.get().wait()


def print_messages_of(exc, target):
    """What boxed 0.3's ``print_messages=True`` showed on failure: what the
    runner said, and the remote traceback, on sys.stdout."""
    report = exc.report if isinstance(getattr(exc, "report", None), dict) else {}
    facts = ["outcome %s" % report.get("outcome")] if report else []
    if report.get("reason"):
        facts.append("reason %s" % report["reason"])
    if report.get("slot_uid") is not None:
        facts.append("slot uid %s" % report["slot_uid"])
    for key in ("wall_time", "cpu_time"):
        if isinstance(report.get(key), (int, float)):
            facts.append("%s %.3f s" % (key.replace("_", " "), report[key]))
    lines = ["# boxed: %s failed in its sandbox%s" % (target, ": " + ", ".join(facts)
                                                       if facts else "")]
    if report.get("message"):
        lines.append("# runner: %s" % report["message"])
    if report.get("limits"):
        lines.append("# limits: %s" % json.dumps(report["limits"], sort_keys=True))
    tb = getattr(exc, "remote_traceback", None) or getattr(exc, "traceback", None)
    lines.append("# %s: %s" % (type(exc).__name__, exc) if not tb else
                 "# remote traceback:\n" + tb.rstrip("\n"))
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()


def finish(out, returncode, err, serializer, capture, target="the function",
           print_messages=False):
    """Interpret a response, deliver or capture the output, return."""
    try:
        value, response = interpret(out, returncode, err, serializer, target)
    except Exception as exc:
        if not capture and getattr(exc, "report", None) is not None:
            deliver({"stdout": exc.stdout, "stderr": exc.stderr}, False)
        if print_messages:
            print_messages_of(exc, target)
        raise
    if capture:
        return Result(value, response.get("stdout", ""), response.get("stderr", ""))
    deliver(response, False)
    return value


class _Captured(collections.UserString):
    """The text printed inside capture_print(): a str-like object that
    follows the capture while it runs and keeps it after. Its str methods
    return plain copies of the same kind."""

    def __init__(self, source):
        self._source = source  # the capture's buffer, or a str

    @property
    def data(self):
        source = self._source
        return source if isinstance(source, str) else source.getvalue()

    def read(self):
        return self.data


@contextlib.contextmanager
def capture_print():
    """Capture what is written to sys.stdout and sys.stderr, together, as
    boxed 0.3's tests did:

    >>> with capture_print() as out:
    ...     print('foo')
    >>> out == 'foo\\n'
    True
    """
    buffer = io.StringIO()
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = buffer
    try:
        yield _Captured(buffer)
    finally:
        sys.stdout, sys.stderr = saved
