"""Images: size and mode (Pillow), dominant colours, RapidOCR text with positions, chart axes.

The reader ``readers.media.describe_image`` opens the file first, so the same allowlisted
decoders, decompression-bomb limit and pixel caps refuse bad files with an ``InputError``.
Then the first frame is flattened to RGB once and shared by the colour count and OCR (which
downscales large images itself). When the OCR lines look like a chart, tick labels the detector
missed (lone small digits such as the "0" at an axis origin) are read where their evenly spaced
neighbours predict them, and kept only when they say the value expected there.

``ocr_image`` is also what the document perceiver uses for page images and scanned pages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from PIL import Image

from unima.backends.ocr import OcrLine, lines_to_text, read_line, recognize
from unima.errors import InputError
from unima.perception.base import FilePerceiver, Findings
from unima.perception.image_chart import (
    chart_phrase,
    find_axes,
    missing_ticks,
    parse_number,
    read_chart,
)
from unima.perception.image_colours import describe_colours, dominant_colours, flatten
from unima.perception.phrasing import quote
from unima.perception.readers.media import describe_image
from unima.types import Part

# What a lone digit is misread as by the recogniser; applied only where a tick is predicted.
_DIGIT_LOOKALIKES = str.maketrans({"。": "0", "o": "0", "O": "0", "°": "0", "l": "1", "I": "1"})
# At most this many predicted tick places are read per axis (each read takes ~50 ms).
MAX_TICK_READS = 8
MAX_OCR_LINES_IN_META = 500
OCR_TEXT_LIMIT = 50_000
PILLOW_FORMATS = ("PNG", "JPEG", "GIF", "WEBP", "BMP", "TIFF")


class ImagePerceiver(FilePerceiver):
    """Images: Pillow facts, dominant colours, RapidOCR text and chart axes.

    Stateless and thread-safe: the one shared OCR engine lives in ``unima.backends.ocr``.
    """

    modality: ClassVar[str] = "image"
    backend: ClassVar[str] = "rapidocr+pillow"

    def describe(self, part: Part, path: Path, findings: Findings) -> None:
        opening = describe_image(path, findings)  # raises InputError for bad files and bombs
        picture = load_first_frame(path, findings)
        findings.summary = opening
        if picture is None:
            return
        colours_phrase = _colours(picture, findings)
        lines = ocr_image(picture, findings)
        chart = None
        if lines is not None:
            chart = _chart(picture, lines, findings)
        findings.summary = image_summary(
            findings.meta, opening, colours_phrase, chart, findings.text
        )


def load_first_frame(path: Path, findings: Findings) -> Image.Image | None:
    """The image's first frame as an RGB picture (transparency over white), or None on failure.

    The file has already passed ``describe_image``'s checks; a failure here is recorded.
    """
    try:
        with Image.open(path, formats=list(PILLOW_FORMATS)) as opened:
            opened.seek(0)
            return flatten(opened)
    except (OSError, ValueError, SyntaxError, EOFError, MemoryError) as error:
        findings.fail("decode first frame", error)
        return None


def ocr_image(picture: Image.Image, findings: Findings) -> list[OcrLine] | None:
    """OCR ``picture`` into ``findings`` (``text`` and ``meta["ocr"]``); None when OCR failed."""
    try:
        lines = recognize(picture)
    except InputError:
        raise
    except Exception as error:  # onnxruntime or a missing package: keep the other facts
        findings.fail("ocr", error)
        return None
    findings.meta["ocr"] = [line.to_json() for line in lines[:MAX_OCR_LINES_IN_META]]
    findings.text = lines_to_text(lines)[:OCR_TEXT_LIMIT]
    return lines


def _colours(picture: Image.Image, findings: Findings) -> str:
    try:
        colours = dominant_colours(picture)
    except (OSError, ValueError, MemoryError) as error:
        findings.fail("dominant colours", error)
        return ""
    findings.meta["dominant_colours"] = colours
    return describe_colours(colours)


def _chart(picture: Image.Image, lines: list[OcrLine], findings: Findings) -> dict[str, Any] | None:
    """Chart facts from the OCR lines, with tick labels the detector missed read in place."""
    width, height = picture.size
    chart = read_chart(lines, width, height)
    if chart is None:
        return None
    try:
        extra = _missing_tick_lines(picture, lines)
    except Exception as error:  # the first reading stands
        findings.fail("chart tick re-read", error)
        extra = []
    if extra:
        chart = read_chart(lines + extra, width, height) or chart
    findings.meta["chart"] = chart
    return chart


def _missing_tick_lines(picture: Image.Image, lines: list[OcrLine]) -> list[OcrLine]:
    """Tick labels read (without detection) where evenly spaced neighbours predict them.

    A prediction counts only when the text read there is the number expected there (after
    mapping look-alikes such as "。" or "O" to digits), so an empty spot or a stray mark never
    adds a tick.
    """
    width, height = picture.size
    y_ticks, x_ticks = find_axes(lines, width, height)
    found: list[OcrLine] = []
    for axis, ticks in (("y", y_ticks), ("x", x_ticks)):
        for box, expected in missing_ticks(ticks, axis, width, height)[:MAX_TICK_READS]:
            text, confidence = read_line(picture.crop(box))
            value = parse_number(text.translate(_DIGIT_LOOKALIKES))
            if value is None or abs(value - expected) > 1e-6 * max(1.0, abs(expected)):
                continue
            left, top, right, bottom = (float(edge) for edge in box)
            line = OcrLine(
                text, confidence, ((left, top), (right, top), (right, bottom), (left, bottom))
            )
            if not any(_overlaps(line, seen) for seen in lines + found):
                found.append(line)
    return found


def _overlaps(first: OcrLine, second: OcrLine) -> bool:
    across = min(first.right, second.right) - max(first.left, second.left)
    down = min(first.bottom, second.bottom) - max(first.top, second.top)
    return across > 0 and down > 0


def image_summary(
    meta: dict[str, Any], opening: str, colours: str, chart: dict[str, Any] | None, text: str
) -> str:
    """One paragraph: what the image is, its colours, the chart it shows and the text it says."""
    size = f"{meta.get('width')}x{meta.get('height')}"
    if chart is not None:
        title = f" titled “{chart['title']}”" if chart["title"] else ""
        summary = f"A {size} {meta.get('image_format') or ''} chart{title}".replace("  ", " ")
        details = chart_phrase(chart)
        summary += f" with {details}." if details else "."
        if colours:
            summary += f" Colours: {colours}."
    else:
        summary = opening.rstrip(".") + (f", {colours}." if colours else ".")
    if text.strip():
        summary += f" Text read (OCR): “{quote(text.replace(chr(10), ' / '), 60)}”."
    elif "ocr" in meta:
        summary += " No text was found in it."
    return summary
