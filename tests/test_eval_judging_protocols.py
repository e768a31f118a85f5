"""What the SC / HC / SH judges see: X2Caption with a vision captioner, the two protocols.

Scripted chat models stand in for the captioner and the judge, so every test checks what was
sent (the picture, the request or its absence, one call or two) and where the reply went.
"""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

import pytest
from loopback import chat_completion, serve_on_loopback
from PIL import Image, ImageDraw

from unima.bench.datasets.unim.instance import Side, UnimInstance
from unima.bench.datasets.unim.predictions import Prediction
from unima.errors import ConfigError
from unima.eval.coherence import CoherenceMetric
from unima.eval.judges.base import paired_scores
from unima.eval.judges.cache import JudgeCache
from unima.eval.judges.llm import LlmJudge
from unima.eval.judges.proxy import ProxyJudge
from unima.eval.protocols import OFFLINE_CAPTIONS, check_protocol
from unima.eval.records import InstanceContext, MetricOptions, MetricValue
from unima.eval.reference_captions import ReferenceCaptions, reference_captions_folder
from unima.eval.semantic import SemanticMetric
from unima.eval.x2caption import (
    CODE_CAPTION_CHARS,
    MODEL_CAPTION_MAX_CHARS,
    VisionCaptioner,
    caption_version,
    number_bare_placeholders,
    x2caption,
)
from unima.inputs.parts import complete_part
from unima.testing import ScriptedChatModel
from unima.types import Part

REQUEST = "Explain how a lighthouse warns ships at night. Include one picture."
REFERENCE = "A lighthouse flashes a beam over the sea. <image1> shows the beam at night."
VISION_REPLY = "A red and white lighthouse sweeping a yellow beam across a dark sea."
UNIMA = MetricOptions(extra={"protocol": "unima"})


def draw_picture(path: Path, colour: str) -> Path:
    image = Image.new("RGB", (96, 64), "navy")
    ImageDraw.Draw(image).rectangle((40, 8, 56, 60), fill=colour)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    media = tmp_path / "data" / "natural_science" / "physics"
    draw_picture(media / "image" / "ref.png", "white")
    predictions = tmp_path / "run"
    draw_picture(predictions / "media" / "beam.png", "yellow")
    return {"data": tmp_path / "data", "predictions": predictions}


def context_for(files: dict[str, Path], content: str, modal: dict[str, str]) -> InstanceContext:
    instance = UnimInstance(
        domain="natural_science",
        subdomain="physics",
        id="7",
        input=Side(content=REQUEST, modal={}),
        output=Side(content=REFERENCE, modal={"image1": "image/ref.png"}),
        difficulty_level=1,
    )
    prediction = Prediction(
        domain="natural_science", subdomain="physics", id="7", content=content, modal=modal
    )
    return InstanceContext(
        key=instance.key,
        instance=instance,
        prediction=prediction,
        prediction_root=files["predictions"],
        media_root=files["data"],
    )


def by_name(result: list[MetricValue]) -> dict[str, MetricValue]:
    return {value.name: value for value in result}


def sent_text(model: ScriptedChatModel, index: int = 0) -> str:
    """The user message text of call ``index`` (text parts only)."""
    content = model.calls[index][1][-1].content
    if isinstance(content, list):
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return str(content)


def test_the_vision_captioner_sends_the_picture_and_its_caption_reaches_the_judge(
    files: dict[str, Path], tmp_path: Path
) -> None:
    vision = ScriptedChatModel(script={"perceive": VISION_REPLY}, model_name="seer")
    captioner = VisionCaptioner(vision)
    judge_model = ScriptedChatModel(script={"judge_sc_unim": '{"score": 5, "reason": "same"}'})
    metric = SemanticMetric(
        MetricOptions(cache_path=tmp_path / "cache.sqlite"),
        judge=LlmJudge(judge_model, model_name="judge"),
        captioner=captioner,
    )
    scored = by_name(
        metric.score(
            context_for(files, "The beam <image1> warns ships.", {"image1": "media/beam.png"})
        )
    )
    assert scored["SC"].value == 100.0
    # The captioner got the picture itself, as a base64 PNG image part.
    step, messages = vision.calls[0]
    parts = messages[-1].content
    assert step == "perceive"
    assert any(
        part.get("type") == "image_url" and part["image_url"]["url"].startswith("data:image/png")
        for part in parts
    )
    # Its reply is what the judge read for the predicted (and the reference) image.
    assert f"<image1: {VISION_REPLY}>" in sent_text(judge_model)
    assert metric.describe()["captioner"] == "vision:seer"


