"""What a real workload needs from Python (the limits it can raise, the
errors that say how, results, exceptions, Ctrl-C, the caller's modules),
each through the real runner as a real caller in the group."""

import errno
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time

import pytest

import boxed

import boxed_targets

pytestmark = pytest.mark.usefixtures("sandbox")


@pytest.fixture
def shared_dir():
    """A directory the caller owns and other users may read (pytest's own
    temporary directories are closed to them)."""
    path = tempfile.mkdtemp(prefix="boxed-mod.", dir="/var/tmp")
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path)


# -- limits ------------------------------------------------------------------

def test_cpu_limit_is_named_and_raised_by_cpu():
    with pytest.raises(boxed.TimeoutError) as info:
        boxed.run(boxed_targets.spin, (3,), timeout=20, cpu=1)
    err = info.value
    assert err.limit == "cpu" and err.reason == "cpu-limit"
    assert "CPU" in str(err) and "1 s" in str(err) and "cpu=" in str(err)
    assert boxed.run(boxed_targets.spin, (1.2,), cpu=3) is True


def test_memory_limit_is_named_and_raised_by_memory():
    with pytest.raises(boxed.MemoryLimitError) as info:
        boxed.run(boxed_targets.allocate, (200 << 20,), memory="64M")
    assert "64 MiB" in str(info.value) and "memory=" in str(info.value)
    assert boxed.run(boxed_targets.allocate, (200 << 20,), memory="400M") == 200 << 20


def test_output_limit_is_named_and_raised_by_output():
    with pytest.raises(boxed.OutputLimitError) as info:
        boxed.run(boxed_targets.shout, (5000,), output=1000, capture=True)
    msg = str(info.value)
    assert "1000 bytes" in msg and "stdout" in msg and "output=" in msg
    assert boxed.run(boxed_targets.shout, (5000,), output=8000, capture=True).stdout == \
        "x" * 5000


def test_timeout_is_named_and_raised_by_timeout():
    with pytest.raises(boxed.TimeoutError) as info:
        boxed.run(time.sleep, (5,), timeout=0.2)
    assert info.value.limit == "timeout" and "0.2 s" in str(info.value)
    assert "timeout=" in str(info.value)


def test_threads_and_processes_need_nproc():
    with pytest.raises(RuntimeError, match="nproc=") as info:
        boxed.run(boxed_targets.threads, (4,))
    assert "can't start new thread" in str(info.value)
    assert boxed.run(boxed_targets.threads, (4,), nproc=8) == [1, 2, 3, 4]
    with pytest.raises(OSError) as info:
        boxed.run(boxed_targets.child_process)
    assert info.value.errno == errno.EAGAIN
    assert any("nproc=" in note for note in getattr(info.value, "__notes__", []))
    assert boxed.run(boxed_targets.child_process, nproc=4) == 0


def test_disk_limit_is_named_and_raised_by_disk():
    with pytest.raises(OSError) as info:
        boxed.run(boxed_targets.fill_tmp, (4 << 20,), disk="1M")
    assert info.value.errno in (errno.ENOSPC, errno.EFBIG)
    assert any("disk=" in note or "fsize=" in note
               for note in getattr(info.value, "__notes__", []))
    assert boxed.run(boxed_targets.fill_tmp, (4 << 20,), disk="16M") == 4 << 20


def test_fsize_limit_is_named_and_raised_by_fsize():
    with pytest.raises(OSError) as info:
        boxed.run(boxed_targets.fill_tmp, (64 << 10,), fsize="16K")
    assert info.value.errno == errno.EFBIG
    assert any("16 KiB" in note and "fsize=" in note for note in info.value.__notes__)


def test_limits_are_clamped_by_the_configured_maximum():
    with pytest.raises(boxed.RemoteError) as info:
        boxed.run(boxed_targets.raise_custom, ("x",), nproc=1 << 30, cpu=1 << 30)
    limits = info.value.report["limits"]
    assert limits["nproc"] < 1 << 30 and limits["cpu"] < 1 << 30


def test_pool_takes_the_limits():
    with boxed.Pool(size=1, nproc=8, cpu=1, memory="256M") as pool:
        assert pool.run(boxed_targets.threads, (4,)) == [1, 2, 3, 4]
        with pytest.raises(boxed.TimeoutError, match="cpu="):
            pool.run(boxed_targets.spin, (3,))


# -- results ---------------------------------------------------------------------

def test_result_over_the_message_limit():
    with pytest.raises(boxed.ResultTooLargeError, match="max_message") as info:
        boxed.run(boxed_targets.big, (17 << 20,), capture=True)
    assert info.value.reason == "result-too-large"
    assert "Traceback" not in info.value.stderr and "BrokenPipe" not in info.value.stderr


