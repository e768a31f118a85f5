"""Parse a model's final answer, and normalise a released ground truth, for each HitEmotion task.

Only the final answer is read, never a word inside the reasoning:

1. ``final_answer_text``: every ``<think>…</think>`` block is removed; then the content of the
   last ``<answer>…</answer>`` when there is one (an ``<answer>`` never closed: everything after
   it); otherwise the rest of the reply (a ``<think>`` never closed hides what follows it).
2. ``parse_answer``: in that text, the answer the task asks for. For a label task it is the label
   on the last non-empty line (alone, or after a short ``Final answer:`` style prefix); failing
   that, the label inside the last well-formed answer object (``{'emotion': 'sad'}``). Structured
   tasks take the last literal of the right shape; EI takes the last numbered list and LR the last
   sentence starting "The audience laughed because". A label outside the task's set is no answer.

An output that yields nothing is ``None`` and counts as wrong (the released evaluators drop it
from the denominator instead; ``unima.eval.hitemotion.scoring`` reports both).

Parsed values are canonical and hashable, so ground truths and predictions compare with ``==``:
a label string in the release's spelling; EBIA an ``(emotion, intent)`` pair; DPTM a frozenset of
techniques; MABSA a frozenset of ``(target, sentiment)``; MQE of 5-tuples; MECPE of
``(utterance, emotion, cause)``; SFA of ``(holder, initial, flipped, trigger)``; EI and LR the
answer text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from unima.errors import InputError
from unima.eval.hitemotion.literals import literals_in, parse_literal
from unima.eval.hitemotion.tasks import FLIP_TRIGGERS, POLARITY, SYNONYMS, Task

ANSWER_BLOCK = re.compile(r"<answer>(.*?)</answer>", re.IGNORECASE | re.DOTALL)
ANSWER_OPEN = re.compile(r"<answer>", re.IGNORECASE)
THINK_BLOCK = re.compile(r"<think>.*?</think>", re.IGNORECASE | re.DOTALL)
THINK_OPEN = re.compile(r"<think>", re.IGNORECASE)
NON_WORD = re.compile(r"[\W_]+")
# A short lead-in before the label on the last line: "Final answer:", "**Emotion**:".
PREFIX_MAX_WORDS = 4
NUMBERED_LINE = re.compile(r"^\s*1\s*[.)]\s+\S", re.MULTILINE)
LAUGHTER_START = re.compile(r"(?:^|(?<=[.!?\n>]))\s*(the audience laughed because\b)", re.I)
IAVE_OPTIONS = re.compile(r"choices directly:\s*(.+?)\s*(?:\n|$)", re.IGNORECASE)
# Keys an answer object may hold its label under when the task names none (HU, SD, IAVE).
GENERIC_KEYS = ("answer", "label", "final_answer", "prediction", "output")


def normalise_text(text: str) -> str:
    """Lower case, every run of punctuation or underscores one space: ``'Very_Positive.'`` ->
    ``'very positive'``."""
    return " ".join(NON_WORD.sub(" ", text.lower()).split())


@dataclass(frozen=True)
class LabelSet:
    """A task's labels (or one item's options) with their synonyms, by normalised spelling."""

    canonical_by_key: dict[str, str]

    @classmethod
    def of(cls, labels: Iterable[str]) -> LabelSet:
        labels = list(labels)
        mapping: dict[str, str] = {}
        for label in labels:
            key = normalise_text(label)
            for synonym in SYNONYMS.get(key, ()):
                mapping.setdefault(normalise_text(synonym), label)
        for label in labels:  # a label's own spelling wins over another label's synonym
            mapping[normalise_text(label)] = label
        return cls(mapping)

    def canonical(self, text: Any) -> str | None:
        """The label ``text`` names, or ``None``."""
        if isinstance(text, bool):
            text = "true" if text else "false"
        if not isinstance(text, str):
            return None
        return self.canonical_by_key.get(normalise_text(text))

    def __bool__(self) -> bool:
        return bool(self.canonical_by_key)


def item_options(task: Task, prompt: str) -> tuple[str, ...]:
    """IAVE's per-item options from its prompt ("... choices directly: A, B, C."); else ``()``."""
    if task.code != "IAVE":
        return ()
    match = IAVE_OPTIONS.search(prompt or "")
    if match is None:
        return ()
    options = [part.strip() for part in match.group(1).rstrip(".").split(",")]
    return tuple(option for option in options if option)