def test_model_captions_persist_in_the_judge_cache(tmp_path: Path) -> None:
    cache = JudgeCache(tmp_path / "cache.sqlite")
    picture = draw_picture(tmp_path / "a.png", "orange")
    vision = ScriptedChatModel(script={"perceive": "An orange tower."}, model_name="seer-cache")
    caption = x2caption(picture, "image", captioner=VisionCaptioner(vision), cache=cache)
    assert caption == "An orange tower."
    # A caption already on disk for another file is used without any call.
    other = draw_picture(tmp_path / "b.png", "green")
    digest = complete_part(Part(modality="image", path=str(other))).sha256
    key = f"{digest}:image:{MODEL_CAPTION_MAX_CHARS}"
    cache.put_caption("vision:seer-cache", caption_version(), key, "Stored: a green tower.")
    assert x2caption(other, "image", captioner=VisionCaptioner(vision), cache=cache) == (
        "Stored: a green tower."
    )
    assert len(vision.calls) == 1
    cache.close()
    reopened = JudgeCache(tmp_path / "cache.sqlite")
    assert reopened.get_caption("vision:seer-cache", caption_version(), key) == (
        "Stored: a green tower."
    )
    reopened.close()


def test_code_is_captioned_by_its_own_text_and_text_only_items_by_their_evidence(
    tmp_path: Path,
) -> None:
    vision = ScriptedChatModel(
        script={"x2caption": "Notes about tides and harbour lights."}, model_name="seer-text"
    )
    captioner = VisionCaptioner(vision)
    code = tmp_path / "tide.py"
    code.write_text("def tide(hour):\n    return hour % 12\n" + "# pad\n" * 2000)
    caption = x2caption(code, "code", captioner=captioner)
    assert caption.startswith("def tide(hour): return hour % 12")
    assert len(caption) <= CODE_CAPTION_CHARS and vision.calls == []
    notes = tmp_path / "notes.txt"
    notes.write_text("High tide at six. The harbour light turns on at dusk.")
    assert x2caption(notes, "document", captioner=captioner) == (
        "Notes about tides and harbour lights."
    )
    step, _ = vision.calls[0]
    assert step == "x2caption" and "High tide at six" in sent_text(vision)


def test_a_mesh_is_captioned_from_its_rendered_projections(tmp_path: Path) -> None:
    corners = [
        (0, 0, 0),
        (1, 0, 0),
        (1, 1, 0),
        (0, 1, 0),
        (0, 0, 1),
        (1, 0, 1),
        (1, 1, 1),
        (0, 1, 1),
    ]
    faces = [(1, 2, 3), (1, 3, 4), (5, 8, 7), (5, 7, 6), (1, 5, 6), (1, 6, 2)]
    faces += [(2, 6, 7), (2, 7, 3), (3, 7, 8), (3, 8, 4), (4, 8, 5), (4, 5, 1)]
    mesh = tmp_path / "cube.obj"
    mesh.write_text(
        "".join(f"v {x} {y} {z}\n" for x, y, z in corners)
        + "".join(f"f {a} {b} {c}\n" for a, b, c in faces)
    )
    vision = ScriptedChatModel(script={"perceive": "A plain grey cube."}, model_name="seer-mesh")
    assert x2caption(mesh, "threeD", captioner=VisionCaptioner(vision)) == "A plain grey cube."
    parts = vision.calls[0][1][-1].content
    assert sum(1 for part in parts if part.get("type") == "image_url") == 3  # front, top, side
    assert "12 faces" in sent_text(vision)  # what offline perception measured goes along


