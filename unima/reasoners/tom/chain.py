"""The ToM chain of each level, the chain a question got, and its ``<think>/<answer>`` text.

The steps follow HitEmotion's released prompts (issue 14 and its reference
notes): level 1 is first-order attribution (perceptual simulation, a mental-state hypothesis,
perspective-taking, the label); level 2 adds how the state is directed at an entity or
audience and the intent it serves; level 3 replaces them with appraisal, causal attribution
and second-order reasoning. The answer is written the way the released GRPO code reads it:
``<think>...</think><answer>...</answer>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from unima.reasoners.tom.questions import EmotionQuestion
from unima.trace.schema import MentalState

LABEL_STEP = "label"
LEVEL_STEPS: dict[int, tuple[str, ...]] = {
    1: ("perceptual_simulation", "mental_state_hypothesis", "perspective_taking", LABEL_STEP),
    2: (
        "perceptual_simulation",
        "mental_state_hypothesis",
        "perspective_taking",
        "directed_at",
        "communicative_intent",
        LABEL_STEP,
    ),
    3: ("perceptual_simulation", "appraisal", "causal_attribution", "second_order", LABEL_STEP),
}
STEP_TITLES = {
    "perceptual_simulation": "Perceptual simulation",
    "mental_state_hypothesis": "Mental-state hypothesis",
    "perspective_taking": "Perspective-taking",
    "directed_at": "Directed at",
    "communicative_intent": "Communicative intent",
    "appraisal": "Appraisal",
    "causal_attribution": "Causal attribution",
    "second_order": "Second-order reasoning",
    LABEL_STEP: "Label",
}
# What each step asks, for the model's prompt.
STEP_QUESTIONS = {
    "perceptual_simulation": "each observable cue (words, prosody, face, colours, on-screen "
    "text) as outward evidence of an inner state, one entry per cue",
    "mental_state_hypothesis": "the first-order state the cues together suggest; say whether "
    "they converge or diverge",
    "perspective_taking": "the single most plausible here-and-now state from the subject's own "
    "perspective (not the viewer's reaction, not a stable trait)",
    "directed_at": "who or what the state is about or aimed at: an addressee, the audience, a "
    "target entity",
    "communicative_intent": "what the subject means to achieve with it toward that addressee "
    "or audience",
    "appraisal": "how the subject (or the viewer or audience the question names) appraises the "
    "situation: goal congruence or obstruction, threat, blame, loss, norm violation, control",
    "causal_attribution": "the event, utterance or cue that causes that appraisal and so the "
    "emotion",
    "second_order": "what one mind makes of another's: the audience's or viewer's reading, or "
    "whether the speaker means the literal words (incongruity and reversal)",
}


@dataclass(frozen=True)
class ToMChain:
    """The chain one question got.

    Attributes:
        level: the question's level.
        states: every mental state recorded, in chain order (cues first).
        answer: the value of each of the question's fields (``{"emotion": "sad"}``).
        confidence: how sure the chain is of the answer, 0 to 1.
        source: ``model`` (a checked chat-model reply) or ``perception`` (offline).
    """

    level: int
    states: tuple[MentalState, ...]
    answer: dict[str, str]
    confidence: float
    source: Literal["model", "perception"]


def think_text(chain: ToMChain) -> str:
    """The chain in words, one line per step, the cues of perceptual simulation listed."""
    lines = []
    for state in chain.states:
        title = STEP_TITLES.get(state.step, state.step.replace("_", " ").capitalize())
        where = f" [{state.modality}]" if state.modality else ""
        evidence = f' ("{_one_line(state.evidence)}")' if state.evidence else ""
        cue = f"{_one_line(state.cue)}{evidence} -> " if state.cue else ""
        lines.append(
            f"{title}{where}: {cue}{_one_line(state.state)} (confidence {state.confidence:.2f})"
        )
    return "\n".join(lines)


def answer_text(question: EmotionQuestion, answer: dict[str, str]) -> str:
    """The answer in the form the question asks for."""
    names = [field.name for field in question.fields]
    if question.shape == "template":
        return "{" + ", ".join(f"{name!r}: {answer.get(name, '')!r}" for name in names) + "}"
    if len(names) == 1:
        return answer.get(names[0], "")
    return "; ".join(f"{name}: {answer.get(name, '')}" for name in names)


def format_answer(question: EmotionQuestion, chain: ToMChain) -> str:
    """``<think>the chain</think><answer>the answer</answer>``."""
    return f"<think>\n{think_text(chain)}\n</think>\n<answer>{answer_text(question, chain.answer)}</answer>"


def _one_line(text: str) -> str:
    # The think block must not close early or open an answer of its own.
    flat = " ".join(text.split())
    return (
        flat.replace("</think>", "[/think]")
        .replace("<answer>", "[answer]")
        .replace("</answer>", "[/answer]")
    )
