"""Where emotion labels sit in valence-arousal space, so evidence can choose among any options.

Each known label is a point (valence from -1 unpleasant to 1 pleasant, arousal from 0 calm to
1 excited) and a category (``joy``, ``anger`` ...), placed after Russell's circumplex model of
affect (Russell 1980, "A circumplex model of affect") by hand; graded labels ("Strong
Negative", "weak positive", "very_positive") take their valence from the grade word. This is a
coarse map for the offline baseline, not a measurement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Prototype:
    """A label's place: valence (-1..1), arousal (0..1) and its basic category, if any."""

    valence: float
    arousal: float
    category: str = ""


PROTOTYPES: dict[str, Prototype] = {
    "positive": Prototype(0.6, 0.5, "positive"),
    "negative": Prototype(-0.6, 0.5, "negative"),
    "neutral": Prototype(0.0, 0.3, "neutral"),
    "calm": Prototype(0.3, 0.1, "calm"),
    "happy": Prototype(0.8, 0.6, "joy"),
    "happiness": Prototype(0.8, 0.6, "joy"),
    "joy": Prototype(0.8, 0.6, "joy"),
    "amusement": Prototype(0.7, 0.6, "joy"),
    "excitement": Prototype(0.8, 0.9, "joy"),
    "contentment": Prototype(0.6, 0.2, "joy"),
    "tenderness": Prototype(0.6, 0.25, "love"),
    "awe": Prototype(0.5, 0.7, "surprise"),
    "surprise": Prototype(0.1, 0.9, "surprise"),
    "surprised": Prototype(0.1, 0.9, "surprise"),
    "sad": Prototype(-0.7, 0.2, "sadness"),
    "sadness": Prototype(-0.7, 0.2, "sadness"),
    "angry": Prototype(-0.7, 0.9, "anger"),
    "anger": Prototype(-0.7, 0.9, "anger"),
    "fear": Prototype(-0.7, 0.8, "fear"),
    "fearful": Prototype(-0.7, 0.8, "fear"),
    "worried": Prototype(-0.5, 0.6, "fear"),
    "disgust": Prototype(-0.7, 0.5, "disgust"),
    "disgusted": Prototype(-0.7, 0.5, "disgust"),
}
GRADES = {
    "very": 0.9,
    "strong": 0.9,
    "strongly": 0.9,
    "moderate": 0.6,
    "moderately": 0.6,
    "slight": 0.25,
    "slightly": 0.25,
    "weak": 0.3,
    "weakly": 0.3,
}


def normalize_label(label: str) -> str:
    """``"Strong_Negative "`` -> ``"strong negative"``: how labels are compared."""
    return " ".join(re.sub(r"[_\-]+", " ", label).lower().split())


def prototype(label: str) -> Prototype | None:
    """Where ``label`` sits, or ``None`` for a label the map does not know."""
    name = normalize_label(label)
    if name in PROTOTYPES:
        return PROTOTYPES[name]
    words = name.split()
    if len(words) == 2 and words[0] in GRADES and words[1] in ("positive", "negative"):
        sign = 1.0 if words[1] == "positive" else -1.0
        grade = GRADES[words[0]]
        return Prototype(sign * grade, 0.3 + 0.6 * grade, words[1])
    return None


def is_affect_label(label: str) -> bool:
    return prototype(label) is not None


def same_label(first: str, second: str) -> bool:
    return normalize_label(first) == normalize_label(second)


def match_option(value: str, options: tuple[str, ...]) -> str | None:
    """The option ``value`` names (ignoring case, spaces and underscores), or ``None``."""
    return next((option for option in options if same_label(option, value)), None)
