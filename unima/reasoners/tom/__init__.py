"""The Theory-of-Mind reasoning mode (HitEmotion's ToM-guided chain) over any reasoner.

``ToMReasoner`` (or ``with_reasoning(reasoner, "tom")``) answers emotion questions with the
chain of their level, recording each ``MentalState`` in the trace, and leaves other questions
to the wrapped reasoner. ``questions`` reads a question, ``chain`` holds the steps and the
answer's form, ``asking`` asks a chat model, ``cues``, ``lexicon``, ``prosody``, ``labels``
and ``offline`` work from perception alone.
"""

from __future__ import annotations

from unima.reasoners.tom.chain import LEVEL_STEPS, ToMChain, format_answer
from unima.reasoners.tom.questions import AnswerField, EmotionQuestion, read_question
from unima.reasoners.tom.reasoner import REASONING_MODES, ToMReasoner, with_reasoning
from unima.trace.schema import MentalState

__all__ = [
    "LEVEL_STEPS",
    "REASONING_MODES",
    "AnswerField",
    "EmotionQuestion",
    "MentalState",
    "ToMChain",
    "ToMReasoner",
    "format_answer",
    "read_question",
    "with_reasoning",
]
