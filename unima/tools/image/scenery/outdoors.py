"""Outdoor settings: a landscape of hills and fields under the sky, the sea, underwater.

The seed varies the hills, clouds, stars and colours; the details change the hour (night,
dusk) and the weather (snow, rain, desert). A river winds through the place the layout marks
for it, a lake lies across its label's place, and the sun or moon hangs where asked.
"""

from __future__ import annotations

import math
import random

from PIL import ImageDraw

from unima.tools.image.scenery.shapes import (
    Color,
    disk,
    shade,
    vertical_gradient,
)
from unima.tools.image.scenery.stage import Marks, Stage


def _sky_colors(stage: Stage, rng: random.Random) -> tuple[Color, Color]:
    details = stage.details
    if stage.night:
        return (12, 18, 50), (50, 60, 115)
    if "dusk" in details:
        return (70, 60, 130), (250, 170, 110)
    if "rain" in details:
        return (95, 105, 120), (165, 172, 180)
    if "snow" in details:
        return (150, 170, 195), (225, 232, 240)
    return (
        ((70, 130, 200), (190, 225, 250))
        if rng.random() < 0.6
        else ((95, 150, 215), (215, 232, 245))
    )


def _sky(draw: ImageDraw.ImageDraw, stage: Stage, rng: random.Random, marks: Marks) -> None:
    top, bottom = _sky_colors(stage, rng)
    vertical_gradient(draw, (0, 0, stage.width, stage.horizon + stage.height * 0.1), top, bottom)
    if stage.night:
        for _ in range(stage.width * stage.height // 3000):
            x, y = rng.uniform(0, stage.width), rng.uniform(stage.top, stage.horizon)
            size = rng.choice((0.6, 0.6, 1.0, 1.5))
            disk(draw, (x, y), size, fill=(255, 255, 230), outline=None)
    x = marks.sky_body if marks.sky_body is not None else stage.width * rng.uniform(0.12, 0.88)
    if not math.isnan(x) and not stage.details & {"rain", "snow"}:
        radius, y = stage.sky_body_radius, stage.sky_body
        if "dusk" in stage.details:
            y = stage.horizon - (stage.ground - stage.horizon) * 0.5
        if stage.night:
            disk(draw, (x, y), radius * 1.6, fill=(255, 255, 220, 30), outline=None)
            disk(draw, (x, y), radius, fill=(245, 243, 215), outline=None)
            for dx, dy, size in ((-0.3, -0.2, 0.2), (0.25, 0.3, 0.15), (0.1, -0.4, 0.1)):
                disk(
                    draw,
                    (x + dx * radius, y + dy * radius),
                    radius * size,
                    fill=(215, 212, 190),
                    outline=None,
                )
        else:
            disk(draw, (x, y), radius * 1.5, fill=(255, 240, 180, 70), outline=None)
            disk(
                draw,
                (x, y),
                radius,
                fill=(255, 225, 90) if "dusk" not in stage.details else (255, 150, 70),
                outline=None,
            )
    if stage.night:
        return
    clouds = rng.randint(5, 8) if "rain" in stage.details else rng.randint(2, 4)
    color: Color = (120, 128, 140) if "rain" in stage.details else (250, 250, 252)
    if "dusk" in stage.details:
        color = (250, 200, 190)
    for _ in range(clouds):
        cloud_x = rng.uniform(0, stage.width)
        cloud_y = rng.uniform(stage.top + (stage.horizon - stage.top) * 0.1, stage.horizon * 0.85)
        size = min(stage.width, stage.height) * rng.uniform(0.035, 0.06)
        for offset in (-1.2, 0.0, 1.1):
            lift = size * (0.5 if offset == 0 else 0)
            disk(
                draw,
                (cloud_x + offset * size, cloud_y - lift),
                size,
                size * 0.7,
                fill=color,
                outline=None,
            )


def _hills(
    draw: ImageDraw.ImageDraw,
    rng: random.Random,
    color: Color,
    stage: Stage,
    base: float,
    amplitude: float,
) -> list[tuple[float, float]]:
    """A band of rolling hills; returns its skyline."""
    phases = [rng.uniform(0, math.tau) for _ in range(3)]
    frequencies = [rng.uniform(1.0, 2.5), rng.uniform(2.5, 5.0), rng.uniform(5.0, 9.0)]
    skyline = []
    for step in range(0, stage.width + 8, 8):
        t = step / stage.width
        wave = sum(
            math.sin(t * frequency * math.tau + phase) / (index + 1)
            for index, (frequency, phase) in enumerate(zip(frequencies, phases, strict=True))
        )
        skyline.append((float(step), base - amplitude * (0.6 + 0.4 * wave / 1.8)))
    draw.polygon(
        [(0.0, float(stage.height)), *skyline, (float(stage.width), float(stage.height))],
        fill=color,
    )
    return skyline


def _land_colors(stage: Stage) -> tuple[Color, Color, Color]:
    """Far hills, near hills, ground."""
    if "snow" in stage.details:
        colors: tuple[Color, Color, Color] = ((215, 225, 238), (232, 238, 246), (244, 247, 252))
    elif "desert" in stage.details:
        colors = ((215, 175, 120), (230, 195, 135), (238, 210, 150))
    elif "dusk" in stage.details:
        colors = ((120, 90, 120), (90, 80, 90), (120, 110, 80))
    else:
        colors = ((120, 165, 130), (85, 145, 85), (110, 170, 90))
    if stage.night:
        colors = (shade(colors[0], 0.4), shade(colors[1], 0.4), shade(colors[2], 0.45))
    return colors


def draw_landscape(
    draw: ImageDraw.ImageDraw, stage: Stage, rng: random.Random, marks: Marks
) -> None:
    """Sky, hills with distant trees, and a field; a river, a lake and the weather as marked."""
    _sky(draw, stage, rng, marks)
    far, near, ground = _land_colors(stage)
    depth = stage.ground - stage.horizon
    skyline = _hills(draw, rng, far, stage, stage.horizon, amplitude=depth * 0.45)
    if "desert" not in stage.details:
        _distant_trees(draw, rng, stage, skyline, shade(far, 0.8))
    _hills(draw, rng, near, stage, stage.horizon + depth * 0.12, amplitude=depth * 0.25)
    field_top = stage.horizon + depth * 0.22
    vertical_gradient(
        draw, (0, field_top, stage.width, stage.height), shade(ground, 1.08), shade(ground, 0.92)
    )
    if marks.river is not None:
        _river(draw, stage, rng, marks.river, field_top)
    if marks.lake is not None:
        _lake(draw, stage, marks.lake, field_top)
    if "snow" in stage.details:
        for _ in range(8):
            x, y = rng.uniform(0, stage.width), rng.uniform(field_top + 8, stage.height)
            span = stage.width * rng.uniform(0.06, 0.16)
            drift = (x - span, y - span * 0.12, x + span, y + span * 0.12)
            draw.arc(drift, 190, 350, fill=(200, 212, 230), width=2)
    if not stage.details & {"snow", "desert"}:
        for _ in range(stage.width // 12):
            x, y = rng.uniform(0, stage.width), rng.uniform(field_top + 4, stage.height)
            blade = stage.height * 0.012
            draw.line([(x, y), (x - blade * 0.4, y - blade)], fill=shade(ground, 0.75), width=1)
            draw.line(
                [(x, y), (x + blade * 0.3, y - blade * 1.1)], fill=shade(ground, 0.75), width=1
            )
    _weather(draw, stage, rng)


def _distant_trees(
    draw: ImageDraw.ImageDraw,
    rng: random.Random,
    stage: Stage,
    skyline: list[tuple[float, float]],
    color: Color,
) -> None:
    """Small conifers along the far hills, the same colour as the hills but darker."""
    for _ in range(rng.randint(4, 9)):
        x, y = skyline[rng.randrange(len(skyline))]
        size = stage.height * rng.uniform(0.025, 0.045)
        draw.polygon(
            [(x, y - size), (x + size * 0.35, y + 2), (x - size * 0.35, y + 2)], fill=color
        )
        if "snow" in stage.details:
            draw.polygon(
                [
                    (x, y - size),
                    (x + size * 0.15, y - size * 0.55),
                    (x - size * 0.15, y - size * 0.55),
                ],
                fill=(250, 252, 255),
            )


def _river(
    draw: ImageDraw.ImageDraw, stage: Stage, rng: random.Random, x: float, field_top: float
) -> None:
    """A river winding from the horizon through ``x`` at the bottom, widening as it comes near."""
    water: Color = (40, 70, 120) if stage.night else (80, 150, 210)
    if "snow" in stage.details:
        water = (150, 185, 215)
    phase = rng.uniform(0, math.tau)
    start = field_top - (field_top - stage.horizon) * 0.3
    left_bank, right_bank = [], []
    steps = 30
    for step in range(steps + 1):
        t = step / steps
        y = start + (stage.height - start) * t
        center = (
            x
            + math.sin(phase + t * 5) * stage.width * 0.06 * (1 - t)
            + (stage.width / 2 - x) * 0.5 * (1 - t) ** 2
        )
        half = stage.width * (0.008 + 0.07 * t**1.5)
        left_bank.append((center - half, y))
        right_bank.append((center + half, y))
    draw.polygon(left_bank + right_bank[::-1], fill=water)
    draw.line(left_bank, fill=shade(water, 1.35), width=2)
    draw.line(right_bank, fill=shade(water, 1.35), width=2)
    for _ in range(10):
        index = rng.randrange(5, steps)
        (left, y), (right, _) = left_bank[index], right_bank[index]
        middle = (left + right) / 2 + rng.uniform(-0.25, 0.25) * (right - left)
        draw.line(
            [(middle - (right - left) * 0.12, y), (middle + (right - left) * 0.12, y)],
            fill=shade(water, 1.5),
            width=1,
        )


def _lake(
    draw: ImageDraw.ImageDraw, stage: Stage, span: tuple[float, float], field_top: float
) -> None:
    """A still lake on the field, across ``span``, just behind the row of labels."""
    water: Color = (40, 70, 120) if stage.night else (90, 155, 210)
    if "snow" in stage.details:
        water = (170, 200, 225)
    center = (span[0] + span[1]) / 2
    half = max((span[1] - span[0]) * 0.75, stage.width * 0.14)
    left, right = center - half, center + half
    bottom = stage.ground + 2
    top = max(field_top, bottom - half * 0.45)
    draw.ellipse((left, top, right, bottom), fill=water, outline=shade(water, 0.8), width=2)
    for row in range(3):
        y = top + (bottom - top) * (0.3 + row * 0.2)
        inset = (right - left) * (0.2 + row * 0.08)
        draw.line([(left + inset, y), (right - inset * 1.4, y)], fill=shade(water, 1.3), width=1)


def _weather(draw: ImageDraw.ImageDraw, stage: Stage, rng: random.Random) -> None:
    if "snow" in stage.details:
        for _ in range(stage.width * stage.height // 2500):
            x, y = rng.uniform(0, stage.width), rng.uniform(stage.top, stage.height)
            disk(draw, (x, y), rng.choice((1.0, 1.5, 2.0)), fill=(255, 255, 255, 220), outline=None)
    if "rain" in stage.details:
        for _ in range(stage.width * stage.height // 3000):
            x, y = rng.uniform(0, stage.width), rng.uniform(stage.top, stage.height)
            length = stage.height * 0.025
            draw.line([(x, y), (x - length * 0.25, y + length)], fill=(200, 210, 230, 160), width=1)


def draw_sea(draw: ImageDraw.ImageDraw, stage: Stage, rng: random.Random, marks: Marks) -> None:
    """Sky over the open sea with waves; a sandy shore in front when things stand on land."""
    _sky(draw, stage, rng, marks)
    deep, light = ((20, 40, 80), (40, 70, 120)) if stage.night else ((40, 110, 170), (90, 170, 210))
    sea_bottom = stage.shore if marks.shore else float(stage.height)
    vertical_gradient(draw, (0, stage.horizon, stage.width, sea_bottom), light, deep)
    draw.line([(0, stage.horizon), (stage.width, stage.horizon)], fill=shade(deep, 0.8), width=1)
    for _ in range(stage.width // 8):
        y = rng.uniform(stage.horizon + 3, sea_bottom)
        near = (y - stage.horizon) / max(1.0, sea_bottom - stage.horizon)
        x, span = rng.uniform(0, stage.width), stage.width * (0.01 + 0.03 * near)
        draw.arc(
            (x - span, y - span * 0.3, x + span, y + span * 0.3),
            200,
            340,
            fill=shade(light, 1.3),
            width=1,
        )
    if marks.shore:
        sand: Color = (150, 135, 100) if stage.night else (236, 214, 160)
        wave = [
            (
                float(x),
                stage.shore
                + math.sin(x / stage.width * 18 + rng.uniform(0, 0.3)) * stage.height * 0.006,
            )
            for x in range(0, stage.width + 10, 10)
        ]
        draw.polygon(
            [(0.0, float(stage.height)), *wave, (float(stage.width), float(stage.height))],
            fill=sand,
        )
        draw.line(wave, fill=(250, 250, 250), width=max(2, stage.height // 160))


def draw_underwater(
    draw: ImageDraw.ImageDraw, stage: Stage, rng: random.Random, marks: Marks
) -> None:
    """Blue water lit from above, a sandy floor with weed, and rising bubbles."""
    vertical_gradient(draw, (0, 0, stage.width, stage.height), (60, 160, 200), (10, 50, 100))
    for _ in range(4):
        x = rng.uniform(0, stage.width)
        spread = stage.width * rng.uniform(0.04, 0.08)
        draw.polygon(
            [
                (x - spread * 0.3, 0),
                (x + spread * 0.3, 0),
                (x + spread * 2, stage.ground),
                (x + spread, stage.ground),
            ],
            fill=(255, 255, 255, 22),
        )
    floor = stage.ground - (stage.ground - stage.top) * 0.06
    draw.rectangle((0, floor, stage.width, stage.height), fill=(210, 190, 140))
    for _ in range(stage.width // 20):
        disk(
            draw,
            (rng.uniform(0, stage.width), rng.uniform(floor + 4, stage.height)),
            rng.uniform(1, 3),
            fill=(170, 150, 110),
            outline=None,
        )
    for _ in range(rng.randint(5, 9)):
        x = rng.choice(
            (rng.uniform(0, stage.width * 0.12), rng.uniform(stage.width * 0.88, stage.width))
        )
        height = (floor - stage.top) * rng.uniform(0.2, 0.45)
        points = [
            (x + math.sin(t * 6 + x) * stage.width * 0.01, floor - height * t)
            for t in (step / 12 for step in range(13))
        ]
        draw.line(points, fill=(40, 130, 70), width=max(2, stage.width // 150), joint="curve")
    for _ in range(stage.width // 30):
        x, y = rng.uniform(0, stage.width), rng.uniform(stage.top, floor)
        disk(
            draw,
            (x, y),
            rng.uniform(1.5, 4),
            fill=(255, 255, 255, 40),
            outline=(230, 245, 255, 160),
        )
