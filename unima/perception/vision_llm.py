"""A vision (and optionally audio) chat model that adds a dense caption to a perception.

The embedded perceivers read what is cheap and certain (OCR text, transcripts, counts); a
vision-language model sees what they cannot (what a photo shows, what happens in a video). Any
LangChain chat model that accepts OpenAI-style content parts works: GPT-4o, Qwen2.5-VL or
Qwen2.5-Omni under vLLM, Ollama vision models. ``PerceptionModel.describe`` sends one
``HumanMessage`` holding a text part (the embedded perception's summary and the request) and up
to ``max_images`` images as base64 PNG ``image_url`` parts, then merges the reply into the
perception: ``summary + " Model caption: ..."``, ``meta["model_caption"]``, and the backend
``"<embedded backend>+llm:<model>"``. A failed model call is recorded in ``failures``; the
embedded perception is never lost. The call runs under ``unima.llm.calls.call_model``: a
wall-clock deadline of ``timeout_s``, and inside a run the run's budget and fail-fast.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage

from unima.errors import ConfigError, InputError
from unima.llm.calls import call_model, server_of
from unima.llm.prompts import render_prompt
from unima.perception.model_media import (
    MIN_IMAGE_BYTES,
    audio_content,
    encode_png,
    image_content,
    image_sources,
    wav_bytes,
)
from unima.types import Part, Perception

logger = logging.getLogger(__name__)

MODALITY_PHRASES = {
    "image": "an image",
    "audio": "an audio recording",
    "video": "a video, shown as keyframes",
    "document": "a document, shown as page images",
    "code": "source code",
    "threeD": "a 3D model, shown as orthographic projections",
    "text": "a text",
}
MAX_CAPTION_CHARS = 2_000


@dataclass
class PerceptionModel:
    """A chat model that captions inputs, with bounds on what each request carries.

    Args:
        chat_model: a LangChain ``BaseChatModel`` accepting ``image_url`` content parts.
        name: the model's name in backends and traces (default: the model's own name).
        max_images: images sent per input (video keyframes are spread over the clip).
        max_image_side: longest side, in pixels, of each image sent.
        max_image_bytes: largest PNG sent per image (images are shrunk until they fit).
        max_text_chars: how much of the embedded perception's text goes into the prompt.
        send_audio: also send audio inputs as ``audio`` blocks (``ChatOpenAI`` sends them as
            ``input_audio``: GPT-4o audio models, Qwen2.5-Omni); off by default because most
            vision endpoints reject them.
        max_audio_seconds: how much of an audio input is sent when ``send_audio`` is on.
        timeout_s: the wall-clock deadline of one caption call.
    """

    chat_model: Any
    name: str = ""
    max_images: int = 4
    max_image_side: int = 1024
    max_image_bytes: int = 1_500_000
    max_text_chars: int = 1_500
    send_audio: bool = False
    max_audio_seconds: float = 60.0
    timeout_s: float = 120.0

    def __post_init__(self) -> None:
        if self.max_images < 1:
            raise ConfigError(f"max_images must be at least 1, not {self.max_images}")
        if self.max_image_side < 64:
            raise ConfigError(
                f"max_image_side must be at least 64 pixels, not {self.max_image_side}"
            )
        if self.max_image_bytes < MIN_IMAGE_BYTES:
            raise ConfigError(
                f"max_image_bytes must be at least {MIN_IMAGE_BYTES}, not {self.max_image_bytes}"
            )
        if not self.timeout_s > 0:
            raise ConfigError(f"timeout_s must be above 0 seconds, not {self.timeout_s}")
        if not self.name:
            self.name = model_name_of(self.chat_model)

    def messages(self, perception: Perception, part: Part, question: str = "") -> list[Any] | None:
        """The system and user messages for ``part``, or ``None`` when there is nothing to show.

        Raises:
            InputError: When an image cannot be prepared (undecodable, over the pixel limit).
        """
        media: list[dict[str, Any]] = []
        attachments: list[str] = []
        for source in image_sources(perception, part, self.max_images):
            png = encode_png(
                source.path, max_side=self.max_image_side, max_bytes=self.max_image_bytes
            )
            media.append(image_content(png))
            attachments.append(f"image {len(attachments) + 1}: {source.label}")
        if self.send_audio and part.modality == "audio" and part.path:
            wav = wav_bytes(Path(part.path), max_seconds=self.max_audio_seconds)
            media.append(audio_content(wav))
            attachments.append(f"the recording (first {self.max_audio_seconds:g} s)")
        if not media:
            return None
        text = " ".join(perception.text.split())
        if len(text) > self.max_text_chars:
            text = text[: self.max_text_chars].rstrip() + " ..."
        system, user = render_prompt(
            "perceive",
            attachment_kind="images" if part.modality != "audio" else "a recording",
            tag=part.tag or "",
            modality_phrase=MODALITY_PHRASES.get(part.modality, f"a {part.modality} input"),
            file_name=perception.meta.get("file_name")
            or (Path(part.path).name if part.path else ""),
            backend=perception.backend or "embedded",
            summary=perception.summary,
            text=text,
            attachments=attachments,
            question=" ".join(question.split()),
        )
        return [
            SystemMessage(content=system),
            HumanMessage(content=[{"type": "text", "text": user}, *media]),
        ]

    def describe(self, perception: Perception, part: Part, question: str = "") -> Perception:
        """``perception`` with the model's caption merged in, or with the failure recorded."""
        started = time.perf_counter()
        try:
            messages = self.messages(perception, part, question)
        except (InputError, OSError) as error:
            return _failed(perception, f"could not prepare the input: {error}")
        except Exception as error:  # e.g. an ffmpeg ToolError while decoding audio
            return _failed(perception, f"{type(error).__name__}: {error}")
        if messages is None:
            return perception
        try:
            reply = call_model(
                lambda: self.chat_model.invoke(messages),
                call=f"perceive:{part.tag or part.modality}",
                model=self.name,
                server=server_of(self.chat_model, self.name),
                timeout_s=self.timeout_s,
            )
        except Exception as error:  # a model or network failure costs the caption, not the input
            logger.warning("perception model %s failed on %s: %s", self.name, part.tag, error)
            return _failed(perception, f"{type(error).__name__}: {error}")
        caption = reply_text(reply)
        if not caption:
            return _failed(perception, f"{self.name} returned an empty reply")
        seconds = time.perf_counter() - started
        summary = perception.summary.rstrip()
        if summary and not summary.endswith((".", "!", "?")):
            summary += "."
        meta = {
            **perception.meta,
            "model_caption": caption,
            "model": self.name,
            "model_images": sum(
                1 for item in messages[-1].content if item.get("type") == "image_url"
            ),
            "model_seconds": round(seconds, 3),
        }
        return perception.model_copy(
            update={
                "summary": f"{summary} Model caption: {caption}".strip(),
                "meta": meta,
                "backend": f"{perception.backend or 'embedded'}+llm:{self.name}",
                "seconds": perception.seconds + seconds,
            }
        )


def _failed(perception: Perception, detail: str) -> Perception:
    return perception.model_copy(
        update={"failures": (*perception.failures, f"model caption: {detail}"[:500])}
    )


def reply_text(reply: Any) -> str:
    """The text of a chat reply (a string, or a list of content blocks), whitespace collapsed."""
    content = getattr(reply, "content", reply)
    if isinstance(content, list):
        content = " ".join(
            block.get("text", "") if isinstance(block, dict) else str(block) for block in content
        )
    text = " ".join(str(content).split())
    return text[:MAX_CAPTION_CHARS].rstrip() + (" ..." if len(text) > MAX_CAPTION_CHARS else "")


def model_name_of(chat_model: Any) -> str:
    """The name a chat model goes by (``gpt-4o-mini``), for backends and traces."""
    for attribute in ("model_name", "model", "model_id"):
        value = getattr(chat_model, attribute, None)
        if isinstance(value, str) and value:
            return value
    return type(chat_model).__name__
