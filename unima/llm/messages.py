"""LangChain messages as the ``{"role", "content"}`` turns that local chat models take.

Shared by the in-process backends (``embedded``, ``transformers``): both accept system, human and
ai messages, and keep only the text of multimodal content.
"""

from __future__ import annotations

from langchain_core.messages import BaseMessage

from unima.errors import ConfigError

ROLES = {"system": "system", "human": "user", "ai": "assistant"}


def message_text(message: BaseMessage) -> str:
    """The text of a message; multimodal content keeps only its text parts."""
    if isinstance(message.content, str):
        return message.content
    pieces = []
    for part in message.content:
        if isinstance(part, str):
            pieces.append(part)
        elif isinstance(part, dict) and part.get("type") == "text":
            pieces.append(str(part.get("text", "")))
    return "\n".join(pieces)


def chat_turns(messages: list[BaseMessage], backend: str) -> list[dict[str, str]]:
    """``messages`` as ``{"role", "content"}`` turns; ``backend`` names the model in errors."""
    turns = []
    for message in messages:
        role = ROLES.get(message.type)
        if role is None:
            raise ConfigError(
                f"the {backend} chat model cannot send a {message.type!r} message; "
                "use system, human and ai messages"
            )
        turns.append({"role": role, "content": message_text(message)})
    return turns
