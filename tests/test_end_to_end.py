"""The agent end to end with the real embedded tools and the heuristic reasoner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from unima import UniMA, load_trace
from unima.errors import InputError
from unima.types import placeholder_tags

MODALITY_REQUESTS = {
    "image": ("Describe the water cycle. Include one diagram.", "image/png"),
    "audio": ("Describe the water cycle. Include a narrated audio clip.", "audio/"),
    "video": ("Describe the water cycle. Include a short video.", "video/mp4"),
    "document": ("Describe the water cycle. Provide a PDF report.", "application/pdf"),
    "code": ("Describe the water cycle. Include a Python script.", "text/x-python"),
    "threeD": ("Describe the water cycle. Include a 3D model.", "model/"),
}


@pytest.fixture(scope="module")
def agent() -> UniMA:
    return UniMA()


@pytest.mark.parametrize("modality", list(MODALITY_REQUESTS))
def test_each_output_modality_alone(agent: UniMA, modality: str) -> None:
    text, mime_prefix = MODALITY_REQUESTS[modality]
    response = agent.respond(text)
    tag = f"{modality}1"
    assert placeholder_tags(response.content) == [tag]
    assert list(response.artifacts) == [tag]
    artifact = response.artifacts[tag]
    assert artifact.mime.startswith(mime_prefix), artifact.mime
    assert artifact.verification is not None and artifact.verification.passed, artifact.verification
    assert Path(artifact.path).stat().st_size == artifact.size_bytes > 0
    assert response.status == "ok"


def test_text_only_answer(agent: UniMA) -> None:
    response = agent.respond("Why is the sky blue? Answer in text only.")
    assert response.artifacts == {} and response.status == "ok"
    assert "sky" in response.content.lower()


def test_all_modalities_combined_and_saved(agent: UniMA, tmp_path: Path) -> None:
    response = agent.respond(
        "Explain how a rainbow forms. Include one diagram, a narrated audio clip, a short video, "
        "a PDF handout, a Python snippet and a 3D model."
    )
    expected = ["audio1", "code1", "document1", "image1", "threeD1", "video1"]
    assert sorted(placeholder_tags(response.content)) == expected
    assert sorted(response.artifacts) == expected
    assert all(
        artifact.verification and artifact.verification.passed
        for artifact in response.artifacts.values()
    )
    speech = response.artifacts["audio1"].verification
    assert speech is not None and speech.checks["wer"] <= 0.35

    saved = response.save(tmp_path / "answer")
    document = json.loads((saved / "response.json").read_text())
    assert sorted(document["unim"]["modal"]) == expected
    for relative in document["unim"]["modal"].values():
        assert (saved / relative).is_file()
    assert (
        "<img" in (saved / "answer.html").read_text()
        and "<video" in (saved / "answer.html").read_text()
    )
    assert "![image1](media/image1.png)" in (saved / "answer.md").read_text()

    trace = load_trace(response.trace_path)
    assert {event.step_id for event in trace.events if event.kind == "step_end"} == {
        f"make_{tag}" for tag in expected
    }
    video_start = next(
        e for e in trace.events if e.kind == "step_start" and e.step_id == "make_video1"
    )
    assert set(video_start.data["input_sha256"]) == {"make_image1", "make_audio1"}


def test_question_about_a_table_is_analysed_in_the_sandbox(agent: UniMA, tmp_path: Path) -> None:
    table = tmp_path / "scores.csv"
    table.write_text("name,score\nAda,91\nBen,78\nCleo,85\nDev,62\n")
    response = agent.respond(
        ["Compute the mean score in <document1> and plot the scores. Include one chart.", table]
    )
    trace = load_trace(response.trace_path)
    assert trace.analysis is not None and trace.analysis.needed and trace.analysis.status == "ok"
    assert trace.analysis.sandbox_tier
    report = trace.analysis.values["report"]
    assert report["mean"] == pytest.approx(79.0) and report["argmax"] == "Ada"
    assert "mean = 79" in response.content
    chart = trace.plans[-1].nodes[0]
    assert chart["arguments"]["kind"] == "bar_chart" and chart["arguments"]["values"] == [
        91.0,
        78.0,
        85.0,
        62.0,
    ]
    assert response.artifacts["image1"].verification.passed  # type: ignore[union-attr]


def test_unim_instance_with_media_root(agent: UniMA, tmp_path: Path) -> None:
    from PIL import Image, ImageDraw

    root = tmp_path / "biology"
    (root / "image").mkdir(parents=True)
    image = Image.new("RGB", (320, 200), "white")
    ImageDraw.Draw(image).rectangle((40, 40, 280, 160), outline="green", width=6)
    image.save(root / "image" / "leaf.png")
    instance = {
        "domain": "natural_science",
        "subdomain": "biology",
        "id": "7",
        "input": {
            "modal": {"image1": "image/leaf.png"},
            "content": "The diagram <image1> shows a leaf. Explain photosynthesis. "
            "Your answer must include 1 image and 1 audio clip.",
        },
        "output": {
            "modal": {"image2": "image/x.png", "audio1": "audio/y.mp3"},
            "content": "secret answer",
        },
    }
    response = agent.respond(instance, media_root=root)
    assert sorted(response.to_unim()["modal"]) == [
        "audio1",
        "image2",
    ]  # numbered after the input image
    trace = load_trace(response.trace_path)
    assert trace.request is not None and "secret answer" not in trace.model_dump_json()
    assert trace.perceptions["image1"].meta


def test_hostile_instance_path_is_refused(agent: UniMA, tmp_path: Path) -> None:
    instance = {"input": {"modal": {"image1": "../../etc/passwd"}, "content": "Describe <image1>."}}
    with pytest.raises(InputError):
        agent.respond(instance, media_root=tmp_path)
