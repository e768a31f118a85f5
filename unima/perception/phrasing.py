"""How perceivers phrase their summaries: quotes, name lists, "a" or "an", cleaned metadata."""

from __future__ import annotations

import re

MAX_NAMES_IN_SUMMARY = 8


def name_list(names: list[str], limit: int = MAX_NAMES_IN_SUMMARY) -> str:
    """``a, b, c`` or ``a, b, c and 4 more``."""
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def quote(text: str, words: int = 25) -> str:
    """The first ``words`` words of ``text`` on one line, for summaries."""
    pieces = text.split()
    return " ".join(pieces[:words]) + (" ..." if len(pieces) > words else "")


_AN_WORDS = {
    "MP4",
    "MP3",
    "M4A",
    "MKV",
    "MKA",
    "MOV",
    "OGG",
    "OGV",
    "AVI",
    "OFF",
    "STL",
    "RGB",
    "RGBA",
    "L",
    "LA",
    "HDR",
}


def article(phrase: str) -> str:
    """``a`` or ``an`` for ``phrase`` read aloud ("an 8.0-second", "an MP4", "a 640x480")."""
    first = phrase.split()[0] if phrase.split() else ""
    if first[:1].isdigit():
        vowel_sound = (
            first.startswith("8") or re.match(r"^(11|18)(\d{3})?(\D|$)", first) is not None
        )
    else:
        vowel_sound = first.upper() in _AN_WORDS or (
            first[:1].lower() in "aeiou" and not first.isupper()
        )
    return "an" if vowel_sound else "a"


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_metadata(value: object, limit: int = 200) -> str:
    """Untrusted metadata (PDF title, mesh name) as one short line without control characters."""
    return _CONTROL.sub("", " ".join(str(value).split()))[:limit]
