"""Helpers shared by the minimal perceivers: bounded text reads and summary phrasing."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from unima.perception.base import part_path
from unima.types import Part

TEXT_LIMIT_BYTES = 200 * 1024
MAX_NAMES_IN_SUMMARY = 8


def read_text(path: Path, limit: int = TEXT_LIMIT_BYTES) -> tuple[str, bool]:
    """The first ``limit`` bytes of a UTF-8 file as text, and whether it was cut short."""
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    truncated = len(data) > limit
    data = data[:limit]
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    # The sniffer checked the head strictly; a cut multi-byte character at the end is dropped.
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    return decoder.decode(data, final=not truncated), truncated


def count_lines(path: Path) -> int:
    """Lines in a file, counted in chunks (a last line without newline counts)."""
    lines, last = 0, b"\n"
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (0 if last == b"\n" else 1)


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


def format_of(part: Part) -> str:
    """The sniffed format of a part (``meta["format"]``, or sniffed again when missing)."""
    from unima.inputs.sniff import sniff

    return str(part.meta.get("format") or sniff(part_path(part)).format)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_metadata(value: object, limit: int = 200) -> str:
    """Untrusted metadata (PDF title, mesh name) as one short line without control characters."""
    return _CONTROL.sub("", " ".join(str(value).split()))[:limit]
