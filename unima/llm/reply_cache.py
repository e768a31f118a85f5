"""The model reply cache: a greedy (temperature 0) model asked the same thing answers from disk.

A guided run asks the embedded model a handful of questions, 2-12 s each on two CPU cores. Asked
again with the same prompt, a greedy decoder writes the same reply, so a re-run of a request (a
resumed benchmark, a second ``unima run``, a fixed typo elsewhere in the plan) need not wait for
it. This is LangChain's own cache seam (``BaseChatModel.cache``): the key is the rendered
prompt plus the model's ``llm_string``, which holds its class, identifying parameters (model
file and its identity, temperature, token limit) and the call's options (``response_format``).

Entries live in one SQLite file beside the artifact cache; ``--no-cache`` (``Settings.cache =
False``) turns the reply cache off with the artifact cache. A hit is announced to the run's
trace as a ``model_reply_cached`` event, so a 0.01 s answer is never mistaken for the model's
speed.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from langchain_core.caches import BaseCache
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, Generation

from unima.databases import open_database
from unima.llm.calls import current_scope

REPLY_CACHE_SCHEMA = 1
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS replies ("
    " key TEXT PRIMARY KEY, generations TEXT NOT NULL, created REAL NOT NULL)"
)


def reply_key(prompt: str, llm_string: str) -> str:
    """The key of one call: the sha256 of the schema version, the model and the prompt."""
    text = f"{REPLY_CACHE_SCHEMA}\n{llm_string}\n{prompt}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ReplyCache(BaseCache):
    """A SQLite-backed LangChain cache of chat model replies. Thread-safe.

    Args:
        path: the database file (created with its folder).
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._connection = open_database(self.path, SCHEMA, purpose="the model reply cache")

    def lookup(self, prompt: str, llm_string: str) -> Sequence[Generation] | None:
        key = reply_key(prompt, llm_string)
        with self._lock:
            row = self._connection.execute(
                "SELECT generations FROM replies WHERE key = ?", (key,)
            ).fetchone()
        if row is None:
            return None
        try:
            generations = [_generation(item) for item in json.loads(row[0])]
        except (ValueError, TypeError, KeyError):  # damaged or from another version: asked again
            return None
        scope = current_scope()
        if scope is not None:
            scope.emit("model_reply_cached", key=key[:16])
        return generations

    def update(self, prompt: str, llm_string: str, return_val: Sequence[Generation]) -> None:
        text = json.dumps([_stored(generation) for generation in return_val], default=str)
        with self._lock, self._connection:
            self._connection.execute(
                "INSERT OR REPLACE INTO replies (key, generations, created) VALUES (?, ?, ?)",
                (reply_key(prompt, llm_string), text, time.time()),
            )

    def clear(self, **kwargs: Any) -> None:
        with self._lock, self._connection:
            self._connection.execute("DELETE FROM replies")

    def count(self) -> int:
        """How many replies are stored."""
        with self._lock:
            return int(self._connection.execute("SELECT COUNT(*) FROM replies").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._connection.close()


# Replies are stored as plain JSON (text, token usage, metadata), never as serialised objects:
# a tampered database can change a reply's text, not make the process build arbitrary classes.
def _stored(generation: Generation) -> dict[str, Any]:
    message = getattr(generation, "message", None)
    return {
        "text": generation.text,
        "usage": getattr(message, "usage_metadata", None),
        "metadata": getattr(message, "response_metadata", None) or {},
    }


def _generation(stored: dict[str, Any]) -> ChatGeneration:
    text = stored["text"]
    if not isinstance(text, str):
        raise TypeError("a stored reply's text is not a string")
    message = AIMessage(
        content=text,
        usage_metadata=stored.get("usage") or None,
        response_metadata=dict(stored.get("metadata") or {}),
    )
    return ChatGeneration(message=message)


def greedy(model: Any) -> bool:
    """Whether ``model`` decodes greedily, so a cached reply is the reply it would give."""
    temperature = getattr(model, "temperature", None)
    return temperature is not None and float(temperature) == 0.0
