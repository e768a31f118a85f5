"""What a perception model is shown of an input: bounded PNG images and, optionally, audio.

Images come from the input itself (an image, a scanned page) or from what the embedded
perceivers made of it (video keyframes, 3D projections, rendered document pages). Each is
re-opened with the same Pillow allowlist and pixel caps as the image perceiver, shrunk to a
bounded side and byte size, and encoded as PNG, so a model request never carries an unbounded
or undecodable payload. A PNG that already fits is sent byte for byte.
"""

from __future__ import annotations

import base64
import io
import wave
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unima.backends.ffmpeg import decode_audio
from unima.errors import InputError
from unima.types import Part, Perception

PILLOW_FORMATS = ("PNG", "JPEG", "GIF", "WEBP", "BMP", "TIFF")
IMAGE_FORMATS = {"png", "jpeg", "jpg", "gif", "webp", "bmp", "tiff"}
# Meta keys the embedded perceivers fill with image files, per modality, in order of preference.
IMAGE_META_KEYS = {
    "video": ("keyframes", "contact_sheet"),
    "threeD": ("projections",),
    "document": ("page_images", "pages_rendered"),
    "image": (),
}
# Below this a PNG cannot be guaranteed: a 64 x 64 RGBA image may take ~16 kB.
MIN_IMAGE_BYTES = 32_000
SMALLEST_SIDE = 64


@dataclass(frozen=True)
class ImageSource:
    """One image to show the model and how the prompt names it ("keyframe at 2.0 s")."""

    path: Path
    label: str


def image_sources(perception: Perception, part: Part, limit: int) -> list[ImageSource]:
    """The images that show ``part``, at most ``limit``, spread evenly over what there is."""
    sources: list[ImageSource] = []
    if part.path and (
        part.modality == "image"
        or (part.modality == "document" and _format(part, perception) in IMAGE_FORMATS)
    ):
        sources.append(ImageSource(Path(part.path), f"the {part.modality} itself"))
    for key in IMAGE_META_KEYS.get(part.modality, ()):
        sources.extend(_meta_images(perception.meta.get(key), key))
        if sources:
            break
    return _spread(sources, limit)


def _format(part: Part, perception: Perception) -> str:
    return str(perception.meta.get("format") or part.meta.get("format") or "").lower()


def _meta_images(value: Any, key: str) -> list[ImageSource]:
    """Image paths stored under a meta key: a path, a list of paths, or dicts with a ``path``."""
    entries: Iterable[Any]
    if isinstance(value, str):
        entries = [value]
    elif isinstance(value, dict) and "path" not in value:
        # A mapping such as {"front": path, "top": path} names each view.
        entries = [{"path": path, "view": name} for name, path in value.items()]
    elif isinstance(value, dict):
        entries = [value]
    elif isinstance(value, list | tuple):
        entries = value
    else:
        return []
    singular = key.rstrip("s").replace("_", " ")
    found = []
    for index, entry in enumerate(entries, 1):
        path = entry.get("path") if isinstance(entry, dict) else entry
        if not isinstance(path, str | Path) or not Path(path).is_file():
            continue
        label = f"{singular} {index}"
        if isinstance(entry, dict):
            time_s = entry.get("time_s", entry.get("time", entry.get("seconds")))
            if isinstance(time_s, int | float):
                label = f"{singular} at {float(time_s):.1f} s"
            elif entry.get("view") or entry.get("name"):
                label = f"{entry.get('view') or entry.get('name')} {singular}"
            elif isinstance(entry.get("page"), int):
                label = f"page {entry['page']}"
        found.append(ImageSource(Path(path), label))
    return found


def _spread(sources: list[ImageSource], limit: int) -> list[ImageSource]:
    """Up to ``limit`` sources, keeping the first and last and spacing the rest evenly."""
    if len(sources) <= limit:
        return sources
    if limit <= 1:
        return sources[:limit]
    step = (len(sources) - 1) / (limit - 1)
    return [sources[round(index * step)] for index in range(limit)]


def encode_png(path: Path, *, max_side: int, max_bytes: int) -> bytes:
    """``path`` as PNG bytes no larger than ``max_side`` pixels a side and ``max_bytes`` bytes.

    Raises:
        InputError: When Pillow cannot decode the file or it is over Pillow's pixel limit.
    """
    # Pillow and numpy load on use: the agent imports this module (through vision_llm) and
    # needs neither unless a model is shown media.
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path, formats=list(PILLOW_FORMATS)) as image:
            image.load()
            raw = path.read_bytes()
            if (
                image.format == "PNG"
                and max(image.size) <= max_side
                and len(raw) <= max_bytes
                and image.mode in ("RGB", "RGBA", "L", "LA")
            ):
                return raw
            has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
            frame = image.convert("RGBA" if has_alpha else "RGB")
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as error:
        raise InputError(
            f"cannot prepare the image for the model: {error}", source=str(path)
        ) from error
    side = max_side
    while True:
        shrunk = frame.copy()
        shrunk.thumbnail((side, side), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        shrunk.save(buffer, "PNG", optimize=True)
        if buffer.tell() <= max_bytes or side <= SMALLEST_SIDE:
            return buffer.getvalue()
        side = max(SMALLEST_SIDE, int(side * 0.7))


def image_content(png: bytes) -> dict[str, Any]:
    """An OpenAI-style ``image_url`` content part carrying ``png`` as a data URL."""
    encoded = base64.b64encode(png).decode("ascii")
    return {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{encoded}"}}


def wav_bytes(path: Path, *, max_seconds: float, sample_rate: int = 16_000) -> bytes:
    """The first ``max_seconds`` of ``path`` as a 16-bit mono WAV (decoded by ffmpeg)."""
    import numpy as np  # on use, like Pillow in encode_png

    samples = decode_audio(path, sample_rate=sample_rate, max_seconds=max_seconds)
    samples = samples[: int(max_seconds * sample_rate)]
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(sample_rate)
        writer.writeframes(pcm)
    return buffer.getvalue()


def audio_content(wav: bytes) -> dict[str, Any]:
    """A LangChain standard ``audio`` content block carrying a WAV file.

    LangChain normalises OpenAI's ``input_audio`` parts to this form anyway, and ``ChatOpenAI``
    sends it as ``input_audio`` (GPT-4o audio models, Qwen2.5-Omni under vLLM).
    """
    encoded = base64.b64encode(wav).decode("ascii")
    return {"type": "audio", "base64": encoded, "mime_type": "audio/wav"}
