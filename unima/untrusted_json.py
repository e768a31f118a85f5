"""Parse JSON that untrusted code wrote, with its nesting depth bounded before parsing.

``json.loads`` recurses once per nested array or object, so a 200,000-deep document raises
``RecursionError`` (or worse, exhausts the C stack) instead of a ``ValueError``. The depth is
therefore measured on the raw text first, in one linear pass that skips string contents, and a
document deeper than the limit is refused without being parsed.
"""

from __future__ import annotations

import json
import re
from typing import Any

from unima.errors import InputError

DEFAULT_MAX_DEPTH = 64
# Brackets and braces open or close a level; quotes and backslashes delimit strings.
_SIGNIFICANT = re.compile(rb'[\[\]{}"\\]')
_OPENING = frozenset(b"[{")
_CLOSING = frozenset(b"]}")
_QUOTE = ord('"')
_BACKSLASH = ord("\\")


def nesting_depth(data: bytes, stop_after: int | None = None) -> int:
    """The deepest array/object nesting in ``data``, counted without parsing it.

    Args:
        data: the JSON text (it need not be valid JSON).
        stop_after: stop scanning once the depth passes this value; the result is then
            ``stop_after + 1``.
    """
    depth = deepest = 0
    in_string = False
    escaped_position = -1
    for match in _SIGNIFICANT.finditer(data):
        position = match.start()
        if position == escaped_position:
            continue
        character = data[position]
        if in_string:
            if character == _BACKSLASH:
                escaped_position = position + 1
            elif character == _QUOTE:
                in_string = False
        elif character == _QUOTE:
            in_string = True
        elif character in _OPENING:
            depth += 1
            if depth > deepest:
                deepest = depth
                if stop_after is not None and deepest > stop_after:
                    break
        elif character in _CLOSING:
            depth -= 1
    return deepest


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def load_untrusted_json(
    data: bytes | str,
    *,
    source: str,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_bytes: int | None = None,
    allow_nan: bool = False,
) -> Any:
    """Parse untrusted JSON whose size and nesting depth are bounded first.

    Args:
        data: the document, as UTF-8 bytes or text.
        source: what the document is, for the error message (``"outputs/result.json"``).
        max_depth: the deepest array/object nesting accepted.
        max_bytes: the largest document accepted; ``None`` for no size check here.
        allow_nan: accept ``NaN`` and ``Infinity``, which are not JSON (refused by default:
            strict encoders downstream fail on them).

    Raises:
        InputError: the document is too large, nested too deeply, not UTF-8 or not JSON.
    """
    raw = data.encode("utf-8", errors="surrogatepass") if isinstance(data, str) else data
    if max_bytes is not None and len(raw) > max_bytes:
        raise InputError(f"{len(raw)} bytes is over the {max_bytes}-byte limit", source=source)
    depth = nesting_depth(raw, stop_after=max_depth)
    if depth > max_depth:
        raise InputError(
            f"JSON nested deeper than the limit of {max_depth} levels; flatten the structure",
            source=source,
        )
    try:
        text = raw.decode("utf-8")
        if allow_nan:
            return json.loads(text)
        return json.loads(text, parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise InputError(f"not valid JSON ({error})", source=source) from error
