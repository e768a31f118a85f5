"""The ToM chain from perception alone: cues, a combined hypothesis, the level's steps, a label.

The cues' valence and arousal are averaged, each weighted by its confidence, together with a
weak neutral prior (so no evidence means "neutral", never a guess); the words that name an
emotion also vote for their category. Each option is scored by how close its place in
valence-arousal space (``labels``) is to that point, plus its category's share of the votes;
the best score is the label. Level 2 adds the addressee and a speech-act reading of the intent,
level 3 an appraisal, the strongest cue as the cause, and an incongruity test between what the
words say and what the voice or picture says (sarcasm, humour). Weak, but every step says what
it rests on.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from unima.reasoners.base import RequestView
from unima.reasoners.tom.chain import LABEL_STEP, ToMChain
from unima.reasoners.tom.cues import Cue, perceived_cues, subject_text
from unima.reasoners.tom.labels import normalize_label, prototype
from unima.reasoners.tom.questions import AnswerField, EmotionQuestion
from unima.trace.schema import MentalState

PRIOR_WEIGHT = 0.2
PRIOR_AROUSAL = 0.3
CATEGORY_BONUS = 0.5
# |valence| past this counts as a clear polarity in the incongruity test.
CLEAR_VALENCE = 0.15
INTENTS = (
    (
        "questioning",
        re.compile(r"\?|^\s*(why|what|how|who|where|when|are|is|do|does|did|can)\b", re.I),
    ),
    (
        "suggesting",
        re.compile(r"\b(let's|lets|should|why don't|how about|maybe we|you could)\b", re.I),
    ),
    ("wishing", re.compile(r"\b(hope|wish|good luck|have a (?:nice|good))\b", re.I)),
    ("consoling", re.compile(r"\b(don't worry|it's okay|it'll be|i'm sorry|sorry for)\b", re.I)),
    (
        "encouraging",
        re.compile(r"\b(you can do|come on|go for it|keep going|you got this)\b", re.I),
    ),
    ("agreeing", re.compile(r"\b(yes|yeah|i agree|exactly|right|sure)\b", re.I)),
    ("acknowledging", re.compile(r"\b(ok|okay|i see|got it|alright|thanks|thank you)\b", re.I)),
)
INTENT_PURPOSES = {
    "questioning": "get an answer from the addressee",
    "suggesting": "propose a course of action",
    "wishing": "wish the addressee well",
    "consoling": "comfort the addressee",
    "encouraging": "encourage the addressee",
    "agreeing": "agree with the addressee",
    "acknowledging": "acknowledge what was said",
}
LAUGHTER = re.compile(r"\b(ha(?:ha)+|lol|laugh\w*|joke\w*|kidding)\b", re.I)


@dataclass(frozen=True)
class Hypothesis:
    """The cues combined: a point in valence-arousal space and the category votes."""

    valence: float
    arousal: float
    weight: float
    categories: dict[str, float]
    converge: bool


def offline_chain(view: RequestView, question: EmotionQuestion) -> ToMChain:
    """The level's chain for ``question`` from what perception found in ``view``."""
    level = question.level
    cues = perceived_cues(view, level)
    hypothesis = combine(cues)
    states: list[MentalState] = [cue.state for cue in cues]
    if not cues:
        states.append(
            MentalState(
                level=level,
                step="perceptual_simulation",
                cue="no affect cue",
                modality="combined",
                state="nothing observable signals an emotion",
                confidence=0.1,
            )
        )
    answer: dict[str, str] = {}
    confidences = []
    incongruity = incongruity_test(cues)
    for field in question.fields:
        value, confidence = choose(field, hypothesis, cues, incongruity, question, view)
        answer[field.name] = value
        confidences.append(confidence)
    confidence = min(confidences) if confidences else 0.1
    described = describe(hypothesis)
    states.append(_hypothesis_state(level, hypothesis, described, len(cues)))
    main = next(iter(answer.values()), "")
    if level in (1, 2):
        states.append(
            _state(
                level,
                "perspective_taking",
                "the subject's own here-and-now view",
                f"most plausible state for the subject now: {main}",
                confidence,
            )
        )
    if level == 2:
        states += _relational_states(level, view, answer, confidence)
    if level == 3:
        states += _causal_states(level, hypothesis, cues, incongruity, described)
    states.append(
        _state(
            level, LABEL_STEP, "the options the question lists", _answer_words(answer), confidence
        )
    )
    return ToMChain(level, tuple(states), answer, round(confidence, 3), "perception")