def test_offline_captions_are_labelled_as_perception_captions(files: dict[str, Path]) -> None:
    metric = SemanticMetric(judge=ProxyJudge())
    assert metric.describe()["captioner"] == OFFLINE_CAPTIONS == "perception captions (offline)"
    assert metric.describe()["protocol"] == "unim"


def test_the_official_sc_prompt_has_no_request_and_unima_s_has_it(files: dict[str, Path]) -> None:
    content = "Lighthouses flash at night. <image1> shows the beam."
    official = ScriptedChatModel(script={"judge_sc_unim": '{"score": 4}'})
    SemanticMetric(judge=LlmJudge(official, model_name="j")).score(
        context_for(files, content, {"image1": "media/beam.png"})
    )
    sent = sent_text(official)
    assert "warns ships at night" not in sent and "REQUEST" not in sent
    assert "A lighthouse flashes a beam over the sea." in sent and "PREDICTION" in sent
    variant = ScriptedChatModel(script={"judge_sc": '{"score": 4}'})
    SemanticMetric(UNIMA, judge=LlmJudge(variant, model_name="j")).score(
        context_for(files, content, {"image1": "media/beam.png"})
    )
    assert "warns ships at night" in sent_text(variant)


def test_the_official_hc_sh_come_from_one_call_on_the_response_alone(
    files: dict[str, Path],
) -> None:
    model = ScriptedChatModel(
        script={"judge_ics_unim": '{"coherence": 4, "style_consistency": 2, "reason": "ok"}'}
    )
    metric = CoherenceMetric(judge=LlmJudge(model, model_name="j"))
    scored = by_name(
        metric.score(
            context_for(files, "The beam <image1> warns ships.", {"image1": "media/beam.png"})
        )
    )
    assert (scored["HC"].value, scored["SH"].value) == (75.0, 25.0)
    assert scored["ICS_abs"].value == pytest.approx((2 * 75.0 + 25.0) / 3, abs=0.01)
    assert [step for step, _ in model.calls] == ["judge_ics_unim"]
    sent = sent_text(model)
    assert "The beam <image1: " in sent
    assert "warns ships at night" not in sent and "ITEMS" not in sent
    variant = ScriptedChatModel(script={"judge_hc": '{"score": 4}', "judge_sh": '{"score": 2}'})
    CoherenceMetric(UNIMA, judge=LlmJudge(variant, model_name="j")).score(
        context_for(files, "The beam <image1> warns ships.", {"image1": "media/beam.png"})
    )
    assert [step for step, _ in variant.calls] == ["judge_hc", "judge_sh"]
    assert "warns ships at night" in sent_text(variant)


def test_an_official_reply_missing_a_score_is_unparseable_for_both(
    files: dict[str, Path],
) -> None:
    model = ScriptedChatModel(script={"judge_ics_unim": '{"coherence": 4}'})
    metric = CoherenceMetric(judge=LlmJudge(model, model_name="j"))
    scored = by_name(
        metric.score(context_for(files, "The beam <image1>.", {"image1": "media/beam.png"}))
    )
    assert scored["HC"].value is None and scored["SH"].value is None
    assert scored["ICS_abs"].value is None and metric.counters()["unparseable_replies"] == 1