def final_answer_text(output: Any) -> str | None:
    """The part of a reply that holds its final answer (see the module docstring), or ``None``."""
    if not isinstance(output, str):
        return None
    # Reasoning first: an <answer> quoted inside <think> (the format, a draft) is not the answer.
    text = THINK_BLOCK.sub("\n", output)
    blocks = ANSWER_BLOCK.findall(text)
    if blocks:
        text = blocks[-1]
    else:
        opened = list(ANSWER_OPEN.finditer(text))
        if opened:
            text = text[opened[-1].end() :]
        else:
            unclosed = THINK_OPEN.search(text)
            if unclosed:
                text = text[: unclosed.start()]
    text = text.strip()
    return text or None


def parse_answer(task: Task, output: Any, *, options: Sequence[str] = ()) -> Any | None:
    """The canonical final answer of ``output`` for ``task``, or ``None`` when there is none."""
    text = final_answer_text(output)
    if text is None:
        return None
    if task.kind == "numbered_causes":
        return _numbered_causes(text)
    if task.kind == "laughter_reason":
        return _laughter_reason(text)
    if task.kind == "label":
        return _label(task, text, _label_set(task, options))
    values = [value for _, value in literals_in(text)]
    for value in reversed(values):
        parsed = _structured(task, value)
        if parsed is not None:
            return parsed
    return None


def canonical_ground_truth(task: Task, raw: Any, *, options: Sequence[str] = ()) -> Any:
    """A released ground truth (string, literal string, dict, list or tuple) in canonical form.

    Raises:
        InputError: When the ground truth has no usable value for the task.
    """
    value = raw
    if isinstance(raw, str) and raw.strip()[:1] in ("{", "[", "("):
        ok, parsed = parse_literal(raw)
        if ok:
            value = parsed
    if task.kind == "numbered_causes" or task.kind == "laughter_reason":
        text = "\n".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
        if not text.strip():
            raise InputError(f"{task.code}: empty ground truth")
        return text.strip()
    if task.kind == "label":
        labels = _label_set(task, options)
        label = _label_of_object(task, value, labels) if isinstance(value, dict) else None
        if label is None and isinstance(value, str | bool):
            if not labels:  # IAVE without its options: compared as normalised phrases
                label = normalise_text(str(value)) or None
            else:
                label = labels.canonical(value)
                if label is None and isinstance(value, str) and value.strip():
                    # Outside the set: kept, and no parsed answer can ever match it.
                    label = value.strip()
        if label is None:
            raise InputError(f"{task.code}: ground truth {raw!r} names no label")
        return label
    parsed = _structured(task, value)
    if parsed is None:
        raise InputError(f"{task.code}: ground truth {str(raw)[:200]!r} has no usable answer")
    return parsed


def judged_content(task: Task, text: str) -> str:
    """What a judge compares of an EI/LR answer or reference: LR's required opening ("The
    audience laughed because") is format, shared by every answer, so it is cut off."""
    if task.kind == "laughter_reason":
        match = LAUGHTER_START.match(text)
        if match is not None:
            return text[match.end(1) :].strip()
    return text


def _label_set(task: Task, options: Sequence[str]) -> LabelSet:
    return LabelSet.of(options or task.labels)


def _label(task: Task, text: str, labels: LabelSet) -> str | None:
    lines = [line for line in text.splitlines() if line.strip()]
    if lines:
        label = _line_label(lines[-1], labels, free=not labels)
        if label is not None:
            return label
    for _, value in reversed(literals_in(text)):
        label = _label_of_object(task, value, labels)
        if label is not None:
            return label
    return None


def _line_label(line: str, labels: LabelSet, *, free: bool) -> str | None:
    """The label a whole line names, alone or after a short ``Answer:`` lead-in."""
    candidates = [line]
    if ":" in line:
        lead, _, rest = line.rpartition(":")
        if len(normalise_text(lead).split()) <= PREFIX_MAX_WORDS:
            candidates.append(rest)
    for candidate in reversed(candidates):
        if labels:
            label = labels.canonical(candidate)
            if label is not None:
                return label
        elif free and candidate.strip() and len(candidate.split()) <= 8:
            # No set to check against (IAVE without its options): the bare phrase is the answer.
            return normalise_text(candidate) or None
    return None


def _label_of_object(task: Task, value: Any, labels: LabelSet) -> str | None:
    if isinstance(value, bool) and labels:
        return labels.canonical(value)
    if not isinstance(value, dict):
        return None
    keys = (task.answer_key,) if task.answer_key else GENERIC_KEYS
    found = [value[key] for key in keys if key in value]
    if not found and len(value) == 1:
        found = list(value.values())
    for candidate in found:
        if labels:
            label = labels.canonical(candidate)
            if label is not None:
                return label
        elif isinstance(candidate, str) and candidate.strip():
            return normalise_text(candidate)
    return None


