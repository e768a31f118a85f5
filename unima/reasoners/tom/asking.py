"""The ToM chain asked of a chat model: one structured reply per question, checked.

The level's prompt (``unima/prompts/tom_level{1,2,3}.j2``) asks for the whole chain as one
JSON object: one entry per step (perceptual simulation lists one entry per cue), then the
answer, field by field. The reply's JSON schema goes as ``response_format``, so a runtime with
constrained decoding cannot produce another shape; the guided reasoner's ``Asker`` makes the
call under its deadline and asks once more, with the problem stated, when a reply fails
``check_chain``: every step of the level present and in order, confidences from 0 to 1, each
answer field given and, when the question lists options, one of them.
"""

from __future__ import annotations

import functools
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from unima.reasoners.guided.asking import Asker, FieldRecord
from unima.reasoners.guided.questions import BadReply, Question
from unima.reasoners.tom.chain import LABEL_STEP, LEVEL_STEPS, STEP_QUESTIONS, ToMChain
from unima.reasoners.tom.labels import match_option
from unima.reasoners.tom.questions import EmotionQuestion
from unima.trace.schema import MentalState

CHAIN_TOKENS = 1200
MAX_STEPS = 24


class StepReply(BaseModel):
    model_config = ConfigDict(extra="ignore")

    step: str = Field(description="The chain step this entry belongs to.")
    cue: str = Field(default="", max_length=300, description="What was observed.")
    modality: str = Field(default="", max_length=20, description="text, audio, image or video.")
    evidence: str = Field(
        default="", max_length=400, description="The quoted words, or the time span in seconds."
    )
    state: str = Field(min_length=1, max_length=400, description="The mental state inferred.")
    confidence: float = Field(ge=0.0, le=1.0, description="How sure, from 0 to 1.")


class ChainReply(BaseModel):
    model_config = ConfigDict(extra="ignore")

    steps: list[StepReply] = Field(min_length=1, max_length=MAX_STEPS)
    answer: dict[str, str] = Field(description="Each answer field's value.")
    confidence: float = Field(default=0.5, ge=0.0, le=1.0)


def chain_question(question: EmotionQuestion) -> Question:
    """The ``Question`` for ``question``'s level, with its checks."""
    return Question(
        field="tom_chain",
        prompt=f"tom_level{question.level}",
        reply_model=ChainReply,
        check=functools.partial(check_chain, question),
        max_tokens=CHAIN_TOKENS,
    )


def check_chain(question: EmotionQuestion, reply: Any) -> ToMChain:
    """``reply`` as the question's chain, or ``BadReply`` saying what to fix."""
    if not isinstance(reply, ChainReply):
        raise BadReply("it holds no JSON object; reply with the JSON object only")
    level = question.level
    wanted = [step for step in LEVEL_STEPS[level] if step != LABEL_STEP]
    given = [entry.step.strip().lower() for entry in reply.steps]
    missing = [step for step in wanted if step not in given]
    if missing:
        raise BadReply(f"it has no entry for the step(s) {', '.join(missing)}; give every step")
    unknown = sorted({step for step in given if step not in LEVEL_STEPS[level]})
    if unknown:
        raise BadReply(
            f"it names unknown step(s) {', '.join(unknown)}; use only {', '.join(wanted)}"
        )
    firsts = [given.index(step) for step in wanted]
    if firsts != sorted(firsts):
        raise BadReply(f"its steps are out of order; give them in the order {', '.join(wanted)}")
    answer: dict[str, str] = {}
    for field in question.fields:
        value = _field_value(reply.answer, field.name, len(question.fields))
        if not value:
            raise BadReply(f'its answer has no "{field.name}"; give it')
        if field.options:
            chosen = match_option(value, field.options)
            if chosen is None:
                raise BadReply(
                    f'its "{field.name}" is {value[:60]!r}, which is not one of: '
                    f"{', '.join(field.options)}"
                )
            value = chosen
        answer[field.name] = value
    states = [
        MentalState(
            level=level,
            step=entry.step.strip().lower(),
            cue=entry.cue,
            modality=entry.modality,
            evidence=entry.evidence,
            state=entry.state,
            confidence=entry.confidence,
            source="model",
        )
        for entry in reply.steps
    ]
    words = "; ".join(f"{name}: {value}" for name, value in answer.items())
    states.append(
        MentalState(
            level=level,
            step=LABEL_STEP,
            cue="the options the question lists" if question.fields[0].options else "",
            modality="combined",
            state=next(iter(answer.values())) if len(answer) == 1 else words,
            confidence=reply.confidence,
            source="model",
        )
    )
    return ToMChain(level, tuple(states), answer, reply.confidence, "model")


def ask_chain(
    asker: Asker, question: EmotionQuestion, evidence: list[str]
) -> tuple[ToMChain | None, FieldRecord]:
    """The model's checked chain (``None`` when its replies were unusable) and the record."""
    steps = [
        (step, STEP_QUESTIONS[step]) for step in LEVEL_STEPS[question.level] if step != LABEL_STEP
    ]
    fields = [(field.name, list(field.options)) for field in question.fields]
    value, record = asker.ask(
        chain_question(question),
        question=question.text,
        level=question.level,
        steps=steps,
        evidence=evidence,
        fields=fields,
    )
    return value, record


def _field_value(answer: dict[str, str], name: str, field_count: int) -> str:
    if name in answer:
        return str(answer[name]).strip()
    if field_count == 1 and len(answer) == 1:  # {"label": "sad"} for the one field asked
        return str(next(iter(answer.values()))).strip()
    return ""
