"""boxed: run an untrusted Python function as a throwaway unprivileged uid.

    >>> from boxed import run
    >>> from math import sqrt
    >>> run(sqrt, args=(4,), serializer='json')
    2.0

Each call runs in a fresh sandbox started by ``boxed-run --python``: its own
slot uid and gid, no capabilities, no supplementary groups, rlimits,
Landlock and seccomp, and a wall-clock timeout. The function is named, not
sent: it is imported inside the sandbox from the caller's ``sys.path``,
which the sandbox can read only where other users may read. See
:func:`run`, :class:`Pool` and :mod:`boxed.errors`.
"""

from . import errors
from .core import MAX_MESSAGE, Result, capture_print, find_runner, run
from .errors import *  # noqa: F401,F403 (the exceptions: errors.__all__)
from .pool import Pool
from ._version import __version__

# boxed 0.3's modules, so that `import boxed` provides them as it did.
from . import jsonbox, picklebox, runners  # noqa: E402,F401

__all__ = ["run", "Pool", "Result", "find_runner", "capture_print", "MAX_MESSAGE",
           *errors.__all__]
