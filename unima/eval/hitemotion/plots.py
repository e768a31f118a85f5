"""The HitEmotion report's PNG plots: matplotlib's object API on the Agg canvas (no pyplot).

- ``levels.png``: each level's score (mean headline metric) and its parsed-only form, joined by a
  line, so the fall from perception (L1) to reasoning (L3) reads at a glance;
- ``tasks.png``: every task's headline metric, grouped and coloured by level, with its
  parsed-only value marked and its extraction rate written beside it;
- ``comparison.png`` (``draw_comparison``): two reports' levels and tasks side by side.

Tasks or levels without a value are drawn empty and named in the title.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from unima.eval.hitemotion.tasks import LEVELS, TASKS
from unima.files import atomic_write_bytes

LEVEL_COLOURS = {1: "#4C72B0", 2: "#DD8452", 3: "#C44E52"}
PAIR_COLOURS = ("#4C72B0", "#DD8452")


def draw_plots(report: dict[str, Any], folder: Path) -> list[Path]:
    """Draw ``levels.png`` and ``tasks.png`` into ``folder``; return the files written."""
    written = []
    for name, figure in (("levels.png", _levels(report)), ("tasks.png", _tasks(report))):
        path = Path(folder) / name
        save_figure(figure, path)
        written.append(path)
    return written


def draw_comparison(
    first: dict[str, Any],
    second: dict[str, Any],
    path: Path,
    *,
    names: tuple[str, str] = ("A", "B"),
) -> Path:
    """Draw two reports' level scores and task headlines side by side into ``path``."""
    figure = Figure(figsize=(12, 5), layout="constrained")
    level_axis, task_axis = figure.subplots(1, 2, width_ratios=(1, 3))
    width = 0.4
    for index, (report, name) in enumerate(zip((first, second), names, strict=True)):
        levels = [report.get("levels", {}).get(str(level), {}).get("score") for level in LEVELS]
        positions = [slot + (index - 0.5) * width for slot in range(len(LEVELS))]
        level_axis.bar(
            positions,
            [value or 0.0 for value in levels],
            width,
            label=name,
            color=PAIR_COLOURS[index],
        )
    level_axis.set_xticks(range(len(LEVELS)), [f"L{level}" for level in LEVELS])
    level_axis.set_ylim(0, 100)
    level_axis.set_ylabel("score (0-100)")
    level_axis.set_title("Score by level", fontsize=10)
    level_axis.grid(axis="y", alpha=0.3)
    codes = [
        code for code in TASKS if code in first.get("tasks", {}) or code in second.get("tasks", {})
    ]
    for index, (report, name) in enumerate(zip((first, second), names, strict=True)):
        values = [_headline(report, code) or 0.0 for code in codes]
        positions = [slot + (index - 0.5) * width for slot in range(len(codes))]
        task_axis.bar(positions, values, width, label=name, color=PAIR_COLOURS[index])
    task_axis.set_xticks(range(len(codes)), codes, rotation=60, fontsize=8)
    task_axis.set_ylim(0, 100)
    task_axis.set_title("Headline metric by task (L1 → L3)", fontsize=10)
    task_axis.grid(axis="y", alpha=0.3)
    figure.legend(*level_axis.get_legend_handles_labels(), loc="outside lower center", ncols=2)
    save_figure(figure, path)
    return path


def save_figure(figure: Figure, path: Path) -> None:
    """Render ``figure`` as a PNG at ``path`` (atomically)."""
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    atomic_write_bytes(path, buffer.getvalue())


