"""Chart reading from OCR lines: axis tick numbers, category labels and the title.

Heuristics, not a chart parser. A column of at least ``MIN_TICKS`` numbers aligned near the left
edge whose values fall as they go down the image is a y axis; a row of numbers near the bottom
whose values rise to the right is an x axis. The row of words just below the plot (near the
bottom) are category labels, and a line near the top that is taller than the ticks is the title.
An image with neither axis is not called a chart, so a photo of a receipt stays a photo.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from unima.backends.ocr import OcrLine, reading_order

MIN_TICKS = 3
# How far from the edges the axes may lie, as fractions of the image size.
LEFT_BAND = 0.35
BOTTOM_BAND = 0.35
TOP_BAND = 0.2
MAX_LABELS = 30

_NUMBER = re.compile(
    r"^[\(\[]?(?P<sign>[-+\u2212\u2013]?)\s*[$€£¥]?\s*(?P<digits>\d{1,3}(?:[,\u202f ]\d{3})+|\d*\.?\d+)"
    r"\s*(?P<suffix>%|[kKmMbB]|bn)?[\)\]]?$"
)
_MULTIPLIERS = {"k": 1e3, "K": 1e3, "m": 1e6, "M": 1e6, "b": 1e9, "B": 1e9, "bn": 1e9}


def parse_number(text: str) -> float | None:
    """The number a tick label shows (``"1,000"``, ``"−5"``, ``"40%"``, ``"$2.5k"``), or None."""
    match = _NUMBER.match(text.strip())
    if match is None:
        return None
    digits = re.sub(r"[,\u202f ]", "", match.group("digits"))
    try:
        value = float(digits)
    except ValueError:
        return None
    value *= _MULTIPLIERS.get(match.group("suffix") or "", 1.0)
    return -value if match.group("sign") in ("-", "\u2212", "\u2013") else value


def read_chart(lines: list[OcrLine], width: int, height: int) -> dict[str, Any] | None:
    """The chart facts OCR shows, or None when the lines do not look like a chart.

    Returns:
        ``{"axis_numbers", "y_axis", "x_axis", "labels", "title", "x_title", "other_numbers"}``:
        tick values as read (top to bottom for y, left to right for x), category labels left to
        right, the title, the x-axis title, and numbers elsewhere (bar annotations ...).
    """
    numbered = [(line, parse_number(line.text)) for line in lines]
    numbers = [(line, value) for line, value in numbered if value is not None]
    y_ticks, x_ticks = find_axes(lines, width, height)
    if not y_ticks and not x_ticks:
        return None
    ticks = {id(line) for line, _ in y_ticks + x_ticks}
    words = [line for line, value in numbered if value is None]
    plot_bottom = max((line.bottom for line, _ in y_ticks), default=height * (1 - BOTTOM_BAND))
    labels, x_title = _category_labels(words, plot_bottom, height, x_ticks)
    title = _title(words, height, [line for line, _ in y_ticks + x_ticks])
    used = {id(line) for line in labels} | ({id(title)} if title else set())
    return {
        "axis_numbers": [value for _, value in y_ticks] + [value for _, value in x_ticks],
        "y_axis": [value for _, value in y_ticks],
        "x_axis": [value for _, value in x_ticks],
        "labels": [line.text for line in labels],
        "title": title.text if title else "",
        "x_title": x_title,
        "other_numbers": [value for line, value in numbers if id(line) not in ticks],
        "other_text": [
            line.text for line in words if id(line) not in used and line.text != x_title
        ][:MAX_LABELS],
    }


def find_axes(
    lines: list[OcrLine], width: int, height: int
) -> tuple[list[tuple[OcrLine, float]], list[tuple[OcrLine, float]]]:
    """The y-axis ticks (top to bottom) and x-axis ticks (left to right) as (line, value)."""
    numbers = [(line, value) for line in lines if (value := parse_number(line.text)) is not None]
    return _y_axis(numbers, width), _x_axis(numbers, height)


def missing_ticks(
    ticks: list[tuple[OcrLine, float]], axis: str, width: int, height: int
) -> list[tuple[tuple[int, int, int, int], float]]:
    """Where ticks the OCR missed should be, from evenly spaced neighbours, and their values.

    The detector misses lone small labels (the "0" at an origin). When the ticks found are
    evenly spaced in position and value, the places one and two steps beyond each end, and
    in any double-width gap, are predicted with the value expected there.

    Returns:
        ``[((left, top, right, bottom), expected_value), ...]`` inside the image.
    """
    if len(ticks) < MIN_TICKS:
        return []
    along = 1 if axis == "y" else 0
    centres = [line.center[along] for line, _ in ticks]
    values = [value for _, value in ticks]
    steps = [second - first for first, second in itertools.pairwise(centres)]
    value_steps = [second - first for first, second in itertools.pairwise(values)]
    spacing = sorted(steps)[len(steps) // 2]
    value_step = sorted(value_steps)[len(value_steps) // 2]
    if spacing <= 0 or any(
        abs(step / spacing - round(step / spacing)) > 0.15
        or abs(value / value_step - step / spacing) > 0.15
        for step, value in zip(steps, value_steps, strict=True)
    ):
        return []  # uneven (a log scale, dates, a misread): no prediction
    places: list[tuple[float, float]] = []
    for index, step in enumerate(steps):
        for gap in range(1, round(step / spacing)):
            places.append((centres[index] + gap * spacing, values[index] + gap * value_step))
    for beyond in (1, 2):
        places.append((centres[0] - beyond * spacing, values[0] - beyond * value_step))
        places.append((centres[-1] + beyond * spacing, values[-1] + beyond * value_step))
    label_width = max(line.right - line.left for line, _ in ticks)
    label_height = max(line.height for line, _ in ticks)
    predicted = []
    for centre, value in places:
        if axis == "y":
            right = sorted(line.right for line, _ in ticks)[len(ticks) // 2]
            box = (
                right - label_width - 2,
                centre - label_height * 0.7,
                right + 1,
                centre + label_height * 0.7,
            )
        else:
            top = min(line.top for line, _ in ticks)
            bottom = max(line.bottom for line, _ in ticks)
            box = (centre - label_width * 0.75, top - 1, centre + label_width * 0.75, bottom + 1)
        left, upper, right_edge, lower = (round(edge) for edge in box)
        if left >= 0 and upper >= 0 and right_edge <= width and lower <= height:
            predicted.append(((left, upper, right_edge, lower), value))
    return predicted


def _y_axis(numbers: list[tuple[OcrLine, float]], width: int) -> list[tuple[OcrLine, float]]:
    """The largest column of right-aligned numbers in the left band, values falling downwards."""
    candidates = [(line, value) for line, value in numbers if line.right <= width * LEFT_BAND]
    best: list[tuple[OcrLine, float]] = []
    for anchor, _ in candidates:
        tolerance = max(6.0, anchor.height)
        column = [item for item in candidates if abs(item[0].right - anchor.right) <= tolerance]
        column.sort(key=lambda item: item[0].center[1])
        column = _distinct_positions(column, axis=1)
        values = [value for _, value in column]
        if len(column) > len(best) and _monotonic(values, falling=True):
            best = column
    return best if len(best) >= MIN_TICKS else []


def _x_axis(numbers: list[tuple[OcrLine, float]], height: int) -> list[tuple[OcrLine, float]]:
    """The largest row of numbers in the bottom band, values rising to the right."""
    candidates = [
        (line, value) for line, value in numbers if line.top >= height * (1 - BOTTOM_BAND)
    ]
    best: list[tuple[OcrLine, float]] = []
    for anchor, _ in candidates:
        tolerance = max(4.0, anchor.height / 2)
        row = [
            item for item in candidates if abs(item[0].center[1] - anchor.center[1]) <= tolerance
        ]
        row.sort(key=lambda item: item[0].center[0])
        row = _distinct_positions(row, axis=0)
        values = [value for _, value in row]
        if len(row) > len(best) and _monotonic(values, falling=False):
            best = row
    return best if len(best) >= MIN_TICKS else []


def _distinct_positions(
    items: list[tuple[OcrLine, float]], axis: int
) -> list[tuple[OcrLine, float]]:
    """Drop items whose centre repeats the previous one's (one tick read twice)."""
    kept: list[tuple[OcrLine, float]] = []
    for item in items:
        if kept and abs(item[0].center[axis] - kept[-1][0].center[axis]) < 2.0:
            continue
        kept.append(item)
    return kept


