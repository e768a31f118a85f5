"""A local Hugging Face chat model as a benchmark model (``--model transformers:PATH``).

The folder is a causal language model with its tokenizer and chat template (what
``save_pretrained`` writes, e.g. TMPO's merged ``OUT/final``), run in-process by
``unima.llm.local_transformers`` (CPU or CUDA torch build; nothing is downloaded). It is a
text-only model, so it is asked exactly what the openai-compatible adapter asks
(``unima.bench.openai_request``), with every input, images included, given as what perception
says of it (transcript, on-screen text, OCR, description) instead of attached pictures:

- a HitEmotion instance (``extra["reply_format"] == "text"``) gets its own prompt (the release's
  ToM or direct prompt) followed by the inputs, and its reply is kept whole;
- a UniM instance gets the placeholder protocol (``prompts/bench_openai.j2``); the reply's JSON
  answer is read like a server's (bounded by the default ``ReplyLimits``: no URL is fetched).

This is what makes a before / after comparison of a fine-tuned model possible with the harness
(docs/tmpo.md): the same adapter, prompt and perception for both checkpoints.

Options: ``max_new_tokens`` (512), ``temperature`` (0: greedy), ``device`` (``auto``),
``max_text_chars`` (6000, per input), ``timeout_s`` (600, per instance).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from unima.bench.models import ModelAdapter, package_versions
from unima.bench.openai_reply import ReplyLimits, read_reply
from unima.bench.openai_request import BuiltRequest, RequestLimits, build_request
from unima.bench.records import Answer
from unima.errors import ConfigError, MissingExtraError, UnimaError
from unima.llm.calls import call_model
from unima.llm.local_transformers import checkpoint_folder

if TYPE_CHECKING:
    from unima.bench.datasets.unim import UnimInstance
    from unima.llm.local_transformers import TransformersChatModel

DEFAULTS: dict[str, Any] = {
    "max_new_tokens": 512,
    "temperature": 0.0,
    "device": "auto",
    "max_text_chars": 6_000,
    "timeout_s": 600.0,
}


class TransformersModel(ModelAdapter):
    """A local chat model folder answering each instance as text (see the module docstring)."""

    name: ClassVar[str] = "transformers"

    def __init__(self, spec: str, **options: Any) -> None:
        super().__init__(spec, **options)
        prefix, _, location = spec.partition(":")
        if prefix != "transformers" or not location:
            raise ConfigError(f"expected transformers:PATH (a local model folder), got {spec!r}")
        self.folder = checkpoint_folder(location)
        unknown = sorted(set(options) - set(DEFAULTS))
        if unknown:
            raise ConfigError(
                f"unknown option(s) {', '.join(unknown)} for --model transformers; known: "
                f"{', '.join(sorted(DEFAULTS))}"
            )
        self.settings = {**DEFAULTS, **options}
        for name in ("max_new_tokens", "max_text_chars"):
            if not isinstance(self.settings[name], int) or self.settings[name] <= 0:
                raise ConfigError(f"--model-option {name} must be a positive whole number")
        for name in ("temperature", "timeout_s"):
            value = self.settings[name]
            if not isinstance(value, int | float) or value < 0:
                raise ConfigError(f"--model-option {name} must be a number >= 0, not {value!r}")
        for module in ("torch", "transformers"):
            if not _importable(module):
                raise MissingExtraError("--model transformers:PATH", "transformers", module)
        self.request_limits = RequestLimits(
            max_text_chars=self.settings["max_text_chars"], attach_media=False
        )
        self._chat: TransformersChatModel | None = None

    def describe(self) -> dict[str, Any]:
        return {
            "adapter": self.name,
            "spec": self.spec,
            "folder": str(self.folder),
            "options": dict(sorted(self.settings.items())),
            "versions": package_versions("torch", "transformers"),
        }

    def predict(self, instance: UnimInstance, media_root: Path, out_dir: Path) -> Answer:
        built = build_request(
            instance, media_root, self.request_limits, allow_urls=False, max_media_bytes=0
        )
        chat = self._model()
        messages = chat_messages(built)
        reply = call_model(
            lambda: chat.invoke(messages),
            call="predict",
            model=f"transformers:{self.folder.name}",
            timeout_s=float(self.settings["timeout_s"]),
        )
        text = str(reply.content).strip()
        if built.whole_reply:
            if not text:
                raise UnimaError(f"{self.spec} gave an empty reply")
            return Answer(
                content=text,
                status="partial" if built.problems else "ok",
                problems=tuple(built.problems),
            )
        result = read_reply(text, out_dir, ReplyLimits())
        problems = (*built.problems, *result.problems)
        status = "partial" if result.status == "ok" and problems else result.status
        return Answer(content=result.content, modal=result.modal, status=status, problems=problems)

    def close(self) -> None:
        self._chat = None

    def _model(self) -> TransformersChatModel:
        if self._chat is None:
            from unima.llm.local_transformers import TransformersChatModel

            self._chat = TransformersChatModel(
                model_path=str(self.folder),
                temperature=float(self.settings["temperature"]),
                max_new_tokens=int(self.settings["max_new_tokens"]),
                device=str(self.settings["device"]),
            )
        return self._chat


def chat_messages(built: BuiltRequest) -> list[BaseMessage]:
    """The request as plain-text LangChain messages (text-only: no part is an image)."""
    messages: list[BaseMessage] = []
    for message in built.messages:
        content = message["content"]
        if not isinstance(content, str):
            content = "\n".join(
                part["text"] for part in content if part.get("type") == "text" and part["text"]
            )
        kind = SystemMessage if message["role"] == "system" else HumanMessage
        messages.append(kind(content=content))
    return messages


def _importable(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


__all__ = ["TransformersModel", "chat_messages"]
