"""Pool: sandboxes started and dropped in advance, one call each."""

import subprocess
import threading
import time
import weakref

from .core import (
    check_user,
    find_runner,
    finish,
    make_request,
    receive,
    runner_argv,
    send,
    start_error,
    stop,
)
from .errors import SandboxError

__all__ = ["Pool"]

# How often an idle worker is checked for having died on its own.
_WATCH_INTERVAL = 0.2

# A worker taken by a call is replaced once the call has its answer, or
# after this long if it has not: starting a runner and an interpreter
# takes milliseconds of CPU, and started at once it would compete with the
# call itself for the cores and for the caller's GIL (bench/python/run).
_REPLACE_DELAY = 0.05


class _Worker:
    """One ``boxed-run --python`` waiting for its request: the runner has
    already locked a slot and started the dropped interpreter, which blocks
    on the request pipe."""

    __slots__ = ("proc",)

    def __init__(self, argv):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)

    def alive(self):
        return self.proc.poll() is None

    def deliver(self, request):
        """Send the request. False when the runner was already gone, so
        the function did not start and another worker may take it."""
        return send(self.proc, request)

    def collect(self):
        return receive(self.proc)

    def retire(self):
        """Ask an unused worker to end: an empty request makes the runner
        refuse it, kill the sandbox and clean the slot."""
        proc = self.proc
        try:
            if proc.stdin is not None:
                proc.stdin.close()
        except OSError:
            pass
        proc.stdin = None

    def reap(self, deadline):
        """Wait for a retired worker until ``deadline`` (monotonic), then
        stop it like an abandoned call."""
        proc = self.proc
        try:
            proc.communicate(timeout=max(deadline - time.monotonic(), 0))
        except (subprocess.TimeoutExpired, OSError, ValueError):
            stop(proc)

    def discard(self, grace=2.0):
        self.retire()
        self.reap(time.monotonic() + grace)


def _end_all(idle, busy, grace=2.0):
    """End workers at once: the idle ones retired, the busy ones (calls in
    flight) sent SIGTERM, which makes their runners end the run; all of
    them waited for with one deadline. A busy worker's pipes are left to
    its call's thread, which reads the end and raises SandboxError."""
    for worker in idle:
        worker.retire()
    for worker in busy:
        if worker.proc.poll() is None:
            worker.proc.terminate()
    deadline = time.monotonic() + grace
    for worker in idle:
        worker.reap(deadline)
    for worker in busy:
        try:
            worker.proc.wait(max(deadline - time.monotonic(), 0))
        except subprocess.TimeoutExpired:
            worker.proc.kill()


def _shutdown(state):
    with state["cond"]:
        state["closed"] = True
        idle = list(state["idle"])
        busy = list(state["busy"])
        state["idle"].clear()
        state["cond"].notify_all()
    _end_all(idle, busy)
    thread = state.get("thread")
    if thread is not None and thread is not threading.current_thread():
        # It ends the workers it was starting.
        thread.join()


