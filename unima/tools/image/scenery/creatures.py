"""Birds and fish side on, coloured by species when the label names one (a robin's red
breast, a goldfish's orange, a shark's grey)."""

from __future__ import annotations

import math

from PIL import ImageDraw

from unima.tools.image.scenery.shapes import (
    OUTLINE,
    Box,
    Color,
    Look,
    disk,
    fit,
    leaf_points,
    shade,
)

BIRD_COLORS: dict[str, tuple[Color, Color, Color]] = {
    # body, belly or head, beak
    "parrot": ((40, 160, 70), (220, 40, 40), (240, 200, 60)),
    "eagle": ((110, 70, 40), (250, 250, 250), (240, 190, 40)),
    "owl": ((150, 110, 70), (225, 200, 160), (90, 80, 60)),
    "robin": ((120, 95, 70), (225, 95, 50), (60, 50, 40)),
    "crow": ((40, 40, 45), (60, 60, 70), (30, 30, 30)),
    "duck": ((240, 240, 235), (50, 120, 60), (240, 160, 40)),
    "swan": ((250, 250, 250), (250, 250, 250), (240, 120, 40)),
    "chicken": ((250, 250, 245), (250, 250, 245), (240, 180, 50)),
    "hen": ((190, 110, 60), (210, 140, 80), (240, 180, 50)),
    "seagull": ((245, 245, 245), (170, 175, 185), (240, 190, 40)),
    "gull": ((245, 245, 245), (170, 175, 185), (240, 190, 40)),
}


def draw_bird(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A bird standing side on, facing right."""
    body, belly, beak = next(
        (colors for name, colors in BIRD_COLORS.items() if name in look.names),
        (look.color((60, 110, 190)), (240, 160, 80), (240, 180, 50)),
    )
    frame = fit(box, 1.15)
    width = frame.line_width(0.01)
    for x in (0.42, 0.52):
        draw.line(
            [frame.at(x, 0.72), frame.at(x, 0.98)], fill=(200, 120, 40), width=max(1, width * 2)
        )
        draw.line(
            [frame.at(x - 0.04, 0.98), frame.at(x + 0.06, 0.98)],
            fill=(200, 120, 40),
            width=max(1, width * 2),
        )
    draw.polygon(
        frame.points((0.3, 0.5), (0.02, 0.42), (0.06, 0.62), (0.3, 0.62)),
        fill=shade(body, 0.8),
        outline=OUTLINE,
    )
    draw.ellipse(frame.rect(0.18, 0.38, 0.78, 0.8), fill=body, outline=OUTLINE, width=width)
    draw.chord(frame.rect(0.34, 0.48, 0.78, 0.8), 0, 180, fill=belly)
    draw.polygon(
        leaf_points(frame.at(0.62, 0.5), math.radians(170), frame.width * 0.45, frame.height * 0.2),
        fill=shade(body, 0.75),
        outline=OUTLINE,
    )
    head = frame.at(0.74, 0.34)
    radius = frame.height * 0.14
    disk(
        draw,
        head,
        radius,
        fill=belly if "eagle" in look.names else body,
        outline=OUTLINE,
        width=width,
    )
    if look.names & {"chicken", "hen"}:
        for offset in (-0.3, 0.1, 0.5):
            disk(
                draw,
                (head[0] + offset * radius, head[1] - radius),
                radius * 0.3,
                fill=(210, 40, 40),
                outline=None,
            )
    draw.polygon(
        [
            (head[0] + radius * 0.8, head[1] - radius * 0.3),
            (head[0] + radius * 1.9, head[1] + radius * 0.05),
            (head[0] + radius * 0.8, head[1] + radius * 0.4),
        ],
        fill=beak,
        outline=OUTLINE,
    )
    disk(
        draw,
        (head[0] + radius * 0.35, head[1] - radius * 0.25),
        max(1.5, radius * 0.16),
        fill=(20, 20, 20),
        outline=None,
    )


FISH_COLORS: dict[str, tuple[Color, Color]] = {
    "goldfish": ((245, 140, 30), (250, 200, 120)),
    "salmon": ((230, 140, 120), (210, 215, 225)),
    "shark": ((120, 135, 150), (235, 235, 235)),
    "dolphin": ((110, 140, 170), (220, 225, 235)),
    "whale": ((70, 95, 130), (200, 205, 215)),
    "tuna": ((60, 80, 120), (200, 205, 215)),
}


def draw_fish(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A fish side on, facing right, with a tail, fins, gill and scales."""
    body, belly = next(
        (colors for name, colors in FISH_COLORS.items() if name in look.names),
        (look.color((80, 150, 200)), (215, 230, 240)),
    )
    frame = fit(box, 2.0)
    width = frame.line_width(0.012)
    draw.polygon(
        frame.points((0.22, 0.5), (0.0, 0.12), (0.06, 0.5), (0.0, 0.88)),
        fill=shade(body, 0.85),
        outline=OUTLINE,
    )
    fin = 0.02 if look.names & {"shark", "dolphin"} else 0.15
    draw.polygon(
        frame.points((0.4, 0.25), (0.5, fin), (0.65, 0.25)), fill=shade(body, 0.8), outline=OUTLINE
    )
    draw.ellipse(frame.rect(0.15, 0.2, 0.98, 0.82), fill=body, outline=OUTLINE, width=width)
    draw.chord(frame.rect(0.2, 0.35, 0.95, 0.8), 20, 160, fill=belly)
    draw.arc(frame.rect(0.62, 0.3, 0.8, 0.72), 300, 60, fill=OUTLINE, width=width)
    for row in range(2):
        for index in range(4):
            x = 0.3 + index * 0.08 + row * 0.04
            draw.arc(
                frame.rect(x, 0.36 + row * 0.14, x + 0.07, 0.5 + row * 0.14),
                270,
                90,
                fill=shade(body, 0.7),
                width=1,
            )
    disk(draw, frame.at(0.84, 0.42), frame.height * 0.06, fill=(250, 250, 250), outline=OUTLINE)
    disk(draw, frame.at(0.85, 0.42), frame.height * 0.03, fill=(20, 20, 20), outline=None)
    draw.polygon(
        leaf_points(
            frame.at(0.62, 0.62), math.radians(140), frame.width * 0.14, frame.height * 0.12
        ),
        fill=shade(body, 0.8),
        outline=OUTLINE,
    )
