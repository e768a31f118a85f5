"""Dishes seen from the side: a layer cake, a burger on a plate, a loaf on its board."""

from __future__ import annotations

from PIL import ImageDraw

from unima.tools.image.scenery.plated import PLATE_RIM
from unima.tools.image.scenery.shapes import (
    OUTLINE,
    Box,
    Look,
    disk,
    fit,
    rounded_box,
)


def draw_cake(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A round layer cake on a plate, frosted, with berries on top."""
    frame = fit(box, 1.2)
    width = frame.line_width(0.008)
    chocolate = "chocolate" in look.details
    frosting = look.color((120, 70, 40) if chocolate else (250, 240, 232))
    sponge = (120, 75, 45) if chocolate else (240, 205, 140)
    draw.ellipse(
        frame.rect(0.0, 0.82, 1.0, 1.0), fill=PLATE_RIM, outline=(150, 150, 150), width=width
    )
    draw.rectangle(frame.rect(0.12, 0.35, 0.88, 0.9), fill=sponge)
    draw.chord(frame.rect(0.12, 0.8, 0.88, 0.98), 0, 180, fill=sponge, outline=OUTLINE, width=width)
    for layer in (0.52, 0.7):
        draw.rectangle(frame.rect(0.12, layer, 0.88, layer + 0.05), fill=frosting)
    draw.line([frame.at(0.12, 0.4), frame.at(0.12, 0.89)], fill=OUTLINE, width=width)
    draw.line([frame.at(0.88, 0.4), frame.at(0.88, 0.89)], fill=OUTLINE, width=width)
    draw.ellipse(frame.rect(0.1, 0.25, 0.9, 0.47), fill=frosting, outline=OUTLINE, width=width)
    for index in range(7):
        x = 0.16 + index * 0.115
        draw.chord(
            frame.rect(x - 0.045, 0.33, x + 0.045, 0.47 + 0.03 * (index % 2)), 0, 180, fill=frosting
        )
    for x, y in ((0.3, 0.31), (0.5, 0.28), (0.7, 0.31), (0.42, 0.38), (0.6, 0.38)):
        disk(draw, frame.at(x, y), frame.width * 0.05, fill=(200, 30, 45), outline=(120, 15, 25))
        disk(
            draw,
            frame.at(x - 0.015, y - 0.02),
            frame.width * 0.012,
            fill=(255, 200, 200),
            outline=None,
        )


def draw_burger(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A burger on a plate: bun, lettuce, tomato, cheese, patty, bun."""
    frame = fit(box, 1.25)
    width = frame.line_width(0.008)
    draw.ellipse(
        frame.rect(0.0, 0.8, 1.0, 1.0), fill=PLATE_RIM, outline=(150, 150, 150), width=width
    )
    bun = (222, 160, 80)
    rounded_box(
        draw,
        frame.rect(0.14, 0.74, 0.86, 0.9),
        radius=frame.height * 0.05,
        fill=bun,
        outline=OUTLINE,
        width=width,
    )
    rounded_box(
        draw,
        frame.rect(0.12, 0.6, 0.88, 0.76),
        radius=frame.height * 0.06,
        fill=(100, 55, 35),
        outline=OUTLINE,
        width=width,
    )
    draw.polygon(
        frame.points(
            (0.12, 0.58),
            (0.88, 0.58),
            (0.8, 0.66),
            (0.7, 0.6),
            (0.6, 0.68),
            (0.5, 0.6),
            (0.2, 0.63),
        ),
        fill=(250, 200, 60),
        outline=OUTLINE,
    )
    draw.rectangle(
        frame.rect(0.16, 0.52, 0.84, 0.58), fill=(215, 55, 45), outline=OUTLINE, width=width
    )
    lettuce = [frame.at(0.1 + 0.8 * step / 12, 0.5 + 0.03 * (step % 2)) for step in range(13)]
    draw.polygon(
        [frame.at(0.12, 0.46), frame.at(0.88, 0.46), *reversed(lettuce)],
        fill=(90, 170, 60),
        outline=(40, 100, 30),
    )
    draw.chord(frame.rect(0.12, 0.12, 0.88, 0.8), 180, 360, fill=bun, outline=OUTLINE, width=width)
    for x, y in ((0.3, 0.3), (0.45, 0.22), (0.6, 0.27), (0.72, 0.35), (0.38, 0.38), (0.55, 0.36)):
        disk(
            draw,
            frame.at(x, y),
            frame.width * 0.015,
            frame.height * 0.01,
            fill=(250, 245, 225),
            outline=None,
        )


def draw_bread(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A scored loaf on a wooden board."""
    frame = fit(box, 2.0)
    rounded_box(
        draw,
        frame.rect(0.0, 0.78, 1.0, 1.0),
        radius=frame.height * 0.06,
        fill=(150, 100, 60),
        outline=OUTLINE,
    )
    draw.chord(
        frame.rect(0.08, 0.1, 0.92, 1.3),
        180,
        360,
        fill=(205, 140, 65),
        outline=OUTLINE,
        width=frame.line_width(0.01),
    )
    for index in range(4):
        x = 0.25 + index * 0.16
        draw.arc(
            frame.rect(x - 0.08, 0.25, x + 0.08, 0.7),
            200,
            320,
            fill=(245, 210, 150),
            width=frame.line_width(0.03),
        )
