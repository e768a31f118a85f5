"""Text recognition with RapidOCR (PP-OCR models in ONNX, shipped inside the wheel).

``recognize(image)`` returns the text lines found in an image, each with its confidence and its
four corner points in the original image's pixel coordinates; ``lines_to_text`` puts them in
reading order. The engine loads once per process, on first use (about 0.3 s), and one call runs
at a time: onnxruntime already uses every core for one image, so callers in other threads wait
their turn rather than oversubscribing the CPU.

Work is bounded: images are resized so their longer side is at most ``MAX_OCR_SIDE`` pixels
(smaller ones are enlarged 1.5x, which keeps the spaces between words; the boxes are scaled
back), and files are opened only by the allowlisted Pillow decoders with Pillow's
decompression-bomb limit on. Perceivers (image, document, video keyframes) use this module; it
imports Pillow and onnxruntime only inside its functions, because the reasoners load its
``OcrLine`` (through ``unima.perception.image_chart``) without reading any image.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from unima.errors import ConfigError, InputError

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image

# Text taller than ~10 px stays legible at this size, and RapidOCR's own cap is 2000.
MAX_OCR_SIDE = 2000
# Very small images are upscaled first: the detector misses text under ~10 px tall.
MIN_OCR_SIDE = 64
# Images are read enlarged by this factor (within MAX_OCR_SIDE): at 1x the recogniser often
# drops the spaces between words ("Totaldue 250euros"), at 1.5x it keeps them.
ENLARGE_FACTOR = 1.5
# RapidOCR's 0/180-degree classifier turns short upright words over ("Dan" is read as "uea");
# inputs here (documents, charts, screenshots, keyframes) are upright, so it stays off.
USE_ANGLE_CLASSIFIER = False
# Pillow decoders an image file may be opened with (never EPS or other exotic plugins).
OCR_FORMATS = ("PNG", "JPEG", "GIF", "WEBP", "BMP", "TIFF")

Point = tuple[float, float]
Box = tuple[Point, Point, Point, Point]

_engine: Any = None
_load_lock = threading.Lock()
_recognize_lock = threading.Lock()


@dataclass(frozen=True)
class OcrLine:
    """One line of recognised text.

    Attributes:
        text: The text read.
        confidence: The recogniser's score, 0 to 1.
        box: The four corners (top-left, top-right, bottom-right, bottom-left) as ``(x, y)``
            pixel coordinates in the image given to ``recognize``.
    """

    text: str
    confidence: float
    box: Box

    @property
    def left(self) -> float:
        return min(x for x, _ in self.box)

    @property
    def right(self) -> float:
        return max(x for x, _ in self.box)

    @property
    def top(self) -> float:
        return min(y for _, y in self.box)

    @property
    def bottom(self) -> float:
        return max(y for _, y in self.box)

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def center(self) -> Point:
        return ((self.left + self.right) / 2, (self.top + self.bottom) / 2)

    def to_json(self) -> dict[str, Any]:
        """``{"text", "confidence", "box"}`` with rounded numbers, for ``Perception.meta``."""
        return {
            "text": self.text,
            "confidence": round(self.confidence, 3),
            "box": [[round(x, 1), round(y, 1)] for x, y in self.box],
        }


def load_engine() -> Any:
    """The process-wide ``RapidOCR`` engine, created on first use.

    Raises:
        ConfigError: When ``rapidocr-onnxruntime`` is not installed.
    """
    global _engine
    with _load_lock:
        if _engine is None:
            try:
                from rapidocr_onnxruntime import RapidOCR  # loads onnxruntime: on first use only
            except ImportError as error:
                raise ConfigError(
                    f"text recognition needs the 'rapidocr-onnxruntime' package ({error}). "
                    "Install it with: pip install rapidocr-onnxruntime"
                ) from error
            _engine = RapidOCR()
        return _engine


def recognize(
    image: Path | str | Image.Image | np.ndarray, *, max_side: int = MAX_OCR_SIDE
) -> list[OcrLine]:
    """Read the text in ``image``.

    Args:
        image: An image file (opened with the allowlisted Pillow decoders), a PIL image, or an
            RGB ``uint8`` array of shape ``(height, width, 3)``. Transparent pixels count as
            white, so dark text on a transparent background is read.
        max_side: Longer-side cap in pixels; larger images are downscaled for recognition,
            smaller ones enlarged by ``ENLARGE_FACTOR`` within the cap.

    Returns:
        The lines found, in reading order, with boxes in ``image``'s own pixel coordinates.
        An image without text gives an empty list.

    Raises:
        InputError: When the file cannot be opened or decoded as an image, or is a
            decompression bomb.
        ConfigError: When RapidOCR is not installed.
    """
    from PIL import Image as PilImage

    if isinstance(image, (str, Path)):
        picture = _open_image(Path(image))
    elif isinstance(image, PilImage.Image):
        picture = image
    else:
        picture = PilImage.fromarray(image)
    prepared, scale = _prepare(picture, max_side)
    engine = load_engine()
    with _recognize_lock:
        result, _ = engine(prepared, use_cls=USE_ANGLE_CLASSIFIER)
    lines = [
        OcrLine(
            text=str(text).strip(),
            confidence=float(score),
            box=_scaled_box(points, scale),
        )
        for points, text, score in (result or [])
        if str(text).strip()
    ]
    return reading_order(lines)


def read_line(image: Image.Image) -> tuple[str, float]:
    """Recognise ``image`` as one line of text, without detection (tens of milliseconds).

    For a crop already known to hold one short line, such as a chart tick label whose place
    is predicted from its neighbours. The crop is read as it is (no resizing).

    Returns:
        The text read (possibly empty) and its confidence.
    """
    # As cut: enlarging or padding a crop makes a lone "0" read as "。" more often, not less.
    rgb = flatten_to_rgb(image)
    engine = load_engine()
    with _recognize_lock:
        result, _ = engine(rgb, use_det=False, use_cls=False, use_rec=True)
    if not result:
        return "", 0.0
    text, score = result[0][0], result[0][1]
    return str(text).strip(), float(score)


def reading_order(lines: list[OcrLine]) -> list[OcrLine]:
    """``lines`` sorted top-to-bottom by visual row, then left-to-right within a row.

    Two lines share a row when their vertical centres are closer than half the smaller
    line's height, so a row whose boxes are a few pixels off still reads left to right.
    """
    rows: list[list[OcrLine]] = []
    for line in sorted(lines, key=lambda item: item.center[1]):
        if rows:
            last = rows[-1][-1]
            tolerance = max(2.0, min(line.height, last.height) / 2)
            if abs(line.center[1] - last.center[1]) <= tolerance:
                rows[-1].append(line)
                continue
        rows.append([line])
    return [line for row in rows for line in sorted(row, key=lambda item: item.left)]


def lines_to_text(lines: list[OcrLine]) -> str:
    """The text of ``lines`` in reading order: a row's lines joined by spaces, rows by newlines."""
    rows: list[list[str]] = []
    previous: OcrLine | None = None
    for line in reading_order(lines):
        tolerance = max(2.0, min(line.height, previous.height) / 2) if previous else 0.0
        if previous is not None and abs(line.center[1] - previous.center[1]) <= tolerance:
            rows[-1].append(line.text)
        else:
            rows.append([line.text])
        previous = line
    return "\n".join(" ".join(row) for row in rows)


