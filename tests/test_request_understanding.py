"""Understanding the request: each output is the kind of thing asked for, showing its subject.

Issue 12 item 3: "a 3D model of a raindrop" is a drop-shaped model, "a picture of the plated
dish" a picture of the dish (not a diagram of the question's words), a bar chart a bar chart,
and a PNG passed for ``<document1>`` is that document.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw, ImageFont

from unima import UniMA, load_trace
from unima.inputs.request import build_request
from unima.reasoners.base import RequestView
from unima.reasoners.guided import FieldRecord, GuidedReasoner
from unima.reasoners.guided.depictions import PartReply, mesh_part
from unima.reasoners.heuristic.content import Evidence, image_arguments, mesh_arguments
from unima.reasoners.heuristic.depiction import depicted_objects
from unima.reasoners.heuristic.reasoner import HeuristicReasoner
from unima.reasoners.heuristic.shapes import SHAPES, refractive_index, shape_for
from unima.spec.parser import output_spec_for
from unima.testing import ScriptedChatModel
from unima.tools.mesh.arguments import MeshArguments
from unima.types import AnalysisReport, Plan, Request, WantedOutput

REFRACTION = (
    "Light with refractive index 1.333 enters water; explain refraction with a diagram and a "
    "3D model"
)
OMELETTE = "Show a picture of the plated dish for a classic French omelette"


def heuristic_plan(text: str, analysis: AnalysisReport | None = None) -> Plan:
    reasoner = HeuristicReasoner()
    view = RequestView(Request(text=text))
    spec = output_spec_for(text)
    caption = reasoner.caption(view, spec)
    return reasoner.plan(
        view, caption, analysis or AnalysisReport(needed=False), spec.tags(), feedback=[]
    )


def arguments_of(plan: Plan, tag: str) -> dict[str, Any]:
    return next(step.arguments for step in plan.steps if step.produces == tag)


def shapes_of(arguments: dict[str, Any]) -> list[str]:
    return [part["shape"] for part in MeshArguments.model_validate(arguments).model_dump()["parts"]]


def evidence(question: str, **fields: Any) -> Evidence:
    return Evidence(question=question, topic=question, key_points=[], terms=[], **fields)


# -- depictions -------------------------------------------------------------------------------


def test_a_picture_of_a_dish_is_an_illustration_of_the_dish() -> None:
    plan = heuristic_plan(OMELETTE)
    image = arguments_of(plan, "image1")
    assert image["kind"] == "illustration"
    labels = [label.lower() for label in image["labels"]]
    assert any("omelette" in label for label in labels)
    assert any("dish" in label for label in labels)
    # The question's own verbs and media words are not things in the picture.
    assert not any(word in label for label in labels for word in ("show", "picture", "classic"))
    assert "illustration of the plated dish" in plan.content_specs["image1"]


@pytest.mark.parametrize(
    ("subject", "objects"),
    [
        ("the plated dish for a classic French omelette", ["Plated dish", "French omelette"]),
        ("a cat wearing a hat", ["Cat", "Hat"]),
        ("two dogs playing with a ball in the park", ["Dogs", "Ball", "Park"]),
        ("the Eiffel Tower", ["Eiffel Tower"]),
        ("", []),
    ],
)
def test_depicted_objects_are_the_subjects_noun_groups(subject: str, objects: list[str]) -> None:
    assert depicted_objects(subject) == objects


def test_an_image_with_no_kind_keeps_the_old_choices() -> None:
    plan = heuristic_plan("Explain how photosynthesis works. Include two images.")
    assert [arguments_of(plan, tag)["kind"] for tag in ("image1", "image2")] == [
        "diagram",
        "illustration",
    ]


# -- charts need data -------------------------------------------------------------------------

DATA = AnalysisReport(
    needed=True,
    status="ok",
    values={"labels": ["North", "South", "East"], "values": [5.0, 3.0, 2.0], "report": {}},
)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Include a bar chart of the regions.", "bar_chart"),
        ("Include a pie chart of the regions.", "pie_chart"),
        ("Include a line chart of the regions.", "line_chart"),
        ("Include a scatter plot of the regions.", "scatter_chart"),
    ],
)
def test_a_chart_is_the_kind_asked_for_when_there_is_data(text: str, kind: str) -> None:
    chart = arguments_of(heuristic_plan(text, DATA), "image1")
    assert chart["kind"] == kind and chart["values"] == [5.0, 3.0, 2.0]


def test_a_pie_of_negative_values_is_a_bar_chart_that_says_why() -> None:
    data = evidence(
        "Include a pie chart of the changes.", data_labels=["a", "b"], data_values=[3.0, -1.0]
    )
    arguments, spec = image_arguments(data, 0)
    assert arguments["kind"] == "bar_chart" and "negative" in spec


def test_a_chart_without_data_is_a_diagram_that_says_so() -> None:
    plan = heuristic_plan("Include a bar chart of the population of France.")
    assert arguments_of(plan, "image1")["kind"] == "diagram"
    assert "no bar chart: the inputs hold no numbers" in plan.content_specs["image1"]


def test_the_output_specs_wanted_items_win_over_the_question() -> None:
    wanted = (WantedOutput(modality="image", kind="timeline", subject="the moon landings"),)
    arguments, spec = image_arguments(evidence("Explain the moon landings.", wanted=wanted), 0)
    assert arguments["kind"] == "timeline" and arguments["title"] == "The moon landings"
    assert spec.startswith("A timeline of")


# -- 3D models --------------------------------------------------------------------------------


def test_water_in_the_sentence_does_not_make_a_molecule() -> None:
    plan = heuristic_plan(REFRACTION)
    spec = plan.content_specs["threeD1"]
    assert "molecule" not in spec and "refraction" in spec
    parts = MeshArguments.model_validate(arguments_of(plan, "threeD1")).parts
    rays = [part for part in parts if part.shape == "cylinder" and part.color == "#f1c232"]
    assert len(rays) == 2
    # Snell's law with the stated index: sin(45 deg) / 1.333 -> the refracted ray at ~32 deg.
    assert rays[1].rotation_deg[1] == pytest.approx(
        -math.degrees(math.asin(math.sin(math.pi / 4) / 1.333))
    )
    assert plan.content_specs["image1"].startswith("A labelled diagram of refraction")


def test_a_raindrop_is_a_sphere_drawn_up_into_a_cone() -> None:
    plan = heuristic_plan("Make a 3D model of a raindrop.")
    parts = MeshArguments.model_validate(arguments_of(plan, "threeD1")).parts
    assert [part.shape for part in parts] == ["sphere", "cone"]
    sphere, cone = parts
    assert cone.position[2] > sphere.position[2]  # the point is on top
    assert cone.radius is not None and sphere.radius is not None and cone.radius < sphere.radius


def test_a_helix_is_spheres_on_a_helix() -> None:
    plan = heuristic_plan("Give me a 3D print of a DNA helix.")
    parts = MeshArguments.model_validate(arguments_of(plan, "threeD1")).parts
    spheres = [part for part in parts if part.shape == "sphere"]
    assert len(spheres) >= 20
    radii = {round(math.hypot(part.position[0], part.position[1]), 6) for part in spheres}
    assert len(radii) == 1  # every sphere on one cylinder around the axis
    heights = [part.position[2] for part in spheres[: len(spheres) // 2]]
    assert heights == sorted(heights) and heights[-1] > heights[0]
    single = shape_for("a spring")
    assert single is not None and single is SHAPES["helix"]


@pytest.mark.parametrize(
    ("subject", "shape"),
    [
        ("a raindrop", "raindrop"),
        ("a drop of water", "raindrop"),
        ("a water molecule", "molecule"),
        ("a glass of water", "cup"),
        ("the Eiffel tower", "tower"),
        ("a red rocket ship", "rocket"),
        ("water", None),
        ("the Colosseum", None),
    ],
)
def test_the_template_follows_the_subjects_head_noun(subject: str, shape: str | None) -> None:
    found = shape_for(subject)
    assert (found.name if found else None) == shape


def test_a_subject_with_no_template_gets_a_display_model_named_for_it() -> None:
    arguments, spec = mesh_arguments(evidence("Make a 3D model of the Colosseum in water."))
    assert spec == "A 3D display model standing for the Colosseum in water."
    assert arguments["name"].startswith("colosseum")


def test_every_template_is_a_valid_mesh() -> None:
    for shape in SHAPES.values():
        parts = shape.build(1.5)
        MeshArguments(name=shape.name.replace(" ", "_"), parts=parts)
    assert refractive_index("glass of refractive index 1.52") == 1.52
    assert refractive_index("a refractive index of 40") == 1.333  # not a refractive index


def test_a_raindrop_model_is_built_and_verified(tmp_path: Path) -> None:
    agent = UniMA(reasoner="heuristic", trace_dir=tmp_path / "traces")
    response = agent.respond("Make a 3D model of a raindrop.")
    assert response.status == "ok" and list(response.artifacts) == ["threeD1"]
    artifact = response.artifacts["threeD1"]
    assert artifact.mime.startswith("model/") and artifact.verification is not None
    assert artifact.verification.passed


# -- traces and inputs ------------------------------------------------------------------------


def test_the_trace_records_the_wanted_kind_and_an_older_trace_still_loads(
    tmp_path: Path,
) -> None:
    agent = UniMA(reasoner="heuristic", trace_dir=tmp_path / "traces")
    response = agent.respond(OMELETTE)
    trace_path = Path(response.trace_path or "")
    data = json.loads(trace_path.read_text())
    wanted = data["output_spec"]["wanted"]
    assert [(item["modality"], item["kind"]) for item in wanted] == [("image", "illustration")]
    recorded = load_trace(trace_path).output_spec
    assert recorded is not None and recorded.wanted[0].subject.endswith("French omelette")
    # A trace written before the field existed.
    del data["output_spec"]["wanted"]
    del data["caption"]["output_spec"]["wanted"]
    older = tmp_path / "older.json"
    older.write_text(json.dumps(data))
    loaded = load_trace(older).output_spec
    assert loaded is not None and loaded.wanted == ()


def scanned_page(path: Path) -> Path:
    image = Image.new("RGB", (640, 200), "white")
    font = ImageFont.load_default(size=30)
    ImageDraw.Draw(image).text((20, 70), "Invoice total: 420 dollars", fill="black", font=font)
    image.save(path)
    return path


def test_a_png_named_document1_is_that_document(tmp_path: Path) -> None:
    page = scanned_page(tmp_path / "scan.png")
    request = build_request(["Summarise <document1> in two sentences.", page])
    (part,) = request.parts
    assert (part.tag, part.modality, part.mime) == ("document1", "document", "image/png")
    assert "attached" not in request.text and "output_tags" not in request.source
    # An image placeholder in the text keeps the PNG an image.
    both = build_request(["Compare <image1> with <document1>.", page, tmp_path / "scan.png"])
    assert [(part.tag, part.modality) for part in both.parts] == [
        ("image1", "image"),
        ("document1", "document"),
    ]


@pytest.mark.slow
def test_a_scanned_document_is_read_with_ocr(tmp_path: Path) -> None:
    page = scanned_page(tmp_path / "scan.png")
    agent = UniMA(reasoner="heuristic", trace_dir=tmp_path / "traces")
    response = agent.respond(["Summarise <document1> in two sentences.", page])
    assert response.status == "ok" and not response.artifacts
    assert "420 dollars" in response.content


# -- the guided reasoner asks what a depiction shows ------------------------------------------

GUIDED_ANSWER = (
    "A French omelette is folded eggs cooked gently in butter. It is served on a warm plate, "
    "pale and soft inside, often with chives."
)
RAINDROP_PARTS = {
    "parts": [
        {"shape": "sphere", "size": [20, 20, 20], "position": [0, 0, 10]},
        {"shape": "cone", "size": [19, 19, 18], "position": [0, 0, 22]},
    ]
}


def guided_plan(text: str, script: dict[str, Any], records: list[FieldRecord]) -> Plan:
    model = ScriptedChatModel(script={"guided_answer": GUIDED_ANSWER, **script})
    reasoner = GuidedReasoner(model, timeout_s=5, on_field=records.append)
    view = RequestView(Request(text=text))
    spec = output_spec_for(text)
    caption = reasoner.caption(view, spec)
    return reasoner.plan(view, caption, AnalysisReport(needed=False), spec.tags(), feedback=[])


def record_of(records: list[FieldRecord], field: str) -> FieldRecord:
    return next(record for record in records if record.field == field)


def test_the_model_names_what_an_illustration_shows() -> None:
    records: list[FieldRecord] = []
    scene = json.dumps({"objects": ["French omelette", "white plate", "chives"]})
    plan = guided_plan(OMELETTE, {"guided_scene": scene}, records)
    image = arguments_of(plan, "image1")
    assert image["kind"] == "illustration"
    assert image["labels"] == ["French omelette", "White plate", "Chives"]
    assert "showing French omelette, White plate, Chives" in plan.content_specs["image1"]
    record = record_of(records, "scene")
    assert (record.source, record.attempts, record.tag) == ("model", 1, "image1")


def test_a_scene_of_actions_is_asked_again_then_falls_back_to_the_heuristic() -> None:
    records: list[FieldRecord] = []
    actions = json.dumps({"objects": ["Show the dish", "Picture"]})
    unrelated = json.dumps({"objects": ["Cats", "Dogs"]})
    plan = guided_plan(OMELETTE, {"guided_scene": [actions, unrelated]}, records)
    assert arguments_of(plan, "image1")["labels"] == ["Plated dish", "French omelette"]
    record = record_of(records, "scene")
    assert record.source == "fallback" and record.attempts == 2
    assert "not a thing in the picture" in record.problems[0]
    assert "none of the objects is part of" in record.problems[1]


def test_the_model_builds_a_3d_model_from_primitives() -> None:
    records: list[FieldRecord] = []
    plan = guided_plan(
        "Make a 3D model of a raindrop.", {"guided_mesh": json.dumps(RAINDROP_PARTS)}, records
    )
    model = MeshArguments.model_validate(arguments_of(plan, "threeD1"))
    sphere, cone = model.parts
    assert (sphere.shape, sphere.radius) == ("sphere", 10)
    assert (cone.shape, cone.radius, cone.height) == ("cone", 9.5, 18)
    assert plan.content_specs["threeD1"] == "A 3D model of a raindrop built from 2 primitives."
    assert record_of(records, "mesh").source == "model"


@pytest.mark.parametrize(
    ("parts", "problem"),
    [
        (
            [
                {"shape": "box", "size": [10, 10, 10], "position": [0, 0, 0]},
                {"shape": "box", "size": [10, 10, 10], "position": [0, 0, 0]},
            ],
            "repeats another part",
        ),
        (
            [
                {"shape": "box", "size": [100, 100, 100], "position": [0, 0, 0]},
                {"shape": "sphere", "size": [0.5, 0.5, 0.5], "position": [0, 0, 50]},
            ],
            "too small to see",
        ),
        (
            [
                {"shape": "sphere", "size": [10, 10, 10], "position": [0, 0, 0]},
                {"shape": "sphere", "size": [10, 10, 10], "position": [500, 0, 0]},
            ],
            "does not touch the others",
        ),
        ([{"shape": "sphere", "size": [0, 10, 10], "position": [0, 0, 0]}], "greater than 0"),
        ([{"shape": "blob", "size": [1, 1, 1], "position": [0, 0, 0]}], "schema"),
    ],
)
def test_degenerate_models_are_refused_and_the_template_is_kept(
    parts: list[dict[str, Any]], problem: str
) -> None:
    records: list[FieldRecord] = []
    plan = guided_plan(
        "Make a 3D model of a raindrop.", {"guided_mesh": json.dumps({"parts": parts})}, records
    )
    heuristic = heuristic_plan("Make a 3D model of a raindrop.")
    assert arguments_of(plan, "threeD1") == arguments_of(heuristic, "threeD1")
    record = record_of(records, "mesh")
    assert record.source == "fallback" and record.attempts == 2
    assert problem in record.problems[0]


def test_a_torus_and_a_capsule_fit_the_box_they_are_given() -> None:
    torus = mesh_part(PartReply(shape="torus", size=[40, 40, 6], position=[0, 0, 0]))
    assert (torus.radius, torus.minor_radius) == (17, 3)
    capsule = mesh_part(PartReply(shape="capsule", size=[10, 10, 4], position=[0, 0, 0]))
    assert (capsule.radius, capsule.height) == (5, 10)  # never shorter than its two caps
    named = mesh_part(PartReply(shape="box", size=[1, 1, 1], position=[0, 0, 0], color="nope"))
    assert named.color == "#9aa0a6"  # an unknown colour keeps the default


@pytest.mark.parametrize(
    ("text", "counts", "first_subject"),
    [
        (
            "Show me a plated dish of spaghetti carbonara and a narrated 10-second clip.",
            {"image": 1, "video": 1},
            "plated dish of spaghetti carbonara",
        ),
        ("Show me a red fox in the snow.", {"image": 1}, "red fox in the snow"),
        ("Show me a way to sort a list.", {}, None),
        ("Show me a list of prime numbers.", {}, None),
        ("Can you show me an example of recursion?", {}, None),
        ("Show me a picture of a cat and a diagram.", {"image": 2}, "a cat"),
    ],
)
def test_show_me_a_thing_is_a_picture_of_it(
    text: str, counts: dict[str, int], first_subject: str | None
) -> None:
    spec = output_spec_for(text)
    assert {m: c for m, c in spec.counts.items() if c} == counts
    if first_subject is not None:
        assert spec.wanted[0].modality == "image"
        assert spec.wanted[0].kind == "illustration"
        assert spec.wanted[0].subject == first_subject


def test_show_me_a_thing_respects_an_exclusion() -> None:
    assert output_spec_for("Show me a cat. No images.").counts.get("image", 0) == 0


@pytest.mark.parametrize(
    ("text", "counts"),
    [
        ("Include a narrated 10-second clip.", {"video": 1}),
        ("Include a narrated clip.", {"video": 1}),
        ("Explain X with a narrated audio clip.", {"audio": 1}),
        ("Give me 2 images and 3 audio clips.", {"image": 2, "audio": 3}),
        ("Include a 30-second video and 2 images.", {"video": 1, "image": 2}),
        ("Make a narrated 2 minute video about tides.", {"video": 1}),
    ],
)
def test_a_narrated_clip_is_a_video_and_a_length_stays_in_its_phrase(
    text: str, counts: dict[str, int]
) -> None:
    assert output_spec_for(text).counts == counts


@pytest.mark.parametrize(
    "text",
    [
        "The person in video says: I love it. What is the sentiment?",
        "In the video, is the speaker sarcastic?",
        "What emotion is heard in the recording?",
    ],
)
def test_where_something_is_in_an_input_is_no_request_for_that_medium(text: str) -> None:
    assert output_spec_for(text, input_tags=["video1"]).counts == {}


def test_as_follows_says_how_not_in_what_form() -> None:
    text = "Complete the task as follows: (1) decode the visual behavior and speech prosody."
    assert output_spec_for(text).counts == {}
    assert output_spec_for("Send the summary as a PDF.").counts == {"document": 1}
