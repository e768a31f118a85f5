"""Choosing a perception model the way a reasoner is chosen, and perceiving with it.

``UniMA(perception_llm=...)``, ``unima run --perception-llm SPEC`` and ``unima perceive
--perception-llm SPEC`` all go through ``resolve_perception_model``: a spec string
(``openai:gpt-4o-mini``, ``openai-compatible:http://localhost:8000/v1:Qwen2.5-VL-7B-Instruct``),
a LangChain chat model, or a ready ``PerceptionModel``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel

from unima.errors import ConfigError
from unima.inputs.parts import part_from_item
from unima.llm.chat_models import chat_model_from_spec
from unima.perception import perceive
from unima.perception.vision_llm import PerceptionModel
from unima.types import Part, Perception

NO_MODEL = {"", "none", "off", "embedded"}


def resolve_perception_model(
    choice: Any,
    *,
    timeout_s: float = 120.0,
    max_tokens: int | None = None,
    max_reply_bytes: int | None = None,
) -> PerceptionModel | None:
    """A ``PerceptionModel`` from a spec, a chat model or itself; ``None`` for no model.

    Args:
        choice: ``None`` or ``"none"`` (embedded perception only), a chat model spec, a
            LangChain ``BaseChatModel``, or a ``PerceptionModel``.
        timeout_s: the wall-clock deadline of one caption call.
        max_tokens: ``max_tokens`` sent by a model made from a spec (default: the spec's).
        max_reply_bytes: replies over this many bytes are refused (default: the spec's).

    Raises:
        ConfigError: For a spec that does not parse, or anything else that is not a model.
    """
    if choice is None or isinstance(choice, PerceptionModel):
        return choice
    if isinstance(choice, str):
        if choice.strip().lower() in NO_MODEL:
            return None
        limits = {
            name: value
            for name, value in (("max_tokens", max_tokens), ("max_reply_bytes", max_reply_bytes))
            if value is not None
        }
        return PerceptionModel(
            chat_model_from_spec(choice, timeout_s=timeout_s, **limits), timeout_s=timeout_s
        )
    if isinstance(choice, BaseChatModel):
        return PerceptionModel(choice, timeout_s=timeout_s)
    raise ConfigError(
        f"cannot use {choice!r} as a perception model; pass a spec like 'openai:gpt-4o-mini' or "
        "'openai-compatible:URL:MODEL', a LangChain chat model, or a PerceptionModel"
    )


def perceive_with_model(
    item: Any,
    model: Any = None,
    *,
    question: str = "",
    scratch_dir: Path | None = None,
) -> Perception:
    """``unima.perception.perceive(item)``, then the model's caption when a model is given.

    Args:
        item: what ``perceive`` accepts (a path, a ``Part``, a PIL image, ``(bytes, mime)``).
        model: anything ``resolve_perception_model`` accepts.
        question: the request the input belongs to, so the caption covers what it needs.
        scratch_dir: where images and bytes are written before perceiving.

    Raises:
        InputError: When the input cannot be accepted.
        ConfigError: When ``model`` is not a usable model.
    """
    perception_model = resolve_perception_model(model)
    part: Part = part_from_item(item, scratch_dir=scratch_dir)
    perception = perceive(part)
    if perception_model is None:
        return perception
    return perception_model.describe(perception, part, question)
