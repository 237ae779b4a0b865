"""``python3 -m boxed COMMAND [ARGS...]``: run a command in a sandbox, as
boxed 0.3 did. It is boxed-run's program mode: the command's output is
relayed, and its exit status is the command's or one of boxed-run(1)'s."""

import os
import sys

from .core import find_runner, start_error

USAGE = """usage: python3 -m boxed COMMAND [ARGS...]

Run COMMAND in a sandbox: a fresh unprivileged uid with boxed-run's default
limits. Its output is printed; its exit status is returned
(122 memory, 123 output limit, 124 timeout, 125 sandbox error: see
boxed-run(1)). For other limits, call boxed-run itself.
"""


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        sys.stdout.write(USAGE)  # boxed 0.3 printed it, and succeeded, without a command
        return 0
    runner = find_runner()
    try:
        os.execv(runner, [runner, "--", *argv])
    except OSError as exc:
        sys.stderr.write("boxed: %s\n" % start_error(runner, exc))
        return 125


if __name__ == "__main__":
    sys.exit(main())
