"""The teacher of the gold chains: any chat model spec, its replies cached per sample.

``Teacher.ask(messages, sample_index)`` sends one chat request under a wall-clock deadline
(``unima.llm.calls.call_model``) and stores the reply in a ``ReplyCache`` keyed by the spec,
the temperature, the token limit, the messages and the sample index: the k samples of one
prompt are k entries, and a re-run (a resumed ``unima train chains``, a second run with a new
filter) answers every request it has seen from disk without calling the model.

A sample's seed is ``seed + sample_index``: OpenAI-compatible servers receive it as ``seed``
(vLLM and OpenAI honour it), an in-process transformers model gets it through
``transformers.set_seed`` before its call; other runtimes sample unseeded.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.outputs import ChatGeneration

from unima.errors import ConfigError, ModelError
from unima.llm.calls import call_model
from unima.llm.chat_models import chat_model_from_spec, parse_chat_spec
from unima.llm.reply_cache import ReplyCache

CACHE_FILE = "tmpo-teacher-replies.sqlite"
DEFAULT_MAX_TOKENS = 2048


@dataclass(frozen=True)
class TeacherReply:
    """One reply: its text and whether it came from the cache."""

    text: str
    cached: bool


def check_teacher_spec(spec: str) -> str:
    """``spec``'s provider, or ``ConfigError`` naming the forms a teacher spec takes.

    Raises:
        ConfigError: the spec does not parse.
    """
    try:
        provider, _, _ = parse_chat_spec(spec)
    except ConfigError as error:
        raise ConfigError(
            f"--teacher: {error}. A teacher is any chat model spec, e.g. "
            "openai-compatible:http://localhost:8000/v1:Qwen2.5-72B-Instruct or "
            "transformers:/models/Qwen2.5-7B-Instruct"
        ) from None
    return provider


class Teacher:
    """A chat model asked for chains, with its replies cached.

    Args:
        spec: the chat model spec (``unima.llm.chat_models``), recorded in the provenance.
        cache_dir: the folder of the reply cache file.
        temperature: the sampling temperature (part of the cache key).
        seed: the first sample's seed.
        max_tokens: the most tokens one reply may have.
        timeout_s: the deadline of one call.
        chat_model: a ready LangChain chat model for ``spec`` (tests pass a scripted one);
            built from ``spec`` when ``None``.

    Raises:
        ConfigError: the spec does not parse, or its model cannot be built (a missing key).
    """

    def __init__(
        self,
        spec: str,
        *,
        cache_dir: Path,
        temperature: float = 0.7,
        seed: int = 0,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        timeout_s: float = 300.0,
        chat_model: Any = None,
    ) -> None:
        self.provider = check_teacher_spec(spec)
        if temperature < 0:
            raise ConfigError(f"--temperature must be >= 0, not {temperature}")
        self.spec = spec
        self.temperature = temperature
        self.seed = seed
        self.max_tokens = max_tokens
        self.timeout_s = timeout_s
        self.model = chat_model or chat_model_from_spec(
            spec, timeout_s=timeout_s, temperature=temperature, max_tokens=max_tokens
        )
        self.cache = ReplyCache(Path(cache_dir) / CACHE_FILE)
        self.asked = 0
        self.cached = 0

    def ask(self, messages: Sequence[BaseMessage], sample_index: int) -> TeacherReply:
        """The reply to ``messages`` for sample ``sample_index`` (from the cache when seen).

        Raises:
            ModelError: the model failed or sent an empty reply (``ModelTimeoutError`` past
                the deadline).
        """
        prompt = json.dumps(
            {
                "messages": [[message.type, message.content] for message in messages],
                "sample": sample_index,
            },
            ensure_ascii=False,
        )
        llm_string = (
            f"tmpo-teacher/v1\n{self.spec}\ntemperature={self.temperature}\n"
            f"max_tokens={self.max_tokens}\nseed={self.seed}"
        )
        stored = self.cache.lookup(prompt, llm_string)
        if stored:
            self.cached += 1
            return TeacherReply(stored[0].text, cached=True)
        seed = self.seed + sample_index
        options = {"seed": seed} if self.provider in ("openai", "openai-compatible") else {}
        if self.provider == "transformers":
            _seed_transformers(seed)
        reply = call_model(
            lambda: self.model.invoke(list(messages), **options),
            call="tmpo_chain",
            model=self.spec,
            timeout_s=self.timeout_s,
            max_tokens=self.max_tokens,
        )
        text = _reply_text(reply)
        if not text.strip():
            raise ModelError(f"{self.spec} sent an empty reply")
        self.asked += 1
        self.cache.update(prompt, llm_string, [ChatGeneration(message=AIMessage(content=text))])
        return TeacherReply(text, cached=False)

    def close(self) -> None:
        self.cache.close()


def chat_messages(system: str, turns: Sequence[tuple[str, str]]) -> list[BaseMessage]:
    """A system message, then ``(role, text)`` turns (``user`` or ``assistant``)."""
    messages: list[BaseMessage] = [SystemMessage(content=system)]
    for role, text in turns:
        messages.append(
            AIMessage(content=text) if role == "assistant" else HumanMessage(content=text)
        )
    return messages


def _reply_text(reply: Any) -> str:
    content = getattr(reply, "content", reply)
    if isinstance(content, list):
        return "".join(
            str(piece.get("text", "")) if isinstance(piece, dict) else str(piece)
            for piece in content
        )
    return str(content)


def _seed_transformers(seed: int) -> None:
    # transformers is loaded already: a transformers: teacher imported it to build the model.
    from transformers import set_seed

    set_seed(seed)