def _structured(task: Task, value: Any) -> Any | None:
    if task.kind == "emotion_intent":
        return _emotion_intent(task, value)
    if task.kind == "multi_label":
        return _techniques(task, value)
    if task.kind == "aspect_sentiment":
        return _aspects(value)
    if task.kind == "quintuples":
        return _quintuples(value)
    if task.kind == "cause_pairs":
        return _cause_pairs(task, value)
    if task.kind == "flips":
        return _flips(value)
    raise AssertionError(f"no structured parser for {task.kind}")


def _emotion_intent(task: Task, value: Any) -> tuple[str | None, str | None] | None:
    if not isinstance(value, dict) or not ("emotion" in value or "intent" in value):
        return None
    emotion = LabelSet.of(task.labels).canonical(value.get("emotion"))
    intent = LabelSet.of(task.secondary_labels).canonical(value.get("intent"))
    if emotion is None and intent is None:
        return None
    return (emotion, intent)


def _techniques(task: Task, value: Any) -> frozenset[str] | None:
    if isinstance(value, dict):
        value = value.get(task.answer_key or "techniques")
    elif not value:  # a bare empty list or tuple in prose is no answer; {'techniques': []} is
        return None
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        return None
    labels = LabelSet.of(task.labels)
    # A technique outside the taxonomy is kept (normalised): it is a false positive, not nothing.
    return frozenset(labels.canonical(item) or normalise_text(item) for item in value)


def _aspects(value: Any) -> frozenset[tuple[str, str]] | None:
    if not isinstance(value, dict) or not value:
        return None
    polarity = LabelSet.of(POLARITY)
    pairs = {
        (normalise_text(str(target)), sentiment)
        for target, label in value.items()
        if (sentiment := polarity.canonical(label)) is not None
    }
    return frozenset(pairs) if pairs else None


def _quintuples(value: Any) -> frozenset[tuple[str, ...]] | None:
    if isinstance(value, tuple) and value and not isinstance(value[0], list | tuple):
        value = [value]  # one bare tuple
    if not isinstance(value, list) and not (isinstance(value, tuple) and value):
        return None  # a bare "()" in prose is no answer; "[]" says "no quintuples"
    # The release's ground truths are 6-tuples (a rationale last); the task scores the first 5.
    rows = [row for row in value if isinstance(row, list | tuple) and len(row) >= 5]
    if value and not rows:
        return None
    return frozenset(tuple(normalise_text(str(part)) for part in row[:5]) for row in rows)


def _cause_pairs(task: Task, value: Any) -> frozenset[tuple[str, str, str]] | None:
    if not isinstance(value, dict):
        return None
    emotions = LabelSet.of(task.labels)
    triples: set[tuple[str, str, str]] = set()
    for utterance, entry in value.items():
        if not isinstance(entry, dict):
            return None
        emotion = emotions.canonical(entry.get("emotion"))
        causes = entry.get("cause_utterance_id")
        causes = causes if isinstance(causes, list | tuple) else [causes]
        for cause in causes:
            if emotion is not None and cause is not None and str(cause).strip():
                triples.add((str(utterance).strip(), emotion, str(cause).strip()))
    return frozenset(triples)


def _flips(value: Any) -> frozenset[tuple[str, str, str, str]] | None:
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) and not (isinstance(value, tuple) and value):
        return None
    rows = [row for row in value if isinstance(row, dict) and "holder" in row]
    if value and not rows:
        return None
    polarity = LabelSet.of(POLARITY)
    triggers = LabelSet.of(FLIP_TRIGGERS)
    flips = set()
    for row in rows:
        trigger = row.get("trigger_type")
        flips.add(
            (
                normalise_text(str(row.get("holder", ""))),
                polarity.canonical(row.get("initial_sentiment")) or "",
                polarity.canonical(row.get("flipped_sentiment")) or "",
                triggers.canonical(trigger) or normalise_text(str(trigger or "")),
            )
        )
    return frozenset(flips)


def _numbered_causes(text: str) -> str | None:
    starts = list(NUMBERED_LINE.finditer(text))
    if not starts:
        return None
    return text[starts[-1].start() :].strip()


def _laughter_reason(text: str) -> str | None:
    starts = list(LAUGHTER_START.finditer(text))
    if not starts:
        return None
    return text[starts[-1].start(1) :].strip()
