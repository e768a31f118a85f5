"""The chat request the openai-compatible adapter sends for one UniM instance.

One system message (``prompts/bench_openai.j2``: the placeholder protocol and the JSON answer
format) and one user message whose content parts are the request text, then each input in
order: a text part naming its placeholder (``<image1>:``) followed by what the model can take.

- image: the image, as a base64 PNG ``image_url`` part (shrunk to bounded side and bytes; a PNG
  that already fits is sent byte for byte);
- audio: an ``input_audio`` part (WAV or MP3 bytes) when ``send_audio`` is on, otherwise the
  transcript from ``unima.perceive``;
- video: up to ``max_images_per_input`` keyframes (``meta["keyframes"]``) plus what perception
  read (transcript, on-screen text);
- document and code: the extracted text (truncated); a document that is itself an image is also
  attached;
- threeD: the front, top and side projections (``meta["projections"]``) plus the mesh summary.

An input that cannot be read does not stop the request: it is described as unreadable and the
problem is recorded, so the model still answers what it can.
"""

from __future__ import annotations

import base64
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from unima.bench.datasets.unim.names import is_file_reference, tag_modality
from unima.errors import InputError
from unima.inputs.parts import part_from_file
from unima.inputs.paths import resolve_media_path
from unima.llm.prompts import render_prompt
from unima.perception import perceive
from unima.perception.model_media import encode_png, image_content, image_sources, wav_bytes
from unima.types import placeholder_tags

if TYPE_CHECKING:
    from unima.bench.datasets.unim import UnimInstance
    from unima.types import Part

NATIVE_AUDIO_FORMATS = ("wav", "mp3")  # what OpenAI's input_audio accepts as is


@dataclass(frozen=True)
class RequestLimits:
    """Bounds on what one request carries.

    Attributes:
        max_images_per_input: keyframes, projections or page images sent per input.
        max_image_side: longest side, in pixels, of each image sent.
        max_image_bytes: largest PNG sent per image (images are shrunk until they fit).
        max_text_chars: extracted text sent per document, code, audio or video input.
        send_audio: send audio inputs as ``input_audio`` parts (GPT-4o audio models,
            Qwen2.5-Omni under vLLM); off by default because most endpoints reject them.
        max_audio_seconds: how much of a transcoded recording is sent.
        max_audio_bytes: a WAV or MP3 input larger than this is transcoded and cut.
        attach_media: attach images, keyframes and projections as image parts; off for a
            text-only model, which reads what perception says of every input instead
            (``transformers:PATH``).
    """

    max_images_per_input: int = 4
    max_image_side: int = 1024
    max_image_bytes: int = 1_500_000
    max_text_chars: int = 6_000
    send_audio: bool = False
    max_audio_seconds: float = 60.0
    max_audio_bytes: int = 10_000_000
    attach_media: bool = True


@dataclass
class BuiltRequest:
    """The messages to send, and the problems met while preparing the inputs.

    ``whole_reply``: the instance asks for a text reply scored as it is (``extra["reply_format"]
    == "text"``, HitEmotion), so the adapter keeps the reply whole instead of reading the
    placeholder protocol's JSON answer.
    """

    messages: list[dict[str, Any]]
    problems: list[str]
    whole_reply: bool = False


def build_request(
    instance: UnimInstance,
    media_root: Path,
    limits: RequestLimits,
    *,
    allow_urls: bool,
    max_media_bytes: int,
) -> BuiltRequest:
    """The chat messages for ``instance``, its files under ``instance.media_root(media_root)``."""

    content = instance.input.content
    modal = instance.input.modal
    mentioned = [tag for tag in dict.fromkeys(placeholder_tags(content)) if tag in modal]
    order = mentioned + [tag for tag in modal if tag not in mentioned]
    folder = instance.media_root(media_root)
    lines: list[str] = []
    attached: list[dict[str, Any]] = []
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="unima-bench-request-") as scratch:
        for tag in order:
            try:
                line, parts = _describe_input(tag, modal[tag], folder, limits, Path(scratch))
            except InputError as error:
                problems.append(f"input <{tag}> could not be read: {error}")
                line, parts = f"<{tag}>: could not be read ({error})", []
            lines.append(line)
            if parts:
                attached.append({"type": "text", "text": f"<{tag}>:"})
                attached.extend(parts)
    if instance.extra.get("reply_format") == "text":
        # The instance's own prompt is the whole instruction (HitEmotion's ToM or direct
        # prompt): no system prompt, no answer protocol, the inputs described after it.
        text = "\n\n".join([content, *lines])
        user_message = {"role": "user", "content": [{"type": "text", "text": text}, *attached]}
        return BuiltRequest(messages=[user_message], problems=problems, whole_reply=True)
    system, user = render_prompt(
        "bench_openai",
        request_text=content,
        inputs=lines,
        next_tags=_next_tags(order),
        allow_urls=allow_urls,
        max_media_mb=f"{max_media_bytes / 2**20:g}",
    )
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": system},
        {"role": "user", "content": [{"type": "text", "text": user}, *attached]},
    ]
    return BuiltRequest(messages=messages, problems=problems)


