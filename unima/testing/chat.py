"""``ScriptedChatModel``: a LangChain chat model whose replies come from an explicit script.

Replies are chosen by the reasoning step a prompt belongs to (its ``unima-step:`` line), never
by how many messages were sent: ``script={"plan": "{...}"}``, a list of replies consumed in
order for that step, or a function of the messages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import ConfigDict, Field, PrivateAttr

from unima.llm.prompts import step_of

Reply = str | Sequence[str] | Callable[[list[BaseMessage]], str]


class ScriptedChatModel(BaseChatModel):
    """Replies per step from ``script``; ``calls`` records (step, messages) of every call.

    ``options`` records (step, call options) of every call: what a caller passed to
    ``invoke`` beside the messages, such as ``response_format``. The options change no reply.

    Args:
        script: step name (``caption``, ``analyse``, ``plan``, ``repair_step``) to a reply, a
            list of replies used in turn (the last repeats), or a function of the messages.
        default: the reply for steps the script does not name; ``None`` raises instead.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    script: dict[str, Any] = Field(default_factory=dict)
    default: str | None = None
    model_name: str = "scripted"
    _positions: dict[str, int] = PrivateAttr(default_factory=dict)
    _calls: list[tuple[str, list[BaseMessage]]] = PrivateAttr(default_factory=list)
    _options: list[tuple[str, dict[str, Any]]] = PrivateAttr(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "unima-scripted"

    @property
    def calls(self) -> list[tuple[str, list[BaseMessage]]]:
        return self._calls

    @property
    def options(self) -> list[tuple[str, dict[str, Any]]]:
        return self._options

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> ChatResult:
        system = next(
            (str(message.content) for message in messages if message.type == "system"), ""
        )
        step = step_of(system) or "unknown"
        self._calls.append((step, list(messages)))
        self._options.append((step, dict(kwargs)))
        reply = self._reply(step, messages)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=reply))])

    def _reply(self, step: str, messages: list[BaseMessage]) -> str:
        if step not in self.script:
            if self.default is None:
                raise KeyError(f"ScriptedChatModel has no reply for step {step!r}")
            return self.default
        entry = self.script[step]
        if callable(entry):
            return str(entry(messages))
        if isinstance(entry, str):
            return entry
        position = self._positions.get(step, 0)
        self._positions[step] = position + 1
        return str(entry[min(position, len(entry) - 1)])
