"""The trace file schema (version 1): one JSON document per run.

Media are referenced by path and sha256, never embedded.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError

from unima.errors import TraceError
from unima.types import (
    AnalysisReport,
    Caption,
    CheckResult,
    OutputSpec,
    Perception,
    Record,
    Request,
    Response,
)

TRACE_SCHEMA_VERSION = 1


class TraceEvent(Record):
    """One thing that happened: a node or tool step starting or ending, a judge decision ..."""

    kind: str
    node: str
    time: float
    step_id: str | None = None
    round: int = 0
    data: dict[str, Any] = Field(default_factory=dict)


class PlanGraph(Record):
    content: str
    content_specs: dict[str, str] = Field(default_factory=dict)
    nodes: list[dict[str, Any]] = Field(default_factory=list)
    edges: list[tuple[str, str]] = Field(default_factory=list)
    reasoner: str = ""


Decision = Literal["accept", "retry_steps", "replan", "give_up"]


class JudgeRound(Record):
    round: int
    check: CheckResult
    decision: Decision
    target_steps: list[str] = Field(default_factory=list)
    reason: str = ""


class Trace(Record):
    """A whole run, as written to ``traces/<run id>.json``."""

    schema_version: Literal[1] = 1
    run_id: str
    unima_version: str
    started_at: float
    finished_at: float | None = None
    status: Literal["ok", "partial", "failed", "running"] = "running"
    error: str | None = None
    error_type: str | None = None
    reasoner: str = ""
    settings: dict[str, Any] = Field(default_factory=dict)
    request: Request | None = None
    perceptions: dict[str, Perception] = Field(default_factory=dict)
    output_spec: OutputSpec | None = None
    caption: Caption | None = None
    analysis: AnalysisReport | None = None
    plans: list[PlanGraph] = Field(default_factory=list)
    events: list[TraceEvent] = Field(default_factory=list)
    rounds: list[JudgeRound] = Field(default_factory=list)
    response: Response | None = None


def load_trace(path: str | Path) -> Trace:
    """Read a trace file back, checking its schema version.

    Raises:
        TraceError: the file is missing, not JSON, or not a unima trace of a known version.
    """
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise TraceError(f"trace file not found: {path}") from error
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise TraceError(f"cannot read trace {path}: {error}") from error
    if not isinstance(raw, dict) or "schema_version" not in raw:
        raise TraceError(f"{path} is not a unima trace (no schema_version)")
    if raw["schema_version"] != TRACE_SCHEMA_VERSION:
        raise TraceError(
            f"{path} has trace schema version {raw['schema_version']!r}; this unima reads "
            f"version {TRACE_SCHEMA_VERSION}"
        )
    try:
        return Trace.model_validate(raw)
    except ValidationError as error:
        raise TraceError(f"{path} is not a valid unima trace: {error}") from error
