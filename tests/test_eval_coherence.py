"""HC, SH and ICS: proxy cues on hand-made interleaved answers, the LLM path, abs/rel."""

from __future__ import annotations

from pathlib import Path

import pytest

from unima.bench.datasets.unim.instance import Side, UnimInstance
from unima.bench.datasets.unim.predictions import Prediction
from unima.eval.coherence import CoherenceMetric, composite_score
from unima.eval.judges.cues import coherence_cues, style_cues
from unima.eval.judges.llm import LlmJudge
from unima.eval.judges.proxy import CUES_LABEL, ProxyJudge
from unima.eval.records import InstanceContext, MetricOptions, MetricValue
from unima.testing import ScriptedChatModel

REQUEST = "Explain how photosynthesis works in plants. Include one diagram and one narration."
GOOD = (
    "Plants capture sunlight in their chloroplasts and turn carbon dioxide and water into "
    "glucose. The diagram <image1> traces the photosynthesis cycle from light to sugar. "
    "The narration <audio1> walks through the same cycle step by step."
)
DANGLING = "Plants make food. <image1> <image2> <audio1>"
UNIMA_PROTOCOL = MetricOptions(extra={"protocol": "unima"})


def item(tag: str, caption: str, present: bool = True) -> dict[str, object]:
    return {
        "tag": tag,
        "modality": tag.rstrip("0123456789"),
        "caption": caption,
        "present": present,
    }


GOOD_PAYLOAD = {
    "request": REQUEST,
    "content": GOOD,
    "items": [
        item("audio1", "Speech: photosynthesis turns light into sugar in the chloroplasts"),
        item("image1", "A diagram. Text read (OCR): PHOTOSYNTHESIS CYCLE light sugar"),
    ],
}
DANGLING_PAYLOAD = {
    "request": REQUEST,
    "content": DANGLING,
    "items": [
        item("audio1", "Speech: stock markets fell"),
        item("image1", "[missing]", present=False),
        item("image2", "[missing]", present=False),
    ],
}


def test_cues_of_a_well_interleaved_answer_are_all_high() -> None:
    cues = coherence_cues(GOOD_PAYLOAD)
    assert cues == {
        "binding": 1.0,
        "integration": 1.0,
        "grounding": 1.0,
        "request": 1.0,
        "order": 1.0,
    }
    style = style_cues(GOOD_PAYLOAD)
    assert style["hygiene"] == style["presentation"] == style["register"] == 1.0


def test_dangling_placeholders_lower_binding_integration_and_hygiene() -> None:
    cues = coherence_cues(DANGLING_PAYLOAD)
    assert cues["binding"] == pytest.approx(1 / 3, abs=1e-4)  # 1 bound of 3 tags
    assert cues["integration"] == 0.0  # the tags sit in a sentence with no prose
    assert cues["grounding"] == 0.0  # missing items, and an audio caption sharing no word
    assert style_cues(DANGLING_PAYLOAD)["hygiene"] == pytest.approx(1 / 3, abs=1e-4)


def test_order_register_and_empty_text_cues() -> None:
    swapped = {
        "request": "",
        "content": "First <image3> then the earlier view <image2> here.",
        "items": [item("image2", "x"), item("image3", "x")],
    }
    assert coherence_cues(swapped)["order"] == 0.0
    mixed = {
        "request": "",
        "content": "The reaction releases heat. This is sooo cool lol!! "
        "Energy is conserved overall.",
        "items": [],
    }
    assert style_cues(mixed)["register"] == pytest.approx(1 - 2 / 3, abs=1e-4)
    empty = {"request": REQUEST, "content": "<image1>", "items": [item("image1", "a leaf")]}
    assert set(coherence_cues(empty).values()) == {0.0} and set(style_cues(empty).values()) == {0.0}


def test_proxy_judge_ranks_good_over_dangling_deterministically() -> None:
    judge = ProxyJudge()
    good = [judge.score(rubric, GOOD_PAYLOAD).score for rubric in ("coherence", "style")]
    bad = [judge.score(rubric, DANGLING_PAYLOAD).score for rubric in ("coherence", "style")]
    assert good[0] > bad[0] + 1.5 and good[1] > bad[1]
    assert good == [ProxyJudge().score(r, GOOD_PAYLOAD).score for r in ("coherence", "style")]
    assert judge.score("coherence", GOOD_PAYLOAD).score == 5.0


def test_ics_weights_coherence_twice() -> None:
    assert composite_score(60.0, 90.0) == 70.0
    assert composite_score(None, 90.0) is None


