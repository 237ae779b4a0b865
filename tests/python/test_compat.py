"""Code written for boxed 0.3 (fabiommendes/boxed, src/boxed/tests), run
unchanged against the real runner as a real caller in the group: every name
of the original's API, and the shapes of its own tests."""

import io
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

import pytest

import boxed
import boxed.core
import boxed.errors
import boxed.jsonbox
import boxed.picklebox
import boxed.runners
from boxed.core import capture_print
from boxed.errors import CalledProcessError, SerializationError

import boxed_targets

pytestmark = pytest.mark.usefixtures("sandbox")


# The original's own test targets, defined in the test module as its users
# define theirs: the sandbox imports this module by name.

def write_to_file(path, data):
    with open(path, "w") as f:
        f.write(data)


def return_non_picklable_object():
    return lambda x: x * x


def function_that_causes_an_error():
    function_that_raises_an_error()


def function_that_raises_an_error():
    raise ValueError("yeah, it's an error!")


@pytest.fixture
def shared_cwd(monkeypatch):
    """A working directory the caller owns and other users may enter, as
    a project directory usually is."""
    path = tempfile.mkdtemp(prefix="boxed-cwd.", dir="/var/tmp")
    os.chmod(path, 0o755)
    monkeypatch.chdir(path)
    yield path
    shutil.rmtree(path)


# -- the names -------------------------------------------------------------

def test_every_name_of_the_original_api():
    assert boxed.run is boxed.runners.run
    for fn in (boxed.run, boxed.jsonbox.run, boxed.picklebox.run, boxed.runners.run,
               boxed.runners.run_simplebox):
        assert callable(fn)
    assert issubclass(SerializationError, ValueError)
    assert issubclass(CalledProcessError, Exception)
    assert boxed.core.capture_print is capture_print
    version = tuple(int(p) for p in boxed.__version__.split(".")[:3])
    assert version > (0, 3, 11)


def test_signatures_take_the_original_arguments():
    import inspect

    def params(fn):
        return list(inspect.signature(fn).parameters)

    assert params(boxed.run)[:6] == ["target", "args", "kwargs", "timeout", "method",
                                     "serializer"]
    assert {"imports", "user", "print_messages"} <= set(params(boxed.run))
    assert params(boxed.jsonbox.run)[:7] == ["target", "args", "kwargs", "timeout", "user",
                                             "imports", "print_messages"]
    assert params(boxed.picklebox.run)[:8] == ["target", "args", "kwargs", "timeout", "user",
                                               "imports", "serializer", "print_messages"]
    assert params(boxed.runners.run_simplebox)[:7] == ["target", "args", "kwargs", "timeout",
                                                       "serializer", "imports", "user"]


# -- the original's test_boxed.py (picklebox) -------------------------------

def test_pickle_basic_run():
    assert boxed.picklebox.run(math.sqrt, args=(4.0,)) == 2.0


def test_pickle_forbidden_unlink_in_the_callers_directory(shared_cwd):
    write_to_file("trash.dat", "foo")
    try:
        with pytest.raises(PermissionError):
            boxed.picklebox.run(os.unlink, args=("trash.dat",))
        assert os.path.exists("trash.dat")
    finally:
        os.unlink("trash.dat")


def test_pickle_error_propagates():
    with pytest.raises(ValueError):
        boxed.picklebox.run(math.sqrt, args=(-1,))


@pytest.mark.parametrize("user", ["root", "this_is_an_invalid_username", "daemon"])
def test_other_users_are_refused(user):
    for run in (boxed.run, boxed.picklebox.run, boxed.jsonbox.run):
        with pytest.raises(PermissionError) as info:
            run(math.sqrt, (2,), user=user)
        assert isinstance(info.value, ValueError)
        assert "nobody" in str(info.value)
    assert boxed.run(math.sqrt, (4,), user=None) == boxed.run(math.sqrt, (4,), user="nobody")


def test_output_passes_through():
    out = io.StringIO()
    saved, sys.stdout = sys.stdout, out
    try:
        result = boxed.picklebox.run(print, args=("hello world",), print_messages=False)
    finally:
        sys.stdout = saved
    assert result is None
    assert out.getvalue() == "hello world\n"


def test_pickle_serialization_error_of_the_result():
    with pytest.raises(SerializationError, match="pickle"):
        boxed.picklebox.run(return_non_picklable_object)


def test_json_serializer():
    assert boxed.run(math.sqrt, (4,), serializer="json") == 2


# -- the original's test_jsonbox.py and test_core.py -------------------------

