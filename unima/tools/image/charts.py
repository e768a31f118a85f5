"""Bar, line, pie and scatter charts drawn with matplotlib's object API.

Each call builds its own ``Figure`` on an Agg canvas and never touches pyplot, so charts can be
drawn from several worker threads at once without sharing figure state.
"""

from __future__ import annotations

import math
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from unima.tools.common import clean_text
from unima.tools.image.arguments import ImageArguments
from unima.tools.image.numbers import readable_number
from unima.tools.image.shortened import record_shortened, was_shortened

if TYPE_CHECKING:
    from matplotlib.axes import Axes

DOTS_PER_INCH = 100
# Slices under this share (%) of a pie are named in its legend, not beside the slice.
SMALL_SLICE = 3.0
# Tableau colours: distinct, and readable as text backgrounds.
PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip


def draw_chart(arguments: ImageArguments, path: Path) -> None:
    """Draw the chart ``arguments`` describe and save it as a PNG of exactly the requested size."""
    # matplotlib: about 0.2 s to import; only charts need it, not loading or listing the tool.
    import matplotlib

    # Only pick the backend when nobody has yet: switching later would close a user's figures.
    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    base = font_size(arguments.width, arguments.height)
    figure = Figure(
        figsize=(arguments.width / DOTS_PER_INCH, arguments.height / DOTS_PER_INCH),
        dpi=DOTS_PER_INCH,
        facecolor="white",
    )
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    draw = {
        "bar_chart": _bar_chart,
        "line_chart": _line_chart,
        "pie_chart": _pie_chart,
        "scatter_chart": _scatter_chart,
    }[arguments.kind]
    # Sizes are passed to every text explicitly: rc_context would change global state that
    # other threads read while drawing.
    axes.tick_params(labelsize=base * 0.85)
    draw(axes, arguments, base)
    # Characters per title line: a bold DejaVu glyph is about 0.62 em wide, at 1.35 x base.
    title_width = max(8, int(arguments.width / (base * DOTS_PER_INCH / 72 * 0.62 * 1.35)))
    title = textwrap.fill(arguments.title, title_width, max_lines=2, placeholder=" …")
    if was_shortened(arguments.title, title):
        record_shortened(arguments.title)
    figure.suptitle(
        plain(title),
        fontsize=base * 1.35,
        fontweight="bold",
    )
    if arguments.caption:
        figure.text(
            0.5, 0.01, plain(arguments.caption), ha="center", va="bottom", fontsize=base * 0.9
        )
    _layout(figure, arguments, base)
    figure.savefig(path, format="png", dpi=DOTS_PER_INCH, facecolor="white")


def plain(text: str) -> str:
    """``text`` with dollar signs escaped: "$5 and $6" is money, not a TeX formula."""
    return clean_text(text).replace("$", r"\$")


def font_size(width: int, height: int) -> float:
    """Body font size in points: scales with the image, never below OCR-legible sizes."""
    return max(7.0, min(18.0, min(width, height) / 48))


def _layout(figure: object, arguments: ImageArguments, base: float) -> None:
    """Margins in figure fractions, from font sizes in pixels (no layout engine warnings)."""
    pixels = base * DOTS_PER_INCH / 72
    title_lines = 2 if len(arguments.title) * pixels * 0.62 * 1.35 > arguments.width else 1
    top = 1 - (title_lines * 1.6 + 0.8) * pixels * 1.35 / arguments.height
    bottom_lines = 4.2 + (1.6 if arguments.caption else 0)
    if arguments.kind in {"bar_chart", "line_chart"} and _rotated_ticks(
        arguments.labels, base, arguments.width
    ):
        # Tick labels slanted at 30 degrees drop by half their length.
        bottom_lines += min(24, max(len(label) for label in arguments.labels)) * 0.6 * 0.5
    bottom = bottom_lines * pixels / arguments.height
    left = (7.5 if arguments.kind != "pie_chart" else 1.0) * pixels / arguments.width
    right = 1 - 1.2 * pixels / arguments.width
    top, bottom = max(top, 0.55), min(bottom, 0.45)
    left, right = min(left, 0.4), max(right, 0.6)
    figure.subplots_adjust(left=left, right=right, top=top, bottom=bottom)  # type: ignore[attr-defined]


def _series(arguments: ImageArguments) -> list[tuple[str, list[float]]]:
    series = []
    if arguments.values:
        series.append((plain(arguments.y_label or "value"), list(arguments.values)))
    series.extend(
        (plain(name), list(numbers)) for name, numbers in (arguments.series or {}).items()
    )
    return series


def _axis_labels(axes: Axes, arguments: ImageArguments, base: float) -> None:
    axes.yaxis.set_major_formatter(lambda value, _position: readable_number(value))
    if arguments.x_label:
        axes.set_xlabel(plain(arguments.x_label), fontsize=base)
    if arguments.y_label:
        axes.set_ylabel(plain(arguments.y_label), fontsize=base)
    axes.grid(True, axis="y", alpha=0.3)
    axes.set_axisbelow(True)


