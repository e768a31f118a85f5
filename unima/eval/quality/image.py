"""Image GQ: the released code's simplified BRISQUE (``brisque-lite``), and a frame NR-IQA.

**Image items** (``score_image``, judge ``gq:image/brisque-lite``) are scored as the released UniM
GQ code scores them (``generate_quality/image.py`` and ``evaluate_image`` of
liyanlin06/UniM and Shize-ZHANG/Any2Any-Evaluation-Suite), ported from its description. It is
BRISQUE's feature extraction (Mittal, Moorthy & Bovik, "No-reference image quality assessment in
the spatial domain", IEEE TIP 21(12), 2012) without BRISQUE's trained regressor, so it needs no
weights:

1. The file is decoded as OpenCV decodes it (8-bit BGR, alpha dropped, EXIF orientation
   applied) and turned grey with OpenCV's BT.601 weights.
2. MSCN coefficients ``(I - mu) / sigma``: ``mu`` and ``sigma`` are the local mean and standard
   deviation under a 7x7 Gaussian window of sigma 1.16; ``sigma`` below 1 is raised to 1.
3. A shape fit ``(alpha, beta)`` of a sample: ``alpha`` is the grid value (0.2 to 10 by 0.001)
   whose ``Gamma(1/a)^2 / (Gamma(2/a) Gamma(1/a))`` is nearest to ``mean|x| / sqrt(mean x^2)``,
   and ``beta = sqrt(Gamma(1/alpha) / Gamma(3/alpha))``; an all-zero sample (or an empty tail)
   gives ``(1, 0.1)``. These are the released code's definitions, not the textbook GGD/AGGD
   moment matching: the grid ratio is not the GGD's, so the fit is a fixed statistic of the
   sample rather than an estimate of a distribution.
4. Features of one scale (30): the fit of the MSCN map; then for each neighbour direction
   (right, down, down-right, up-right; the map is rolled, so it wraps at the edges) the fit of
   the products of neighbouring coefficients, the fits of their negative and positive parts, and
   their mean.
5. The same at half size (OpenCV's bilinear resize of the colour image to ``(w // 2, h // 2)``),
   60 features in all; the "BRISQUE score" is ``20 * mean(|feature - 1|)`` clipped to 0-100
   (lower is better) and GQ is ``100 - score``, rounded to 0.01.

An image that OpenCV cannot decode, or one under 2 pixels on a side (no half scale), is a failed
item (GQ ``None``), as in the released code, whose GQ is ``null`` then. The released code also
computes a simplified NIQE whose value it discards (only its failure would null the item); unima
does not compute it.

**Video frames** keep a separate no-reference measure (``score_pixels``, used by
``unima.eval.quality.video``), built from published parameter-free measures:

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

Weights: sharpness 0.35, noise 0.25, exposure 0.30, colourfulness 0.10. A blank frame (luminance
standard deviation under one grey level) has no measurable noise and scores 0 on the others.
Frames whose short side is under 128 pixels are scaled down by ``sqrt(short / 128)``.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import cv2
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

METHOD = "brisque-lite"

# --- the released simplified BRISQUE -----------------------------------------------------------

# The shape grid and its ratio, as the released code defines them (computed once).
SHAPE_GRID = np.arange(0.2, 10.001, 0.001)


def _gamma(values: np.ndarray) -> np.ndarray:
    return np.array([math.gamma(float(value)) for value in values])


GRID_RATIO = _gamma(1.0 / SHAPE_GRID) ** 2 / (_gamma(2.0 / SHAPE_GRID) * _gamma(1.0 / SHAPE_GRID))
EMPTY_FIT = (1.0, 0.1)  # the released code's fit of an all-zero sample or an empty tail
BLUR_SIZE = (7, 7)
BLUR_SIGMA = 1.16
SIGMA_FLOOR = 1.0
# (rows, columns) the MSCN map is rolled by: right, down, down-right, up-right neighbours.
NEIGHBOUR_SHIFTS = ((0, 1), (1, 0), (1, 1), (-1, 1))
FEATURE_SCALE = 20.0
FEATURES_PER_SCALE = 2 + 7 * len(NEIGHBOUR_SHIFTS)


def fit_shape(values: np.ndarray) -> tuple[float, float]:
    """The released code's ``(alpha, beta)`` of a sample (module docstring, step 3)."""

    flat = np.ravel(values).astype(np.float64, copy=False)
    mean_absolute = float(np.mean(np.abs(flat)))
    root_mean_square = float(np.sqrt(np.mean(flat**2)))
    if root_mean_square == 0.0:
        return EMPTY_FIT
    ratio = mean_absolute / root_mean_square
    alpha = float(SHAPE_GRID[int(np.argmin(np.abs(ratio - GRID_RATIO)))])
    return alpha, math.sqrt(math.gamma(1.0 / alpha) / math.gamma(3.0 / alpha))


