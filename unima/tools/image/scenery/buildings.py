"""Buildings: houses, a village of them, a church with its steeple, towers, a lighthouse, a
castle and a city skyline. At night their windows are lit.
"""

from __future__ import annotations

from PIL import ImageDraw

from unima.tools.image.scenery.shapes import OUTLINE, Box, Color, Frame, Look, disk, fit, shade

WALLS: tuple[Color, ...] = ((236, 214, 180), (245, 235, 215), (215, 150, 120), (200, 215, 225))
ROOFS: tuple[Color, ...] = ((170, 60, 50), (110, 70, 55), (80, 85, 100), (150, 90, 50))
STONE: Color = (214, 206, 190)
DARK_WINDOW: Color = (120, 160, 200)
LIT_WINDOW: Color = (255, 220, 110)


def _window(look: Look) -> Color:
    return LIT_WINDOW if "night" in look.details else DARK_WINDOW


def _house(draw: ImageDraw.ImageDraw, frame: Frame, look: Look, wall: Color, roof: Color) -> None:
    width = frame.line_width(0.012)
    draw.rectangle(
        frame.rect(0.66, 0.08, 0.78, 0.35), fill=shade(roof, 0.8), outline=OUTLINE, width=width
    )
    draw.rectangle(frame.rect(0.1, 0.45, 0.9, 1.0), fill=wall, outline=OUTLINE, width=width)
    draw.polygon(
        frame.points((0.02, 0.47), (0.5, 0.04), (0.98, 0.47)),
        fill=roof,
        outline=OUTLINE,
        width=width,
    )
    draw.rectangle(
        frame.rect(0.42, 0.68, 0.58, 1.0), fill=(110, 70, 45), outline=OUTLINE, width=width
    )
    for x in (0.17, 0.65):
        draw.rectangle(
            frame.rect(x, 0.56, x + 0.18, 0.76), fill=_window(look), outline=OUTLINE, width=width
        )
        draw.line([frame.at(x + 0.09, 0.56), frame.at(x + 0.09, 0.76)], fill=OUTLINE, width=width)
        draw.line([frame.at(x, 0.66), frame.at(x + 0.18, 0.66)], fill=OUTLINE, width=width)


