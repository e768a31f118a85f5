"""What the guided reasoner says when the model's answer is unusable, and the shared wording.

The heuristic's plan content is its answer body (a paraphrase of the request, what the inputs
hold, the analysis, key points), the sentences placing the placeholders, and a note. Only the
parts that carry facts are an answer; when there are none, the fallback says so in one honest
sentence rather than restating the request.
"""

from __future__ import annotations

from unima.reasoners.base import RequestView
from unima.reasoners.heuristic.reasoner import is_heuristic_note
from unima.reasoners.heuristic.text_tools import (
    key_terms,
    shorten,
    split_sentences,
    strip_placeholders,
)
from unima.types import PLACEHOLDER_PATTERN, Caption, Plan

# A fallback diagram draws this many of the answer's key terms, with its first sentences as notes.
FALLBACK_LABELS = 5
FALLBACK_NOTES = 2
FALLBACK_NOTE = (
    "(The language model's answer could not be used, so this text comes from unima's offline "
    "heuristic reasoner.)"
)


def fallback_answer(skeleton: Plan, caption: Caption, view: RequestView) -> str:
    """The heuristic's factual paragraphs, or one sentence saying no answer could be given."""
    has_prose = any(perception.text.strip() for perception in view.perceptions.values())
    kept = []
    for paragraph in skeleton.content.split("\n\n"):
        paragraph = paragraph.strip()
        if (
            not paragraph
            or paragraph == caption.paraphrase.strip()
            or is_heuristic_note(paragraph)
            or PLACEHOLDER_PATTERN.search(paragraph)
            # Without input text the heuristic's key points are the request's own clauses.
            or (paragraph.startswith("Key points:") and not has_prose)
        ):
            continue
        kept.append(strip_placeholders(paragraph))
    if kept:
        return "\n\n".join(kept)
    where = (
        "the inputs hold nothing that answers it"
        if view.request.parts
        else "there were no inputs to draw on"
    )
    return (
        f"No answer about {caption.topic or 'this question'} could be written here: the language "
        f"model's replies were unusable and {where}."
    )


def placement_sentence(tag: str, spec: str) -> str:
    """The sentence that places ``<tag>`` in the content, the way the heuristic does."""
    spec = strip_placeholders(spec).strip() or "the requested item."
    return f"<{tag}> is {spec[0].lower()}{spec[1:]}"


def answer_diagram(answer: str, question: str) -> tuple[list[str], list[str]]:
    """Labels and notes for a diagram drawn from ``answer`` when the model's diagram failed.

    The labels are the answer's most frequent key terms that the question does not already
    say (a diagram of the question's own words shows nothing the answer adds), the notes its
    first sentences. Empty when the answer adds fewer than two terms: the heuristic's diagram
    is kept then.
    """
    asked = set(key_terms(question, 50))
    terms = [term for term in key_terms(answer, 4 * FALLBACK_LABELS) if term not in asked]
    if len(terms) < 2:
        return [], []
    notes = [shorten(sentence, 110) for sentence in split_sentences(strip_placeholders(answer))]
    return [term.title() for term in terms[:FALLBACK_LABELS]], notes[:FALLBACK_NOTES]