def combine(cues: list[Cue]) -> Hypothesis:
    weight = PRIOR_WEIGHT
    valence_sum = 0.0
    arousal_sum = PRIOR_AROUSAL * PRIOR_WEIGHT
    categories: dict[str, float] = {}
    signs = set()
    for cue in cues:
        state = cue.state
        if state.valence is None or state.arousal is None:
            continue
        weight += state.confidence
        valence_sum += state.valence * state.confidence
        arousal_sum += state.arousal * state.confidence
        if abs(state.valence) >= CLEAR_VALENCE:
            signs.add(state.valence > 0)
        if cue.category:
            categories[cue.category] = categories.get(cue.category, 0.0) + state.confidence
    return Hypothesis(
        valence=round(valence_sum / weight, 3),
        arousal=round(arousal_sum / weight, 3),
        weight=round(weight - PRIOR_WEIGHT, 3),
        categories=categories,
        converge=len(signs) <= 1,
    )


def score_options(options: tuple[str, ...], hypothesis: Hypothesis) -> list[tuple[float, str]]:
    """Each option's score, best first (ties keep the question's order)."""
    votes = sum(hypothesis.categories.values())
    scored = []
    for position, option in enumerate(options):
        place = prototype(option)
        if place is None:
            score = -1.5  # a label the map does not know is chosen only when nothing else is
        else:
            distance = math.hypot(
                hypothesis.valence - place.valence, hypothesis.arousal - place.arousal
            )
            share = hypothesis.categories.get(place.category, 0.0) / votes if votes else 0.0
            score = -distance + CATEGORY_BONUS * share
        scored.append((score, -position, option))
    scored.sort(reverse=True)
    return [(score, option) for score, _, option in scored]


def choose(
    field: AnswerField,
    hypothesis: Hypothesis,
    cues: list[Cue],
    incongruity: tuple[bool, str],
    question: EmotionQuestion,
    view: RequestView,
) -> tuple[str, float]:
    """The value of one field and how sure it is."""
    options = field.options
    normalized = {normalize_label(option) for option in options}
    evidence = hypothesis.weight / (hypothesis.weight + 1.0)
    if normalized == {"true", "false"}:
        incongruous, _ = incongruity
        laughing = bool(LAUGHTER.search(subject_text(question.text)))
        humour = re.search(r"humou?r|funny|laugh", question.text, re.I) is not None
        verdict = incongruous or (humour and laughing)
        wanted = "true" if verdict else "false"
        chosen = next(option for option in options if normalize_label(option) == wanted)
        return chosen, 0.55 if verdict else 0.5
    if field.name == "intent" and options:
        return _intent(options, view), 0.4
    if options:
        ranked = score_options(options, hypothesis)
        best = ranked[0]
        margin = best[0] - ranked[1][0] if len(ranked) > 1 else 0.5
        return best[1], round(min(0.95, 0.2 + 0.5 * evidence + 0.5 * min(margin, 0.5)), 3)
    return _open_answer(field, hypothesis, cues, question), round(0.2 + 0.3 * evidence, 3)


def incongruity_test(cues: list[Cue]) -> tuple[bool, str]:
    """Whether the words and the voice or picture point opposite ways (or the words do)."""
    words = [cue.state.valence or 0.0 for cue in cues if cue.state.cue.endswith("affect word")]
    other = [cue.state.valence or 0.0 for cue in cues if not cue.state.cue.endswith("affect word")]
    said = sum(words) / len(words) if words else 0.0
    shown = sum(other) / len(other) if other else 0.0
    if abs(said) >= CLEAR_VALENCE and abs(shown) >= CLEAR_VALENCE and (said > 0) != (shown > 0):
        return True, f"the words read {_polarity(said)} but the delivery reads {_polarity(shown)}"
    if any(v >= CLEAR_VALENCE for v in words) and any(v <= -CLEAR_VALENCE for v in words):
        return True, "the words mix pleasant and unpleasant terms"
    return False, "the words and the delivery do not contradict each other"


def describe(hypothesis: Hypothesis) -> str:
    pleasant = (
        "pleasant"
        if hypothesis.valence > 0.1
        else "unpleasant"
        if hypothesis.valence < -0.1
        else "neutral"
    )
    aroused = (
        "high" if hypothesis.arousal >= 0.6 else "low" if hypothesis.arousal < 0.3 else "moderate"
    )
    return f"{pleasant} (valence {hypothesis.valence:+.2f}), {aroused} arousal ({hypothesis.arousal:.2f})"


def _hypothesis_state(
    level: int, hypothesis: Hypothesis, described: str, count: int
) -> MentalState:
    step = "appraisal" if level == 3 else "mental_state_hypothesis"
    agreement = "the cues converge" if hypothesis.converge else "the cues diverge"
    top = max(hypothesis.categories, key=hypothesis.categories.__getitem__, default="")
    named = f"; words name {top}" if top else ""
    if level == 3:
        state = f"{_appraisal(hypothesis)}: {described}"
    else:
        state = f"{described}; {agreement}{named}"
    return MentalState(
        level=level,
        step=step,
        cue=f"{count} cue(s) weighted by confidence",
        modality="combined",
        state=state,
        confidence=round(min(0.9, 0.15 + hypothesis.weight / (hypothesis.weight + 1.5)), 3),
        valence=max(-1.0, min(1.0, hypothesis.valence)),
        arousal=max(0.0, min(1.0, hypothesis.arousal)),
    )


