"""A plate seen at an angle on a table, and what it holds, drawn on its inner ellipse: spaghetti
as a nest of wavy strands, salad as leaves, a pizza, an omelette or a fried egg, a steak, or a
generic meal, each under the toppings the scene's details name."""

from __future__ import annotations

import math

from PIL import ImageDraw

from unima.tools.image.scenery.shapes import (
    Box,
    Color,
    Frame,
    Look,
    disk,
    fit,
    leaf_points,
    rounded_box,
    shade,
)
from unima.tools.image.scenery.toppings import (
    HERB_GREEN,
    TOMATO_SAUCE,
    draw_sauce,
    draw_toppings,
    scatter,
)

PLATE_RIM: Color = (250, 250, 247)


PLATE_WELL: Color = (236, 236, 232)


PASTA: Color = (238, 206, 120)


CREAMY_PASTA: Color = (244, 222, 150)


def draw_plate(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A plate seen at an angle, holding ``look.holds`` (a dish kind, ``food`` or nothing)."""
    frame = fit(box, 2.1)
    well = _plate(draw, frame)
    holds = look.holds
    if holds == "pasta":
        draw_pasta(draw, well, look)
    elif holds == "salad":
        draw_salad(draw, well, look)
    elif holds == "pizza":
        _pizza(draw, well, look)
    elif holds == "omelette":
        _omelette(draw, well, look)
    elif holds == "steak":
        _steak(draw, well, look)
    elif holds:
        _meal(draw, well, look)


def _plate(draw: ImageDraw.ImageDraw, frame: Frame) -> Frame:
    """Draw the plate filling ``frame``; return the frame of its well, where food goes."""
    width = frame.line_width(0.006)
    draw.ellipse(frame.rect(0.02, 0.08, 0.98, 1.0), fill=(0, 0, 0, 40))
    draw.ellipse(
        frame.rect(0.0, 0.0, 0.98, 0.94), fill=PLATE_RIM, outline=(150, 150, 150), width=width
    )
    draw.ellipse(
        frame.rect(0.14, 0.14, 0.84, 0.8), fill=PLATE_WELL, outline=(210, 210, 205), width=width
    )
    return Frame(*frame.at(0.14, 0.14), frame.width * 0.7, frame.height * 0.66)


def _strand(
    look: Look, center: tuple[float, float], radius_x: float, radius_y: float
) -> list[tuple[float, float]]:
    """One wavy noodle curling round the centre of a mound: higher in the middle."""
    rng = look.rng
    start, span = rng.uniform(0, math.tau), rng.uniform(2.2, 4.8)
    reach, wobble, phase = rng.uniform(0.2, 1.0), rng.uniform(0.06, 0.18), rng.uniform(0, math.tau)
    points = []
    for step in range(36):
        t = step / 35
        radius = min(1.0, reach * (1 + wobble * math.sin(phase + t * 14)))
        angle = start + span * t
        lift = (1 - radius) * radius_y * 0.55
        points.append(
            (
                center[0] + math.cos(angle) * radius * radius_x,
                center[1] + math.sin(angle) * radius * radius_y - lift,
            )
        )
    return points


def draw_pasta(draw: ImageDraw.ImageDraw, well: Frame, look: Look) -> None:
    """A mound of long pasta in ``well``: strands curling round, lighter towards the top, under
    the sauce and toppings the details name (creamy for carbonara, red for bolognese)."""
    details = look.details
    creamy = bool(details & {"egg", "cream", "cheese"}) and "tomato" not in details
    noodle = CREAMY_PASTA if creamy else PASTA
    center = well.at(0.5, 0.55)
    radius_x, radius_y = well.width * 0.42, well.height * 0.44
    disk(draw, center, radius_x * 0.95, radius_y * 0.92, fill=shade(noodle, 0.78), outline=None)
    stroke = max(2, round(well.width / 60))
    strands = 70
    for index in range(strands):
        points = _strand(look, center, radius_x, radius_y)
        light = shade(noodle, 0.92 + 0.14 * index / strands)
        draw.line(points, fill=shade(noodle, 0.6), width=stroke + 2, joint="curve")
        draw.line(points, fill=light, width=stroke, joint="curve")
    if "pesto" in details:
        draw_sauce(draw, look, center, radius_x * 0.5, radius_y * 0.45, (90, 140, 45))
    elif "tomato" in details:
        draw_sauce(draw, look, center, radius_x * 0.55, radius_y * 0.5, TOMATO_SAUCE)
    draw_toppings(draw, look, center, radius_x * 0.75, radius_y * 0.7, stroke)


def draw_salad(draw: ImageDraw.ImageDraw, well: Frame, look: Look) -> None:
    """Leaves of several greens with tomatoes and cucumber slices, heaped in ``well``."""
    rng = look.rng
    center = well.at(0.5, 0.55)
    greens = ((70, 150, 60), (110, 180, 70), (50, 120, 50), (140, 190, 90))
    for _ in range(26):
        base = scatter(look, center, well.width * 0.34, well.height * 0.36)
        color = greens[rng.randrange(len(greens))]
        draw.polygon(
            leaf_points(base, rng.uniform(0, math.tau), well.width * 0.16, well.width * 0.09),
            fill=color,
            outline=shade(color, 0.6),
        )
    radius = well.width * 0.045
    for _ in range(5):
        disk(
            draw,
            scatter(look, center, well.width * 0.28, well.height * 0.3),
            radius,
            fill=(220, 50, 45),
            outline=(140, 30, 25),
        )
    for _ in range(4):
        x, y = scatter(look, center, well.width * 0.28, well.height * 0.3)
        disk(
            draw,
            (x, y),
            radius * 1.1,
            radius * 0.8,
            fill=(200, 225, 160),
            outline=(60, 120, 50),
            width=2,
        )


def _pizza(draw: ImageDraw.ImageDraw, well: Frame, look: Look) -> None:
    pie = Frame(
        well.left - well.width * 0.08,
        well.top - well.height * 0.06,
        well.width * 1.16,
        well.height * 1.1,
    )
    draw.ellipse(
        pie.rect(0, 0, 1, 1),
        fill=(214, 160, 90),
        outline=(150, 100, 50),
        width=pie.line_width(0.01),
    )
    draw.ellipse(pie.rect(0.07, 0.09, 0.93, 0.91), fill=(200, 70, 45))
    rng = look.rng
    center = pie.at(0.5, 0.5)
    for _ in range(16):
        x, y = scatter(
            look, (center[0], center[1] + pie.height * 0.12), pie.width * 0.34, pie.height * 0.32
        )
        disk(draw, (x, y), pie.width * 0.06, pie.height * 0.07, fill=(250, 222, 130), outline=None)
    for _ in range(8):
        x, y = scatter(
            look, (center[0], center[1] + pie.height * 0.12), pie.width * 0.32, pie.height * 0.3
        )
        disk(
            draw,
            (x, y),
            pie.width * 0.045,
            pie.height * 0.06,
            fill=(170, 40, 38),
            outline=(110, 25, 20),
        )
    for angle in (0, 60, 120):
        radians = math.radians(angle)
        dx, dy = math.cos(radians) * pie.width * 0.43, math.sin(radians) * pie.height * 0.41
        draw.line(
            [(center[0] - dx, center[1] - dy), (center[0] + dx, center[1] + dy)],
            fill=(150, 60, 40),
            width=1,
        )
    for _ in range(4):
        base = scatter(
            look, (center[0], center[1] + pie.height * 0.12), pie.width * 0.3, pie.height * 0.3
        )
        draw.polygon(
            leaf_points(base, rng.uniform(0, math.tau), pie.width * 0.08, pie.width * 0.04),
            fill=HERB_GREEN,
        )


def _omelette(draw: ImageDraw.ImageDraw, well: Frame, look: Look) -> None:
    """A folded omelette with chives, or a fried egg when the label says egg, not omelette."""
    if "egg" in look.names and not look.names & {"omelette", "omelet", "frittata"}:
        _fried_egg(draw, well, look)
        return
    body = well.rect(0.12, 0.22, 0.88, 0.82)
    draw.ellipse(body, fill=(246, 206, 92), outline=(205, 150, 60), width=well.line_width(0.02))
    draw.arc(
        well.rect(0.2, 0.1, 0.8, 0.72), 20, 160, fill=(215, 165, 70), width=well.line_width(0.015)
    )
    draw_toppings(
        draw,
        look,
        well.at(0.5, 0.6),
        well.width * 0.3,
        well.height * 0.25,
        max(2, round(well.width / 70)),
    )
    rng = look.rng
    for _ in range(10):
        x, y = scatter(look, well.at(0.5, 0.62), well.width * 0.3, well.height * 0.2)
        length = well.width * 0.03
        angle = rng.uniform(0, math.pi)
        draw.line(
            [(x, y), (x + math.cos(angle) * length, y + math.sin(angle) * length)],
            fill=HERB_GREEN,
            width=max(2, round(well.width / 90)),
        )


def _fried_egg(draw: ImageDraw.ImageDraw, well: Frame, look: Look) -> None:
    rng = look.rng
    white = [
        well.at(
            0.5 + math.cos(angle) * rng.uniform(0.3, 0.4),
            0.52 + math.sin(angle) * rng.uniform(0.3, 0.42),
        )
        for angle in (math.tau * step / 14 for step in range(14))
    ]
    draw.polygon(white, fill=(252, 252, 248), outline=(215, 200, 170))
    yolk = well.at(0.52, 0.48)
    disk(
        draw,
        yolk,
        well.width * 0.1,
        well.height * 0.16,
        fill=(250, 180, 30),
        outline=(220, 140, 20),
    )
    disk(
        draw,
        (yolk[0] - well.width * 0.03, yolk[1] - well.height * 0.05),
        well.width * 0.025,
        fill=(255, 230, 150),
        outline=None,
    )


def _steak(draw: ImageDraw.ImageDraw, well: Frame, look: Look) -> None:
    rounded_box(
        draw,
        well.rect(0.12, 0.25, 0.62, 0.78),
        radius=well.height * 0.2,
        fill=(125, 62, 38),
        outline=(70, 35, 20),
        width=2,
    )
    for step in range(4):
        x = 0.2 + step * 0.1
        draw.line(
            [well.at(x, 0.32), well.at(x + 0.08, 0.7)],
            fill=(55, 30, 20),
            width=well.line_width(0.02),
        )
    for index in range(4):
        disk(
            draw,
            well.at(0.72 + (index % 2) * 0.1, 0.35 + (index // 2) * 0.25),
            well.width * 0.055,
            well.height * 0.09,
            fill=(235, 205, 130),
            outline=(170, 130, 70),
        )
    draw_toppings(draw, look, well.at(0.4, 0.55), well.width * 0.2, well.height * 0.18, 2)


def _meal(draw: ImageDraw.ImageDraw, well: Frame, look: Look) -> None:
    """A dish with no known recipe: a mound of grain, a golden main piece and greens."""
    rng = look.rng
    disk(
        draw,
        well.at(0.32, 0.52),
        well.width * 0.2,
        well.height * 0.28,
        fill=(248, 244, 230),
        outline=(200, 195, 180),
    )
    rounded_box(
        draw,
        well.rect(0.45, 0.3, 0.8, 0.66),
        radius=well.height * 0.15,
        fill=(196, 128, 60),
        outline=(120, 70, 30),
        width=2,
    )
    for _ in range(8):
        base = (
            well.at(0.55, 0.74)[0] + rng.uniform(-1, 1) * well.width * 0.16,
            well.at(0.5, 0.76)[1],
        )
        draw.polygon(
            leaf_points(base, rng.uniform(-2.6, -0.5), well.width * 0.12, well.width * 0.06),
            fill=(70, 150, 60),
            outline=(40, 90, 35),
        )
    draw_toppings(draw, look, well.at(0.5, 0.55), well.width * 0.3, well.height * 0.25, 2)
