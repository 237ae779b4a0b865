"""The limits a caller may ask for, as boxed-run options, and the errors
that name them.

Each limit can only lower the maximum in root's configuration: the runner
clamps a larger value to it, and ``report["limits"]`` says what was in
force. Only ``timeout=None`` asks for the maximum: boxed 0.3 meant "no
limit" by it, and the maximum is the nearest the sandbox allows.
"""

import errno
import math

from .errors import (
    DiskLimitError,
    MemoryLimitError,
    OutputLimitError,
    ResultTooLargeError,
    TimeoutError,
)

__all__ = ["runner_argv", "parse_size", "format_size", "limit_error", "limit_note"]

# The runner's largest --timeout; it clamps it to the configured maximum.
TIMEOUT_MAX = 86400

# The least the runner accepts for each size (runner/args.c).
_SIZE_MIN = {"memory": 16 << 20, "nproc": 1, "output": 0, "disk": 0, "fsize": 0}

_SUFFIX = {"": 0, "K": 10, "M": 20, "G": 30}


def parse_size(value, name):
    """An int of bytes (or a count) from an int or a string such as "256M".
    ValueError names the parameter."""
    if isinstance(value, bool):
        raise ValueError("%s= must be a number, not %r" % (name, value))
    if isinstance(value, int):
        n = value
    elif isinstance(value, str) and value[:-1].isdigit() and value[-1:].upper() in _SUFFIX:
        n = int(value[:-1]) << _SUFFIX[value[-1].upper()]
    elif isinstance(value, str) and value.isdigit():
        n = int(value)
    else:
        raise ValueError("%s= must be a number, or a string such as '256M', not %r"
                         % (name, value))
    if n < _SIZE_MIN[name]:
        raise ValueError("%s= must be at least %d, not %r" % (name, _SIZE_MIN[name], value))
    return n


def _seconds(value, name):
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = math.nan
    if not seconds > 0 or not math.isfinite(seconds):
        raise ValueError("%s= must be a positive number of seconds, not %r" % (name, value))
    return seconds


def runner_argv(runner, *, timeout=None, cpu=None, memory=None, nproc=None, output=None,
                disk=None, fsize=None, network=False, wait=True):
    """The command line of one ``boxed-run --python``. A limit left None is
    the configuration's default, except ``timeout``, whose None is its
    maximum. ValueError for a value the runner would refuse."""
    argv = [runner, "--python"]
    if wait:
        argv.append("--wait")
    if timeout is None:
        argv += ["--timeout", str(TIMEOUT_MAX)]
    else:
        argv += ["--timeout", repr(min(_seconds(timeout, "timeout"), TIMEOUT_MAX))]
    if cpu is not None:
        # RLIMIT_CPU counts whole seconds: round up, never below the ask.
        argv += ["--cpu", str(math.ceil(_seconds(cpu, "cpu")))]
    for name, value in (("memory", memory), ("nproc", nproc), ("output", output),
                        ("disk", disk), ("fsize", fsize)):
        if value is not None:
            argv += ["--" + name, str(parse_size(value, name))]
    if not network:
        argv.append("--no-network")
    return argv


def format_size(n):
    """Bytes for a person: "64 KiB", "512 MiB", "1000 bytes"."""
    for shift, unit in ((30, "GiB"), (20, "MiB"), (10, "KiB")):
        if n >= 1 << shift:
            return "%g %s" % (round(n / (1 << shift), 1), unit)
    return "%d bytes" % n


def _seconds_text(value):
    return "%g s" % value if isinstance(value, (int, float)) else "? s"


def _size_text(value):
    return format_size(int(value)) if isinstance(value, (int, float)) else "?"


# The ceiling of every parameter.
_RAISE = ", up to the maximum in the boxed config"


def limit_error(reason, report, response, target):
    """The exception for a run that a limit ended (``reason``, a code of
    docs/protocol.md), or None when ``reason`` is not a limit's. Its
    message names the limit, its value and the parameter that raises it."""
    limits = report.get("limits") if isinstance(report.get("limits"), dict) else {}
    if reason == "wall-limit":
        value = limits.get("timeout")
        return TimeoutError(
            "%s ran past its wall-clock limit of %s; raise it with timeout=%s"
            % (target, _seconds_text(value), _RAISE), cmd=target, timeout=value)
    if reason == "cpu-limit":
        value = limits.get("cpu")
        return TimeoutError(
            "%s used up its CPU-time limit of %s; raise it with cpu=%s"
            % (target, _seconds_text(value), _RAISE), cmd=target, timeout=value, limit="cpu")
    if reason == "memory-limit":
        return MemoryLimitError(
            "%s ran out of its memory limit of %s (address space); raise it with memory=%s"
            % (target, _size_text(limits.get("memory")), _RAISE))
    if reason == "output-limit":
        streams = [name for name in ("stdout", "stderr") if response.get(name + "_truncated")]
        return OutputLimitError(
            "%s printed more than its output limit of %s on %s; raise it with output=%s"
            % (target, _size_text(limits.get("output")), " and ".join(streams) or
               "stdout or stderr", _RAISE))
    if reason == "fsize-limit":
        return DiskLimitError(
            "%s wrote a file larger than its file-size limit of %s; raise it with fsize=%s"
            % (target, _size_text(limits.get("fsize")), _RAISE))
    if reason == "result-too-large":
        return ResultTooLargeError(
            "the result of %s is larger than the runner accepts (max_message in the boxed "
            "config, 16 MiB unless root changed it): return less, or have the function "
            "write it to a file the caller can read" % target)
    return None


def limit_note(exc, info, report):
    """A sentence naming the limit behind the function's own exception
    ``exc`` (rebuilt from the remote ``info``), or None: a thread or a
    process refused under nproc, a file refused under fsize, a full disk."""
    limits = report.get("limits") if isinstance(report.get("limits"), dict) else {}
    if info.get("limit") == "nproc":
        n = limits.get("nproc")
        return ("the sandbox may run %s process%s and threads in all (nproc=%s): pass "
                "nproc= to run() or Pool() to allow threads and processes"
                % (n, "" if n == 1 else "es", n))
    code = getattr(exc, "errno", None)
    if code == errno.EFBIG:
        return ("the sandbox writes files of at most %s (fsize): raise it with fsize="
                % _size_text(limits.get("fsize")))
    if code == errno.ENOSPC and "disk" in limits:
        return ("the run's private directory, /tmp and /dev/shm hold %s in all (disk): "
                "raise it with disk=" % _size_text(limits.get("disk")))
    return None