def _appraisal(hypothesis: Hypothesis) -> str:
    if hypothesis.valence < -0.1:
        return "goal obstruction or threat" if hypothesis.arousal >= 0.5 else "loss"
    if hypothesis.valence > 0.1:
        return "goal congruence"
    return "no strong appraisal"


def _relational_states(
    level: int, view: RequestView, answer: dict[str, str], confidence: float
) -> list[MentalState]:
    said = subject_text(view.request.text)
    second_person = re.search(r"\byou(?:r|rs)?\b", said, re.I)
    target = "the addressee ('you')" if second_person else "the audience or the topic spoken of"
    intent = answer.get("intent") or _intent((*INTENT_PURPOSES, "neutral"), view)
    purpose = INTENT_PURPOSES.get(normalize_label(intent))
    return [
        _state(level, "directed_at", said[:120] or "no quoted words", f"directed at {target}", 0.3),
        _state(
            level,
            "communicative_intent",
            "speech-act markers in the words",
            f"{intent}: meant to {purpose}" if purpose else "no clear intent toward the addressee",
            min(confidence, 0.4),
        ),
    ]


def _causal_states(
    level: int,
    hypothesis: Hypothesis,
    cues: list[Cue],
    incongruity: tuple[bool, str],
    described: str,
) -> list[MentalState]:
    strongest = max(
        cues, key=lambda cue: cue.state.confidence * abs(cue.state.valence or 0.0), default=None
    )
    if strongest is not None and strongest.state.valence:
        cause = _state(
            level,
            "causal_attribution",
            strongest.state.cue,
            f"the strongest cause of the {described.split(' (')[0]} state: "
            f"{strongest.state.evidence or strongest.state.state}",
            strongest.state.confidence,
            modality=strongest.state.modality,
        )
    else:
        cause = _state(level, "causal_attribution", "no cue", "no cause stands out", 0.1)
    incongruous, why = incongruity
    second = _state(
        level,
        "second_order",
        "incongruity-reversal test",
        (
            "the audience would read a reversed, non-literal meaning: "
            if incongruous
            else "a literal reading: "
        )
        + why,
        0.5 if incongruous else 0.4,
    )
    return [cause, second]


def _intent(options: tuple[str, ...], view: RequestView) -> str:
    """The first speech act whose markers the subject's words carry, among ``options``."""
    said = subject_text(view.request.text) or " ".join(
        part.text or "" for part in view.request.parts if part.modality == "text"
    )
    for intent, pattern in INTENTS:
        if pattern.search(said):
            match = next((option for option in options if normalize_label(option) == intent), None)
            if match is not None:
                return match
    return next((option for option in options if normalize_label(option) == "neutral"), options[-1])


def _open_answer(
    field: AnswerField, hypothesis: Hypothesis, cues: list[Cue], question: EmotionQuestion
) -> str:
    """An answer to a question without options: the shape it asks for, from the cues."""
    ranked = sorted(
        cues, key=lambda cue: cue.state.confidence * abs(cue.state.valence or 0.0), reverse=True
    )
    reasons = [f'"{cue.state.evidence or cue.state.cue}": {cue.state.state}' for cue in ranked[:3]]
    if question.shape == "sentence":
        if not ranked:
            return "The audience laughed because of the delivery; no single cue stands out."
        top = ranked[0].state
        return f'The audience laughed because of "{top.evidence or top.cue}", where {top.state}.'

    if question.shape == "numbered":
        return "\n".join(
            f"{index}. {reason}" for index, reason in enumerate(reasons or ["no visible cause"], 1)
        )
    if question.shape == "list":
        # Tuples, flips and techniques need more than cues can give: an honest empty list.
        if field.name == "object":
            return "{}"
        return "[]" if field.name == "items" else f"{{'{field.name}': []}}"
    return describe(hypothesis)


def _answer_words(answer: dict[str, str]) -> str:
    if len(answer) == 1:
        return next(iter(answer.values()))
    return ", ".join(f"{name}: {value}" for name, value in answer.items())


def _polarity(valence: float) -> str:
    return "pleasant" if valence > 0 else "unpleasant"


def _state(
    level: int, step: str, cue: str, state: str, confidence: float, *, modality: str = "combined"
) -> MentalState:
    return MentalState(
        level=level,
        step=step,
        cue=cue,
        modality=modality,
        state=state,
        confidence=round(max(0.0, min(1.0, confidence)), 3),
    )
