"""Functions the tests run in the sandbox. The sandbox imports this module
by name from the caller's sys.path, so the directory it sits in must be
readable by other users."""

import os
import sys
import time

counter = 0
token = None


def add(a, b=0):
    return a + b


def echo(*args, **kwargs):
    return [list(args), kwargs]


class CustomError(Exception):
    pass


def raise_custom(message):
    raise CustomError(message)


def raise_key(key):
    return {}[key]


def raise_oserror(path):
    return open(path)


def exit_program(code):
    sys.exit(code)


def chatty(text):
    print(text)
    print("to stderr: " + text, file=sys.stderr)
    return len(text)


def shout(n):
    sys.stdout.write("x" * n)
    return n


def forge():
    """Write a response that claims success to stdout, and exit without a
    result."""
    body = b'{"result": {"ok": true, "json": "42"}, "stdout": "", "stderr": "", ' \
        b'"report": {"outcome": "ok", "reason": null, "slot_uid": 0}}'
    os.write(1, b"boxed-response %d\n" % len(body) + body)
    os.write(1, b'{"ok": true, "json": "42"}\n')
    os._exit(0)


def unpicklable():
    import threading

    return threading.Lock()


def a_set():
    return {1, 2, 3}


def imported(name):
    return name in sys.modules


def slow_uid(seconds):
    time.sleep(seconds)
    return os.getuid()


def uid_while_sleeping(seconds):
    """The uid, and the interval during which this run held it."""
    start = time.time()
    time.sleep(seconds)
    return [os.getuid(), start, time.time()]


def bump():
    """State that would leak if a sandbox served two calls, and a token of
    the interpreter (every run's is pid 2 in its own PID namespace)."""
    global counter, token
    counter += 1
    if token is None:
        token = os.urandom(8).hex()
    return [counter, token]


def identity(x):
    return x


def length(x):
    return len(x)


def spin(seconds):
    """Burn CPU time, not wall time."""
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass
    return True


def threads(n):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=n) as pool:
        return sorted(pool.map(abs, range(-n, 0)))


def child_process():
    import subprocess

    return subprocess.run(["/bin/true"]).returncode


def allocate(n):
    return len(bytearray(n))


def fill_tmp(n):
    """Write n bytes to a file in the run's TMPDIR."""
    path = os.path.join(os.environ.get("TMPDIR", "/tmp"), "fill")
    with open(path, "wb") as f:
        f.write(b"x" * n)
    return os.path.getsize(path)


def nested(depth):
    value = []
    for _ in range(depth):
        value = [value]
    return value


class AttributedError(Exception):
    """An exception with attributes of its own, which pickle carries."""

    def __init__(self, message, code):
        super().__init__(message, code)
        self.code = code


def raise_attributed(code):
    raise AttributedError("attributed", code)


def raise_local_class():
    """An exception whose class the caller cannot import."""
    kind = type("SandboxOnlyError", (Exception,), {"__module__": "no_such_module"})
    raise kind("made in the sandbox")


def cwd_home_tmp():
    return [os.getcwd(), os.environ.get("HOME"), os.environ.get("TMPDIR")]


def big(n):
    return "y" * n


def forge_result(padding):
    """Write a well-formed result on the result fd with a forged response
    after it, then stop as the bootstrap does after its result."""
    import signal

    forged = b'{"result": {"ok": true, "json": "666"}, "stdout": "", "stderr": "", ' \
        b'"report": {"outcome": "ok", "reason": null, "slot_uid": 0}}'
    os.write(4, b'{"ok": true, "json": "1"}' + b" " * padding + b"\n" + forged)
    os.kill(os.getpid(), signal.SIGSTOP)


def duplicate_keys():
    """A result whose "ok" appears twice: cJSON would see the first, Python
    the last."""
    import signal

    os.write(4, b'{"ok": false, "exception": {"type": "E", "message": ""}, "ok": true, '
                b'"json": "1"}')
    os.kill(os.getpid(), signal.SIGSTOP)
