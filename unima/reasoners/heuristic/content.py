"""Content specs and tool arguments the heuristic reasoner writes for each output modality.

Each builder turns what the reasoner knows (the topic, key points, the analysis data) into the
arguments of one embedded tool, built with that tool's own argument model, so a renamed or
mistyped field is caught by the type checker and at construction, not by plan validation;
``Evidence`` carries that knowledge. A plan step holds the model dumped with only the fields
set here.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from unima.reasoners.heuristic.depiction import depicted_objects
from unima.reasoners.heuristic.shapes import refractive_index, shape_for
from unima.reasoners.heuristic.text_tools import key_terms, shorten, strip_placeholders, year_events
from unima.spec.parser import output_spec_for
from unima.tools.base import ToolArguments
from unima.tools.code import CodeArguments
from unima.tools.document.arguments import Cell, DocumentArguments, DocumentFormat, Section, Table
from unima.tools.image.arguments import ImageArguments, ImageKind
from unima.tools.mesh.arguments import MeshArguments, MeshPart
from unima.tools.speech.arguments import SpeechArguments
from unima.tools.video.arguments import Scene, VideoArguments
from unima.types import OutputKind, OutputSpec, WantedOutput, placeholder_tags

PROCESS_CUE = re.compile(
    r"\b(how|process|steps?|stages?|cycle|forms?|works?|flow|pipeline|sequence|procedure)\b", re.I
)
TREND_CUE = re.compile(
    r"\b(trend|over time|growth|forecast|timeline of values|per year|monthly|yearly)\b", re.I
)
TIMELINE_CUE = re.compile(r"\b(timeline|history|chronolog\w*|when did)\b", re.I)
WANTED_CHARTS = frozenset({"bar_chart", "line_chart", "pie_chart", "scatter_chart", "chart"})


@dataclass(frozen=True)
class Evidence:
    """What the heuristic reasoner knows when it writes content specs."""

    question: str
    topic: str
    key_points: list[str]
    terms: list[str]
    input_text: str = ""
    data_labels: list[str] = field(default_factory=list)
    data_values: list[float] = field(default_factory=list)
    data_report: dict[str, Any] = field(default_factory=dict)
    input_code: str = ""
    analysis_code: str = ""
    mesh_extents: list[float] = field(default_factory=list)
    # What each requested item should be (the output spec's ``wanted``); None: read the question.
    wanted: tuple[WantedOutput, ...] | None = None


def step_arguments(arguments: ToolArguments, *, exclude: set[str] | None = None) -> dict[str, Any]:
    """What a plan step holds: the fields set here (less ``exclude``), the tool's defaults left out."""
    return arguments.model_dump(exclude_unset=True, exclude=exclude)


def wanted_output(evidence: Evidence, modality: str, index: int) -> WantedOutput | None:
    """What the ``index``-th requested item of ``modality`` should be, if the request says.

    ``evidence.wanted`` (the output spec's) when the reasoner passed it; else the spec read
    from the question itself, its placeholders taken as inputs.
    """
    items = evidence.wanted if evidence.wanted is not None else _wanted_in(evidence.question)
    return OutputSpec(wanted=items).wanted_for(modality, index)


@lru_cache(maxsize=256)
def _wanted_in(question: str) -> tuple[WantedOutput, ...]:
    return output_spec_for(question, input_tags=placeholder_tags(question)).wanted


