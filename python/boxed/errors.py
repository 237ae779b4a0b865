"""The exceptions of boxed.

Every failure that boxed itself reports derives from :class:`BoxedError`.
An exception raised by the sandboxed function is re-raised as the same
builtin type when it is one (``ValueError``, ``KeyError``, ...), with the
remote traceback as its ``__cause__``; any other type becomes
:class:`RemoteError`.
"""

import builtins

__all__ = [
    "BoxedError",
    "RemoteError",
    "RemoteTraceback",
    "TimeoutError",
    "MemoryLimitError",
    "OutputLimitError",
    "SandboxError",
    "RequestTooLargeError",
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


class RemoteError(BoxedError):
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


class TimeoutError(BoxedError, builtins.TimeoutError):
    """The function ran past its wall-clock limit and was killed."""


class MemoryLimitError(BoxedError, MemoryError):
    """The function ran out of its memory limit."""


class OutputLimitError(BoxedError):
    """The function printed more than the output limit allows."""


class SandboxError(BoxedError):
    """The sandbox could not be used: the runner is missing, the caller may
    not run it, the host is not set up, or the runner failed. The message
    carries the runner's own words and what to do about it."""


class RequestTooLargeError(BoxedError, ValueError):
    """The serialized arguments exceed the runner's message limit
    (``max_message``, 16 MiB by default)."""
