"""The client against a real, installed runner, as a real caller in the
boxed group (tests/integration/t-python.sh runs this)."""

import math
import os
import signal
import threading
import time

import pytest

import boxed
from boxed import core

import boxed_targets

pytestmark = pytest.mark.usefixtures("sandbox")


def test_doctest_sqrt():
    from boxed import run
    from math import sqrt

    assert run(sqrt, args=(4,), serializer='json') == 2.0


def test_docstring_examples():
    # The examples of the docstrings (run(sqrt, ...) == 2.0, the Pool's), as
    # doctests.
    import doctest

    import boxed.pool

    tried = 0
    for module in (boxed, boxed.core, boxed.pool):
        result = doctest.testmod(module)
        assert result.failed == 0
        tried += result.attempted
    assert tried >= 6


def test_kwargs_strings_and_unicode():
    assert boxed.run(boxed_targets.add, args=("a",), kwargs={"b": "\u00e9\u2603"}) == \
        "a\u00e9\u2603"
    assert boxed.run(boxed_targets.echo, args=(1, [2]), kwargs={"k": None}) == \
        [[1, [2]], {"k": None}]


def test_runs_as_a_slot_uid_not_the_caller():
    uid = boxed.run(os.getuid)
    assert uid != os.getuid() and uid != 0


def test_builtin_exception():
    with pytest.raises(ValueError, match="math domain error") as info:
        boxed.run(math.sqrt, args=(-1,))
    assert isinstance(info.value.__cause__, boxed.RemoteTraceback)
    with pytest.raises(KeyError) as info:
        boxed.run(boxed_targets.raise_key, args=("k",))
    assert info.value.args == ("k",)
    assert "raise_key" in info.value.remote_traceback
    with pytest.raises(FileNotFoundError):
        boxed.run(boxed_targets.raise_oserror, args=("/nonexistent",))