def image_arguments(evidence: Evidence, index: int) -> tuple[dict[str, Any], str]:
    """Arguments for ``generate_image`` and the content spec sentence.

    The kind the request asks for wins ("a bar chart", "a picture of X", "a flowchart"); a chart
    needs numbers from the inputs or the analysis, so a chart asked for without any is a
    labelled diagram that says so. With no kind asked for, the first image charts the data when
    there is some, and ``index`` varies the kinds of the others.
    """
    wanted = wanted_output(evidence, "image", index)
    kind = wanted.kind if wanted is not None else None
    subject = wanted.subject if wanted is not None else ""
    title = shorten(_capitalised(subject or evidence.topic), 80)
    if evidence.data_values and (kind in WANTED_CHARTS or (kind is None and index == 0)):
        return _chart_arguments(evidence, kind, title)
    if kind == "illustration":
        return _depiction_arguments(evidence, subject, title, index)
    events = year_events(evidence.input_text or evidence.question)
    steps = [shorten(point, 48) for point in evidence.key_points[:5]] or [
        term.title() for term in evidence.terms[:5]
    ]
    if len(steps) < 2:
        steps = [*steps, *[term.title() for term in evidence.terms[: 3 - len(steps)]], "Result"][:3]
    timeline_cue = kind is None and index == 0 and TIMELINE_CUE.search(evidence.question)
    if (kind == "timeline" or timeline_cue) and len(events) >= 2:
        timeline = ImageArguments(
            kind="timeline",
            title=title,
            labels=[label for label, _ in events],
            values=[year for _, year in events],
        )
        return step_arguments(
            timeline
        ), f"A timeline of {len(events)} dated events from the inputs."
    if kind == "timeline":
        timeline = ImageArguments(kind="timeline", title=title, labels=steps)
        return step_arguments(timeline), (
            f"A timeline of {len(steps)} events in order; the inputs date none of them."
        )
    process_cue = (
        kind is None
        and PROCESS_CUE.search(evidence.question)
        and index % 2 == 0
        and len(evidence.key_points) >= 3
    )
    if kind == "flowchart" or process_cue:
        about = subject or evidence.topic
        flowchart = ImageArguments(
            kind="flowchart", title=title, labels=steps, caption=f"The stages of {about}."
        )
        return step_arguments(flowchart), f"A flowchart of the stages: {' → '.join(steps)}."
    if kind is None and index % 2 == 1:
        illustration = ImageArguments(
            kind="illustration",
            title=title,
            labels=[term.title() for term in evidence.terms[:4]] or [title],
            seed=index,
        )
        return (
            step_arguments(illustration),
            f"An illustration of {evidence.topic}, labelled with its key terms.",
        )
    # Key terms are ranked by weight, not linked: arrows between them would state relations
    # nobody found, so they stand unconnected. Steps (the inputs' sentences in order) are joined.
    terms = [term.title() for term in evidence.terms[:6]]
    diagram = ImageArguments(
        kind="diagram",
        title=title,
        labels=terms or steps,
        arrows=not terms,
        notes=[shorten(point, 70) for point in evidence.key_points[:3]],
    )
    spec = f"A labelled diagram of {subject or evidence.topic} and its key terms."
    if kind in WANTED_CHARTS:
        asked = "chart" if kind == "chart" else (kind or "chart").replace("_", " ")
        spec = f"{spec[:-1]} (no {asked}: the inputs hold no numbers to draw one from)."
    return step_arguments(diagram), spec


def _chart_arguments(
    evidence: Evidence, wanted: OutputKind | None, title: str
) -> tuple[dict[str, Any], str]:
    kind: ImageKind = "line_chart" if TREND_CUE.search(evidence.question) else "bar_chart"
    if wanted in ("bar_chart", "line_chart", "pie_chart", "scatter_chart"):
        kind = wanted
    note = ""
    if kind == "pie_chart" and (
        any(value < 0 for value in evidence.data_values) or not math.fsum(evidence.data_values) > 0
    ):
        kind, note = (
            "bar_chart",
            " (the values cannot be shares of a pie: some are negative or they add up to nothing)",
        )
    chart = ImageArguments(
        kind=kind,
        title=title,
        labels=[shorten(label, 24) for label in evidence.data_labels],
        values=evidence.data_values,
        y_label="value",
        caption=_report_caption(evidence.data_report),
    )
    return (
        step_arguments(chart),
        f"A {kind.replace('_', ' ')} of the {len(evidence.data_values)} values found in the inputs{note}.",
    )


