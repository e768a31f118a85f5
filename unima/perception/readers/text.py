"""Bounded reads of text files: the first bytes as text, and the line count."""

from __future__ import annotations

import codecs
from pathlib import Path

TEXT_LIMIT_BYTES = 200 * 1024


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
