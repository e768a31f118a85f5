"""People standing: a person in seeded clothes (a chef in whites and a toque), or an
astronaut in a white suit with a gold visor."""

from __future__ import annotations

from PIL import ImageDraw

from unima.tools.image.scenery.shapes import (
    OUTLINE,
    Box,
    Look,
    disk,
    fit,
    rounded_box,
)


def draw_person(draw: ImageDraw.ImageDraw, box: Box, look: Look, astronaut: bool = False) -> None:
    """A standing person, or an astronaut in a white suit with a gold visor."""
    frame = fit(box, 0.45)
    width = frame.line_width(0.015)
    rng = look.rng
    shirts = ((200, 60, 60), (60, 110, 190), (70, 150, 90), (230, 170, 50), (140, 80, 160))
    shirt = (240, 240, 240) if astronaut else look.color(shirts[rng.randrange(len(shirts))])
    trousers = (235, 235, 235) if astronaut else (50, 60, 90)
    skin = (
        (235, 190, 150)
        if astronaut
        else ((240, 200, 160), (200, 150, 110), (140, 95, 65))[rng.randrange(3)]
    )
    chef = bool(look.names & {"chef"})
    if chef:
        shirt = (250, 250, 250)
    if astronaut:
        rounded_box(
            draw,
            frame.rect(0.1, 0.25, 0.9, 0.62),
            radius=frame.width * 0.1,
            fill=(200, 200, 205),
            outline=OUTLINE,
            width=width,
        )
    for x in (0.3, 0.54):
        rounded_box(
            draw,
            frame.rect(x, 0.58, x + 0.16, 0.97),
            radius=frame.width * 0.05,
            fill=trousers,
            outline=OUTLINE,
            width=width,
        )
        rounded_box(
            draw,
            frame.rect(x - 0.02, 0.93, x + 0.22, 1.0),
            radius=frame.width * 0.04,
            fill=(40, 35, 35) if not astronaut else (150, 150, 160),
            outline=OUTLINE,
        )
    rounded_box(
        draw,
        frame.rect(0.05, 0.26, 0.2, 0.58),
        radius=frame.width * 0.07,
        fill=shirt,
        outline=OUTLINE,
        width=width,
    )
    rounded_box(
        draw,
        frame.rect(0.8, 0.26, 0.95, 0.58),
        radius=frame.width * 0.07,
        fill=shirt,
        outline=OUTLINE,
        width=width,
    )
    rounded_box(
        draw,
        frame.rect(0.2, 0.24, 0.8, 0.64),
        radius=frame.width * 0.12,
        fill=shirt,
        outline=OUTLINE,
        width=width,
    )
    for x in (0.125, 0.875):
        disk(
            draw,
            frame.at(x, 0.6),
            frame.width * 0.07,
            fill=(240, 240, 240) if astronaut else skin,
            outline=OUTLINE,
        )
    head = frame.at(0.5, 0.14)
    radius = frame.width * 0.22
    if astronaut:
        disk(draw, head, radius * 1.25, fill=(245, 245, 245), outline=OUTLINE, width=width)
        disk(
            draw,
            (head[0], head[1] + radius * 0.1),
            radius * 0.85,
            radius * 0.7,
            fill=(220, 170, 60),
            outline=OUTLINE,
        )
        disk(
            draw,
            (head[0] - radius * 0.3, head[1] - radius * 0.1),
            radius * 0.2,
            fill=(255, 240, 200, 180),
            outline=None,
        )
        draw.rectangle(frame.rect(0.38, 0.34, 0.62, 0.44), fill=(60, 110, 190), outline=OUTLINE)
        return
    disk(draw, head, radius, fill=skin, outline=OUTLINE, width=width)
    hair = ((60, 40, 25), (20, 20, 20), (200, 160, 80), (140, 70, 40))[rng.randrange(4)]
    draw.chord(
        (head[0] - radius, head[1] - radius, head[0] + radius, head[1] + radius * 0.6),
        180,
        360,
        fill=hair,
        outline=OUTLINE,
    )
    for side in (-1, 1):
        disk(
            draw,
            (head[0] + side * radius * 0.4, head[1] + radius * 0.2),
            max(1.2, radius * 0.12),
            fill=(30, 30, 30),
            outline=None,
        )
    draw.arc(
        (
            head[0] - radius * 0.4,
            head[1] + radius * 0.2,
            head[0] + radius * 0.4,
            head[1] + radius * 0.7,
        ),
        20,
        160,
        fill=(120, 50, 40),
        width=1,
    )
    if chef:
        rounded_box(
            draw,
            (
                head[0] - radius * 0.8,
                max(frame.top, head[1] - radius * 1.9),
                head[0] + radius * 0.8,
                head[1] - radius * 0.7,
            ),
            radius=radius * 0.4,
            fill=(250, 250, 250),
            outline=OUTLINE,
        )
