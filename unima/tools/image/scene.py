"""Procedural illustrations: a seeded landscape with the labels drawn as named objects.

The seed picks the time of day, the hills, clouds and object shapes, so the same arguments
always give the same picture. A label that names something the renderer knows (a tree, a house,
a tower, a rock, a flower, a person) is drawn as that; other labels get a seeded shape.
"""

from __future__ import annotations

import math
import random
from pathlib import Path

from PIL import Image, ImageDraw

from unima.tools.image.arguments import ImageArguments
from unima.tools.image.text import (
    draw_caption,
    draw_centered_block,
    draw_notes,
    draw_title,
    fit_text,
)

Color = tuple[int, int, int]
# (sky top, sky horizon, hills far, hills near, ground, sun or moon)
PALETTES: tuple[tuple[Color, Color, Color, Color, Color, Color], ...] = (
    (
        (70, 130, 200),
        (190, 225, 250),
        (120, 160, 130),
        (80, 140, 80),
        (110, 170, 90),
        (255, 225, 90),
    ),
    ((60, 50, 120), (250, 170, 110), (120, 90, 120), (90, 80, 90), (120, 110, 80), (255, 140, 70)),
    ((15, 20, 55), (60, 70, 130), (40, 50, 80), (30, 45, 60), (45, 60, 55), (235, 235, 215)),
    (
        (120, 180, 220),
        (235, 240, 245),
        (170, 180, 190),
        (120, 150, 160),
        (220, 225, 230),
        (255, 250, 200),
    ),
)
# Checked in order, so "lighthouse" is a tower before it can match "house".
KEYWORDS = {
    "tower": ("tower", "lighthouse", "castle", "city", "skyscraper", "antenna"),
    "tree": ("tree", "forest", "wood", "plant", "oak", "pine"),
    "house": ("house", "home", "building", "hut", "cabin", "school", "shop", "barn"),
    "rock": ("rock", "stone", "mountain", "hill", "boulder"),
    "flower": ("flower", "rose", "garden", "bloom", "tulip"),
    "person": ("person", "people", "man", "woman", "child", "user", "student", "worker"),
}


def draw_illustration(arguments: ImageArguments, path: Path) -> None:
    """Draw the seeded scene with its labels, title, notes and caption; save it as a PNG."""
    rng = random.Random(arguments.seed)
    width, height = arguments.width, arguments.height
    palette = PALETTES[rng.randrange(len(PALETTES))]
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    horizon = int(height * rng.uniform(0.55, 0.68))
    _sky(draw, palette, width, horizon)
    _sky_details(draw, rng, palette, width, height, horizon)
    for layer, color in enumerate((palette[2], palette[3])):
        _hills(
            draw,
            rng,
            color,
            width,
            height,
            horizon + layer * height * 0.05,
            amplitude=height * (0.12 - layer * 0.04),
        )
    draw.rectangle((0, horizon + height * 0.1, width, height), fill=palette[4])
    _objects(draw, rng, list(arguments.labels), width, height, horizon)
    _text_layers(image, arguments)
    image.save(path, format="PNG")


def _sky(draw: ImageDraw.ImageDraw, palette: tuple[Color, ...], width: int, horizon: int) -> None:
    top, bottom = palette[0], palette[1]
    for y in range(horizon + 1):
        mix = y / max(1, horizon)
        color = tuple(int(top[channel] * (1 - mix) + bottom[channel] * mix) for channel in range(3))
        draw.line([(0, y), (width, y)], fill=color)