def test_very_deep_result_is_a_boxed_error():
    with pytest.raises(boxed.BoxedError) as info:
        boxed.run(boxed_targets.nested, (990,))
    assert not isinstance(info.value, RecursionError)
    assert boxed.run(boxed_targets.nested, (3,)) == [[[[]]]]


# -- exceptions ------------------------------------------------------------------

@pytest.mark.parametrize("serializer", ["json", "pickle"])
def test_oserror_keeps_errno_strerror_and_filename(serializer):
    with pytest.raises(FileNotFoundError) as info:
        boxed.run(boxed_targets.raise_oserror, ("/nonexistent/file",), serializer=serializer)
    err = info.value
    assert (err.errno, err.strerror, err.filename) == (
        errno.ENOENT, os.strerror(errno.ENOENT), "/nonexistent/file")
    with pytest.raises(FileNotFoundError) as info:
        boxed.run(os.rename, ("/nonexistent/a", "/nonexistent/b"), serializer=serializer)
    assert (info.value.filename, info.value.filename2) == ("/nonexistent/a", "/nonexistent/b")


def test_pickled_exception_keeps_its_attributes():
    with pytest.raises(boxed_targets.AttributedError) as info:
        boxed.run(boxed_targets.raise_attributed, (42,), serializer="pickle")
    assert info.value.code == 42
    assert isinstance(info.value.__cause__, boxed.RemoteTraceback)
    # With json, the type does not travel: RemoteError names it.
    with pytest.raises(boxed.RemoteError) as info:
        boxed.run(boxed_targets.raise_attributed, (42,))
    assert info.value.type_name == "AttributedError"
    # A class the caller cannot import: RemoteError, as with json.
    with pytest.raises(boxed.RemoteError) as info:
        boxed.run(boxed_targets.raise_local_class, serializer="pickle")
    assert info.value.type_name == "SandboxOnlyError"


# -- Ctrl-C, SIGTERM and a dying caller ----------------------------------------------

CALLER = textwrap.dedent("""\
    import sys, time
    import boxed
    pool = boxed.Pool(size=1) if sys.argv[1] == "pool" else None
    if pool:
        while not pool._state["idle"] or pool._state["starting"]:
            time.sleep(0.01)
        # The worker this call takes: its runner and its sandbox.
        print("ready", pool._state["idle"][0].proc.pid, flush=True)
    else:
        print("ready 0", flush=True)
    try:
        (pool.run if pool else boxed.run)(time.sleep, (60,), timeout=120)
    except KeyboardInterrupt:
        print("interrupted", time.monotonic(), flush=True)
        time.sleep(30)
""")


def descendants(pid):
    """Every process descended from pid, as the host's /proc shows them."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def alive(pids):
    """The pids that still exist and are not zombies."""
    out = []
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as f:
                if f.read().rsplit(")", 1)[1].split()[0] != "Z":
                    out.append(pid)
        except OSError:
            pass
    return out


def client_env():
    return dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))


def start_caller(kind):
    """A caller blocked in a call of time.sleep(60), and the processes of
    that call: its runner and everything under it."""
    proc = subprocess.Popen([sys.executable, "-c", CALLER, kind], stdout=subprocess.PIPE,
                            env=client_env(), text=True)
    word, runner = proc.stdout.readline().split()
    assert word == "ready"
    time.sleep(0.3)  # the request delivered, the function asleep
    if int(runner):
        sandbox = [int(runner)] + descendants(int(runner))
    else:
        sandbox = descendants(proc.pid)
    assert len(sandbox) >= 2
    return proc, sandbox


def gone_within(pids, seconds):
    deadline = time.monotonic() + seconds
    while alive(pids) and time.monotonic() < deadline:
        time.sleep(0.002)
    return not alive(pids)


@pytest.mark.parametrize("kind", ["run", "pool"])
def test_ctrl_c_ends_the_sandbox_within_100ms(kind):
    proc, sandbox = start_caller(kind)
    try:
        start = time.monotonic()
        proc.send_signal(signal.SIGINT)
        word, when = proc.stdout.readline().split()
        assert word == "interrupted"
        # The KeyboardInterrupt propagates once the sandbox is gone.
        assert not alive(sandbox)
        assert float(when) - start < 0.1
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("signum,bound", [(signal.SIGTERM, 0.1), (signal.SIGKILL, 1.0)])
def test_a_dying_caller_takes_its_sandbox_along(signum, bound):
    proc, sandbox = start_caller("run")
    start = time.monotonic()
    proc.send_signal(signum)
    proc.wait()
    try:
        assert gone_within(sandbox, bound), "still running %.3f s after the caller's death" % (
            time.monotonic() - start)
    finally:
        for pid in alive(sandbox):  # the runner is the caller's: do not leave it
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


POOL = textwrap.dedent("""\
    import gc, sys, threading, time
    import boxed
    how = sys.argv[1]
    pool = boxed.Pool(size=3)
    if how != "gc":  # a call in flight keeps the pool referenced
        threading.Thread(target=pool.run, args=(time.sleep, (60,)), daemon=True).start()
    while len(pool._state["idle"]) < 3 or (how != "gc" and not pool._state["busy"]):
        time.sleep(0.01)
    print("ready", flush=True)
    sys.stdin.readline()
    if how == "close":
        pool.close()
    elif how == "gc":
        del pool
        gc.collect()
    if how != "exit":
        print("done", flush=True)
        sys.stdin.readline()
