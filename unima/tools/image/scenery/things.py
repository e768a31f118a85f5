"""Everyday things: an open book, a laptop, a phone, a desk lamp, a wall clock, a chair, a
candle, an umbrella and a park bench."""

from __future__ import annotations

import math

from PIL import ImageDraw

from unima.tools.image.scenery.shapes import (
    OUTLINE,
    Box,
    Look,
    disk,
    fit,
    leaf_points,
    rounded_box,
    shade,
)

COVERS = ((150, 40, 50), (40, 80, 140), (40, 110, 70), (120, 80, 40))


def draw_book(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """An open book seen from the front and above: two pages of text over its cover."""
    frame = fit(box, 1.7)
    cover = look.color(COVERS[look.rng.randrange(len(COVERS))])
    width = frame.line_width(0.01)
    draw.polygon(
        frame.points((0.0, 0.2), (0.5, 0.3), (1.0, 0.2), (1.0, 1.0), (0.5, 0.96), (0.0, 1.0)),
        fill=cover,
        outline=OUTLINE,
        width=width,
    )
    for side in (0, 1):
        outer = 0.04 if side == 0 else 0.96
        draw.polygon(
            frame.points((outer, 0.12), (0.5, 0.2), (0.5, 0.9), (outer, 0.92)),
            fill=(252, 250, 240),
            outline=OUTLINE,
            width=width,
        )
        for line in range(7):
            y = 0.26 + line * 0.085
            start, end = (0.1, 0.44) if side == 0 else (0.56, 0.9)
            draw.line(
                [frame.at(start, y), frame.at(end, y + (0.02 if side == 0 else -0.02))],
                fill=(150, 150, 160),
                width=max(1, width),
            )
    draw.line([frame.at(0.5, 0.2), frame.at(0.5, 0.9)], fill=shade(cover, 0.6), width=width * 2)


def draw_computer(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """An open laptop: a screen showing a window, and a keyboard below it."""
    frame = fit(box, 1.4)
    body = look.color((170, 175, 185))
    width = frame.line_width(0.01)
    rounded_box(
        draw,
        frame.rect(0.12, 0.0, 0.88, 0.72),
        radius=frame.width * 0.02,
        fill=(40, 42, 48),
        outline=OUTLINE,
        width=width,
    )
    draw.rectangle(frame.rect(0.16, 0.05, 0.84, 0.67), fill=(70, 130, 200))
    draw.rectangle(frame.rect(0.24, 0.14, 0.7, 0.52), fill=(245, 245, 248), outline=(40, 60, 90))
    draw.rectangle(frame.rect(0.24, 0.14, 0.7, 0.2), fill=(60, 80, 120))
    for line in range(4):
        y = 0.26 + line * 0.06
        draw.line(
            [frame.at(0.28, y), frame.at(0.62 - line * 0.05, y)],
            fill=(150, 150, 160),
            width=max(1, width),
        )
    draw.polygon(
        frame.points((0.12, 0.72), (0.88, 0.72), (1.0, 0.98), (0.0, 0.98)),
        fill=body,
        outline=OUTLINE,
        width=width,
    )
    for row in range(3):
        for column in range(12):
            left = 0.12 + column * 0.064 - row * 0.02
            y = 0.76 + row * 0.055
            draw.rectangle(frame.rect(left, y, left + 0.05, y + 0.035), fill=shade(body, 0.7))
    draw.rectangle(
        frame.rect(0.4, 0.93, 0.6, 0.97), fill=shade(body, 0.85), outline=shade(body, 0.6)
    )


def draw_phone(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A smartphone standing upright: a screen of app icons."""
    frame = fit(box, 0.5)
    rounded_box(
        draw,
        frame.rect(0.02, 0.0, 0.98, 1.0),
        radius=frame.width * 0.14,
        fill=look.color((30, 30, 35)),
        outline=OUTLINE,
        width=frame.line_width(0.02),
    )
    rounded_box(
        draw, frame.rect(0.08, 0.06, 0.92, 0.94), radius=frame.width * 0.08, fill=(70, 120, 190)
    )
    icons = (
        (230, 80, 70),
        (250, 190, 50),
        (80, 180, 100),
        (250, 250, 250),
        (150, 90, 200),
        (60, 170, 220),
    )
    for row in range(4):
        for column in range(3):
            x, y = 0.16 + column * 0.26, 0.14 + row * 0.14
            rounded_box(
                draw,
                frame.rect(x, y, x + 0.18, y + 0.09),
                radius=frame.width * 0.03,
                fill=icons[(row * 3 + column) % len(icons)],
            )
    rounded_box(draw, frame.rect(0.35, 0.88, 0.65, 0.9), radius=1, fill=(240, 240, 240))


def draw_lamp(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A desk lamp: a base, a jointed arm and a shade casting light."""
    frame = fit(box, 0.8)
    paint = look.color((60, 120, 180))
    width = max(2, frame.line_width(0.04))
    draw.polygon(frame.points((0.62, 0.3), (0.95, 0.95), (0.3, 0.95)), fill=(255, 240, 160, 90))
    draw.ellipse(frame.rect(0.05, 0.9, 0.55, 1.0), fill=paint, outline=OUTLINE)
    draw.line(
        [frame.at(0.3, 0.93), frame.at(0.2, 0.45), frame.at(0.5, 0.15)],
        fill=shade(paint, 0.7),
        width=width,
        joint="curve",
    )
    disk(draw, frame.at(0.2, 0.45), frame.width * 0.04, fill=(60, 60, 60), outline=None)
    draw.polygon(
        frame.points((0.42, 0.05), (0.62, 0.02), (0.85, 0.38), (0.42, 0.42)),
        fill=paint,
        outline=OUTLINE,
    )
    disk(
        draw,
        frame.at(0.63, 0.4),
        frame.width * 0.07,
        frame.width * 0.04,
        fill=(255, 245, 190),
        outline=None,
    )


def draw_clock(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A round clock with twelve marks, showing ten past ten."""
    frame = fit(box, 1.0)
    center, radius = frame.at(0.5, 0.5), frame.width * 0.47
    disk(
        draw,
        center,
        radius,
        fill=look.color((250, 250, 245)),
        outline=OUTLINE,
        width=max(2, frame.line_width(0.05)),
    )
    x, y = center
    for hour in range(12):
        angle = hour * math.pi / 6
        inner, outer = radius * 0.78, radius * 0.9
        draw.line(
            [
                (x + math.sin(angle) * inner, y - math.cos(angle) * inner),
                (x + math.sin(angle) * outer, y - math.cos(angle) * outer),
            ],
            fill=OUTLINE,
            width=max(1, frame.line_width(0.02)),
        )
    # Ten past ten: the hour hand towards the 10, the minute hand towards the 2.
    for angle, length, thickness in ((-math.pi / 3, 0.5, 0.045), (math.pi / 3, 0.72, 0.03)):
        tip = (x + math.sin(angle) * radius * length, y - math.cos(angle) * radius * length)
        draw.line([center, tip], fill=OUTLINE, width=max(1, frame.line_width(thickness)))
    disk(draw, center, radius * 0.06, fill=(200, 40, 40), outline=None)


def draw_chair(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A wooden chair side on: back, seat and legs."""
    frame = fit(box, 0.6)
    wood = look.color((150, 100, 60))
    width = frame.line_width(0.02)
    draw.rectangle(frame.rect(0.1, 0.0, 0.22, 1.0), fill=wood, outline=OUTLINE, width=width)
    for y in (0.08, 0.22, 0.36):
        draw.rectangle(frame.rect(0.1, y, 0.22, y + 0.06), fill=shade(wood, 0.8), outline=OUTLINE)
    draw.rectangle(frame.rect(0.1, 0.5, 0.95, 0.58), fill=wood, outline=OUTLINE, width=width)
    draw.rectangle(frame.rect(0.83, 0.58, 0.93, 1.0), fill=wood, outline=OUTLINE, width=width)
    draw.rectangle(frame.rect(0.22, 0.78, 0.83, 0.82), fill=shade(wood, 0.8), outline=OUTLINE)


def draw_candle(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A lit candle in a holder, glowing."""
    frame = fit(box, 0.4)
    wax = look.color((245, 240, 225))
    glow = frame.at(0.5, 0.2)
    disk(draw, glow, frame.width * 0.5, frame.height * 0.2, fill=(255, 220, 120, 60), outline=None)
    draw.polygon(
        leaf_points(frame.at(0.5, 0.3), -math.pi / 2, frame.height * 0.24, frame.width * 0.36),
        fill=(250, 170, 40),
    )
    draw.polygon(
        leaf_points(frame.at(0.5, 0.29), -math.pi / 2, frame.height * 0.14, frame.width * 0.18),
        fill=(255, 240, 150),
    )
    draw.line(
        [frame.at(0.5, 0.3), frame.at(0.5, 0.35)],
        fill=OUTLINE,
        width=max(1, frame.line_width(0.04)),
    )
    draw.rectangle(
        frame.rect(0.25, 0.35, 0.75, 0.92), fill=wax, outline=OUTLINE, width=frame.line_width(0.03)
    )
    draw.ellipse(frame.rect(0.0, 0.88, 1.0, 1.0), fill=(200, 170, 80), outline=OUTLINE)


def draw_umbrella(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """An open umbrella: a scalloped canopy on a hooked handle."""
    frame = fit(box, 1.1)
    canopy = look.color((200, 50, 60))
    width = frame.line_width(0.015)
    draw.line([frame.at(0.5, 0.2), frame.at(0.5, 0.9)], fill=OUTLINE, width=max(2, width * 2))
    draw.arc(frame.rect(0.5, 0.82, 0.64, 1.0), 0, 180, fill=OUTLINE, width=max(2, width * 2))
    draw.chord(
        frame.rect(0.0, 0.08, 1.0, 0.92), 180, 360, fill=canopy, outline=OUTLINE, width=width
    )
    for index in range(4):
        left = index * 0.25
        draw.chord(frame.rect(left, 0.42, left + 0.25, 0.58), 0, 180, fill=canopy, outline=OUTLINE)
    draw.rectangle(frame.rect(0.0, 0.44, 1.0, 0.5), fill=canopy)
    for x in (0.25, 0.5, 0.75):
        draw.line([frame.at(0.5, 0.08), frame.at(x, 0.5)], fill=shade(canopy, 0.7), width=width)
    draw.line([frame.at(0.5, 0.0), frame.at(0.5, 0.08)], fill=OUTLINE, width=max(2, width * 2))


def draw_bench(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A park bench: slatted seat and back on iron legs."""
    frame = fit(box, 2.2)
    wood = look.color((160, 105, 60))
    iron = (60, 60, 65)
    width = frame.line_width(0.01)
    for x in (0.1, 0.86):
        draw.rectangle(frame.rect(x, 0.1, x + 0.04, 1.0), fill=iron)
    for y in (0.1, 0.26):
        draw.rectangle(frame.rect(0.04, y, 0.96, y + 0.1), fill=wood, outline=OUTLINE, width=width)
    draw.polygon(
        frame.points((0.0, 0.55), (1.0, 0.55), (0.97, 0.66), (0.03, 0.66)),
        fill=shade(wood, 1.1),
        outline=OUTLINE,
    )
    draw.rectangle(frame.rect(0.03, 0.66, 0.97, 0.72), fill=shade(wood, 0.8), outline=OUTLINE)
