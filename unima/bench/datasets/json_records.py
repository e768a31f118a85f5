"""Read JSON records from JSON and JSONL files, reporting bad ones instead of stopping.

A ``.jsonl`` file is read line by line (streamed, each line capped at ``MAX_LINE_BYTES``); a
``.json`` file holds one object, a list of objects, or several objects one after another (the
"multi-line JSON objects in one file" form the official GQ script reads). Every record comes back
with a source string (``file:line`` or ``file[index]``) so problems can be reported precisely.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

MAX_LINE_BYTES = 16 * 1024 * 1024
MAX_JSON_FILE_BYTES = 1024 * 1024 * 1024
_DECODER = json.JSONDecoder()


@dataclass(frozen=True)
class Record:
    """One JSON value read from a file, or the reason it could not be read.

    Attributes:
        source: Where it came from: ``path:line`` (JSONL, 1-based) or ``path[index]`` (JSON list,
            0-based) or the bare path (a one-object JSON file).
        value: The parsed value (any JSON type); ``None`` when ``problem`` is set.
        problem: Why the record could not be read, or ``""``.
    """

    source: str
    value: object = None
    problem: str = ""


def read_records(path: Path) -> Iterator[Record]:
    """Yield the records of one instance file; unreadable parts become records with a problem."""
    try:
        if path.suffix == ".jsonl":
            yield from _read_lines(path)
        else:
            yield from _read_document(path)
    except OSError as error:
        yield Record(str(path), problem=f"cannot read the file ({error.strerror or error})")


def parse_json(text: str | bytes) -> object:
    """``json.loads`` with the errors a hostile file can cause turned into ``ValueError``."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    except UnicodeDecodeError:
        raise ValueError("not valid UTF-8") from None


def _read_lines(path: Path) -> Iterator[Record]:
    with path.open("rb") as stream:
        number = 0
        while True:
            line = stream.readline(MAX_LINE_BYTES + 1)
            if not line:
                return
            number += 1
            source = f"{path}:{number}"
            if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
                _skip_rest_of_line(stream)
                yield Record(source, problem=f"line longer than {MAX_LINE_BYTES} bytes")
                continue
            if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            if not line.strip():
                continue
            try:
                yield Record(source, parse_json(line))
            except ValueError as error:
                yield Record(source, problem=f"malformed JSON line: {_short(error)}")


def _skip_rest_of_line(stream: BinaryIO) -> None:
    while True:
        chunk = stream.readline(MAX_LINE_BYTES)
        if not chunk or chunk.endswith(b"\n"):
            return


def _read_document(path: Path) -> Iterator[Record]:
    size = path.stat().st_size
    if size > MAX_JSON_FILE_BYTES:
        yield Record(
            str(path),
            problem=f"file is {size} bytes, over the JSON limit of "
            f"{MAX_JSON_FILE_BYTES}; split it or use JSONL",
        )
        return
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        yield Record(str(path), problem="file is not valid UTF-8")
        return
    if not text.strip():
        return
    try:
        value = parse_json(text)
    except ValueError as error:
        values, problem = _concatenated_values(text)
        if problem:
            yield Record(str(path), problem=f"malformed JSON: {problem or _short(error)}")
            return
        for index, item in enumerate(values):
            yield Record(f"{path}[{index}]", item)
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield Record(f"{path}[{index}]", item)
    else:
        yield Record(str(path), value)


def _concatenated_values(text: str) -> tuple[list[object], str]:
    """Split ``{...}{...}`` or ``{...}\\n{...}``; returns ``(values, problem)``."""
    values: list[object] = []
    position = 0
    length = len(text)
    while True:
        while position < length and text[position].isspace():
            position += 1
        if position >= length:
            return values, ""
        try:
            value, position = _DECODER.raw_decode(text, position)
        except json.JSONDecodeError as error:
            return values, _short(error)
        except RecursionError:
            return values, "JSON nested too deeply"
        values.append(value)


def _short(error: Exception) -> str:
    return str(error)[:200]
