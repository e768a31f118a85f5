"""Text layout for the Pillow renderers: wrap text into a box at the largest legible size."""

from __future__ import annotations

from dataclasses import dataclass

from PIL import ImageDraw, ImageFont

from unima.tools.common import one_line
from unima.tools.fonts import load_font
from unima.tools.image.shortened import record_shortened

# OCR reads DejaVu Sans reliably from about this height; smaller text is a last resort.
MINIMUM_FONT_SIZE = 11
LINE_SPACING = 1.2


@dataclass(frozen=True)
class TextBlock:
    """Wrapped lines and the font that makes them fit."""

    lines: tuple[str, ...]
    font: ImageFont.FreeTypeFont
    line_height: int

    @property
    def height(self) -> int:
        return self.line_height * len(self.lines)


def text_width(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont) -> float:
    return draw.textlength(text, font=font)


def wrap_text(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, max_width: float
) -> list[str]:
    """Greedy word wrap; a word wider than ``max_width`` is broken between characters."""
    lines: list[str] = []
    current = ""
    for word in one_line(text).split(" "):
        candidate = f"{current} {word}" if current else word
        if text_width(draw, candidate, font) <= max_width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        for character in word:
            if current and text_width(draw, current + character, font) > max_width:
                lines.append(current)
                current = ""
            current += character
    if current:
        lines.append(current)
    return lines or [""]


def fit_text(
    draw: ImageDraw.ImageDraw,
    text: str,
    max_width: float,
    max_height: float,
    *,
    largest: int,
    bold: bool = False,
    max_lines: int = 4,
) -> TextBlock:
    """Wrap ``text`` at the largest size from ``largest`` down that fits the box with every word
    whole.

    At the smallest size the text may still overflow; the last line then ends in an ellipsis
    rather than spilling over neighbouring shapes.
    """
    size = max(largest, MINIMUM_FONT_SIZE)
    while True:
        font = load_font(size, bold=bold)
        line_height = int(size * LINE_SPACING) + 1
        lines = wrap_text(draw, text, font, max_width)
        # A word broken between characters ("atmospher / e") reads as two words: a smaller
        # size that keeps every word whole fits better.
        whole = all(text_width(draw, word, font) <= max_width for word in one_line(text).split())
        fits = whole and len(lines) <= max_lines and len(lines) * line_height <= max_height
        if fits or size <= MINIMUM_FONT_SIZE:
            break
        size = max(MINIMUM_FONT_SIZE, int(size * 0.88))
    allowed = max(1, min(max_lines, int(max_height // line_height)))
    if len(lines) > allowed:
        lines = lines[:allowed]
        last = lines[-1]
        while last and text_width(draw, last + "…", font) > max_width:
            last = last[:-1]
        lines[-1] = last + "…"
        record_shortened(text)
    return TextBlock(lines=tuple(lines), font=font, line_height=line_height)


def draw_block(
    draw: ImageDraw.ImageDraw,
    block: TextBlock,
    center_x: float,
    top: float,
    fill: tuple[int, ...] | str,
    *,
    align: str = "center",
    left: float = 0.0,
) -> None:
    """Draw ``block`` line by line, centred on ``center_x`` or starting at ``left``."""
    for index, line in enumerate(block.lines):
        y = top + index * block.line_height
        if align == "center":
            draw.text((center_x, y), line, font=block.font, fill=fill, anchor="ma")
        else:
            draw.text((left, y), line, font=block.font, fill=fill, anchor="la")


def draw_centered_block(
    draw: ImageDraw.ImageDraw,
    block: TextBlock,
    box: tuple[float, float, float, float],
    fill: tuple[int, ...] | str,
) -> None:
    """Draw ``block`` centred horizontally and vertically inside ``box``."""
    left, top, right, bottom = box
    start = (top + bottom) / 2 - block.height / 2 + (block.line_height - block.font.size) / 2
    draw_block(draw, block, (left + right) / 2, start, fill)


def draw_title(
    draw: ImageDraw.ImageDraw, title: str, width: int, height: int, fill: tuple[int, ...] | str
) -> float:
    """Draw the title across the top; return the y coordinate below it."""
    margin = max(6, height // 40)
    block = fit_text(
        draw,
        title,
        width * 0.92,
        height * 0.16,
        largest=max(14, height // 15),
        bold=True,
        max_lines=2,
    )
    draw_block(draw, block, width / 2, margin, fill)
    return margin + block.height + margin


def draw_caption(
    draw: ImageDraw.ImageDraw, caption: str, width: int, height: int, fill: tuple[int, ...] | str
) -> float:
    """Draw the caption along the bottom; return the y coordinate above it."""
    if not caption:
        return float(height)
    margin = max(4, height // 50)
    block = fit_text(
        draw, caption, width * 0.94, height * 0.1, largest=max(12, height // 30), max_lines=2
    )
    top = height - margin - block.height
    draw_block(draw, block, width / 2, top, fill)
    return top - margin


def draw_notes(
    draw: ImageDraw.ImageDraw,
    notes: list[str],
    box: tuple[float, float, float, float],
    *,
    text_fill: tuple[int, ...] | str,
    panel_fill: tuple[int, ...] | str,
    largest: int,
) -> float:
    """Draw ``notes`` as a bulleted list on a rounded panel at the top of ``box``.

    The panel is as tall as its text needs, at most the box. Returns the panel's bottom.
    """
    left, top, right, bottom = box
    padding = 8
    per_note = (bottom - top - 2 * padding) / max(1, len(notes))
    blocks = [
        fit_text(
            draw, f"• {note}", right - left - 2 * padding, per_note, largest=largest, max_lines=3
        )
        for note in notes
    ]
    # Notes that cannot fit even at the smallest size are left out rather than overflowing.
    fitting, used = [], 2.0 * padding
    for block in blocks:
        if used + block.height > bottom - top:
            break
        fitting.append(block)
        used += block.height + padding / 2
    for note in notes[len(fitting) :]:
        record_shortened(note)
    blocks = fitting
    if not blocks:
        return top
    panel_bottom = min(bottom, top + used)
    draw.rounded_rectangle(
        (left, top, right, panel_bottom),
        radius=8,
        fill=panel_fill,
        outline=(150, 150, 160),
        width=1,
    )
    y = top + padding
    for block in blocks:
        draw_block(draw, block, 0, y, text_fill, align="left", left=left + padding)
        y += block.height + padding / 2
    return panel_bottom


def content_box(
    draw: ImageDraw.ImageDraw,
    *,
    title: str,
    caption: str,
    notes: list[str],
    width: int,
    height: int,
    text_fill: tuple[int, ...] | str = (20, 24, 32),
    panel_fill: tuple[int, ...] | str = (244, 244, 236),
) -> tuple[float, float, float, float]:
    """Draw title, caption and notes; return the box left for the picture itself.

    Notes sit in a panel on the right of wide images and under the picture on narrow ones.
    """
    top = draw_title(draw, title, width, height, text_fill)
    bottom = draw_caption(draw, caption, width, height, text_fill)
    margin = max(6, width // 60)
    left, right = float(margin), float(width - margin)
    if notes:
        style = {"text_fill": text_fill, "panel_fill": panel_fill, "largest": max(12, height // 28)}
        if width >= 480:
            panel_left = width * 0.7
            draw_notes(draw, notes, (panel_left, top, right, bottom), **style)  # type: ignore[arg-type]
            right = panel_left - margin
        else:
            panel_top = bottom - (bottom - top) * 0.35
            draw_notes(draw, notes, (left, panel_top, right, bottom), **style)  # type: ignore[arg-type]
            bottom = panel_top - margin
    return left, top, right, bottom
