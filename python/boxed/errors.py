"""The exceptions of boxed.

Every failure that boxed itself reports derives from :class:`BoxedError`.
An exception raised by the sandboxed function is re-raised as the same
builtin type when it is one (``ValueError``, ``KeyError``, ...), with the
remote traceback as its ``__cause__``; any other type becomes
:class:`RemoteError`.
"""

import builtins
import subprocess

__all__ = [
    "BoxedError",
    "RemoteError",
    "RemoteTraceback",
    "TimeoutError",
    "MemoryLimitError",
    "OutputLimitError",
    "DiskLimitError",
    "SandboxError",
    "RequestTooLargeError",
    "ResultTooLargeError",
    "SerializationError",
    "UserError",
    "ModuleAccessError",
    "CalledProcessError",
]


class RemoteTraceback(Exception):
    """The traceback of an exception raised inside the sandbox.

    Set as the ``__cause__`` of a re-raised exception, so that Python prints
    the remote traceback above the local one.
    """

    def __init__(self, text):
        super().__init__(text)
        self.text = text

    def __str__(self):
        return "\n\n" + self.text.rstrip("\n")


class BoxedError(Exception):
    """Base class of every error boxed reports.

    Attributes, each ``None`` when unknown:

    - ``stdout``, ``stderr``: what the function printed before it failed;
    - ``report``: the runner's report (a dict, see docs/protocol.md).
    """

    stdout = None
    stderr = None
    report = None

    @property
    def reason(self):
        """The runner's stable reason code (docs/protocol.md), or None."""
        return self.report.get("reason") if isinstance(self.report, dict) else None


class CalledProcessError(BoxedError):
    """boxed 0.3's error for a remote exception that could not be rebuilt.
    Kept for code that catches it: ``RemoteError`` derives from it."""


class RemoteError(CalledProcessError):
    """The function raised an exception that is not a builtin type, or
    ended without a result (it exited, or was killed by a signal).

    ``type_name`` is the remote exception's qualified type name (``None``
    when there was no exception), ``module`` its module, ``message`` its
    ``str()``, ``traceback`` the formatted remote traceback.
    """

    def __init__(self, type_name, message, traceback="", module=None):
        self.type_name = type_name
        self.module = module
        self.message = message
        self.traceback = traceback or ""
        if type_name:
            full = type_name if module in (None, "builtins") else module + "." + type_name
            super().__init__("%s: %s" % (full, message) if message else full)
        else:
            super().__init__(message)

    def __str__(self):
        text = self.args[0] if self.args else ""
        if self.traceback:
            text += "\n\nRemote traceback:\n" + self.traceback.rstrip("\n")
        return text


class TimeoutError(BoxedError, builtins.TimeoutError, subprocess.TimeoutExpired):
    """The function ran past its wall-clock limit, or its CPU limit, and
    was killed.

    Also a builtin ``TimeoutError`` and a ``subprocess.TimeoutExpired``
    (what boxed 0.3 raised), with ``cmd`` the target's name and ``timeout``
    the limit in seconds; ``limit`` says which one, ``"timeout"`` or
    ``"cpu"``.
    """

    def __init__(self, message, *, cmd=None, timeout=None, limit="timeout"):
        builtins.TimeoutError.__init__(self, message)
        self.cmd = cmd
        self.timeout = timeout
        self.limit = limit
        self.output = None

    def __str__(self):
        return self.args[0] if self.args else ""


class MemoryLimitError(BoxedError, MemoryError):
    """The function ran out of its memory limit."""


class OutputLimitError(BoxedError):
    """The function printed more than the output limit allows."""


class DiskLimitError(BoxedError):
    """The function wrote a file larger than its file-size limit."""


class SandboxError(BoxedError):
    """The sandbox could not be used: the runner is missing, the caller may
    not run it, the host is not set up, or the runner failed. The message
    carries the runner's own words and what to do about it."""


class RequestTooLargeError(BoxedError, ValueError):
    """The serialized arguments exceed the runner's message limit
    (``max_message``, 16 MiB by default)."""


class ResultTooLargeError(BoxedError):
    """The function's serialized result exceeds the runner's message limit
    (``max_message`` in the boxed config, 16 MiB by default)."""


class SerializationError(BoxedError, ValueError, TypeError):
    """The arguments, or the function's result, cannot be serialized with
    the chosen serializer (or the result cannot be decoded by the caller).

    A ``ValueError`` as in boxed 0.3, and a ``TypeError`` as ``json`` and
    ``pickle`` raise for a value they cannot carry.
    """


class UserError(BoxedError, PermissionError, ValueError):
    """``user=`` names a user other than ``nobody``: every call runs as a
    fresh uid of its own, never as a named account. A ``PermissionError``
    as boxed 0.3 raised, and a ``ValueError`` for a bad argument."""


class ModuleAccessError(BoxedError, ImportError):
    """The sandbox cannot import the target's module, or an ``imports=``
    module, from the file the caller loaded it from: the file is not
    readable by other users, or another file of the same name comes first.
    ``origin`` is the caller's file, ``found`` the sandbox's (or None)."""

    def __init__(self, message, *, name=None, origin=None, found=None):
        ImportError.__init__(self, message, name=name, path=origin)
        self.origin = origin
        self.found = found

