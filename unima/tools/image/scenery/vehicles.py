"""Vehicles side on: cars, buses, trucks, bicycles, boats, trains, planes and rockets.

A rocket stands on its pad, or rises on a flame over a cloud of smoke when the scene says it
is launching; a boat has sails when the scene is about sailing, a cabin otherwise.
"""

from __future__ import annotations

import math

from PIL import ImageDraw

from unima.tools.image.scenery.shapes import (
    OUTLINE,
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

GLASS: Color = (175, 215, 240)
TYRE: Color = (35, 35, 38)
PAINTS: tuple[Color, ...] = (
    (200, 45, 45),
    (45, 95, 190),
    (235, 190, 50),
    (60, 140, 80),
    (90, 90, 100),
)


def _wheel(draw: ImageDraw.ImageDraw, center: tuple[float, float], radius: float) -> None:
    disk(draw, center, radius, fill=TYRE, outline=OUTLINE)
    disk(draw, center, radius * 0.5, fill=(190, 190, 195), outline=(80, 80, 85))


def draw_car(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A car side on, facing right: body, cabin with two windows, wheels and a headlight."""
    frame = fit(box, 2.2)
    paint = look.color(PAINTS[look.rng.randrange(len(PAINTS))])
    width = frame.line_width(0.01)
    draw.polygon(
        frame.points((0.22, 0.45), (0.32, 0.1), (0.68, 0.1), (0.8, 0.45)),
        fill=paint,
        outline=OUTLINE,
        width=width,
    )
    draw.polygon(
        frame.points((0.27, 0.45), (0.35, 0.17), (0.49, 0.17), (0.49, 0.45)),
        fill=GLASS,
        outline=OUTLINE,
    )
    draw.polygon(
        frame.points((0.53, 0.45), (0.53, 0.17), (0.66, 0.17), (0.75, 0.45)),
        fill=GLASS,
        outline=OUTLINE,
    )
    rounded_box(
        draw,
        frame.rect(0.02, 0.42, 0.98, 0.82),
        radius=frame.height * 0.12,
        fill=paint,
        outline=OUTLINE,
        width=width,
    )
    draw.line([frame.at(0.51, 0.45), frame.at(0.51, 0.78)], fill=shade(paint, 0.6), width=width)
    draw.rectangle(frame.rect(0.92, 0.5, 0.98, 0.6), fill=(250, 235, 150), outline=OUTLINE)
    draw.rectangle(frame.rect(0.02, 0.5, 0.06, 0.6), fill=(220, 60, 50), outline=OUTLINE)
    for x in (0.24, 0.76):
        _wheel(draw, frame.at(x, 0.8), frame.height * 0.19)


def draw_bus(draw: ImageDraw.ImageDraw, box: Box, look: Look, truck: bool = False) -> None:
    """A bus with a row of windows, or a truck: a cab and a cargo box."""
    frame = fit(box, 2.6)
    paint = look.color((240, 190, 40) if not truck else PAINTS[look.rng.randrange(len(PAINTS))])
    width = frame.line_width(0.01)
    if truck:
        draw.rectangle(
            frame.rect(0.02, 0.05, 0.68, 0.8), fill=(235, 235, 230), outline=OUTLINE, width=width
        )
        draw.polygon(
            frame.points((0.7, 0.8), (0.7, 0.25), (0.88, 0.25), (0.98, 0.5), (0.98, 0.8)),
            fill=paint,
            outline=OUTLINE,
            width=width,
        )
        draw.polygon(
            frame.points((0.74, 0.32), (0.86, 0.32), (0.93, 0.5), (0.74, 0.5)),
            fill=GLASS,
            outline=OUTLINE,
        )
        wheels: tuple[float, ...] = (0.16, 0.34, 0.84)
    else:
        rounded_box(
            draw,
            frame.rect(0.02, 0.05, 0.98, 0.82),
            radius=frame.height * 0.1,
            fill=paint,
            outline=OUTLINE,
            width=width,
        )
        for index in range(6):
            x = 0.06 + index * 0.13
            draw.rectangle(frame.rect(x, 0.15, x + 0.1, 0.45), fill=GLASS, outline=OUTLINE)
        draw.rectangle(frame.rect(0.86, 0.15, 0.95, 0.75), fill=GLASS, outline=OUTLINE)
        wheels = (0.2, 0.78)
    for x in wheels:
        _wheel(draw, frame.at(x, 0.82), frame.height * 0.17)


def draw_bicycle(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A bicycle: two spoked wheels, a diamond frame, saddle and handlebars."""
    frame = fit(box, 1.7)
    paint = look.color((200, 50, 50))
    radius = frame.height * 0.3
    rear, front = frame.at(0.2, 0.68), frame.at(0.8, 0.68)
    tyre = max(2, frame.line_width(0.03))
    for hub in (rear, front):
        disk(draw, hub, radius, outline=TYRE, width=tyre)
        for spoke in range(8):
            angle = spoke * math.pi / 4
            draw.line(
                [hub, (hub[0] + math.cos(angle) * radius, hub[1] + math.sin(angle) * radius)],
                fill=(150, 150, 155),
                width=1,
            )
    crank, seat, head = frame.at(0.45, 0.68), frame.at(0.4, 0.3), frame.at(0.72, 0.3)
    tube = max(2, frame.line_width(0.035))
    for start, end in (
        (rear, crank),
        (rear, seat),
        (seat, crank),
        (seat, head),
        (crank, head),
        (head, front),
    ):
        draw.line([start, end], fill=paint, width=tube)
    draw.line([head, frame.at(0.7, 0.14)], fill=(60, 60, 60), width=tube)
    draw.line([frame.at(0.66, 0.14), frame.at(0.78, 0.12)], fill=(60, 60, 60), width=tube)
    draw.line([seat, frame.at(0.38, 0.18)], fill=(60, 60, 60), width=tube)
    rounded_box(
        draw, frame.rect(0.3, 0.12, 0.45, 0.19), radius=frame.height * 0.03, fill=(40, 40, 40)
    )
    disk(draw, crank, frame.height * 0.06, fill=(90, 90, 95), outline=OUTLINE)


def draw_boat(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A sailing boat (mast and two sails) or a boat with a cabin and a funnel for a ship."""
    frame = fit(box, 1.5)
    hull = look.color((170, 60, 50) if look.rng.random() < 0.5 else (50, 80, 140))
    width = frame.line_width(0.01)
    sailing = "sail" in look.details or bool(look.names & {"sailboat", "yacht", "sail"})
    if sailing:
        draw.line(
            [frame.at(0.48, 0.02), frame.at(0.48, 0.72)],
            fill=(90, 60, 40),
            width=max(2, frame.line_width(0.02)),
        )
        draw.polygon(
            frame.points((0.5, 0.04), (0.5, 0.66), (0.9, 0.66)),
            fill=(250, 250, 245),
            outline=OUTLINE,
        )
        draw.polygon(
            frame.points((0.46, 0.12), (0.46, 0.66), (0.14, 0.66)),
            fill=(235, 235, 225),
            outline=OUTLINE,
        )
        draw.polygon(frame.points((0.48, 0.02), (0.6, 0.05), (0.48, 0.08)), fill=(210, 50, 50))
    else:
        draw.rectangle(
            frame.rect(0.3, 0.38, 0.72, 0.7), fill=(245, 245, 240), outline=OUTLINE, width=width
        )
        for x in (0.36, 0.5, 0.62):
            disk(draw, frame.at(x + 0.03, 0.52), frame.height * 0.05, fill=GLASS, outline=OUTLINE)
        draw.rectangle(
            frame.rect(0.5, 0.16, 0.62, 0.38), fill=(210, 60, 50), outline=OUTLINE, width=width
        )
        draw.rectangle(frame.rect(0.5, 0.16, 0.62, 0.22), fill=(40, 40, 40))
    draw.polygon(
        frame.points((0.0, 0.68), (1.0, 0.68), (0.86, 0.98), (0.12, 0.98)),
        fill=hull,
        outline=OUTLINE,
        width=width,
    )
    draw.line(
        [frame.at(0.05, 0.76), frame.at(0.96, 0.76)],
        fill=(245, 245, 245),
        width=max(1, frame.line_width(0.02)),
    )


def draw_train(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A steam locomotive pulling one carriage."""
    frame = fit(box, 2.8)
    paint = look.color((50, 110, 70))
    width = frame.line_width(0.01)
    draw.rectangle(
        frame.rect(0.02, 0.3, 0.46, 0.82), fill=shade(paint, 1.3), outline=OUTLINE, width=width
    )
    for index in range(3):
        x = 0.06 + index * 0.13
        draw.rectangle(frame.rect(x, 0.4, x + 0.09, 0.6), fill=GLASS, outline=OUTLINE)
    draw.rectangle(frame.rect(0.5, 0.2, 0.68, 0.82), fill=paint, outline=OUTLINE, width=width)
    draw.rectangle(frame.rect(0.53, 0.3, 0.65, 0.5), fill=GLASS, outline=OUTLINE)
    rounded_box(
        draw,
        frame.rect(0.66, 0.42, 0.97, 0.82),
        radius=frame.height * 0.1,
        fill=paint,
        outline=OUTLINE,
        width=width,
    )
    draw.rectangle(frame.rect(0.86, 0.18, 0.92, 0.42), fill=(40, 40, 40), outline=OUTLINE)
    for cloud, x in enumerate((0.9, 0.95, 0.99)):
        disk(
            draw,
            frame.at(min(0.96, x - 0.04), 0.12 - cloud * 0.03),
            frame.height * (0.06 + cloud * 0.015),
            fill=(230, 230, 230),
            outline=None,
        )
    for x in (0.1, 0.36, 0.58, 0.74, 0.9):
        _wheel(draw, frame.at(x, 0.85), frame.height * 0.13)


def draw_plane(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """An airliner side on, facing right, with its near wing and a row of windows."""
    frame = fit(box, 2.6)
    paint = look.color((245, 245, 248))
    width = frame.line_width(0.008)
    draw.polygon(
        frame.points((0.05, 0.45), (0.0, 0.05), (0.12, 0.05), (0.25, 0.45)),
        fill=(60, 100, 180),
        outline=OUTLINE,
    )
    draw.polygon(
        frame.points((0.35, 0.5), (0.55, 0.5), (0.42, 0.08), (0.36, 0.08)),
        fill=shade(paint, 0.8),
        outline=OUTLINE,
    )
    rounded_box(
        draw,
        frame.rect(0.02, 0.4, 0.98, 0.68),
        radius=frame.height * 0.14,
        fill=paint,
        outline=OUTLINE,
        width=width,
    )
    draw.polygon(frame.points((0.9, 0.45), (0.96, 0.5), (0.9, 0.52)), fill=GLASS, outline=OUTLINE)
    for index in range(12):
        disk(
            draw, frame.at(0.2 + index * 0.055, 0.5), frame.height * 0.03, fill=GLASS, outline=None
        )
    draw.polygon(
        frame.points((0.38, 0.58), (0.6, 0.58), (0.4, 0.98), (0.32, 0.98)),
        fill=shade(paint, 0.75),
        outline=OUTLINE,
    )
    rounded_box(
        draw,
        frame.rect(0.44, 0.7, 0.56, 0.8),
        radius=frame.height * 0.04,
        fill=(170, 175, 185),
        outline=OUTLINE,
    )


def draw_rocket(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A rocket: nose cone, porthole, fins; on a launch, a flame and a cloud of smoke below."""
    launching = "launch" in look.details
    frame = fit(box, 0.9 if launching else 0.42)
    body = Frame(
        frame.left + frame.width * (0.3 if launching else 0.0),
        frame.top,
        frame.width * (0.4 if launching else 1.0),
        frame.height * (0.62 if launching else 1.0),
    )
    paint = look.color((210, 50, 50))
    width = body.line_width(0.02)
    if launching:
        _gantry(draw, frame.rect(0.08, 0.22, 0.2, 0.9))
        flame_top = body.at(0.5, 0.98)
        outer = leaf_points(
            (flame_top[0], flame_top[1] - body.height * 0.02),
            math.pi / 2,
            frame.height * 0.3,
            body.width * 0.55,
        )
        draw.polygon(outer, fill=(250, 140, 40))
        draw.polygon(
            leaf_points(flame_top, math.pi / 2, frame.height * 0.2, body.width * 0.3),
            fill=(255, 230, 120),
        )
        _smoke(draw, frame, look)
    draw.polygon(
        body.points((0.0, 0.98), (0.22, 0.62), (0.3, 0.9)), fill=shade(paint, 0.85), outline=OUTLINE
    )
    draw.polygon(
        body.points((1.0, 0.98), (0.78, 0.62), (0.7, 0.9)), fill=shade(paint, 0.85), outline=OUTLINE
    )
    draw.polygon(
        body.points((0.36, 0.96), (0.64, 0.96), (0.7, 1.0), (0.3, 1.0)),
        fill=(90, 90, 95),
        outline=OUTLINE,
    )
    rounded_box(
        draw,
        body.rect(0.25, 0.3, 0.75, 0.96),
        radius=body.width * 0.1,
        fill=(240, 240, 242),
        outline=OUTLINE,
        width=width,
    )
    draw.chord(body.rect(0.25, 0.0, 0.75, 0.6), 180, 360, fill=paint, outline=OUTLINE, width=width)
    draw.rectangle(body.rect(0.25, 0.29, 0.75, 0.32), fill=paint)
    disk(draw, body.at(0.5, 0.5), body.width * 0.14, fill=GLASS, outline=OUTLINE, width=width)
    draw.rectangle(body.rect(0.46, 0.62, 0.54, 0.92), fill=shade(paint, 0.85))


def _smoke(draw: ImageDraw.ImageDraw, frame: Frame, look: Look) -> None:
    """Billows of exhaust spreading along the ground under a launch: a wide low row of puffs
    and a narrower row above it, merged into one cloud."""
    rng = look.rng
    puffs = []
    for layer, (count, left, right, size) in enumerate(((9, 0.1, 0.9, 0.1), (5, 0.28, 0.72, 0.09))):
        for index in range(count):
            radius = frame.width * size * rng.uniform(0.8, 1.25)
            x = frame.left + frame.width * (left + (right - left) * index / (count - 1))
            x = max(frame.left + radius, min(frame.left + frame.width - radius, x))
            y = frame.top + frame.height - radius - layer * frame.height * 0.08
            puffs.append(((x, y), radius))
    for center, radius in puffs:
        disk(draw, center, radius, fill=(200, 200, 205), outline=None)
    for center, radius in puffs:
        disk(
            draw,
            (center[0], center[1] - radius * 0.12),
            radius * 0.88,
            fill=(236, 236, 240),
            outline=None,
        )


def _gantry(draw: ImageDraw.ImageDraw, box: Box) -> None:
    """The lattice tower of a launch pad, filling ``box``."""
    left, top, right, bottom = box
    color, width = (120, 125, 135), max(1, round((right - left) / 12))
    draw.line([(left, bottom), (left, top)], fill=color, width=width)
    draw.line([(right, bottom), (right, top)], fill=color, width=width)
    steps = 8
    for step in range(steps):
        y0 = bottom - (bottom - top) * step / steps
        y1 = bottom - (bottom - top) * (step + 1) / steps
        draw.line([(left, y0), (right, y1)], fill=color, width=max(1, width // 2))
        draw.line([(left, y1), (right, y1)], fill=color, width=max(1, width // 2))
