"""The scoring rules: key concepts found in an answer, and numbers read from it.

A concept is a list of synonyms or word stems; one is found when it starts a word of the text
(``refract`` finds "refraction", ``ray`` does not find "array"), or anywhere when it starts with
a symbol (``**``, ``[::-1]``). Numbers are read in the usual formats (``1,385``, ``79.33``,
``−2``), never from placeholder tags (``<image1>``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from unima.modalities import PLACEHOLDER_PATTERN


def normalise(text: str) -> str:
    """Lower case, typographic apostrophes and dashes made plain, runs of spaces made one."""
    text = text.lower().replace("\u2019", "'").replace("\u2010", "-").replace("\u2011", "-")
    return re.sub(r"\s+", " ", text)


def synonym_found(synonym: str, text: str) -> bool:
    """Whether ``synonym`` starts a word of the normalised ``text`` (``refract`` ~ refraction).

    A synonym starting with a symbol (``**``, ``[::-1]``) is matched anywhere.
    """
    synonym = normalise(synonym)
    if synonym[0].isalnum():
        return re.search(r"(?<![a-z0-9])" + re.escape(synonym), text) is not None
    return synonym in text


@dataclass(frozen=True)
class Coverage:
    """Which key concepts an answer mentions, among those its request does not."""

    eligible: int
    found: tuple[str, ...]
    missed: tuple[str, ...]
    in_request: tuple[str, ...]


def concept_coverage(request: str, answer: str, concepts: Iterable[list[str]]) -> Coverage:
    """Key concepts of ``concepts`` found in ``answer``, counting only those absent from ``request``.

    Each concept is named by its first synonym in the result.
    """
    request_text, answer_text = normalise(request), normalise(answer)
    found, missed, in_request = [], [], []
    for synonyms in concepts:
        if any(synonym_found(synonym, request_text) for synonym in synonyms):
            in_request.append(synonyms[0])
        elif any(synonym_found(synonym, answer_text) for synonym in synonyms):
            found.append(synonyms[0])
        else:
            missed.append(synonyms[0])
    return Coverage(len(found) + len(missed), tuple(found), tuple(missed), tuple(in_request))


NUMBER = re.compile(r"(?<![\w.,])[-\u2212]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")


def numbers_in(text: str) -> list[float]:
    """The numbers written in ``text``: ``1,385``, ``79.33``, ``-2``; placeholder digits ignored."""
    text = PLACEHOLDER_PATTERN.sub(" ", text)
    return [
        float(match.group().replace(",", "").replace("\u2212", "-"))
        for match in NUMBER.finditer(text)
    ]


def number_found(text: str, expected: float, tolerance: float) -> bool:
    return any(abs(value - expected) <= tolerance for value in numbers_in(text))


def numeric_right(answer: str, expected: float, tolerance: float, label: str | None) -> bool:
    """Whether ``answer`` states ``expected`` (in a sentence naming ``label``, when given)."""
    if label is None:
        return number_found(answer, expected, tolerance)
    return any(
        synonym_found(label, normalise(sentence)) and number_found(sentence, expected, tolerance)
        for sentence in re.split(r"(?<=[.!?;])\s+|\n+", answer)
    )


def reference_tags(outputs: dict[str, int]) -> list[str]:
    return [
        f"{modality}{index}" for modality, count in outputs.items() for index in range(1, count + 1)
    ]
