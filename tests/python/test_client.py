"""The client's pure parts: naming the target, building the request,
serializers, and turning canned responses into values and exceptions. No
runner is started: subprocess.Popen is replaced by a failure."""

import functools
import json
import math
import os
import subprocess
import sys

import pytest

import boxed
from boxed import core

import boxed_targets


@pytest.fixture
def no_process(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a process was started")

    monkeypatch.setattr(subprocess, "Popen", refuse)


def response(result=None, outcome="ok", message=None, stdout="", stderr="", reason=None,
             **limits):
    if reason is None and outcome != "ok":
        reason = {"error": "exception", "timeout": "wall-limit", "memory": "memory-limit",
                  "output-limit": "output-limit", "signal": "signal",
                  "sandbox-error": "setup-failed"}[outcome]
    return json.dumps({
        "result": result, "stdout": stdout, "stderr": stderr,
        "stdout_truncated": False, "stderr_truncated": False,
        "report": {"outcome": outcome, "reason": reason, "message": message,
                   "limits": dict({"timeout": 5, "cpu": 5, "memory": 536870912,
                                   "output": 65536}, **limits)},
    }).encode()


def ok(value):
    """A json-serializer result: the value's JSON text."""
    return {"ok": True, "json": json.dumps(value)}


# -- naming the target -------------------------------------------------------

def test_names_of_module_functions():
    assert core.target_name(math.sqrt) == "math.sqrt"
    assert core.target_name(os.path.join) == os.path.join.__module__ + ".join"
    assert core.target_name(len) == "builtins.len"
    assert core.target_name(dict.fromkeys) == "builtins.dict.fromkeys"
    assert core.target_name(boxed_targets.add) == "boxed_targets.add"
    assert core.target_name(boxed_targets.CustomError) == "boxed_targets.CustomError"
    assert core.target_name("os.getuid") == "os.getuid"


def nested():
    def inner():
        pass
    return inner


@pytest.mark.parametrize("target", [lambda: 1, nested(), [].append,
                                    functools.partial(len), "sqrt", "os;x", 42],
                         ids=["lambda", "nested", "bound", "partial", "undotted",
                              "not-a-name", "not-callable"])
def test_unnameable_targets_raise_typeerror_before_any_process(target, no_process):
    with pytest.raises(TypeError):
        boxed.run(target)


def test_main_function_without_a_file_is_refused(monkeypatch, no_process):
    main = type(sys)("__main__")
    exec("def f():\n    return 1\n", main.__dict__)
    monkeypatch.setitem(sys.modules, "__main__", main)
    with pytest.raises(TypeError, match="__main__"):
        boxed.run(main.f)


def test_main_function_of_a_script_is_named_by_its_path(monkeypatch, tmp_path):
    script = tmp_path / "my_script.py"
    script.write_text("def f():\n    return 1\n")
    main = type(sys)("__main__")
    main.__file__ = str(script)
    exec(script.read_text(), main.__dict__)
    monkeypatch.setitem(sys.modules, "__main__", main)
    assert core.target_name(main.f, [str(tmp_path)]) == "my_script.f"
    with pytest.raises(TypeError, match="__main__"):
        core.target_name(main.f, ["/nonexistent"])


# -- the request ----------------------------------------------------------------

def test_request_shape():
    req = json.loads(core.build_request(math.sqrt, (4,), serializer="json",
                                        imports=["decimal"], timeout=2))
    assert req["target"] == "math.sqrt"
    assert req["args"] == [4] and req["kwargs"] == {}
    assert req["imports"] == ["decimal"] and req["timeout"] == 2.0
    assert req["serializer"] == "json" and "payload" not in req
    assert os.path.abspath(os.path.dirname(boxed_targets.__file__)) in req["sys_path"]


def test_non_json_arguments_fail_before_any_process(no_process):
    with pytest.raises(TypeError, match="JSON"):
        boxed.run(boxed_targets.identity, args=({1, 2},))
    with pytest.raises(TypeError, match="JSON"):
        boxed.run(boxed_targets.identity, args=(float("nan"),))


def test_unserializable_pickle_arguments_fail_before_any_process(no_process):
    with pytest.raises(TypeError, match="pickle"):
        boxed.run(boxed_targets.identity, args=(lambda: 1,), serializer="pickle")


def test_huge_arguments_fail_before_any_process(no_process):
    with pytest.raises(boxed.RequestTooLargeError, match="max_message"):
        boxed.run(boxed_targets.length, args=("x" * (boxed.MAX_MESSAGE + 1),))
    assert issubclass(boxed.RequestTooLargeError, ValueError)


def test_pickle_payload():
    import base64
    import pickle

    req = json.loads(core.build_request(boxed_targets.identity, (b"\x00",),
                                        serializer="pickle"))
    assert "args" not in req
    assert pickle.loads(base64.b64decode(req["payload"])) == ((b"\x00",), {})


def test_unknown_serializer_and_user(no_process):
    with pytest.raises(ValueError, match="serializer"):
        boxed.run(math.sqrt, args=(4,), serializer="marshal")
    with pytest.raises(ValueError, match="user"):
        boxed.run(math.sqrt, args=(4,), user="root")


def test_missing_serializer_says_what_to_install(monkeypatch, no_process):
    monkeypatch.setitem(sys.modules, "dill", None)  # import dill -> ImportError
    with pytest.raises(ImportError, match="apt install python3-dill"):
        boxed.run(math.sqrt, args=(4,), serializer="dill")


def test_runner_argv():
    argv = core.runner_argv("/r", timeout=0.5, memory="256M", output=1000)
    assert argv == ["/r", "--python", "--wait", "--timeout", "0.5", "--memory", "268435456",
                    "--output", "1000", "--no-network"]
    assert "--no-network" not in core.runner_argv("/r", network=True)
    with pytest.raises(ValueError):
        core.runner_argv("/r", timeout=0)


def test_limits_become_runner_options():
    argv = core.runner_argv("/r", cpu=2.5, nproc=4, disk="1G", fsize="2K", network=True)
    # No timeout asks for the configured maximum: the runner clamps.
    assert argv == ["/r", "--python", "--wait", "--timeout", "86400", "--cpu", "3",
                    "--nproc", "4", "--disk", str(1 << 30), "--fsize", "2048"]
    for bad in ({"cpu": 0}, {"cpu": "x"}, {"memory": "1M"}, {"nproc": 0},
                {"disk": "12Q"}, {"output": -1}, {"nproc": True}):
        with pytest.raises(ValueError, match=list(bad)[0] + "="):
            core.runner_argv("/r", **bad)


def test_runner_lookup_order(monkeypatch):
    monkeypatch.setenv("BOXED_RUN", "/from/env")
    assert boxed.find_runner() == "/from/env"
    assert boxed.find_runner("/explicit") == "/explicit"
    monkeypatch.delenv("BOXED_RUN")
    monkeypatch.setitem(sys.modules, "boxed._installed", type(sys)("boxed._installed"))
    sys.modules["boxed._installed"].RUNNER = "/installed/boxed-run"
    assert boxed.find_runner() == "/installed/boxed-run"


# -- the response ------------------------------------------------------------------

def test_value_and_output():
    value, resp = core.interpret(response(ok(2.0), stdout="hi"), 0, b"")
    assert value == 2.0 and resp["stdout"] == "hi"


def test_builtin_exception_is_the_same_type_with_remote_traceback():
    exc = {"type": "KeyError", "module": "builtins", "message": "'k'", "args": '["k"]',
           "traceback": "Traceback ...\nKeyError: 'k'\n"}
    with pytest.raises(KeyError) as info:
        core.interpret(response({"ok": False, "exception": exc}, "error"), 0, b"")
    assert info.value.args == ("k",)
    assert isinstance(info.value.__cause__, boxed.RemoteTraceback)
    assert "KeyError: 'k'" in str(info.value.__cause__)
    assert info.value.remote_traceback.startswith("Traceback")


def test_oserror_keeps_its_subclass():
    exc = {"type": "FileNotFoundError", "module": "builtins", "args": '[2, "No such file"]',
           "message": "[Errno 2] No such file", "traceback": ""}
    with pytest.raises(FileNotFoundError) as info:
        core.interpret(response({"ok": False, "exception": exc}, "error"), 0, b"")
    assert info.value.errno == 2


def test_custom_and_base_exceptions_are_remote_errors():
    exc = {"type": "CustomError", "module": "mod", "message": "boom", "traceback": "tb"}
    with pytest.raises(boxed.RemoteError) as info:
        core.interpret(response({"ok": False, "exception": exc}, "error"), 0, b"")
    assert (info.value.type_name, info.value.module, info.value.message) == (
        "CustomError", "mod", "boom")
    assert "mod.CustomError: boom" in str(info.value)
    # A SystemExit of the function must not end the caller.
    exc = {"type": "SystemExit", "module": "builtins", "message": "3", "args": "[3]"}
    with pytest.raises(boxed.RemoteError):
        core.interpret(response({"ok": False, "exception": exc}, "error"), 0, b"")


@pytest.mark.parametrize("outcome,cls", [("timeout", boxed.TimeoutError),
                                         ("memory", boxed.MemoryLimitError),
                                         ("output-limit", boxed.OutputLimitError),
                                         ("signal", boxed.RemoteError),
                                         ("error", boxed.RemoteError),
                                         ("sandbox-error", boxed.SandboxError)])
def test_outcomes(outcome, cls):
    with pytest.raises(cls) as info:
        core.interpret(response(None, outcome, "why", stdout="partial"),
                       125 if outcome == "sandbox-error" else 0, b"")
    assert isinstance(info.value, boxed.BoxedError)
    assert info.value.stdout == "partial" and info.value.report["outcome"] == outcome


def test_error_classes():
    assert issubclass(boxed.TimeoutError, TimeoutError)
    assert issubclass(boxed.MemoryLimitError, MemoryError)
    for cls in (boxed.RemoteError, boxed.TimeoutError, boxed.MemoryLimitError,
                boxed.OutputLimitError, boxed.SandboxError):
        assert issubclass(cls, boxed.BoxedError)


def test_sandbox_error_carries_the_runners_message_and_a_remedy():
    with pytest.raises(boxed.SandboxError) as info:
        core.interpret(response(None, "sandbox-error", "holds capabilities '' instead",
                                reason="no-capabilities"), 125, b"")
    assert "instead" in str(info.value) and "boxed-setup install" in str(info.value)


def test_the_reason_decides_not_the_message():
    # A message that mentions max_message is not a refused request; the
    # reason code is.
    with pytest.raises(boxed.SandboxError) as info:
        core.interpret(response(None, "sandbox-error", "max_message slots-busy",
                                reason="slots-busy"), 125, b"")
    assert not isinstance(info.value, boxed.RequestTooLargeError)
    assert "slot" in str(info.value)


def test_runner_refusing_a_large_request():
    with pytest.raises(boxed.RequestTooLargeError):
        core.interpret(response(None, "sandbox-error", "the request is too large",
                                reason="request-too-large"), 125, b"")


def test_cpu_limit_is_told_from_the_wall_clock():
    with pytest.raises(boxed.TimeoutError, match="CPU-time limit of 5 s.*cpu=") as info:
        core.interpret(response(None, "timeout", "CPU", reason="cpu-limit"), 0, b"")
    assert (info.value.limit, info.value.timeout) == ("cpu", 5)
    with pytest.raises(boxed.TimeoutError, match="wall-clock limit of 5 s.*timeout="):
        core.interpret(response(None, "timeout", "wall", reason="wall-limit"), 0, b"")


@pytest.mark.parametrize("doc", [
    {"report": {"outcome": "ok"}, "stdout": 1, "stderr": ""},
    {"report": {"outcome": "fine"}, "stdout": "", "stderr": ""},
    {"report": {"outcome": "ok", "reason": 3}, "stdout": "", "stderr": ""},
    {"report": "ok", "stdout": "", "stderr": ""},
    {"result": [], "report": {"outcome": "ok"}, "stdout": "", "stderr": ""},
], ids=["stdout", "outcome", "reason", "report", "result"])
def test_a_response_of_the_wrong_shape_is_refused(doc):
    with pytest.raises(boxed.SandboxError, match="no well-formed response"):
        core.interpret(json.dumps(doc).encode(), 0, b"")


def test_no_response_is_a_sandbox_error():
    with pytest.raises(boxed.SandboxError, match="no well-formed response.*went wrong"):
        core.interpret(b"", 125, b"boxed-run: went wrong\n")


def test_a_json_result_never_unpickles():
    import base64
    import pickle

    forged = {"ok": True, "payload": base64.b64encode(pickle.dumps(1)).decode()}
    with pytest.raises(boxed.BoxedError, match="not JSON"):
        core.interpret(response(forged), 0, b"", "json")


def test_printed_output_is_delivered_or_captured(capsys):
    assert core.finish(response(ok(1), stdout="out\n", stderr="err\n"),
                       0, b"", "json", False) == 1
    assert capsys.readouterr() == ("out\n", "err\n")
    got = core.finish(response(ok(1), stdout="out\n", stderr="err\n"),
                      0, b"", "json", True)
    assert got == boxed.Result(1, "out\n", "err\n")
    assert capsys.readouterr() == ("", "")


# -- talking to the runner process ---------------------------------------------

def test_response_is_taken_without_waiting_for_the_runner_to_exit():
    import time

    proc = subprocess.Popen(["/bin/sh", "-c",
                             'cat >/dev/null; printf \'boxed-response 8\\n{"x": 1}\'; sleep 5'],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        assert core.send(proc, b"request")
        start = time.monotonic()
        out, returncode, err = core.receive(proc)
        assert time.monotonic() - start < 3
        assert (out, returncode, err) == (b'{"x": 1}', None, b"")
    finally:
        proc.kill()


def test_the_frame_not_a_newline_ends_the_response():
    # A newline inside the body ends nothing: exactly LENGTH bytes are read,
    # and what follows them is not part of the response.
    body = b'{"a":\n 1}\n'
    fake = ("import sys, time; sys.stdin.buffer.read(); "
            "sys.stdout.buffer.write(b'boxed-response %d\\n' + %r + b'{\"b\": 2}'); "
            "sys.stdout.flush(); time.sleep(5)" % (len(body), body))
    proc = subprocess.Popen([sys.executable, "-c", fake], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert core.send(proc, b"request")
        assert core.receive(proc) == (body, None, b"")
    finally:
        proc.kill()


def test_without_a_complete_response_stderr_and_status_are_read():
    proc = subprocess.Popen(["/bin/sh", "-c", "printf partial; echo oops >&2; exit 3"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    core.send(proc, b"x" * (1 << 20))  # the runner is gone: no BrokenPipeError
    assert core.receive(proc) == (b"", 3, b"oops\n")
    with pytest.raises(boxed.SandboxError, match="exit status 3.*oops"):
        core.interpret(b"", 3, b"oops\n")


# -- the limits' errors, the bootstrap's members, scripts (pure logic) ------------

@pytest.mark.parametrize("reason,outcome,cls,words", [
    ("wall-limit", "timeout", boxed.TimeoutError, ["wall-clock limit of 5 s", "timeout="]),
    ("cpu-limit", "timeout", boxed.TimeoutError, ["CPU-time limit of 5 s", "cpu="]),
    ("memory-limit", "memory", boxed.MemoryLimitError, ["512 MiB", "memory="]),
    ("output-limit", "output-limit", boxed.OutputLimitError, ["64 KiB", "output="]),
    ("fsize-limit", "signal", boxed.DiskLimitError, ["16 MiB", "fsize="]),
    ("result-too-large", "error", boxed.ResultTooLargeError, ["max_message"]),
])
def test_a_limit_error_names_the_limit_its_value_and_the_parameter(reason, outcome, cls,
                                                                   words):
    with pytest.raises(cls) as info:
        core.interpret(response(None, outcome, "why", reason=reason, fsize=16 << 20), 0, b"",
                       "json", "mod.fn")
    assert info.value.reason == reason and "mod.fn" in str(info.value)
    for word in words:
        assert word in str(info.value)


def exception_response(**info):
    exc = dict({"type": "RuntimeError", "module": "builtins", "message": "m",
                "traceback": ""}, **info)
    return response({"ok": False, "exception": exc}, "error", nproc=1)


def test_a_refused_thread_names_nproc():
    with pytest.raises(RuntimeError) as info:
        core.interpret(exception_response(message="can't start new thread", limit="nproc",
                                          args='["can\'t start new thread"]'), 0, b"")
    assert "can't start new thread" in str(info.value) and "nproc=" in str(info.value)
    # Without the bootstrap's tag, no advice.
    with pytest.raises(RuntimeError) as info:
        core.interpret(exception_response(message="x", args='["x"]'), 0, b"")
    assert str(info.value) == "x"


def test_an_oserror_is_rebuilt_from_its_members():
    with pytest.raises(FileNotFoundError) as info:
        core.interpret(exception_response(type="FileNotFoundError", errno=2,
                                          strerror="No such file or directory",
                                          filename="/a", filename2="/b"), 0, b"")
    err = info.value
    assert (err.errno, err.strerror, err.filename, err.filename2) == (
        2, "No such file or directory", "/a", "/b")


def test_the_bootstraps_refusals_become_boxed_errors():
    with pytest.raises(boxed.ModuleAccessError) as info:
        core.interpret(exception_response(type="ModuleAccessError", module="boxed.errors",
                                          message="cannot import", kind="module-access",
                                          module_name="m", origin="/x/m.py", found=None),
                       0, b"")
    assert (info.value.name, info.value.origin, info.value.found) == ("m", "/x/m.py", None)
    for picklable in (True, False):
        with pytest.raises(boxed.SerializationError) as info:
            core.interpret(exception_response(type="TypeError", kind="result-unserializable",
                                              message="Object of type set is not JSON "
                                              "serializable", picklable=picklable),
                           0, b"", "json", "mod.fn")
        assert "the result of mod.fn" in str(info.value)
        assert ("serializer='pickle'" in str(info.value)) is picklable


def test_print_messages_shows_the_report_and_the_traceback(capsys):
    exc = {"type": "ValueError", "module": "builtins", "message": "bad",
           "traceback": "Traceback (most recent call last):\n  inner()\nValueError: bad\n"}
    with pytest.raises(ValueError):
        core.finish(response({"ok": False, "exception": exc}, "error"), 0, b"", "json",
                    False, "mod.fn", True)
    out = capsys.readouterr().out
    assert "mod.fn" in out and "reason exception" in out and "inner()" in out


@pytest.mark.parametrize("source,line", [
    ("import os\n'''doc'''\nX = 1\ndef f():\n    pass\nif __name__ == '__main__':\n"
     "    f()\n", None),
    ("try:\n    import numpy\nexcept ImportError:\n    numpy = None\ndef f():\n    pass\n",
     None),
    ("def f():\n    pass\nf()\n", 3),
    ("def f():\n    pass\nfor i in range(3):\n    pass\n", 3),
    ("import boxed\ndef f():\n    pass\nr = boxed.run(f)\n", 4),
    ("from boxed import run as go\ndef f():\n    pass\nr = [go(f)]\n", 4),
    ("import sys\ndef f():\n    pass\nif sys.argv:\n    print(1)\n", 5),
])
def test_scripts_whose_top_level_would_run_again(tmp_path, source, line):
    from boxed import target

    script = tmp_path / "script.py"
    script.write_text(source)
    if line is None:
        target.check_script(str(script), "f")
    else:
        with pytest.raises(TypeError, match="line %d.*__name__ == '__main__'" % line):
            target.check_script(str(script), "f")


def test_module_files_name_the_callers_files_only():
    from boxed import target

    files = target.module_files(["boxed_targets.add", "math.sqrt", "os.path.join",
                                 "json.decoder"])
    assert files == {"boxed_targets": os.path.realpath(boxed_targets.__file__)}
    # A module the caller has not imported is found without running it.
    assert "never_imported_here" not in sys.modules
    assert target.module_files(["never_imported_here.f"]) == {}


def test_capture_print_follows_and_keeps_the_text():
    with boxed.capture_print() as out:
        print("a")
        assert out == "a\n"
        print("b", file=sys.stderr)
    assert out == "a\nb\n" and out.read() == "a\nb\n" and out.upper() == "A\nB\n"
