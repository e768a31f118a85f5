"""The trace file schema (version 1): one JSON document per run.

Media are referenced by path and sha256, never embedded. Traces are meant to be shared, so
``load_trace`` treats the file as untrusted: a file that is too large or too deeply nested, a
number too long to convert, a time no clock can show, a plan step that is not a ``Step`` or a
run id that is not a plain name is a ``TraceError``, never a traceback in the viewer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator

from unima.errors import TraceError, UnsafePathError
from unima.filenames import check_run_id
from unima.types import (
    AnalysisReport,
    Caption,
    CheckResult,
    OutputSpec,
    Perception,
    Record,
    Request,
    Response,
    Step,
)

TRACE_SCHEMA_VERSION = 1
MAX_TRACE_BYTES = 256 * 1024 * 1024
MAX_TRACE_DEPTH = 64
# Times are Unix seconds between 1970 and 9999, the range ``datetime`` can show.
LATEST_TIME = 253_402_300_799.0


def _plausible_time(value: float | None) -> float | None:
    if value is not None and not 0.0 <= value <= LATEST_TIME:  # also refuses NaN
        raise ValueError(f"{value!r} is not a time between 1970 and 9999 (Unix seconds)")
    return value


class TraceEvent(Record):
    """One thing that happened: a node or tool step starting or ending, a judge decision ..."""

    kind: str
    node: str
    time: float
    step_id: str | None = None
    round: int = 0
    data: dict[str, Any] = Field(default_factory=dict)

    _check_time = field_validator("time")(_plausible_time)


MENTAL_STATE_EVENT = "mental_state"


class MentalState(Record):
    """One step of a Theory-of-Mind reasoning chain: the ``data`` of a ``mental_state`` event.

    Written by ``unima.reasoners.tom`` (one per cue and per chain step), read by the viewers.

    Attributes:
        level: the HitEmotion level whose chain the step belongs to (1, 2 or 3).
        step: the chain step (``perceptual_simulation``, ``mental_state_hypothesis`` ...).
        cue: what was observed or reasoned from, in words.
        modality: the channel of the cue (``text``, ``audio``, ``image``, ``video``) or
            ``combined`` for a step that integrates several.
        evidence: the span of text quoted, or the measurement the cue rests on.
        start_s: where the evidence starts in an audio or video input, in seconds.
        end_s: where it ends.
        state: the mental state inferred from the cue.
        confidence: how strongly the evidence supports ``state``, 0 to 1.
        tag: the input part the evidence comes from (``audio1``), if one.
        valence: pleasant (1) to unpleasant (-1), when the cue says.
        arousal: calm (0) to excited (1), when the cue says.
        source: ``model`` (a checked chat-model reply) or ``perception`` (the offline chain).
    """

    level: int = Field(default=1, ge=1, le=3)
    step: str
    cue: str = ""
    modality: str = ""
    evidence: str = ""
    start_s: float | None = None
    end_s: float | None = None
    state: str
    confidence: float = Field(ge=0.0, le=1.0)
    tag: str | None = None
    valence: float | None = Field(default=None, ge=-1.0, le=1.0)
    arousal: float | None = Field(default=None, ge=0.0, le=1.0)
    source: Literal["model", "perception"] = "perception"


def mental_states(trace: Trace) -> list[MentalState]:
    """The trace's ``mental_state`` events as records, in order; malformed ones are skipped
    (a trace is untrusted, and a viewer shows what it can)."""
    states = []
    for event in trace.events:
        if event.kind != MENTAL_STATE_EVENT:
            continue
        try:
            states.append(MentalState.model_validate(event.data))
        except ValidationError:
            continue
    return states


class PlanGraph(Record):
    content: str
    content_specs: dict[str, str] = Field(default_factory=dict)
    nodes: list[dict[str, Any]] = Field(default_factory=list)
    edges: list[tuple[str, str]] = Field(default_factory=list)
    reasoner: str = ""

    @field_validator("nodes")
    @classmethod
    def _nodes_are_steps(cls, nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        # The viewer reads ids, tools and dependencies from each node: make sure they are there.
        for node in nodes:
            Step.model_validate(node)
        return nodes


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

    _check_times = field_validator("started_at", "finished_at")(_plausible_time)


def load_trace(path: str | Path) -> Trace:
    """Read a trace file back, checking its schema version.

    Raises:
        TraceError: the file is missing, not JSON, or not a unima trace of a known version.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_TRACE_BYTES:
            raise TraceError(
                f"{path} is larger than {MAX_TRACE_BYTES:,} bytes ({size:,}); "
                "it is not a trace unima wrote"
            )
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise TraceError(f"trace file not found: {path}") from error
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as error:
        # ValueError covers malformed JSON and integers past Python's digit limit.
        raise TraceError(f"cannot read trace {path}: {str(error)[:300]}") from error
    if _depth_exceeds(raw, MAX_TRACE_DEPTH):
        raise TraceError(f"{path} is nested deeper than {MAX_TRACE_DEPTH} levels")
    if not isinstance(raw, dict) or "schema_version" not in raw:
        raise TraceError(f"{path} is not a unima trace (no schema_version)")
    if raw["schema_version"] != TRACE_SCHEMA_VERSION:
        raise TraceError(
            f"{path} has trace schema version {str(raw['schema_version'])[:40]!r}; this unima reads "
            f"version {TRACE_SCHEMA_VERSION}"
        )
    try:
        trace = Trace.model_validate(raw)
        check_run_id(trace.run_id)
    except (ValidationError, UnsafePathError) as error:
        raise TraceError(f"{path} is not a valid unima trace: {str(error)[:2000]}") from error
    return trace


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Whether ``value`` nests lists and objects deeper than ``limit`` (checked without recursion)."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)
    return False
