"""Nature on the ground: trees, conifers, palms, a forest, bushes, rocks, mountains (or a
volcano), flowers, a flowerbed and coral. In snow, crowns, rocks and peaks carry white caps."""

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
    shade,
)

SNOW: Color = (250, 252, 255)


TRUNK: Color = (110, 75, 45)


def draw_tree(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A broadleaf tree: a trunk under a crown of overlapping rounded clumps."""
    frame = fit(box, 0.8)
    rng = look.rng
    width = frame.line_width(0.012)
    draw.polygon(
        frame.points((0.42, 1.0), (0.46, 0.45), (0.54, 0.45), (0.58, 1.0)),
        fill=TRUNK,
        outline=OUTLINE,
    )
    autumn = bool(look.names & {"autumn", "fall", "maple"})
    green = look.color(
        (200, 110, 40)
        if autumn
        else (rng.randint(40, 70), rng.randint(120, 160), rng.randint(45, 75))
    )
    clumps = ((0.3, 0.42, 0.22), (0.7, 0.42, 0.22), (0.5, 0.26, 0.26), (0.5, 0.48, 0.24))
    for x, y, radius in clumps:
        disk(draw, frame.at(x, y), frame.width * radius, fill=green, outline=OUTLINE, width=width)
    for x, y, radius in clumps:
        disk(draw, frame.at(x, y), frame.width * radius - width, fill=green, outline=None)
    disk(draw, frame.at(0.42, 0.2), frame.width * 0.08, fill=shade(green, 1.25), outline=None)
    if "snow" in look.details:
        for x, y, radius in clumps[:3]:
            cx, cy = frame.at(x, y)
            size = frame.width * radius
            draw.chord((cx - size, cy - size, cx + size, cy + size), 215, 325, fill=SNOW)


def draw_pine(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A conifer: three stacked triangles on a short trunk; snow on the tiers in winter."""
    frame = fit(box, 0.55)
    green = look.color((40, 110, 70))
    draw.rectangle(frame.rect(0.42, 0.82, 0.58, 1.0), fill=TRUNK, outline=OUTLINE)
    for tier, (top, bottom, half) in enumerate(
        ((0.0, 0.4, 0.32), (0.2, 0.62, 0.42), (0.4, 0.86, 0.5))
    ):
        draw.polygon(
            frame.points((0.5, top), (0.5 + half, bottom), (0.5 - half, bottom)),
            fill=shade(green, 1.0 - tier * 0.08),
            outline=OUTLINE,
        )
        if "snow" in look.details:
            draw.polygon(
                frame.points(
                    (0.5, top),
                    (0.5 + half * 0.45, top + (bottom - top) * 0.45),
                    (0.5 - half * 0.45, top + (bottom - top) * 0.45),
                ),
                fill=SNOW,
            )


def draw_palm(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A palm: a curved ringed trunk, fronds and coconuts."""
    frame = fit(box, 0.8)
    trunk = [
        frame.at(0.45 + 0.08 * math.sin(t * 2.2), 1.0 - 0.62 * t)
        for t in (step / 12 for step in range(13))
    ]
    draw.line(trunk, fill=(150, 110, 70), width=max(3, frame.line_width(0.07)), joint="curve")
    for x, y in trunk[1::2]:
        draw.line(
            [(x - frame.width * 0.035, y), (x + frame.width * 0.035, y)],
            fill=(110, 80, 50),
            width=1,
        )
    crown = trunk[-1]
    for angle in (-170, -140, -105, -75, -40, -10, 20, 160):
        draw.polygon(
            leaf_points(crown, math.radians(angle), frame.width * 0.42, frame.width * 0.14),
            fill=(60, 150, 60),
            outline=OUTLINE,
        )
    for offset in (-0.03, 0.03):
        disk(
            draw,
            (crown[0] + frame.width * offset, crown[1] + frame.width * 0.05),
            frame.width * 0.035,
            fill=(110, 75, 40),
            outline=OUTLINE,
        )


def draw_forest(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """Trees and conifers in two rows."""
    frame = fit(box, 2.0)
    rng = look.rng
    for row, (count, height, lift) in enumerate(((5, 0.62, 0.3), (4, 0.7, 0.0))):
        for index in range(count):
            x = (index + 0.5 + (0.5 if row else 0)) / (count + 0.5)
            left = frame.left + frame.width * (x - 0.13)
            part: Box = (
                left,
                frame.top + frame.height * (1 - height - lift),
                left + frame.width * 0.26,
                frame.top + frame.height * (1 - lift),
            )
            (draw_pine if rng.random() < 0.5 else draw_tree)(draw, part, look)


def draw_bush(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A low rounded bush."""
    frame = fit(box, 1.6)
    green = look.color((60, 130, 60))
    for x, y, radius in ((0.28, 0.62, 0.2), (0.72, 0.62, 0.2), (0.5, 0.45, 0.26), (0.5, 0.7, 0.22)):
        disk(
            draw,
            frame.at(x, y),
            frame.width * radius * 0.62,
            frame.height * radius * 1.1,
            fill=green,
            outline=OUTLINE,
        )


def draw_rock(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A grey boulder with a lit face."""
    frame = fit(box, 1.5)
    rng = look.rng
    level = rng.randint(120, 150)
    grey = look.color((level, level, level))
    points = [
        frame.at(
            0.5 + math.cos(angle) * rng.uniform(0.38, 0.5),
            1.0 - abs(math.sin(angle)) * rng.uniform(0.7, 1.0),
        )
        for angle in (math.pi * step / 7 for step in range(8))
    ]
    draw.polygon(points, fill=grey, outline=OUTLINE)
    draw.polygon([points[5], points[6], frame.at(0.6, 0.8)], fill=shade(grey, 1.2))
    if "snow" in look.details:
        draw.polygon([points[2], points[3], points[4], points[5], frame.at(0.45, 0.4)], fill=SNOW)


def draw_mountain(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A mountain with a snow cap, or a volcano smoking over a crater of lava."""
    frame = fit(box, 1.6)
    rock = look.color((120, 110, 105))
    if look.names & {"volcano"}:
        draw.polygon(
            frame.points((0.0, 1.0), (0.38, 0.25), (0.62, 0.25), (1.0, 1.0)),
            fill=(110, 80, 65),
            outline=OUTLINE,
        )
        draw.polygon(
            frame.points((0.4, 0.25), (0.6, 0.25), (0.58, 0.5), (0.5, 0.38), (0.44, 0.55)),
            fill=(235, 90, 30),
        )
        for index in range(3):
            disk(
                draw,
                frame.at(0.48 + index * 0.05, 0.16 - index * 0.05),
                frame.height * (0.07 + index * 0.015),
                fill=(150, 150, 150),
                outline=None,
            )
        return
    draw.polygon(frame.points((0.0, 1.0), (0.5, 0.02), (1.0, 1.0)), fill=rock, outline=OUTLINE)
    draw.polygon(frame.points((0.5, 0.02), (1.0, 1.0), (0.62, 1.0)), fill=shade(rock, 0.8))
    draw.polygon(
        frame.points(
            (0.5, 0.02), (0.66, 0.33), (0.58, 0.28), (0.5, 0.36), (0.42, 0.28), (0.34, 0.33)
        ),
        fill=SNOW,
        outline=OUTLINE,
    )


def _flower(draw: ImageDraw.ImageDraw, frame: Frame, petal: Color) -> None:
    draw.line(
        [frame.at(0.5, 1.0), frame.at(0.5, 0.3)],
        fill=(40, 120, 40),
        width=max(2, frame.line_width(0.06)),
    )
    draw.polygon(
        leaf_points(
            frame.at(0.5, 0.75), math.radians(-30), frame.height * 0.22, frame.height * 0.08
        ),
        fill=(60, 140, 50),
    )
    draw.polygon(
        leaf_points(
            frame.at(0.5, 0.65), math.radians(-150), frame.height * 0.2, frame.height * 0.08
        ),
        fill=(60, 140, 50),
    )
    center = frame.at(0.5, 0.22)
    for angle in range(0, 360, 60):
        radians = math.radians(angle)
        disk(
            draw,
            (
                center[0] + math.cos(radians) * frame.width * 0.22,
                center[1] + math.sin(radians) * frame.width * 0.22,
            ),
            frame.width * 0.18,
            fill=petal,
            outline=shade(petal, 0.7),
        )
    disk(draw, center, frame.width * 0.14, fill=(250, 210, 60), outline=(160, 120, 30))


def draw_flower(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A flower on a leafy stem."""
    rng = look.rng
    petal = look.color((rng.randint(200, 255), rng.randint(60, 160), rng.randint(120, 220)))
    if look.names & {"sunflower"}:
        petal = (250, 200, 30)
    _flower(draw, fit(box, 0.5), petal)


def draw_garden(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A flowerbed: flowers of several colours at different heights."""
    frame = fit(box, 2.0)
    colors = ((230, 70, 90), (250, 190, 40), (150, 90, 200), (240, 130, 170), (240, 240, 245))
    for index in range(7):
        height = 0.65 + 0.3 * ((index * 37) % 10) / 10
        width = frame.width / 8
        left = frame.left + width * (index + 0.5) - width * 0.5
        _flower(
            draw,
            Frame(left, frame.top + frame.height * (1 - height), width, frame.height * height),
            colors[index % len(colors)],
        )


def draw_coral(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A reef of branching coral in three colours."""
    frame = fit(box, 1.6)
    colors = ((240, 110, 110), (250, 170, 80), (200, 90, 170))
    width = max(3, frame.line_width(0.05))
    for index, (x, height) in enumerate(((0.2, 0.7), (0.5, 1.0), (0.8, 0.8))):
        color = look.color(colors[index])
        base = frame.at(x, 1.0)
        for branch in (-0.5, -0.2, 0.15, 0.45):
            tip = frame.at(x + branch * 0.22, 1.0 - height * (0.75 + 0.25 * (1 - abs(branch))))
            bend = frame.at(x + branch * 0.08, 1.0 - height * 0.4)
            draw.line([base, bend, tip], fill=color, width=width, joint="curve")
            disk(draw, tip, width * 0.8, fill=color, outline=None)
