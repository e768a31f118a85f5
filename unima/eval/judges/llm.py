"""``LlmJudge``: any LangChain chat model as a judge, with templated rubrics and checked replies.

The rubric text lives in ``unima/prompts/judge_{sc,hc,sh}.j2`` (protocol ``unima``) and
``judge_sc_unim.j2`` / ``judge_ics_unim.j2`` (protocol ``unim``) (``unima-step:`` header, ``---``
between system and user parts). The ``unim_interleaved`` reply carries two scores,
``coherence`` and ``style_consistency`` (as the released ICS judge's), both required. A reply must be a JSON object with an integer ``score`` from 1
to 5 (the keys ``coherence`` / ``style_consistency`` of the released UniM judge are accepted as
aliases) and optionally a ``reason``. Anything else is an unparseable reply: the verdict has
``score=None`` and ``parse_ok=False``, the judge counts it, and the metric reports the instance
as not scored by the judge instead of inventing a score (the released code turned such replies
into a silent 1).

Each call has a wall-clock deadline (``timeout_s``, through ``unima.llm.calls.call_model``).
A judge whose server timed out or sent an oversized reply fails fast for the rest of its life
(``failed_calls`` counts those verdicts; nothing failed is cached), so a dead server costs one
deadline per evaluation, not one per instance.
"""

from __future__ import annotations

import functools
import importlib.resources
import logging
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from unima.errors import ReasonerError
from unima.eval.judges.base import (
    PAIRED_RUBRICS,
    RUBRIC_TEMPLATES,
    Judge,
    JudgeVerdict,
    check_rubric,
    text_hash,
)
from unima.llm.calls import ModelCallScope, call_model, current_scope, server_of
from unima.llm.prompts import extract_json, render_prompt

logger = logging.getLogger(__name__)
# How much of a reply a verdict (and so the judge cache) keeps; a verdict is a few lines.
MAX_RAW_CHARS = 4_000

# Keys the released UniM judges used for the same number; accepted so old-style replies parse.
SCORE_ALIASES: dict[str, tuple[str, ...]] = {
    "semantic": ("score",),
    "coherence": ("score", "coherence"),
    "style": ("score", "style_consistency", "style"),
    "unim_semantic": ("score",),
}
# The keys of each score of a paired rubric's reply (the released ICS judge's own names first).
PAIRED_ALIASES: dict[str, tuple[str, ...]] = {
    "coherence": ("coherence", "holistic_coherence", "HC"),
    "style": ("style_consistency", "stylistic_harmony", "style", "SH"),
}


class JudgeReply(BaseModel):
    """A validated judge reply."""

    model_config = ConfigDict(extra="ignore")

    score: int = Field(ge=1, le=5)
    reason: str = ""


@functools.cache
def template_hash(template_name: str) -> str:
    """The sha256 of a judge template's source text (part of the cache key)."""
    source = importlib.resources.files("unima").joinpath("prompts", f"{template_name}.j2")
    return text_hash(source.read_text(encoding="utf-8"))


def parse_reply(rubric: str, reply: str) -> JudgeReply:
    """Validate a reply for ``rubric``.

    Raises:
        ReasonerError: When the reply holds no JSON object or its score is not 1-5.
    """

    data = _reply_object(reply)
    return _checked(
        next((data[key] for key in SCORE_ALIASES[rubric] if key in data), None),
        str(data.get("reason", "")),
        reply,
    )


def parse_paired_reply(rubric: str, reply: str) -> dict[str, JudgeReply]:
    """Validate a reply of a paired rubric (``unim_interleaved``): every named score 1-5.

    Raises:
        ReasonerError: When the reply holds no JSON object or a score is missing or not 1-5.
    """
    data = _reply_object(reply)
    reason = str(data.get("reason", ""))
    return {
        name: _checked(
            next((data[key] for key in PAIRED_ALIASES[name] if key in data), None), reason, reply
        )
        for name in PAIRED_RUBRICS[rubric]
    }


