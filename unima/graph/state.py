"""The graph's state: records (references and hashes), never media bytes."""

from __future__ import annotations

from typing import Annotated, Any, TypedDict

from unima.types import (
    AnalysisReport,
    Caption,
    CheckResult,
    OutputSpec,
    Perception,
    Plan,
    Request,
    Step,
    StepResult,
)


def merge_dicts(left: dict[str, Any] | None, right: dict[str, Any] | None) -> dict[str, Any]:
    """Reducer: later writes win per key (parallel step results merge into one dict)."""
    return {**(left or {}), **(right or {})}


class AgentState(TypedDict, total=False):
    request: Request
    perceptions: Annotated[dict[str, Perception], merge_dicts]
    output_spec: OutputSpec
    output_tags: list[str]
    caption: Caption
    analysis: AnalysisReport
    plan: Plan
    feedback: list[str]
    # The steps the next dispatch runs (all of them first, then those the judge sends back).
    pending_steps: list[str]
    # The latest result of every step, by step id.
    results: Annotated[dict[str, StepResult], merge_dicts]
    content: str
    check: CheckResult
    round: int
    decision: str
    # The fingerprint of the plan a replan for irrelevant files started from.
    replanned_from: str


class StepTask(TypedDict):
    """What ``dispatch`` sends to one ``run_step`` task."""

    step: Step
    round: int
    attempt: int
    pending: list[str]
    finished: dict[str, StepResult]