def _rotated_ticks(labels: list[str], base: float, width: int) -> bool:
    """Whether category labels are too wide to sit level under their slot."""
    slot = width / max(1, len(labels))
    longest = min(24, max(len(label) for label in labels))
    return longest * base * 0.6 > slot


def _shortened_label(label: str, width: int) -> str:
    """``label`` cut to ``width`` characters at a word boundary, the cut recorded."""
    shown = textwrap.shorten(label, width, placeholder="…")
    if was_shortened(label, shown):
        record_shortened(label)
    return shown


def _category_ticks(axes: Axes, labels: list[str], base: float, width: int) -> None:
    positions = range(len(labels))
    rotate = _rotated_ticks(labels, base, width)
    axes.set_xticks(list(positions))
    axes.set_xticklabels(
        [plain(_shortened_label(label, 24)) for label in labels],
        rotation=30 if rotate else 0,
        ha="right" if rotate else "center",
        fontsize=base * 0.9,
    )


def _bar_chart(axes: Axes, arguments: ImageArguments, base: float) -> None:
    series = _series(arguments)
    group_width = 0.8
    bar_width = group_width / len(series)
    for index, (name, numbers) in enumerate(series):
        offsets = [
            position - group_width / 2 + bar_width * (index + 0.5)
            for position in range(len(arguments.labels))
        ]
        bars = axes.bar(offsets, numbers, bar_width, label=name, color=PALETTE[index % 10])
        if len(arguments.labels) * len(series) <= 16:
            axes.bar_label(bars, fmt=readable_number, fontsize=base * 0.8, padding=2)
    _category_ticks(axes, arguments.labels, base, arguments.width)
    axes.axhline(0, color="black", linewidth=0.8)
    _axis_labels(axes, arguments, base)
    if len(series) > 1:
        axes.legend(fontsize=base * 0.85)


def _line_chart(axes: Axes, arguments: ImageArguments, base: float) -> None:
    series = _series(arguments)
    positions = list(range(len(arguments.labels)))
    for index, (name, numbers) in enumerate(series):
        axes.plot(
            positions, numbers, marker="o", linewidth=2, label=name, color=PALETTE[index % 10]
        )
    _category_ticks(axes, arguments.labels, base, arguments.width)
    _axis_labels(axes, arguments, base)
    if len(series) > 1:
        axes.legend(fontsize=base * 0.85)


def _pie_chart(axes: Axes, arguments: ImageArguments, base: float) -> None:
    # A slice under SMALL_SLICE of the whole has no room for its name: names of neighbouring thin
    # slices would print over each other, so those slices are named in a legend with their
    # share (zero slices included), and so is every slice when there are more than 8.
    total = math.fsum(arguments.values)
    shares = [100 * value / total for value in arguments.values]
    crowded = len(arguments.labels) > 8
    wedges, *_ = axes.pie(
        arguments.values,
        labels=[
            "" if crowded or share < SMALL_SLICE else plain(label)
            for label, share in zip(arguments.labels, shares, strict=True)
        ],
        autopct=lambda percent: f"{percent:.0f}%" if percent >= SMALL_SLICE else "",
        startangle=90,
        counterclock=False,
        colors=[PALETTE[index % 10] for index in range(len(arguments.values))],
        textprops={"fontsize": base * 0.9},
        wedgeprops={"edgecolor": "white", "linewidth": 1},
    )
    axes.set_aspect("equal")
    listed = [index for index, share in enumerate(shares) if crowded or share < SMALL_SLICE]
    if listed:
        axes.legend(
            [wedges[index] for index in listed],
            [f"{plain(arguments.labels[index])} ({shares[index]:.2g}%)" for index in listed],
            fontsize=base * 0.8,
            loc="center left",
            bbox_to_anchor=(0.92, 0.5),
        )


def _scatter_chart(axes: Axes, arguments: ImageArguments, base: float) -> None:
    if arguments.series:
        # values are the shared x coordinates, each series one group of y coordinates.
        for index, (name, numbers) in enumerate(arguments.series.items()):
            axes.scatter(
                arguments.values, numbers, s=base * 4, label=plain(name), color=PALETTE[index % 10]
            )
        axes.legend(fontsize=base * 0.85)
        points = list(zip(arguments.values, next(iter(arguments.series.values())), strict=True))
    else:
        positions = [float(index) for index in range(len(arguments.values))]
        axes.scatter(positions, arguments.values, s=base * 5, color=PALETTE[0])
        points = list(zip(positions, arguments.values, strict=True))
    if len(arguments.labels) <= 24:
        for label, point in zip(arguments.labels, points, strict=True):
            axes.annotate(
                plain(_shortened_label(label, 20)),
                point,
                textcoords="offset points",
                xytext=(4, 4),
                fontsize=base * 0.8,
            )
    _axis_labels(axes, arguments, base)
    axes.grid(True, alpha=0.3)
