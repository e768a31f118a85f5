"""Inline SVG drawings of a trace: the reasoning graph and the step timeline.

Both are plain SVG strings (no scripts, no external fonts) laid out here in Python, so the page
that embeds them needs nothing from the network. All text is escaped.
"""

from __future__ import annotations

import math
from html import escape

from unima.trace.attempts import (
    PIPELINE_NODES,
    StepAttempt,
    latest_attempts,
    node_spans,
    run_seconds,
    step_attempts,
)
from unima.trace.schema import Trace

# Fill and stroke per status; "not run" is drawn dashed.
STATUS_COLOURS = {
    "ok": ("#c8e6c9", "#2e7d32"),
    "cached": ("#bbdefb", "#1565c0"),
    "failed": ("#ffcdd2", "#c62828"),
    "skipped": ("#eeeeee", "#757575"),
    "running": ("#fff3c4", "#b28704"),
    "interrupted": ("#fff3c4", "#b28704"),
    "not run": ("#ffffff", "#9e9e9e"),
}
NODE_WIDTH = 176
NODE_HEIGHT = 46
COLUMN_GAP = 24
ROW_GAP = 40
MARGIN = 16
LABEL_CHARS = 24
LEGEND_STATUSES = ("ok", "cached", "failed", "skipped", "running", "not run")
LEGEND_SPACING = 30
FONT = 'font-family="system-ui, -apple-system, Segoe UI, sans-serif"'


def _colours(status: str) -> tuple[str, str]:
    return STATUS_COLOURS.get(status, STATUS_COLOURS["running"])


