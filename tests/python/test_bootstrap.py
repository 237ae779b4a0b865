"""The bootstrap on its own, without a sandbox: the interpreter runs it
with the request on fd 3 and the result on fd 4, as boxed-run does."""

import base64
import json
import os
import pickle
import signal
import threading

import pytest

from conftest import HERE, bootstrap_path

PYTHON = "/usr/bin/python3"


def boot(request, flags=(), timeout=30):
    """Run the bootstrap on request (bytes, or an object sent as JSON),
    with extra interpreter flags. Returns (exit status, result bytes,
    stdout, stderr); the exit status is 0 when the bootstrap stopped itself
    after its result, as it does for the runner."""
    status, res, out, err = spawn(request, flags, timeout)
    if os.WIFSTOPPED(status) and os.WSTOPSIG(status) == signal.SIGSTOP:
        return 0, res, out, err
    return os.waitstatus_to_exitcode(status), res, out, err


def spawn(request, flags=(), timeout=30):
    """As boot(), with the raw wait status: after its result the bootstrap
    stops itself, so that the runner can read its CPU time and peak RSS
    before it kills it (docs/protocol.md); this kills it likewise."""
    if not isinstance(request, bytes):
        request = json.dumps(request).encode()
    fds = {name: os.pipe() for name in ("req", "res", "out", "err")}
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
        (os.POSIX_SPAWN_DUP2, fds["out"][1], 1),
        (os.POSIX_SPAWN_DUP2, fds["err"][1], 2),
        (os.POSIX_SPAWN_DUP2, fds["req"][0], 3),
        (os.POSIX_SPAWN_DUP2, fds["res"][1], 4),
    ]
    pid = os.posix_spawn(PYTHON, [PYTHON, "-I", "-S", *flags, bootstrap_path()],
                         {"PATH": "/usr/bin:/bin"}, file_actions=actions)
    for name in ("req", "res", "out", "err"):
        os.close(fds[name][0] if name == "req" else fds[name][1])
    got = {}

    def drain(name):
        chunks = []
        while True:
            chunk = os.read(fds[name][0], 65536)
            if not chunk:
                break
            chunks.append(chunk)
        os.close(fds[name][0])
        got[name] = b"".join(chunks)

    readers = [threading.Thread(target=drain, args=(n,)) for n in ("res", "out", "err")]
    for t in readers:
        t.start()
    try:
        _write_all(fds["req"][1], request)
    except BrokenPipeError:
        pass  # the child ended without reading it: its result says why
    os.close(fds["req"][1])
    # The stopped bootstrap keeps its pipes open: the readers see their
    # ends once it is killed.
    _, status = os.waitpid(pid, os.WUNTRACED)
    if os.WIFSTOPPED(status):
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    for t in readers:
        t.join(timeout)
    return status, got["res"], got["out"], got["err"]


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def result_of(request):
    code, res, _, err = boot(request)
    assert code == 0, err
    return json.loads(res)


def value(result):
    """The return value in a json-serializer result: its JSON text."""
    assert result["ok"] is True and set(result) == {"ok", "json"}, result
    return json.loads(result["json"])


def test_sqrt_is_a_float():
    code, res, out, err = boot({"target": "math.sqrt", "args": [4]})
    assert (code, out, err) == (0, b"", b"")
    assert res == b'{"ok": true, "json": "2.0"}'


def test_stops_itself_after_the_result():
    status, res, out, err = spawn({"target": "math.sqrt", "args": [9]})
    assert os.WIFSTOPPED(status) and os.WSTOPSIG(status) == signal.SIGSTOP, (status, err)
    assert res == b'{"ok": true, "json": "3.0"}'


def test_kwargs_and_dotted_module_path():
    res = result_of({"target": "os.path.join", "args": ["a"], "kwargs": {}})
    assert value(res) == "a"
    res = result_of({"target": "collections.OrderedDict.fromkeys", "args": [["k"]]})
    assert value(res) == {"k": None}
    res = result_of({"target": "xml.dom.minidom.parseString.__name__.upper"})
    assert value(res) == "PARSESTRING"


def test_exception_carries_type_message_args_traceback():
    res = result_of({"target": "math.sqrt", "args": [-1]})
    assert res["ok"] is False
    exc = res["exception"]
    assert (exc["type"], exc["module"], exc["message"]) == ("ValueError", "builtins",
                                                           "math domain error")
    assert json.loads(exc["args"]) == ["math domain error"]
    assert exc["traceback"].endswith("ValueError: math domain error\n")
    # The bootstrap's own frames are not part of the function's traceback.
    assert "boxed_bootstrap" not in exc["traceback"]


def test_exception_of_a_python_function_has_its_frames():
    res = result_of({"target": "boxed_targets.raise_custom", "args": ["boom"],
                     "sys_path": [HERE]})
    exc = res["exception"]
    assert (exc["type"], exc["module"], exc["message"]) == ("CustomError", "boxed_targets",
                                                           "boom")
    assert 'boxed_targets.py", line' in exc["traceback"]


def test_sys_path_is_needed_and_applied():
    res = result_of({"target": "boxed_targets.add", "args": [1, 2]})
    assert res["exception"]["type"] == "ModuleNotFoundError"
    assert value(result_of({"target": "boxed_targets.add", "args": [1, 2],
                            "sys_path": [HERE]})) == 3


def test_imports_before_the_target():
    req = {"target": "boxed_targets.imported", "args": ["decimal"], "sys_path": [HERE]}
    assert value(result_of(req)) is False
    req["imports"] = ["decimal"]
    assert value(result_of(req)) is True