""")


@pytest.mark.parametrize("how", ["close", "gc", "exit"])
def test_pool_ends_all_its_sandboxes(how):
    proc = subprocess.Popen([sys.executable, "-c", POOL, how], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, env=client_env(), text=True)
    try:
        assert proc.stdout.readline() == "ready\n"
        time.sleep(0.3)
        sandbox = descendants(proc.pid)
        assert len(sandbox) >= (6 if how == "gc" else 8)  # each runner with its sandbox
        proc.stdin.write("\n")
        proc.stdin.flush()
        if how == "exit":
            proc.wait(10)
        else:
            assert proc.stdout.readline() == "done\n"
        assert gone_within(sandbox, 3.0)
    finally:
        proc.kill()
        proc.wait()


# -- the caller's modules ---------------------------------------------------------

def write_module(directory, name, body):
    path = os.path.join(directory, name + ".py")
    with open(path, "w") as f:
        f.write(body)
    os.chmod(path, 0o644)
    return path


def test_a_shadowed_module_is_refused(shared_dir, monkeypatch):
    # The caller's own module sits in a directory closed to other users;
    # a same-named one, which another user could have planted, sits on a
    # later sys.path entry.
    private, public = os.path.join(shared_dir, "mine"), os.path.join(shared_dir, "public")
    os.mkdir(private, 0o700)
    os.mkdir(public, 0o755)
    mine = write_module(private, "shadowme", "def who():\n    return 'mine'\n")
    other = write_module(public, "shadowme", "def who():\n    return 'planted'\n")
    monkeypatch.syspath_prepend(public)
    monkeypatch.syspath_prepend(private)
    monkeypatch.delitem(sys.modules, "shadowme", raising=False)
    import shadowme

    assert shadowme.__file__ == mine
    with pytest.raises(boxed.ModuleAccessError) as info:
        boxed.run(shadowme.who)
    msg = str(info.value)
    assert mine in msg and other in msg and "chmod o+x %s" % private in msg
    assert isinstance(info.value, ImportError)
    assert (info.value.origin, info.value.found) == (mine, other)
    # The same for imports=.
    with pytest.raises(boxed.ModuleAccessError, match="shadowme"):
        boxed.run(boxed_targets.imported, ("shadowme",), imports=("shadowme",))
    # Readable by others: it runs, and it is the caller's module.
    os.chmod(private, 0o755)
    assert boxed.run(shadowme.who) == "mine"


def test_a_module_in_a_closed_home_says_so(shared_dir, monkeypatch):
    home = os.path.join(shared_dir, "home")
    os.mkdir(home, 0o700)
    write_module(home, "closedmod", "def f():\n    return 1\n")
    monkeypatch.syspath_prepend(home)
    monkeypatch.delitem(sys.modules, "closedmod", raising=False)
    import closedmod

    with pytest.raises(boxed.ModuleAccessError) as info:
        boxed.run(closedmod.f)
    assert "%s (mode 0700) is closed to other users" % home in str(info.value)
    # A directory others may enter, with a file only its owner may read.
    os.chmod(home, 0o755)
    os.chmod(closedmod.__file__, 0o600)
    with pytest.raises(boxed.ModuleAccessError, match="chmod o\\+r"):
        boxed.run(closedmod.f)


def run_script(directory, body):
    path = write_module(directory, "myscript", textwrap.dedent(body))
    return subprocess.run([sys.executable, path], capture_output=True, text=True,
                          env=client_env(), cwd=directory)


def test_an_unguarded_script_is_refused_with_the_advice(shared_dir):
    got = run_script(shared_dir, """\
        import boxed

        def double(x):
            return 2 * x

        print(boxed.run(double, (21,)))
    """)
    assert got.returncode == 1
    assert "TypeError" in got.stderr and "if __name__ == '__main__':" in got.stderr
    assert "line 6" in got.stderr
    got = run_script(shared_dir, """\
        import boxed

        def double(x):
            return 2 * x

        if __name__ == '__main__':
            print(boxed.run(double, (21,)))
    """)
    assert (got.returncode, got.stdout) == (0, "42\n"), got.stderr
