"""Four-legged animals side on, facing right: one body drawn in the proportions and colours of
its species (``species.SPECIES``), with the species' ears, tail, snout and markings."""

from __future__ import annotations

import math
from dataclasses import replace

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
from unima.tools.image.scenery.species import SPECIES, Species


def draw_quadruped(draw: ImageDraw.ImageDraw, box: Box, look: Look, kind: str) -> None:
    """A four-legged animal side on, facing right."""
    species = SPECIES["tiger" if kind == "lion" and "tiger" in look.names else kind]
    if look.tint and kind in {"cat", "dog", "horse", "animal"}:
        species = replace(species, body=look.tint)
    frame = fit(box, 1.6)
    unit = frame.height
    width = frame.line_width(0.008)
    bottom = 1.0 - species.legs + 0.03
    top = bottom - species.bulk
    middle = (top + bottom) / 2
    # Far legs first, a shade darker, then the near legs, the tail and the body over their tops.
    for x in (0.41, 0.75):
        _leg(draw, frame, species, x + 0.03, middle, shade(species.body, 0.78), width)
    for x in (0.38, 0.71):
        _leg(draw, frame, species, x, middle, species.body, width)
    _tail(draw, frame, species, top, bottom, width)
    if species.extra == "hump":
        draw.ellipse(
            frame.rect(0.42, top - species.bulk * 0.55, 0.68, top + species.bulk * 0.5),
            fill=species.body,
            outline=OUTLINE,
            width=width,
        )
    if species.extra == "wool":
        for index in range(16):
            x = 0.3 + (index % 8) * 0.067
            y = top + species.bulk * (0.22 + (index // 8) * 0.5)
            disk(
                draw,
                frame.at(x, y),
                unit * species.bulk * 0.27,
                fill=species.body,
                outline=(180, 180, 170),
            )
        disk(
            draw,
            frame.at(0.54, middle),
            unit * species.bulk * 0.85,
            unit * species.bulk * 0.38,
            fill=species.body,
            outline=None,
        )
    else:
        draw.ellipse(
            frame.rect(0.3, top, 0.84, bottom), fill=species.body, outline=OUTLINE, width=width
        )
        if species.chest:
            draw.chord(
                frame.rect(0.36, top + species.bulk * 0.4, 0.82, bottom - width / unit),
                10,
                170,
                fill=species.chest,
            )
    if species.extra == "patches":
        for x, y, size in ((0.4, 0.3, 0.07), (0.58, 0.62, 0.06), (0.7, 0.3, 0.05)):
            disk(
                draw,
                frame.at(x, top + species.bulk * y),
                unit * size * 1.3,
                unit * size,
                fill=(35, 35, 35),
                outline=None,
            )
    if species.extra == "stripes":
        for index in range(6):
            x = 0.36 + index * 0.075
            draw.line(
                [frame.at(x, top + 0.02), frame.at(x + 0.03, top + species.bulk * 0.55)],
                fill=(40, 30, 25),
                width=frame.line_width(0.025),
            )
    head = (0.86, top - species.neck * 0.6 + 0.02)
    if species.neck > 0.08:
        neck_width = species.head * 0.9 / 1.6
        draw.polygon(
            frame.points(
                (0.7, top + 0.03),
                (head[0] - neck_width, head[1]),
                (head[0] + neck_width * 0.6, head[1] + 0.04),
                (0.83, middle),
            ),
            fill=species.body,
        )
        draw.line(
            frame.points((0.7, top + 0.03), (head[0] - neck_width, head[1])),
            fill=OUTLINE,
            width=width,
        )
    if species.extra == "mane":
        draw.line(
            frame.points((0.7, top + 0.01), (head[0] - 0.04, head[1] - 0.06)),
            fill=(50, 30, 20),
            width=max(3, frame.line_width(0.05)),
        )
    _head(draw, frame, look, species, head, width)


def _leg(
    draw: ImageDraw.ImageDraw,
    frame: Frame,
    species: Species,
    x: float,
    start: float,
    color: Color,
    width: int,
) -> None:
    """One leg from inside the body down to the ground, a little narrower at the hoof or paw."""
    half = species.leg_width * 0.5
    draw.polygon(
        frame.points(
            (x - half, start), (x + half, start), (x + half * 0.75, 0.98), (x - half * 0.8, 0.98)
        ),
        fill=color,
        outline=OUTLINE,
    )
    paw = species.socks or shade(color, 0.75)
    if species.socks:
        draw.polygon(
            frame.points(
                (x - half * 0.9, 1.0 - species.legs * 0.4),
                (x + half * 0.85, 1.0 - species.legs * 0.4),
                (x + half * 0.75, 0.98),
                (x - half * 0.8, 0.98),
            ),
            fill=paw,
        )
    draw.rectangle(frame.rect(x - half, 0.96, x + half * 1.3, 1.0), fill=paw, outline=OUTLINE)


def _tail(
    draw: ImageDraw.ImageDraw, frame: Frame, species: Species, top: float, bottom: float, width: int
) -> None:
    root = frame.at(0.33, top + (bottom - top) * 0.3)
    length = frame.height
    if species.tail == "bushy":
        draw.polygon(
            leaf_points(root, math.radians(162), length * 0.4, length * 0.15),
            fill=species.body,
            outline=OUTLINE,
        )
        if species.tail_tip:
            tip = (
                root[0] - math.cos(math.radians(18)) * length * 0.29,
                root[1] + math.sin(math.radians(18)) * length * 0.29,
            )
            draw.polygon(
                leaf_points(tip, math.radians(162), length * 0.11, length * 0.09),
                fill=species.tail_tip,
            )
    elif species.tail == "thin":
        points = [
            (root[0] - length * 0.14 * math.sin(t * 1.6), root[1] - length * 0.32 * t)
            for t in (step / 10 for step in range(11))
        ]
        draw.line(points, fill=OUTLINE, width=max(3, frame.line_width(0.055)), joint="curve")
        draw.line(points, fill=species.body, width=max(1, frame.line_width(0.04)), joint="curve")
    elif species.tail == "hair":
        draw.polygon(
            [
                root,
                (root[0] - length * 0.14, root[1] + length * 0.5),
                (root[0] - length * 0.02, root[1] + length * 0.46),
            ],
            fill=(50, 30, 20),
        )
    elif species.tail == "tuft":
        end = (root[0] - length * 0.08, root[1] + length * 0.3)
        draw.line([root, end], fill=OUTLINE, width=max(2, frame.line_width(0.02)))
        disk(draw, end, length * 0.035, fill=(50, 35, 25), outline=None)
    elif species.tail == "curl":
        draw.arc(
            (
                root[0] - length * 0.09,
                root[1] - length * 0.08,
                root[0] + length * 0.01,
                root[1] + length * 0.02,
            ),
            0,
            300,
            fill=shade(species.body, 0.7),
            width=max(2, frame.line_width(0.02)),
        )
    else:
        disk(
            draw,
            (root[0] + length * 0.02, root[1]),
            length * 0.05,
            fill=species.chest or species.body,
            outline=OUTLINE,
        )


def _head(
    draw: ImageDraw.ImageDraw,
    frame: Frame,
    look: Look,
    species: Species,
    at: tuple[float, float],
    width: int,
) -> None:
    radius = frame.height * species.head
    cx, cy = frame.at(*at)
    fur = (35, 35, 35) if species.extra == "wool" else species.body
    if species.extra == "lion_mane":
        for index in range(12):
            angle = index * math.tau / 12
            disk(
                draw,
                (
                    cx - radius * 0.2 + math.cos(angle) * radius * 1.1,
                    cy + math.sin(angle) * radius * 1.1,
                ),
                radius * 0.55,
                fill=(165, 95, 40),
                outline=None,
            )
    if species.extra == "antlers":
        for side in (-1, 1):
            base = (cx + side * radius * 0.3, cy - radius * 0.8)
            antler = (base[0] + side * radius * 0.5, base[1] - radius * 1.6)
            branch = (base[0] + side * radius * 0.25, base[1] - radius * 0.8)
            draw.line([base, antler], fill=(110, 80, 50), width=max(2, width * 2))
            draw.line(
                [branch, (branch[0] + side * radius * 0.8, branch[1] - radius * 0.35)],
                fill=(110, 80, 50),
                width=max(2, width * 2),
            )
    if species.ears == "pointed":
        for offset, shift in ((-0.75, 0.0), (0.05, 0.1)):
            points = [
                (cx + offset * radius, cy - radius * 0.55),
                (cx + (offset + 0.3) * radius, cy - radius * (1.75 - shift)),
                (cx + (offset + 0.7) * radius, cy - radius * 0.7),
            ]
            draw.polygon(points, fill=fur, outline=OUTLINE)
            if species.socks:
                draw.polygon(
                    [
                        points[1],
                        _between(points[0], points[1], 0.6),
                        _between(points[2], points[1], 0.6),
                    ],
                    fill=species.socks,
                )
    elif species.ears == "long":
        for offset in (-0.45, 0.15):
            draw.ellipse(
                (
                    cx + offset * radius - radius * 0.22,
                    cy - radius * 2.4,
                    cx + offset * radius + radius * 0.22,
                    cy - radius * 0.5,
                ),
                fill=fur,
                outline=OUTLINE,
            )
    elif species.ears == "flaps":
        disk(
            draw,
            (cx - radius * 0.75, cy + radius * 0.1),
            radius * 0.8,
            radius,
            fill=shade(fur, 0.85),
            outline=OUTLINE,
        )
    elif species.ears == "round":
        for offset in (-0.6, 0.4):
            disk(
                draw,
                (cx + offset * radius, cy - radius * 0.85),
                radius * 0.35,
                fill=fur,
                outline=OUTLINE,
            )
    elif species.ears == "small":
        draw.polygon(
            [
                (cx - radius * 0.5, cy - radius * 0.6),
                (cx - radius * 0.3, cy - radius * 1.4),
                (cx + radius * 0.05, cy - radius * 0.75),
            ],
            fill=fur,
            outline=OUTLINE,
        )
    disk(draw, (cx, cy), radius, fill=fur, outline=OUTLINE, width=width)
    if species.extra == "trunk":
        points = [
            (cx + radius * (0.7 + 0.35 * math.sin(t * 1.5)), cy + radius * (0.1 + 2.1 * t))
            for t in (step / 10 for step in range(11))
        ]
        draw.line(points, fill=OUTLINE, width=max(4, int(radius * 0.55)), joint="curve")
        draw.line(points, fill=fur, width=max(2, int(radius * 0.4)), joint="curve")
    elif species.snout > 0:
        tip = cx + radius * (0.55 + species.snout)
        draw.polygon(
            [
                (cx + radius * 0.2, cy - radius * 0.45),
                (tip, cy + radius * 0.05),
                (tip, cy + radius * 0.3),
                (cx + radius * 0.2, cy + radius * 0.75),
            ],
            fill=fur,
        )
        if species.chest and species.snout > 0.6:
            draw.polygon(
                [
                    (cx + radius * 0.1, cy + radius * 0.25),
                    (tip - radius * 0.1, cy + radius * 0.28),
                    (cx + radius * 0.2, cy + radius * 0.75),
                    (cx - radius * 0.3, cy + radius * 0.75),
                ],
                fill=species.chest,
            )
        draw.line(
            [
                (cx + radius * 0.6, cy - radius * 0.37),
                (tip, cy + radius * 0.05),
                (tip, cy + radius * 0.3),
                (cx + radius * 0.5, cy + radius * 0.68),
            ],
            fill=OUTLINE,
            width=width,
        )
        disk(
            draw,
            (tip - radius * 0.04, cy + radius * 0.1),
            radius * 0.13,
            fill=(30, 25, 25),
            outline=None,
        )
    if species.ears == "floppy":
        ear = shade(fur, 0.7) if species.extra != "wool" else (35, 35, 35)
        draw.polygon(
            [
                (cx - radius * 0.55, cy - radius * 0.65),
                (cx - radius * 0.05, cy - radius * 0.8),
                (cx - radius * 0.6, cy + radius * 0.65),
            ],
            fill=ear,
            outline=OUTLINE,
        )
    eye = (250, 250, 250) if species.extra == "wool" else (20, 20, 20)
    disk(
        draw,
        (cx + radius * 0.35, cy - radius * 0.2),
        max(1.5, radius * 0.13),
        fill=eye,
        outline=None,
    )
    if look.names & {"cat", "kitten", "kitty"}:
        for lift in (-0.1, 0.2):
            draw.line(
                [
                    (cx + radius * 0.55, cy + radius * 0.3),
                    (cx + radius * 1.5, cy + radius * (0.3 + lift)),
                ],
                fill=(40, 40, 40),
                width=1,
            )


def _between(
    start: tuple[float, float], end: tuple[float, float], share: float
) -> tuple[float, float]:
    return (start[0] + (end[0] - start[0]) * share, start[1] + (end[1] - start[1]) * share)