def test_json_forbidden_unlink_and_traceback_in_messages(shared_cwd):
    write_to_file("trash.dat", "foo")
    with pytest.raises(PermissionError):
        boxed.jsonbox.run(os.unlink, args=("trash.dat",))
    assert os.path.exists("trash.dat")
    with capture_print() as data:
        with pytest.raises(ValueError):
            boxed.jsonbox.run(function_that_causes_an_error, print_messages=True)
    comments = data.read()
    for word in ("function_that_raises_an_error", "function_that_causes_an_error",
                 "ValueError", "Traceback"):
        assert word in comments


def test_messages_only_when_asked(capsys):
    with pytest.raises(ValueError):
        boxed.run(function_that_causes_an_error)
    assert capsys.readouterr() == ("", "")


def test_capture_print():
    with capture_print() as data:
        print("foo")
        assert data == "foo\n"
        print("bar", file=sys.stderr)
    assert data == "foo\nbar\n"
    assert data.read() == "foo\nbar\n"


# -- what the original did that its tests did not show ------------------------

def test_serialization_errors_name_pickle_and_its_risk():
    with pytest.raises(SerializationError) as info:
        boxed.run(boxed_targets.a_set)
    msg = str(info.value)
    assert "serializer='pickle'" in msg and "trust" in msg
    with pytest.raises(SerializationError, match="serializer='pickle'"):
        boxed.run(boxed_targets.identity, args=(b"bytes",))
    # A value that pickle cannot carry either: no advice to use it.
    with pytest.raises(SerializationError) as info:
        boxed.run(boxed_targets.identity, args=((x for x in ()),))
    assert "serializer='pickle'" not in str(info.value)
    # A tuple is no error: it comes back as a list.
    assert boxed.run(boxed_targets.identity, args=((1, 2),)) == [1, 2]


def test_method():
    assert boxed.run(math.sqrt, (9,), method="best") == 3.0
    assert boxed.run(math.sqrt, (9,), method="simple") == 3.0
    with pytest.raises(ValueError, match="method"):
        boxed.run(math.sqrt, (9,), method="docker")


def test_runners_entry_points():
    assert boxed.runners.run(math.sqrt, (16,)) == 4.0
    assert boxed.runners.run_simplebox(math.sqrt, (16,)) == 4.0
    assert boxed.runners.run_simplebox(boxed_targets.identity, ({1},),
                                       serializer="pickle") == {1}
    # boxed 0.3's picklebox took any of its serializers.
    assert boxed.picklebox.run(math.sqrt, (4,), serializer="json") == 2


def test_timeout_is_every_kind_of_timeout():
    start = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired) as info:
        boxed.run(time.sleep, (30,), timeout=0.3)
    assert time.monotonic() - start < 3
    assert isinstance(info.value, boxed.TimeoutError)
    assert isinstance(info.value, TimeoutError)
    assert info.value.timeout == 0.3 and info.value.cmd == "time.sleep"
    assert "timeout=" in str(info.value)


def test_timeout_none_is_the_configured_maximum():
    with open(os.environ["BOXED_CONFIG"]) as f:
        maximum = json.load(f)["limits"]["max"]["timeout"]
    with pytest.raises(ValueError) as info:
        boxed.run(math.sqrt, (-1,))
    assert info.value.__cause__ is not None
    with pytest.raises(boxed.RemoteError) as info:
        boxed.run(boxed_targets.raise_custom, ("x",))
    assert info.value.report["limits"]["timeout"] == maximum


def test_runs_in_the_callers_directory_when_others_may_enter(shared_cwd, tmp_path,
                                                             monkeypatch):
    cwd, home, tmp = boxed.run(boxed_targets.cwd_home_tmp)
    assert cwd == shared_cwd
    assert home == tmp and home != shared_cwd
    # A directory closed to other users: the run's own directory.
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    monkeypatch.chdir(private)
    cwd, home, tmp = boxed.run(boxed_targets.cwd_home_tmp)
    assert cwd == home == tmp


def test_python_m_boxed_runs_a_command():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    cmd = [sys.executable, "-m", "boxed"]
    got = subprocess.run(cmd + ["/usr/bin/id", "-u"], capture_output=True, env=env, text=True)
    assert got.returncode == 0, got.stderr
    assert int(got.stdout) not in (os.getuid(), 0)
    got = subprocess.run(cmd + ["/bin/sh", "-c", "exit 3"], capture_output=True, env=env)
    assert got.returncode == 3
    got = subprocess.run(cmd, capture_output=True, env=env, text=True)
    assert got.returncode == 0 and "usage" in got.stdout
