"""Shared fixtures of the boxed client tests.

The tests that need a real sandbox run only when a runner is usable (as in
tests/integration/t-python.sh); with BOXED_REQUIRE_RUNNER=1 a missing
runner fails them instead of skipping them. With BOXED_PYTEST_TAP=FILE each
result is also appended to FILE as one TAP line, which the integration
harness counts.
"""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
if os.path.isdir(os.path.join(TOP, "python", "boxed")) and "BOXED_PYTHONDIR" not in os.environ:
    # Run from the source tree: test the tree's client.
    sys.path.insert(0, os.path.join(TOP, "python"))

import boxed  # noqa: E402


def bootstrap_path():
    """The bootstrap under test: $BOXED_BOOTSTRAP, else the tree's."""
    path = os.environ.get("BOXED_BOOTSTRAP")
    if path:
        return path
    return os.path.join(TOP, "python", "bootstrap", "boxed_bootstrap.py")


def runner_usable():
    path = boxed.find_runner()
    return os.path.exists(path) and os.access(path, os.X_OK) and os.getuid() != 0


@pytest.fixture
def sandbox():
    """Skip (or, with BOXED_REQUIRE_RUNNER=1, fail) without a usable runner."""
    if not runner_usable():
        msg = "no runner usable by this user: %s" % boxed.find_runner()
        if os.environ.get("BOXED_REQUIRE_RUNNER") == "1":
            pytest.fail(msg)
        pytest.skip(msg)
    return boxed.find_runner()


def pytest_runtest_logreport(report):
    path = os.environ.get("BOXED_PYTEST_TAP")
    if not path:
        return
    name = report.nodeid
    line = None
    if report.when == "call" or (report.when == "setup" and not report.passed):
        if report.passed:
            line = "ok - python: %s" % name
        elif report.skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
            line = "ok - python: %s # SKIP %s" % (name, reason)
        else:
            line = "not ok - python: %s" % name
    elif report.when == "teardown" and report.failed:
        line = "not ok - python: %s (teardown)" % name
    if line:
        with open(path, "a") as out:
            out.write(line.replace("\n", " ") + "\n")
