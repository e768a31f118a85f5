"""The child side of ``unima.perception.isolation.run_isolated``.

Run as ``python -I -X faulthandler path/to/isolation_worker.py`` (never imported by unima). It reads one JSON request from stdin::

    {"target": "module:function", "args": [...], "memory_bytes": int | null,
     "cpu_seconds": int | null, "sys_path": [...]}

sets its resource limits *before* importing the target (so a hostile file meets the limits from
the first byte the decoder reads), calls the function and writes one JSON reply to the original
stdout::

    {"ok": true, "result": ...}
    {"ok": false, "kind": "input_error" | "memory" | "exception" | "not_json",
     "type": "ValueError", "message": "..."}

Anything the decoder or a C library prints goes to stderr instead: file descriptor 1 is pointed
at stderr once the reply channel is saved, so stray output cannot corrupt the reply.
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import sys
from typing import Any


def _limit(kind: int, value: int | None) -> None:
    if value is None:
        return
    _soft, hard = resource.getrlimit(kind)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(kind, (value, hard))


def _resolve(target: str) -> Any:
    module_name, _, function_name = target.partition(":")
    module = importlib.import_module(module_name)
    function = module
    for attribute in function_name.split("."):
        function = getattr(function, attribute)
    if not callable(function):
        raise TypeError(f"{target} is not callable")
    return function


def _reply(channel: Any, message: dict[str, Any]) -> None:
    channel.write(json.dumps(message))
    channel.flush()


def main() -> int:
    """Serve one request; the exit status is 0 whenever a reply was written."""
    reply_channel = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # stray prints (Python or C) now land on stderr, not in the reply
    sys.stdout = sys.stderr
    request = json.loads(sys.stdin.read())
    # Core dumps of a crashing decoder would cost seconds and disk; the parent only needs the signal.
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_AS, request.get("memory_bytes"))
    _limit(resource.RLIMIT_CPU, request.get("cpu_seconds"))
    for entry in reversed(request.get("sys_path", [])):
        if entry not in sys.path:
            sys.path.insert(0, entry)

    from unima.errors import InputError  # unima is importable only once sys_path is set above

    try:
        result = _resolve(request["target"])(*request.get("args", []))
    except InputError as error:
        _reply(reply_channel, _failure("input_error", error))
        return 0
    except MemoryError as error:
        _reply(reply_channel, _failure("memory", error))
        return 0
    except Exception as error:  # reported to the parent, which raises InputError
        _reply(reply_channel, _failure("exception", error))
        return 0
    try:
        encoded = json.dumps({"ok": True, "result": result})
    except (TypeError, ValueError) as error:
        _reply(reply_channel, _failure("not_json", error))
        return 0
    reply_channel.write(encoded)
    reply_channel.flush()
    return 0


def _failure(kind: str, error: BaseException) -> dict[str, Any]:
    return {"ok": False, "kind": kind, "type": type(error).__name__, "message": str(error)[:2000]}


if __name__ == "__main__":
    sys.exit(main())