def test_output_goes_to_fds_1_and_2_never_to_the_result():
    code, res, out, err = boot({"target": "boxed_targets.chatty", "args": ["hi"],
                                "sys_path": [HERE]})
    assert code == 0
    assert value(json.loads(res)) == 2
    assert out == b"hi\n" and err == b"to stderr: hi\n"


def test_forged_output_is_only_output():
    code, res, out, _ = boot({"target": "boxed_targets.forge", "sys_path": [HERE]})
    assert res == b""  # no result at all: the runner calls that an error
    assert b'"json": "42"' in out


def test_result_that_is_not_json():
    res = result_of({"target": "boxed_targets.a_set", "sys_path": [HERE]})
    assert res["exception"]["type"] == "TypeError"
    assert "not JSON serializable" in res["exception"]["message"]
    res = result_of({"target": "builtins.float", "args": ["nan"]})
    assert res["exception"]["type"] == "ValueError"


def test_result_is_ascii_json():
    code, res, _, _ = boot({"target": "boxed_targets.identity", "args": ["\u00e9\u2603"],
                            "sys_path": [HERE]})
    res.decode("ascii")
    assert value(json.loads(res)) == "\u00e9\u2603"


def test_pickle_payload_both_ways():
    payload = base64.b64encode(pickle.dumps(((b"\x00\xff",), {}))).decode()
    res = result_of({"target": "boxed_targets.identity", "serializer": "pickle",
                     "payload": payload, "sys_path": [HERE]})
    assert pickle.loads(base64.b64decode(res["payload"])) == b"\x00\xff"


def test_unpicklable_result():
    payload = base64.b64encode(pickle.dumps(((), {}))).decode()
    res = result_of({"target": "boxed_targets.unpicklable", "serializer": "pickle",
                     "payload": payload, "sys_path": [HERE]})
    assert res["exception"]["type"] == "TypeError"
    assert "pickle" in res["exception"]["message"]


@pytest.mark.parametrize("request_bytes", [b"", b"[1]", b"{", b"\xff\xfe",
                                           b'{"target": "math.sqrt"} x',
                                           b'{"target": "os;system"}'])
def test_bad_requests_are_exceptions_not_crashes(request_bytes):
    code, res, _, err = boot(request_bytes)
    assert code == 0, err
    assert json.loads(res)["ok"] is False


def test_system_exit_of_the_function_is_reported():
    res = result_of({"target": "boxed_targets.exit_program", "args": [3],
                     "sys_path": [HERE]})
    assert res["exception"]["type"] == "SystemExit"


def test_start_up_imports_only_the_interpreters_own_modules():
    # What a pool's waiting sandbox has loaded is what the interpreter
    # loads anyway, plus _json: no json package (it pulls in re), nothing
    # of the caller's. -X importtime lists every import on stderr.
    code, res, _, err = boot({"target": "math.sqrt", "args": [4]}, ("-X", "importtime"))
    assert value(json.loads(res)) == 2.0
    names = {line.split("|")[-1].strip() for line in err.decode().splitlines()[1:]}
    baseline = {"_io", "marshal", "posix", "_frozen_importlib_external", "time", "zipimport",
                "_codecs", "codecs", "encodings.aliases", "encodings", "encodings.utf_8",
                "_signal", "_abc", "abc", "io"}
    assert names - baseline == {"_json", "math"}


# -- the stub and the compiled body ---------------------------------------------

@pytest.fixture
def installed(tmp_path, monkeypatch):
    """A copy of the stub and the body, laid out as `make install` does."""
    import shutil

    src = os.path.dirname(bootstrap_path())
    shutil.copy(bootstrap_path(), tmp_path / "bootstrap.py")
    shutil.copy(os.path.join(src, "bootstrap_main.py"), tmp_path / "bootstrap_main.py")
    for f in tmp_path.iterdir():
        f.chmod(0o644)
    monkeypatch.setenv("BOXED_BOOTSTRAP", str(tmp_path / "bootstrap.py"))
    return tmp_path


def compile_body(directory, source=None):
    import py_compile

    body = directory / "bootstrap_main.py"
    if source is not None:
        alt = directory / "alt_main.py"
        alt.write_text(source)
        body = alt
    py_compile.compile(str(body), cfile=str(directory / "bootstrap_main.pyc"), doraise=True,
                       invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    (directory / "bootstrap_main.pyc").chmod(0o644)


def test_stub_prefers_the_compiled_body(installed):
    assert value(result_of({"target": "math.sqrt", "args": [4]})) == 2.0  # from source
    compile_body(installed)
    assert value(result_of({"target": "math.sqrt", "args": [4]})) == 2.0  # from the pyc
    # Proof that the pyc, not the source, is what runs.
    compile_body(installed, "from posix import read, write\nread(3, 1 << 16)\n"
                 "write(4, b'{\"ok\": true, \"json\": \"7\"}')\n")
    assert value(result_of({"target": "math.sqrt", "args": [4]})) == 7


def test_stub_falls_back_to_the_source_on_a_foreign_pyc(installed):
    (installed / "bootstrap_main.pyc").write_bytes(b"\x00\x00\r\n" + b"\x00" * 40)
    assert value(result_of({"target": "math.sqrt", "args": [4]})) == 2.0


def test_stub_refuses_a_body_writable_by_others(installed):
    compile_body(installed)
    (installed / "bootstrap_main.pyc").chmod(0o666)
    code, res, _, err = boot({"target": "math.sqrt", "args": [4]})
    assert res == b"" and b"writable by others" in err