def test_bare_tags_are_placeholders_under_the_official_protocol(files: dict[str, Path]) -> None:
    assert number_bare_placeholders(
        "A <image> then <image2> and <image>.", ["image2", "image5"]
    ) == ("A <image5> then <image2> and <image0>.")
    assert number_bare_placeholders("Hear <audio>.", ["image1"]) == "Hear <audio0>."
    content = "The beam <image> warns ships."
    judge_model = ScriptedChatModel(
        script={
            "judge_sc_unim": '{"score": 5}',
            "judge_ics_unim": '{"coherence": 5, "style_consistency": 5}',
        }
    )
    judge = LlmJudge(judge_model, model_name="j")
    SemanticMetric(judge=judge).score(context_for(files, content, {"image1": "media/beam.png"}))
    CoherenceMetric(judge=judge).score(context_for(files, content, {"image1": "media/beam.png"}))
    for index in (0, 1):
        sent = sent_text(judge_model, index)
        assert "The beam <image1: " in sent and "<image>" not in sent
    proxy = by_name(
        CoherenceMetric(judge=ProxyJudge()).score(
            context_for(files, content, {"image1": "media/beam.png"})
        )
    )
    assert "dangling" not in proxy["HC"].details  # the bare tag is bound to image1


def test_the_proxy_gives_both_official_scores_in_one_verdict() -> None:
    payload = {
        "content": "Ships see the beam <image1> from far away. It flashes every ten seconds.",
        "response": "",
        "items": [
            {"tag": "image1", "modality": "image", "caption": "beam over the sea", "present": True}
        ],
    }
    judge = ProxyJudge()
    verdict = judge.score("unim_interleaved", payload)
    scores = paired_scores(verdict, "unim_interleaved")
    assert scores == {
        "coherence": judge.score("coherence", payload).score,
        "style": judge.score("style", payload).score,
    }
    assert "structural only" in judge.label("unim_interleaved")
    with pytest.raises(ConfigError, match="gives one score"):
        paired_scores(verdict, "semantic")


def test_unknown_protocols_are_refused() -> None:
    assert check_protocol(None) == "unim" and check_protocol(" UNIMA ") == "unima"
    with pytest.raises(ConfigError, match="unknown judging protocol 'paper'"):
        check_protocol("paper")
    with pytest.raises(ConfigError, match="unknown judging protocol"):
        SemanticMetric(MetricOptions(extra={"protocol": "paper"}))


def test_the_report_keeps_structural_hc_sh_out_of_the_headline_tables(tmp_path: Path) -> None:
    from rich.console import Console

    from unima.cli.eval import _overall_table
    from unima.eval.report_markdown import render_markdown
    from unima.eval.runner import evaluate
    from unima.eval.synthetic import write_predictions, write_synthetic_dataset

    instances = write_synthetic_dataset(tmp_path / "set", 4, seed=3)
    predictions = write_predictions(instances, tmp_path / "run")
    report = evaluate(
        instances,
        predictions,
        tmp_path / "out",
        metrics=["structure", "coherence"],
        cache_path=tmp_path / "cache.sqlite",
        plots=False,
    )
    assert report.source["protocol"] == "unim"
    assert report.source["captions"] == OFFLINE_CAPTIONS
    assert report.overall["HC"] is not None  # kept in report.json
    markdown = render_markdown(report)
    assert "- protocol: `unim`" in markdown and f"- captions: {OFFLINE_CAPTIONS}" in markdown
    overall = markdown.split("## Overall")[1].split("##")[0]
    assert "| HC | structural only |" in overall
    assert "## Structural proxy (not in the headline tables)" in markdown
    table5 = markdown.split("## Table 5")[1].split("##")[0]
    assert f"{report.overall['HC']:.1f}" not in table5 and "structural only" in table5
    console = Console(width=200, record=True)
    console.print(_overall_table(report))
    text = console.export_text()
    assert "structural only: see report.md" in text and "protocol unim" in text
    from unima.eval.plots import _label

    assert (
        _label(report, "HC") == "HC\n(structural\nonly)" and _label(report, "StS_abs") == "StS^abs"
    )
    written = json.loads((tmp_path / "out" / "report.json").read_text())
    assert written["source"]["protocol"] == "unim"


