"""Tableware: a bowl (of soup, salad, noodles or fruit, or empty), a mug, a wine glass or a
tumbler, a bottle, and cutlery."""

from __future__ import annotations

import math

from PIL import ImageDraw

from unima.tools.image.scenery.plated import draw_pasta, draw_salad
from unima.tools.image.scenery.produce import FRUITS
from unima.tools.image.scenery.shapes import (
    OUTLINE,
    Box,
    Color,
    Frame,
    Look,
    disk,
    fit,
    rounded_box,
    shade,
)
from unima.tools.image.scenery.toppings import draw_toppings


def draw_bowl(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A bowl seen at an angle: soup (with steam), salad, fruit, noodles, or empty."""
    frame = fit(box, 1.5)
    color = look.color((236, 238, 240))
    width = frame.line_width(0.008)
    rim = frame.rect(0.04, 0.3, 0.96, 0.58)
    draw.ellipse(frame.rect(0.15, 0.9, 0.85, 1.0), fill=(0, 0, 0, 40))
    draw.chord(frame.rect(0.04, 0.0, 0.96, 0.96), 0, 180, fill=color, outline=OUTLINE, width=width)
    draw.rectangle(
        frame.rect(0.36, 0.9, 0.64, 0.97), fill=shade(color, 0.85), outline=OUTLINE, width=width
    )
    draw.ellipse(rim, fill=shade(color, 0.9), outline=OUTLINE, width=width)
    inner = Frame(*frame.at(0.09, 0.33), frame.width * 0.82, frame.height * 0.22)
    holds = look.holds
    if holds == "soup":
        liquid = _soup_color(look)
        draw.ellipse(inner.rect(0, 0, 1, 1), fill=liquid, outline=shade(liquid, 0.75))
        if "herbs" in look.details or "cream" in look.details:
            disk(
                draw,
                inner.at(0.5, 0.5),
                inner.width * 0.12,
                inner.height * 0.3,
                fill=(250, 245, 235),
                outline=None,
            )
        draw_toppings(draw, look, inner.at(0.5, 0.7), inner.width * 0.35, inner.height * 0.4, 2)
        _steam(draw, frame, look)
    elif holds in {"salad", "fruit", "pasta"}:
        heap = Frame(inner.left, frame.top, inner.width, inner.top + inner.height - frame.top)
        if holds == "fruit":
            for index, fruit in enumerate(("orange", "apple", "banana")):
                part = Frame(
                    heap.left + heap.width * (0.05 + index * 0.3),
                    heap.top + heap.height * 0.35,
                    heap.width * 0.34,
                    heap.height * 0.6,
                )
                FRUITS[fruit](draw, part.rect(0, 0, 1, 1), look)
        elif holds == "salad":
            draw_salad(
                draw,
                Frame(heap.left, heap.top + heap.height * 0.4, heap.width, heap.height * 0.7),
                look,
            )
        else:
            draw_pasta(
                draw,
                Frame(heap.left, heap.top + heap.height * 0.45, heap.width, heap.height * 0.6),
                look,
            )
    else:
        draw.ellipse(inner.rect(0, 0, 1, 1), fill=shade(color, 0.78))


def _soup_color(look: Look) -> Color:
    details, names = look.details, look.names
    if "tomato" in details:
        return (205, 80, 45)
    if names & {"pea", "green", "spinach", "broccoli"} or "pesto" in details:
        return (125, 165, 60)
    if names & {"pumpkin", "carrot", "squash", "curry"}:
        return (230, 140, 50)
    if "cream" in details or "mushroom" in details:
        return (225, 205, 170)
    return (215, 160, 75)


def _steam(draw: ImageDraw.ImageDraw, frame: Frame, look: Look) -> None:
    for index in range(3):
        x = 0.35 + index * 0.15
        points = [
            frame.at(x + 0.03 * math.sin(step * 1.3 + index), 0.28 - step * 0.03)
            for step in range(9)
        ]
        draw.line(points, fill=(255, 255, 255, 170), width=frame.line_width(0.02), joint="curve")


def draw_cup(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A mug of coffee (or tea) on a saucer, steaming."""
    frame = fit(box, 1.0)
    width = frame.line_width(0.01)
    color = look.color((245, 245, 240))
    draw.ellipse(
        frame.rect(0.02, 0.86, 0.98, 1.0), fill=(240, 240, 236), outline=OUTLINE, width=width
    )
    draw.ellipse(
        frame.rect(0.62, 0.42, 0.92, 0.78), outline=OUTLINE, width=max(3, frame.line_width(0.07))
    )
    draw.ellipse(
        frame.rect(0.65, 0.45, 0.89, 0.75), outline=color, width=max(1, frame.line_width(0.04))
    )
    rounded_box(
        draw,
        frame.rect(0.16, 0.34, 0.74, 0.93),
        radius=frame.width * 0.08,
        fill=color,
        outline=OUTLINE,
        width=width,
    )
    drink = (210, 150, 80) if look.names & {"tea"} else (110, 65, 35)
    draw.ellipse(
        frame.rect(0.16, 0.3, 0.74, 0.42), fill=shade(color, 0.85), outline=OUTLINE, width=width
    )
    draw.ellipse(frame.rect(0.2, 0.32, 0.7, 0.4), fill=drink)
    for index in range(2):
        x = 0.38 + index * 0.14
        points = [
            frame.at(x + 0.03 * math.sin(step * 1.4 + index), 0.27 - step * 0.03)
            for step in range(8)
        ]
        draw.line(points, fill=(200, 200, 200, 200), width=frame.line_width(0.025), joint="curve")


def draw_glass(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A wine glass (red or white wine), or a tumbler of juice (with a straw) or milk."""
    names = look.names
    if names & {"juice", "cocktail", "milk"}:
        frame = fit(box, 0.6)
        milk = "milk" in names and not names & {"juice", "cocktail"}
        liquid = (250, 250, 245) if milk else look.color((240, 150, 40))
        draw.polygon(
            frame.points((0.05, 0.05), (0.95, 0.05), (0.85, 1.0), (0.15, 1.0)),
            fill=(225, 240, 250, 150),
            outline=OUTLINE,
        )
        draw.polygon(
            frame.points((0.08, 0.3), (0.92, 0.3), (0.85, 0.97), (0.15, 0.97)), fill=liquid
        )
        if not milk:
            draw.line(
                [frame.at(0.55, 0.0), frame.at(0.7, 0.8)],
                fill=(220, 50, 60),
                width=frame.line_width(0.06),
            )
        return
    frame = fit(box, 0.5)
    wine = (245, 225, 140) if names & {"white"} else look.color((130, 20, 40))
    bowl = frame.rect(0.0, 0.0, 1.0, 0.56)
    draw.chord(bowl, 0, 180, fill=wine, outline=OUTLINE, width=frame.line_width(0.02))
    draw.rectangle(frame.rect(0.0, 0.02, 1.0, 0.28), fill=(225, 240, 250, 110))
    draw.line(
        [frame.at(0.0, 0.02), frame.at(0.0, 0.28)], fill=OUTLINE, width=frame.line_width(0.02)
    )
    draw.line(
        [frame.at(1.0, 0.02), frame.at(1.0, 0.28)], fill=OUTLINE, width=frame.line_width(0.02)
    )
    draw.ellipse(frame.rect(0.0, 0.22, 1.0, 0.34), fill=shade(wine, 1.15), outline=OUTLINE)
    draw.rectangle(frame.rect(0.45, 0.55, 0.55, 0.93), fill=(215, 230, 240), outline=OUTLINE)
    draw.ellipse(frame.rect(0.1, 0.9, 0.9, 1.0), fill=(215, 230, 240), outline=OUTLINE)


def draw_bottle(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A bottle with a label: green for wine, brown for beer, clear blue otherwise."""
    frame = fit(box, 0.34)
    names = look.names
    glass = (
        (40, 95, 55) if names & {"wine"} else (125, 70, 30) if names & {"beer"} else (120, 170, 210)
    )
    color = look.color(glass)
    width = frame.line_width(0.03)
    body = [
        *frame.points((0.36, 0.0), (0.64, 0.0), (0.64, 0.25)),
        *frame.points((1.0, 0.42), (1.0, 1.0), (0.0, 1.0), (0.0, 0.42), (0.36, 0.25)),
    ]
    draw.polygon(body, fill=color, outline=OUTLINE, width=width)
    draw.rectangle(frame.rect(0.33, 0.0, 0.67, 0.06), fill=(200, 170, 60), outline=OUTLINE)
    draw.rectangle(frame.rect(0.0, 0.55, 1.0, 0.8), fill=(245, 235, 210), outline=OUTLINE)
    draw.line([frame.at(0.2, 0.64), frame.at(0.8, 0.64)], fill=(150, 40, 40), width=width)
    draw.line(
        [frame.at(0.15, 0.45), frame.at(0.15, 0.95)], fill=(255, 255, 255, 90), width=width * 2
    )


def draw_fruit(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A bowl of fruit: an orange, an apple and a banana."""
    draw_bowl(draw, box, Look(look.rng, None, look.details, "fruit", look.names))


def draw_cutlery(draw: ImageDraw.ImageDraw, box: Box, look: Look, pieces: tuple[str, ...]) -> None:
    """Forks, knives and spoons lying side by side, handles down."""
    frame = fit(box, 0.2 * len(pieces))
    steel, width = (200, 204, 210), frame.line_width(0.02)
    for index, piece in enumerate(pieces):
        part = Frame(
            frame.left + frame.width * index / len(pieces),
            frame.top,
            frame.width / len(pieces),
            frame.height,
        )
        rounded_box(
            draw,
            part.rect(0.35, 0.5, 0.65, 1.0),
            radius=part.width * 0.12,
            fill=steel,
            outline=OUTLINE,
            width=width,
        )
        if piece == "fork":
            draw.rectangle(part.rect(0.2, 0.28, 0.8, 0.5), fill=steel, outline=OUTLINE, width=width)
            for x in (0.22, 0.42, 0.62):
                draw.rectangle(
                    part.rect(x, 0.0, x + 0.16, 0.3), fill=steel, outline=OUTLINE, width=width
                )
        elif piece == "knife":
            draw.polygon(
                part.points((0.35, 0.5), (0.35, 0.05), (0.5, 0.0), (0.7, 0.1), (0.65, 0.5)),
                fill=steel,
                outline=OUTLINE,
            )
        else:
            disk(
                draw,
                part.at(0.5, 0.22),
                part.width * 0.38,
                part.height * 0.2,
                fill=steel,
                outline=OUTLINE,
                width=width,
            )
