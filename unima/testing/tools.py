"""Deterministic fake tools, one per output modality, for testing the graph without backends.

Each writes a small file whose bytes depend only on its arguments, after ``latency_s`` of
sleep, and can be told to fail its first N runs or verifications.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from typing import Any, ClassVar

from pydantic import ConfigDict

from unima.errors import ToolError
from unima.graph.toolbox import Toolbox
from unima.tools import TOOL_FOR_MODALITY
from unima.tools.base import Tool, ToolArguments, ToolContext, ToolOutput
from unima.types import Verification

SUFFIX = {
    "image": ".png",
    "audio": ".wav",
    "video": ".mp4",
    "document": ".pdf",
    "code": ".py",
    "threeD": ".glb",
}


class FakeArguments(ToolArguments):
    """Anything goes, except the key ``invalid`` (to test argument validation)."""

    model_config = ConfigDict(extra="allow")

    def model_post_init(self, context: Any) -> None:
        if "invalid" in (self.model_extra or {}):
            raise ValueError("the argument 'invalid' is not allowed")


class FakeTool(Tool):
    """A fake tool for ``modality``.

    Args:
        modality: the artifact modality (picks the tool name the planner uses).
        latency_s: how long each run sleeps (to test parallelism).
        fail_runs: the first N runs raise a recoverable ``ToolError``.
        fail_verifications: the first N verifications fail.
        latency_by_step: per-tag latencies that override ``latency_s``.
    """

    backend: ClassVar[str] = "fake"
    description: ClassVar[str] = "A deterministic fake tool for tests."
    Arguments: ClassVar[type[ToolArguments]] = FakeArguments

    def __init__(
        self,
        modality: str,
        *,
        latency_s: float = 0.0,
        fail_runs: int = 0,
        fail_verifications: int = 0,
        latency_by_tag: dict[str, float] | None = None,
    ) -> None:
        self.name = TOOL_FOR_MODALITY[modality]  # type: ignore[misc]
        self.modality = modality  # type: ignore[misc,assignment]
        self.latency_s = latency_s
        self.latency_by_tag = latency_by_tag or {}
        self.fail_runs = fail_runs
        self.fail_verifications = fail_verifications
        self.runs = 0
        self.verifications = 0
        self.run_log: list[tuple[str | None, float, float]] = []
        self._lock = threading.Lock()

    def backend_version(self) -> str:
        return "1"

    def run(self, arguments: Any, context: ToolContext) -> ToolOutput:
        started = time.perf_counter()
        with self._lock:
            self.runs += 1
            failing = self.runs <= self.fail_runs
        time.sleep(self.latency_by_tag.get(context.tag or "", self.latency_s))
        if failing:
            raise ToolError("scripted failure", tool=self.name)
        payload = json.dumps(
            {
                "tool": self.name,
                "arguments": arguments.model_dump(),
                "inputs": sorted(a.sha256 for a in context.dependencies.values()),
            },
            sort_keys=True,
        ).encode()
        path = context.work_dir / f"fake{SUFFIX[self.modality]}"
        path.write_bytes(payload)
        with self._lock:
            self.run_log.append((context.tag, started, time.perf_counter()))
        return ToolOutput(
            path=path,
            mime="application/octet-stream",
            meta={"digest": hashlib.sha256(payload).hexdigest()},
        )

    def verify(self, output: ToolOutput, arguments: Any, context: ToolContext) -> Verification:
        with self._lock:
            self.verifications += 1
            failing = self.verifications <= self.fail_verifications
        if failing:
            return Verification(passed=False, problems=("scripted verification failure",))
        return Verification(passed=True, checks={"bytes": output.path.stat().st_size})


def fake_toolbox(**options: Any) -> Toolbox:
    """A toolbox of fake tools for every modality; ``options`` go to every ``FakeTool``."""
    tools: dict[str, Tool] = {
        TOOL_FOR_MODALITY[modality]: FakeTool(modality, **options) for modality in TOOL_FOR_MODALITY
    }
    return Toolbox(tools=tools)