def test_the_command_takes_a_protocol_and_refuses_an_unknown_one(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from unima.cli import app
    from unima.eval.synthetic import write_predictions, write_synthetic_dataset

    instances = write_synthetic_dataset(tmp_path / "set", 3, seed=4)
    predictions = write_predictions(instances, tmp_path / "run")
    common = ["eval", "unim", "--data", str(instances), "--pred", str(predictions)]
    common += ["--metrics", "structure,coherence", "--no-plots", "--cache", str(tmp_path / "c.db")]
    result = CliRunner().invoke(app, [*common, "--out", str(tmp_path / "R"), "--protocol", "unima"])
    assert result.exit_code == 0, result.output
    written = json.loads((tmp_path / "R" / "report.json").read_text())
    assert written["source"]["protocol"] == "unima"
    assert written["families"]["coherence"]["description"]["protocol"] == "unima"
    assert written["families"]["coherence"]["description"]["captioner"] == OFFLINE_CAPTIONS
    bad = CliRunner().invoke(app, [*common, "--out", str(tmp_path / "B"), "--protocol", "paper"])
    assert bad.exit_code == 1 and "unknown judging protocol 'paper'" in " ".join(bad.output.split())


def test_the_official_sc_reads_the_released_pre_captioned_reference(
    files: dict[str, Path], tmp_path: Path
) -> None:
    captioned = tmp_path / "release" / "qapairs_caption"
    captioned.mkdir(parents=True)
    released_text = "RELEASED: lighthouses flash <image1:a white tower with a beam at night>."
    record = {"domain": "Natural Science", "subdomain": "Physics", "id": "7"}  # other spellings
    record["output"] = {"content": released_text, "modal": {"image1": "image/ref.png"}}
    (captioned / "all.jsonl").write_text(json.dumps(record) + "\n" + "not json\n")
    assert reference_captions_folder(tmp_path / "release") == captioned
    assert reference_captions_folder(captioned) == captioned
    assert reference_captions_folder(tmp_path) is None
    loaded = ReferenceCaptions(captioned)
    assert len(loaded) == 1 and loaded.problem_count == 1
    assert loaded.content(("natural_science", "physics", "7")) == released_text

    content = "Lighthouses flash. <image1> shows it."
    options = {"reference_captions": str(captioned)}
    official = ScriptedChatModel(script={"judge_sc_unim": '{"score": 5}'})
    metric = SemanticMetric(MetricOptions(extra=options), judge=LlmJudge(official, model_name="j"))
    scored = by_name(metric.score(context_for(files, content, {"image1": "media/beam.png"})))
    assert scored["SC"].details["reference_text"] == "released captions (qapairs_caption)"
    assert f"REFERENCE:\n{released_text}" in sent_text(official)
    assert "1 answers" in metric.describe()["reference_text"]
    variant = ScriptedChatModel(script={"judge_sc": '{"score": 5}'})
    SemanticMetric(
        MetricOptions(extra={**options, "protocol": "unima"}),
        judge=LlmJudge(variant, model_name="j"),
    ).score(context_for(files, content, {"image1": "media/beam.png"}))
    assert "RELEASED" not in sent_text(variant)  # unima's variant captions the reference itself


def test_the_runner_finds_the_release_s_captions_and_names_them(tmp_path: Path) -> None:
    from unima.eval.runner import evaluate
    from unima.eval.synthetic import write_predictions, write_synthetic_dataset

    release = tmp_path / "release"
    instances_file = write_synthetic_dataset(release, 2, seed=5)
    predictions = write_predictions(instances_file, tmp_path / "run")
    (release / "qapairs_placeholder").mkdir()
    instances_file.rename(release / "qapairs_placeholder" / "all.jsonl")
    (release / "qapairs_caption").mkdir()
    (release / "qapairs_caption" / "all.jsonl").write_text("")
    common = {"metrics": ["structure"], "cache_path": tmp_path / "c.db", "plots": False}
    report = evaluate(release, predictions, tmp_path / "A", **common)
    folder = (release / "qapairs_caption").resolve()
    assert report.source["reference_text"] == f"released captions: {folder}"
    assert report.counts["instances"] == 2
    variant = evaluate(release, predictions, tmp_path / "B", protocol="unima", **common)
    assert variant.source["reference_text"] == "captioned by unima"
    with pytest.raises(ConfigError, match="reference captions folder"):
        evaluate(
            release,
            predictions,
            tmp_path / "C",
            reference_captions=tmp_path / "absent",
            **common,
        )


class FakeModelServer(BaseHTTPRequestHandler):
    """An OpenAI-compatible endpoint: model ``served-seer`` captions, model ``judge`` judges."""

    seen: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).seen.append(body)
        system = str(body["messages"][0]["content"])
        if body["model"] == "served-seer":
            reply = VISION_REPLY
        elif "unima-step: judge_ics_unim" in system:
            reply = '{"coherence": 5, "style_consistency": 4}'
        else:
            reply = '{"score": 4}'
        data = chat_completion(body["model"], reply)
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


