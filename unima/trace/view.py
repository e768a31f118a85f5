"""The terminal view of a trace: request, spec, plan steps in order, judge rounds, answer."""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from unima.trace.schema import Trace, load_trace


def _step_rows(trace: Trace) -> list[dict[str, Any]]:
    """One row per step attempt, in the order the attempts started."""
    rows: dict[tuple[str, int], dict[str, Any]] = {}
    for event in trace.events:
        if event.step_id is None:
            continue
        key = (event.step_id, event.round)
        row = rows.setdefault(key, {"step": event.step_id, "round": event.round, "attempts": 0})
        if event.kind == "step_start":
            row.update(
                tool=event.data.get("tool", ""),
                backend=event.data.get("backend", ""),
                version=event.data.get("backend_version", ""),
                started=event.time,
            )
            row["attempts"] += 1
        elif event.kind in ("step_end", "step_skipped"):
            artifact = event.data.get("artifact") or {}
            verification = artifact.get("verification") or {}
            row.update(
                status=event.data.get("status", "skipped" if event.kind == "step_skipped" else ""),
                seconds=event.data.get("seconds", 0.0),
                error=event.data.get("error") or "",
                verified=verification.get("passed"),
                path=artifact.get("path", ""),
            )
    return sorted(rows.values(), key=lambda row: (row["round"], row.get("started", 0.0)))


def render_trace(trace: Trace, console: Any = None) -> None:
    """Print ``trace`` with rich to ``console`` (default: standard output)."""
    from rich.console import Console
    from rich.table import Table
    from rich.tree import Tree

    console = console or Console()
    elapsed = (trace.finished_at or trace.started_at) - trace.started_at
    console.print(
        f"[bold]Run {trace.run_id}[/bold]  status: {trace.status}  reasoner: {trace.reasoner}  {elapsed:.2f} s"
    )
    if trace.error:
        console.print(f"[red]error ({trace.error_type}): {trace.error}[/red]")
    if trace.request is not None:
        console.print(f"[bold]Request:[/bold] {trace.request.text}")
        for part in trace.request.parts:
            perception = trace.perceptions.get(part.tag or "")
            summary = perception.summary if perception else ""
            console.print(f"  <{part.tag}> {part.modality} {part.path or ''}  {summary}")
    if trace.output_spec is not None:
        spec = trace.output_spec
        counts = (
            ", ".join(f"{count} {modality}" for modality, count in spec.counts.items() if count)
            or "text only"
        )
        console.print(
            f"[bold]Output spec[/bold] ({'stated' if spec.stated else 'inferred'}): {counts}"
        )
        for note in spec.notes:
            console.print(f"  note: {note}")
    if trace.analysis is not None and trace.analysis.needed:
        console.print(
            f"[bold]Analysis:[/bold] {trace.analysis.status} ({trace.analysis.sandbox_tier}) {trace.analysis.values.get('report', '')}"
        )
    if trace.plans:
        plan = trace.plans[-1]
        tree = Tree(
            f"[bold]Plan[/bold] ({plan.reasoner}, {len(plan.nodes)} steps, {len(trace.plans)} version(s))"
        )
        children: dict[str, list[str]] = defaultdict(list)
        for source, target in plan.edges:
            children[source].append(target)
        roots = [node["id"] for node in plan.nodes if not node.get("depends_on")]
        nodes = {node["id"]: node for node in plan.nodes}

        def add(branch: Any, step_id: str) -> None:
            node = nodes[step_id]
            child = branch.add(f"{step_id}: {node['tool']} → {node.get('produces') or '-'}")
            for target in children.get(step_id, []):
                add(child, target)

        for root in roots:
            add(tree, root)
        console.print(tree)
    rows = _step_rows(trace)
    if rows:
        table = Table("round", "step", "tool", "backend", "status", "seconds", "verified", "error")
        versions: dict[str, str] = {}
        for row in rows:
            verified = {True: "yes", False: "no", None: "-"}[row.get("verified")]
            table.add_row(
                str(row["round"]),
                row["step"],
                row.get("tool", ""),
                row.get("backend", ""),
                row.get("status", "?"),
                f"{row.get('seconds', 0.0):.2f}",
                verified,
                (row.get("error") or "")[:80],
            )
            if row.get("backend") and row.get("version"):
                versions[row["backend"]] = row["version"]
        console.print(table)
        for backend, version in versions.items():
            console.print(f"  {backend}: {version}", highlight=False)
    for judge_round in trace.rounds:
        console.print(
            f"judge round {judge_round.round}: {judge_round.decision} — {judge_round.reason}"
        )
    if trace.response is not None:
        console.print("[bold]Answer:[/bold]")
        console.print(trace.response.content, markup=False)
        for tag, artifact in trace.response.artifacts.items():
            passed = artifact.verification.passed if artifact.verification else None
            console.print(
                f"  <{tag}> {artifact.modality} {artifact.mime} {artifact.path} verified={passed}"
            )


def main(argv: list[str] | None = None) -> int:
    """``python traces/view.py TRACE``: print a trace file."""
    arguments = sys.argv[1:] if argv is None else argv
    if len(arguments) != 1:
        print("usage: python traces/view.py TRACE.json", file=sys.stderr)
        return 2
    from unima.errors import TraceError

    try:
        trace = load_trace(Path(arguments[0]))
    except TraceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    render_trace(trace)
    return 0