def _short(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _pipeline_status(trace: Trace, node: str, spans: dict) -> str:
    start, end = spans.get(node, (None, None))
    if end is not None:
        return "ok"
    if start is not None:
        return "failed" if trace.status == "failed" else "running"
    return "not run"


def graph_nodes(trace: Trace) -> tuple[dict[str, dict[str, str]], list[tuple[str, str]]]:
    """The reasoning graph: ``({node id: {label, detail, status, kind}}, edges)``.

    Pipeline nodes (receive → caption → analyse → plan) lead into the final plan's steps,
    wired by their dependencies; steps nothing depends on lead into assemble, then judge.
    Step ids live in their own namespace (``step:<id>``) so a step named ``plan`` is no clash.
    """
    spans = node_spans(trace)
    nodes: dict[str, dict[str, str]] = {}
    edges: list[tuple[str, str]] = []
    for node in PIPELINE_NODES[:4]:
        nodes[node] = {
            "label": node,
            "detail": "",
            "status": _pipeline_status(trace, node, spans),
            "kind": "pipeline",
        }
    edges += [("receive", "caption"), ("caption", "analyse"), ("analyse", "plan")]
    plan = trace.plans[-1] if trace.plans else None
    latest = latest_attempts(trace)
    attempt_counts: dict[str, int] = {}
    for attempt in step_attempts(trace):
        attempt_counts[attempt.step_id] = attempt_counts.get(attempt.step_id, 0) + 1
    step_ids = [str(node["id"]) for node in plan.nodes] if plan else []
    depended_on: set[str] = set()
    for step in plan.nodes if plan else []:
        step_id = str(step["id"])
        result = latest.get(step_id)
        count = attempt_counts.get(step_id, 0)
        detail = str(step.get("tool", ""))
        if count > 1:
            detail += f" ×{count}"
        nodes[f"step:{step_id}"] = {
            "label": step_id,
            "detail": detail,
            "status": result.status if result else "not run",
            "kind": "step",
            "error": result.error if result else "",
        }
        dependencies = [d for d in step.get("depends_on") or () if d in step_ids]
        depended_on.update(dependencies)
        if not dependencies:
            edges.append(("plan", f"step:{step_id}"))
        edges += [(f"step:{dependency}", f"step:{step_id}") for dependency in dependencies]
    nodes["assemble"] = {
        "label": "assemble",
        "detail": "",
        "status": _pipeline_status(trace, "assemble", spans),
        "kind": "pipeline",
    }
    leaves = [step_id for step_id in step_ids if step_id not in depended_on]
    edges += [(f"step:{step_id}", "assemble") for step_id in leaves] or [("plan", "assemble")]
    if trace.rounds:
        decision = trace.rounds[-1].decision
        nodes["judge"] = {
            "label": "judge",
            "detail": f"{decision} ({len(trace.rounds)} round{'s' if len(trace.rounds) != 1 else ''})",
            "status": "failed" if decision == "give_up" else "ok",
            "kind": "pipeline",
        }
        edges.append(("assemble", "judge"))
    return nodes, edges


def _layers(nodes: dict[str, dict[str, str]], edges: list[tuple[str, str]]) -> list[list[str]]:
    # networkx: 0.1 s to import, only when a page draws a plan graph.
    import networkx

    graph = networkx.DiGraph()
    graph.add_nodes_from(nodes)
    graph.add_edges_from(edges)
    order = {node: index for index, node in enumerate(nodes)}
    try:
        layers = list(networkx.topological_generations(graph))
    except networkx.NetworkXUnfeasible:  # a cyclic (invalid) plan: one node per row, as listed
        return [[node] for node in nodes]
    # Each row sorted by where its parents sit (the barycentre heuristic), so edges cross less.
    position: dict[str, float] = {}
    ordered = []
    for layer in layers:

        def key(node: str) -> tuple[float, int]:
            parents = [position[parent] for parent in graph.predecessors(node)]
            return (sum(parents) / len(parents) if parents else 0.0, order[node])

        row = sorted(layer, key=key)
        offset = (len(row) - 1) / 2
        position.update({node: index - offset for index, node in enumerate(row)})
        ordered.append(row)
    return ordered


def graph_svg(trace: Trace) -> str:
    """The reasoning graph as an inline SVG, nodes coloured by status, in dependency layers."""
    nodes, edges = graph_nodes(trace)
    layers = _layers(nodes, edges)
    widest = max(len(layer) for layer in layers)
    legend_width = sum(LEGEND_SPACING + 7 * len(status) for status in LEGEND_STATUSES)
    width = 2 * MARGIN + max(widest * NODE_WIDTH + (widest - 1) * COLUMN_GAP, legend_width)
    legend_height = 30
    height = 2 * MARGIN + len(layers) * (NODE_HEIGHT + ROW_GAP) - ROW_GAP + legend_height
    centres: dict[str, tuple[float, float]] = {}
    for row, layer in enumerate(layers):
        row_width = len(layer) * NODE_WIDTH + (len(layer) - 1) * COLUMN_GAP
        left = (width - row_width) / 2
        for column, node in enumerate(layer):
            x = left + column * (NODE_WIDTH + COLUMN_GAP) + NODE_WIDTH / 2
            y = MARGIN + row * (NODE_HEIGHT + ROW_GAP) + NODE_HEIGHT / 2
            centres[node] = (x, y)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="graph" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" {FONT} '
        'aria-label="reasoning graph">',
        '<defs><marker id="graph-arrow" viewBox="0 0 10 10" refX="10" refY="5" '
        'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
    ]
    for source, target in edges:
        (x1, y1), (x2, y2) = centres[source], centres[target]
        y1 += NODE_HEIGHT / 2
        y2 -= NODE_HEIGHT / 2
        middle = (y1 + y2) / 2
        parts.append(
            f'<path class="edge" d="M{x1:.1f},{y1:.1f} C{x1:.1f},{middle:.1f} '
            f'{x2:.1f},{middle:.1f} {x2:.1f},{y2:.1f}" fill="none" stroke="#555" '
            'stroke-width="1.3" marker-end="url(#graph-arrow)"/>'
        )
    for node, info in nodes.items():
        x, y = centres[node]
        fill, stroke = _colours(info["status"])
        dash = ' stroke-dasharray="5,3"' if info["status"] == "not run" else ""
        radius = 6 if info["kind"] == "step" else 20
        tooltip = f"{info['label']}: {info['status']}"
        if info.get("detail"):
            tooltip += f" · {info['detail']}"
        if info.get("error"):
            tooltip += f"\n{info['error']}"
        parts.append(
            f'<g class="node {escape(info["kind"])} status-{escape(info["status"].replace(" ", "-"))}">'
            f"<title>{escape(tooltip)}</title>"
            f'<rect x="{x - NODE_WIDTH / 2:.1f}" y="{y - NODE_HEIGHT / 2:.1f}" '
            f'width="{NODE_WIDTH}" height="{NODE_HEIGHT}" rx="{radius}" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="1.6"{dash}/>'
            f'<text x="{x:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-size="13" '
            f'font-weight="bold">{escape(_short(info["label"]))}</text>'
            f'<text x="{x:.1f}" y="{y + 13:.1f}" text-anchor="middle" font-size="11" '
            f'fill="#333">{escape(_short(info["detail"] or info["status"], 28))}</text></g>'
        )
    parts.append(_legend(MARGIN, height - legend_height + 8))
    parts.append("</svg>")
    return "".join(parts)


