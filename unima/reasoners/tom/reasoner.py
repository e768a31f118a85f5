"""The ToM reasoning mode: any reasoner, with emotion questions answered by the ToM chain.

``ToMReasoner`` wraps another reasoner. Caption, analysis and repairs are the wrapped
reasoner's; a plan for an emotion question (``questions.read_question``) is the level's chain
(``chain``), asked of the wrapped reasoner's chat model when it has one (``asking``) and
worked out from perception otherwise, or when the model's replies are unusable (``offline``).
The plan's text is ``<think>the chain</think><answer>the answer</answer>``; every mental
state of the chain goes to the trace as a ``mental_state`` event. Other questions get the
wrapped reasoner's plan unchanged.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from unima.errors import ConfigError
from unima.llm.calls import current_scope, server_of
from unima.reasoners.base import AnalysisDecision, Reasoner, RequestView
from unima.reasoners.guided import GuidedReasoner
from unima.reasoners.guided.asking import Asker
from unima.reasoners.llm import LlmReasoner
from unima.reasoners.tom.asking import ask_chain
from unima.reasoners.tom.chain import ToMChain, format_answer
from unima.reasoners.tom.cues import perceived_cues
from unima.reasoners.tom.offline import offline_chain
from unima.reasoners.tom.questions import EmotionQuestion, read_question
from unima.trace.schema import MENTAL_STATE_EVENT, MentalState
from unima.types import AnalysisReport, Caption, OutputSpec, Plan, Step

logger = logging.getLogger(__name__)
REASONING_MODES = ("direct", "tom")
TEXT_ONLY_EVIDENCE = "an emotion question: the ToM chain answers in text"
# A request that an emotion answer come with a file: a making verb, then a medium's noun.
ASKS_FOR_A_FILE = re.compile(
    r"\b(?:include|attach|add|generate|create|make|draw|produce|render|record|give me|"
    r"provide|show me)\b[^.;:?!]{0,60}?\b(?:image|picture|photo|diagram|chart|graph|video|"
    r"animation|audio|clip|narration|recording|document|pdf|report|3d|model|code|program)s?\b",
    re.IGNORECASE,
)


class ToMReasoner(Reasoner):
    """A reasoner whose emotion answers follow the Theory-of-Mind chain of their level.

    Args:
        inner: the reasoner for everything else (and the caption, analysis and repairs).
        chat_model: the chat model asked for the chain; ``None`` works offline from
            perception. ``wrap`` takes the wrapped reasoner's model.
        timeout_s: the deadline of one model call.
        on_call: called with (prompt name, seconds, reply text) after every model call.
        on_state: called with every ``MentalState`` recorded (besides the trace).
        constrain: send the reply's JSON schema as ``response_format``.
    """

    def __init__(
        self,
        inner: Reasoner,
        *,
        chat_model: Any = None,
        timeout_s: float = 120.0,
        on_call: Any = None,
        on_state: Callable[[MentalState], object] | None = None,
        constrain: bool = True,
    ) -> None:
        self.inner = inner
        self.name = f"tom:{inner.name}"
        self.on_state = on_state
        self.asker: Asker | None = None
        if chat_model is not None:
            model_name = str(
                getattr(chat_model, "model_name", None)
                or getattr(chat_model, "model", None)
                or type(chat_model).__name__
            )
            self.asker = Asker(
                chat_model,
                model_name=model_name,
                server=server_of(chat_model, model_name),
                timeout_s=timeout_s,
                on_call=on_call,
                constrain=constrain,
            )

    @classmethod
    def wrap(cls, inner: Reasoner, *, timeout_s: float = 120.0) -> ToMReasoner:
        """``inner`` in ToM mode, asking its chat model (if it has one) for the chains."""
        if isinstance(inner, ToMReasoner):
            return inner
        return cls(inner, chat_model=chat_model_of(inner), timeout_s=timeout_s)

    def caption(self, view: RequestView, output_spec: OutputSpec) -> Caption:
        """The wrapped reasoner's caption; an emotion question is answered in text unless it
        asks to be given a file in so many words ("Include a diagram"): a "video" in "The
        person in video says" or the "visual behavior, speech prosody" a ToM prompt tells the
        model to decode are evidence to read, not outputs to make."""
        caption = self.inner.caption(view, output_spec)
        if read_question(view.request.text) is None or (
            output_spec.stated and ASKS_FOR_A_FILE.search(view.request.text)
        ):
            return caption
        text_only = OutputSpec(stated=False, evidence=(TEXT_ONLY_EVIDENCE,))
        return caption.model_copy(update={"output_spec": text_only})

    def analyse(self, view: RequestView, caption: Caption) -> AnalysisDecision:
        return self.inner.analyse(view, caption)

    def plan(
        self,
        view: RequestView,
        caption: Caption,
        analysis: AnalysisReport,
        output_tags: list[str],
        feedback: list[str],
    ) -> Plan:
        question = read_question(view.request.text)
        if question is None:
            return self.inner.plan(view, caption, analysis, output_tags, feedback)
        content = format_answer(question, self.reason(view, question))
        if not output_tags:
            return Plan(content=content, reasoner=self.name)
        # The request also asks for files: the wrapped reasoner plans them, after the answer.
        inner = self.inner.plan(view, caption, analysis, output_tags, feedback)
        return Plan(
            content=f"{content}\n\n{inner.content}",
            content_specs=inner.content_specs,
            steps=inner.steps,
            reasoner=self.name,
        )

    def repair_step(self, step: Step, problem: str, plan: Plan) -> dict[str, Any]:
        return self.inner.repair_step(step, problem, plan)

    def reason(self, view: RequestView, question: EmotionQuestion) -> ToMChain:
        """The chain for ``question``: the model's when usable, else from perception; each of
        its mental states recorded."""
        chain: ToMChain | None = None
        if self.asker is not None:
            evidence = view.evidence_lines() + measured_evidence(view, question.level)
            chain, record = ask_chain(self.asker, question, evidence)
            self.asker.report(record)
        if chain is None:
            chain = offline_chain(view, question)
        for state in chain.states:
            self._record(state)
        scope = current_scope()
        if scope is not None:
            scope.emit(
                "tom_answer",
                level=chain.level,
                source=chain.source,
                answer=dict(chain.answer),
                confidence=chain.confidence,
                shape=question.shape,
            )
        return chain

    def _record(self, state: MentalState) -> None:
        scope = current_scope()
        if scope is not None:
            scope.emit(MENTAL_STATE_EVENT, **state.model_dump())
        if self.on_state is not None:
            self.on_state(state)


def measured_evidence(view: RequestView, level: int) -> list[str]:
    """What the offline cues measure and a chat model cannot (pitch, energy, colour
    statistics), one line per cue, so the model calibrates its reading against the signal."""
    lines = []
    for cue in perceived_cues(view, level):
        state = cue.state
        if state.cue.endswith("affect word"):
            continue  # the words are in the question and the transcripts already
        where = f"<{state.tag}>" if state.tag else "the input"
        if state.start_s is not None:
            where += f" at {state.start_s:.2f} s"
        lines.append(f"{state.cue} of {where}: {state.evidence} ({state.state})")
    return lines


def chat_model_of(reasoner: Reasoner) -> Any:
    """The chat model behind ``reasoner``, or ``None`` for one without (the heuristic)."""
    if isinstance(reasoner, LlmReasoner | GuidedReasoner):
        return reasoner.model
    return None


def with_reasoning(reasoner: Reasoner, reasoning: str, *, timeout_s: float = 120.0) -> Reasoner:
    """``reasoner`` in the reasoning mode named: ``direct`` (as is) or ``tom``.

    Raises:
        ConfigError: an unknown mode.
    """
    if reasoning == "direct":
        return reasoner
    if reasoning == "tom":
        return ToMReasoner.wrap(reasoner, timeout_s=timeout_s)
    raise ConfigError(
        f"unknown reasoning mode {reasoning!r}; use one of: {', '.join(REASONING_MODES)}"
    )
