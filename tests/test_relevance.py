"""Relevance checks: valid files that do or do not carry the answer, one modality at a time."""

from __future__ import annotations

from typing import Any

import pytest

from unima.relevance import RelevanceInputs, check_relevance
from unima.relevance.terms import answer_substance, key_terms, stem
from unima.types import AnalysisReport, Artifact, OutputSpec, Relevance, Step, Verification

RAINBOW_QUESTION = "Explain how a rainbow forms. Include a diagram."
RAINBOW_ANSWER = (
    "A rainbow forms when sunlight enters raindrops, refracts, reflects off the back of each "
    "drop and disperses into its colours. <image1> shows the path of the light."
)


def judge(
    tool: str,
    arguments: dict[str, Any],
    *,
    request: str = RAINBOW_QUESTION,
    answer: str = RAINBOW_ANSWER,
    modality: Any = "image",
    meta: dict[str, Any] | None = None,
    checks: dict[str, Any] | None = None,
    analysis: AnalysisReport | None = None,
    output_spec: OutputSpec | None = None,
) -> Relevance:
    tag = f"{modality}1"
    artifact = Artifact(
        tag=tag,
        modality=modality,
        path="/nowhere/file",
        mime="application/octet-stream",
        sha256="0" * 64,
        meta=meta or {},
        verification=Verification(passed=True, checks=checks or {}),
    )
    step = Step(id=f"make_{tag}", tool=tool, arguments=arguments, produces=tag)
    relevance = check_relevance(
        RelevanceInputs(
            request=request,
            answer=answer,
            step=step,
            artifact=artifact,
            analysis=analysis,
            output_spec=output_spec,
            output_tags=(tag,),
        )
    )
    assert relevance is not None
    return relevance


def names(relevance: Relevance) -> list[str]:
    return [reason.name for reason in relevance.reasons]


def test_stems_join_word_forms() -> None:
    assert stem("refraction") == stem("refracts") == stem("refracted") == stem("refracting")
    assert stem("sales") == stem("sale")
    assert stem("scattering") == stem("scatters")
    assert stem("glass") == "glass"  # not a plural
    assert list(key_terms("Explain how the user wants a diagram of rainbows")) == ["rainbow"]


def test_diagram_labelled_from_the_answer_is_relevant() -> None:
    relevance = judge(
        "generate_image",
        {
            "kind": "flowchart",
            "title": "Rainbow",
            "labels": ["Sunlight", "Refraction", "Reflection", "Dispersion"],
        },
    )
    assert relevance.passed, relevance.reasons
    assert relevance.checks["labels_from_answer"] == 1.0


def test_diagram_restating_the_question_is_not_relevant() -> None:
    relevance = judge(
        "generate_image",
        {"kind": "diagram", "title": "How a rainbow forms", "labels": ["How", "Rainbow", "Forms"]},
    )
    assert names(relevance) == ["labels_restate_question"]
    assert "refracts" in relevance.reasons[0].message or "sunlight" in relevance.reasons[0].message


def test_diagram_of_something_else_is_not_relevant() -> None:
    relevance = judge(
        "generate_image",
        {"kind": "diagram", "title": "Volcano", "labels": ["Magma chamber", "Vent", "Ash cloud"]},
    )
    assert names(relevance) == ["labels_not_in_answer"]


def test_restating_is_fine_when_the_answer_adds_nothing_about_the_subject() -> None:
    answer = (
        "The user wants an explanation of how a rainbow forms. <image1> is a labelled diagram "
        "of how a rainbow forms.\n\nThis tool cannot answer the question about rainbows offline."
    )
    relevance = judge(
        "generate_image",
        {"kind": "diagram", "title": "t", "labels": ["Rainbow", "Forms"]},
        answer=answer,
    )
    assert relevance.passed, relevance.reasons


def test_labels_that_name_nothing_fail() -> None:
    relevance = judge(
        "generate_image", {"kind": "diagram", "title": "t", "labels": ["Step", "The", "Diagram"]}
    )
    assert names(relevance) == ["labels_name_nothing"]


def test_cut_off_text_is_not_relevant() -> None:
    relevance = judge(
        "generate_image",
        {"kind": "diagram", "title": "t", "labels": ["Sunlight", "Raindrops"]},
        checks={"shortened_text": ["Sunlight enters raindrops and refracts"]},
    )
    assert names(relevance) == ["text_cut_off"]
    assert "Sunlight enters" in relevance.reasons[0].message