def _monotonic(values: list[float], *, falling: bool) -> bool:
    """Strictly monotonic: tick labels always are, stray numbers rarely."""
    pairs = list(itertools.pairwise(values))
    if falling:
        return all(first > second for first, second in pairs)
    return all(first < second for first, second in pairs)


def _category_labels(
    words: list[OcrLine], plot_bottom: float, height: int, x_ticks: list[tuple[OcrLine, float]]
) -> tuple[list[OcrLine], str]:
    """Words in rows below the plot: the fullest row is the labels, a lone line under it the x title."""
    below = [line for line in words if line.top >= plot_bottom - 2 or line.top >= height * 0.75]
    rows: list[list[OcrLine]] = []
    for line in reading_order(below):
        if rows and abs(line.center[1] - rows[-1][-1].center[1]) <= max(4.0, line.height / 2):
            rows[-1].append(line)
        else:
            rows.append([line])
    if not rows:
        return [], ""
    labels = max(rows, key=len) if not x_ticks else []
    if labels and len(labels) < 2:
        labels = []
    under = [row for row in rows if row is not labels and len(row) == 1]
    x_title = under[-1][0].text if under else ""
    return labels[:MAX_LABELS], x_title


def _title(words: list[OcrLine], height: int, ticks: list[OcrLine]) -> OcrLine | None:
    """The tallest word line in the top band, if it is taller than the tick labels."""
    top = [line for line in words if line.bottom <= height * TOP_BAND + 1]
    if not top:
        return None
    tallest = max(top, key=lambda line: line.height)
    tick_height = max((line.height for line in ticks), default=0.0)
    return tallest if tallest.height >= tick_height * 0.95 else None


def chart_phrase(chart: dict[str, Any]) -> str:
    """The chart sentence of a summary: title, labels and the axis values read."""
    pieces: list[str] = []
    if chart["labels"]:
        pieces.append("categories labelled " + ", ".join(chart["labels"][:12]))
    for axis in ("y", "x"):
        values = chart[f"{axis}_axis"]
        if values:
            low, high = min(values), max(values)
            shown = ", ".join(_number_text(value) for value in sorted(values))
            pieces.append(
                f"{axis}-axis values {_number_text(low)} to {_number_text(high)} (ticks {shown})"
            )
    if chart["x_title"]:
        pieces.append(f"x-axis title “{chart['x_title']}”")
    if chart["other_numbers"]:
        pieces.append(
            "other numbers shown: "
            + ", ".join(_number_text(value) for value in chart["other_numbers"][:20])
        )
    return "; ".join(pieces)


def _number_text(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e15 else f"{value:.3g}"
