"""Python and JSON literals found inside free text, parsed safely.

Model replies and the release's ground truths write answers as Python literals
(``{'emotion': 'sad'}``, ``[('Maya', 'yoga', ...)]``) or JSON (``{"stance": "support"}``,
``true``). ``literals_in`` finds every bracketed span that parses as one, with where it ends, so
a caller can take the last one. Parsing is ``ast.literal_eval`` (literals only, never code),
then ``json.loads`` for JSON's ``true``/``false``/``null``; spans over ``MAX_LITERAL_CHARS`` or
nested deeper than ``MAX_DEPTH`` are refused unparsed (a hostile reply cannot exhaust the stack).
"""

from __future__ import annotations

import ast
import json
from typing import Any

from unima.untrusted_json import nesting_depth

MAX_LITERAL_CHARS = 50_000
MAX_DEPTH = 16
# Only the end of a very long reply is searched (the answer is at the end), and the bracket scan,
# quadratic in the worst case (thousands of unmatched brackets), stops after MAX_SCAN_STEPS
# characters in all: a hostile reply costs a fraction of a second, never minutes.
MAX_SCAN_CHARS = 20_000
MAX_SCAN_STEPS = 4_000_000
OPENERS = {"{": "}", "[": "]", "(": ")"}
QUOTES = ("'", '"')


def parse_literal(text: str) -> tuple[bool, Any]:
    """``(True, value)`` when the whole of ``text`` is a Python or JSON literal, else ``(False, None)``."""
    text = text.strip()
    if not text or len(text) > MAX_LITERAL_CHARS or too_deep(text):
        return False, None
    try:
        return True, ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        pass
    try:
        return True, json.loads(text)
    except (ValueError, RecursionError):
        return False, None


def too_deep(text: str) -> bool:
    """Whether ``text`` nests brackets deeper than ``MAX_DEPTH`` (measured without parsing)."""
    return nesting_depth(text.encode("utf-8"), stop_after=MAX_DEPTH) > MAX_DEPTH


def literals_in(text: str) -> list[tuple[int, Any]]:
    """Every outermost bracketed literal in ``text`` as ``(end offset, value)``, in order.

    A bracket that opens no parseable literal is skipped and the search goes on inside it, so a
    prose parenthesis does not hide an answer object that follows; a span nested too deep is
    skipped whole (its inner brackets are part of it, not answers).
    """
    offset = max(0, len(text) - MAX_SCAN_CHARS)
    text = text[offset:]
    found: list[tuple[int, Any]] = []
    position = 0
    budget = MAX_SCAN_STEPS
    while position < len(text) and budget > 0:
        character = text[position]
        if character not in OPENERS:
            position += 1
            continue
        end, steps = _matching_close(text, position)
        budget -= steps
        if end is not None:
            span = text[position : end + 1]
            if too_deep(span):
                position = end + 1
                continue
            ok, value = parse_literal(span)
            if ok:
                found.append((offset + end + 1, value))
                position = end + 1
                continue
        position += 1
    return found


def _matching_close(text: str, start: int) -> tuple[int | None, int]:
    """The offset of the bracket closing ``text[start]`` (quote-aware; ``None`` when unbalanced)
    and the characters scanned."""
    stack = [OPENERS[text[start]]]
    quote: str | None = None
    position = start + 1
    limit = min(len(text), start + MAX_LITERAL_CHARS)
    while position < limit:
        character = text[position]
        if quote is not None:
            if character == "\\":
                position += 1
            elif character == quote:
                quote = None
        elif character in QUOTES:
            quote = character
        elif character in OPENERS:
            stack.append(OPENERS[character])
        elif character in "}])":
            if character != stack[-1]:
                return None, position - start
            stack.pop()
            if not stack:
                return position, position - start
        position += 1
    return None, position - start
