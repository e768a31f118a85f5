"""No-reference image quality from published, parameter-free measures (method ``nr-iqa``).

The paper's figure names NIQE for images; the released code scores a self-described placeholder
"BRISQUE" instead (unim.md §2.1, §5). Real BRISQUE needs a trained SVR model and NIQE a
pristine-image model fitted on a corpus; no installable package ships either for offline use
(``pyiqa`` and ``piq`` download their weights at run time), so this scorer combines measures
that need no trained parameters, each from its paper:

- sharpness: the variance of the Laplacian (Pech-Pacheco et al., "Diatom autofocusing in
  brightfield microscopy: a comparative study", ICPR 2000), on a 512-pixel working size so the
  number does not depend on the resolution; mapped ``v / (v + 100)``.
- noise: Immerkaer's fast noise variance estimate ("Fast noise variance estimation", CVIU 64(2),
  1996) over the non-edge pixels, edges being the top 10 % of Sobel gradient magnitudes as in
  Tai & Yang ("A fast method for image noise estimation using Laplacian operator and adaptive
  edge detection", ISCCSP 2008); mapped ``1 / (1 + (sigma / 5)^2)``.
- exposure: the tonal range between the 1st and 99th luminance percentiles; a range of 60 % of
  full scale or more scores 1 (washed-out, dark or foggy images have a narrow range).
- colourfulness: Hasler & Suesstrunk's M ("Measuring colourfulness in natural images", SPIE
  5007, 2003); mapped ``M / (M + 15)`` (15 is their "slightly colourful"), with a small weight
  because a black-and-white diagram is not a defect.

Weights: sharpness 0.35, noise 0.25, exposure 0.30, colourfulness 0.10. A blank image (luminance
standard deviation under one grey level) has no measurable noise and scores 0 on the others.
Images whose short side is under 128 pixels are scaled down by ``sqrt(short / 128)``.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from unima.eval.quality.common import (
    clamp,
    combine,
    failed_value,
    quality_value,
    saturating,
)
from unima.eval.records import MetricValue

if TYPE_CHECKING:
    import numpy as np

METHOD = "nr-iqa"
WEIGHTS = {"sharpness": 0.35, "noise": 0.25, "exposure": 0.30, "colourfulness": 0.10}
WORKING_SIDE = 512
SHARPNESS_HALF = 100.0  # Laplacian variance of a just-acceptable 8-bit photo at 512 px
NOISE_SIGMA_HALF = 5.0  # noise standard deviation (grey levels) that halves the score
FULL_TONAL_RANGE = 0.6
COLOURFULNESS_HALF = 15.0
SMALL_SIDE = 128
EDGE_PERCENTILE = 90.0
BLANK_STD = 1.0


def working_pixels(rgb: np.ndarray) -> np.ndarray:
    """``rgb`` (uint8, H x W x 3) resized so its long side is ``WORKING_SIDE``, as float64."""

    height, width = rgb.shape[:2]
    scale = WORKING_SIDE / max(height, width)
    picture = Image.fromarray(np.ascontiguousarray(rgb, dtype=np.uint8), "RGB")
    if scale < 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        picture = picture.resize(size, Image.Resampling.LANCZOS)
    return np.asarray(picture, dtype=np.float64)


def laplacian_variance(grey: np.ndarray) -> float:
    """Variance of the 4-neighbour Laplacian (Pech-Pacheco et al. 2000)."""
    if grey.shape[0] < 3 or grey.shape[1] < 3:
        return 0.0
    laplacian = (
        grey[:-2, 1:-1] + grey[2:, 1:-1] + grey[1:-1, :-2] + grey[1:-1, 2:] - 4.0 * grey[1:-1, 1:-1]
    )
    return float(laplacian.var())


def noise_sigma(grey: np.ndarray) -> float:
    """Immerkaer's (1996) noise standard deviation over the non-edge pixels (Tai & Yang 2008)."""

    if grey.shape[0] < 3 or grey.shape[1] < 3:
        return 0.0
    # The mask [[1,-2,1],[-2,4,-2],[1,-2,1]] is the difference of two Laplacians: it cancels
    # image structure up to second order and keeps the noise.
    response = (
        grey[:-2, :-2] - 2 * grey[:-2, 1:-1] + grey[:-2, 2:]
        - 2 * grey[1:-1, :-2] + 4 * grey[1:-1, 1:-1] - 2 * grey[1:-1, 2:]
        + grey[2:, :-2] - 2 * grey[2:, 1:-1] + grey[2:, 2:]
    )  # fmt: skip
    gradient_x = (grey[:-2, 2:] + 2 * grey[1:-1, 2:] + grey[2:, 2:]) - (
        grey[:-2, :-2] + 2 * grey[1:-1, :-2] + grey[2:, :-2]
    )
    gradient_y = (grey[2:, :-2] + 2 * grey[2:, 1:-1] + grey[2:, 2:]) - (
        grey[:-2, :-2] + 2 * grey[:-2, 1:-1] + grey[:-2, 2:]
    )
    magnitude = np.abs(gradient_x) + np.abs(gradient_y)
    threshold = np.percentile(magnitude, EDGE_PERCENTILE)
    flat = magnitude <= threshold
    if not flat.any():
        return 0.0
    return float(math.sqrt(math.pi / 2.0) * np.abs(response[flat]).mean() / 6.0)