def _legend(x: float, y: float) -> str:
    pieces = []
    for status in LEGEND_STATUSES:
        fill, stroke = _colours(status)
        pieces.append(
            f'<rect x="{x:.0f}" y="{y:.0f}" width="14" height="14" fill="{fill}" '
            f'stroke="{stroke}"/><text x="{x + 19:.0f}" y="{y + 11:.0f}" font-size="11">'
            f"{escape(status)}</text>"
        )
        x += LEGEND_SPACING + 7 * len(status)
    return '<g class="legend">' + "".join(pieces) + "</g>"


def _tick_step(total: float, wanted: int = 6) -> float:
    """A round tick spacing (1, 2 or 5 times a power of ten) giving about ``wanted`` ticks."""
    raw = max(total, 1e-6) / wanted
    power = 10 ** math.floor(math.log10(raw))
    return next(factor * power for factor in (1, 2, 5, 10) if factor * power >= raw)


TIMELINE_LABEL_WIDTH = 230
TIMELINE_PLOT_WIDTH = 720
TIMELINE_ROW = 22


def timeline_svg(trace: Trace) -> str:
    """A Gantt chart: one bar per pipeline node and per step attempt, on the run's clock.

    Bars start where the tool started, so steps that ran in parallel overlap horizontally.
    """
    rows: list[tuple[str, float, float, str, str]] = []  # label, start, end, status, tooltip
    for node, (start, end) in node_spans(trace).items():
        if start is not None and end is not None:
            rows.append((node, start, end, "pipeline", f"{node}: {end - start:.3f} s"))
    rows.sort(key=lambda row: row[1])
    attempts: list[StepAttempt] = step_attempts(trace)
    total_hint = run_seconds(trace)
    for attempt in attempts:
        end = attempt.end if attempt.end is not None else total_hint
        label = f"{attempt.step_id} r{attempt.round} a{attempt.attempt}"
        tooltip = (
            f"{attempt.step_id} round {attempt.round} attempt {attempt.attempt}: "
            f"{attempt.status}, {attempt.seconds:.3f} s ({attempt.start:.3f}–{end:.3f} s)"
        )
        if attempt.error:
            tooltip += f"\n{attempt.error}"
        rows.append((label, attempt.start, end, attempt.status, tooltip))
    total = max([total_hint, *(row[2] for row in rows)]) or 1.0
    axis_height = 28
    height = MARGIN + len(rows) * TIMELINE_ROW + axis_height + MARGIN
    width = TIMELINE_LABEL_WIDTH + TIMELINE_PLOT_WIDTH + 2 * MARGIN
    scale = TIMELINE_PLOT_WIDTH / total
    left = TIMELINE_LABEL_WIDTH + MARGIN
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" {FONT} '
        'aria-label="timeline of steps">'
    ]
    axis_y = MARGIN + len(rows) * TIMELINE_ROW + 4
    step = _tick_step(total)
    tick = 0.0
    while tick <= total + 1e-9:
        x = left + tick * scale
        parts.append(
            f'<line x1="{x:.1f}" y1="{MARGIN}" x2="{x:.1f}" y2="{axis_y}" stroke="#ddd"/>'
            f'<text x="{x:.1f}" y="{axis_y + 16}" font-size="11" text-anchor="middle">'
            f"{tick:g} s</text>"
        )
        tick += step
    for index, (label, start, end, status, tooltip) in enumerate(rows):
        y = MARGIN + index * TIMELINE_ROW
        if status == "pipeline":
            fill, stroke = "#e1d5f5", "#6a4c9c"
        else:
            fill, stroke = _colours(status)
        bar_width = max(2.0, (end - start) * scale)
        parts.append(
            f'<g class="bar status-{escape(status.replace(" ", "-"))}"><title>{escape(tooltip)}</title>'
            f'<text x="{TIMELINE_LABEL_WIDTH}" y="{y + 15}" font-size="12" text-anchor="end">'
            f"{escape(_short(label, 32))}</text>"
            f'<rect x="{left + start * scale:.1f}" y="{y + 3}" width="{bar_width:.1f}" '
            f'height="{TIMELINE_ROW - 6}" rx="3" fill="{fill}" stroke="{stroke}"/></g>'
        )
    parts.append("</svg>")
    return "".join(parts)
