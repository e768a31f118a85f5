"""Diagrams, flowcharts and timelines drawn with Pillow.

A diagram lays its boxes out in a grid read in a snake (left to right, then right to left) so
each arrow joins neighbours (``arrows``: all, none, or one flag per neighbouring pair, so a
diagram states only the links it was given); a flowchart runs top to bottom in columns with terminals, process
boxes and decision diamonds; a timeline places events along a horizontal axis.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

from PIL import Image, ImageDraw

from unima.tools.image.arguments import ImageArguments
from unima.tools.image.text import content_box, draw_centered_block, fit_text

Box = tuple[float, float, float, float]
BACKGROUND = (252, 252, 250)
INK = (28, 32, 40)
LINE = (70, 78, 92)
# Pastel fills keep dark text readable for people and OCR alike.
FILLS = (
    (204, 227, 245), (253, 221, 196), (211, 238, 205), (246, 208, 208),
    (225, 214, 240), (232, 218, 205), (245, 214, 235), (255, 240, 190),
)  # fmt: skip


def draw_diagram(arguments: ImageArguments, path: Path) -> None:
    """Draw a diagram, flowchart or timeline and save it as a PNG."""
    image = Image.new("RGB", (arguments.width, arguments.height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    area = content_box(
        draw,
        title=arguments.title,
        caption=arguments.caption,
        notes=list(arguments.notes),
        width=arguments.width,
        height=arguments.height,
    )
    if arguments.kind == "flowchart":
        _flowchart(draw, arguments.labels, area)
    elif arguments.kind == "timeline":
        _timeline(draw, arguments.labels, arguments.values, area)
    else:
        _grid_diagram(draw, arguments.labels, area, arrows=arguments.arrows)
    image.save(path, format="PNG")


def arrow(draw: ImageDraw.ImageDraw, points: list[tuple[float, float]], width: int) -> None:
    """A polyline ending in a filled arrowhead at its last point."""
    draw.line(points, fill=LINE, width=width, joint="curve")
    (x0, y0), (x1, y1) = points[-2], points[-1]
    angle = math.atan2(y1 - y0, x1 - x0)
    size = 4 + width * 3
    head = [
        (x1, y1),
        (x1 - size * math.cos(angle - 0.45), y1 - size * math.sin(angle - 0.45)),
        (x1 - size * math.cos(angle + 0.45), y1 - size * math.sin(angle + 0.45)),
    ]
    draw.polygon(head, fill=LINE)


def _label_box(
    draw: ImageDraw.ImageDraw, text: str, box: Box, index: int, shape: str = "box"
) -> None:
    left, top, right, bottom = box
    fill = FILLS[index % len(FILLS)]
    line_width = max(1, int(min(right - left, bottom - top) / 40))
    inner = box
    if shape == "diamond":
        center_x, center_y = (left + right) / 2, (top + bottom) / 2
        draw.polygon(
            [(center_x, top), (right, center_y), (center_x, bottom), (left, center_y)],
            fill=fill,
            outline=LINE,
            width=line_width,
        )
        # The largest text box inside a diamond is half its width and height.
        quarter_x, quarter_y = (right - left) / 4, (bottom - top) / 4
        inner = (left + quarter_x, top + quarter_y, right - quarter_x, bottom - quarter_y)
    else:
        radius = (bottom - top) / 2 if shape == "terminal" else min(12, (bottom - top) / 5)
        draw.rounded_rectangle(box, radius=radius, fill=fill, outline=LINE, width=line_width)
        padding = max(3, (right - left) * 0.06)
        inner = (left + padding, top + 2, right - padding, bottom - 2)
    block = fit_text(
        draw,
        text,
        inner[2] - inner[0],
        inner[3] - inner[1],
        largest=int(min(34, (bottom - top) / 2.6)),
        max_lines=3,
    )
    draw_centered_block(draw, block, inner, INK)


def _grid_diagram(
    draw: ImageDraw.ImageDraw, labels: list[str], area: Box, *, arrows: bool | list[bool] = True
) -> None:
    left, top, right, bottom = area
    area_width, area_height = right - left, bottom - top
    count = len(labels)
    columns = max(1, min(count, round(math.sqrt(count * area_width / max(area_height, 1) / 1.8))))
    rows = math.ceil(count / columns)
    cell_width, cell_height = area_width / columns, area_height / rows
    box_width, box_height = cell_width * 0.74, min(cell_height * 0.62, cell_width * 0.6)
    line_width = max(2, int(min(cell_width, cell_height) / 60))
    boxes: list[Box] = []
    for index in range(count):
        row, column = divmod(index, columns)
        if row % 2 == 1:
            column = columns - 1 - column
        center_x = left + cell_width * (column + 0.5)
        center_y = top + cell_height * (row + 0.5)
        boxes.append(
            (
                center_x - box_width / 2,
                center_y - box_height / 2,
                center_x + box_width / 2,
                center_y + box_height / 2,
            )
        )
    joined = arrows if isinstance(arrows, list) else [arrows] * max(count - 1, 0)
    for (source, target), join in zip(itertools.pairwise(boxes), joined, strict=True):
        if not join:
            continue
        if abs(source[1] - target[1]) < 1:
            forward = target[0] > source[0]
            y = (source[1] + source[3]) / 2
            start = source[2] if forward else source[0]
            end = target[0] if forward else target[2]
            arrow(draw, [(start, y), (end, y)], line_width)
        else:
            x = (source[0] + source[2]) / 2
            arrow(draw, [(x, source[3]), (x, target[1])], line_width)
    for index, (label, box) in enumerate(zip(labels, boxes, strict=True)):
        _label_box(draw, label, box, index)


def _flowchart(draw: ImageDraw.ImageDraw, labels: list[str], area: Box) -> None:
    left, top, right, bottom = area
    count = len(labels)
    # Each step needs about 56 pixels of height to stay legible; overflow starts a new column.
    rows = max(1, min(count, int((bottom - top) // 56)))
    columns = math.ceil(count / rows)
    rows = math.ceil(count / columns)
    cell_width, cell_height = (right - left) / columns, (bottom - top) / rows
    box_width = min(cell_width * 0.7, 360)
    box_height = cell_height * 0.66
    line_width = max(2, int(min(cell_width, cell_height) / 50))
    boxes: list[Box] = []
    for index in range(count):
        column, row = divmod(index, rows)
        center_x = left + cell_width * (column + 0.5)
        center_y = top + cell_height * (row + 0.5)
        boxes.append(
            (
                center_x - box_width / 2,
                center_y - box_height / 2,
                center_x + box_width / 2,
                center_y + box_height / 2,
            )
        )
    for index in range(count - 1):
        source, target = boxes[index], boxes[index + 1]
        if (index + 1) % rows:
            x = (source[0] + source[2]) / 2
            arrow(draw, [(x, source[3]), (x, target[1])], line_width)
        else:
            # Column break: leave the last box by its right side, enter the next column's top.
            middle_y = (source[1] + source[3]) / 2
            gap_x = (source[2] + target[0]) / 2
            entry_y = target[1] - cell_height * 0.15
            target_x = (target[0] + target[2]) / 2
            arrow(
                draw,
                [
                    (source[2], middle_y),
                    (gap_x, middle_y),
                    (gap_x, entry_y),
                    (target_x, entry_y),
                    (target_x, target[1]),
                ],
                line_width,
            )
    for index, (label, box) in enumerate(zip(labels, boxes, strict=True)):
        if label.strip().endswith("?"):
            shape = "diamond"
        elif index in (0, count - 1) and count > 1:
            shape = "terminal"
        else:
            shape = "box"
        _label_box(draw, label, box, index, shape)


def _format_position(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _timeline(draw: ImageDraw.ImageDraw, labels: list[str], values: list[float], area: Box) -> None:
    left, top, right, bottom = area
    count = len(labels)
    axis_y = (top + bottom) / 2
    margin = (right - left) * 0.06
    axis_left, axis_right = left + margin, right - margin
    line_width = max(2, int((bottom - top) / 120))
    arrow(draw, [(left, axis_y), (right, axis_y)], line_width)
    if values:
        low, high = min(values), max(values)
        span = high - low or 1.0
        positions = [
            axis_left + (value - low) / span * (axis_right - axis_left) for value in values
        ]
        if high == low:
            positions = [(axis_left + axis_right) / 2] * count
    else:
        step = (axis_right - axis_left) / max(1, count - 1)
        positions = [
            axis_left + step * index if count > 1 else (axis_left + axis_right) / 2
            for index in range(count)
        ]
    order = sorted(range(count), key=lambda index: positions[index])
    slot = (axis_right - axis_left) / max(1, count - 1) if count > 1 else axis_right - axis_left
    # Labels alternate above and below the axis on two levels, so neighbours four apart share a row.
    label_width = min(max(slot * 1.8, 90), (right - left) / 2.2)
    level_height = (axis_y - top) / 2.4
    radius = max(4, line_width * 3)
    for rank, index in enumerate(order):
        x = positions[index]
        above = rank % 2 == 0
        stem = level_height * (0.3 + (rank // 2) % 2)
        box_height = level_height * 0.9
        text = (
            labels[index] if not values else f"{_format_position(values[index])}: {labels[index]}"
        )
        block = fit_text(
            draw,
            text,
            label_width - 12,
            box_height - 6,
            largest=int(min(28, level_height / 2.6)),
            max_lines=3,
        )
        used_width = max(draw.textlength(line, font=block.font) for line in block.lines) + 16
        box_left = min(max(x - used_width / 2, left), right - used_width)
        box_top = axis_y - stem - box_height if above else axis_y + stem
        box = (box_left, box_top, box_left + used_width, box_top + box_height)
        draw.line(
            [(x, axis_y), (x, axis_y - stem if above else axis_y + stem)],
            fill=LINE,
            width=max(1, line_width // 2),
        )
        draw.rounded_rectangle(box, radius=6, fill=FILLS[rank % len(FILLS)], outline=LINE, width=1)
        draw_centered_block(draw, block, box, INK)
        draw.ellipse(
            (x - radius, axis_y - radius, x + radius, axis_y + radius),
            fill=(40, 90, 160),
            outline=LINE,
        )
