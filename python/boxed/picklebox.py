"""boxed 0.3's ``boxed.picklebox.run``: run() with the pickle serializer
by default.

The caller unpickles what the sandbox returns, so the function can run code
in the caller: use it only for functions you trust as much as your own code.
"""

from .core import run as _run

__all__ = ["run"]


def run(target, args=(), kwargs=None, *, timeout=None, user="nobody", imports=(),
        serializer="pickle", print_messages=False, **limits):
    """``boxed.run(..., serializer='pickle')``; any serializer of run()
    may be named, as boxed 0.3 allowed. ``limits`` takes run()'s limits
    and ``capture``."""
    return _run(target, args, kwargs, timeout=timeout, serializer=serializer, imports=imports,
                user=user, print_messages=print_messages, **limits)
