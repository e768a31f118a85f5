"""Frames of a composed video, drawn with Pillow and yielded as raw RGB bytes.

Each scene has a background (a supplied image, or a seeded gradient with soft shapes) and a
caption overlay drawn once per scene. Animation is a slow Ken Burns zoom and pan over a
background slightly larger than the frame, plus a progress bar, so consecutive frames differ
even over a flat background. A scene may instead carry a clip (frames a video model
generated), spread over the scene's length under the same caption. Frames are produced one at a
time for ``pipe_to_ffmpeg``; a video never exists as image files.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from unima.tools.common import one_line
from unima.tools.fonts import load_font

# The background is drawn this much larger than the frame, so zooming and panning never show
# an edge.
ZOOM = 1.15
MAX_CAPTION_LINES = 4
PROGRESS_BAR_COLOR = (255, 196, 61)
# Pairs of gradient colours for scenes without an image (dark enough for white captions).
PALETTE = (
    ((24, 44, 97), (52, 120, 180)),
    ((70, 24, 90), (170, 60, 120)),
    ((12, 80, 70), (40, 150, 110)),
    ((110, 45, 20), (200, 120, 40)),
    ((35, 35, 45), (90, 100, 130)),
)


# The frames of a generated clip, in order.
Clip = tuple[Image.Image, ...]


@dataclass(frozen=True)
class ScenePlan:
    """One scene as it will be rendered: its caption, frame count and optional background file,
    or a clip shown in place of the background (slowed or sped to the scene's frame count)."""

    caption: str
    frames: int
    background: Path | None = None
    clip: Clip = ()


def _cover(image: Image.Image, width: int, height: int) -> Image.Image:
    """Scale and centre-crop ``image`` to fill ``width`` x ``height`` without distortion."""
    scale = max(width / image.width, height / image.height)
    resized = image.resize(
        (max(width, round(image.width * scale)), max(height, round(image.height * scale))),
        Image.Resampling.LANCZOS,
    )
    left = (resized.width - width) // 2
    top = (resized.height - height) // 2
    return resized.crop((left, top, left + width, top + height))


def _gradient(width: int, height: int, index: int, seed: int) -> Image.Image:
    """A diagonal two-colour gradient with a few translucent circles (so motion shows)."""
    start, end = (np.array(color, dtype=np.float32) for color in PALETTE[index % len(PALETTE)])
    x = np.linspace(0.0, 1.0, width, dtype=np.float32)[None, :]
    y = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None]
    mix = (x * 0.6 + y * 0.4)[..., None]
    pixels = (start * (1 - mix) + end * mix).astype(np.uint8)
    image = Image.fromarray(pixels, "RGB").convert("RGBA")
    shapes = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(shapes)
    generator = random.Random(seed * 1000 + index)
    for _ in range(6):
        radius = generator.uniform(0.08, 0.25) * height
        center_x, center_y = generator.uniform(0, width), generator.uniform(0, height)
        alpha = generator.randint(25, 60)
        draw.ellipse(
            (center_x - radius, center_y - radius, center_x + radius, center_y + radius),
            fill=(255, 255, 255, alpha),
        )
    return Image.alpha_composite(image, shapes).convert("RGB")


