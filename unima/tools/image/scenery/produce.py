"""Fruit and vegetables, each a few recognisable shapes: an apple's dent and leaf, an
orange's dimples, a banana's crescent, a bunch of grapes, a strawberry's seeds."""

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
    shade,
)


def _apple(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    frame = fit(box, 1.0)
    color = look.color((200, 35, 40))
    draw.line(
        [frame.at(0.5, 0.25), frame.at(0.55, 0.05)],
        fill=(100, 60, 30),
        width=frame.line_width(0.05),
    )
    draw.polygon(
        leaf_points(frame.at(0.55, 0.17), -0.4, frame.width * 0.3, frame.width * 0.14),
        fill=(70, 150, 60),
        outline=OUTLINE,
    )
    disk(
        draw, frame.at(0.37, 0.6), frame.width * 0.33, frame.height * 0.38, fill=color, outline=None
    )
    disk(
        draw, frame.at(0.63, 0.6), frame.width * 0.33, frame.height * 0.38, fill=color, outline=None
    )
    draw.arc(
        frame.rect(0.04, 0.22, 0.7, 0.98), 90, 260, fill=OUTLINE, width=frame.line_width(0.015)
    )
    draw.arc(
        frame.rect(0.3, 0.22, 0.96, 0.98), 280, 90, fill=OUTLINE, width=frame.line_width(0.015)
    )
    disk(
        draw,
        frame.at(0.32, 0.45),
        frame.width * 0.07,
        frame.height * 0.1,
        fill=(255, 255, 255, 110),
        outline=None,
    )


def _orange(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    frame = fit(box, 1.0)
    disk(
        draw,
        frame.at(0.5, 0.55),
        frame.width * 0.45,
        fill=look.color((240, 140, 30)),
        outline=OUTLINE,
        width=frame.line_width(0.015),
    )
    for index in range(14):
        angle = index * 2.4
        radius = 0.3 * math.sqrt((index + 1) / 14)
        disk(
            draw,
            frame.at(0.5 + math.cos(angle) * radius, 0.55 + math.sin(angle) * radius),
            frame.width * 0.012,
            fill=(215, 110, 20),
            outline=None,
        )
    draw.polygon(
        leaf_points(frame.at(0.5, 0.16), -0.5, frame.width * 0.26, frame.width * 0.12),
        fill=(60, 140, 50),
        outline=OUTLINE,
    )


def _lemon(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    frame = fit(box, 1.4)
    color = (150, 200, 60) if look.names & {"lime"} else (245, 215, 50)
    draw.polygon(
        leaf_points(frame.at(0.02, 0.55), 0.0, frame.width * 0.96, frame.height * 0.85),
        fill=color,
        outline=OUTLINE,
    )


def _banana(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    frame = fit(box, 1.8)
    outer = [
        frame.at(0.5 + 0.48 * math.cos(angle), 0.0 + 0.95 * math.sin(angle))
        for angle in (math.pi * step / 20 for step in range(21))
    ]
    inner = [
        frame.at(0.5 + 0.4 * math.cos(angle), -0.05 + 0.6 * math.sin(angle))
        for angle in (math.pi * step / 20 for step in range(20, -1, -1))
    ]
    draw.polygon(outer + inner, fill=(248, 215, 70), outline=OUTLINE, width=frame.line_width(0.01))
    disk(draw, frame.at(0.04, 0.08), frame.width * 0.025, fill=(90, 60, 30), outline=None)
    disk(draw, frame.at(0.96, 0.08), frame.width * 0.025, fill=(90, 60, 30), outline=None)


def _pear(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    frame = fit(box, 0.8)
    color = look.color((190, 205, 70))
    disk(
        draw,
        frame.at(0.5, 0.4),
        frame.width * 0.24,
        frame.height * 0.2,
        fill=color,
        outline=OUTLINE,
    )
    disk(
        draw,
        frame.at(0.5, 0.7),
        frame.width * 0.42,
        frame.height * 0.3,
        fill=color,
        outline=OUTLINE,
    )
    disk(
        draw, frame.at(0.5, 0.42), frame.width * 0.23, frame.height * 0.16, fill=color, outline=None
    )
    draw.line(
        [frame.at(0.5, 0.22), frame.at(0.55, 0.04)],
        fill=(100, 60, 30),
        width=frame.line_width(0.05),
    )


def _grapes(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    frame = fit(box, 0.8)
    color = look.color((120, 50, 130))
    draw.line(
        [frame.at(0.5, 0.15), frame.at(0.55, 0.0)], fill=(100, 70, 30), width=frame.line_width(0.04)
    )
    for row, count in enumerate((4, 3, 3, 2, 1)):
        for index in range(count):
            x = 0.5 + (index - (count - 1) / 2) * 0.22
            disk(
                draw,
                frame.at(x, 0.25 + row * 0.16),
                frame.width * 0.12,
                fill=color,
                outline=shade(color, 0.6),
            )


def _strawberry(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    frame = fit(box, 0.85)
    draw.polygon(
        frame.points(
            (0.05, 0.3), (0.3, 0.18), (0.7, 0.18), (0.95, 0.3), (0.8, 0.7), (0.5, 1.0), (0.2, 0.7)
        ),
        fill=(215, 35, 45),
        outline=OUTLINE,
    )
    for row in range(4):
        for index in range(4 - row // 2):
            disk(
                draw,
                frame.at(0.25 + index * 0.17 + row * 0.04, 0.35 + row * 0.14),
                frame.width * 0.015,
                fill=(250, 220, 90),
                outline=None,
            )
    for angle in (-2.6, -1.9, -1.2, -0.5):
        draw.polygon(
            leaf_points(frame.at(0.5, 0.2), angle, frame.width * 0.2, frame.width * 0.1),
            fill=(60, 140, 50),
            outline=OUTLINE,
        )


def _cherry(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    frame = fit(box, 1.0)
    for x in (0.3, 0.7):
        draw.line(
            [frame.at(x, 0.6), frame.at(0.52, 0.05)],
            fill=(90, 110, 40),
            width=frame.line_width(0.03),
        )
        disk(draw, frame.at(x, 0.72), frame.width * 0.2, fill=(170, 20, 40), outline=OUTLINE)


def _tomato(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    frame = fit(box, 1.15)
    disk(
        draw,
        frame.at(0.5, 0.58),
        frame.width * 0.46,
        frame.height * 0.4,
        fill=(220, 45, 35),
        outline=OUTLINE,
    )
    for angle in (-2.8, -2.1, -1.57, -1.0, -0.3):
        draw.polygon(
            leaf_points(
                frame.at(0.5, 0.22), angle + math.pi, frame.width * 0.14, frame.width * 0.06
            ),
            fill=(60, 130, 50),
        )
    disk(draw, frame.at(0.35, 0.45), frame.width * 0.06, fill=(255, 255, 255, 110), outline=None)


def _carrot(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    frame = fit(box, 0.5)
    for angle in (-2.0, -1.57, -1.1):
        draw.polygon(
            leaf_points(frame.at(0.5, 0.25), angle, frame.height * 0.25, frame.width * 0.22),
            fill=(70, 150, 60),
            outline=OUTLINE,
        )
    draw.polygon(
        frame.points((0.15, 0.25), (0.85, 0.25), (0.5, 1.0)), fill=(240, 130, 30), outline=OUTLINE
    )
    for y in (0.4, 0.55, 0.7):
        draw.line(
            [frame.at(0.3, y), frame.at(0.45, y + 0.02)],
            fill=(190, 90, 20),
            width=frame.line_width(0.03),
        )


FRUITS = {
    "apple": _apple,
    "orange": _orange,
    "lemon": _lemon,
    "banana": _banana,
    "pear": _pear,
    "grapes": _grapes,
    "strawberry": _strawberry,
    "cherry": _cherry,
    "tomato": _tomato,
    "carrot": _carrot,
}
