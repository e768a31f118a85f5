"""Run a risky decoder in a fresh Python subprocess, so its hang or crash cannot take unima down.

PDF, DOCX, video and 3D decoders parse hostile bytes with C extensions and deep Python stacks; a
bad file can hang them, exhaust memory or segfault the interpreter. ``run_isolated`` calls the
function ``"module:function"`` in a child process (``python -I unima/perception/isolation_worker.py``)
with ``RLIMIT_AS`` (memory), ``RLIMIT_CPU`` (a backstop to the wall clock) and no core dumps, and
kills the child's whole process group when the wall-clock timeout passes::

    facts = run_isolated("unima.perception.mesh_decode:decode_mesh", str(path), ..., timeout_s=60)

Arguments and the result travel as JSON over pipes, never pickle: the parent never unpickles
anything a compromised child could have crafted. Design the target as a top-level function that
takes strings and numbers (a path, a scratch folder) and returns a JSON-serialisable dict.

Overhead: measured on the 2-core development box, one call to a trivial target costs about
35 ms wall (a bare interpreter start is ~20 ms; the worker imports only ``json``, ``resource``
and ``unima.errors``). The target's own imports come on top: a target inside
``unima.perception`` pays that package's import (pydantic models, ~120 ms), numpy ~80 ms,
trimesh ~280 ms, so a 3D decode in isolation costs about 0.4 s more than in-process (a small
mesh takes ~0.7 s in all, load, measurements and three projections included).
``tests/test_isolation.py`` pins a loose bound on the bare overhead.

The child inherits the parent's ``sys.path`` (so targets defined in tests or plugins resolve the
same way) and environment, with BLAS/OpenMP threads pinned to one and glibc malloc arenas capped:
their per-thread reservations of virtual memory would otherwise trip ``RLIMIT_AS`` long before
real memory runs out.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from unima import errors
from unima.errors import InputError

# Run by file path in isolated mode (-I): ``-m unima.perception.isolation_worker`` would first
# import the ``unima.perception`` package (pydantic models, ~120 ms) for nothing, and -I keeps
# the worker's own folder off sys.path (``unima/perception/code.py`` would shadow stdlib ``code``).
WORKER_PATH = str(Path(__file__).with_name("isolation_worker.py"))
STDERR_TAIL_CHARACTERS = 800
CPU_GRACE_SECONDS = 5
# Environment defaults for the child (only set when the caller has not chosen otherwise).
CHILD_ENVIRONMENT_DEFAULTS = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "MALLOC_ARENA_MAX": "2",
}


def run_isolated(
    target: str,
    /,
    *args: Any,
    timeout_s: float = 30.0,
    memory_bytes: int | None = 2 << 30,
    source: str | None = None,
) -> Any:
    """Call ``target(*args)`` in a fresh subprocess and return its result.

    Args:
        target: ``"package.module:function"``; the function must be importable at top level.
        *args: JSON-serialisable positional arguments.
        timeout_s: Wall-clock limit; the child's process group is killed when it passes.
        memory_bytes: ``RLIMIT_AS`` of the child (virtual memory), or ``None`` for no limit.
        source: The file or value the call is about (a path); errors raised here name it.

    Returns:
        The target's return value, decoded from JSON (tuples come back as lists).

    Raises:
        InputError: The child timed out, crashed (a signal), ran out of memory, or raised. An
            ``InputError`` (or subclass) raised in the child is re-raised with the same class
            and message; any other exception becomes an ``InputError`` naming the target and
            the child's exception type and message.
        TypeError: ``target`` is not ``"module:function"``, an argument is not
            JSON-serialisable, or the target returned something that is not (a bug in the
            target, not in the input).
    """
    module_name, colon, function_name = target.partition(":")
    if not colon or not module_name or not function_name:
        raise TypeError(f"run_isolated target must be 'module:function', got {target!r}")
    request = {
        "target": target,
        "args": list(args),
        "memory_bytes": memory_bytes,
        "cpu_seconds": math.ceil(timeout_s) + CPU_GRACE_SECONDS,
        "sys_path": [entry for entry in sys.path if entry],
    }
    try:
        payload = json.dumps(request).encode("utf-8")
    except (TypeError, ValueError) as error:
        raise TypeError(f"arguments to {target} must be JSON-serialisable: {error}") from error

    environment = dict(os.environ)
    for name, value in CHILD_ENVIRONMENT_DEFAULTS.items():
        environment.setdefault(name, value)
    with tempfile.TemporaryFile() as stderr_file:
        process = subprocess.Popen(
            [sys.executable, "-I", "-X", "faulthandler", WORKER_PATH],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr_file,  # a file, not a pipe: a chatty child cannot fill it and block
            env=environment,
            start_new_session=True,  # its own process group, so a timeout kills grandchildren too
            close_fds=True,
        )
        try:
            stdout, _ = process.communicate(payload, timeout=timeout_s)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            process.communicate()
            raise InputError(f"{target} timed out after {timeout_s:g} s", source=source) from None
        except BaseException:  # KeyboardInterrupt and friends: never leave the child running
            _kill_group(process)
            process.communicate()
            raise
        finally:
            _kill_group(process)  # grandchildren the target left behind
        stderr_file.seek(0)
        stderr_tail = stderr_file.read()[-STDERR_TAIL_CHARACTERS:].decode("utf-8", "replace")
    return _interpret(target, process.returncode, stdout, stderr_tail, memory_bytes, source)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def _interpret(
    target: str,
    returncode: int,
    stdout: bytes,
    stderr_tail: str,
    memory_bytes: int | None,
    source: str | None,
) -> Any:
    reply: dict[str, Any] | None = None
    if stdout:
        try:
            reply = json.loads(stdout)
        except ValueError:
            reply = None
    if reply is None:
        detail = _last_line(stderr_tail)
        if returncode < 0:
            number = -returncode
            try:
                name = signal.Signals(number).name
            except ValueError:
                name = "unknown signal"
            hint = " (possibly out of memory)" if name in {"SIGKILL", "SIGABRT"} else ""
            message = f"{target} crashed (signal {number}: {name}){hint}"
        else:
            message = f"{target} exited with status {returncode} without a result"
        raise InputError(message + (f"; last output: {detail}" if detail else ""), source=source)
    if reply.get("ok"):
        return reply.get("result")
    kind = reply.get("kind")
    type_name = str(reply.get("type", "Exception"))
    message = str(reply.get("message", ""))
    if kind == "input_error":
        error_class = getattr(errors, type_name, InputError)
        if not (isinstance(error_class, type) and issubclass(error_class, InputError)):
            error_class = InputError
        raise error_class(message)
    if kind == "memory":
        limit = f"{memory_bytes / (1 << 20):.0f} MiB" if memory_bytes else "the machine's memory"
        raise InputError(f"{target} ran out of memory (limit {limit}): {message}", source=source)
    if kind == "not_json":
        raise TypeError(f"{target} returned a result that is not JSON-serialisable: {message}")
    raise InputError(f"{target} failed: {type_name}: {message}", source=source)


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


__all__ = ["run_isolated"]