def _wrap(text: str, font: ImageFont.FreeTypeFont, max_width: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and font.getlength(candidate) > max_width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def _ellipsize(text: str, font: ImageFont.FreeTypeFont, max_width: float) -> str:
    """``text`` cut at a word and ended with an ellipsis so that it fits ``max_width``."""
    if font.getlength(text) <= max_width:
        return text
    words = text.split()
    while len(words) > 1 and font.getlength(" ".join(words) + "…") > max_width:
        words.pop()
    return " ".join(words) + "…"


def _fit_caption(text: str, width: int, height: int) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest legible font (and wrapped lines) that fits the caption in a few lines."""
    max_width = width * 0.9
    size = max(12, height // 13)
    minimum = max(10, height // 24)
    while True:
        font = load_font(size)
        lines = _wrap(text, font, max_width)
        if len(lines) <= MAX_CAPTION_LINES or size <= minimum:
            break
        size -= 2
    if len(lines) > MAX_CAPTION_LINES:
        lines = lines[:MAX_CAPTION_LINES]
        lines[-1] = lines[-1].rstrip(".,;: ") + "…"
    return font, lines


def _overlay(caption: str, title: str, width: int, height: int, label: str) -> Image.Image:
    """The scene's text layer: a title band at the top, the caption band at the bottom."""
    overlay = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    margin = max(4, width // 40)
    if title:
        title_font = load_font(max(10, height // 20), bold=True)
        band = round(title_font.size * 1.6)
        draw.rectangle((0, 0, width, band), fill=(0, 0, 0, 140))
        title = _ellipsize(title, title_font, width * 0.85 - 2 * margin)
        draw.text((margin, band / 2), title, font=title_font, fill="white", anchor="lm")
        if label:
            small = load_font(max(9, height // 30))
            draw.text(
                (width - margin, band / 2), label, font=small, fill=(220, 220, 220), anchor="rm"
            )
    if caption:
        font, lines = _fit_caption(caption, width, height)
        line_height = round(font.size * 1.25)
        band = line_height * len(lines) + 2 * margin
        top = height - band - max(3, height // 60)  # leave room for the progress bar
        draw.rectangle((0, top, width, height), fill=(0, 0, 0, 170))
        for number, line in enumerate(lines):
            draw.text(
                (width / 2, top + margin + line_height * (number + 0.5)),
                line,
                font=font,
                fill="white",
                anchor="mm",
            )
    return overlay


def _draw_progress(frame: Image.Image, fraction: float, bar_height: int) -> None:
    """The progress bar along the bottom edge, ``fraction`` of the width long."""
    ImageDraw.Draw(frame).rectangle(
        (0, frame.height - bar_height, round(frame.width * fraction), frame.height),
        fill=PROGRESS_BAR_COLOR,
    )


def render_frames(
    scenes: list[ScenePlan],
    *,
    title: str,
    width: int,
    height: int,
    animate: bool,
    seed: int = 0,
) -> Iterator[bytes]:
    """Yield every frame of the video, in order, as ``width * height * 3`` RGB bytes."""
    total_frames = sum(scene.frames for scene in scenes)
    title = one_line(title)
    canvas_width, canvas_height = round(width * ZOOM), round(height * ZOOM)
    bar_height = max(3, height // 60)
    done = 0
    for index, scene in enumerate(scenes):
        label = f"{index + 1}/{len(scenes)}" if len(scenes) > 1 else ""
        overlay = _overlay(one_line(scene.caption), title, width, height, label)
        mask = overlay.getchannel("A")
        if scene.clip:
            # The clip moves by itself: no zoom or pan, only the progress bar.
            pictures = [_cover(picture.convert("RGB"), width, height) for picture in scene.clip]
            for number in range(scene.frames):
                frame = pictures[number * len(pictures) // scene.frames].copy()
                frame.paste(overlay, (0, 0), mask)
                done += 1
                if animate:
                    _draw_progress(frame, done / total_frames, bar_height)
                yield frame.tobytes()
            continue
        if scene.background is not None:
            with Image.open(scene.background) as source:
                background = _cover(source.convert("RGB"), canvas_width, canvas_height)
        else:
            background = _gradient(canvas_width, canvas_height, index, seed)
        if not animate:
            frame = background.resize((width, height), Image.Resampling.BILINEAR)
            frame.paste(overlay, (0, 0), mask)
            data = frame.tobytes()
            for _ in range(scene.frames):
                yield data
            done += scene.frames
            continue
        # Alternate zooming in and out, and the pan direction, from scene to scene.
        zoom_in = index % 2 == 0
        for number in range(scene.frames):
            progress = number / max(1, scene.frames - 1)
            zoom = 1 + (ZOOM - 1) * (progress if zoom_in else 1 - progress)
            box_width, box_height = canvas_width / zoom, canvas_height / zoom
            pan = progress if index % 4 < 2 else 1 - progress
            left = (canvas_width - box_width) * pan
            top = (canvas_height - box_height) * 0.5
            frame = background.resize(
                (width, height),
                Image.Resampling.BILINEAR,
                box=(left, top, left + box_width, top + box_height),
            )
            frame.paste(overlay, (0, 0), mask)
            done += 1
            _draw_progress(frame, done / total_frames, bar_height)
            yield frame.tobytes()
