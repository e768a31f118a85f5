"""What differs between two runs of the same request: spec, plan, re-run steps, artifacts.

``diff_traces(a, b)`` compares run ``a`` (before) with run ``b`` (after); ``render_diff``
prints the result with rich. Timing always differs, so it is reported but never counts as a
difference on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from rich.console import Console
from rich.table import Table

from unima.terminal import safe_line, safe_text
from unima.trace.attempts import StepAttempt, run_seconds, step_attempts
from unima.trace.schema import Trace

VALUE_PREVIEW_CHARS = 60


class _Absent:
    """Stands for a key one side does not have (``None`` may be a real value)."""

    def __repr__(self) -> str:
        return "(absent)"


ABSENT: Any = _Absent()


@dataclass(frozen=True)
class FieldChange:
    """One value that differs: ``name`` (a dotted path) went from ``before`` to ``after``."""

    name: str
    before: Any
    after: Any


@dataclass(frozen=True)
class StepChange:
    """A plan step that was added, removed, or whose fields changed (``changes``)."""

    step_id: str
    change: Literal["added", "removed", "changed"]
    changes: tuple[FieldChange, ...] = ()


@dataclass(frozen=True)
class StepRun:
    """How one step ran in each run: ``executed`` (the tool ran), ``cached``, ``skipped``,
    ``failed`` or ``not run``, with its attempts and the tool's seconds."""

    step_id: str
    before: str
    after: str
    attempts: tuple[int, int]
    seconds: tuple[float, float]


@dataclass(frozen=True)
class ArtifactChange:
    """An answer artifact whose content hash differs, or that only one run produced."""

    tag: str
    change: Literal["changed", "added", "removed", "same"]
    before_sha256: str | None
    after_sha256: str | None


@dataclass(frozen=True)
class TraceDiff:
    """The differences between run ``run_ids[0]`` (before) and run ``run_ids[1]`` (after)."""

    run_ids: tuple[str, str]
    requests: tuple[str, str]
    status: tuple[str, str]
    spec_changes: tuple[FieldChange, ...]
    content_changed: bool
    plan_changes: tuple[StepChange, ...]
    step_runs: tuple[StepRun, ...]
    artifacts: tuple[ArtifactChange, ...]
    seconds: tuple[float, float]
    step_seconds: tuple[float, float]
    rounds: tuple[int, int]

    @property
    def same_request(self) -> bool:
        return self.requests[0] == self.requests[1]

    @property
    def rerun_steps(self) -> list[str]:
        """Steps whose tool actually ran in the second run."""
        return [run.step_id for run in self.step_runs if run.after in ("executed", "failed")]

    @property
    def cached_steps(self) -> list[str]:
        """Steps the second run served from the artifact cache."""
        return [run.step_id for run in self.step_runs if run.after == "cached"]

    @property
    def changed_artifacts(self) -> list[str]:
        return [artifact.tag for artifact in self.artifacts if artifact.change != "same"]

    @property
    def identical(self) -> bool:
        """True when the runs agree on everything except timing and caching."""
        return (
            self.same_request
            and self.status[0] == self.status[1]
            and not self.spec_changes
            and not self.content_changed
            and not self.plan_changes
            and not self.changed_artifacts
            and self.rounds[0] == self.rounds[1]
        )


def value_changes(before: Any, after: Any, name: str = "") -> list[FieldChange]:
    """Every leaf that differs between two JSON-like values, named by a dotted path."""
    if isinstance(before, dict) and isinstance(after, dict):
        changes = []
        for key in [*before, *(key for key in after if key not in before)]:
            path = f"{name}.{key}" if name else str(key)
            changes += value_changes(before.get(key, ABSENT), after.get(key, ABSENT), path)
        return changes
    same_length_sequences = (
        isinstance(before, list | tuple)
        and isinstance(after, list | tuple)
        and len(before) == len(after)
    )
    if same_length_sequences:
        changes = []
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            changes += value_changes(old, new, f"{name}[{index}]")
        return changes
    return [] if before == after else [FieldChange(name, before, after)]


def _spec(trace: Trace) -> dict[str, Any]:
    if trace.output_spec is None:
        return {}
    spec = trace.output_spec
    return {
        "counts": {modality: count for modality, count in spec.counts.items() if count},
        "stated": spec.stated,
    }


def _plan_changes(a: Trace, b: Trace) -> list[StepChange]:
    before = {str(node["id"]): node for node in (a.plans[-1].nodes if a.plans else [])}
    after = {str(node["id"]): node for node in (b.plans[-1].nodes if b.plans else [])}
    changes = [StepChange(step_id, "removed") for step_id in before if step_id not in after]
    for step_id, node in after.items():
        if step_id not in before:
            changes.append(StepChange(step_id, "added"))
            continue
        fields = value_changes(
            {key: value for key, value in before[step_id].items() if key != "description"},
            {key: value for key, value in node.items() if key != "description"},
        )
        if fields:
            changes.append(StepChange(step_id, "changed", tuple(fields)))
    return changes


def _outcome(attempts: list[StepAttempt]) -> str:
    if not attempts:
        return "not run"
    statuses = {attempt.status for attempt in attempts}
    if statuses & {"ok"}:
        return "executed"
    if statuses == {"cached"}:
        return "cached"
    if "failed" in statuses:
        return "failed"
    if statuses == {"skipped"}:
        return "skipped"
    return attempts[-1].status


