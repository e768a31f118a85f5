"""The heuristic reasoner: deterministic, offline, no model.

It cannot know facts the inputs do not contain, so its answer is what perception and analysis
found (the numbers the analysis computed, with the labels of the lowest and highest values),
and when they found nothing it says in one sentence that it cannot answer without a language
model and how to get one, rather than restating the request. Its content specs are concrete
enough for every embedded tool (chart data, flowchart steps, narration scripts, scenes,
document sections, mesh parts); chart data past what a chart holds is grouped, and the answer
says how.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from unima.errors import PlanError
from unima.modalities import PROGRAM_OUTPUT_OPENING
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
from unima.reasoners.heuristic.numbers import format_number, format_quantity
from unima.reasoners.heuristic.perception_facts import (
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
    subject_phrase,
    topic_of,
)
from unima.reasoners.heuristic.word_problems import word_problem_answer
from unima.spec.wanted import POINTING_PRONOUNS
from unima.tools import TOOL_FOR_MODALITY
from unima.tools.document.arguments import DocumentFormat
from unima.tools.image.fitting import fit_chart
from unima.types import AnalysisReport, Caption, OutputSpec, Plan, Step, tag_modality

# Producers first, so steps that consume images or narration can depend on them.
BUILD_ORDER = ("image", "audio", "code", "threeD", "document", "video")
HEURISTIC_NOTE = (
    "(Answered by unima's offline heuristic reasoner, which organises the request and its inputs "
    "without a language model; connect one with --llm for a fuller explanation.)"
)
NO_ANSWER_START = "unima's offline heuristic reasoner cannot answer this"
NO_ANSWER_ADVICE = (
    'for an answer, install the embedded model with pip install "unima[embedded]" and run '
    "with --llm embedded (or connect another model with --llm)."
)


TREND_QUESTION = re.compile(
    r"\b(trend\w*|growth|grow\w*|over time|increas\w*|decreas\w*|forecast\w*|predict\w*)\b", re.I
)
REPORT_NAMES = (
    ("count", "count"),
    ("mean", "mean"),
    ("median", "median"),
    ("min", "lowest"),
    ("max", "highest"),
    ("sum", "sum"),
    ("stdev", "standard deviation"),
)


def is_heuristic_note(paragraph: str) -> bool:
    """Whether ``paragraph`` is the heuristic's closing note rather than part of an answer."""
    return paragraph == HEURISTIC_NOTE or paragraph.startswith(NO_ANSWER_START)


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
        facts = input_facts(view, view.request.text)
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
        # The whole request: a list typed in a sentence that also states the output format
        # ("Include a chart of Jan 12, Feb 15 and Mar 9.") is still data.
        return decide_analysis(view, view.request.text)

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
        note = HEURISTIC_NOTE if body else self._no_answer(view)
        content = "\n\n".join(part for part in (body, placed, note) if part)
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

    @classmethod
    def _prose_sentences(cls, view: RequestView) -> list[str]:
        """Input sentences of 3 to 40 words that read as prose: a table read as text
        ("Name Score Alice 82 Bob 75") is mostly numbers, or cells split by bars."""
        sentences = []
        for sentence in split_sentences(cls._prose(view)):
            tokens = sentence.split()
            numeric = sum(1 for token in tokens if re.search(r"\d", token))
            if 3 <= len(tokens) <= 40 and numeric * 5 <= len(tokens) and "|" not in sentence:
                sentences.append(sentence)
        return sentences

    def _evidence(self, view: RequestView, caption: Caption, analysis: AnalysisReport) -> Evidence:
        question = core_question(view.request.text)
        input_text = self._input_text(view)
        terms = list(caption.key_terms) or key_terms(question)
        sentences = self._prose_sentences(view)
        points = rank_sentences(sentences, terms, 5) if sentences else []
        if not points:
            # Without inputs the only material is the question; keep its clauses only when it has
            # several, since restating a one-clause question as a "key point" says nothing.
            clauses = re.split(r"(?<=[.?!;])\s+|,\s+(?:and|then)\s+", strip_placeholders(question))
            clauses = [clause.strip(" .") for clause in clauses if len(clause.split()) >= 3]
            points = clauses[:4] if len(clauses) > 1 else []
        values = analysis.values if analysis.status == "ok" else {}
        labels, numbers, _ = fit_chart(
            [str(label) for label in values.get("labels", [])],
            [float(value) for value in values.get("values", [])],
        )
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
        topic = caption.topic or topic_of(question)
        if topic.lower() in POINTING_PRONOUNS:
            # "... Show them in a bar chart": the data's own name says what "them" are.
            name = str(values.get("name") or "")
            topic = name if name and name != "value" else "the data"
        return Evidence(
            question=question,
            topic=topic,
            key_points=[shorten(point, 160) for point in points],
            terms=terms,
            input_text=input_text,
            data_labels=labels,
            data_values=numbers,
            # Shown in chart captions and document tables: 79.33, not 79.3333.
            data_report={
                name: round(value, 2) if isinstance(value, float) else value
                for name, value in dict(values.get("report", {})).items()
            },
            input_code=input_code,
            analysis_code=analysis.code if analysis.status == "ok" else "",
            mesh_extents=list(extents or []),
            # What each item should be, read from the whole request (the core question above
            # drops sentences such as "Your answer must include a bar chart.").
            wanted=caption.output_spec.wanted or None,
        )

    def _body(
        self, view: RequestView, caption: Caption, evidence: Evidence, analysis: AnalysisReport
    ) -> str:
        """The answer's facts: what the inputs hold and what the analysis computed.

        Empty when there are none; ``plan`` then says in one sentence that no answer can be
        given, rather than restating the request.
        """
        paragraphs = []
        values = analysis.values if analysis.status == "ok" else {}
        report = dict(values.get("report", {}))
        answer = direct_answer(view.request.text, report, str(values.get("unit") or ""))
        if answer:
            paragraphs.append(answer)
        elif not view.request.parts:
            # A question that carries its own numbers ("25% off 80 dollars") is arithmetic.
            worked = word_problem_answer(strip_placeholders(view.request.text))
            if worked:
                paragraphs.append(worked)
        summaries = []
        for part in view.request.parts:
            perception = view.perceptions.get(part.tag or "")
            if perception is not None and perception.summary:
                summaries.append(
                    f"the {part.modality} input {part.tag}: {perception.summary.rstrip('.')}"
                )
        if summaries:
            paragraphs.append("From the inputs — " + "; ".join(summaries) + ".")
        facts = input_facts(view, view.request.text)
        if facts:
            paragraphs.append(" ".join(facts))
        printed = values.get("printed")
        if isinstance(printed, str) and printed.strip():
            paragraphs.append(
                f"{PROGRAM_OUTPUT_OPENING}the program printed: {shorten(printed, 400)}"
            )
        if report:
            paragraphs.append(analysis_sentence(values, view.request.text))
            listed = [str(label) for label in values.get("labels", [])]
            _, _, grouping = fit_chart(listed, [0.0] * len(listed))
            total = values.get("total")
            if isinstance(total, int) and total > len(listed):
                grouping = (
                    f"The chart and tables use the first {len(listed)} of the {total} values. "
                    + grouping
                ).strip()
            if grouping:
                paragraphs.append(grouping)
        elif analysis.needed and analysis.status != "ok":
            paragraphs.append(f"The data analysis could not run ({analysis.status}).")
        # Key points drawn from the question itself would only restate it.
        if evidence.key_points and self._prose_sentences(view):
            paragraphs.append(
                "Key points: "
                + " ".join(
                    point if point.endswith((".", "!", "?")) else point + "."
                    for point in evidence.key_points
                )
            )
        return "\n\n".join(paragraphs)

    @staticmethod
    def _no_answer(view: RequestView) -> str:
        """One honest sentence: no answer without a language model, and how to get one."""
        why = (
            "its inputs hold nothing it could read an answer from"
            if view.request.parts
            else "it knows no facts beyond a request's inputs"
        )
        subject = subject_phrase(core_question(view.request.text))
        about = f" question about {subject}" if subject else ""
        return f"{NO_ANSWER_START}{about} without a language model: {why}; {NO_ANSWER_ADVICE}"

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
        arguments, spec = mesh_arguments(evidence, index)
        return arguments, spec, []