def _reply_object(reply: str) -> dict[str, Any]:
    data = extract_json(reply)
    if not isinstance(data, dict):
        raise ReasonerError(f"the judge reply is JSON but not an object: {reply[:200]!r}")
    return data


def _checked(score: Any, reason: str, reply: str) -> JudgeReply:
    if isinstance(score, float) and score.is_integer():
        score = int(score)
    if isinstance(score, bool) or not isinstance(score, int):
        raise ReasonerError(f"the judge reply has no integer score 1-5: {reply[:200]!r}")
    try:
        return JudgeReply(score=score, reason=reason)
    except ValidationError as error:
        raise ReasonerError(f"the judge score {score!r} is outside 1-5: {reply[:200]!r}") from error


class LlmJudge(Judge):
    """A chat model judging with the package's rubric templates.

    Args:
        chat_model: any LangChain chat model (``invoke(messages)`` returning a message); use it
            at temperature 0 for reproducibility.
        model_name: the name reports and the cache use; defaults to the model's
            ``model_name`` / ``model`` attribute.
        timeout_s: the wall-clock deadline of one judge call.
    """

    def __init__(
        self, chat_model: Any, *, model_name: str | None = None, timeout_s: float = 120.0
    ) -> None:
        super().__init__()
        self.chat_model = chat_model
        resolved = (
            model_name
            or getattr(chat_model, "model_name", None)
            or getattr(chat_model, "model", None)
            or type(chat_model).__name__
        )
        self.name = f"llm:{resolved}"
        self.model_name = str(resolved)
        self.timeout_s = timeout_s
        # The judge's own fail-fast memory, used when no run scope is active.
        self.model_calls = ModelCallScope()

    def prompt_hash(self, rubric: str) -> str:
        return template_hash(RUBRIC_TEMPLATES[check_rubric(rubric)])

    def score(self, rubric: str, payload: dict[str, Any]) -> JudgeVerdict:

        template = RUBRIC_TEMPLATES[check_rubric(rubric)]
        system, user = render_prompt(template, **payload)
        self.counters.add("judge_calls")
        try:
            message = call_model(
                lambda: self.chat_model.invoke([SystemMessage(system), HumanMessage(user)]),
                call=f"judge:{rubric}",
                model=self.model_name,
                server=server_of(self.chat_model, self.model_name),
                timeout_s=self.timeout_s,
                scope=current_scope() or self.model_calls,
            )
        except Exception as error:  # network, rate limit, server error: the model gave no reply
            self.counters.add("failed_calls")
            logger.warning("judge %s failed on a %s payload: %s", self.name, rubric, error)
            return JudgeVerdict(
                score=None, parse_ok=False, error=f"{type(error).__name__}: {error}"[:500]
            )
        raw = _message_text(message)
        try:
            if rubric in PAIRED_RUBRICS:
                replies = parse_paired_reply(rubric, raw)
                first = replies[PAIRED_RUBRICS[rubric][0]]
                return JudgeVerdict(
                    score=float(first.score),
                    reason=first.reason,
                    raw=raw[:MAX_RAW_CHARS],
                    details={"scores": {name: float(r.score) for name, r in replies.items()}},
                )
            reply = parse_reply(rubric, raw)
        except ReasonerError as error:
            self.counters.add("unparseable_replies")
            logger.warning("judge %s gave an unparseable %s reply: %s", self.name, rubric, error)
            return JudgeVerdict(
                score=None, reason=str(error)[:300], raw=raw[:MAX_RAW_CHARS], parse_ok=False
            )
        return JudgeVerdict(score=float(reply.score), reason=reply.reason, raw=raw[:MAX_RAW_CHARS])


def _message_text(message: Any) -> str:
    content = getattr(message, "content", message)
    if isinstance(content, list):  # content blocks (some providers): keep the text blocks
        return "".join(
            block.get("text", "") if isinstance(block, dict) else str(block) for block in content
        )
    return str(content)
