"""run(): one function call in a fresh sandbox, through ``boxed-run --python``.

The pure steps (naming the target, building the request, reading the
response) are separate functions so that they can be tested without a
runner.
"""

import base64
import builtins
import collections
import grp
import inspect
import json
import os
import queue
import re
import subprocess
import sys
import threading

from .errors import (
    BoxedError,
    MemoryLimitError,
    OutputLimitError,
    RemoteError,
    RemoteTraceback,
    RequestTooLargeError,
    SandboxError,
    TimeoutError,
)

__all__ = ["run", "Result", "find_runner", "target_name", "build_request", "MAX_MESSAGE"]

#: The runner's default ``max_message``: the largest request it accepts.
MAX_MESSAGE = 16 << 20

#: Where the runner is looked for after BOXED_RUN and the installed path.
DEFAULT_RUNNERS = ("/usr/bin/boxed-run", "/usr/local/bin/boxed-run")

SERIALIZERS = ("json", "pickle", "cloudpickle", "dill")

# The Debian package that provides each optional serializer.
_SERIALIZER_PACKAGES = {"cloudpickle": "python3-cloudpickle", "dill": "python3-dill"}

_SANDBOX_EXIT = 125


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


def _walk(obj, qualname):
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _main_module_name(offered):
    """The name under which __main__'s file can be imported from the
    offered sys.path entries, or None."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if not path:
        return None
    spec = getattr(main, "__spec__", None)
    if spec is not None and spec.name and spec.name != "__main__":
        return spec.name  # python -m pkg.mod
    path = os.path.realpath(path)
    stem, ext = os.path.splitext(path)
    if ext != ".py":
        return None
    for entry in offered:
        entry = os.path.realpath(entry)
        if not stem.startswith(entry.rstrip(os.sep) + os.sep):
            continue
        parts = stem[len(entry.rstrip(os.sep)) + 1:].split(os.sep)
        if all(p.isidentifier() for p in parts):
            return ".".join(parts)
    return None


def target_name(target, sys_path=None):
    """The dotted name ("module.qualname") under which the sandbox imports
    ``target``. A string is taken as such a name. Raises TypeError for what
    cannot be named so: a lambda, a nested function, a bound method of an
    instance, a partial, a function of a __main__ that the sandbox cannot
    import."""
    if isinstance(target, str):
        parts = target.split(".")
        if len(parts) < 2 or not all(p.isidentifier() for p in parts):
            raise TypeError("target %r is not a dotted name such as 'math.sqrt'" % (target,))
        return target
    if not callable(target):
        raise TypeError("target %r is not callable" % (target,))
    module = getattr(target, "__module__", None)
    qualname = getattr(target, "__qualname__", None)
    owner = getattr(target, "__self__", None)
    if module is None and isinstance(owner, type) and isinstance(qualname, str):
        module = owner.__module__  # a builtin classmethod: dict.fromkeys
    if not isinstance(module, str) or not isinstance(qualname, str):
        raise TypeError(
            "target %r has no module and qualified name, so the sandbox cannot "
            "import it: pass a module-level function" % (target,)
        )
    if "<lambda>" in qualname or "<locals>" in qualname:
        raise TypeError(
            "target %s.%s is a lambda or a nested function, which the sandbox "
            "cannot import: define it at module level" % (module, qualname)
        )
    if owner is not None and not inspect.ismodule(owner) and not isinstance(owner, type):
        raise TypeError(
            "target %s.%s is bound to an instance, which does not travel to the "
            "sandbox: pass a module-level function" % (module, qualname)
        )
    if module == "__main__":
        name = _main_module_name(sys.path if sys_path is None else sys_path)
        if name is None:
            raise TypeError(
                "target %s is defined in __main__, which the sandbox cannot import "
                "(no file on the offered sys.path): move it into a module" % qualname
            )
        module = name
        source = sys.modules["__main__"]
    else:
        source = sys.modules.get(module)
    if source is not None:
        try:
            found = _walk(source, qualname)
        except AttributeError:
            found = None
        if found is not target and found != target:
            raise TypeError(
                "target %s.%s is not what that name imports (a decorator or a "
                "reassignment hides it): pass a module-level function" % (module, qualname)
            )
    return module + "." + qualname


def _offered_sys_path():
    seen, out = set(), []
    for entry in sys.path:
        entry = os.path.abspath(entry or os.curdir)
        if entry not in seen:
            seen.add(entry)
            out.append(entry)
    return out


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


def build_request(target, args=(), kwargs=None, *, serializer="json", imports=(),
                  timeout=None, sys_path=None, max_message=None):
    """The request of docs/protocol.md as bytes. Everything that can fail
    before a sandbox starts fails here: TypeError for a target that cannot
    be named or arguments that cannot be serialized, ValueError for a bad
    serializer name, ImportError for a serializer that is not installed,
    RequestTooLargeError for arguments beyond ``max_message`` (default:
    MAX_MESSAGE, read at each call)."""
    if kwargs is None:
        kwargs = {}
    if isinstance(imports, str):
        imports = (imports,)
    for name in imports:
        if not isinstance(name, str) or not all(p.isidentifier() for p in name.split(".")):
            raise TypeError("imports must be module names, not %r" % (name,))
    if sys_path is None:
        sys_path = _offered_sys_path()
    module = _load_serializer(serializer)
    req = {
        "target": target_name(target, sys_path),
        "serializer": serializer,
        "sys_path": list(sys_path),
        "imports": list(imports),
    }
    if timeout is not None:
        if not float(timeout) > 0:
            raise ValueError("timeout must be positive, not %r" % (timeout,))
        req["timeout"] = float(timeout)
    if module is None:
        req["args"] = list(args)
        req["kwargs"] = dict(kwargs)
        try:
            data = json.dumps(req, allow_nan=False, separators=(",", ":"))
        except (TypeError, ValueError) as exc:
            raise TypeError(
                "the arguments cannot be sent as JSON (%s): pass JSON values, or "
                "choose serializer='pickle'" % exc
            ) from None
    else:
        try:
            blob = module.dumps((tuple(args), dict(kwargs)))
        except Exception as exc:
            raise TypeError(
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
    return data


def runner_argv(runner, *, timeout=None, memory=None, network=False, output=None, wait=True):
    """The command line of one ``boxed-run --python``."""
    argv = [runner, "--python"]
    if wait:
        argv.append("--wait")
    if timeout is not None:
        if not timeout > 0:
            raise ValueError("timeout must be positive, not %r" % (timeout,))
        argv += ["--timeout", repr(float(timeout))]
    if memory is not None:
        argv += ["--memory", str(memory)]
    if output is not None:
        argv += ["--output", str(int(output))]
    if not network:
        argv.append("--no-network")
    return argv


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


def _remote_exception(info):
    """The local exception for the remote exception ``info``."""
    type_name = str(info.get("type", ""))
    module = info.get("module")
    message = str(info.get("message", ""))
    tb = str(info.get("traceback") or "")
    cls = getattr(builtins, type_name, None) if module in (None, "builtins") else None
    # Only Exception subclasses: a SystemExit or KeyboardInterrupt of the
    # function must not end the caller's program.
    if isinstance(cls, type) and issubclass(cls, Exception) and not issubclass(cls, BoxedError):
        try:
            args = json.loads(info["args"]) if isinstance(info.get("args"), str) else None
        except (ValueError, RecursionError):
            args = None
        try:
            exc = cls(*args) if isinstance(args, list) else cls(message)
        except Exception:
            exc = None
        if exc is not None:
            exc.__cause__ = RemoteTraceback(tb or "%s: %s\n" % (type_name, message))
            exc.remote_traceback = tb
            return exc
    return RemoteError(type_name, message, tb, module)


def _decode_value(result, serializer):
    if serializer == "json":
        text = result.get("json")
        if not isinstance(text, str):
            raise BoxedError("the sandbox returned a result that is not JSON-serialized")
        try:
            return json.loads(text)
        except RecursionError:
            raise BoxedError("the function's result is nested too deeply to decode") from None
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


def interpret(raw, returncode, stderr, serializer="json"):
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
    limits = report.get("limits") or {}
    result = response.get("result")
    if outcome == "sandbox-error":
        if reason == "request-too-large":
            raise _attach(RequestTooLargeError("boxed-run refused the request: " + message),
                          response, report)
        hint = _sandbox_hint(reason)
        raise _attach(SandboxError("boxed-run: " + message + (" (" + hint + ")" if hint else "")),
                      response, report)
    if outcome == "timeout":
        if reason == "cpu-limit":
            text = "the function used up its CPU time limit (%s s)" % limits.get("cpu")
        else:
            text = "the function ran past its time limit (%s s)" % limits.get("timeout")
        raise _attach(TimeoutError(text), response, report)
    if outcome == "memory":
        exc = MemoryLimitError("the function ran out of its memory limit (%s bytes)"
                               % limits.get("memory"))
        if isinstance(result, dict) and isinstance(result.get("exception"), dict):
            exc.__cause__ = RemoteTraceback(str(result["exception"].get("traceback") or ""))
        raise _attach(exc, response, report)
    if outcome == "output-limit":
        raise _attach(OutputLimitError("the function printed more than its output limit "
                                       "(%s bytes)" % limits.get("output")),
                      response, report)
    if isinstance(result, dict) and result.get("ok") is True and outcome == "ok":
        return _decode_value(result, serializer), response
    if isinstance(result, dict) and result.get("ok") is False and \
            isinstance(result.get("exception"), dict):
        exc = _remote_exception(result["exception"])
        exc.stdout = response.get("stdout", "")
        exc.stderr = response.get("stderr", "")
        exc.report = report
        raise exc
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
    if user not in ("nobody", None):
        raise ValueError(
            "user=%r: boxed runs every call as a fresh uid of its own; only "
            "user='nobody' or None (the same thing) is accepted" % (user,)
        )


def run(target, args=(), kwargs=None, *, timeout=None, serializer="json", imports=(),
        memory=None, network=False, user="nobody", capture=False, output=None,
        runner=None):
    """Call ``target(*args, **kwargs)`` in a fresh sandbox and return its value.

    >>> from math import sqrt
    >>> run(sqrt, args=(4,), serializer='json')
    2.0

    ``target`` is a module-level function (or class, or "module.name"
    string). It travels as its dotted name and is imported inside the
    sandbox, which sees the caller's ``sys.path`` entries but reads only what
    other users may read. A lambda, a nested function or a function of a
    ``__main__`` the sandbox cannot import raises TypeError at once.

    - ``timeout``: wall-clock seconds (default: the runner's, 5 s);
    - ``memory``: address-space bytes (int, or "256M");
    - ``network``: False (default) allows only AF_UNIX sockets;
    - ``output``: bytes of stdout and of stderr kept;
    - ``serializer``: "json" (default, safe), "pickle", "cloudpickle" or
      "dill". With the pickle family the caller unpickles what the
      sandbox returns, so the function can run code in the caller: use
      them only for functions you trust as much as your own code;
    - ``imports``: modules imported in the sandbox before the target;
    - ``user``: "nobody" or None; each call gets its own uid anyway;
    - ``capture``: return ``Result(value, stdout, stderr)`` instead of
      writing the function's output to sys.stdout and sys.stderr.

    Raises the function's own exception (same builtin type, remote
    traceback as ``__cause__``) or RemoteError, TimeoutError,
    MemoryLimitError, OutputLimitError, SandboxError, all BoxedError.
    Thread-safe: concurrent calls run in separate sandboxes.
    """
    check_user(user)
    request = build_request(target, args, kwargs, serializer=serializer, imports=imports)
    path = find_runner(runner)
    argv = runner_argv(path, timeout=timeout, memory=memory, network=network, output=output)
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
    except OSError as exc:
        raise start_error(path, exc) from None
    send(proc, request)
    out, returncode, err = receive(proc)
    return finish(out, returncode, err, serializer, capture)


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


def finish(out, returncode, err, serializer, capture):
    """Interpret a response, deliver or capture the output, return."""
    try:
        value, response = interpret(out, returncode, err, serializer)
    except BoxedError as exc:
        if not capture and exc.report is not None:
            deliver({"stdout": exc.stdout, "stderr": exc.stderr}, False)
        raise
    except Exception as exc:
        if not capture and getattr(exc, "stdout", None) is not None:
            deliver({"stdout": exc.stdout, "stderr": exc.stderr}, False)
        raise
    if capture:
        return Result(value, response.get("stdout", ""), response.get("stderr", ""))
    deliver(response, False)
    return value
