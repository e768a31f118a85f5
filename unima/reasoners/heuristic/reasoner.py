"""The heuristic reasoner: deterministic, offline, no model.

It cannot know facts the inputs do not contain, so its answers restate the question, organise
what perception and analysis found, and say plainly that a model backend gives fuller answers.
Its content specs are concrete enough for every embedded tool (chart data, flowchart steps,
narration scripts, scenes, document sections, mesh parts).
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from unima.errors import PlanError
from unima.reasoners.base import AnalysisDecision, Reasoner, RequestView
from unima.reasoners.heuristic.analysis_code import decide_analysis
from unima.reasoners.heuristic.content import (
    Evidence,
    code_arguments,
    document_arguments,
    image_arguments,
    mesh_arguments,
    narration_script,
    speech_arguments,
    video_arguments,
)
from unima.reasoners.heuristic.perception_facts import (
    data_view,
    direct_answer,
    input_facts,
    mesh_extents,
)
from unima.reasoners.heuristic.text_tools import (
    core_question,
    key_terms,
    rank_sentences,
    shorten,
    split_sentences,
    strip_placeholders,
    topic_of,
)
from unima.tools import TOOL_FOR_MODALITY
from unima.tools.document.arguments import DocumentFormat
from unima.types import AnalysisReport, Caption, OutputSpec, Plan, Step, tag_modality

# Producers first, so steps that consume images or narration can depend on them.
BUILD_ORDER = ("image", "audio", "code", "threeD", "document", "video")
HEURISTIC_NOTE = (
    "(Answered by unima's offline heuristic reasoner, which organises the request and its inputs "
    "without a language model; connect one with --llm for a fuller explanation.)"
)
VERBS = {
    "explain": "an explanation of",
    "describe": "a description of",
    "summarise": "a summary of",
    "summarize": "a summary of",
    "compare": "a comparison of",
    "compute": "the computation of",
    "calculate": "the calculation of",
    "design": "a design for",
    "analyse": "an analysis of",
    "analyze": "an analysis of",
    "show": "a view of",
    "illustrate": "an illustration of",
}


class HeuristicReasoner(Reasoner):
    """Deterministic reasoning from the request's words and the perceived inputs."""

    name = "heuristic"

    def caption(self, view: RequestView, output_spec: OutputSpec) -> Caption:
        question = core_question(view.request.text)
        lines = view.evidence_lines()
        dense = f"The request asks: {strip_placeholders(question)}"
        if lines:
            dense += " Inputs: " + " ".join(lines)
        facts = input_facts(view)
        if facts:
            dense += " Read from the inputs: " + " ".join(facts)
        return Caption(
            dense_caption=dense,
            paraphrase=self._paraphrase(question),
            output_spec=output_spec,
            topic=topic_of(question),
            key_terms=tuple(key_terms(question + " " + self._input_text(view), 10)),
        )

    def analyse(self, view: RequestView, caption: Caption) -> AnalysisDecision:
        # Structured data first (a chart's paired bar values, a document's table), so the
        # analysis never runs on axis ticks or page numbers mixed into the raw text.
        return decide_analysis(data_view(view), core_question(view.request.text))

    def plan(
        self,
        view: RequestView,
        caption: Caption,
        analysis: AnalysisReport,
        output_tags: list[str],
        feedback: list[str],
    ) -> Plan:
        evidence = self._evidence(view, caption, analysis)
        body = self._body(view, caption, evidence, analysis)
        script = narration_script(evidence, body)
        steps: dict[str, Step] = {}
        specs: dict[str, str] = {}
        sentences: dict[str, str] = {}
        by_modality: dict[str, list[str]] = {}
        for tag in output_tags:
            by_modality.setdefault(tag_modality(tag), []).append(tag)
        first_step = {modality: f"make_{tags[0]}" for modality, tags in by_modality.items()}
        for modality in BUILD_ORDER:
            for index, tag in enumerate(by_modality.get(modality, [])):
                step_id = f"make_{tag}"
                tool = TOOL_FOR_MODALITY[modality]
                try:
                    arguments, spec, depends_on = self._arguments(
                        modality, index, evidence, body, script, first_step, by_modality, view
                    )
                except ValidationError as error:
                    # What plan validation would reject (an empty topic, data past a tool's
                    # limits), found while the arguments are built.
                    details = "; ".join(
                        f"{'.'.join(str(part) for part in issue['loc']) or 'arguments'}: "
                        f"{issue['msg']}"
                        for issue in error.errors()
                    )
                    raise PlanError(
                        [f"step {step_id!r} ({tool}) has invalid arguments: {details}"]
                    ) from error
                steps[tag] = Step(
                    id=step_id,
                    tool=tool,
                    arguments=arguments,
                    depends_on=depends_on,
                    produces=tag,
                    description=spec,
                )
                specs[tag] = spec
                sentences[tag] = f"<{tag}> is {spec[0].lower()}{spec[1:]}"
        placed = " ".join(sentences[tag] for tag in output_tags)
        content = body + (f"\n\n{placed}" if placed else "") + f"\n\n{HEURISTIC_NOTE}"
        return Plan(
            content=content,
            content_specs=specs,
            steps=[steps[tag] for tag in output_tags],
            reasoner=self.name,
        )

    def repair_step(self, step: Step, problem: str, plan: Plan) -> dict[str, Any]:
        """Simpler arguments that avoid what failed (the judge validates them)."""
        arguments = dict(step.arguments)
        if step.tool == "synthesize_speech":
            script = re.sub(r"[^A-Za-z0-9 ,.'?!-]", " ", arguments.get("script", ""))
            arguments["script"] = " ".join(split_sentences(script)[:2]) or "This is the narration."
            arguments["speed"] = 0.9
        elif step.tool == "generate_image":
            arguments = {
                "kind": "illustration" if arguments.get("kind") == "diagram" else "diagram",
                "title": arguments.get("title", "Figure"),
                "labels": list(arguments.get("labels", []))[:4] or ["Overview"],
            }
        elif step.tool == "compose_video":
            arguments["scenes"] = list(arguments.get("scenes", []))[:2] or [
                {"caption": "Overview", "duration_s": 3.0}
            ]
            arguments["fps"] = 8
        elif step.tool == "render_document":
            order = ["pdf", "docx", "markdown"]
            current = arguments.get("format", "pdf")
            arguments["format"] = (
                order[min(order.index(current) + 1, 2)] if current in order else "markdown"
            )
        elif step.tool == "run_code":
            description = shorten(arguments.get("description", "") or "the answer", 80)
            arguments["code"] = f"print({description!r})\n"
        elif step.tool == "generate_mesh":
            arguments["parts"] = [{"shape": "box", "size": [40, 40, 40], "position": [0, 0, 20]}]
        return arguments

    # -- helpers -----------------------------------------------------------------------------

    @staticmethod
    def _paraphrase(question: str) -> str:
        text = strip_placeholders(question).strip()
        match = re.match(r"(?i)^(please\s+)?(\w+)\s+(.*)$", text)
        if match and match.group(2).lower() in VERBS:
            rest = match.group(3).rstrip(".?!")
            return f"The user wants {VERBS[match.group(2).lower()]} {rest}."
        return f"The user asks: {text}" if text else "The user asks a question."

    @staticmethod
    def _input_text(view: RequestView) -> str:
        return " ".join(
            perception.text for perception in view.perceptions.values() if perception.text
        )

    @staticmethod
    def _prose(view: RequestView) -> str:
        """Input text that reads as sentences (not tables, charts or source code)."""
        return " ".join(
            perception.text
            for perception in view.perceptions.values()
            if perception.text
            and perception.modality != "code"
            and "table" not in perception.meta
            and "chart" not in perception.meta
        )

    def _evidence(self, view: RequestView, caption: Caption, analysis: AnalysisReport) -> Evidence:
        question = core_question(view.request.text)
        input_text = self._input_text(view)
        terms = list(caption.key_terms) or key_terms(question)
        sentences = [s for s in split_sentences(self._prose(view)) if 3 <= len(s.split()) <= 40]
        points = rank_sentences(sentences, terms, 5) if sentences else []
        if not points:
            # Without inputs the only material is the question; keep its clauses only when it has
            # several, since restating a one-clause question as a "key point" says nothing.
            clauses = re.split(r"(?<=[.?!;])\s+|,\s+(?:and|then)\s+", strip_placeholders(question))
            clauses = [clause.strip(" .") for clause in clauses if len(clause.split()) >= 3]
            points = clauses[:4] if len(clauses) > 1 else []
        values = analysis.values if analysis.status == "ok" else {}
        input_code = next(
            (p.text for p in view.perceptions.values() if p.modality == "code" and p.text), ""
        )
        extents = next(
            (
                mesh_extents(p)
                for p in view.perceptions.values()
                if p.modality == "threeD" and mesh_extents(p)
            ),
            None,
        )
        return Evidence(
            question=question,
            topic=caption.topic or topic_of(question),
            key_points=[shorten(point, 160) for point in points],
            terms=terms,
            input_text=input_text,
            data_labels=[str(label) for label in values.get("labels", [])],
            data_values=[float(value) for value in values.get("values", [])],
            data_report=dict(values.get("report", {})),
            input_code=input_code,
            analysis_code=analysis.code if analysis.status == "ok" else "",
            mesh_extents=list(extents or []),
        )

    def _body(
        self, view: RequestView, caption: Caption, evidence: Evidence, analysis: AnalysisReport
    ) -> str:
        paragraphs = [caption.paraphrase]
        answer = direct_answer(evidence.question, evidence.data_report)
        if answer:
            paragraphs.append(answer)
        summaries = []
        for part in view.request.parts:
            perception = view.perceptions.get(part.tag or "")
            if perception is not None and perception.summary:
                summaries.append(
                    f"the {part.modality} input {part.tag}: {perception.summary.rstrip('.')}"
                )
        if summaries:
            paragraphs.append("From the inputs — " + "; ".join(summaries) + ".")
        facts = input_facts(view)
        if facts:
            paragraphs.append(" ".join(facts))
        if evidence.data_report:
            shown = ", ".join(
                f"{name} = {value}" for name, value in list(evidence.data_report.items())[:8]
            )
            paragraphs.append(
                f"The analysis of the data ({len(evidence.data_values)} values) found: {shown}."
            )
        elif analysis.needed and analysis.status != "ok":
            paragraphs.append(f"The data analysis could not run ({analysis.status}).")
        if evidence.key_points:
            paragraphs.append(
                "Key points: "
                + " ".join(
                    point if point.endswith((".", "!", "?")) else point + "."
                    for point in evidence.key_points
                )
            )
        return "\n\n".join(paragraphs)

    def _arguments(
        self,
        modality: str,
        index: int,
        evidence: Evidence,
        body: str,
        script: str,
        first_step: dict[str, str],
        by_modality: dict[str, list[str]],
        view: RequestView,
    ) -> tuple[dict[str, Any], str, list[str]]:
        if modality == "image":
            arguments, spec = image_arguments(evidence, index)
            return arguments, spec, []
        if modality == "audio":
            arguments, spec = speech_arguments(
                script if index == 0 else f"In short: {evidence.topic}."
            )
            return arguments, spec, []
        if modality == "video":
            image_step = first_step.get("image")
            audio_step = first_step.get("audio") if index == 0 else None
            arguments, spec = video_arguments(evidence, script, image_step, audio_step)
            return arguments, spec, [step for step in (image_step, audio_step) if step]
        if modality == "document":
            figures = [f"make_{tag}" for tag in by_modality.get("image", [])]
            text = view.request.text.lower()
            format: DocumentFormat = (
                "docx"
                if re.search(r"\b(docx|word document)\b", text)
                else "markdown"
                if "markdown" in text
                else "pdf"
            )
            arguments, spec = document_arguments(evidence, body, figures, format)
            return arguments, spec, figures
        if modality == "code":
            arguments, spec = code_arguments(evidence)
            return arguments, spec, []
        arguments, spec = mesh_arguments(evidence)
        return arguments, spec, []
