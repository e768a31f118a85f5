"""The agent answers from what real perception found: chart values, speech, document tables.

Perception is real (RapidOCR, faster-whisper, pypdf); the output tools are fakes, so the tests
check what the answer text says, not how media are generated.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from unima import UniMA, load_trace
from unima.reasoners.base import RequestView
from unima.reasoners.heuristic.perception_facts import (
    chart_series,
    data_view,
    direct_answer,
    mesh_extents,
    table_series,
)
from unima.testing import ScriptedChatModel, fake_toolbox
from unima.types import Part, Perception, Request

FRUIT = {"Apples": 12, "Bananas": 45, "Cherries": 30, "Dates": 22}
SCORES = {"Alice": 82, "Bob": 75, "Chen": 91, "Dana": 68, "Eve": 88}
SPOKEN = "The bridge opens at nine in the morning and closes at six in the evening."


@pytest.fixture(scope="module")
def agent() -> UniMA:
    return UniMA(tools=fake_toolbox())


def bar_chart(path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 4), dpi=100)
    axes = figure.add_subplot()
    bars = axes.bar(list(FRUIT), list(FRUIT.values()), color="#4c72b0")
    axes.bar_label(bars)
    axes.set_title("Fruit sold")
    axes.set_ylabel("Boxes")
    figure.tight_layout()
    figure.savefig(path)
    return path


def scores_pdf(path: Path) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table

    styles = getSampleStyleSheet()
    rows = [["Student", "Score"], *([name, str(score)] for name, score in SCORES.items())]
    SimpleDocTemplate(str(path), pagesize=A4).build(
        [
            Paragraph("Quiz results", styles["Title"]),
            Paragraph("The scores of the spring quiz, out of 100.", styles["Normal"]),
            Table(rows),
        ]
    )
    return path


def test_chart_question_quotes_the_values_ocr_read(agent: UniMA, tmp_path: Path) -> None:
    chart = bar_chart(tmp_path / "fruit.png")
    response = agent.respond(
        ["What is the highest value in <image1>? Include a short audio summary.", chart]
    )
    assert response.status == "ok", response.problems
    content = response.content
    assert "The highest value is 45 (Bananas)." in content
    for label, value in FRUIT.items():
        assert f"{label} {value}" in content
    assert "<audio1>" in content

    trace = load_trace(response.trace_path)
    event = next(event for event in trace.events if event.kind == "perception")
    assert event.data["backend"] == "rapidocr+pillow" and event.data["seconds"] > 0
    assert trace.analysis is not None and trace.analysis.values["report"]["max"] == 45
    assert trace.analysis.values["labels"] == list(FRUIT)


def test_speech_question_answers_with_the_transcript(agent: UniMA, tmp_path: Path) -> None:
    from unima.backends.piper_voice import synthesize

    speech = tmp_path / "notice.wav"
    synthesize(SPOKEN, speech)
    response = agent.respond(["What does the speaker in <audio1> say? Include one image.", speech])
    assert response.status == "ok", response.problems
    said = re.search(r"The speaker in audio1 says: “([^”]+)”", response.content)
    assert said is not None, response.content
    words = said.group(1).lower()
    for word in ("bridge", "opens", "morning", "closes", "evening"):
        assert word in words
    # Whisper writes numbers as digits or words.
    assert re.search(r"\b(9|nine)\b", words) and re.search(r"\b(6|six)\b", words), words
    assert "<image1>" in response.content


def test_document_table_feeds_the_analysis(agent: UniMA, tmp_path: Path) -> None:
    document = scores_pdf(tmp_path / "scores.pdf")
    response = agent.respond(
        ["Compute the mean of the scores in <document1>. Include one chart.", document]
    )
    assert response.status == "ok", response.problems
    mean = sum(SCORES.values()) / len(SCORES)  # 80.8
    assert f"The mean is {mean:g}." in response.content
    assert "The table in document1 gives Score: Alice 82, Bob 75" in response.content
    trace = load_trace(response.trace_path)
    assert trace.analysis is not None and trace.analysis.status == "ok"
    assert trace.analysis.values["values"] == [float(score) for score in SCORES.values()]
    # The chart the plan asks for draws the analysed values.
    chart_step = next(node for node in trace.plans[-1].nodes if node["produces"] == "image1")
    assert chart_step["arguments"]["values"] == [float(score) for score in SCORES.values()]


def test_perception_model_captions_reach_the_answer_and_trace(tmp_path: Path) -> None:
    chart = bar_chart(tmp_path / "fruit.png")
    chat = ScriptedChatModel(script={"perceive": "Four blue bars; Bananas is the tallest."})
    agent = UniMA(tools=fake_toolbox(), perception_llm=chat)
    response = agent.respond(["Describe <image1>. Answer in text only.", chart])
    assert "Model caption: Four blue bars; Bananas is the tallest." in response.content
    trace = load_trace(response.trace_path)
    event = next(event for event in trace.events if event.kind == "perception")
    assert event.data["backend"] == "rapidocr+pillow+llm:scripted"
    assert trace.perceptions["image1"].meta["model_caption"].startswith("Four blue bars")
    step, messages = chat.calls[0]
    assert step == "perceive"
    assert "The request this input belongs to: Describe <image1>." in messages[1].content[0]["text"]


# -- the readers on hand-made perceptions ---------------------------------------------------


def view_of(*perceptions: Perception, question: str = "Compute the mean.") -> RequestView:
    parts = tuple(Part(modality=p.modality, tag=p.tag) for p in perceptions)
    return RequestView(Request(text=question, parts=parts), {p.tag or "": p for p in perceptions})


def test_chart_series_refuses_columns_it_cannot_pair() -> None:
    def line(text: str, left: float, top: float) -> dict[str, object]:
        return {
            "text": text,
            "box": [[left, top], [left + 20, top], [left + 20, top + 10], [left, top + 10]],
        }

    chart = {"labels": ["A", "B"], "axis_numbers": [0.0, 10.0], "y_axis": [10.0, 0.0]}
    paired = Perception(
        modality="image",
        meta={
            "chart": chart,
            "ocr": [
                line("10", 0, 20),
                line("7", 100, 40),
                line("3", 200, 60),
                line("A", 100, 90),
                line("B", 200, 90),
            ],
        },
    )
    assert chart_series(paired) == [("A", 7.0), ("B", 3.0)]
    unpaired = paired.model_copy(
        update={
            "meta": {
                "chart": chart,
                "ocr": [
                    line("10", 0, 20),
                    line("7", 100, 40),
                    line("A", 100, 90),
                    line("B", 200, 90),
                ],
            }
        }
    )
    assert chart_series(unpaired) == []
    # A chart whose values cannot be paired gives the analysis nothing rather than its ticks.
    assert (
        data_view(view_of(unpaired.model_copy(update={"tag": "image1", "text": "10 A 7 B"})))
        .perceptions["image1"]
        .text
        == ""
    )


def test_table_series_and_mesh_extents() -> None:
    csv_like = Perception(
        modality="document",
        tag="document1",
        meta={
            "table": {
                "columns": ["city", "year", "rain_mm"],
                "rows": [["Oslo", "2020", "760"], ["Rome", "2020", "800"]],
            }
        },
    )
    assert table_series(csv_like) == ([("Oslo", 760.0), ("Rome", 800.0)], "rain_mm")
    assert data_view(view_of(csv_like)).perceptions["document1"].text == "Oslo: 760\nRome: 800"
    mesh = Perception(modality="threeD", meta={"bounds": [[0, 0, 0], [100, 80, 30]]})
    assert mesh_extents(mesh) == [100.0, 80.0, 30.0]
    assert mesh_extents(Perception(modality="threeD", meta={"extents": [1, 2, 3]})) == [
        1.0,
        2.0,
        3.0,
    ]


def test_direct_answer_phrases() -> None:
    report = {
        "max": 45.0,
        "argmax": "Bananas",
        "min": 12.0,
        "argmin": "Apples",
        "mean": 27.25,
        "sum": 109.0,
    }
    assert direct_answer("Which is the highest and the lowest?", report) == (
        "The highest value is 45 (Bananas). The lowest value is 12 (Apples)."
    )
    assert (
        direct_answer("What is the average and the total?", report)
        == "The mean is 27.25. The total is 109."
    )
    assert direct_answer("Describe the chart.", report) == ""
