"""Turning what a user passes as ``reasoner=`` into a ``Reasoner``."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel

from unima.errors import ConfigError, MissingExtraError
from unima.llm.chat_models import chat_model_from_spec
from unima.llm.reply_cache import ReplyCache, greedy
from unima.reasoners.base import Reasoner
from unima.reasoners.guided import GuidedReasoner
from unima.reasoners.llm import LlmReasoner
from unima.registry import Registry

logger = logging.getLogger(__name__)

REASONERS: Registry[type[Reasoner]] = Registry("reasoner")
REASONERS.register("heuristic", "unima.reasoners.heuristic.reasoner:HeuristicReasoner")
# ``auto`` (the default) is the embedded model through the guided reasoner when the
# ``embedded`` extra is installed, else the heuristic; ``embedded`` alone means ``guided:embedded``.
AUTO = "auto"
EMBEDDED = "embedded"


def resolve_reasoner(
    choice: Any, *, tools: Any = None, settings: Any = None, on_call: Any = None
) -> Reasoner:
    """A reasoner from a name, a chat model spec, a LangChain chat model or a ``Reasoner``.

    Args:
        choice: ``"auto"`` (the embedded model if its extra is installed, else the heuristic),
            ``"embedded"`` (the packaged small model, asked guided questions), ``"heuristic"``,
            ``"openai:MODEL"``, ``"openai-compatible:URL:MODEL"``,
            ``"transformers:PATH"`` (a local Hugging Face chat model), ``"guided:<chat spec>"``
            (the heuristic's plan skeleton with short questions to a small model, e.g.
            ``"guided:openai-compatible:URL:MODEL"``), a ``BaseChatModel``, or a ``Reasoner``.
        tools: callable returning the tool catalogue (for LLM planners).
        settings: ``unima.config.Settings`` (timeouts, repair attempts).
        on_call: hook called after every model call, for traces.
    """
    if isinstance(choice, Reasoner):
        return choice
    repair_attempts = settings.llm_repair_attempts if settings is not None else 2
    timeout_s = settings.llm_timeout_s if settings is not None else 120.0
    limits: dict[str, Any] = {}
    if settings is not None:
        limits = {
            "max_tokens": settings.llm_max_tokens,
            "max_reply_bytes": settings.llm_max_reply_bytes,
        }
    if isinstance(choice, str):
        if choice == AUTO:
            try:
                return resolve_reasoner(EMBEDDED, tools=tools, settings=settings, on_call=on_call)
            except MissingExtraError as error:
                logger.info("no embedded model (%s); using the heuristic reasoner", error)
                return REASONERS.get("heuristic")()
        if choice == EMBEDDED:
            choice = f"guided:{EMBEDDED}"
        if choice in REASONERS:
            return REASONERS.get(choice)()
        guided, _, chat_spec = choice.partition(":")
        if guided == "guided":
            if not chat_spec:
                raise ConfigError(
                    "'guided' needs a chat model spec after it, such as "
                    "'guided:openai-compatible:http://localhost:8080/v1:MODEL'"
                )
            model = chat_model_from_spec(chat_spec, timeout_s=timeout_s, **limits)
            return GuidedReasoner(cached(model, settings), timeout_s=timeout_s, on_call=on_call)
        if ":" in choice:
            model = cached(chat_model_from_spec(choice, timeout_s=timeout_s, **limits), settings)
            return LlmReasoner(
                model,
                tools=tools,
                repair_attempts=repair_attempts,
                on_call=on_call,
                timeout_s=timeout_s,
            )
        REASONERS.get(choice)  # raises with "did you mean"
    if isinstance(choice, BaseChatModel):
        return LlmReasoner(
            choice,
            tools=tools,
            repair_attempts=repair_attempts,
            on_call=on_call,
            timeout_s=timeout_s,
        )
    raise ConfigError(
        f"cannot use {choice!r} as a reasoner; pass 'heuristic', a spec like 'openai:MODEL', a LangChain "
        "chat model or a unima Reasoner"
    )


_REPLY_CACHES: dict[Path, ReplyCache] = {}
_REPLY_CACHES_LOCK = threading.Lock()


def cached(model: BaseChatModel, settings: Any) -> BaseChatModel:
    """``model`` answering repeated greedy calls from the reply cache, when settings allow.

    One ``ReplyCache`` per database file is shared by every model of the process. A model that
    samples (temperature above 0) is left alone: a cached reply would hide its variety.
    """
    if settings is None or not settings.cache or not greedy(model):
        return model
    path = settings.resolved_reply_cache_path().resolve()
    with _REPLY_CACHES_LOCK:
        cache = _REPLY_CACHES.get(path)
        if cache is None:
            cache = _REPLY_CACHES[path] = ReplyCache(path)
    model.cache = cache
    return model
