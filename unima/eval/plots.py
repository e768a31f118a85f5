"""The report's PNG plots, drawn with matplotlib's object API on the Agg canvas (no GUI, no pyplot).

- ``dimensions_by_field.png``: one panel per dimension (structure, semantic, coherence), bars per
  metric grouped by field;
- ``radar.png``: the main metrics overall on one radar;
- ``sts_by_output_combination.png``: StS^abs and LeS^abs per output-modality combination.

Metrics without a value (an unavailable family) are left out and named in the titles.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from unima.eval.labels import FIELD_LABELS, METRIC_LABELS, STRUCTURAL_ONLY, structural_only
from unima.eval.records import METRIC_DIMENSIONS, METRIC_NAMES
from unima.eval.report import Report
from unima.files import atomic_write_bytes

RADAR_METRICS = ("StS_abs", "LeS_abs", "SC", "GQ", "SQCS_abs", "tau", "HC", "SH", "ICS_abs")
DIMENSION_TITLES = {
    "structure": "Response Structure Integrity",
    "semantic": "Semantic Correctness & Generation Quality",
    "coherence": "Interleaved Coherence",
}
MAX_COMBINATIONS = 41  # UniM has 41 input-output combinations; more would not be readable


def draw_plots(report: Report, folder: Path) -> list[Path]:
    """Draw every plot of ``report`` into ``folder`` and return the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, drawer in (
        ("dimensions_by_field.png", _dimensions_by_field),
        ("radar.png", _radar),
        ("sts_by_output_combination.png", _structure_by_combination),
    ):
        figure = drawer(report)
        path = folder / name
        _save(figure, path)
        written.append(path)
    return written


def _save(figure: Figure, path: Path) -> None:
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    atomic_write_bytes(path, buffer.getvalue())


def _dimensions_by_field(report: Report) -> Figure:
    by_field: dict[str, Any] = report.groups.get("field", {})
    fields = [name for name in FIELD_LABELS if name in by_field]
    fields += sorted(name for name in by_field if name not in FIELD_LABELS)
    figure = Figure(figsize=(15, 4.5), layout="constrained")
    axes = figure.subplots(1, 3)
    for axis, dimension in zip(axes, DIMENSION_TITLES, strict=True):
        names = [name for name in METRIC_NAMES if METRIC_DIMENSIONS[name] == dimension]
        shown = [
            name
            for name in names
            if any(by_field[field]["metrics"].get(name) is not None for field in fields)
        ]
        missing = [name for name in names if name not in shown]
        width = 0.8 / max(len(fields), 1)
        for index, field in enumerate(fields):
            values = [by_field[field]["metrics"].get(name) or 0.0 for name in shown]
            positions = [slot + index * width - 0.4 + width / 2 for slot in range(len(shown))]
            axis.bar(positions, values, width, label=FIELD_LABELS.get(field, field))
        axis.set_xticks(range(len(shown)), [_label(report, name) for name in shown])
        axis.set_ylim(0, 100)
        title = DIMENSION_TITLES[dimension]
        if missing:
            title += f"\n(no value: {', '.join(METRIC_LABELS[name] for name in missing)})"
        axis.set_title(title, fontsize=10)
        axis.grid(axis="y", alpha=0.3)
        if not shown:
            axis.text(
                0.5,
                0.5,
                "no values\n(metric family unavailable)",
                ha="center",
                va="center",
                transform=axis.transAxes,
                color="grey",
            )
    if fields:
        # Outside the axes: bars near 100 would hide under an inner legend.
        figure.legend(
            *axes[0].get_legend_handles_labels(),
            loc="outside lower center",
            ncols=len(fields),
            fontsize=9,
        )
    return figure


def _label(report: Report, name: str) -> str:
    """A metric's axis label; a structural-only proxy's metric says so (docs/metrics.md)."""
    if structural_only(report.judges.get(name, [])):
        # Two short lines: four such labels side by side under one panel must not overlap.
        structural, only = STRUCTURAL_ONLY.split(" ", 1)
        return f"{METRIC_LABELS[name]}\n({structural}\n{only})"
    return METRIC_LABELS[name]


def _radar(report: Report) -> Figure:
    shown = [name for name in RADAR_METRICS if report.overall.get(name) is not None]
    missing = [name for name in RADAR_METRICS if name not in shown]
    figure = Figure(figsize=(6, 6), layout="constrained")
    axis = figure.add_subplot(projection="polar")
    title = "Main metrics (0-100)"
    if missing:
        title += f"\nno value: {', '.join(METRIC_LABELS[name] for name in missing)}"
    axis.set_title(title, fontsize=10)
    axis.set_ylim(0, 100)
    # With fewer than three metrics (unavailable families) the polygon degenerates into
    # labelled spokes, which still reads correctly.
    angles = [2 * math.pi * index / max(len(shown), 1) for index in range(len(shown))]
    values = [float(report.overall[name]) for name in shown]  # type: ignore[arg-type]
    if shown:
        axis.plot([*angles, angles[0]], [*values, values[0]], marker="o")
        axis.fill([*angles, angles[0]], [*values, values[0]], alpha=0.2)
        axis.set_xticks(
            angles,
            [
                f"{_label(report, name)}\n{value:.1f}"
                for name, value in zip(shown, values, strict=True)
            ],
        )
    return figure


def _structure_by_combination(report: Report) -> Figure:
    groups: dict[str, Any] = report.groups.get("output_combination", {})
    ranked = sorted(groups.items(), key=lambda item: -item[1]["instances"])[:MAX_COMBINATIONS]
    labels = [f"{name} (n={group['instances']})" for name, group in ranked]
    strict = [group["metrics"].get("StS_abs") or 0.0 for _, group in ranked]
    lenient = [group["metrics"].get("LeS_abs") or 0.0 for _, group in ranked]
    figure = Figure(figsize=(8, 1.5 + 0.35 * max(len(ranked), 1)), layout="constrained")
    axis = figure.add_subplot()
    positions = list(range(len(ranked)))
    axis.barh([position - 0.2 for position in positions], strict, 0.4, label="StS^abs")
    axis.barh([position + 0.2 for position in positions], lenient, 0.4, label="LeS^abs")
    axis.set_yticks(positions, labels, fontsize=8)
    axis.invert_yaxis()
    axis.set_xlim(0, 100)
    axis.set_xlabel("score (0-100)")
    axis.set_title("Structure by output-modality combination", fontsize=10)
    figure.legend(
        *axis.get_legend_handles_labels(), loc="outside lower center", ncols=2, fontsize=9
    )
    axis.grid(axis="x", alpha=0.3)
    return figure