def mscn_coefficients(grey: np.ndarray) -> np.ndarray:
    """Mean-subtracted contrast-normalised coefficients of a float64 grey picture."""

    local_mean = cv2.GaussianBlur(grey, BLUR_SIZE, BLUR_SIGMA)
    local_square = cv2.GaussianBlur(grey * grey, BLUR_SIZE, BLUR_SIGMA)
    local_deviation = np.sqrt(np.abs(local_square - local_mean * local_mean))
    local_deviation[local_deviation < SIGMA_FLOOR] = SIGMA_FLOOR
    return np.asarray((grey - local_mean) / local_deviation)


def scale_features(bgr: np.ndarray) -> list[float]:
    """The 30 features of one scale of an 8-bit BGR (or grey) picture (docstring, step 4)."""

    grey = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY) if bgr.ndim == 3 else bgr
    mscn = mscn_coefficients(grey.astype(np.float64))
    features = list(fit_shape(mscn))
    for rows, columns in NEIGHBOUR_SHIFTS:
        products = mscn * np.roll(np.roll(mscn, rows, axis=0), columns, axis=1)
        negative = products[products < 0]
        positive = products[products > 0]
        features.extend(fit_shape(products))
        features.extend(fit_shape(negative) if negative.size else EMPTY_FIT)
        features.extend(fit_shape(positive) if positive.size else EMPTY_FIT)
        features.append(float(np.mean(products)))
    return features


def brisque_lite(bgr: np.ndarray) -> tuple[float, list[float]]:
    """The released "BRISQUE score" (0-100, lower is better) of a picture, and its 60 features.

    Raises:
        ValueError: when the picture has no half scale (a side under 2 pixels).
    """

    height, width = bgr.shape[:2]
    if width < 2 or height < 2:
        raise ValueError(f"a {width}x{height} picture has no half scale")
    half = cv2.resize(bgr, (width // 2, height // 2))
    features = scale_features(bgr) + scale_features(half)
    score = float(np.mean(np.abs(np.asarray(features) - 1.0))) * FEATURE_SCALE
    return clamp(score, 0.0, 100.0), features


def refuse_bombs(path: Path) -> None:
    """Raise when the header promises more pixels than Pillow's decompression-bomb limit.

    OpenCV would decode up to 2^30 pixels, several gigabytes once the features are computed;
    the header is read without decoding. A file Pillow cannot identify is left to OpenCV.

    Raises:
        Image.DecompressionBombError, Image.DecompressionBombWarning: for a bomb.
    """

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(path):
                pass
        except (Image.UnidentifiedImageError, OSError, ValueError):
            return


def load_bgr(path: Path) -> np.ndarray | None:
    """The image as OpenCV decodes it for the released code (8-bit BGR), or ``None``."""

    refuse_bombs(path)
    data = np.fromfile(path, dtype=np.uint8)
    if data.size == 0:
        return None
    decoded = cv2.imdecode(data, cv2.IMREAD_COLOR)
    return None if decoded is None else np.asarray(decoded)


def score_image(path: Path) -> MetricValue:
    """GQ of an image file, ``gq:image/brisque-lite``; an undecodable image is ``None``."""

    try:
        bgr = load_bgr(path)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        return failed_value("image", METHOD, f"the image is too large to decode: {error}")
    except (OSError, cv2.error) as error:
        return failed_value("image", METHOD, f"the image cannot be read: {error}")
    if bgr is None:
        return failed_value("image", METHOD, "OpenCV cannot decode the image")
    height, width = bgr.shape[:2]
    try:
        brisque, features = brisque_lite(bgr)
    except (ValueError, cv2.error) as error:
        return failed_value("image", METHOD, f"the image cannot be scored: {error}")
    score = 100.0 - brisque
    return quality_value(
        "image",
        METHOD,
        score,
        subscores={"brisque_lite": score / 100.0},
        weights={"brisque_lite": 1.0},
        measurements={
            "width": int(width),
            "height": int(height),
            "brisque_score": brisque,
            "mscn_alpha": features[0],
            "mscn_beta": features[1],
            "half_scale_mscn_alpha": features[FEATURES_PER_SCALE],
        },
    )


# --- the frame NR-IQA of the video scorer ------------------------------------------------------

FRAME_WEIGHTS = {"sharpness": 0.35, "noise": 0.25, "exposure": 0.30, "colourfulness": 0.10}
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
    return combine(subscores, FRAME_WEIGHTS) * factor, subscores, measurements
