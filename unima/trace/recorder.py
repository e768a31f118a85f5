"""The trace recorder: collects events from nodes and tool steps, writes the trace file.

Thread-safe, because tool steps run in worker threads. The file is written atomically at the
end of a run, failed runs included, and can be flushed part-way for long runs.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from langgraph.config import get_stream_writer

from unima.files import atomic_write_text
from unima.trace.schema import JudgeRound, PlanGraph, Trace, TraceEvent
from unima.types import Plan


class TraceRecorder:
    """Builds one ``Trace`` and writes it to ``<trace_dir>/<run_id>.json``."""

    # Events after which an autosaving recorder writes the file, so a killed run leaves a
    # trace of everything up to its last finished node or step.
    AUTOSAVE_KINDS = frozenset(
        {"node_end", "step_start", "step_end", "step_skipped", "judge", "run_resumed"}
    )

    def __init__(self, trace: Trace, trace_dir: Path, *, autosave: bool = False) -> None:
        self.trace = trace
        self.path = Path(trace_dir) / f"{trace.run_id}.json"
        self.autosave = autosave
        self._lock = threading.Lock()
        self._listeners: list[Any] = []

    def add_listener(self, listener: Any) -> None:
        """Call ``listener(event)`` for every event recorded (used by streaming)."""
        self._listeners.append(listener)

    def event(
        self,
        kind: str,
        node: str,
        *,
        step_id: str | None = None,
        round: int = 0,
        **data: Any,
    ) -> TraceEvent:
        event = TraceEvent(
            kind=kind, node=node, time=time.time(), step_id=step_id, round=round, data=data
        )
        with self._lock:
            self.trace.events.append(event)
        for listener in self._listeners:
            listener(event)
        _stream(event)
        if self.autosave and kind in self.AUTOSAVE_KINDS:
            self.write()
        return event

    def update(self, **fields: Any) -> None:
        """Set top-level trace fields (request, output_spec, caption ...)."""
        with self._lock:
            for name, value in fields.items():
                setattr(self.trace, name, value)

    def record_plan(self, plan: Plan) -> None:
        graph = PlanGraph(
            content=plan.content,
            content_specs=plan.content_specs,
            nodes=[step.model_dump() for step in plan.steps],
            edges=[(dependency, step.id) for step in plan.steps for dependency in step.depends_on],
            reasoner=plan.reasoner,
        )
        with self._lock:
            self.trace.plans.append(graph)

    def record_round(self, judge_round: JudgeRound) -> None:
        with self._lock:
            self.trace.rounds.append(judge_round)

    def write(self) -> Path:
        with self._lock:
            text = self.trace.model_dump_json(indent=2)
        atomic_write_text(self.path, text)
        return self.path


def _stream(event: TraceEvent) -> None:
    """Send ``event`` to LangGraph's stream (``stream_mode="custom"``) when inside a graph run."""
    try:
        writer = get_stream_writer()
    except RuntimeError:  # outside a graph node (e.g. the agent's own events)
        return
    writer(event)
