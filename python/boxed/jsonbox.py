"""boxed 0.3's ``boxed.jsonbox.run``: run() with the json serializer."""

from .core import run as _run

__all__ = ["run"]


def run(target, args=(), kwargs=None, *, timeout=None, user="nobody", imports=(),
        print_messages=False, **limits):
    """``boxed.run(..., serializer='json')``; ``limits`` takes run()'s
    limits and ``capture``."""
    return _run(target, args, kwargs, timeout=timeout, serializer="json", imports=imports,
                user=user, print_messages=print_messages, **limits)