class Pool:
    """Keep ``size`` sandboxes started and dropped in advance.

    Each worker is a ``boxed-run --python`` whose slot is locked and whose
    interpreter has started, dropped its privileges and waits for one
    request; a call pays only for the IPC and the function. A worker serves
    exactly one call and is then replaced in the background: it is never
    reused, so nothing of one call can reach the next. The wall-clock limit
    starts when the request is delivered.

    The limits (``timeout``, ``cpu``, ``memory``, ``nproc``, ``output``,
    ``disk``, ``fsize``, ``network``, as for :func:`boxed.run`) are fixed
    for the pool's workers; a call may lower the timeout further.

    >>> import math
    >>> with Pool(size=2) as pool:
    ...     pool.run(math.sqrt, args=(4,))
    2.0

    ``close()`` (or leaving the ``with`` block), the pool's garbage
    collection and the interpreter's exit end every worker: the idle ones,
    and the calls in flight, which raise SandboxError. A worker that dies
    while idle is noticed within a fraction of a second, or at the latest
    when it is picked, and replaced.
    """

    def __init__(self, size=2, *, timeout=None, cpu=None, memory=None, nproc=None,
                 output=None, disk=None, fsize=None, network=False, runner=None):
        if not isinstance(size, int) or size < 1:
            raise ValueError("size must be a positive integer, not %r" % (size,))
        self.size = size
        self._runner = find_runner(runner)
        self._argv = runner_argv(self._runner, timeout=timeout, cpu=cpu, memory=memory,
                                 nproc=nproc, output=output, disk=disk, fsize=fsize,
                                 network=network)
        cond = threading.Condition()
        # busy: the workers of the calls in flight, and when each was taken.
        self._state = {"cond": cond, "idle": [], "busy": {}, "starting": 0,
                       "closed": False, "error": None, "thread": None}
        self._cond = cond
        self._finalizer = weakref.finalize(self, _shutdown, self._state)
        # The first worker is started here, so that a runner that is
        # missing or not permitted fails the constructor, not a call.
        try:
            first = _Worker(self._argv)
        except OSError as exc:
            raise start_error(self._runner, exc) from None
        self._state["idle"].append(first)
        self._thread = threading.Thread(target=_maintain, args=(self._state, self._argv,
                                                                self._runner, size),
                                        name="boxed-pool", daemon=True)
        self._state["thread"] = self._thread
        self._thread.start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        """End every worker and stop replacing them: calls in flight and
        later calls raise SandboxError."""
        self._finalizer()

    @property
    def closed(self):
        return self._state["closed"]

    def _take(self):
        state = self._state
        with self._cond:
            while True:
                if state["closed"]:
                    raise SandboxError("the pool is closed")
                if state["idle"]:
                    worker = state["idle"].pop(0)
                    state["busy"][worker] = time.monotonic()
                    return worker
                if state["error"] is not None and not state["starting"]:
                    raise state["error"]
                self._cond.wait()

    def _dead(self, worker, capture):
        """A worker that ended before its request was delivered: a runner
        killed by a signal is replaced silently; one that gave up on its
        own (not permitted, not set up) raises its error."""
        if worker.proc.stdin is not None:
            try:
                worker.proc.stdin.close()
            except BrokenPipeError:
                pass
            worker.proc.stdin = None
        out, returncode, err = worker.collect()
        if returncode is not None and returncode < 0:
            return
        finish(out, returncode, err, "json", capture)
        raise SandboxError("boxed-run exited (status %s) before the request" % returncode)

    def run(self, target, args=(), kwargs=None, *, timeout=None, serializer="json",
            imports=(), capture=False, user="nobody", print_messages=False):
        """Like :func:`boxed.run`, in one of the pool's ready sandboxes.
        ``timeout`` can only lower the pool's."""
        check_user(user)
        request, name = make_request(target, args, kwargs, serializer=serializer,
                                     imports=imports, timeout=timeout)
        while True:
            worker = self._take()
            try:
                if worker.alive() and worker.deliver(request):
                    out, returncode, err = worker.collect()
                    break
                self._dead(worker, capture)
            except BaseException:
                stop(worker.proc)
                raise
            finally:
                with self._cond:
                    del self._state["busy"][worker]
                    self._cond.notify_all()  # its replacement may start
        return finish(out, returncode, err, serializer, capture, name, print_messages)


def _maintain(state, argv, runner, size):
    """Keep ``size`` workers idle; drop and replace the ones that die."""
    cond = state["cond"]
    while True:
        with cond:
            if state["closed"]:
                return
            dead = [w for w in state["idle"] if not w.alive()]
            for worker in dead:
                state["idle"].remove(worker)
            now = time.monotonic()
            waits = [taken + _REPLACE_DELAY - now for taken in state["busy"].values()
                     if now < taken + _REPLACE_DELAY]
            missing = size - len(state["idle"]) - state["starting"] - len(waits)
            if missing <= 0 and not dead:
                cond.wait(min(waits + [_WATCH_INTERVAL]))
                continue
            state["starting"] += max(missing, 0)
        gave_up = False
        for worker in dead:
            worker.discard()
            gave_up = gave_up or worker.proc.returncode >= 0
        if gave_up:
            # A runner that exits by itself while idle is refusing to
            # work (not set up, not permitted): do not spin on it.
            with cond:
                state["error"] = SandboxError(
                    "the pool's runner %s keeps exiting before any request: "
                    "see `boxed-selftest`" % runner)
                cond.wait(1.0)
        started = []
        for _ in range(max(missing, 0)):
            try:
                started.append(_Worker(argv))
            except OSError as exc:
                state["error"] = start_error(runner, exc)
        with cond:
            state["starting"] -= max(missing, 0)
            if state["closed"]:
                leftovers = started
            else:
                state["idle"].extend(started)
                leftovers = []
                if started:
                    state["error"] = None
            cond.notify_all()
        for worker in leftovers:
            worker.discard()
        if not started and missing > 0:
            with cond:
                cond.wait(_WATCH_INTERVAL)
