"""The settings a scene is drawn in: ``draw_backdrop`` paints one; the indoor ones (a table
top seen at an angle, a room with a window and a desk) and space are here, the outdoor ones
in ``outdoors``."""

from __future__ import annotations

import math
import random

from PIL import ImageDraw

from unima.tools.image.scenery.outdoors import draw_landscape, draw_sea, draw_underwater
from unima.tools.image.scenery.shapes import (
    Color,
    disk,
    leaf_points,
    shade,
    vertical_gradient,
)
from unima.tools.image.scenery.stage import Marks, Stage


def draw_backdrop(
    draw: ImageDraw.ImageDraw, stage: Stage, rng: random.Random, marks: Marks
) -> None:
    """Paint the whole picture's setting; objects and labels are drawn over it."""
    painters = {
        "landscape": draw_landscape,
        "sea": draw_sea,
        "table": _table,
        "room": _room,
        "underwater": draw_underwater,
        "space": _space,
    }
    painters[stage.backdrop](draw, stage, rng, marks)


def _table(draw: ImageDraw.ImageDraw, stage: Stage, rng: random.Random, marks: Marks) -> None:
    """A wall and a wooden table top seen from above at an angle, its planks running away."""
    walls: tuple[Color, ...] = ((232, 220, 200), (214, 226, 218), (236, 214, 200))
    vertical_gradient(
        draw,
        (0, 0, stage.width, stage.horizon),
        walls[rng.randrange(len(walls))],
        shade(walls[0], 0.85),
    )
    woods: tuple[Color, ...] = ((170, 115, 70), (150, 100, 60), (190, 145, 95))
    wood = woods[rng.randrange(len(woods))]
    vertical_gradient(
        draw, (0, stage.horizon, stage.width, stage.height), shade(wood, 0.85), shade(wood, 1.1)
    )
    vanishing = (stage.width / 2, stage.horizon - stage.height * 1.2)
    planks = 9
    for index in range(planks + 1):
        bottom_x = stage.width * (index / planks - 0.5) * 1.6 + stage.width / 2
        t = (stage.horizon - vanishing[1]) / (stage.height - vanishing[1])
        top_x = vanishing[0] + (bottom_x - vanishing[0]) * t
        draw.line(
            [(top_x, stage.horizon), (bottom_x, stage.height)], fill=shade(wood, 0.7), width=2
        )
    for _ in range(40):
        x, y = rng.uniform(0, stage.width), rng.uniform(stage.horizon + 6, stage.height)
        length = stage.width * rng.uniform(0.02, 0.06)
        draw.arc((x - length, y - 3, x + length, y + 3), 200, 340, fill=shade(wood, 0.82), width=1)
    draw.rectangle((0, stage.horizon - 3, stage.width, stage.horizon + 1), fill=shade(wood, 0.6))


def _room(draw: ImageDraw.ImageDraw, stage: Stage, rng: random.Random, marks: Marks) -> None:
    """A wall with a window, and a desk top whose front edge runs across the picture."""
    walls: tuple[Color, ...] = ((225, 218, 200), (205, 220, 230), (230, 210, 205), (215, 225, 205))
    wall = walls[rng.randrange(len(walls))]
    vertical_gradient(draw, (0, 0, stage.width, stage.horizon), shade(wall, 1.05), shade(wall, 0.9))
    window_left = stage.width * (0.06 if rng.random() < 0.5 else 0.7)
    window = (
        window_left,
        stage.top + (stage.horizon - stage.top) * 0.15,
        window_left + stage.width * 0.22,
        stage.top + (stage.horizon - stage.top) * 0.75,
    )
    sky_top, sky_bottom = (
        ((15, 20, 55), (50, 60, 110)) if stage.night else ((110, 170, 225), (200, 230, 250))
    )
    if window[3] > window[1] + 8:
        vertical_gradient(draw, window, sky_top, sky_bottom)
        frame = (250, 250, 248)
        width = max(2, stage.width // 160)
        draw.rectangle(window, outline=frame, width=width * 2)
        draw.line(
            [((window[0] + window[2]) / 2, window[1]), ((window[0] + window[2]) / 2, window[3])],
            fill=frame,
            width=width,
        )
        draw.line(
            [(window[0], (window[1] + window[3]) / 2), (window[2], (window[1] + window[3]) / 2)],
            fill=frame,
            width=width,
        )
    desk: Color = (185, 140, 95)
    vertical_gradient(
        draw, (0, stage.horizon, stage.width, stage.height), shade(desk, 0.9), shade(desk, 1.1)
    )
    draw.rectangle((0, stage.horizon - 2, stage.width, stage.horizon + 1), fill=shade(desk, 0.6))


def _space(draw: ImageDraw.ImageDraw, stage: Stage, rng: random.Random, marks: Marks) -> None:
    """Black space with glowing nebulae and stars of several sizes."""
    vertical_gradient(draw, (0, 0, stage.width, stage.height), (6, 6, 22), (18, 12, 40))
    for color in ((120, 60, 160, 14), (40, 90, 170, 16), (160, 60, 90, 10)):
        x, y = rng.uniform(0, stage.width), rng.uniform(stage.top, stage.height)
        radius = min(stage.width, stage.height) * rng.uniform(0.2, 0.35)
        for shrink in (1.0, 0.7, 0.45):
            disk(draw, (x, y), radius * shrink * 1.4, radius * shrink, fill=color, outline=None)
    for _ in range(stage.width * stage.height // 1500):
        x, y = rng.uniform(0, stage.width), rng.uniform(stage.top, stage.height)
        brightness = rng.randint(150, 255)
        disk(
            draw,
            (x, y),
            rng.choice((0.5, 0.7, 1.0, 1.4)),
            fill=(brightness, brightness, min(255, brightness + 20)),
            outline=None,
        )
    for _ in range(6):
        x, y = rng.uniform(0, stage.width), rng.uniform(stage.top, stage.height)
        size = min(stage.width, stage.height) * 0.008
        for angle in (0.0, math.pi / 2, math.pi, 3 * math.pi / 2):
            draw.polygon(
                leaf_points((x, y), angle, size * 2, size * 0.5), fill=(255, 255, 235, 200)
            )
