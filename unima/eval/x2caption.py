"""X2Caption: any media item turned into dense text, so judges compare captions, not bytes.

The paper's suite captions every item with large models (GPT-5, Qwen-Omni, PointLLM). Offline,
``x2caption`` uses unima's own perception (``unima.perceive``: OCR, speech recognition, keyframes,
document text, mesh statistics ...): the perception summary plus the extracted text, bounded. A
``Captioner`` (e.g. ``ChatCaptioner`` around any LangChain chat model) may rewrite that evidence
into a fluent dense caption; its name goes into the memo key so captions of different captioners
never mix.

Captions are memoised per process by (file sha256, modality, captioner, bound): SC and the
coherence judges caption the same files, and a perception can cost seconds.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Protocol

from langchain_core.messages import HumanMessage, SystemMessage

from unima.errors import InputError, ModelError
from unima.inputs.parts import complete_part
from unima.llm.calls import call_model
from unima.llm.prompts import render_prompt
from unima.perception import perceive
from unima.types import PLACEHOLDER_PATTERN, Part, Perception

logger = logging.getLogger(__name__)
MISSING_CAPTION = "[missing]"
DEFAULT_MAX_CHARS = 800
MAX_MEMO = 4096

_memo: OrderedDict[tuple[str, str, str, int], str] = OrderedDict()
_memo_lock = threading.Lock()


class Captioner(Protocol):
    """Rewrites an item's perception into a dense caption."""

    name: str

    def caption(self, path: Path, modality: str, evidence: str) -> str:
        """A dense caption of the item (``evidence`` is the perception-based caption)."""


class ChatCaptioner:
    """A chat model that writes a dense caption from the perception evidence.

    The prompt is ``unima/prompts/x2caption.j2`` (its ``unima-step: x2caption`` line lets scripted
    test models answer it).

    Args:
        chat_model: any LangChain chat model.
        model_name: the name used in the memo key; defaults to the model's name attribute.
    """

    def __init__(
        self, chat_model: Any, *, model_name: str | None = None, timeout_s: float = 120.0
    ) -> None:
        self.chat_model = chat_model
        self.model_name = (
            model_name or getattr(chat_model, "model_name", None) or type(chat_model).__name__
        )
        self.name = f"chat:{self.model_name}"
        self.timeout_s = timeout_s

    def caption(self, path: Path, modality: str, evidence: str) -> str:

        system, user = render_prompt(
            "x2caption", modality=modality, file_name=path.name, evidence=evidence
        )
        message = call_model(
            lambda: self.chat_model.invoke([SystemMessage(system), HumanMessage(user)]),
            call="x2caption",
            model=self.model_name,
            timeout_s=self.timeout_s,
        )
        return str(getattr(message, "content", message)).strip()


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
) -> str:
    """Dense text for one media item.

    Args:
        path: the item's file.
        modality: its modality (``image``, ``audio``, ``video``, ``document``, ``code``,
            ``threeD``); the file must be of that modality.
        captioner: an optional model that rewrites the perception evidence.
        max_chars: the caption's bound in characters.

    Returns:
        The caption (never empty).

    Raises:
        InputError: When the file is missing, refused, or not of ``modality``.
    """

    part = complete_part(Part(modality=modality, path=str(path)))  # type: ignore[arg-type]
    digest = part.sha256 or str(path)
    key = (digest, modality, captioner.name if captioner else "", max_chars)
    cached = _recall(key)
    if cached is not None:
        return cached
    evidence_key = (digest, modality, "", max_chars)
    evidence = _recall(evidence_key)
    if evidence is None:
        perception = perceive(part)
        evidence = (
            perception_caption(perception, max_chars)
            or f"A {modality} item with no readable content."
        )
        _remember(evidence_key, evidence)
    if captioner is None:
        return evidence
    try:
        rewritten = captioner.caption(Path(path), modality, evidence)
    except ModelError as error:
        # A captioner that timed out or sent an oversized reply must not stop the evaluation;
        # the caption falls back to the perception evidence, and is not memoised as the model's.
        logger.warning("captioner %s failed on %s: %s", captioner.name, path, error)
        return evidence
    caption = _bounded(" ".join(rewritten.split()), max_chars) or evidence
    _remember(key, caption)
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
                path, match.group(1), captioner=captioner, max_chars=max_chars
            )
        except InputError as error:
            captions[tag] = MISSING_CAPTION
            problems[tag] = str(error)
    return captions, problems


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
