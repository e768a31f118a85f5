"""X2Caption: any media item turned into dense text, so judges compare captions, not bytes.

The paper's suite captions every item with large models (GPT-5, Qwen-Omni, PointLLM). unima
captions an item one of two ways, and every report names which:

- **Offline** (no captioner; ``OFFLINE_CAPTIONS`` = ``perception captions (offline)``): what
  unima's own perception (``unima.perceive``) can honestly say: OCR text, a speech transcript,
  keyframe and colour facts, document text, mesh statistics, bounded. These are not the
  official vision captions: a photo becomes its size, colours and any text in it.
- **A vision captioner** (``VisionCaptioner``, ``unima eval unim --caption-model SPEC``): any
  chat model spec. Images, video keyframes, document pages and 3D projections go to the model
  through the perception LLM seam (``unima.perception.vision_llm.PerceptionModel``, the same call
  ``unima run --perception-llm`` makes); audio and items without pictures are captioned by the
  model from the perception evidence (transcript, description; ``unima/prompts/x2caption.j2``);
  code is its own text, the first ``CODE_CAPTION_CHARS`` characters, as the released pipeline
  does.

Captions are memoised per process by (file sha256, modality, captioner, bound) and, when a
``CaptionCache`` is given (the judges' SQLite cache), kept on disk keyed by file hash, captioner
and ``caption_version()`` (a version plus the caption templates' hash): SC and the coherence
judges caption the same files, and a model caption costs a call.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.resources
import logging
import re
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Protocol

from langchain_core.messages import HumanMessage, SystemMessage

from unima.errors import InputError, ModelError
from unima.eval.protocols import OFFLINE_CAPTIONS
from unima.inputs.parts import complete_part
from unima.llm.calls import call_model
from unima.llm.prompts import render_prompt
from unima.perception import perceive
from unima.perception.vision_llm import PerceptionModel, model_name_of
from unima.types import PLACEHOLDER_PATTERN, Part, Perception

logger = logging.getLogger(__name__)
MISSING_CAPTION = "[missing]"
DEFAULT_MAX_CHARS = 800
# A model caption (or a code item's own text) is kept up to this many characters: the bound of
# offline captions would cut the official 6,000 characters of code.
MODEL_CAPTION_MAX_CHARS = 6_000
# The released SC pipeline captions code as the first 6,000 characters of the file.
CODE_CAPTION_CHARS = 6_000
MAX_MEMO = 4096
# Part of the disk cache key (with the hash of the caption templates, ``caption_version``):
# bump it when what a captioner sends or keeps changes in code.
CAPTION_PROMPT_VERSION = "x2caption-2"
CAPTION_TEMPLATES = ("perceive", "x2caption")
BARE_PLACEHOLDER = re.compile(r"<(image|audio|video|document|code|threeD)>")

_memo: OrderedDict[tuple[str, str, str, int], str] = OrderedDict()
_memo_lock = threading.Lock()


class Captioner(Protocol):
    """Writes a dense caption of one item; ``name`` goes into every cache key."""

    name: str

    def caption(self, part: Part, perception: Perception, evidence: str) -> str:
        """A dense caption of ``part`` (``evidence`` is its offline, perception-based caption).

        Raises:
            ModelError: When the model gives no usable reply (the offline caption is used).
        """


class CaptionCache(Protocol):
    """Where model captions persist across runs (``unima.eval.judges.cache.JudgeCache``)."""

    def get_caption(self, captioner: str, version: str, key: str) -> str | None:
        """The stored caption, or ``None``."""

    def put_caption(self, captioner: str, version: str, key: str, caption: str) -> None:
        """Store ``caption``."""


class ChatCaptioner:
    """A chat model that rewrites the perception evidence into a dense caption (text only).

    The prompt is ``unima/prompts/x2caption.j2`` (its ``unima-step: x2caption`` line lets scripted
    test models answer it). It sees no pixels; ``VisionCaptioner`` does.

    Args:
        chat_model: any LangChain chat model.
        model_name: the name used in the memo key; defaults to the model's name attribute.
        timeout_s: the wall-clock deadline of one call.
    """

    def __init__(
        self, chat_model: Any, *, model_name: str | None = None, timeout_s: float = 120.0
    ) -> None:
        self.chat_model = chat_model
        self.model_name = model_name or model_name_of(chat_model)
        self.name = f"chat:{self.model_name}"
        self.timeout_s = timeout_s

    def caption(self, part: Part, perception: Perception, evidence: str) -> str:
        file_name = Path(part.path).name if part.path else ""
        system, user = render_prompt(
            "x2caption", modality=part.modality, file_name=file_name, evidence=evidence
        )
        message = call_model(
            lambda: self.chat_model.invoke([SystemMessage(system), HumanMessage(user)]),
            call="x2caption",
            model=self.model_name,
            timeout_s=self.timeout_s,
        )
        return str(getattr(message, "content", message)).strip()


class VisionCaptioner:
    """The ``--caption-model`` captioner: a chat model that sees the media it captions.

    - image, video, document, 3D: the pictures the perception LLM seam prepares (the image, up
      to ``max_images`` keyframes, page images, orthographic projections) go to the model with
      what offline perception read (``PerceptionModel.describe``, prompt ``perceive.j2``).
    - audio, and any item the seam has no picture of: the model writes the caption from the
      perception evidence (the whisper transcript and the signal description; ``x2caption.j2``).
    - code: the first ``CODE_CAPTION_CHARS`` characters of the code, no model call (the
      released pipeline's choice).

    Args:
        chat_model: any LangChain chat model accepting OpenAI-style ``image_url`` parts.
        model_name: the name in cache keys and reports (default: the model's own name).
        timeout_s: the wall-clock deadline of one call.
        max_images: pictures sent per item.
    """

    def __init__(
        self,
        chat_model: Any,
        *,
        model_name: str | None = None,
        timeout_s: float = 120.0,
        max_images: int = 4,
    ) -> None:
        self.model_name = model_name or model_name_of(chat_model)
        self.name = f"vision:{self.model_name}"
        self.vision = PerceptionModel(
            chat_model, name=self.model_name, max_images=max_images, timeout_s=timeout_s
        )
        self.text = ChatCaptioner(chat_model, model_name=self.model_name, timeout_s=timeout_s)

    def caption(self, part: Part, perception: Perception, evidence: str) -> str:
        if part.modality == "code" and part.path:
            code = Path(part.path).read_text(encoding="utf-8", errors="replace")
            return code[:CODE_CAPTION_CHARS].strip() or evidence
        seen = self.vision.describe(perception, part)
        caption = str(seen.meta.get("model_caption", "")) if seen is not perception else ""
        if caption:
            return caption
        failures = seen.failures[len(perception.failures) :]
        if failures:
            raise ModelError(f"{self.name} gave no caption of {part.path}: {'; '.join(failures)}")
        # No picture to send (audio, a document without page images): caption the evidence.
        return self.text.caption(part, perception, evidence)


@functools.cache
def caption_version() -> str:
    """``CAPTION_PROMPT_VERSION`` plus a hash of the caption templates: the disk cache's version.

    Editing ``perceive.j2`` or ``x2caption.j2`` changes it, so stale model captions are never
    reused.
    """
    digest = hashlib.sha256()
    for name in CAPTION_TEMPLATES:
        source = importlib.resources.files("unima").joinpath("prompts", f"{name}.j2")
        digest.update(source.read_text(encoding="utf-8").encode("utf-8"))
    return f"{CAPTION_PROMPT_VERSION}:{digest.hexdigest()[:12]}"


def captioner_label(captioner: Captioner | None) -> str:
    """What reports say made the captions: the captioner's name, or ``OFFLINE_CAPTIONS``."""
    return captioner.name if captioner is not None else OFFLINE_CAPTIONS


def perception_caption(perception: Perception, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """The dense text of a perception: its summary, then any extracted text not already in it."""
    summary = " ".join(perception.summary.split())
    text = " ".join(perception.text.split())
    parts = [summary] if summary else []
    if text and text not in summary:
        parts.append(f"Content: {text}")
    if perception.failures and not parts:
        parts.append("Unreadable item: " + "; ".join(perception.failures))
    return _bounded(" ".join(parts), max_chars)


def x2caption(
    path: Path,
    modality: str,
    *,
    captioner: Captioner | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
    cache: CaptionCache | None = None,
) -> str:
    """Dense text for one media item.

    Args:
        path: the item's file.
        modality: its modality (``image``, ``audio``, ``video``, ``document``, ``code``,
            ``threeD``); the file must be of that modality.
        captioner: a model that captions the item; ``None``: the offline perception caption.
        max_chars: the bound of an offline caption in characters (a model caption is kept up to
            ``MODEL_CAPTION_MAX_CHARS``).
        cache: where model captions persist (keyed by file hash, captioner and
            ``caption_version()``); ``None``: this process only.

    Returns:
        The caption (never empty).

    Raises:
        InputError: When the file is missing, refused, or not of ``modality``.
    """

    part = complete_part(Part(modality=modality, path=str(path)))  # type: ignore[arg-type]
    digest = part.sha256 or str(path)
    bound = max_chars if captioner is None else max(max_chars, MODEL_CAPTION_MAX_CHARS)
    key = (digest, modality, captioner.name if captioner else "", bound)
    cached = _recall(key)
    if cached is not None:
        return cached
    disk_key = f"{digest}:{modality}:{bound}"
    if captioner is not None and cache is not None:
        stored = cache.get_caption(captioner.name, caption_version(), disk_key)
        if stored is not None:
            _remember(key, stored)
            return stored
    perception = perceive(part)
    evidence_key = (digest, modality, "", max_chars)
    evidence = _recall(evidence_key)
    if evidence is None:
        evidence = (
            perception_caption(perception, max_chars)
            or f"A {modality} item with no readable content."
        )
        _remember(evidence_key, evidence)
    if captioner is None:
        return evidence
    try:
        made = captioner.caption(part, perception, evidence)
    except ModelError as error:
        # A captioner that timed out or sent an oversized reply must not stop the evaluation;
        # the caption falls back to the perception evidence, and is not stored as the model's.
        logger.warning("captioner %s failed on %s: %s", captioner.name, path, error)
        return evidence
    caption = _bounded(" ".join(made.split()), bound) or evidence
    _remember(key, caption)
    if cache is not None:
        cache.put_caption(captioner.name, caption_version(), disk_key, caption)
    return caption


def _recall(key: tuple[str, str, str, int]) -> str | None:
    with _memo_lock:
        if key in _memo:
            _memo.move_to_end(key)
            return _memo[key]
    return None


def _remember(key: tuple[str, str, str, int], caption: str) -> None:
    with _memo_lock:
        _memo[key] = caption
        if len(_memo) > MAX_MEMO:
            _memo.popitem(last=False)


def caption_items(
    items: dict[str, Path | None],
    *,
    captioner: Captioner | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
    cache: CaptionCache | None = None,
) -> tuple[dict[str, str], dict[str, str]]:
    """Captions of several items (tag to file, ``None`` for an unusable file).

    Returns:
        ``(captions, problems)``: every tag gets a caption (``MISSING_CAPTION`` when the file is
        missing or cannot be read); ``problems`` maps the failed tags to the reason.
    """
    captions: dict[str, str] = {}
    problems: dict[str, str] = {}
    for tag, path in sorted(items.items()):
        match = PLACEHOLDER_PATTERN.fullmatch(f"<{tag}>")
        if path is None or match is None:
            captions[tag] = MISSING_CAPTION
            problems[tag] = "no usable file" if path is None else "not a media tag"
            continue
        try:
            captions[tag] = x2caption(
                path, match.group(1), captioner=captioner, max_chars=max_chars, cache=cache
            )
        except InputError as error:
            captions[tag] = MISSING_CAPTION
            problems[tag] = str(error)
    return captions, problems


def number_bare_placeholders(content: str, tags: list[str] | tuple[str, ...]) -> str:
    """``content`` with each unnumbered placeholder (``<image>``) given an item's number.

    The released judges accept bare tags (their few-shot anchors use ``<image: ...>``). The
    official protocol (``--protocol unim``) reads a bare ``<image>`` as the next of ``tags`` of
    that modality (in number order) that no numbered placeholder of ``content`` places; one left
    without an item becomes ``<image0>``, a tag no item has, so the judge sees it dangling.

    Args:
        content: the text with its placeholders.
        tags: the item tags its side binds (``image1``, ``audio2`` ...).
    """
    placed = {
        f"{match.group(1)}{match.group(2)}" for match in PLACEHOLDER_PATTERN.finditer(content)
    }
    free: dict[str, list[str]] = {}
    for tag in sorted(tags, key=_tag_order):
        match = PLACEHOLDER_PATTERN.fullmatch(f"<{tag}>")
        if match is not None and tag not in placed:
            free.setdefault(match.group(1), []).append(tag)

    def replace(match: re.Match[str]) -> str:
        waiting = free.get(match.group(1), [])
        return f"<{waiting.pop(0)}>" if waiting else f"<{match.group(1)}0>"

    return BARE_PLACEHOLDER.sub(replace, content)


def _tag_order(tag: str) -> tuple[str, int]:
    match = PLACEHOLDER_PATTERN.fullmatch(f"<{tag}>")
    return (match.group(1), int(match.group(2))) if match else (tag, 0)


def expand_placeholders(
    content: str, captions: dict[str, str], references: dict[str, str] | None = None
) -> str:
    """``content`` with every ``<tagN>`` replaced by ``<tagN: caption>``.

    A placeholder without a caption (a dangling reference) becomes ``<tagN: [missing]>``, so a
    judge sees it is dangling. A placeholder in ``references`` (a mention of one of the
    request's input items, e.g. ``As <image1> shows``) becomes ``<tagN (input): caption>``: the
    judge reads what the input shows, and the mention is not taken for a generated item.

    Args:
        content: the text with its ``<tagN>`` placeholders.
        captions: the captions of the text's own items (generated or reference output items).
        references: the captions of the input items the text mentions without binding them.
    """
    references = references or {}

    def replace(match: re.Match[str]) -> str:
        tag = f"{match.group(1)}{match.group(2)}"
        if tag not in captions and tag in references:
            return f"<{tag} (input): {references[tag]}>"
        return f"<{tag}: {captions.get(tag, MISSING_CAPTION)}>"

    return PLACEHOLDER_PATTERN.sub(replace, content)


def _bounded(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1].rsplit(" ", 1)[0]
    return cut + "…"