def flatten_to_rgb(picture: Image.Image) -> Image.Image:
    """An RGB copy of ``picture``'s current frame, transparency composited over white.

    Dark text on a transparent background would otherwise turn black on black.
    """
    from PIL import Image

    if picture.mode in ("RGBA", "LA", "PA", "P") or "transparency" in picture.info:
        rgba = picture.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return picture.convert("RGB")


def _open_image(path: Path) -> Image.Image:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path, formats=list(OCR_FORMATS)) as opened:
            opened.load()
            return opened.copy()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise InputError(f"refused as a decompression bomb ({error})", source=str(path)) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as error:
        raise InputError(
            f"the image cannot be decoded for OCR ({type(error).__name__}: {error})",
            source=str(path),
        ) from None


def _prepare(picture: Image.Image, max_side: int) -> tuple[Image.Image, float]:
    """An RGB copy within the size bounds (transparency over white), and its scale factor."""
    from PIL import Image

    rgb = flatten_to_rgb(picture)
    width, height = rgb.size
    longer = max(width, height, 1)
    scale = min(ENLARGE_FACTOR, max_side / longer)
    if longer * scale < MIN_OCR_SIDE:
        scale = MIN_OCR_SIDE / longer
    if scale != 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        rgb = rgb.resize(size, Image.Resampling.LANCZOS)
    return rgb, scale


def _scaled_box(points: Any, scale: float) -> Box:
    corners = [(float(x) / scale, float(y) / scale) for x, y in list(points)[:4]]
    while len(corners) < 4:  # defensive: RapidOCR always gives four corners
        corners.append(corners[-1])
    return (corners[0], corners[1], corners[2], corners[3])


__all__ = [
    "MAX_OCR_SIDE",
    "OcrLine",
    "flatten_to_rgb",
    "lines_to_text",
    "load_engine",
    "read_line",
    "reading_order",
    "recognize",
]
