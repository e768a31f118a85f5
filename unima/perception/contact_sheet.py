"""A contact sheet: the keyframes of a video in one PNG grid, each labelled with its time.

The sheet is for people reading a trace (and for vision models that take one image): it shows
at a glance what the video contains. Thumbnails keep their aspect ratio inside fixed cells, so
the sheet's size depends only on the number of keyframes, never on the video's resolution.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from unima.files import atomic_write_bytes

CELL_WIDTH = 320
CELL_HEIGHT = 180
LABEL_HEIGHT = 24
MARGIN = 8
MAX_COLUMNS = 4
BACKGROUND = (24, 24, 24)
LABEL_COLOUR = (240, 240, 240)


def format_time(seconds: float) -> str:
    """``m:ss.s`` (``0:02.5``, ``12:01.0``), or ``h:mm:ss`` for an hour or more."""
    seconds = round(seconds, 1)  # 59.96 s reads 1:00.0, not 0:60.0
    if seconds >= 3600:
        hours, whole = divmod(int(seconds), 3600)
        return f"{hours}:{whole // 60:02d}:{whole % 60:02d}"
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}:{rest:04.1f}"


def render_contact_sheet(
    frames: Sequence[np.ndarray], times: Sequence[float], *, columns: int | None = None
) -> Image.Image:
    """A grid of ``frames`` (RGB arrays) with their ``times`` written under each.

    Raises:
        ValueError: When there are no frames, or not one time per frame.
    """
    if not frames or len(frames) != len(times):
        raise ValueError(
            f"a contact sheet needs one time per frame (got {len(frames)} frames, {len(times)} times)"
        )
    columns = max(1, min(columns or MAX_COLUMNS, len(frames)))
    rows = math.ceil(len(frames) / columns)
    width = columns * CELL_WIDTH + (columns + 1) * MARGIN
    height = rows * (CELL_HEIGHT + LABEL_HEIGHT) + (rows + 1) * MARGIN
    sheet = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    font = _label_font()
    for index, (frame, time_s) in enumerate(zip(frames, times, strict=True)):
        row, column = divmod(index, columns)
        left = MARGIN + column * (CELL_WIDTH + MARGIN)
        top = MARGIN + row * (CELL_HEIGHT + LABEL_HEIGHT + MARGIN)
        thumbnail = Image.fromarray(frame).convert("RGB")
        thumbnail.thumbnail((CELL_WIDTH, CELL_HEIGHT))
        offset_x = left + (CELL_WIDTH - thumbnail.width) // 2
        offset_y = top + (CELL_HEIGHT - thumbnail.height) // 2
        sheet.paste(thumbnail, (offset_x, offset_y))
        label = f"#{index + 1}  {format_time(time_s)}"
        draw.text((left + 4, top + CELL_HEIGHT + 3), label, fill=LABEL_COLOUR, font=font)
    return sheet


def save_contact_sheet(
    frames: Sequence[np.ndarray], times: Sequence[float], path: Path
) -> tuple[int, int]:
    """Render the sheet and write it as a PNG at ``path`` atomically; return its size."""
    sheet = render_contact_sheet(frames, times)
    buffer = io.BytesIO()
    sheet.save(buffer, format="PNG", optimize=True)
    atomic_write_bytes(path, buffer.getvalue())
    return sheet.size


def _label_font() -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=16)
    except (OSError, ImportError, TypeError):  # Pillow without FreeType: the bitmap font
        return ImageFont.load_default()


__all__ = ["format_time", "render_contact_sheet", "save_contact_sheet"]
