"""boxed 0.3's entry points, kept for code written against it.

``boxed.runners.run`` is ``boxed.run``. ``run_simplebox`` takes the
original's arguments; like ``run``, its serializer defaults to ``json``
(docs/python.md, "Migrating from boxed 0.3").
"""

from .core import run

__all__ = ["run"]


def run_simplebox(target, args=(), kwargs=None, *, timeout=None, serializer="json",
                  imports=(), user="nobody", **extra):
    """boxed 0.3's "simple" sandbox, which is the only one: ``run`` with
    ``method='simple'``. ``extra`` takes the rest of run()'s keywords
    (``print_messages``, the limits, ``capture``)."""
    return run(target, args, kwargs, timeout=timeout, method="simple", serializer=serializer,
               imports=imports, user=user, **extra)
