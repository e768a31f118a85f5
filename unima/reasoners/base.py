"""The reasoner contract: one method per reasoning step of the Traceable Evidence chain."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from unima.types import AnalysisReport, Caption, OutputSpec, Perception, Plan, Request, Step


@dataclass(frozen=True)
class RequestView:
    """What a reasoner sees of a request: the request and what perception made of each part."""

    request: Request
    perceptions: dict[str, Perception] = field(default_factory=dict)

    def input_tags(self) -> list[str]:
        return [part.tag for part in self.request.parts if part.tag]

    def evidence_lines(self, max_text_chars: int = 600) -> list[str]:
        """One line per input: its tag, summary and (shortened) text."""
        lines = []
        for part in self.request.parts:
            perception = self.perceptions.get(part.tag or "")
            if perception is None:
                lines.append(
                    f"<{part.tag}>: a {part.modality} input ({part.mime or 'unknown type'})."
                )
                continue
            line = f"<{part.tag}>: {perception.summary or 'a ' + part.modality + ' input.'}"
            if perception.text.strip():
                text = " ".join(perception.text.split())
                if len(text) > max_text_chars:
                    text = text[:max_text_chars].rstrip() + " ..."
                line += f' Content: "{text}"'
            lines.append(line)
        return lines


@dataclass(frozen=True)
class AnalysisDecision:
    """Whether step 2 must analyse data, and the Python code to run in the sandbox if so.

    ``input_tags`` names the parts whose files the code reads (mounted at ``inputs/<file>``).
    """

    needed: bool
    reason: str = ""
    code: str = ""
    input_tags: tuple[str, ...] = ()


class Reasoner(ABC):
    """Answers the reasoning steps. Implementations must be safe to call from worker threads."""

    name: str = "reasoner"

    @abstractmethod
    def caption(self, view: RequestView, output_spec: OutputSpec) -> Caption:
        """Step 1: dense caption, paraphrased question, and the output spec to use.

        ``output_spec`` is what the deterministic parser read from the request; a reasoner may
        only replace it when it was inferred (``stated`` is false).
        """

    @abstractmethod
    def analyse(self, view: RequestView, caption: Caption) -> AnalysisDecision:
        """Step 2: decide whether data analysis is needed and write the code for it."""

    @abstractmethod
    def plan(
        self,
        view: RequestView,
        caption: Caption,
        analysis: AnalysisReport,
        output_tags: list[str],
        feedback: list[str],
    ) -> Plan:
        """Step 3: the answer text with exactly ``output_tags`` as placeholders and the tool DAG.

        ``feedback`` lists what was wrong with the previous plan, if any.
        """

    @abstractmethod
    def repair_step(self, step: Step, problem: str, plan: Plan) -> dict[str, Any]:
        """New arguments for ``step`` after it failed with ``problem`` (judge rounds)."""
