"""The self-check of a drawn image: a PNG that decodes, has the planned size and is not blank."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy
from PIL import Image, UnidentifiedImageError

from unima.types import Verification

# Below these a PNG is taken to be blank (one flat colour, or noise-free near-flat).
MINIMUM_PIXEL_STD = 2.0
MINIMUM_DISTINCT_COLORS = 8


def verify_png(
    path: Any,
    *,
    width: int | None = None,
    height: int | None = None,
    shortened_text: Sequence[str] = (),
) -> Verification:
    """Check that ``path`` is a PNG that decodes, has the given size and is not blank.

    ``shortened_text`` (the texts the renderer cut to fit) is recorded, not judged: a cut label
    leaves the image valid, and the relevance check (``unima.relevance``) decides about it.
    """
    checks: dict[str, Any] = {"shortened_text": list(shortened_text)}
    problems: list[str] = []
    try:
        with Image.open(path) as image:
            image.load()
            checks.update(format=image.format, mode=image.mode)
            checks.update(width=image.width, height=image.height)
            rgb = image.convert("RGB")
    except (OSError, UnidentifiedImageError, ValueError) as error:
        return Verification(
            passed=False, checks=checks, problems=(f"image does not decode: {error}",)
        )
    if checks["format"] != "PNG":
        problems.append(f"expected a PNG, found {checks['format']}")
    if width is not None and (rgb.width, rgb.height) != (width, height):
        problems.append(f"size is {rgb.width}x{rgb.height}, expected {width}x{height}")
    pixels = numpy.asarray(rgb, dtype=numpy.float64)
    checks["mean"] = round(float(pixels.mean()), 3)
    checks["std"] = round(float(pixels.std()), 3)
    # getcolors returns None past maxcolors; that is plenty of colours, so report the cap.
    colors = rgb.getcolors(maxcolors=4096)
    checks["distinct_colors"] = len(colors) if colors is not None else 4096
    if checks["std"] < MINIMUM_PIXEL_STD:
        problems.append(f"image is blank: pixel standard deviation {checks['std']}")
    if checks["distinct_colors"] < MINIMUM_DISTINCT_COLORS:
        problems.append(f"image is blank: only {checks['distinct_colors']} distinct colours")
    return Verification(passed=not problems, checks=checks, problems=tuple(problems))