def _step_runs(a: Trace, b: Trace) -> list[StepRun]:
    by_step: list[dict[str, list[StepAttempt]]] = [{}, {}]
    for side, trace in enumerate((a, b)):
        for attempt in step_attempts(trace):
            by_step[side].setdefault(attempt.step_id, []).append(attempt)
    step_ids = list(dict.fromkeys([*by_step[0], *by_step[1]]))
    runs = []
    for step_id in step_ids:
        before, after = by_step[0].get(step_id, []), by_step[1].get(step_id, [])
        runs.append(
            StepRun(
                step_id=step_id,
                before=_outcome(before),
                after=_outcome(after),
                attempts=(len(before), len(after)),
                seconds=(
                    sum(attempt.seconds for attempt in before),
                    sum(attempt.seconds for attempt in after),
                ),
            )
        )
    return runs


def _artifacts(a: Trace, b: Trace) -> list[ArtifactChange]:
    before = {tag: art.sha256 for tag, art in (a.response.artifacts if a.response else {}).items()}
    after = {tag: art.sha256 for tag, art in (b.response.artifacts if b.response else {}).items()}
    changes = []
    for tag in dict.fromkeys([*before, *after]):
        old, new = before.get(tag), after.get(tag)
        change: Literal["changed", "added", "removed", "same"]
        if old is None:
            change = "added"
        elif new is None:
            change = "removed"
        else:
            change = "same" if old == new else "changed"
        changes.append(ArtifactChange(tag, change, old, new))
    return changes


def diff_traces(a: Trace, b: Trace) -> TraceDiff:
    """Compare run ``a`` (before) with run ``b`` (after).

    Plans are compared by their final versions, step by step id; step outcomes come from the
    step events (a step whose every attempt ended ``cached`` was served from the cache).
    """
    step_runs = _step_runs(a, b)
    content = [trace.response.content if trace.response else None for trace in (a, b)]
    return TraceDiff(
        run_ids=(a.run_id, b.run_id),
        requests=(a.request.text if a.request else "", b.request.text if b.request else ""),
        status=(a.status, b.status),
        spec_changes=tuple(value_changes(_spec(a), _spec(b))),
        content_changed=content[0] != content[1],
        plan_changes=tuple(_plan_changes(a, b)),
        step_runs=tuple(step_runs),
        artifacts=tuple(_artifacts(a, b)),
        seconds=(run_seconds(a), run_seconds(b)),
        step_seconds=(
            sum(run.seconds[0] for run in step_runs),
            sum(run.seconds[1] for run in step_runs),
        ),
        rounds=(len(a.rounds), len(b.rounds)),
    )


def _show(value: Any) -> str:
    text = "-" if value is None else repr(value)
    return text if len(text) <= VALUE_PREVIEW_CHARS else text[: VALUE_PREVIEW_CHARS - 1] + "…"


def render_diff(diff: TraceDiff, console: Any = None) -> None:
    """Print ``diff`` to ``console`` (a ``rich.console.Console``; default: standard output)."""
    console = console or Console()
    before, after = diff.run_ids
    console.print(safe_line(("Diff ", "bold"), f"{before} → {after}"))
    if not diff.same_request:
        console.print(safe_line(("requests differ", "yellow")))
        console.print(safe_text(f"  before: {diff.requests[0]}\n  after:  {diff.requests[1]}"))
    status = " → ".join(diff.status)
    console.print(
        safe_text(f"status: {status}" + ("" if diff.status[0] != diff.status[1] else " (same)"))
    )
    speed_up = diff.seconds[0] / diff.seconds[1] if diff.seconds[1] > 0 else float("inf")
    console.print(
        safe_text(
            f"time: {diff.seconds[0]:.2f} s → {diff.seconds[1]:.2f} s (speed-up ×{speed_up:.1f}); "
            f"tool time {diff.step_seconds[0]:.2f} s → {diff.step_seconds[1]:.2f} s; "
            f"judge rounds {diff.rounds[0]} → {diff.rounds[1]}"
        )
    )
    console.print(safe_line(("Output spec: ", "bold"), "changed" if diff.spec_changes else "same"))
    for change in diff.spec_changes:
        console.print(safe_text(f"  {change.name}: {_show(change.before)} → {_show(change.after)}"))
    console.print(
        safe_line(("Answer text: ", "bold"), "changed" if diff.content_changed else "same")
    )
    console.print(safe_line(("Plan: ", "bold"), "changed" if diff.plan_changes else "same"))
    for step in diff.plan_changes:
        console.print(safe_text(f"  {step.change} {step.step_id}"))
        for change in step.changes:
            console.print(
                safe_text(f"    {change.name}: {_show(change.before)} → {_show(change.after)}")
            )
    if diff.step_runs:
        table = Table("step", "before", "after", "attempts", "tool seconds", title="Steps")
        for run in diff.step_runs:
            table.add_row(
                safe_text(run.step_id),
                safe_text(run.before),
                safe_text(run.after),
                safe_text(f"{run.attempts[0]} → {run.attempts[1]}"),
                safe_text(f"{run.seconds[0]:.2f} → {run.seconds[1]:.2f}"),
            )
        console.print(table)
    if diff.artifacts:
        table = Table("tag", "change", "before sha256", "after sha256", title="Artifacts")
        for artifact in diff.artifacts:
            table.add_row(
                safe_text(f"<{artifact.tag}>"),
                safe_text(artifact.change),
                safe_text((artifact.before_sha256 or "-")[:16]),
                safe_text((artifact.after_sha256 or "-")[:16]),
            )
        console.print(table)
    verdict = "identical apart from timing" if diff.identical else "the runs differ"
    console.print(safe_line(("Verdict: ", "bold"), verdict))
