"""The guided reasoner: the heuristic's skeleton, with short focused questions to a small model.

A small instruct model (1.5B parameters on two CPU cores) cannot write a whole plan as JSON,
but it can answer a question in a few sentences, or fill one small JSON object. So the plan's
structure (the output spec, one step per placeholder, the DAG, argument validation) is the
heuristic reasoner's, and the model is asked one field at a time, in this order:

0. per chart the request asks for without any numbers in the inputs: the figures, recalled by
   the model (``figures``); a request for the chart alone is answered by them;
1. the answer (plain text, 3-6 sentences); the skeleton then places the placeholders;
2. per diagram or flowchart image: its nodes and edges, drawn from the answer; per
   illustration: the objects it shows (``depictions``); charts and timelines keep the
   heuristic's arguments (chart numbers only come from the inputs and the analysis);
3. narration scripts (the answer, spoken) and video scenes (its sentences): no call;
4. document sections: 2-4 headings over the answer's sentences;
5. code: a short Python program doing what the request asks (the analysis program instead,
   when the analysis ran);
6. 3D models: a few primitives with sizes and positions (``depictions``), the heuristic's
   template for the subject when the replies are unusable.

What each item should be and show comes from the output spec (``OutputSpec.wanted``).

Every reply is checked (``questions``), a bad one is asked again once with its problem, then
the field falls back to the heuristic's value (``asking``); each field's outcome goes to the
trace as a ``guided_field`` or ``field_fallback`` event.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from typing import Any

from unima.errors import ReasonerError
from unima.llm.calls import server_of
from unima.reasoners.base import AnalysisDecision, Reasoner, RequestView
from unima.reasoners.guided.asking import Asker, FieldRecord
from unima.reasoners.guided.depictions import ask_illustration, ask_model_parts
from unima.reasoners.guided.fallbacks import (
    FALLBACK_NOTE,
    answer_diagram,
    fallback_answer,
    placement_sentence,
)
from unima.reasoners.guided.figures import (
    Figures,
    ask_figures,
    asks_nothing_else,
    asks_only_for_figures,
    chart_kind,
    data_answer,
    figures_answer,
    figures_chart,
    recall_note,
    wants_recalled_figures,
)
from unima.reasoners.guided.questions import (
    Diagram,
    answer_question,
    code_question,
    diagram_question,
    sections_question,
)
from unima.reasoners.heuristic.content import (
    WANTED_CHARTS,
    Evidence,
    narration_script,
    report_sentence,
    step_arguments,
)
from unima.reasoners.heuristic.reasoner import HeuristicReasoner, analysis_sentence
from unima.reasoners.heuristic.text_tools import (
    core_question,
    shorten,
    split_sentences,
    strip_placeholders,
    subject_phrase,
    subject_question,
)
from unima.tools.code import CodeArguments
from unima.tools.document.arguments import DocumentArguments, Section
from unima.tools.image.arguments import ImageArguments
from unima.tools.speech.arguments import SpeechArguments
from unima.tools.video.arguments import Scene, VideoArguments
from unima.types import (
    AnalysisReport,
    Caption,
    OutputSpec,
    Plan,
    Step,
    WantedOutput,
    placeholder_tags,
    tag_modality,
)

DRAWN_KINDS = ("diagram", "flowchart")
MAX_NARRATION_WORDS = 120
MAX_SCENES = 6
KEPT_NOTES = {"image": "charts and timelines keep the heuristic's data from the inputs"}


class GuidedReasoner(Reasoner):
    """The heuristic's plan skeleton, with its fields answered by a (small) chat model.

    Args:
        chat_model: a LangChain chat model.
        timeout_s: the deadline of one model call.
        on_call: called with (prompt name, seconds, reply text) after every model call.
        on_field: called with the ``FieldRecord`` of every field of every plan.
        constrain: send JSON questions' schemas as ``response_format`` (constrained decoding
            where the runtime supports it; turned off by itself when the runtime refuses it).
    """

    name = "guided"

    def __init__(
        self,
        chat_model: Any,
        *,
        timeout_s: float = 120.0,
        on_call: Any = None,
        on_field: Any = None,
        constrain: bool = True,
    ) -> None:
        self.model = chat_model
        self.model_name = str(
            getattr(chat_model, "model_name", None)
            or getattr(chat_model, "model", None)
            or type(chat_model).__name__
        )
        self.name = f"guided:{self.model_name}"
        self.heuristic = HeuristicReasoner()
        self.asker = Asker(
            chat_model,
            model_name=self.model_name,
            server=server_of(chat_model, self.model_name),
            timeout_s=timeout_s,
            on_call=on_call,
            on_field=on_field,
            constrain=constrain,
        )

    # Caption and analysis are the heuristic's: deterministic, cheap, and what a small model
    # would get wrong most often (the output spec, the analysis program).
    def caption(self, view: RequestView, output_spec: OutputSpec) -> Caption:
        return self.heuristic.caption(view, output_spec)

    def analyse(self, view: RequestView, caption: Caption) -> AnalysisDecision:
        return self.heuristic.analyse(view, caption)

    def plan(
        self,
        view: RequestView,
        caption: Caption,
        analysis: AnalysisReport,
        output_tags: list[str],
        feedback: list[str],
    ) -> Plan:
        skeleton = self.heuristic.plan(view, caption, analysis, output_tags, feedback)
        wanted_items = wanted_per_step(skeleton, caption.output_spec)
        recalled = self._recall_figures(skeleton, wanted_items, view)
        answer, answered, notes = self._choose_answer(
            view, caption, analysis, skeleton, feedback, wanted_items, recalled
        )
        topic = caption.topic or "the question"
        steps: list[Step] = []
        specs: dict[str, str] = {}
        drawn: list[list[str]] = []
        audio_index = 0
        for step in skeleton.steps:
            tag = step.produces or ""
            modality = tag_modality(tag)
            spec = skeleton.content_specs.get(tag, step.description)
            wanted = wanted_items.get(tag)
            if tag in recalled and wanted is not None:
                arguments, spec = figures_chart(step, wanted, recalled[tag], self.model_name)
            elif modality == "image":
                arguments, spec = self._image(step, spec, answer, topic, drawn, wanted, view)
            elif modality == "audio":
                arguments, spec = self._speech(step, answer, audio_index)
                audio_index += 1
            elif modality == "video":
                arguments, spec = self._video(step, answer)
            elif modality == "document":
                arguments, spec = self._document(step, answer, answered, topic)
            elif modality == "code":
                arguments, spec = self._code(step, spec, view, answer, answered)
            else:
                arguments, spec = ask_model_parts(self.asker, step, spec, wanted, topic)
            steps.append(step.model_copy(update={"arguments": arguments, "description": spec}))
            specs[tag] = spec
        placed = " ".join(placement_sentence(tag, specs[tag]) for tag in output_tags)
        # The model explains; the numbers are the analysis program's, stated as it computed them
        # (a small model restates them loosely or wrongly: "58000, which is less than the 8000
        # goal"). The fallback answer already holds this sentence.
        computed = computed_facts(analysis, view) if answered else ""
        computed = " ".join(filter(None, [computed, *notes]))
        content = answer + (f"\n\n{computed}" if computed else "")
        content += f"\n\n{placed}" if placed else ""
        if not answered:
            content += f"\n\n{FALLBACK_NOTE}"
        found = placeholder_tags(content)
        if sorted(found) != sorted(output_tags):  # an internal invariant; the plan node falls back
            raise ReasonerError(
                f"guided plan content places {found}, expected each of {output_tags} once"
            )
        return Plan(content=content, content_specs=specs, steps=steps, reasoner=self.name)

    def repair_step(self, step: Step, problem: str, plan: Plan) -> dict[str, Any]:
        """A failed program goes back to the model with its error; other steps get the
        heuristic's simpler arguments."""
        if step.tool != "run_code" or step.arguments.get("filename") == "analysis.py":
            return self.heuristic.repair_step(step, problem, plan)
        code, record = self.asker.ask(
            code_question(),
            tag=step.produces,
            step_id=step.id,
            request=step.arguments.get("description", "") or step.description,
            answer="",
            previous=shorten_code(str(step.arguments.get("code", ""))),
            failure=shorten(problem, 600),
        )
        self.asker.report(dataclasses.replace(record, field="code_repair"))
        if code is None:
            return self.heuristic.repair_step(step, problem, plan)
        return {**step.arguments, "code": code}

    # -- fields ------------------------------------------------------------------------------

    def _choose_answer(
        self,
        view: RequestView,
        caption: Caption,
        analysis: AnalysisReport,
        skeleton: Plan,
        feedback: list[str],
        wanted_items: dict[str, WantedOutput],
        recalled: dict[str, Figures],
    ) -> tuple[str, bool, list[str]]:
        """The answer, whether it is not the fallback, and the notes that follow it.

        A request for a chart and nothing more is answered by the chart's figures (recalled,
        or the data it gave with the analysis program's figures after them); anything else is
        the model's answer, with a note on where recalled figures come from.
        """
        kinds = {tag: chart_kind(wanted_items[tag]) for tag in recalled}
        if recalled and asks_only_for_figures(answer_subject(view)):
            answer = " ".join(
                figures_answer(self.model_name, figures, kinds[tag])
                for tag, figures in recalled.items()
            )
            return answer, True, []
        charted = [item for item in wanted_items.values() if item.kind in WANTED_CHARTS]
        typed = analysed_figures(analysis)
        if typed is not None and charted and asks_nothing_else(core_question(view.request.text)):
            subject = charted[0].subject or str(analysis.values.get("name") or "")
            subject = "" if subject.lower() == "value" else subject
            return data_answer(typed, chart_kind(charted[0]), subject), True, []
        ranked = "; ".join(figures.ranked(kinds[tag]) for tag, figures in recalled.items())
        answer, answered = self._answer(view, caption, analysis, skeleton, feedback, ranked)
        notes = [
            recall_note(self.model_name, figures, kinds[tag]) for tag, figures in recalled.items()
        ]
        return answer, answered, notes

    def _recall_figures(
        self, skeleton: Plan, wanted_items: dict[str, WantedOutput], view: RequestView
    ) -> dict[str, Figures]:
        """The model's figures for each chart asked for that the inputs hold no numbers for.

        Asked before the answer, so that the answer is written with the chart's numbers. Never
        asked when the figures can only be the user's (``recallable``).
        """
        if not recallable(view):
            return {}
        request = strip_placeholders(core_question(view.request.text))
        recalled = {}
        for step in skeleton.steps:
            wanted = wanted_items.get(step.produces or "")
            if wanted is not None and wants_recalled_figures(step, wanted):
                figures = ask_figures(self.asker, step, wanted, request)
                if figures is not None:
                    recalled[step.produces or ""] = figures
        return recalled

    def _answer(
        self,
        view: RequestView,
        caption: Caption,
        analysis: AnalysisReport,
        skeleton: Plan,
        feedback: list[str],
        recalled: str,
    ) -> tuple[str, bool]:
        """The model's answer (written with ``recalled``, the chart's figures in words, when
        there are some), or the fallback answer and ``False``."""
        question = answer_subject(view)
        report = analysis.values.get("report", {}) if analysis.status == "ok" else {}
        data = shorten(", ".join(f"{name} = {value}" for name, value in report.items()), 700)
        printed = analysis.values.get("printed") if analysis.status == "ok" else None
        if isinstance(printed, str) and printed.strip():
            data = "; ".join(filter(None, [data, f"the program printed: {shorten(printed, 400)}"]))
        answer, record = self.asker.ask(
            answer_question(question),
            question=question,
            evidence=[strip_placeholders(line) for line in content_lines(view, 400)],
            data=data,
            recalled=recalled,
            feedback=feedback[-3:],
        )
        self.asker.report(record)
        if answer is None:
            return fallback_answer(skeleton, caption, view), False
        return answer, True

    def _image(
        self,
        step: Step,
        spec: str,
        answer: str,
        topic: str,
        drawn: list[list[str]],
        wanted: WantedOutput | None,
        view: RequestView,
    ) -> tuple[dict[str, Any], str]:
        kind = str(step.arguments.get("kind", "diagram"))
        if kind == "illustration":
            request = strip_placeholders(core_question(view.request.text))
            return ask_illustration(self.asker, step, spec, wanted, request)
        if kind not in DRAWN_KINDS:
            self._report(
                step, "chart" if "chart" in kind else kind, "heuristic", note=KEPT_NOTES["image"]
            )
            return step.arguments, spec
        diagram, record = self.asker.ask(
            diagram_question(answer, topic),
            tag=step.produces,
            step_id=step.id,
            kind=kind,
            topic=topic,
            answer=answer,
            avoid=[label for labels in drawn for label in labels],
        )
        self.asker.report(record)
        if not isinstance(diagram, Diagram):
            return self._answer_diagram(step, spec, answer, view)
        drawn.append(diagram.labels)
        # The prompt asks for the nodes in order, first stage to result: without edges that
        # order is the model's chain. With edges, an arrow is drawn only where the model linked
        # those two neighbouring boxes and its other arrows become notes. A flowchart is a
        # sequence by request and joins every step.
        joins = neighbour_links(diagram) if diagram.edges else [True] * (len(diagram.labels) - 1)
        arrows = kind == "flowchart" or all(joins)
        arguments = ImageArguments(
            kind="flowchart" if kind == "flowchart" else "diagram",
            title=diagram.title or str(step.arguments.get("title") or topic),
            labels=diagram.labels,
            arrows=True if arrows else joins,
            notes=edge_notes(diagram),
            **({"caption": step.arguments["caption"]} if step.arguments.get("caption") else {}),
        )
        # "a diagram of why the sky is blue", not "of Why is the sky blue".
        subject = subject_phrase(core_question(view.request.text)) or topic
        return step_arguments(arguments), shorten(
            f"A {kind} of {subject}: {linked_labels(diagram.labels, joins, arrows)}.", 300
        )

    def _answer_diagram(
        self, step: Step, spec: str, answer: str, view: RequestView
    ) -> tuple[dict[str, Any], str]:
        """The model's diagram was unusable: draw the answer's key terms, not the question's.

        Their order says nothing (they are ranked by frequency), so they are drawn as
        unconnected boxes: an arrow between two of them would state a link nobody made.
        """
        labels, notes = answer_diagram(answer, core_question(view.request.text))
        if not labels:
            return step.arguments, spec
        title = str(step.arguments.get("title") or "")
        arguments = ImageArguments(
            kind="diagram", arrows=False, title=title or labels[0], labels=labels, notes=notes
        )
        return step_arguments(arguments), shorten(
            f"A diagram of the answer's key terms, unconnected: {', '.join(labels)}.", 300
        )

    def _speech(self, step: Step, answer: str, index: int) -> tuple[dict[str, Any], str]:
        script = spoken(answer)
        if index > 0:
            script = f"In short: {split_sentences(script)[0]}" if script else script
        arguments = SpeechArguments(script=script or "This is the narration of the answer.")
        self._report(step, "narration", "answer", note="the narration speaks the answer")
        return step_arguments(
            arguments
        ), f"A narration of the answer ({len(script.split())} words)."

    def _video(self, step: Step, answer: str) -> tuple[dict[str, Any], str]:
        sentences = split_sentences(strip_placeholders(answer))[:MAX_SCENES]
        scenes = [
            Scene(
                caption=shorten(sentence, 200),
                duration_s=min(12.0, max(3.0, len(sentence.split()) / 2.5)),
            )
            for sentence in sentences
        ]
        arguments = dict(step.arguments)
        if scenes:
            arguments["scenes"] = [scene.model_dump() for scene in scenes]
        if "narration" in arguments:
            arguments["narration"] = spoken(answer) or arguments["narration"]
        video = VideoArguments.model_validate(arguments)
        self._report(step, "scenes", "answer", note="one scene per sentence of the answer")
        count = len(video.scenes)
        spec = f"A short video of {count} captioned scene{'' if count == 1 else 's'}"
        spec += " over the image" if video.image_steps else ""
        spec += ", narrated." if (video.narration or video.narration_step) else "."
        return step_arguments(video), spec

    def _document(
        self, step: Step, answer: str, answered: bool, topic: str
    ) -> tuple[dict[str, Any], str]:
        sentences = split_sentences(strip_placeholders(answer))
        grouped: list[tuple[str, list[str]]] | None = None
        if answered and len(sentences) >= 2:
            grouped, record = self.asker.ask(
                sections_question(sentences),
                tag=step.produces,
                step_id=step.id,
                topic=topic,
                sentences=sentences,
            )
            self.asker.report(record)
        else:
            why = "a one-sentence answer" if answered else "the answer is the heuristic's"
            self._report(step, "sections", "heuristic", note=f"one Answer section: {why}")
        answer_sections = (
            [Section(heading=heading, body=" ".join(body)) for heading, body in grouped]
            if grouped
            else [Section(heading="Answer", body=strip_placeholders(answer))]
        )
        sections: list[Section] = []
        for section in step.arguments.get("sections", []):
            if section.get("heading") == "Answer":
                sections += answer_sections
            else:
                sections.append(Section.model_validate(section))
        if not any(section in sections for section in answer_sections):
            sections += answer_sections
        arguments = {**step.arguments, "sections": [section.model_dump() for section in sections]}
        document = DocumentArguments.model_validate(arguments)
        return step_arguments(document), report_sentence(
            document.format, len(sections), len(document.tables)
        )

    def _code(
        self, step: Step, spec: str, view: RequestView, answer: str, answered: bool
    ) -> tuple[dict[str, Any], str]:
        if step.arguments.get("filename") == "analysis.py":
            self._report(
                step, "code", "heuristic", note="the analysis program that computed the values"
            )
            return step.arguments, spec
        request = strip_placeholders(view.request.text)
        code, record = self.asker.ask(
            code_question(),
            tag=step.produces,
            step_id=step.id,
            request=request,
            answer=answer if answered else "",
            previous="",
            failure="",
        )
        self.asker.report(record)
        if code is None:
            return step.arguments, spec
        arguments = CodeArguments(
            code=code, filename="answer.py", description=shorten(core_question(request), 300)
        )
        return step_arguments(
            arguments
        ), "A short Python program for the request, run in the sandbox."

    def _report(self, step: Step, field: str, source: Any, *, note: str) -> None:
        self.asker.report(
            FieldRecord(field=field, source=source, tag=step.produces, step_id=step.id, note=note)
        )