SALES_REQUEST = "Plot a bar chart of the monthly sales in <document1>."
SALES_ANSWER = "Sales peaked in Apr at 20; the mean was 13.25. <image1> plots the four months."
SALES_ANALYSIS = AnalysisReport(
    needed=True,
    status="ok",
    values={"labels": ["Jan", "Feb", "Mar", "Apr"], "values": [10.0, 14.0, 9.0, 20.0]},
)


def chart(kind: str, values: list[float], labels: list[str] | None = None) -> dict[str, Any]:
    return {
        "kind": kind,
        "title": "Sales",
        "labels": labels or ["Jan", "Feb", "Mar", "Apr"],
        "values": values,
    }


def test_chart_of_the_asked_kind_and_values_is_relevant() -> None:
    relevance = judge(
        "generate_image",
        chart("bar_chart", [10, 14, 9, 20.001]),
        request=SALES_REQUEST,
        answer=SALES_ANSWER,
        analysis=SALES_ANALYSIS,
    )
    assert relevance.passed, relevance.reasons
    # Sorted bars are the same data: values are matched by label.
    sorted_bars = chart("bar_chart", [20, 14, 10, 9], ["Apr", "Feb", "Jan", "Mar"])
    assert judge(
        "generate_image", sorted_bars, request=SALES_REQUEST, analysis=SALES_ANALYSIS
    ).passed


def test_chart_of_another_kind_is_not_relevant() -> None:
    relevance = judge(
        "generate_image",
        chart("line_chart", [10, 14, 9, 20]),
        request=SALES_REQUEST,
        analysis=SALES_ANALYSIS,
    )
    assert names(relevance) == ["chart_kind"]
    assert (
        "line chart" in relevance.reasons[0].message and "bar chart" in relevance.reasons[0].message
    )
    diagram = {"kind": "diagram", "title": "Sales", "labels": ["Jan", "Feb"]}
    assert "chart_kind" in names(
        judge("generate_image", diagram, request=SALES_REQUEST, answer=SALES_ANSWER)
    )


def test_a_plain_chart_request_takes_any_chart_kind() -> None:
    request = "Make a chart of the sales in <document1>."
    assert judge("generate_image", chart("line_chart", [10, 14, 9, 20]), request=request).passed


def test_the_output_specs_wanted_kind_wins_over_the_words() -> None:
    class Wanted:
        kind = "pie_chart"

    class Spec:
        wanted = (Wanted(),)

        def wanted_for(self, modality: str, index: int) -> Wanted | None:
            return Wanted() if modality == "image" and index == 0 else None

    relevance = judge(
        "generate_image",
        chart("bar_chart", [10, 14, 9, 20]),
        request="Show the sales in <document1> as a picture.",
        output_spec=Spec(),  # type: ignore[arg-type]  # any object with the spec's shape
    )
    assert names(relevance) == ["chart_kind"] and "pie chart" in relevance.reasons[0].message


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([10, 14, 9], "plots 3 values, the analysis found 4"),
        ([10, 14, 9, 25], "not the analysis's"),
    ],
)
def test_chart_values_must_be_the_analysis_values(values: list[float], message: str) -> None:
    labels = ["Jan", "Feb", "Mar", "Apr"][: len(values)]
    relevance = judge(
        "generate_image",
        chart("bar_chart", values, labels),
        request=SALES_REQUEST,
        analysis=SALES_ANALYSIS,
    )
    assert names(relevance) == ["chart_values"] and message in relevance.reasons[0].message


def test_narration_of_the_answer_is_relevant_and_the_transcript_is_used() -> None:
    script = "A rainbow forms when sunlight refracts and reflects inside raindrops."
    assert judge("synthesize_speech", {"script": script}, modality="audio").passed
    heard = "The file is a wav clip of three seconds at sixteen kilohertz, mono, sample rate."
    relevance = judge(
        "synthesize_speech", {"script": script}, modality="audio", checks={"transcript": heard}
    )
    assert relevance.checks["judged_text"] == "transcript"
    assert names(relevance) == ["narration_reads_metadata"]


def test_narration_about_something_else_is_not_relevant() -> None:
    script = "Volcanoes erupt when magma pressure breaks through the crust and ash clouds rise."
    relevance = judge("synthesize_speech", {"script": script}, modality="audio")
    assert names(relevance) == ["narration_not_answer"]


