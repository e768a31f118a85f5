"""A reading of a trace's events: step attempts, node spans and the plan in dependency order.

The terminal view, the HTML page and the trace diff all need the same facts out of the flat
event list (when each attempt of each step ran, how it ended, what it made), so they are
derived once here. Only the trace is read; nothing here touches artifact files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from unima.trace.schema import PlanGraph, Trace

PIPELINE_NODES = ("receive", "caption", "analyse", "plan", "assemble")


@dataclass(frozen=True)
class StepAttempt:
    """One run of one plan step, as its events tell it.

    ``start`` and ``end`` are seconds since the run started. ``start`` is the moment the tool
    itself began (the end minus the step's own seconds), not when the step queued for a slot,
    so parallel steps overlap on a timeline exactly as they ran.
    """

    step_id: str
    round: int
    attempt: int
    tool: str = ""
    backend: str = ""
    backend_version: str = ""
    status: str = "running"
    start: float = 0.0
    end: float | None = None
    seconds: float = 0.0
    error: str = ""
    arguments: dict[str, Any] = field(default_factory=dict)
    artifact: dict[str, Any] | None = None

    @property
    def verification(self) -> dict[str, Any] | None:
        """The artifact's self-check (``passed``, ``checks``, ``problems``), if one was made."""
        if self.artifact is None:
            return None
        return self.artifact.get("verification")


def run_seconds(trace: Trace) -> float:
    """Wall-clock seconds of the whole run (up to the last event when it never finished)."""
    end = trace.finished_at
    if end is None:
        end = max((event.time for event in trace.events), default=trace.started_at)
    return max(0.0, end - trace.started_at)


def step_attempts(trace: Trace) -> list[StepAttempt]:
    """Every step attempt of ``trace``, ordered by when it started.

    A ``step_skipped`` event (a dependency failed) becomes an attempt with status ``skipped``;
    an attempt with a start but no end (the run died) keeps status ``running``.
    """
    origin = trace.started_at
    open_attempts: dict[tuple[str, int], dict[str, Any]] = {}
    finished: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    for event in trace.events:
        if event.step_id is None or event.kind not in ("step_start", "step_end", "step_skipped"):
            continue
        key = (event.step_id, event.round)
        data = event.data
        if event.kind == "step_start":
            interrupted = open_attempts.pop(key, None)
            if interrupted is not None:  # started again in the same round: a resumed run
                finished.append({**interrupted, "status": "interrupted"})
            counts[event.step_id] = counts.get(event.step_id, 0) + 1
            open_attempts[key] = {
                "step_id": event.step_id,
                "round": event.round,
                "attempt": int(data.get("attempt") or counts[event.step_id]),
                "tool": str(data.get("tool") or ""),
                "backend": str(data.get("backend") or ""),
                "backend_version": str(data.get("backend_version") or ""),
                "arguments": dict(data.get("arguments") or {}),
                "start": event.time - origin,
            }
            continue
        row = open_attempts.pop(key, None)
        if row is None:  # a skipped step, or an end whose start was not recorded (a cache hit)
            counts[event.step_id] = counts.get(event.step_id, 0) + 1
            row = {
                "step_id": event.step_id,
                "round": event.round,
                "attempt": counts[event.step_id],
                "start": event.time - origin,
            }
        seconds = float(data.get("seconds") or 0.0)
        end = event.time - origin
        row.update(
            status=str(data.get("status") or "skipped") if event.kind == "step_end" else "skipped",
            seconds=seconds,
            end=end,
            start=max(0.0, end - seconds) if event.kind == "step_end" else end,
            error=str(data.get("error") or ""),
            artifact=data.get("artifact") or None,
        )
        finished.append(row)
    rows = finished + list(open_attempts.values())
    attempts = [StepAttempt(**row) for row in rows]
    return sorted(attempts, key=lambda attempt: (attempt.start, attempt.step_id))


def latest_attempts(trace: Trace) -> dict[str, StepAttempt]:
    """The last attempt of each step (the one whose outcome the answer used)."""
    latest: dict[str, StepAttempt] = {}
    for attempt in step_attempts(trace):
        previous = latest.get(attempt.step_id)
        if previous is None or (attempt.round, attempt.attempt) >= (
            previous.round,
            previous.attempt,
        ):
            latest[attempt.step_id] = attempt
    return latest


def node_spans(trace: Trace) -> dict[str, tuple[float | None, float | None]]:
    """``{node: (start, end)}`` in seconds since the run start, for pipeline nodes that ran.

    A node that ran in several rounds (plan, assemble) spans its first start to its last end.
    """
    origin = trace.started_at
    spans: dict[str, tuple[float | None, float | None]] = {}
    for event in trace.events:
        if event.kind not in ("node_start", "node_end"):
            continue
        start, end = spans.get(event.node, (None, None))
        moment = event.time - origin
        if event.kind == "node_start" and start is None:
            start = moment
        if event.kind == "node_end":
            end = moment
        spans[event.node] = (start, end)
    return spans


def plan_order(plan: PlanGraph) -> list[list[str]]:
    """The plan's step ids in dependency order, as layers that could run in parallel.

    Dependencies on ids the plan does not contain are ignored (a trace of an invalid plan can
    still be read); a cycle puts its steps in one last layer instead of failing.
    """
    # networkx: 0.1 s to import; load_trace (public API) must not pay it.
    import networkx

    graph = networkx.DiGraph()
    ids = [str(node["id"]) for node in plan.nodes]
    graph.add_nodes_from(ids)
    known = set(ids)
    for node in plan.nodes:
        for dependency in node.get("depends_on") or ():
            if dependency in known:
                graph.add_edge(dependency, str(node["id"]))
    position = {step_id: index for index, step_id in enumerate(ids)}
    try:
        layers = list(networkx.topological_generations(graph))
    except networkx.NetworkXUnfeasible:
        acyclic = graph.copy()
        cyclic = {node for cycle in networkx.simple_cycles(graph) for node in cycle}
        acyclic.remove_nodes_from(cyclic)
        layers = [*networkx.topological_generations(acyclic), sorted(cyclic)]
    return [sorted(layer, key=position.__getitem__) for layer in layers if layer]


def event_notices(trace: Trace) -> list[str]:
    """One line per event a reader should notice: rejected plans, fallbacks (of a whole plan or
    of one guided field), failed repairs, artifacts found not relevant."""
    notices = []
    for event in trace.events:
        data = event.data
        if event.kind == "plan_rejected":
            problems = "; ".join(str(problem) for problem in data.get("problems") or [])
            notices.append(
                f"round {event.round}: plan by {data.get('reasoner', '?')} rejected "
                f"(attempt {data.get('attempt', '?')}): {problems}"
            )
        elif event.kind == "plan_fallback":
            notices.append(
                f"round {event.round}: fell back to the {data.get('reasoner', '?')} reasoner"
            )
        elif event.kind == "field_fallback":
            where = f" of <{data['tag']}>" if data.get("tag") else ""
            problems = "; ".join(str(problem) for problem in data.get("problems") or [])
            notices.append(
                f"round {event.round}: the model's {data.get('field', '?')}{where} was unusable "
                f"after {data.get('attempts', '?')} attempt(s), the heuristic's is used: {problems}"
            )
        elif event.kind == "repair_failed":
            notices.append(
                f"round {event.round}: repair of {event.step_id} failed: {data.get('error', '')}"
            )
        elif event.kind == "relevance" and data.get("passed") is False:
            reasons = "; ".join(
                f"{reason.get('name', '?')}: {reason.get('message', '')}"
                if isinstance(reason, dict)
                else str(reason)
                for reason in data.get("reasons") or []
            )
            notices.append(
                f"round {event.round}: <{data.get('tag') or event.step_id}> is valid but not "
                f"relevant: {reasons}"
            )
        elif event.kind == "run_failed":
            notices.append(
                f"run failed ({data.get('error_type', 'error')}): {data.get('error', '')}"
            )
        elif event.kind == "perception" and data.get("failures"):
            failures = "; ".join(str(failure) for failure in data["failures"])
            notices.append(f"perception of <{data.get('tag')}> had failures: {failures}")
    return notices