def test_reading_the_callers_files_is_denied(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("x")
    secret.chmod(0o600)
    with pytest.raises(PermissionError):
        boxed.run(boxed_targets.raise_oserror, args=(str(secret),))


def test_network_is_off_unless_asked_for():
    import socket

    with pytest.raises(OSError):
        boxed.run(socket.socket, args=(socket.AF_INET, socket.SOCK_STREAM))
    # With the network, the socket is made; it just is not JSON.
    with pytest.raises(TypeError, match="JSON"):
        boxed.run(socket.socket, args=(socket.AF_INET, socket.SOCK_STREAM), network=True)


def test_large_arguments_and_results_travel():
    text = "y" * (4 << 20)
    assert boxed.run(boxed_targets.length, args=(text,)) == len(text)
    assert len(boxed.run(boxed_targets.identity, args=(text,))) == len(text)


def test_custom_exception():
    with pytest.raises(boxed.RemoteError) as info:
        boxed.run(boxed_targets.raise_custom, args=("boom",))
    err = info.value
    assert (err.type_name, err.module, err.message) == ("CustomError", "boxed_targets", "boom")
    assert "raise CustomError(message)" in err.traceback


def test_timeout():
    start = time.monotonic()
    with pytest.raises(boxed.TimeoutError) as info:
        boxed.run(time.sleep, args=(30,), timeout=0.5)
    assert time.monotonic() - start < 3
    assert isinstance(info.value, TimeoutError)


def test_memory_limit():
    with pytest.raises(boxed.MemoryLimitError) as info:
        boxed.run(bytearray, args=(1 << 40,), memory="256M")
    assert isinstance(info.value, MemoryError)


def test_output_limit():
    with pytest.raises(boxed.OutputLimitError) as info:
        boxed.run(boxed_targets.shout, args=(200000,), output=1000, capture=True)
    assert info.value.stdout == "x" * 1000


def test_printing_goes_to_the_callers_streams(capsys):
    assert boxed.run(boxed_targets.chatty, args=("hello",)) == 5
    assert capsys.readouterr() == ("hello\n", "to stderr: hello\n")


def test_capture_returns_the_output(capsys):
    got = boxed.run(boxed_targets.chatty, args=("hello",), capture=True)
    assert got == boxed.Result(5, "hello\n", "to stderr: hello\n")
    assert got.value == 5
    assert capsys.readouterr() == ("", "")


def test_imports():
    assert boxed.run(boxed_targets.imported, args=("decimal",)) is False
    assert boxed.run(boxed_targets.imported, args=("decimal",), imports=("decimal",)) is True


def test_forged_result_is_not_accepted():
    with pytest.raises(boxed.RemoteError, match="no result") as info:
        boxed.run(boxed_targets.forge, capture=True)
    assert '"json": "42"' in info.value.stdout


@pytest.mark.parametrize("padding", [0, 100000], ids=["short", "past-a-pipe"])
def test_nothing_after_the_result_reaches_the_caller(padding):
    with pytest.raises(boxed.RemoteError) as info:
        boxed.run(boxed_targets.forge_result, args=(padding,))
    report = info.value.report
    assert (report["outcome"], report["reason"]) == ("error", "result-invalid")
    assert report["slot_uid"] != 0 and report["hardening"]["seccomp"] is True


def test_a_result_with_a_key_twice_is_refused():
    with pytest.raises(boxed.RemoteError) as info:
        boxed.run(boxed_targets.duplicate_keys)
    assert info.value.report["reason"] == "result-invalid"
    assert "twice" in info.value.report["message"]


def test_pickle_and_unpicklable_result():
    value = (b"\x00\xff", {1}, 2 + 3j)
    assert boxed.run(boxed_targets.identity, args=(value,), serializer="pickle") == value
    with pytest.raises(TypeError, match="pickle"):
        boxed.run(boxed_targets.unpicklable, serializer="pickle")
    with pytest.raises(TypeError, match="JSON"):
        boxed.run(boxed_targets.a_set)


@pytest.mark.parametrize("name", ["cloudpickle", "dill"])
def test_optional_serializers(name):
    pytest.importorskip(name)
    assert boxed.run(boxed_targets.identity, args=({1, 2},), serializer=name) == {1, 2}


def test_non_json_arguments():
    with pytest.raises(TypeError, match="JSON"):
        boxed.run(boxed_targets.identity, args=(object(),))


def test_huge_arguments_refused_by_the_runner(monkeypatch):
    # Past the client's own check, the runner refuses it too.
    monkeypatch.setattr(core, "MAX_MESSAGE", 1 << 30)
    with pytest.raises(boxed.RequestTooLargeError, match="max_message"):
        boxed.run(boxed_targets.length, args=("x" * (17 << 20),))


def test_32_concurrent_threads_get_their_own_slots():
    results, errors = [], []

    def call():
        try:
            results.append(boxed.run(boxed_targets.uid_while_sleeping, args=(1.5,),
                                     timeout=20))
        except Exception as exc:  # collected, asserted below
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == 32
    # Runs that overlapped in time never shared a uid...
    for i, (uid_a, start_a, end_a) in enumerate(results):
        for uid_b, start_b, end_b in results[i + 1:]:
            if start_a < end_b and start_b < end_a:
                assert uid_a != uid_b
    # ...and the calls did run concurrently.
    peak = max(sum(1 for _, s, e in results if s <= start < e) for _, start, _ in results)
    assert peak >= 16
    assert all(uid != os.getuid() for uid, _, _ in results)


def test_missing_runner(monkeypatch):
    monkeypatch.setenv("BOXED_RUN", "/nonexistent/boxed-run")
    with pytest.raises(boxed.SandboxError, match="not found.*BOXED_RUN"):
        boxed.run(math.sqrt, args=(4,))
    with pytest.raises(boxed.SandboxError, match="not found"):
        boxed.Pool(size=1)


def test_runner_without_its_capabilities(tmp_path):
    # A copy of the runner (the group may read it) has no file
    # capabilities: it must refuse to run anything, and say what to do.
    import shutil

    copy = tmp_path / "boxed-run"
    shutil.copyfile(boxed.find_runner(), copy)
    copy.chmod(0o755)
    with pytest.raises(boxed.SandboxError, match="boxed-setup install") as info:
        boxed.run(math.sqrt, args=(4,), runner=str(copy))
    assert info.value.report["outcome"] == "sandbox-error"


# -- Pool ----------------------------------------------------------------------

def wait_for(cond, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.02)
    return False


def idle_workers(pool):
    with pool._cond:
        return list(pool._state["idle"])


def test_pool_calls_never_reuse_a_sandbox():
    with boxed.Pool(size=2) as pool:
        assert pool.run(math.sqrt, args=(4,)) == 2.0
        seen = [pool.run(boxed_targets.bump) for _ in range(6)]
        # A fresh interpreter each time: the counter never passes 1.
        assert [c for c, _ in seen] == [1] * 6
        assert len({token for _, token in seen}) == 6
        with pytest.raises(ValueError):
            pool.run(math.sqrt, args=(-1,))
        assert pool.run(boxed_targets.chatty, args=("hi",), capture=True) == \
            boxed.Result(2, "hi\n", "to stderr: hi\n")


def test_pool_timeout_starts_at_delivery():
    with boxed.Pool(size=1, timeout=1.0) as pool:
        assert wait_for(lambda: len(idle_workers(pool)) == 1)
        time.sleep(1.5)  # idle longer than the timeout
        assert pool.run(boxed_targets.slow_uid, args=(0.2,)) > 0
        with pytest.raises(boxed.TimeoutError):
            pool.run(time.sleep, args=(5,), timeout=0.3)


def test_pool_replaces_a_worker_killed_while_idle():
    with boxed.Pool(size=2) as pool:
        assert wait_for(lambda: len(idle_workers(pool)) == 2)
        victim = idle_workers(pool)[0]
        os.kill(victim.proc.pid, signal.SIGKILL)
        # Detected in the background and replaced.
        assert wait_for(lambda: victim not in idle_workers(pool)
                        and len(idle_workers(pool)) == 2
                        and all(w.alive() for w in idle_workers(pool)))
        assert pool.run(math.sqrt, args=(9,)) == 3.0
        # Killed and gone by the time of the next call, before the
        # background check saw it: the call skips it.
        for worker in idle_workers(pool):
            os.kill(worker.proc.pid, signal.SIGKILL)
            worker.proc.wait()
        assert pool.run(math.sqrt, args=(16,)) == 4.0


def test_pool_close_ends_idle_workers():
    pool = boxed.Pool(size=2)
    assert wait_for(lambda: len(idle_workers(pool)) == 2)
    procs = [w.proc for w in idle_workers(pool)]
    pool.close()
    assert all(p.returncode is not None for p in procs)
    with pytest.raises(boxed.SandboxError, match="closed"):
        pool.run(math.sqrt, args=(4,))


def test_pool_threads():
    with boxed.Pool(size=2) as pool:
        out = []
        threads = [threading.Thread(target=lambda i=i: out.append(pool.run(
            boxed_targets.add, args=(i, 1)))) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(out) == list(range(1, 9))
