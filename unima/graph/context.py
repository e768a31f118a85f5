"""Run-scoped objects handed to every node (LangGraph runtime context), never checkpointed."""

from __future__ import annotations

import asyncio
import concurrent.futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unima.config import Settings
from unima.graph.toolbox import Toolbox
from unima.llm.calls import ModelCallScope
from unima.reasoners.base import Reasoner
from unima.trace.cache import ArtifactCache
from unima.trace.recorder import TraceRecorder
from unima.trace.store import ArtifactStore
from unima.types import StepResult


@dataclass
class StepBoard:
    """Lets each dispatched step wait for exactly its own dependencies.

    LangGraph runs the ``Send`` tasks of one superstep concurrently; a step that depends on
    another awaits that step's future here instead of waiting for a whole superstep, so wall
    time follows the plan's critical path. A semaphore bounds how many tools run at once, and
    tools run on the board's own thread pool of that size (the event loop's default pool has
    only CPUs + 4 threads, which would silently cap parallelism on small machines).
    """

    max_parallel: int
    _futures: dict[tuple[int, str], asyncio.Future[StepResult]] = field(default_factory=dict)
    _semaphore: asyncio.Semaphore | None = None
    _executor: concurrent.futures.ThreadPoolExecutor | None = None

    @property
    def executor(self) -> concurrent.futures.ThreadPoolExecutor:
        if self._executor is None:
            self._executor = concurrent.futures.ThreadPoolExecutor(
                max_workers=self.max_parallel, thread_name_prefix="unima-step"
            )
        return self._executor

    def close(self) -> None:
        """Release the thread pool (a timed-out tool's thread finishes on its own)."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    def future(self, round: int, step_id: str) -> asyncio.Future[StepResult]:
        key = (round, step_id)
        if key not in self._futures:
            self._futures[key] = asyncio.get_running_loop().create_future()
        return self._futures[key]

    def finish(self, round: int, result: StepResult) -> None:
        future = self.future(round, result.step_id)
        if not future.done():
            future.set_result(result)

    @property
    def semaphore(self) -> asyncio.Semaphore:
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.max_parallel)
        return self._semaphore


@dataclass
class RunContext:
    """Everything a node may use besides the state."""

    run_id: str
    settings: Settings
    reasoner: Reasoner
    fallback_reasoner: Reasoner
    toolbox: Toolbox
    store: ArtifactStore
    recorder: TraceRecorder
    work_root: Path
    board: StepBoard
    # A ``unima.perception.vision_llm.PerceptionModel`` that captions inputs, or None.
    perception_model: Any = None
    cache: ArtifactCache | None = None
    # The run's model-call deadlines, budget and fail-fast; nodes run reasoner and perception
    # calls inside it (``model_calls.run``).
    model_calls: ModelCallScope = field(default_factory=ModelCallScope)