def spoken(answer: str) -> str:
    """The answer as a narration script, within the speech tool's limits."""
    evidence = Evidence(question="", topic="the answer", key_points=[], terms=[])
    return narration_script(evidence, answer, max_words=MAX_NARRATION_WORDS)[:4000]


def computed_facts(analysis: AnalysisReport, view: RequestView) -> str:
    """The analysis program's figures in one sentence (and the goal's), or "" when none ran."""
    if analysis.status != "ok" or not analysis.values.get("report"):
        return ""
    return analysis_sentence(analysis.values, view.request.text)


def content_lines(view: RequestView, max_text_chars: int) -> list[str]:
    """One line per input for the answer's prompt: a recording's transcript alone, every other
    input as perception sums it up (its summary is what a picture or video shows, or how a
    document's tables are laid out).

    A small model repeats what it is shown: given a recording's loudness and sample rate beside
    its transcript, it "summarised" the recording by its loudness.
    """
    lines = []
    for line, part in zip(view.evidence_lines(max_text_chars), view.request.parts, strict=True):
        perception = view.perceptions.get(part.tag or "")
        if perception is None or not perception.text.strip() or part.modality != "audio":
            lines.append(line)
            continue
        text = shorten(" ".join(perception.text.split()), max_text_chars)
        lines.append(f'<{part.tag}> (the {part.modality} input) says: "{text}"')
    return lines


