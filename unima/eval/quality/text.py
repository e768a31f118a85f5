"""No-reference text quality: well-formedness (method ``well-formedness``).

The released code asks gpt-5-mini for clarity, coherence and style (unim.md §2.1); offline, this
scorer measures what can be measured without a model (placeholders such as ``<image1>`` are
removed first):

- length: ``words / 15``, capped at 1 (a one-line answer is thin, a paragraph is enough).
- repetition: distinct-3, the share of distinct word trigrams (Li et al., "A diversity-promoting
  objective function for neural conversation models", NAACL 2016); mapped ``(d - 0.4) / 0.5``,
  so degenerate loops score 0 and ordinary prose (d > 0.9) 1.
- structure: the share of sentences that start with a capital, digit, quote or bracket and hold
  2 to 60 words, times 0.8, plus 0.2 when the text ends with terminal punctuation.
- readability: Flesch Reading Ease (Flesch, "A new readability yardstick", J. Appl. Psychol.
  32(3), 1948), ``206.835 - 1.015 words/sentence - 84.6 syllables/word`` with syllables counted
  as vowel groups; mapped ``(FRE + 10) / 50`` (technical prose near 30-50 scores 0.8-1, word
  salad below -10 scores 0). Left out for text that is mostly not Latin script, where the
  formula does not apply.
- charset: the share of printable characters other than U+FFFD; below 90 % scores 0 (mojibake).

Weights: length 0.15, repetition 0.30, structure 0.25, readability 0.20, charset 0.10. Empty
text scores 0.
"""

from __future__ import annotations

import re
from typing import Any

from unima.eval.quality.common import clamp, combine, failed_value, quality_value
from unima.eval.records import MetricValue
from unima.types import PLACEHOLDER_PATTERN

METHOD = "well-formedness"
WEIGHTS = {
    "length": 0.15,
    "repetition": 0.30,
    "structure": 0.25,
    "readability": 0.20,
    "charset": 0.10,
}
MAX_CHARACTERS = 200_000
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?|\d+(?:[.,]\d+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+|\n\s*\n")
_VOWEL_GROUP = re.compile(r"[aeiouy]+")
_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")
_LETTER = re.compile(r"[^\W\d_]")
_SENTENCE_START = re.compile(r"^[\W_]*?[A-Z0-9\u00C0-\u00DE\"'“‘(\[*#-]|^[^\x00-\x7F]")


def syllables(word: str) -> int:
    """Vowel groups of an English word, less a silent final ``e``; at least one."""
    lowered = word.lower()
    count = len(_VOWEL_GROUP.findall(lowered))
    if lowered.endswith("e") and not lowered.endswith(("le", "ee")) and count > 1:
        count -= 1
    return max(1, count)


def distinct_trigram_ratio(words: list[str]) -> float:
    """distinct-3: distinct word trigrams over all trigrams (1 for fewer than three words)."""
    trigrams = [tuple(words[index : index + 3]) for index in range(len(words) - 2)]
    return len(set(trigrams)) / len(trigrams) if trigrams else 1.0


def flesch_reading_ease(words: list[str], sentence_count: int) -> float:
    """Flesch Reading Ease (1948) of ``words`` spread over ``sentence_count`` sentences."""
    total_syllables = sum(syllables(word) for word in words if not word[0].isdigit())
    return (
        206.835
        - 1.015 * len(words) / max(sentence_count, 1)
        - 84.6 * total_syllables / max(len(words), 1)
    )


def assess_text(text: str) -> tuple[dict[str, float | None], dict[str, Any]]:
    """Sub-scores (0-1) and measurements of ``text`` (placeholders already removed)."""
    words = [word.lower() for word in _WORD.findall(text)]
    sentences = [part.strip() for part in _SENTENCE_END.split(text) if part and part.strip()]
    well_formed = 0
    for sentence in sentences:
        count = len(_WORD.findall(sentence))
        if 2 <= count <= 60 and _SENTENCE_START.match(sentence):
            well_formed += 1
    ending = text.rstrip().endswith((".", "!", "?", "。", "！", "？", ")", '"', "”", ":"))
    structure = 0.8 * (well_formed / len(sentences) if sentences else 0.0) + 0.2 * ending
    distinct = distinct_trigram_ratio(words)
    letters = _LETTER.findall(text)
    latin_share = len(_LATIN.findall(text)) / len(letters) if letters else 0.0
    reading_ease = flesch_reading_ease(words, len(sentences)) if words else None
    printable = sum(
        1 for char in text if (char.isprintable() or char.isspace()) and char != "\ufffd"
    )
    printable_share = printable / len(text) if text else 0.0
    subscores: dict[str, float | None] = {
        "length": clamp(len(words) / 15.0),
        "repetition": clamp((distinct - 0.4) / 0.5),
        "structure": structure,
        "readability": (
            clamp((reading_ease + 10.0) / 50.0)
            if reading_ease is not None and latin_share >= 0.5
            else None
        ),
        "charset": clamp((printable_share - 0.9) / 0.1),
    }
    measurements: dict[str, Any] = {
        "words": len(words),
        "sentences": len(sentences),
        "distinct_3": distinct,
        "flesch_reading_ease": reading_ease,
        "latin_share": latin_share,
        "printable_share": printable_share,
    }
    return subscores, measurements


def score_text(text: str, *, modality: str = "text") -> MetricValue:
    """GQ of a text: ``gq:text/well-formedness``; empty text scores 0."""
    cleaned = PLACEHOLDER_PATTERN.sub(" ", text[:MAX_CHARACTERS]).strip()
    if not _WORD.search(cleaned):
        return failed_value(modality, METHOD, "the text is empty (no words besides placeholders)")
    subscores, measurements = assess_text(cleaned)
    return quality_value(
        modality,
        METHOD,
        combine(subscores, WEIGHTS),
        subscores=subscores,
        weights=WEIGHTS,
        measurements=measurements,
    )
