"""The LLM reasoner: any LangChain chat model behind the four reasoning steps.

Replies are JSON validated by pydantic models. A reply that does not parse is sent back to the
model with the error (bounded); caption, analyse and repair then fall back to the heuristic
reasoner, and the plan node validates plans and falls back itself.

Every call runs under ``unima.llm.calls.call_model``: a wall-clock deadline of ``timeout_s``
(and the run's budget), so a slow or silent server costs one deadline, then the fallback.
"""

from __future__ import annotations

import functools
import logging
import time
from pathlib import Path
from typing import Any, TypeVar

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from unima.errors import ReasonerError
from unima.filenames import shown_path
from unima.llm.calls import call_model, server_of
from unima.llm.prompts import extract_json, render_prompt
from unima.reasoners.base import AnalysisDecision, Reasoner, RequestView
from unima.reasoners.heuristic.reasoner import HeuristicReasoner
from unima.reasoners.heuristic.text_tools import key_terms, topic_of
from unima.types import MEDIA_MODALITIES, AnalysisReport, Caption, OutputSpec, Plan, Step

logger = logging.getLogger(__name__)
ReplyT = TypeVar("ReplyT", bound=BaseModel)


class _Reply(BaseModel):
    model_config = ConfigDict(extra="ignore")


class CaptionReply(_Reply):
    dense_caption: str
    paraphrase: str
    topic: str = ""
    key_terms: list[str] = Field(default_factory=list)
    output_counts: dict[str, int] | None = None


class AnalysisReply(_Reply):
    needed: bool
    reason: str = ""
    code: str = ""
    input_tags: list[str] = Field(default_factory=list)


class PlanReply(_Reply):
    content: str
    content_specs: dict[str, str] = Field(default_factory=dict)
    steps: list[Step] = Field(default_factory=list)


class RepairReply(_Reply):
    arguments: dict[str, Any]


class LlmReasoner(Reasoner):
    """Reasoning with a LangChain ``BaseChatModel``.

    Args:
        model: the chat model.
        tools: a callable returning the tool catalogue (name, modality, description, schema).
        repair_attempts: how many times an unparseable reply is sent back with the error.
        on_call: called with (step, seconds, reply text) after every model call (traces).
        timeout_s: the wall-clock deadline of one model call.
    """

    name = "llm"

    def __init__(
        self,
        model: Any,
        tools: Any = None,
        repair_attempts: int = 2,
        on_call: Any = None,
        timeout_s: float = 120.0,
    ) -> None:
        self.model = model
        self.timeout_s = timeout_s
        self.tools: Any = tools or (lambda: [])
        self.repair_attempts = repair_attempts
        self.on_call = on_call
        self.fallback = HeuristicReasoner()
        self.model_name = str(
            getattr(model, "model_name", None)
            or getattr(model, "model", None)
            or type(model).__name__
        )
        self.name = f"llm:{self.model_name}"
        self.server = server_of(model, self.model_name)

    def caption(self, view: RequestView, output_spec: OutputSpec) -> Caption:
        spec_text = ", ".join(
            f"{count} {modality}" for modality, count in output_spec.counts.items() if count
        )
        try:
            reply = self._ask(
                "caption",
                CaptionReply,
                request_text=view.request.text,
                evidence=view.evidence_lines(),
                spec_stated=output_spec.stated,
                spec_text=spec_text or "text only",
            )
        except ReasonerError as error:
            logger.warning("caption reply unusable, using the heuristic caption: %s", error)
            return self.fallback.caption(view, output_spec)
        spec = output_spec
        if not output_spec.stated and reply.output_counts is not None:
            counts = {
                m: max(0, min(int(c), 5))
                for m, c in reply.output_counts.items()
                if m in MEDIA_MODALITIES and c
            }
            spec = OutputSpec(
                counts=counts, stated=False, evidence=("proposed by the language model",)
            )
        return Caption(
            dense_caption=reply.dense_caption,
            paraphrase=reply.paraphrase,
            output_spec=spec,
            topic=reply.topic or topic_of(view.request.text),
            key_terms=tuple(reply.key_terms or key_terms(view.request.text)),
        )

    def analyse(self, view: RequestView, caption: Caption) -> AnalysisDecision:
        files = [
            (part.tag, shown_path(Path(part.path).name))
            for part in view.request.parts
            if part.tag and part.path
        ]
        try:
            reply = self._ask(
                "analyse",
                AnalysisReply,
                request_text=view.request.text,
                dense_caption=caption.dense_caption,
                files=files,
            )
        except ReasonerError as error:
            logger.warning("analyse reply unusable, using the heuristic decision: %s", error)
            return self.fallback.analyse(view, caption)
        if reply.needed and not reply.code.strip():
            return self.fallback.analyse(view, caption)
        known = {tag for tag, _ in files}
        return AnalysisDecision(
            reply.needed,
            reply.reason,
            reply.code,
            tuple(tag for tag in reply.input_tags if tag in known),
        )

    def plan(
        self,
        view: RequestView,
        caption: Caption,
        analysis: AnalysisReport,
        output_tags: list[str],
        feedback: list[str],
    ) -> Plan:
        reply = self._ask(
            "plan",
            PlanReply,
            request_text=view.request.text,
            dense_caption=caption.dense_caption,
            paraphrase=caption.paraphrase,
            analysis=analysis if analysis.needed else None,
            output_tags=output_tags,
            tools=self.tools(),
            feedback=feedback,
        )
        return Plan(
            content=reply.content,
            content_specs=reply.content_specs,
            steps=reply.steps,
            reasoner=self.name,
        )

    def repair_step(self, step: Step, problem: str, plan: Plan) -> dict[str, Any]:
        schema: dict[str, Any] = next(
            (tool["arguments_schema"] for tool in self.tools() if tool["name"] == step.tool), {}
        )
        try:
            reply = self._ask("repair_step", RepairReply, step=step, problem=problem, schema=schema)
        except ReasonerError:
            return self.fallback.repair_step(step, problem, plan)
        return reply.arguments

    def _ask(self, prompt_name: str, reply_model: type[ReplyT], **variables: Any) -> ReplyT:
        system, user = render_prompt(prompt_name, **variables)
        messages: list[Any] = [SystemMessage(system), HumanMessage(user)]
        last_error = ""
        for _ in range(self.repair_attempts + 1):
            clock = time.perf_counter()
            try:
                answer = call_model(
                    functools.partial(self.model.invoke, list(messages)),
                    call=prompt_name,
                    model=self.model_name,
                    server=self.server,
                    timeout_s=self.timeout_s,
                )
            except Exception as error:  # network, rate limits, server errors: a reasoner failure
                raise ReasonerError(
                    f"{prompt_name}: the chat model call failed: {type(error).__name__}: {error}"
                ) from error
            text = answer.content if isinstance(answer.content, str) else str(answer.content)
            if self.on_call is not None:
                self.on_call(prompt_name, time.perf_counter() - clock, text)
            try:
                return reply_model.model_validate(extract_json(text))
            except (ReasonerError, ValidationError) as error:
                last_error = str(error)
                messages += [
                    AIMessage(text),
                    HumanMessage(
                        f"That reply was not valid: {last_error[:800]}. Reply again with only the JSON object."
                    ),
                ]
        raise ReasonerError(
            f"{prompt_name}: no valid reply after {self.repair_attempts + 1} attempts: {last_error[:300]}"
        )