def _depiction_arguments(
    evidence: Evidence, subject: str, title: str, index: int
) -> tuple[dict[str, Any], str]:
    """A picture of ``subject``: an illustration whose labelled objects are what it shows."""
    objects = depicted_objects(subject) if subject else []
    if not objects:
        objects = depicted_objects(evidence.topic) or [term.title() for term in evidence.terms[:4]]
    illustration = ImageArguments(
        kind="illustration", title=title, labels=objects or [title], seed=index
    )
    shown = ", ".join(objects) if objects else title
    return (
        step_arguments(illustration),
        f"An illustration of {subject or evidence.topic}, showing {shown}.",
    )


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _report_caption(report: dict[str, Any]) -> str:
    shown = [
        f"{name} {report[name]:g}"
        for name in ("mean", "median", "min", "max")
        if isinstance(report.get(name), int | float)
    ]
    goal, above, below = (
        report.get("goal"),
        report.get("at_or_above_goal"),
        report.get("below_goal"),
    )
    if isinstance(goal, int | float) and isinstance(above, int) and isinstance(below, int):
        shown.append(f"goal {goal:g}: {above} of {above + below} at or above")
    return ", ".join(shown)


def narration_script(evidence: Evidence, answer_text: str, max_words: int = 60) -> str:
    """What a narration says: the answer's first sentences, read aloud (no placeholders)."""
    spoken = strip_placeholders(answer_text)
    spoken = re.sub(r"\b(image|audio|video|document|code|threeD) \d+\b", "", spoken)
    spoken = re.sub(r"[*_#`>|]", " ", spoken)
    spoken = re.sub(r"\s+([,.;:])", r"\1", " ".join(spoken.split()))
    tokens = spoken.split()
    if len(tokens) > max_words:
        cut = " ".join(tokens[:max_words])
        spoken = cut[: cut.rfind(".") + 1] if "." in cut else cut + "."
    return spoken or f"This is a short narration about {evidence.topic}."


def speech_arguments(script: str) -> tuple[dict[str, Any], str]:
    return (
        step_arguments(SpeechArguments(script=script)),
        f"A narration of the answer ({len(script.split())} words).",
    )


def video_arguments(
    evidence: Evidence, script: str, image_step: str | None, audio_step: str | None
) -> tuple[dict[str, Any], str]:
    scenes = [
        Scene(caption=shorten(point, 110), duration_s=3.0) for point in evidence.key_points[:4]
    ]
    if not scenes:
        scenes = [Scene(caption=shorten(evidence.topic, 110), duration_s=3.0)]
    arguments = VideoArguments(
        title=shorten(evidence.topic, 80),
        scenes=scenes,
        image_steps=[image_step] if image_step else [],
        narration="" if audio_step else script,
        narration_step=audio_step,
    )
    # The step names only what applies: image steps when there are some, one soundtrack source.
    unused = {"narration" if audio_step else "narration_step"}
    if not image_step:
        unused.add("image_steps")
    spec = f"A short video of {len(scenes)} captioned scene{'' if len(scenes) == 1 else 's'}"
    spec += " over the image" if image_step else ""
    spec += ", narrated." if (audio_step or script) else "."
    return step_arguments(arguments, exclude=unused), spec


def document_arguments(
    evidence: Evidence, answer_text: str, figure_steps: list[str], format: DocumentFormat
) -> tuple[dict[str, Any], str]:
    question = strip_placeholders(evidence.question)
    # A question is worth restating above its answer; "Write a report on ..." is not.
    sections = [Section(heading="Question", body=question)] if "?" in question else []
    sections.append(Section(heading="Answer", body=strip_placeholders(answer_text)))
    if evidence.key_points:
        sections.append(
            Section(
                heading="Key points",
                body="\n".join(f"- {point}" for point in evidence.key_points),
            )
        )
    tables = []
    if evidence.data_values:
        rows: list[list[Cell]] = [
            [label, value]
            for label, value in zip(evidence.data_labels, evidence.data_values, strict=False)
        ]
        tables.append(
            Table(caption="Data found in the inputs", columns=["label", "value"], rows=rows)
        )
    if evidence.data_report:
        rows = [[name, value] for name, value in evidence.data_report.items()]
        tables.append(Table(caption="Computed values", columns=["measure", "value"], rows=rows))
    wanted = wanted_output(evidence, "document", 0)
    about = (wanted.subject if wanted is not None else "") or evidence.topic
    arguments = DocumentArguments(
        title=shorten(about[:1].upper() + about[1:], 100),
        format=format,
        sections=sections,
        tables=tables,
        figure_steps=figure_steps,
    )
    return step_arguments(arguments), report_sentence(format, len(sections), len(tables))