def _sky_details(
    draw: ImageDraw.ImageDraw,
    rng: random.Random,
    palette: tuple[Color, ...],
    width: int,
    height: int,
    horizon: int,
) -> None:
    night = palette is PALETTES[2]
    if night:
        for _ in range(width * height // 6000):
            x, y = rng.uniform(0, width), rng.uniform(0, horizon * 0.8)
            draw.point((x, y), fill=(255, 255, 230))
    radius = min(width, height) * rng.uniform(0.05, 0.08)
    center = (width * rng.uniform(0.12, 0.88), horizon * rng.uniform(0.3, 0.55))
    draw.ellipse(
        (center[0] - radius, center[1] - radius, center[0] + radius, center[1] + radius),
        fill=palette[5],
    )
    if not night:
        for _ in range(rng.randint(2, 4)):
            cloud_x, cloud_y = rng.uniform(0, width), rng.uniform(horizon * 0.25, horizon * 0.6)
            size = min(width, height) * rng.uniform(0.04, 0.07)
            for offset in (-1.2, 0, 1.1):
                lift = size * (0.5 if offset == 0 else 0)
                draw.ellipse(
                    (
                        cloud_x + offset * size - size,
                        cloud_y - lift - size * 0.7,
                        cloud_x + offset * size + size,
                        cloud_y - lift + size * 0.7,
                    ),
                    fill=(250, 250, 252),
                )


def _hills(
    draw: ImageDraw.ImageDraw,
    rng: random.Random,
    color: Color,
    width: int,
    height: int,
    base: float,
    amplitude: float,
) -> None:
    phases = [rng.uniform(0, math.tau) for _ in range(3)]
    frequencies = [rng.uniform(1.0, 2.5), rng.uniform(2.5, 5.0), rng.uniform(5.0, 9.0)]
    points = [(0.0, float(height))]
    for step in range(0, width + 8, 8):
        t = step / width
        wave = sum(
            math.sin(t * f * math.tau + p) / (i + 1)
            for i, (f, p) in enumerate(zip(frequencies, phases, strict=True))
        )
        points.append((float(step), base - amplitude * (0.6 + 0.4 * wave / 1.8)))
    points.append((float(width), float(height)))
    draw.polygon(points, fill=color)


def shape_for(label: str, rng: random.Random) -> str:
    """The object drawn for ``label``: a known keyword's shape, else a seeded choice."""
    lowered = label.lower()
    for shape, words in KEYWORDS.items():
        if any(word in lowered for word in words):
            return shape
    return rng.choice(sorted(KEYWORDS))


def _objects(
    draw: ImageDraw.ImageDraw,
    rng: random.Random,
    labels: list[str],
    width: int,
    height: int,
    horizon: int,
) -> None:
    labels_to_draw = [""] * rng.randint(3, 6) if not labels else labels[:12]
    count = len(labels_to_draw)
    slot = width / count
    ground_y = horizon + height * 0.2
    size = min(slot * 0.55, height * 0.22)
    for index, label in enumerate(labels_to_draw):
        x = slot * (index + 0.5) + rng.uniform(-slot, slot) * 0.05
        shape = shape_for(label, rng) if label else rng.choice(("tree", "rock", "flower"))
        _draw_object(draw, rng, shape, x, ground_y, size)
        if label:
            tag_width = min(slot * 0.88, width * 0.4)
            block = fit_text(
                draw,
                label,
                tag_width - 8,
                height * 0.09,
                largest=max(12, int(height / 32)),
                max_lines=2,
            )
            box = (x - tag_width / 2, ground_y + 6, x + tag_width / 2, ground_y + 14 + block.height)
            draw.rounded_rectangle(
                box, radius=6, fill=(255, 255, 255), outline=(60, 60, 60), width=1
            )
            draw_centered_block(draw, block, box, (20, 20, 28))


def _draw_object(
    draw: ImageDraw.ImageDraw, rng: random.Random, shape: str, x: float, ground: float, size: float
) -> None:
    outline = (40, 40, 40)
    if shape == "tree":
        trunk = size * 0.12
        draw.rectangle(
            (x - trunk, ground - size * 0.45, x + trunk, ground),
            fill=(110, 75, 45),
            outline=outline,
        )
        green = (rng.randint(30, 70), rng.randint(110, 160), rng.randint(40, 80))
        draw.ellipse(
            (x - size * 0.35, ground - size, x + size * 0.35, ground - size * 0.35),
            fill=green,
            outline=outline,
        )
    elif shape == "house":
        wall = (rng.randint(200, 240), rng.randint(170, 220), rng.randint(140, 190))
        draw.rectangle(
            (x - size * 0.35, ground - size * 0.5, x + size * 0.35, ground),
            fill=wall,
            outline=outline,
        )
        draw.polygon(
            [
                (x - size * 0.45, ground - size * 0.5),
                (x, ground - size * 0.9),
                (x + size * 0.45, ground - size * 0.5),
            ],
            fill=(170, 60, 50),
            outline=outline,
        )
        draw.rectangle(
            (x - size * 0.08, ground - size * 0.25, x + size * 0.08, ground), fill=(90, 60, 40)
        )
    elif shape == "tower":
        draw.rectangle(
            (x - size * 0.14, ground - size, x + size * 0.14, ground),
            fill=(185, 185, 195),
            outline=outline,
        )
        for level in range(1, 5):
            y = ground - size * level * 0.2
            draw.rectangle(
                (x - size * 0.06, y - size * 0.08, x + size * 0.06, y), fill=(250, 230, 120)
            )
    elif shape == "rock":
        points = [
            (
                x + math.cos(angle) * size * rng.uniform(0.3, 0.45),
                ground - abs(math.sin(angle)) * size * rng.uniform(0.3, 0.5),
            )
            for angle in (math.pi * step / 6 for step in range(7))
        ]
        draw.polygon(points, fill=(rng.randint(120, 150),) * 3, outline=outline)
    elif shape == "flower":
        draw.line(
            [(x, ground), (x, ground - size * 0.6)],
            fill=(40, 120, 40),
            width=max(2, int(size / 20)),
        )
        petal = (rng.randint(200, 255), rng.randint(60, 160), rng.randint(120, 220))
        for angle in range(0, 360, 60):
            px = x + math.cos(math.radians(angle)) * size * 0.12
            py = ground - size * 0.6 + math.sin(math.radians(angle)) * size * 0.12
            draw.ellipse(
                (px - size * 0.09, py - size * 0.09, px + size * 0.09, py + size * 0.09), fill=petal
            )
        draw.ellipse(
            (x - size * 0.06, ground - size * 0.66, x + size * 0.06, ground - size * 0.54),
            fill=(250, 210, 60),
        )
    else:
        body = (rng.randint(40, 200), rng.randint(40, 200), rng.randint(40, 200))
        head = size * 0.12
        draw.ellipse(
            (x - head, ground - size * 0.85, x + head, ground - size * 0.85 + 2 * head),
            fill=(240, 200, 160),
            outline=outline,
        )
        draw.rounded_rectangle(
            (x - size * 0.14, ground - size * 0.6, x + size * 0.14, ground),
            radius=size * 0.06,
            fill=body,
            outline=outline,
        )


def _text_layers(image: Image.Image, arguments: ImageArguments) -> None:
    """Title band, notes panel and caption band on translucent white, for contrast over the scene."""
    width, height = image.size
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    overlay_draw = ImageDraw.Draw(overlay)
    # Laying the text out on a 1x1 scratch canvas measures the bands before anything is drawn.
    scratch = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    title_bottom = draw_title(scratch, arguments.title, width, height, (0, 0, 0))
    overlay_draw.rectangle((0, 0, width, title_bottom), fill=(255, 255, 255, 200))
    if arguments.caption:
        caption_top = draw_caption(scratch, arguments.caption, width, height, (0, 0, 0))
        overlay_draw.rectangle((0, caption_top, width, height), fill=(255, 255, 255, 200))
    image.paste(Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB"))
    probe = ImageDraw.Draw(image)
    draw_title(probe, arguments.title, width, height, (20, 24, 32))
    draw_caption(probe, arguments.caption, width, height, (20, 24, 32))
    if arguments.notes:
        panel = (width * 0.68, title_bottom + 6, width - 8, title_bottom + 6 + height * 0.3)
        draw_notes(
            probe,
            list(arguments.notes),
            panel,
            text_fill=(20, 24, 32),
            panel_fill=(255, 255, 245),
            largest=max(12, height // 32),
        )