def colourfulness(rgb: np.ndarray) -> float:
    """Hasler & Suesstrunk's (2003) colourfulness M of 0-255 RGB pixels."""

    red, green, blue = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    red_green = red - green
    yellow_blue = 0.5 * (red + green) - blue
    spread = math.hypot(float(np.std(red_green)), float(np.std(yellow_blue)))
    centre = math.hypot(float(np.mean(red_green)), float(np.mean(yellow_blue)))
    return spread + 0.3 * centre


def assess_pixels(rgb: np.ndarray) -> tuple[dict[str, float | None], dict[str, Any]]:
    """Sub-scores (0-1) and raw measurements of one RGB picture (uint8, H x W x 3).

    Video scoring calls this on sampled frames, so it takes pixels, not a file.
    """

    height, width = rgb.shape[:2]
    pixels = working_pixels(rgb)
    grey = pixels @ np.array([0.299, 0.587, 0.114])
    sharpness = laplacian_variance(grey)
    sigma = noise_sigma(grey)
    low, high = np.percentile(grey, [1.0, 99.0])
    tonal_range = float(high - low) / 255.0
    colour = colourfulness(pixels)
    blank = float(grey.std()) < BLANK_STD
    subscores: dict[str, float | None] = {
        "sharpness": saturating(sharpness, SHARPNESS_HALF),
        "noise": None if blank else 1.0 / (1.0 + (sigma / NOISE_SIGMA_HALF) ** 2),
        "exposure": clamp(tonal_range / FULL_TONAL_RANGE),
        "colourfulness": saturating(colour, COLOURFULNESS_HALF),
    }
    measurements: dict[str, Any] = {
        "width": int(width),
        "height": int(height),
        "laplacian_variance": sharpness,
        "noise_sigma": sigma,
        "tonal_range": tonal_range,
        "colourfulness_m": colour,
        "blank": blank,
    }
    return subscores, measurements


def resolution_factor(width: int, height: int) -> float:
    """1 for pictures whose short side is at least ``SMALL_SIDE``, less for thumbnails."""
    return math.sqrt(clamp(min(width, height) / SMALL_SIDE))


def score_pixels(rgb: np.ndarray) -> tuple[float, dict[str, float | None], dict[str, Any]]:
    """The 0-100 score of one picture, with its sub-scores and measurements."""
    subscores, measurements = assess_pixels(rgb)
    factor = resolution_factor(measurements["width"], measurements["height"])
    measurements["resolution_factor"] = factor
    return combine(subscores, WEIGHTS) * factor, subscores, measurements


def load_rgb(path: Path) -> np.ndarray:
    """The first frame of an image file as uint8 RGB (transparency composited on white).

    Raises:
        OSError, ValueError: when Pillow cannot decode it (the caller turns that into a 0).
    """

    with warnings.catch_warnings():
        # A decompression bomb is a failure of the item, not a warning to print.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(path) as opened:
            opened.seek(0)
            picture = opened.convert("RGBA")
    background = Image.new("RGBA", picture.size, (255, 255, 255, 255))
    return np.asarray(Image.alpha_composite(background, picture).convert("RGB"))


def score_image(path: Path) -> MetricValue:
    """GQ of an image file: ``gq:image/nr-iqa``; an undecodable file scores 0."""

    try:
        rgb = load_rgb(path)
    except (
        OSError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as error:
        return failed_value("image", METHOD, f"the image cannot be decoded: {error}")
    score, subscores, measurements = score_pixels(rgb)
    return quality_value(
        "image", METHOD, score, subscores=subscores, weights=WEIGHTS, measurements=measurements
    )