# "my monthly budget", "our sales": figures only the user has, which a model could only invent.
OWN_DATA = re.compile(r"\b(?:my|our|mine|ours)\b", re.IGNORECASE)


def recallable(view: RequestView) -> bool:
    """Whether a chart's figures may come from the model's knowledge: not when the request
    brings inputs (their numbers, even where unread, are the data) or speaks of the user's own
    data."""
    return not view.request.parts and not OWN_DATA.search(view.request.text)


def analysed_figures(analysis: AnalysisReport) -> Figures | None:
    """The labelled series the analysis program read, as ``Figures``, or ``None``."""
    if analysis.status != "ok":
        return None
    labels, values = analysis.values.get("labels"), analysis.values.get("values")
    if not isinstance(labels, list) or not isinstance(values, list) or len(values) < 2:
        return None
    if len(labels) != len(values) or len(values) < int(analysis.values.get("total", len(values))):
        return None  # only the first of many values were listed
    unit = str(analysis.values.get("unit") or "")
    return Figures(
        "", unit, [str(label) for label in labels], [float(value) for value in values], "request"
    )


def answer_subject(view: RequestView) -> str:
    """The question the answer is about: the subject, not the files ("Make a 3D model of a gear
    and explain what gears do" is asked as "A gear: explain what gears do."; the files are the
    tools' work)."""
    return strip_placeholders(subject_question(core_question(view.request.text)))