def test_the_command_captions_with_a_served_vision_model_and_judges_with_another(
    tmp_path: Path,
) -> None:
    from typer.testing import CliRunner

    from unima.cli import app

    draw_picture(
        tmp_path / "set" / "data" / "natural_science" / "physics" / "image" / "r.png", "white"
    )
    instance = {
        "domain": "natural_science",
        "subdomain": "physics",
        "id": "1",
        "input": {"content": REQUEST, "modal": {}},
        "output": {"content": REFERENCE, "modal": {"image1": "image/r.png"}},
        "difficulty_level": 1,
    }
    (tmp_path / "set" / "instances.jsonl").write_text(json.dumps(instance) + "\n")
    draw_picture(tmp_path / "run" / "media" / "beam.png", "yellow")
    answer = {
        "domain": "natural_science",
        "subdomain": "physics",
        "id": "1",
        "output": {
            "content": "The beam <image1> guides boats.",
            "modal": {"image1": "media/beam.png"},
        },
    }
    (tmp_path / "run" / "predictions.jsonl").write_text(json.dumps(answer) + "\n")
    FakeModelServer.seen = []
    with serve_on_loopback(FakeModelServer) as address:
        arguments = ["eval", "unim", "--data", str(tmp_path / "set" / "instances.jsonl")]
        arguments += ["--pred", str(tmp_path / "run"), "--out", str(tmp_path / "R"), "--no-plots"]
        arguments += ["--metrics", "semantic,coherence", "--cache", str(tmp_path / "c.db")]
        arguments += ["--judge", f"openai-compatible:{address}/v1:judge"]
        arguments += ["--caption-model", f"openai-compatible:{address}/v1:served-seer"]
        result = CliRunner().invoke(app, arguments)
        assert result.exit_code == 0, result.output
        calls = len(FakeModelServer.seen)
        again = CliRunner().invoke(app, [*arguments[:7], str(tmp_path / "R2"), *arguments[8:]])
        assert again.exit_code == 0 and len(FakeModelServer.seen) == calls  # all cached
    report = json.loads((tmp_path / "R" / "report.json").read_text())
    assert report["overall"]["SC"] == 75.0
    assert (report["overall"]["HC"], report["overall"]["SH"]) == (100.0, 75.0)
    assert report["source"]["captions"] == f"openai-compatible:{address}/v1:served-seer"
    assert report["families"]["semantic"]["description"]["captioner"] == "vision:served-seer"
    captions = [body for body in FakeModelServer.seen if body["model"] == "served-seer"]
    assert len(captions) == 2  # the reference picture and the predicted one
    assert all(
        any(part.get("type") == "image_url" for part in body["messages"][-1]["content"])
        for body in captions
    )
    judged = [
        str(body["messages"][-1]["content"])
        for body in FakeModelServer.seen
        if body["model"] == "judge"
    ]
    assert len(judged) == 2 and all(f"<image1: {VISION_REPLY}>" in text for text in judged)
    assert all("warns ships at night" not in text for text in judged)
