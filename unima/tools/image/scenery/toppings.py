"""What goes on top of a dish, from the scene's details: lardons for ``bacon``, black specks
for ``pepper``, pale flakes for ``cheese``, leaves for ``herbs``, meatballs, mushrooms, and a
pool of tomato or pesto sauce."""

from __future__ import annotations

import math

from PIL import ImageDraw

from unima.tools.image.scenery.shapes import (
    Color,
    Look,
    disk,
    leaf_points,
    shade,
)

TOMATO_SAUCE: Color = (192, 48, 32)
HERB_GREEN: Color = (60, 130, 50)


def scatter(
    look: Look, center: tuple[float, float], radius_x: float, radius_y: float
) -> tuple[float, float]:
    """A seeded point on the top of a mound: inside the ellipse, shifted up a little."""
    rng = look.rng
    angle, reach = rng.uniform(0, math.tau), math.sqrt(rng.random())
    return (
        center[0] + math.cos(angle) * reach * radius_x,
        center[1] + math.sin(angle) * reach * radius_y - radius_y * 0.3,
    )


def draw_sauce(
    draw: ImageDraw.ImageDraw,
    look: Look,
    center: tuple[float, float],
    radius_x: float,
    radius_y: float,
    color: Color,
) -> None:
    """An uneven pool of sauce on the top of a mound."""
    rng = look.rng
    points = []
    for step in range(18):
        angle = math.tau * step / 18
        reach = rng.uniform(0.75, 1.0)
        points.append(
            (
                center[0] + math.cos(angle) * radius_x * reach,
                center[1] - radius_y * 0.35 + math.sin(angle) * radius_y * reach,
            )
        )
    draw.polygon(points, fill=color, outline=shade(color, 0.7))


def draw_toppings(
    draw: ImageDraw.ImageDraw,
    look: Look,
    center: tuple[float, float],
    radius_x: float,
    radius_y: float,
    stroke: int,
) -> None:
    """Lardons, meatballs, cheese, herbs and pepper scattered over a dish, as its details ask."""
    details, rng = look.details, look.rng
    size = max(2.0, stroke * 2.2)
    if "meat" in details:
        for _ in range(6):
            disk(
                draw,
                scatter(look, center, radius_x, radius_y),
                size * 1.6,
                fill=(120, 60, 35),
                outline=(70, 35, 20),
            )
    if "bacon" in details:
        for _ in range(14):
            x, y = scatter(look, center, radius_x, radius_y)
            corners = [
                (x + rng.uniform(0.6, 1.0) * size * dx, y + rng.uniform(0.4, 0.7) * size * dy)
                for dx, dy in ((-1, -1), (1, -1), (1, 1), (-1, 1))
            ]
            draw.polygon(corners, fill=(190, 105, 80), outline=(120, 60, 40))
            draw.line(corners[:2], fill=(245, 215, 195), width=max(1, stroke // 2))
    if "mushroom" in details:
        for _ in range(5):
            x, y = scatter(look, center, radius_x, radius_y)
            draw.pieslice(
                (x - size * 1.3, y - size, x + size * 1.3, y + size),
                180,
                360,
                fill=(170, 130, 95),
                outline=(100, 70, 45),
            )
    if "cheese" in details:
        for _ in range(22):
            x, y = scatter(look, center, radius_x, radius_y)
            draw.rectangle(
                (x - size * 0.45, y - size * 0.3, x + size * 0.45, y + size * 0.3),
                fill=(252, 246, 222),
            )
    if "herbs" in details or "pesto" in details:
        for _ in range(7):
            base = scatter(look, center, radius_x, radius_y)
            draw.polygon(
                leaf_points(base, rng.uniform(0, math.tau), size * 3, size * 1.6),
                fill=HERB_GREEN,
                outline=(30, 80, 30),
            )
    if "pepper" in details:
        for _ in range(60):
            x, y = scatter(look, center, radius_x * 1.1, radius_y * 1.1)
            speck = max(0.8, size * 0.18)
            draw.ellipse((x - speck, y - speck, x + speck, y + speck), fill=(45, 38, 32))