def _levels(report: dict[str, Any]) -> Figure:
    levels = report.get("levels", {})
    scores = [levels.get(str(level), {}).get("score") for level in LEVELS]
    parsed = [levels.get(str(level), {}).get("score_parsed_only") for level in LEVELS]
    figure = Figure(figsize=(6, 4.5), layout="constrained")
    axis = figure.add_subplot()
    width = 0.38
    slots = list(range(len(LEVELS)))
    axis.bar(
        [slot - width / 2 for slot in slots],
        [value or 0.0 for value in scores],
        width,
        label="score (unparseable = wrong)",
        color=[LEVEL_COLOURS[level] for level in LEVELS],
    )
    axis.bar(
        [slot + width / 2 for slot in slots],
        [value or 0.0 for value in parsed],
        width,
        label="parsed only (released evaluators)",
        color="lightgrey",
        edgecolor="grey",
    )
    present = [
        (slot, value) for slot, value in zip(slots, scores, strict=True) if value is not None
    ]
    if present:
        axis.plot(
            [slot - width / 2 for slot, _ in present],
            [value for _, value in present],
            color="black",
            marker="o",
        )
    for slot, value in present:
        axis.annotate(
            f"{value:.1f}",
            (slot - width / 2, value),
            textcoords="offset points",
            xytext=(0, 6),
            ha="center",
            fontsize=9,
        )
    axis.set_xticks(slots, [f"L{level}" for level in LEVELS])
    axis.set_ylim(0, 105)
    axis.set_ylabel("mean headline metric (0-100)")
    missing = [f"L{level}" for level, value in zip(LEVELS, scores, strict=True) if value is None]
    title = "HitEmotion: score by cognitive level"
    if missing:
        title += f"\n(no tasks scored: {', '.join(missing)})"
    axis.set_title(title, fontsize=10)
    axis.grid(axis="y", alpha=0.3)
    axis.legend(loc="upper right", fontsize=8)
    return figure


def _tasks(report: dict[str, Any]) -> Figure:
    tasks = report.get("tasks", {})
    codes = [code for code in TASKS if code in tasks]
    figure = Figure(figsize=(8, 1.5 + 0.32 * max(len(codes), 1)), layout="constrained")
    axis = figure.add_subplot()
    positions = list(range(len(codes)))
    values = [_headline(report, code) for code in codes]
    axis.barh(
        positions,
        [value or 0.0 for value in values],
        0.7,
        color=[LEVEL_COLOURS[TASKS[code].level] for code in codes],
    )
    parsed = [
        tasks[code].get(
            f"{report.get('headlines', {}).get(code, TASKS[code].headline)}_parsed_only"
        )
        for code in codes
    ]
    marked = [
        (position, value)
        for position, value in zip(positions, parsed, strict=True)
        if value is not None
    ]
    if marked:
        axis.scatter(
            [value for _, value in marked],
            [position for position, _ in marked],
            marker="|",
            s=120,
            color="black",
            label="parsed only",
            zorder=3,
        )
    for position, code in zip(positions, codes, strict=True):
        rate = tasks[code].get("extraction_rate")
        text = f"parsed {rate:.0f}%" if rate is not None else "no value"
        axis.text(101, position, text, va="center", fontsize=7, color="dimgrey")
    labels = [
        f"L{TASKS[code].level} {code} ({report.get('headlines', {}).get(code, TASKS[code].headline)})"
        for code in codes
    ]
    axis.set_yticks(positions, labels, fontsize=8)
    axis.invert_yaxis()
    axis.set_xlim(0, 118)
    axis.set_xlabel("headline metric (0-100)")
    missing = [code for code, value in zip(codes, values, strict=True) if value is None]
    title = "HitEmotion: headline metric by task, from perception (L1) to reasoning (L3)"
    if missing:
        title += f"\n(no value: {', '.join(missing)})"
    if not codes:
        title += "\n(no task scored)"
    axis.set_title(title, fontsize=10)
    axis.grid(axis="x", alpha=0.3)
    if marked:
        axis.legend(loc="lower right", fontsize=8)
    return figure


def _headline(report: dict[str, Any], code: str) -> float | None:
    values = report.get("tasks", {}).get(code)
    if not values:
        return None
    value = values.get(report.get("headlines", {}).get(code, TASKS[code].headline))
    return None if value is None else float(value)
