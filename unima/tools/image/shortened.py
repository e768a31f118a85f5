"""The texts a renderer had to cut to fit, collected so the tool can report them.

Renderers shorten a label, title or note that does not fit (an ellipsis, a dropped note). The
image is still valid, but a reader no longer sees the whole text: the tool records what was cut
in its output and verification, and the relevance check (``unima.relevance``) fails such an
image. A context variable carries the list, so drawing functions need no extra parameter and
images drawn in parallel threads keep separate lists.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

_SHORTENED: ContextVar[list[str] | None] = ContextVar("unima_shortened_texts", default=None)


@contextlib.contextmanager
def collect_shortened() -> Iterator[list[str]]:
    """Collect, while drawing, every text the renderers cut (in the order they cut them)."""
    shortened: list[str] = []
    token = _SHORTENED.set(shortened)
    try:
        yield shortened
    finally:
        _SHORTENED.reset(token)


def record_shortened(text: str) -> None:
    """Note that ``text`` was drawn cut short or left out (ignored outside ``collect_shortened``)."""
    shortened = _SHORTENED.get()
    if shortened is not None and text not in shortened:
        shortened.append(text)


def was_shortened(original: str, shown: str) -> bool:
    """Whether ``shown`` lost words of ``original`` (whitespace differences do not count)."""
    return " ".join(original.split()) != " ".join(shown.split())