@pytest.fixture
def media(tmp_path: Path) -> dict[str, Path]:
    from PIL import Image

    data = tmp_path / "data" / "natural_science" / "biology" / "image"
    data.mkdir(parents=True)
    Image.new("RGB", (64, 48), "green").save(data / "leaf.png")
    run = tmp_path / "run" / "media"
    run.mkdir(parents=True)
    Image.new("RGB", (64, 48), "white").save(run / "diagram.png")
    return {"data": tmp_path / "data", "run": tmp_path / "run"}


def context_for(
    media: dict[str, Path], content: str | None, modal: dict[str, str], status: str = "ok"
) -> InstanceContext:
    instance = UnimInstance(
        domain="natural_science",
        subdomain="biology",
        id="7",
        input=Side(content="Look at <image1>. " + REQUEST, modal={"image1": "image/leaf.png"}),
        output=Side(content="Reference <image2>.", modal={"image2": "image/leaf.png"}),
    )
    prediction = (
        None
        if content is None
        else Prediction(
            domain="natural_science",
            subdomain="biology",
            id="7",
            content=content,
            modal=modal,
            status=status,
        )
    )
    return InstanceContext(
        key=instance.key,
        instance=instance,
        prediction=prediction,
        prediction_root=media["run"],
        media_root=media["data"],
    )


def by_name(result: list[MetricValue]) -> dict[str, MetricValue]:
    return {value.name: value for value in result}


def test_metric_scores_good_above_dangling_with_the_proxy(media: dict[str, Path]) -> None:
    metric = CoherenceMetric(MetricOptions())
    good_text = (
        "The leaf in <image1> is green because of chlorophyll. The white diagram <image2> "
        "shows where photosynthesis happens in its cells."
    )
    good = by_name(metric.score(context_for(media, good_text, {"image2": "media/diagram.png"})))
    bad = by_name(
        metric.score(
            context_for(media, "Leaves. <image2> <image3>", {"image2": "media/missing.png"})
        )
    )
    assert good["HC"].value > bad["HC"].value and good["SH"].value > bad["SH"].value
    assert good["HC"].judge == CUES_LABEL and good["ICS_abs"].judge == CUES_LABEL
    assert CUES_LABEL == "proxy:cues-v1 (structural only)"
    assert "dangling" not in good["HC"].details  # <image1> is the request's own image
    assert bad["HC"].details["dangling"] == ["image2", "image3"]
    assert (
        good["ICS_abs"].value
        == good["ICS_rel"].value
        == composite_score(good["HC"].value, good["SH"].value)
    )
    again = by_name(metric.score(context_for(media, good_text, {"image2": "media/diagram.png"})))
    assert again["HC"].value == good["HC"].value and again["HC"].details["cached"] is True
    assert metric.counters()["cache_hits"] == 1  # HC and SH came from one cached verdict


def test_llm_judge_drives_hc_sh_and_ics(media: dict[str, Path]) -> None:
    model = ScriptedChatModel(
        script={
            "judge_hc": '{"score": 4, "reason": "one weak link"}',
            "judge_sh": '{"style_consistency": 5}',
        }
    )
    metric = CoherenceMetric(UNIMA_PROTOCOL, judge=LlmJudge(model, model_name="fake"))
    scored = by_name(
        metric.score(context_for(media, "See <image2>.", {"image2": "media/diagram.png"}))
    )
    assert (scored["HC"].value, scored["SH"].value) == (75.0, 100.0)
    assert scored["ICS_abs"].value == pytest.approx(83.33) and scored["HC"].judge == "llm:fake"
    assert [step for step, _ in model.calls] == ["judge_hc", "judge_sh"]
    assert "<image2: A 64x48" in str(model.calls[0][1][1].content)


def test_unparseable_coherence_reply_leaves_ics_unscored(media: dict[str, Path]) -> None:
    model = ScriptedChatModel(script={"judge_hc": "coherent enough", "judge_sh": '{"score": 3}'})
    metric = CoherenceMetric(UNIMA_PROTOCOL, judge=LlmJudge(model, model_name="fake"))
    scored = by_name(
        metric.score(context_for(media, "See <image2>.", {"image2": "media/diagram.png"}))
    )
    assert scored["HC"].value is None and scored["SH"].value == 50.0
    assert scored["ICS_abs"].value is None and metric.counters()["unparseable_replies"] == 1


def test_declined_and_absent_predictions(media: dict[str, Path]) -> None:
    metric = CoherenceMetric(judge=ProxyJudge())
    declined = by_name(metric.score(context_for(media, "", {}, status="failed")))
    assert (declined["HC"].value, declined["ICS_abs"].value, declined["ICS_rel"].value) == (
        None,
        None,
        0.0,
    )
    absent = by_name(metric.score(context_for(media, None, {})))
    assert (absent["HC"].value, absent["SH"].value, absent["ICS_abs"].value) == (0.0, 0.0, 0.0)
    assert metric.counters()["judge_calls"] == 0
