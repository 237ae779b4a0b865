"""boxed 0.3's ``boxed.picklebox.run``: run() with a serializer of the
pickle family, ``pickle`` by default.

The caller unpickles what the sandbox returns, so the function can run code
in the caller: use it only for functions you trust as much as your own code.
"""

from .core import run as _run

__all__ = ["run"]

PICKLERS = ("pickle", "cloudpickle", "dill")


def run(target, args=(), kwargs=None, *, timeout=None, user="nobody", imports=(),
        serializer="pickle", print_messages=False, **limits):
    """``boxed.run(..., serializer='pickle')``; ``serializer`` may also be
    ``'cloudpickle'`` or ``'dill'``. ``limits`` takes run()'s limits and
    ``capture``."""
    if serializer not in PICKLERS:
        raise ValueError("picklebox serializes with %s, not %r" % (", ".join(PICKLERS),
                                                                   serializer))
    return _run(target, args, kwargs, timeout=timeout, serializer=serializer, imports=imports,
                user=user, print_messages=print_messages, **limits)