def wanted_per_step(skeleton: Plan, output_spec: OutputSpec) -> dict[str, WantedOutput]:
    """What the request wants each step's item to be, by the tag it produces."""
    wanted: dict[str, WantedOutput] = {}
    positions: dict[str, int] = {}
    for step in skeleton.steps:
        tag = step.produces or ""
        modality = tag_modality(tag)
        position = positions[modality] = positions.get(modality, -1) + 1
        item = output_spec.wanted_for(modality, position)
        if item is not None:
            wanted[tag] = item
    return wanted


def neighbour_links(diagram: Diagram) -> list[bool]:
    """For each pair of neighbouring boxes in the drawing order, whether the model linked them."""
    linked = {(source, target) for source, target, _ in diagram.edges}
    return [pair in linked for pair in itertools.pairwise(diagram.labels)]


def linked_labels(labels: list[str], joins: list[bool], all_joined: bool) -> str:
    """The labels as the picture shows them: ``A → B, C → D`` (an arrow only where drawn)."""
    text = labels[0] if labels else ""
    for label, join in zip(
        labels[1:], joins if not all_joined else [True] * len(joins), strict=True
    ):
        text += f" → {label}" if join else f", {label}"
    return text


def edge_notes(diagram: Diagram) -> list[str]:
    """Arrows the drawing does not show (the tool draws one only between neighbouring boxes),
    and every labelled arrow, as notes."""
    position = {label: index for index, label in enumerate(diagram.labels)}
    notes = [
        f"{source} → {target}" + (f": {label}" if label else "")
        for source, target, label in diagram.edges
        if position[target] != position[source] + 1 or label
    ]
    return [shorten(note, 120) for note in notes[:6]]


def shorten_code(code: str, limit: int = 3000) -> str:
    return code if len(code) <= limit else code[:limit] + "\n# ..."