def test_video_scenes_must_come_from_the_answer() -> None:
    good = {
        "scenes": [{"caption": "Sunlight enters a raindrop"}, {"caption": "The light refracts"}]
    }
    assert judge("compose_video", good, modality="video").passed
    bad = {
        "scenes": [{"caption": "Magma rises"}, {"caption": "Ash falls"}, {"caption": "Sunlight"}]
    }
    assert names(judge("compose_video", bad, modality="video")) == ["scenes_not_from_answer"]


def test_document_sections_must_carry_the_answer() -> None:
    good = {
        "title": "Rainbows",
        "sections": [{"heading": "How it forms", "body": RAINBOW_ANSWER}],
    }
    assert judge("render_document", good, modality="document").passed
    bad = {
        "title": "Report",
        "sections": [
            {"heading": "File facts", "body": "Written on a Tuesday by the pipeline."},
            {"heading": "Volcanoes", "body": "Magma and ash."},
        ],
    }
    assert names(judge("render_document", bad, modality="document")) == [
        "document_not_answer",
        "sections_not_from_answer",
    ]


def test_code_that_should_compute_a_result_must_output_one() -> None:
    request = "Compute the mean of the sales and include the code."
    ran = {"executed": True, "stdout": "mean: 13.25\n", "values": {}}
    assert judge(
        "run_code", {"code": "print(1)"}, request=request, modality="code", meta=ran
    ).passed
    silent = {"executed": True, "stdout": "", "values": {}, "files": {}}
    relevance = judge("run_code", {"code": "x = 1"}, request=request, modality="code", meta=silent)
    assert names(relevance) == ["no_result"]
    # A program asked for only as a program needs no output.
    assert judge(
        "run_code",
        {"code": "x = 1"},
        request="Include a Python script.",
        modality="code",
        meta=silent,
    ).passed


def test_a_3d_model_must_stand_for_the_subject() -> None:
    request = "Make a 3D model of a lighthouse."
    parts = [{"shape": "box", "size": [1, 1, 1]}]
    assert judge(
        "generate_mesh",
        {"name": "lighthouse_tower", "parts": parts},
        request=request,
        modality="threeD",
    ).passed
    assert names(
        judge(
            "generate_mesh", {"name": "model", "parts": parts}, request=request, modality="threeD"
        )
    ) == ["model_names_nothing"]
    assert names(
        judge(
            "generate_mesh", {"name": "teapot", "parts": parts}, request=request, modality="threeD"
        )
    ) == ["model_not_in_answer"]


def test_an_unknown_tool_is_not_judged() -> None:
    artifact = Artifact(modality="image", path="/x", mime="image/png", sha256="0" * 64)
    inputs = RelevanceInputs(
        request="q", answer="a", step=Step(id="s", tool="fake_tool"), artifact=artifact
    )
    assert check_relevance(inputs) is None


def test_old_artifacts_without_relevance_still_load() -> None:
    old = {"modality": "image", "path": "/x", "mime": "image/png", "sha256": "0" * 64}
    assert Artifact.model_validate(old).relevance is None


def test_labels_are_not_judged_against_an_answer_that_says_nothing() -> None:
    # The heuristic's honest "cannot answer" sentence gives no terms to draw from: a re-plan
    # could not change that, so the diagram is not failed for it.
    relevance = judge(
        "generate_image",
        {"kind": "diagram", "title": "Tides", "labels": ["Moon"]},
        request="Explain tides. Include one diagram.",
        answer=(
            "<image1> is a labelled diagram of tides and its key terms.\n\nunima's offline "
            "heuristic reasoner cannot answer this question about tides without a language model."
        ),
    )
    assert relevance.passed, relevance.reasons
    assert relevance.checks["labels_from_answer"] == "no answer terms to compare"


def test_arguments_of_another_backend_are_not_judged() -> None:
    artifact = Artifact(
        tag="image1",
        modality="image",
        path="/nowhere/file",
        mime="image/png",
        sha256="0" * 64,
        verification=Verification(passed=True),
    )
    step = Step(id="make_image1", tool="generate_image", arguments={"prompt": "a cat"})
    inputs = RelevanceInputs(request="Draw a cat.", answer="<image1>", step=step, artifact=artifact)
    assert check_relevance(inputs) is None


def test_what_a_program_printed_is_not_asked_of_the_other_files() -> None:
    answer = f"{RAINBOW_ANSWER}\n\nRun in the sandbox, code1 printed: 42 droplets counted"
    relevance = judge(
        "generate_image",
        {"kind": "flowchart", "title": "Rainbow", "labels": ["Sunlight", "Refraction"]},
        answer=answer,
    )
    assert relevance.passed, relevance.reasons
    assert "printed" not in key_terms(answer_substance(answer))
