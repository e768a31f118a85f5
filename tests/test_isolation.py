"""run_isolated: results, errors, timeouts, crashes and memory limits of a child process.

The targets below are imported by the child through the parent's ``sys.path`` (pytest puts this
folder on it), so each test exercises the real subprocess path.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from unima.errors import InputError, UnsafePathError
from unima.perception.isolation import run_isolated

MODULE = Path(__file__).stem


def describe(path: str, scale: int) -> dict[str, object]:
    return {"path": path, "scale": scale, "values": [1.5, None, "x"], "nested": {"ok": True}}


def refuse(path: str) -> None:
    raise InputError("the mesh declares 10^9 vertices", source=path)


def escape(path: str) -> None:
    raise UnsafePathError("mtllib points outside the folder", source=path)


def chatty() -> str:
    # Stray output from a decoder (Python print and a C-level write) must not corrupt the reply.
    print("hello from the decoder")
    os.write(1, b"raw bytes on fd 1\n")
    return "clean"


def spawn_and_hang(pid_file: str) -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    Path(pid_file).write_text(str(child.pid))
    time.sleep(60)


def test_returns_the_json_result_of_the_target() -> None:
    result = run_isolated(f"{MODULE}:describe", "/data/box.obj", 3)
    assert result == {
        "path": "/data/box.obj",
        "scale": 3,
        "values": [1.5, None, "x"],
        "nested": {"ok": True},
    }


def test_stdlib_targets_and_dotted_attributes() -> None:
    assert run_isolated("os.path:join", "a", "b") == "a/b"
    assert run_isolated("builtins:str.upper", "mesh") == "MESH"


def test_input_error_in_the_child_is_reraised_with_its_message() -> None:
    with pytest.raises(InputError) as caught:
        run_isolated(f"{MODULE}:refuse", "/data/huge.ply")
    assert str(caught.value) == "/data/huge.ply: the mesh declares 10^9 vertices"


def test_input_error_subclasses_keep_their_class() -> None:
    with pytest.raises(UnsafePathError, match="mtllib points outside"):
        run_isolated(f"{MODULE}:escape", "/data/x.obj")


def test_other_exceptions_become_input_errors_naming_type_and_message() -> None:
    with pytest.raises(InputError) as caught:
        run_isolated("builtins:int", "twelve", source="numbers.txt")
    message = str(caught.value)
    assert message.startswith("numbers.txt: builtins:int failed: ValueError: ")
    assert "invalid literal for int()" in message and "'twelve'" in message


def test_a_hang_is_killed_at_the_timeout() -> None:
    started = time.perf_counter()
    with pytest.raises(InputError, match=r"time:sleep timed out after 1 s"):
        run_isolated("time:sleep", 30, timeout_s=1.0)
    assert time.perf_counter() - started < 5


def test_a_timeout_also_kills_grandchildren(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    with pytest.raises(InputError, match="timed out"):
        run_isolated(f"{MODULE}:spawn_and_hang", str(pid_file), timeout_s=2.0)
    grandchild = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(grandchild, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"grandchild {grandchild} survived the timeout")


def test_a_segfault_is_reported_as_a_crash() -> None:
    with pytest.raises(InputError, match=r"ctypes:string_at crashed \(signal 11: SIGSEGV\)"):
        run_isolated("ctypes:string_at", 0)


def test_allocating_past_the_memory_limit_is_refused() -> None:
    with pytest.raises(InputError, match=r"ran out of memory \(limit 512 MiB\)"):
        run_isolated("builtins:bytearray", 1 << 30, memory_bytes=512 << 20)


def test_calls_under_the_memory_limit_succeed() -> None:
    # The limit must leave room for the interpreter itself, not make every call fail.
    assert run_isolated("builtins:len", "x" * 10, memory_bytes=512 << 20) == 10
    assert run_isolated("math:factorial", 20, memory_bytes=512 << 20) == 2432902008176640000


def test_a_result_that_is_not_json_is_a_clear_type_error() -> None:
    with pytest.raises(TypeError, match=r"builtins:frozenset returned a result that is not JSON"):
        run_isolated("builtins:frozenset", [1, 2])


def test_arguments_that_are_not_json_are_refused_before_starting() -> None:
    with pytest.raises(TypeError, match="must be JSON-serialisable"):
        run_isolated("builtins:len", {1, 2})


@pytest.mark.parametrize("target", ["no_colon", ":function", "module:"])
def test_malformed_targets_are_refused(target: str) -> None:
    with pytest.raises(TypeError, match="must be 'module:function'"):
        run_isolated(target)


def test_a_missing_target_module_is_an_error_naming_it() -> None:
    with pytest.raises(InputError, match="ModuleNotFoundError: No module named 'no_such_mod'"):
        run_isolated("no_such_mod:function")


def test_stray_output_does_not_corrupt_the_reply() -> None:
    assert run_isolated(f"{MODULE}:chatty") == "clean"


def test_an_abrupt_exit_without_a_result_is_reported() -> None:
    with pytest.raises(InputError, match=r"os:_exit exited with status 3 without a result"):
        run_isolated("os:_exit", 3)


def test_concurrent_calls_from_threads() -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda n: run_isolated("math:factorial", n), range(8)))
    assert results == [1, 1, 2, 6, 24, 120, 720, 5040]


def test_the_per_call_overhead_stays_small() -> None:
    run_isolated("os.path:join", "a")  # warm the page cache
    started = time.perf_counter()
    for _ in range(3):
        run_isolated("os.path:join", "a")
    per_call = (time.perf_counter() - started) / 3
    # ~35 ms on the 2-core development box; the bound leaves room for a loaded CI machine.
    assert per_call < 1.0