def draw_house(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A house with a pitched roof, a chimney, a door and two windows."""
    rng = look.rng
    wall = look.color(WALLS[rng.randrange(len(WALLS))])
    _house(draw, fit(box, 1.0), look, wall, ROOFS[rng.randrange(len(ROOFS))])


def draw_village(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """Five houses of different sizes and colours, a back row and a front row."""
    frame = fit(box, 2.0)
    rng = look.rng
    places = (
        (0.1, 0.05, 0.5),
        (0.42, 0.0, 0.55),
        (0.72, 0.08, 0.45),
        (0.0, 0.4, 0.6),
        (0.5, 0.35, 0.65),
    )
    for x, y, size in places:
        height = frame.height * size
        left = frame.left + frame.width * x
        top = frame.top + frame.height * (1 - size) - frame.height * (0.25 if y < 0.2 else 0.0)
        house = Frame(left, top, min(height, frame.left + frame.width - left), height)
        _house(
            draw, house, look, WALLS[rng.randrange(len(WALLS))], ROOFS[rng.randrange(len(ROOFS))]
        )


def draw_church(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A stone church: a nave with arched windows and a tower with a spire and a cross."""
    frame = fit(box, 0.95)
    width = frame.line_width(0.012)
    roof = (95, 100, 115)
    window = _window(look)
    draw.rectangle(frame.rect(0.38, 0.55, 0.98, 1.0), fill=STONE, outline=OUTLINE, width=width)
    draw.polygon(
        frame.points((0.36, 0.56), (0.67, 0.36), (1.0, 0.56)),
        fill=roof,
        outline=OUTLINE,
        width=width,
    )
    for x in (0.48, 0.64, 0.8):
        draw.rectangle(frame.rect(x, 0.68, x + 0.08, 0.86), fill=window, outline=OUTLINE)
        draw.chord(frame.rect(x, 0.64, x + 0.08, 0.72), 180, 360, fill=window, outline=OUTLINE)
    draw.rectangle(
        frame.rect(0.06, 0.36, 0.38, 1.0), fill=shade(STONE, 0.93), outline=OUTLINE, width=width
    )
    draw.polygon(
        frame.points((0.04, 0.37), (0.22, 0.08), (0.4, 0.37)),
        fill=roof,
        outline=OUTLINE,
        width=width,
    )
    draw.line(
        [frame.at(0.22, 0.0), frame.at(0.22, 0.1)],
        fill=(200, 170, 60),
        width=max(2, frame.line_width(0.025)),
    )
    draw.line(
        [frame.at(0.18, 0.035), frame.at(0.26, 0.035)],
        fill=(200, 170, 60),
        width=max(2, frame.line_width(0.025)),
    )
    disk(
        draw,
        frame.at(0.22, 0.47),
        frame.width * 0.06,
        fill=(245, 245, 235),
        outline=OUTLINE,
        width=width,
    )
    draw.line([frame.at(0.22, 0.47), frame.at(0.22, 0.43)], fill=OUTLINE, width=width)
    draw.line([frame.at(0.22, 0.47), frame.at(0.25, 0.47)], fill=OUTLINE, width=width)
    draw.rectangle(
        frame.rect(0.14, 0.78, 0.3, 1.0), fill=(110, 70, 45), outline=OUTLINE, width=width
    )
    draw.chord(
        frame.rect(0.14, 0.72, 0.3, 0.84),
        180,
        360,
        fill=(110, 70, 45),
        outline=OUTLINE,
        width=width,
    )


def draw_tower(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A tall building with rows of windows."""
    frame = fit(box, 0.35)
    draw.rectangle(
        frame.rect(0.05, 0.02, 0.95, 1.0),
        fill=look.color((185, 185, 195)),
        outline=OUTLINE,
        width=frame.line_width(0.02),
    )
    for row in range(9):
        for column in range(2):
            x, y = 0.2 + column * 0.36, 0.07 + row * 0.1
            draw.rectangle(frame.rect(x, y, x + 0.24, y + 0.06), fill=_window(look))


def draw_lighthouse(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A tapered lighthouse in red and white bands with its lamp; beams at night."""
    frame = fit(box, 0.6)
    width = frame.line_width(0.02)
    if "night" in look.details:
        draw.polygon(frame.points((0.5, 0.17), (0.0, 0.05), (0.0, 0.32)), fill=(255, 240, 150, 120))
        draw.polygon(frame.points((0.5, 0.17), (1.0, 0.05), (1.0, 0.32)), fill=(255, 240, 150, 120))
    for band in range(5):
        top, bottom = 0.3 + band * 0.14, 0.3 + (band + 1) * 0.14
        inset_top, inset_bottom = 0.3 - top * 0.15, 0.3 - bottom * 0.15
        color = (200, 45, 45) if band % 2 == 0 else (248, 248, 245)
        draw.polygon(
            frame.points(
                (inset_top, top),
                (1 - inset_top, top),
                (1 - inset_bottom, bottom),
                (inset_bottom, bottom),
            ),
            fill=color,
            outline=OUTLINE,
        )
    draw.rectangle(frame.rect(0.2, 0.27, 0.8, 0.31), fill=(60, 60, 65), outline=OUTLINE)
    draw.rectangle(
        frame.rect(0.32, 0.12, 0.68, 0.27), fill=LIT_WINDOW, outline=OUTLINE, width=width
    )
    draw.chord(
        frame.rect(0.28, 0.02, 0.72, 0.22),
        180,
        360,
        fill=(200, 45, 45),
        outline=OUTLINE,
        width=width,
    )
    draw.rectangle(frame.rect(0.42, 0.86, 0.58, 1.0), fill=(90, 60, 40), outline=OUTLINE)


def draw_castle(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A castle: a crenellated wall with a gate between two towers with pointed roofs."""
    frame = fit(box, 1.4)
    width = frame.line_width(0.01)
    stone = look.color((180, 175, 165))
    draw.rectangle(frame.rect(0.2, 0.45, 0.8, 1.0), fill=stone, outline=OUTLINE, width=width)
    for index in range(6):
        x = 0.22 + index * 0.1
        draw.rectangle(frame.rect(x, 0.38, x + 0.06, 0.45), fill=stone, outline=OUTLINE)
    draw.rectangle(
        frame.rect(0.42, 0.7, 0.58, 1.0), fill=(90, 60, 40), outline=OUTLINE, width=width
    )
    draw.chord(frame.rect(0.42, 0.62, 0.58, 0.78), 180, 360, fill=(90, 60, 40), outline=OUTLINE)
    for x in (0.02, 0.78):
        draw.rectangle(
            frame.rect(x, 0.3, x + 0.2, 1.0), fill=shade(stone, 0.92), outline=OUTLINE, width=width
        )
        draw.polygon(
            frame.points((x - 0.02, 0.31), (x + 0.1, 0.06), (x + 0.22, 0.31)),
            fill=(60, 80, 150),
            outline=OUTLINE,
            width=width,
        )
        draw.line([frame.at(x + 0.1, 0.06), frame.at(x + 0.1, 0.0)], fill=OUTLINE, width=width)
        draw.polygon(
            frame.points((x + 0.1, 0.0), (x + 0.18, 0.02), (x + 0.1, 0.04)), fill=(210, 50, 50)
        )
        draw.rectangle(
            frame.rect(x + 0.07, 0.45, x + 0.13, 0.55), fill=_window(look), outline=OUTLINE
        )


def draw_city(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A skyline of towers of different heights, their windows lit at night."""
    frame = fit(box, 2.0)
    rng = look.rng
    x = 0.0
    while x < 0.95:
        span = min(rng.uniform(0.09, 0.16), 1.0 - x)
        top = rng.uniform(0.05, 0.6)
        color = (rng.randint(120, 170), rng.randint(125, 175), rng.randint(140, 190))
        draw.rectangle(
            frame.rect(x, top, x + span, 1.0),
            fill=color,
            outline=OUTLINE,
            width=frame.line_width(0.004),
        )
        rows = int((1.0 - top) / 0.07)
        for row in range(rows):
            for column in range(2):
                if rng.random() < 0.8:
                    left = x + span * (0.2 + column * 0.4)
                    draw.rectangle(
                        frame.rect(
                            left,
                            top + 0.03 + row * 0.07,
                            left + span * 0.2,
                            top + 0.06 + row * 0.07,
                        ),
                        fill=_window(look),
                    )
        x += span