def _describe_input(
    tag: str, relative: str, folder: Path, limits: RequestLimits, scratch: Path
) -> tuple[str, list[dict[str, Any]]]:
    """The prompt line for one input and the content parts that carry it."""

    modality = tag_modality(tag)
    if not is_file_reference(tag, relative):
        # UniM allows text and code entries whose value is the content itself.
        return f"<{tag}>: {modality} given inline:\n{_clip(relative, limits)}", []
    path = resolve_media_path(folder, relative)
    part = part_from_file(path, tag=tag, hint=modality, shown=relative)
    name = Path(relative).name
    if modality == "image" and limits.attach_media:
        return f"<{tag}>: an image ({name}), attached", [_image_part(path, limits)]
    if modality == "audio" and limits.send_audio:
        return f"<{tag}>: an audio recording ({name}), attached", [_audio_part(part, limits)]
    return _perceived_input(part, name, limits, scratch)


def _perceived_input(
    part: Part, name: str, limits: RequestLimits, scratch: Path
) -> tuple[str, list[dict[str, Any]]]:
    """Audio (as a transcript), video, document, code and 3D inputs, through ``perceive``;
    images too when media are not attached (a text-only model)."""

    perception = perceive(part, scratch_dir=scratch)
    summary = " ".join(perception.summary.split())
    text = _clip(perception.text, limits)
    parts = (
        [
            _image_part(source.path, limits)
            for source in image_sources(perception, part, limits.max_images_per_input)
        ]
        if limits.attach_media
        else []
    )
    kind = {
        "image": "an image",
        "audio": "an audio recording",
        "video": "a video",
        "document": "a document",
        "code": "source code",
        "threeD": "a 3D model",
    }[part.modality]
    line = f"<{part.tag}>: {kind} ({name})"
    if summary:
        line += f". {summary}"
    if parts:
        shown = {"video": "keyframes", "threeD": "projections"}.get(part.modality, "images")
        line += f" ({len(parts)} {shown} attached)"
    label = "Transcript" if part.modality == "audio" else "Content"
    if text:
        line += f"\n{label}:\n{text}"
    return line, parts


def _image_part(path: Path, limits: RequestLimits) -> dict[str, Any]:

    png = encode_png(path, max_side=limits.max_image_side, max_bytes=limits.max_image_bytes)
    return image_content(png)


def _audio_part(part: Part, limits: RequestLimits) -> dict[str, Any]:
    path = Path(part.path or "")
    audio_format = str(part.meta.get("format", ""))
    if audio_format in NATIVE_AUDIO_FORMATS and (part.size_bytes or 0) <= limits.max_audio_bytes:
        data = path.read_bytes()
    else:
        data, audio_format = wav_bytes(path, max_seconds=limits.max_audio_seconds), "wav"
    encoded = base64.b64encode(data).decode("ascii")
    return {"type": "input_audio", "input_audio": {"data": encoded, "format": audio_format}}


def _clip(text: str, limits: RequestLimits) -> str:
    text = text.strip()
    if len(text) > limits.max_text_chars:
        return text[: limits.max_text_chars].rstrip() + " [...]"
    return text


def _next_tags(input_tags: list[str]) -> str:
    """``image2, audio2``: the first free placeholder of each modality the inputs use."""

    highest: dict[str, int] = {}
    for tag in input_tags:
        match = re.fullmatch(r"([A-Za-z]+)(\d+)", tag)
        if match and match.group(1) != "text":
            highest[match.group(1)] = max(highest.get(match.group(1), 0), int(match.group(2)))
    return ", ".join(f"{modality}{number + 1}" for modality, number in highest.items())
