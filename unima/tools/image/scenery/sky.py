"""The sky and space: the sun, a crescent moon, stars, planets (coloured by name: Saturn has
rings, Earth oceans and land, Jupiter bands), the solar system, a galaxy, clouds, a rainbow."""

from __future__ import annotations

import math

from PIL import ImageDraw

from unima.tools.image.scenery.shapes import (
    Box,
    Color,
    Look,
    arc_points,
    disk,
    fit,
    leaf_points,
    shade,
    star_points,
)


def draw_sun(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """The sun: a yellow disc with rays."""
    frame = fit(box, 1.0)
    center = frame.at(0.5, 0.5)
    for index in range(12):
        angle = index * math.pi / 6
        draw.polygon(
            leaf_points(
                (
                    center[0] + math.cos(angle) * frame.width * 0.3,
                    center[1] + math.sin(angle) * frame.width * 0.3,
                ),
                angle,
                frame.width * 0.2,
                frame.width * 0.08,
            ),
            fill=(250, 170, 40),
        )
    disk(
        draw,
        center,
        frame.width * 0.32,
        fill=(255, 215, 60),
        outline=(230, 150, 30),
        width=frame.line_width(0.02),
    )


def draw_moon(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A crescent moon: the lit half-disc minus the half-ellipse of its shadow."""
    frame = fit(box, 1.0)
    radius = frame.width * 0.48
    center = frame.at(0.5, 0.5)
    center = (center[0] - radius * 0.3, center[1])
    lit = arc_points(center, radius, radius, -math.pi / 2, math.pi / 2, 30)
    shadow = arc_points(center, radius * 0.45, radius, math.pi / 2, -math.pi / 2, 30)
    draw.polygon(lit + shadow, fill=(250, 245, 200), outline=(200, 190, 130))


def draw_star(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A five-pointed star."""
    frame = fit(box, 1.0)
    draw.polygon(
        star_points(frame.at(0.5, 0.53), frame.width * 0.48, frame.width * 0.2),
        fill=look.color((255, 215, 60)),
        outline=(200, 150, 30),
    )


PLANETS: dict[str, tuple[Color, Color]] = {
    # surface, bands or features
    "mercury": ((160, 155, 150), (120, 115, 110)),
    "venus": ((235, 205, 140), (215, 180, 110)),
    "earth": ((50, 110, 200), (70, 150, 70)),
    "mars": ((200, 90, 50), (150, 60, 35)),
    "jupiter": ((215, 175, 130), (170, 110, 70)),
    "saturn": ((230, 200, 140), (200, 165, 100)),
    "uranus": ((150, 210, 220), (130, 190, 205)),
    "neptune": ((60, 100, 210), (45, 80, 180)),
    "pluto": ((200, 180, 160), (160, 140, 120)),
}


def draw_planet(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A planet: its own colours when its name is known, rings for Saturn."""
    name = next((name for name in PLANETS if name in look.names), "")
    frame = fit(box, 1.6 if name == "saturn" else 1.0)
    _planet(draw, frame.at(0.5, 0.5), frame.height * 0.46, name, look)


def _planet(
    draw: ImageDraw.ImageDraw, center: tuple[float, float], radius: float, name: str, look: Look
) -> None:
    rng = look.rng
    surface, feature = PLANETS.get(name) or (
        look.color((rng.randint(90, 220), rng.randint(90, 200), rng.randint(90, 220))),
        (0, 0, 0),
    )
    if not name:
        feature = shade(surface, 0.8)
    ring = (215, 195, 150)
    ring_box = (
        center[0] - radius * 1.7,
        center[1] - radius * 0.42,
        center[0] + radius * 1.7,
        center[1] + radius * 0.42,
    )
    if name == "saturn":
        draw.arc(ring_box, 180, 360, fill=ring, width=max(2, int(radius * 0.18)))
    disk(draw, center, radius, fill=surface, outline=shade(surface, 0.6))
    x, y = center
    if name == "earth":
        for dx, dy, size in ((-0.35, -0.3, 0.3), (0.3, 0.1, 0.35), (-0.2, 0.4, 0.22)):
            disk(
                draw,
                (x + dx * radius, y + dy * radius),
                size * radius,
                size * radius * 0.8,
                fill=feature,
                outline=None,
            )
        disk(
            draw,
            (x, y - radius * 0.88),
            radius * 0.3,
            radius * 0.1,
            fill=(245, 250, 255),
            outline=None,
        )
    elif name in {"jupiter", "saturn", "uranus", "neptune", ""}:
        for offset in (-0.5, -0.2, 0.15, 0.45):
            half = radius * math.sqrt(max(0.0, 1 - offset**2)) * 0.95
            draw.line(
                [(x - half, y + offset * radius), (x + half, y + offset * radius)],
                fill=feature,
                width=max(1, int(radius * 0.1)),
            )
        if name == "jupiter":
            disk(
                draw,
                (x + radius * 0.35, y + radius * 0.3),
                radius * 0.18,
                radius * 0.1,
                fill=(190, 90, 60),
                outline=None,
            )
    else:
        for dx, dy in ((-0.3, -0.2), (0.25, 0.3), (0.1, -0.45)):
            disk(
                draw, (x + dx * radius, y + dy * radius), radius * 0.16, fill=feature, outline=None
            )
    if name == "saturn":
        draw.arc(ring_box, 0, 180, fill=ring, width=max(2, int(radius * 0.18)))


def draw_solar_system(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """The sun at the left and the eight planets in order on their orbits (sizes not to scale)."""
    frame = fit(box, 3.2)
    sun_radius = frame.height * 0.46
    sun_center = (frame.left + sun_radius * 1.02, frame.top + frame.height / 2)
    disk(
        draw,
        sun_center,
        sun_radius,
        fill=(255, 200, 50),
        outline=(240, 140, 30),
        width=frame.line_width(0.02),
    )
    disk(draw, sun_center, sun_radius * 0.75, fill=(255, 220, 90), outline=None)
    # Radii in frame heights; Saturn's rings reach 1.7 radii. Sizes are not to scale.
    planets = (
        ("mercury", 0.05),
        ("venus", 0.08),
        ("earth", 0.085),
        ("mars", 0.065),
        ("jupiter", 0.2),
        ("saturn", 0.14),
        ("uranus", 0.11),
        ("neptune", 0.105),
    )
    reach = [radius * (1.7 if name == "saturn" else 1.0) for name, radius in planets]
    start = sun_center[0] + sun_radius
    gap = (frame.left + frame.width - start) / frame.height - 2 * sum(reach)
    x = start + frame.height * gap / (len(planets) + 1)
    for (name, radius), extent in zip(planets, reach, strict=True):
        x += extent * frame.height
        distance = x - sun_center[0]
        limit = math.degrees(math.asin(min(1.0, frame.height * 0.47 / distance)))
        orbit = (
            sun_center[0] - distance,
            sun_center[1] - distance,
            sun_center[0] + distance,
            sun_center[1] + distance,
        )
        draw.arc(orbit, -limit, limit, fill=(150, 150, 185), width=1)
        _planet(draw, (x, sun_center[1]), frame.height * radius, name, look)
        x += extent * frame.height + frame.height * gap / (len(planets) + 1)


def draw_galaxy(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A spiral galaxy: a bright core and two arms of stars."""
    frame = fit(box, 1.6)
    center = frame.at(0.5, 0.5)
    disk(
        draw, center, frame.width * 0.3, frame.height * 0.3, fill=(200, 170, 255, 50), outline=None
    )
    for arm in (0.0, math.pi):
        for step in range(90):
            t = step / 90
            angle = arm + t * 3.4 * math.pi / 2 * 2
            radius = 0.04 + 0.44 * t
            point = (
                center[0] + math.cos(angle) * radius * frame.width * 0.98,
                center[1] + math.sin(angle) * radius * frame.height * 0.98,
            )
            size = max(1.0, frame.height * 0.03 * (1 - t))
            disk(draw, point, size, fill=(235, 225, 255), outline=None)
    disk(draw, center, frame.height * 0.09, fill=(255, 245, 220), outline=None)


def draw_cloud(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A white cumulus cloud, grey in the rain."""
    frame = fit(box, 2.0)
    color = (150, 155, 165) if "rain" in look.details else (250, 250, 252)
    for x, y, radius in (
        (0.28, 0.62, 0.26),
        (0.5, 0.45, 0.34),
        (0.72, 0.6, 0.26),
        (0.5, 0.7, 0.28),
    ):
        disk(
            draw,
            frame.at(x, y),
            frame.height * radius * 1.05,
            frame.height * radius,
            fill=color,
            outline=(180, 185, 195),
        )
    for x, y, radius in (
        (0.28, 0.62, 0.26),
        (0.5, 0.45, 0.34),
        (0.72, 0.6, 0.26),
        (0.5, 0.7, 0.28),
    ):
        disk(
            draw,
            frame.at(x, y),
            frame.height * radius * 0.98,
            frame.height * radius * 0.93,
            fill=color,
            outline=None,
        )


def draw_rainbow(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A rainbow arc in its seven colours."""
    frame = fit(box, 2.0)
    colors = (
        (230, 50, 50),
        (245, 140, 40),
        (250, 220, 50),
        (70, 170, 70),
        (60, 120, 220),
        (80, 60, 170),
        (150, 70, 190),
    )
    band = frame.height * 0.09
    for index, color in enumerate(colors):
        inset = index * band
        draw.arc(
            (
                frame.left + inset,
                frame.top + inset,
                frame.left + frame.width - inset,
                frame.top + 2 * frame.height - inset,
            ),
            180,
            360,
            fill=color,
            width=max(1, math.ceil(band)),
        )
