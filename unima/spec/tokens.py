"""Sentences and tokens for the output-spec reader.

Benchmark runs parse tens of thousands of requests, so tokens are plain strings with a parallel
list of kinds ("word", "number", "tag", "punct"), found by one ``findall`` per sentence. Character
offsets, needed only to quote a phrase back in the spec's evidence, are computed on demand.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Runs on lower-cased text. Order matters: placeholders, "e.g.", "3-d" and numbers before words.
_TOKEN = re.compile(
    r"<(?:image|audio|video|document|code|threed)\d+>"
    r"|e\.g\.?|i\.e\.?"
    r"|[23]-d\b"
    r"|\d+(?:,\d{3})*(?:\.\d+)?(?!\w)"
    r"|[^\W_][\w']*"
    r"|[^\w\s]"
)
# A sentence ends at . ! ? ; or a line break; not inside "2.5" or ".py" (a word follows).
_SENTENCE_END = re.compile(r"[.!?;\n]+(?!\w)")
_ABBREVIATIONS = ("e.g", "i.e", "etc", " vs", "fig", "approx")
_KEPT_PUNCTUATION = {",": ",", ":": ":", "(": "(", ")": ")", "&": "&", "\u2014": ","}
_HYPHENS = frozenset({"-", "\u2013"})


def lower(text: str) -> str:
    """``text`` in lower case with plain apostrophes, keeping every character's offset."""
    lowered = text.replace("\u2019", "'").lower()
    if len(lowered) != len(
        text
    ):  # a few characters grow when lowered ("İ"): keep those as they are
        lowered = "".join(
            character.lower() if len(character.lower()) == 1 else character
            for character in text.replace("\u2019", "'")
        )
    return lowered


def sentence_spans(lowered: str) -> list[tuple[int, int]]:
    """The (start, end) character spans of the sentences of a lower-cased text."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(lowered):
        if match.group()[0] == "." and lowered.endswith(_ABBREVIATIONS, start, match.start()):
            continue  # "e.g." does not end a sentence
        if match.start() > start:
            spans.append((start, match.start()))
        start = match.end()
    if len(lowered) > start:
        spans.append((start, len(lowered)))
    return spans


@lru_cache(maxsize=65536)
def _classify(raw: str) -> tuple[str, str] | None:
    """The token a raw match stands for, as (text, kind), or None when it is dropped."""
    first = raw[0]
    if first == "<":
        if len(raw) == 1:
            return None
        return raw[1:-1].replace("threed", "threeD"), "tag"
    if first.isdecimal():
        if raw.replace(",", "").replace(".", "").isdecimal():
            return raw, "number"
        return ("3d" if raw == "3-d" else raw), "word"
    if first.isalnum():
        return raw.rstrip("."), "word"
    if raw in _HYPHENS:
        return "-", "hyphen"
    kept = _KEPT_PUNCTUATION.get(raw)
    return None if kept is None else (kept, "punct")


def _join_ranges(items: list[tuple[str, str, int, int]]) -> list[tuple[str, str, int, int]]:
    """Hyphens join words ("voice-over"); between numbers they read as "to" ("2-3")."""
    joined = []
    for position, item in enumerate(items):
        if item[1] != "hyphen":
            joined.append(item)
        elif (
            0 < position < len(items) - 1
            and items[position - 1][1] == items[position + 1][1] == "number"
        ):
            joined.append(("to", "word", item[2], item[3]))
    return joined


def tokenize(lowered: str, start: int, end: int) -> tuple[list[str], list[str]]:
    """The tokens of one sentence ``lowered[start:end]``: their texts and their kinds."""
    sentence = lowered[start:end]
    pairs = [token for token in map(_classify, _TOKEN.findall(sentence)) if token is not None]
    if "-" in sentence or "\u2013" in sentence:
        pairs = [
            (text, kind) for text, kind, _, _ in _join_ranges([(*pair, 0, 0) for pair in pairs])
        ]
    return [text for text, _ in pairs], [kind for _, kind in pairs]


def token_offsets(lowered: str, start: int, end: int) -> list[tuple[int, int]]:
    """The character spans of the tokens ``tokenize`` finds in ``lowered[start:end]``."""
    items = []
    for match in _TOKEN.finditer(lowered, start, end):
        token = _classify(match.group())
        if token is not None:
            items.append((*token, match.start(), match.end()))
    return [(item[2], item[3]) for item in _join_ranges(items)]
