"""Dominant colours of an image: a small thumbnail quantised to a few colours, with names.

The thumbnail keeps the work bounded whatever the image size (at most 128x128 pixels are
counted); median-cut quantisation then groups the pixels into at most ``PALETTE_SIZE`` colours,
and near-identical colours are merged so a flat two-colour image reports exactly two. Each colour
gets the nearest of a few everyday names so a summary can say "mostly white with navy".
"""

from __future__ import annotations

from typing import Any

from PIL import Image

from unima.backends.ocr import flatten_to_rgb

THUMBNAIL_SIDE = 128
PALETTE_SIZE = 12
TOP_COLOURS = 5
# Colours closer than this (Euclidean, 0-255 RGB) are one colour (anti-aliasing, JPEG noise).
MERGE_DISTANCE = 24.0

# Everyday colour names and a representative RGB value each.
COLOUR_NAMES: dict[str, tuple[int, int, int]] = {
    "black": (0, 0, 0),
    "dark grey": (64, 64, 64),
    "grey": (128, 128, 128),
    "light grey": (200, 200, 200),
    "white": (255, 255, 255),
    "red": (220, 30, 30),
    "dark red": (128, 0, 0),
    "orange": (255, 140, 0),
    "yellow": (240, 220, 30),
    "olive": (128, 128, 0),
    "green": (40, 170, 40),
    "dark green": (0, 90, 0),
    "teal": (0, 128, 128),
    "cyan": (0, 220, 220),
    "light blue": (150, 200, 240),
    "blue": (30, 90, 220),
    "navy": (0, 0, 128),
    "purple": (128, 40, 160),
    "pink": (240, 130, 180),
    "magenta": (230, 0, 230),
    "brown": (140, 80, 30),
    "beige": (230, 215, 175),
}


def dominant_colours(picture: Image.Image, count: int = TOP_COLOURS) -> list[dict[str, Any]]:
    """The ``count`` most common colours of ``picture``.

    Args:
        picture: Any PIL image; transparency counts as white.
        count: How many colours to report.

    Returns:
        ``[{"hex": "#1f77b4", "share": 0.42, "name": "blue"}, ...]``, most common first; shares
        are fractions of the pixels and sum to at most 1.
    """
    thumbnail = flatten(picture)
    thumbnail.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.NEAREST)
    quantised = thumbnail.quantize(colors=PALETTE_SIZE, method=Image.Quantize.MEDIANCUT)
    palette = quantised.getpalette() or []
    total = thumbnail.width * thumbnail.height
    counted = quantised.getcolors(PALETTE_SIZE + 1) or []
    colours: list[tuple[int, tuple[int, int, int]]] = []
    for pixels, index in counted:
        start = 3 * int(index)  # type: ignore[arg-type]  # a "P" image counts palette indices
        colours.append((pixels, (palette[start], palette[start + 1], palette[start + 2])))
    colours.sort(reverse=True)
    merged: list[list[Any]] = []  # [pixels, rgb of the largest member]
    for pixels, rgb in colours:
        for group in merged:
            if _distance(group[1], rgb) <= MERGE_DISTANCE:
                group[0] += pixels
                break
        else:
            merged.append([pixels, rgb])
    merged.sort(key=lambda group: group[0], reverse=True)
    return [
        {
            "hex": "#{:02x}{:02x}{:02x}".format(*rgb),
            "share": round(pixels / total, 3),
            "name": colour_name(rgb),
        }
        for pixels, rgb in merged[:count]
    ]


def flatten(picture: Image.Image) -> Image.Image:
    """An RGB copy of ``picture``'s current frame with any transparency composited over white."""
    return flatten_to_rgb(picture)


def colour_name(rgb: tuple[int, int, int]) -> str:
    """The nearest everyday name for an RGB colour."""
    return min(COLOUR_NAMES, key=lambda name: _distance(COLOUR_NAMES[name], rgb))


def describe_colours(colours: list[dict[str, Any]]) -> str:
    """``mostly white (81%) with blue (12%) and black (5%)``.

    Shares of colours with the same name are added (two near-whites are one "white"), and
    names under 2% are left out.
    """
    shares: dict[str, float] = {}
    for colour in colours:
        shares[colour["name"]] = shares.get(colour["name"], 0.0) + colour["share"]
    shown = sorted(
        ((name, share) for name, share in shares.items() if share >= 0.02),
        key=lambda item: item[1],
        reverse=True,
    )
    if not shown:
        return ""
    words = [f"{name} ({share:.0%})" for name, share in shown[:3]]
    first = f"mostly {words[0]}" if shown[0][1] >= 0.5 else f"chiefly {words[0]}"
    if len(words) == 1:
        return first
    return f"{first} with " + " and ".join(words[1:])


def _distance(first: tuple[int, int, int], second: tuple[int, int, int]) -> float:
    return float(sum((a - b) ** 2 for a, b in zip(first, second, strict=True)) ** 0.5)
