"""Geometry shared by the scene drawings: boxes, unit frames and colour mixing.

Every object is drawn inside a ``Box``. A drawing fits a ``Frame`` of its own proportions into
that box (centred, standing on the box's bottom edge) and places its parts in the frame's unit
coordinates, so one drawing works at every size and never spills outside its box.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from PIL import ImageDraw

Color = tuple[int, int, int]
# A colour with an alpha channel blends into the picture (shadows, glows, glass).
Ink = Color | tuple[int, int, int, int]
Point = tuple[float, float]
Box = tuple[float, float, float, float]
OUTLINE: Color = (40, 40, 40)


@dataclass(frozen=True)
class Look:
    """How one object is drawn: its seeded variation, a colour its label asks for, the details
    of the scene (``night``, ``snow``, ``launch``, toppings), what a plate or bowl holds, and
    the label's words (``saturn``, ``goldfish``) for the variants a kind has."""

    rng: random.Random
    tint: Color | None = None
    details: frozenset[str] = frozenset()
    holds: str = ""
    names: frozenset[str] = field(default_factory=frozenset)

    def color(self, default: Color) -> Color:
        """The colour the label asks for, else ``default``."""
        return self.tint or default


@dataclass(frozen=True)
class Frame:
    """A rectangle addressed in unit coordinates: (0, 0) is its top left, (1, 1) its bottom right."""

    left: float
    top: float
    width: float
    height: float

    def at(self, x: float, y: float) -> Point:
        """The point at unit coordinates (``x``, ``y``)."""
        return (self.left + x * self.width, self.top + y * self.height)

    def rect(self, x0: float, y0: float, x1: float, y1: float) -> Box:
        """The box between two points given in unit coordinates."""
        return (*self.at(x0, y0), *self.at(x1, y1))

    def points(self, *pairs: Point) -> list[Point]:
        """Points given in unit coordinates, as pixels (for polygons and lines)."""
        return [self.at(x, y) for x, y in pairs]

    def line_width(self, share: float = 0.02) -> int:
        """A stroke width that scales with the frame, never under one pixel."""
        return max(1, round(min(self.width, self.height) * share))


def fit(box: Box, aspect: float) -> Frame:
    """The largest frame of ``aspect`` (width / height) in ``box``, centred, on its bottom edge."""
    left, top, right, bottom = box
    width, height = right - left, bottom - top
    if width / max(height, 1e-6) > aspect:
        width = height * aspect
    else:
        height = width / aspect
    center = (left + right) / 2
    return Frame(center - width / 2, bottom - height, width, height)


def shade(color: Color, factor: float) -> Color:
    """``color`` darker (factor below 1) or lighter (above 1), clipped to the valid range."""
    if factor <= 1:
        return (int(color[0] * factor), int(color[1] * factor), int(color[2] * factor))
    lift = factor - 1
    return (
        int(color[0] + (255 - color[0]) * lift),
        int(color[1] + (255 - color[1]) * lift),
        int(color[2] + (255 - color[2]) * lift),
    )


def mix(first: Color, second: Color, share: float) -> Color:
    """``share`` of the way from ``first`` to ``second``."""
    return (
        round(first[0] + (second[0] - first[0]) * share),
        round(first[1] + (second[1] - first[1]) * share),
        round(first[2] + (second[2] - first[2]) * share),
    )


def disk(
    draw: ImageDraw.ImageDraw,
    center: Point,
    radius_x: float,
    radius_y: float | None = None,
    *,
    fill: Ink | None = None,
    outline: Ink | None = OUTLINE,
    width: int = 1,
) -> None:
    """An ellipse given by its centre and radii."""
    radius_y = radius_x if radius_y is None else radius_y
    if radius_x <= 0 or radius_y <= 0:
        return
    x, y = center
    draw.ellipse(
        (x - radius_x, y - radius_y, x + radius_x, y + radius_y),
        fill=fill,
        outline=outline,
        width=width,
    )


def star_points(center: Point, outer: float, inner: float, tips: int = 5) -> list[Point]:
    """The corners of a star with ``tips`` points, the first pointing up."""
    x, y = center
    points = []
    for index in range(tips * 2):
        radius = outer if index % 2 == 0 else inner
        angle = -math.pi / 2 + index * math.pi / tips
        points.append((x + math.cos(angle) * radius, y + math.sin(angle) * radius))
    return points


def vertical_gradient(
    draw: ImageDraw.ImageDraw, box: Box, top_color: Color, bottom_color: Color
) -> None:
    """Fill ``box`` with colour changing from ``top_color`` to ``bottom_color`` downwards."""
    left, top, right, bottom = box
    rows = max(1, int(bottom - top))
    for row in range(rows + 1):
        color = mix(top_color, bottom_color, row / rows)
        draw.line([(left, top + row), (right, top + row)], fill=color)


def leaf_points(base: Point, angle: float, length: float, breadth: float) -> list[Point]:
    """A pointed leaf (or petal, or flame) from ``base`` towards ``angle`` (radians)."""
    x, y = base
    along = (math.cos(angle), math.sin(angle))
    across = (-along[1], along[0])
    points = []
    for step in range(9):
        t = step / 8
        bulge = math.sin(math.pi * t) * breadth / 2
        points.append(
            (
                x + along[0] * length * t + across[0] * bulge,
                y + along[1] * length * t + across[1] * bulge,
            )
        )
    for step in range(7, 0, -1):
        t = step / 8
        bulge = math.sin(math.pi * t) * breadth / 2
        points.append(
            (
                x + along[0] * length * t - across[0] * bulge,
                y + along[1] * length * t - across[1] * bulge,
            )
        )
    return points


def arc_points(
    center: Point, radius_x: float, radius_y: float, start: float, end: float, steps: int = 24
) -> list[Point]:
    """Points along an elliptic arc from ``start`` to ``end`` (radians, y pointing down)."""
    x, y = center
    return [
        (
            x + math.cos(start + (end - start) * step / steps) * radius_x,
            y + math.sin(start + (end - start) * step / steps) * radius_y,
        )
        for step in range(steps + 1)
    ]


def rounded_box(
    draw: ImageDraw.ImageDraw,
    box: Box,
    radius: float,
    *,
    fill: Ink | None = None,
    outline: Ink | None = None,
    width: int = 1,
) -> None:
    """A rounded rectangle; a plain one when the box is a few pixels across, where Pillow's
    rounded corners fail on fractional coordinates."""
    left, top, right, bottom = box
    if min(right - left, bottom - top) < 6:
        draw.rectangle(box, fill=fill, outline=outline, width=width)
        return
    radius = min(radius, (right - left) / 2, (bottom - top) / 2)
    draw.rounded_rectangle(box, radius=radius, fill=fill, outline=outline, width=width)