def report_sentence(format: str, sections: int, tables: int) -> str:
    """The content spec of a report: "A PDF report with 3 sections and 1 table."."""
    parts = [f"{sections} section{'' if sections == 1 else 's'}"]
    if tables:
        parts.append(f"{tables} table{'' if tables == 1 else 's'}")
    return f"A {format.upper()} report with {' and '.join(parts)}."


def code_arguments(evidence: Evidence) -> tuple[dict[str, Any], str]:
    """The analysis program when there is one; else a program that prints the key points."""
    if evidence.analysis_code:
        analysis = CodeArguments(
            code=evidence.analysis_code,
            filename="analysis.py",
            description="The data analysis behind the answer.",
        )
        return (
            step_arguments(analysis),
            "The Python program that computed the values in the answer.",
        )
    points = evidence.key_points or [evidence.topic]
    lines = [
        f'"""{shorten(evidence.topic, 90)}: the key points of the answer as data."""',
        "",
        "KEY_POINTS = [",
        *(f"    {point!r}," for point in points),
        "]",
        "",
        "",
        "def summary(points: list[str]) -> str:",
        '    """Number the key points, one per line."""',
        '    return "\\n".join(f"{index}. {point}" for index, point in enumerate(points, 1))',
        "",
        "",
        'if __name__ == "__main__":',
        "    print(summary(KEY_POINTS))",
        "",
    ]
    if evidence.input_code:
        lines[0] = '"""Notes on the input program, with its key points as data."""'
    program = CodeArguments(
        code="\n".join(lines),
        filename="answer.py",
        description="The key points as a runnable program.",
    )
    return (
        step_arguments(program),
        "A runnable Python program that prints the answer's key points.",
    )


def mesh_arguments(evidence: Evidence, index: int = 0) -> tuple[dict[str, Any], str]:
    """Arguments for ``generate_mesh``: a template for the model's subject, else the input's
    extents, else a display model. Only the subject chooses the template ("a 3D model of a
    raindrop"), never another word of the request ("light enters water" is no molecule)."""
    wanted = wanted_output(evidence, "threeD", index)
    subject = wanted.subject if wanted is not None else ""
    shape = shape_for(subject) if subject else None
    if shape is not None:
        parts = shape.build(refractive_index(f"{evidence.question} {evidence.input_text}"))
        spec = f"A 3D model of {subject}: {shape.description}, in {len(parts)} primitives."
    elif evidence.mesh_extents:
        x, y, z = (max(float(value), 1.0) for value in evidence.mesh_extents[:3])
        parts = [
            MeshPart(shape="box", size=[x, y, z], position=[0, 0, z / 2]),
            MeshPart(shape="box", size=[x * 1.1, y * 1.1, z * 0.1], position=[0, 0, -z * 0.05]),
        ]
        spec = "A 3D model matching the input's extents, on a base plate."
    else:
        parts = [
            MeshPart(shape="cylinder", radius=30, height=6, position=[0, 0, 3]),
            MeshPart(shape="box", size=[24, 24, 24], position=[0, 0, 18]),
            MeshPart(shape="sphere", radius=10, position=[0, 0, 40]),
        ]
        spec = f"A 3D display model standing for {subject or evidence.topic}."
    name = "_".join(key_terms(subject or evidence.topic, 3)) or "model"
    model = MeshArguments(name=name[:60], parts=parts, format="glb")
    return step_arguments(model), spec