def analysis_sentence(values: dict[str, Any], question: str = "") -> str:
    """What the analysis computed, in one sentence: count, mean, median, the lowest and highest
    values with their labels, the sum (not for percentages) and the spread; the trend and the
    forecast when ``question`` asks about them."""
    report = values.get("report", {})
    unit = str(values.get("unit") or "")
    name = str(values.get("name") or "")
    shown = []
    for key, phrase in REPORT_NAMES:
        value = report.get(key)
        if not isinstance(value, int | float) or (key == "sum" and unit == "%"):
            continue
        text = format_number(value) if key == "count" else format_quantity(value, unit)
        label = report.get({"min": "argmin", "max": "argmax"}.get(key, ""), "")
        shown.append(f"{phrase} = {text}" + (f" ({label})" if label not in ("", None) else ""))
    slope = report.get("trend_slope")
    if isinstance(slope, int | float) and TREND_QUESTION.search(question):
        shown.append(f"trend = {format_number(slope)} per step")
    forecast = report.get("forecast_next")
    if isinstance(forecast, int | float):
        shown.append(f"forecast for the next value = {format_quantity(forecast, unit)}")
    count = report.get("count", len(values.get("values", [])))
    of = f" of {name}" if name and name != "value" else ""
    sentence = (
        f"The analysis computed, over the {format_number(count)} values{of}: {', '.join(shown)}."
    )
    return f"{sentence} {goal_sentence(report, unit)}".strip()


def goal_sentence(report: dict[str, Any], unit: str = "") -> str:
    """How the values stand against the goal the question named, or "" without one."""
    goal, above, below = (
        report.get("goal"),
        report.get("at_or_above_goal"),
        report.get("below_goal"),
    )
    if (
        not isinstance(goal, int | float)
        or not isinstance(above, int)
        or not isinstance(below, int)
    ):
        return ""
    target = format_quantity(goal, unit)
    sentence = f"{format_number(above)} of {format_number(above + below)} are at or above the goal of {target}"
    missed = [str(label) for label in report.get("below_goal_labels") or []]
    if missed:
        sentence += f" ({format_number(below)} below it: {', '.join(missed)})"
    mean = report.get("mean")
    if isinstance(mean, int | float):
        side = "above" if mean > goal else "below" if mean < goal else "exactly at"
        sentence += f", and the mean ({format_quantity(mean, unit)}) is {side} the goal"
    return sentence + "."
