"""X2Caption, the sentence embedder, SC, SQCS and tau on hand-made instances."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from unima.bench.datasets.unim.instance import Side, UnimInstance
from unima.bench.datasets.unim.predictions import Prediction
from unima.errors import InputError
from unima.eval.embeddings import FakeEmbedder
from unima.eval.judges.llm import LlmJudge
from unima.eval.judges.proxy import ProxyJudge
from unima.eval.records import InstanceContext, MetricOptions, MetricValue
from unima.eval.semantic import SemanticMetric
from unima.eval.sqcs import coupled_score
from unima.eval.x2caption import ChatCaptioner, caption_items, expand_placeholders, x2caption
from unima.testing import ScriptedChatModel

REQUEST = "Explain how the plant in <image1> makes its food. Include one diagram."
UNIMA_PROTOCOL = MetricOptions(extra={"protocol": "unima"})
REFERENCE = (
    "Plants capture sunlight in their chloroplasts and turn carbon dioxide and water into glucose "
    "and oxygen. The diagram <image2> labels each stage of the photosynthesis cycle."
)
MISMATCH = (
    "Stock markets fell sharply on Monday after a weak earnings report from the largest bank. "
    "The chart <image2> shows the share price dropping through the afternoon."
)


def render_text_image(path: Path, text: str) -> Path:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (520, 100), "white")
    draw = ImageDraw.Draw(image)
    try:
        font = ImageFont.truetype("DejaVuSans.ttf", 36)
    except OSError:
        font = ImageFont.load_default(size=36)
    draw.text((16, 30), text, fill="black", font=font)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path


@pytest.fixture
def instance_files(tmp_path: Path) -> dict[str, Path]:
    media = tmp_path / "data" / "natural_science" / "biology"
    render_text_image(media / "image" / "img_1_01.png", "GREEN LEAF")
    render_text_image(media / "image" / "img_1_02.png", "PHOTOSYNTHESIS CYCLE")
    predictions = tmp_path / "run"
    shutil.copy(
        media / "image" / "img_1_02.png", render_text_image(predictions / "media" / "same.png", "x")
    )
    render_text_image(predictions / "media" / "chart.png", "BANK SHARE PRICE")
    return {"data": tmp_path / "data", "predictions": predictions}


def make_context(
    files: dict[str, Path],
    content: str | None,
    modal: dict[str, str] | None = None,
    status: str = "ok",
) -> InstanceContext:
    instance = UnimInstance(
        domain="natural_science",
        subdomain="biology",
        id="1",
        input=Side(content=REQUEST, modal={"image1": "image/img_1_01.png"}),
        output=Side(content=REFERENCE, modal={"image2": "image/img_1_02.png"}),
        difficulty_level=2,
    )
    prediction = None
    if content is not None:
        prediction = Prediction(
            domain="natural_science",
            subdomain="biology",
            id="1",
            content=content,
            modal=modal or {},
            status=status,
        )
    return InstanceContext(
        key=instance.key,
        instance=instance,
        prediction=prediction,
        prediction_root=files["predictions"],
        media_root=files["data"],
    )


def values(result: list[MetricValue]) -> dict[str, MetricValue]:
    return {value.name: value for value in result}


def test_x2caption_of_an_image_contains_its_rendered_words(tmp_path: Path) -> None:
    path = render_text_image(tmp_path / "sign.png", "OPEN MARKET TODAY")
    caption = x2caption(path, "image")
    assert all(word in caption.upper() for word in ("OPEN", "MARKET", "TODAY"))
    assert "520x100" in caption
    assert len(x2caption(path, "image", max_chars=40)) <= 40


def test_x2caption_refuses_missing_files_and_wrong_modalities(tmp_path: Path) -> None:
    path = render_text_image(tmp_path / "sign.png", "HELLO")
    with pytest.raises(InputError):
        x2caption(tmp_path / "absent.png", "image")
    with pytest.raises(InputError):
        x2caption(path, "audio")
    captions, problems = caption_items({"image2": path, "image3": None, "audio1": path})
    assert captions["image3"] == captions["audio1"] == "[missing]"
    assert set(problems) == {"image3", "audio1"} and "HELLO" in captions["image2"]


def test_chat_captioner_rewrites_the_perception_evidence(tmp_path: Path) -> None:
    path = render_text_image(tmp_path / "sign.png", "OPEN MARKET TODAY")
    model = ScriptedChatModel(script={"x2caption": "A shop sign announcing an open market."})
    caption = x2caption(path, "image", captioner=ChatCaptioner(model, model_name="fake"))
    assert caption == "A shop sign announcing an open market."
    assert "OPEN MARKET TODAY" in str(model.calls[0][1][1].content)
    assert x2caption(path, "image", captioner=ChatCaptioner(model, model_name="fake")) == caption
    assert len(model.calls) == 1  # memoised per file, modality and captioner


def test_expand_placeholders_marks_dangling_tags() -> None:
    expanded = expand_placeholders("See <image2> and <audio1>.", {"image2": "a leaf"})
    assert expanded == "See <image2: a leaf> and <audio1: [missing]>."


@pytest.mark.slow  # loads all-MiniLM-L6-v2 (torch import + weights: over 10 s on 2 cores)
def test_sentence_embedder_orders_paraphrase_above_unrelated_text() -> None:
    from unima.eval.embeddings import sentence_embedder

    embedder = sentence_embedder()
    assert embedder is sentence_embedder()  # loaded once per process
    anchor = "Plants turn sunlight, water and carbon dioxide into sugar and oxygen."
    paraphrase = "Using light, green plants convert water and CO2 into glucose, releasing oxygen."
    unrelated = "The stock market fell sharply after the bank's earnings report."
    calls = embedder.encode_calls
    close, far = embedder.similarity(anchor, paraphrase), embedder.similarity(anchor, unrelated)
    assert close > 0.5 > 0.2 > far
    assert embedder.similarity(anchor, paraphrase) == close  # memoised, identical
    assert embedder.encode_calls - calls == 3


@pytest.mark.slow  # the real all-MiniLM-L6-v2 model
def test_reference_as_prediction_scores_high_and_a_mismatch_low(
    instance_files: dict[str, Path],
) -> None:
    metric = SemanticMetric(judge=ProxyJudge())
    same = values(
        metric.score(make_context(instance_files, REFERENCE, {"image2": "media/same.png"}))
    )
    other = values(
        metric.score(make_context(instance_files, MISMATCH, {"image2": "media/chart.png"}))
    )
    assert same["SC"].value is not None and same["SC"].value >= 90
    assert other["SC"].value is not None and other["SC"].value < 40
    assert same["SC"].judge == "proxy:all-MiniLM-L6-v2"
    assert same["tau"].value == 100.0
    assert other["SC"].details["similarity"] < 0.3


def test_proxy_sc_with_a_fake_embedder_ranks_reference_over_mismatch(
    instance_files: dict[str, Path],
) -> None:
    embedder = FakeEmbedder()
    metric = SemanticMetric(judge=ProxyJudge(embedder))
    same = values(
        metric.score(make_context(instance_files, REFERENCE, {"image2": "media/same.png"}))
    )
    other = values(
        metric.score(make_context(instance_files, MISMATCH, {"image2": "media/chart.png"}))
    )
    assert same["SC"].value == 100.0 and other["SC"].value < same["SC"].value
    calls = embedder.encode_calls
    again = values(
        metric.score(make_context(instance_files, MISMATCH, {"image2": "media/chart.png"}))
    )
    assert again["SC"].value == other["SC"].value and embedder.encode_calls == calls


def test_declined_and_absent_predictions_follow_the_abs_rel_convention(
    instance_files: dict[str, Path],
) -> None:
    metric = SemanticMetric(judge=ProxyJudge(FakeEmbedder()))
    declined = values(metric.score(make_context(instance_files, "", status="failed")))
    assert declined["SC"].value is None and declined["tau"].value == 0.0
    assert (declined["SQCS_abs"].value, declined["SQCS_rel"].value) == (None, 0.0)
    absent = values(metric.score(make_context(instance_files, None)))
    assert (absent["SC"].value, absent["SQCS_abs"].value, absent["tau"].value) == (0.0, 0.0, 0.0)
    assert metric.counters()["judge_calls"] == 0


def test_missing_predicted_file_is_captioned_missing_and_costs_score(
    instance_files: dict[str, Path],
) -> None:
    metric = SemanticMetric(judge=ProxyJudge(FakeEmbedder()))
    full = values(
        metric.score(make_context(instance_files, REFERENCE, {"image2": "media/same.png"}))
    )
    broken = values(
        metric.score(make_context(instance_files, REFERENCE, {"image2": "media/gone.png"}))
    )
    assert "prediction image2" in broken["SC"].details["item_problems"]
    assert broken["SC"].details["missing_item_share"] == 1.0
    assert broken["SC"].value < full["SC"].value == 100.0


def test_sqcs_couples_sc_with_the_instance_gq(instance_files: dict[str, Path]) -> None:
    assert coupled_score(80.0, 100.0) == 80.0
    assert coupled_score(80.0, 0.0) == 60.0
    assert coupled_score(80.0, None) == 60.0 and coupled_score(None, 50.0) is None
    model = ScriptedChatModel(script={"judge_sc_unim": '{"score": 4, "reason": "minor gap"}'})
    metric = SemanticMetric(judge=LlmJudge(model, model_name="fake"))
    context = make_context(instance_files, REFERENCE, {"image2": "media/same.png"})
    context.previous["GQ"] = MetricValue("GQ", 40.0, "gq:image/brisque")
    scored = values(metric.score(context))
    assert scored["SC"].value == 75.0 and scored["SC"].judge == "llm:fake"
    assert scored["SQCS_abs"].value == scored["SQCS_rel"].value == 63.75
    assert scored["SQCS_abs"].judge == "llm:fake+gq:image/brisque"


def test_unparseable_llm_reply_gives_no_sc_and_is_counted(instance_files: dict[str, Path]) -> None:
    model = ScriptedChatModel(script={"judge_sc": "Score: excellent"})
    metric = SemanticMetric(UNIMA_PROTOCOL, judge=LlmJudge(model, model_name="fake"))
    scored = values(
        metric.score(make_context(instance_files, REFERENCE, {"image2": "media/same.png"}))
    )
    assert scored["SC"].value is None and scored["SC"].details["parse_ok"] is False
    assert scored["SC"].details["raw_reply"] == "Score: excellent"
    assert metric.counters()["unparseable_replies"] == 1
    sent = str(model.calls[0][1][1].content)
    assert "<image2: " in sent and "PHOTOSYNTHESIS CYCLE" in sent  # captions reach the judge
