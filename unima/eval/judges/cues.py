"""Structural and lexical cues the proxy judge scores coherence (HC) and style (SH) with.

Every cue is a number in [0, 1], computed from the raw response text (with its ``<tagN>``
placeholders), the items' dense captions and the request. They are deterministic and need no
model. Definitions (also in docs/metrics.md):

Holistic coherence (HC), weights in ``HC_WEIGHTS``:
- ``binding``: placed tags bound to a present item, over all tags placed or bound
  (``|T ∩ P| / |T ∪ I|``); dangling placeholders and unplaced items both lower it.
- ``integration``: share of placed tags whose sentence has at least 4 words of prose, i.e. the
  item is woven into the text rather than dumped.
- ``grounding``: per placed, present item, the content words its caption shares with the
  prose around it (its sentence and the neighbours), 2 shared words or more = 1; an item whose
  caption has no informative word counts 0.5, a missing item 0.
- ``request``: share of the request's content words the prose uses, saturating at 40 %.
- ``order``: share of consecutive same-modality placeholders whose numbers ascend.

Stylistic harmony (SH), weights in ``SH_WEIGHTS``:
- ``rhythm``: ``1.25 - cv`` of the sentence lengths (clipped to [0, 1]; 0.5 for one sentence).
- ``register``: ``1 - 2 * minority share`` of sentences with informal markers (``!!``, ``lol``,
  ``gonna``, emoticons) against plain sentences: one register throughout scores 1.
- ``cohesion``: mean content-word Jaccard overlap of adjacent sentences, saturating at 0.15
  (0.5 for one sentence).
- ``presentation``: share of placeholders introduced the dominant way (inline in a sentence or
  on a line of their own).
- ``hygiene``: share of placed tags bound to a present item (broken references break the
  reading).

A response without prose gets every cue 0. The visual style of the items themselves is not
compared (no pixels are read): the proxy sees media only through their captions.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections.abc import Iterable
from typing import Any

from unima.types import PLACEHOLDER_PATTERN

HC_WEIGHTS: dict[str, float] = {
    "binding": 0.30,
    "integration": 0.15,
    "grounding": 0.20,
    "request": 0.20,
    "order": 0.15,
}
SH_WEIGHTS: dict[str, float] = {
    "rhythm": 0.20,
    "register": 0.20,
    "cohesion": 0.15,
    "presentation": 0.15,
    "hygiene": 0.30,
}
# Rhythm and cohesion compare sentences: one sentence gives no evidence either way.
SINGLE_SENTENCE = 0.5

WORD_PATTERN = re.compile(r"[a-z][a-z0-9'\-]*")
SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")
INFORMAL_PATTERN = re.compile(
    r"!!|\?\?|\b(?:lol|lmao|omg|gonna|wanna|btw|u|ur|r|kinda|sooo+|yay|wow)\b|[:;]-?[)(dp](?!\w)",
    re.IGNORECASE,
)
# Function words, plus words every perception caption or request template uses: they say
# nothing about content, so they must not count as shared topic words.
STOPWORDS = frozenset(
    """a about above after again all also an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers him his how i if in into is it its itself just me more
    most my no nor not of off on once only or other our out over own same she should so some
    such than that the their them then there these they this those through to too under until
    up very was we were what when where which while who whom why will with would you your
    shown shows show one two three first second answer include includes including ensure must
    response explain describe image images audio video document code clip file item items
    diagram picture photo mostly read text ocr png jpg jpeg rgb rgba mp3 wav mp4 pdf seconds
    second duration frames frame size pixels width height page pages mesh vertices faces
    format content language""".split()
)


def prose_of(content: str) -> str:
    """The response text without its placeholders."""
    return " ".join(PLACEHOLDER_PATTERN.sub(" ", content).split())


def words(text: str) -> list[str]:
    return WORD_PATTERN.findall(text.lower())


def content_words(text: str) -> set[str]:
    return {word for word in words(text) if len(word) >= 3 and word not in STOPWORDS}


def sentences(content: str) -> list[str]:
    return [part.strip() for part in SENTENCE_SPLIT.split(content) if part.strip()]


def placed_tags(content: str) -> list[str]:
    """Distinct placeholder tags in order of first appearance."""
    seen: dict[str, None] = {}
    for match in PLACEHOLDER_PATTERN.finditer(content):
        seen.setdefault(f"{match.group(1)}{match.group(2)}", None)
    return list(seen)


def weighted(cues: dict[str, float], weights: dict[str, float]) -> float:
    return sum(weights[name] * cues[name] for name in weights) / sum(weights.values())


def coherence_cues(payload: dict[str, Any]) -> dict[str, float]:
    """The HC cues of a ``coherence`` payload (see the module docstring)."""
    content = str(payload.get("content", ""))
    items = _items(payload)
    prose = prose_of(content)
    if not words(prose):
        return dict.fromkeys(HC_WEIGHTS, 0.0)
    tags = placed_tags(content)
    present = {tag for tag, item in items.items() if item.get("present")}
    bound_or_placed = set(tags) | set(items)
    binding = len(set(tags) & present) / len(bound_or_placed) if bound_or_placed else 1.0
    text_sentences = sentences(content)
    integration = _share(
        len(words(prose_of(_sentence_with(tag, text_sentences)))) >= 4 for tag in tags
    )
    grounding_values = []
    for tag in tags:
        if tag not in present:
            grounding_values.append(0.0)
            continue
        caption_words = content_words(str(items[tag].get("caption", "")))
        if not caption_words:
            grounding_values.append(0.5)
            continue
        shared = caption_words & content_words(_window(tag, text_sentences))
        grounding_values.append(min(1.0, len(shared) / 2))
    grounding = statistics.fmean(grounding_values) if grounding_values else 1.0
    request_words = content_words(PLACEHOLDER_PATTERN.sub(" ", str(payload.get("request", ""))))
    request = (
        min(1.0, len(request_words & content_words(prose)) / len(request_words) / 0.4)
        if request_words
        else 1.0
    )
    return _rounded(
        {
            "binding": binding,
            "integration": integration,
            "grounding": grounding,
            "request": request,
            "order": _order(tags),
        }
    )


def style_cues(payload: dict[str, Any]) -> dict[str, float]:
    """The SH cues of a ``style`` payload (see the module docstring)."""
    content = str(payload.get("content", ""))
    items = _items(payload)
    if not words(prose_of(content)):
        return dict.fromkeys(SH_WEIGHTS, 0.0)
    text_sentences = [s for s in sentences(content) if words(prose_of(s))]
    lengths = [len(words(prose_of(sentence))) for sentence in text_sentences]
    rhythm = SINGLE_SENTENCE
    if len(lengths) >= 2:
        variation = statistics.pstdev(lengths) / statistics.fmean(lengths)
        rhythm = min(1.0, max(0.0, 1.25 - variation))
    informal = sum(1 for sentence in text_sentences if INFORMAL_PATTERN.search(sentence))
    register = 1.0 - 2.0 * min(informal, len(text_sentences) - informal) / len(text_sentences)
    overlaps = [
        _jaccard(content_words(first), content_words(second))
        for first, second in itertools.pairwise(text_sentences)
    ]
    cohesion = min(1.0, statistics.fmean(overlaps) / 0.15) if overlaps else SINGLE_SENTENCE
    styles = [_placement_style(tag, content) for tag in placed_tags(content)]
    presentation = (
        max(styles.count("inline"), styles.count("standalone")) / len(styles) if styles else 1.0
    )
    tags = placed_tags(content)
    present = {tag for tag, item in items.items() if item.get("present")}
    hygiene = _share(tag in present for tag in tags)
    return _rounded(
        {
            "rhythm": rhythm,
            "register": register,
            "cohesion": cohesion,
            "presentation": presentation,
            "hygiene": hygiene,
        }
    )


def _items(payload: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {str(item["tag"]): item for item in payload.get("items", []) if "tag" in item}


def _share(flags: Iterable[bool]) -> float:
    values = list(flags)
    return sum(values) / len(values) if values else 1.0


def _sentence_with(tag: str, text_sentences: list[str]) -> str:
    return next((sentence for sentence in text_sentences if f"<{tag}>" in sentence), "")


def _window(tag: str, text_sentences: list[str]) -> str:
    for index, sentence in enumerate(text_sentences):
        if f"<{tag}>" in sentence:
            return " ".join(text_sentences[max(0, index - 1) : index + 2])
    return ""


def _order(tags: list[str]) -> float:
    by_modality: dict[str, list[int]] = {}
    for tag in tags:
        match = PLACEHOLDER_PATTERN.fullmatch(f"<{tag}>")
        if match:
            by_modality.setdefault(match.group(1), []).append(int(match.group(2)))
    pairs = [
        later > earlier
        for numbers in by_modality.values()
        for earlier, later in itertools.pairwise(numbers)
    ]
    return _share(pairs)


def _placement_style(tag: str, content: str) -> str:
    for line in content.splitlines():
        if f"<{tag}>" in line:
            return "inline" if words(prose_of(line)) else "standalone"
    return "inline"


def _jaccard(first: set[str], second: set[str]) -> float:
    union = first | second
    return len(first & second) / len(union) if union else 0.0


def _rounded(cues: dict[str, float]) -> dict[str, float]:
    return {name: round(value, 4) for name, value in cues.items()}
