"""Issue 15, items 4 and 5: input mentions are references, inline code and text are content.

Item 4: ``As <image1> shows`` in an answer, where image1 is one of the request's inputs, refers to
that input; before the fix SC read it as a missing generated item (``<image1: [missing]>``) and
took the missing-item penalty. Item 5: ``"code1": "def f(): ..."`` is the code itself; before
the fix every metric resolved it as a path and scored it missing (StS 0, LeS 0, GQ of the
content alone).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw, ImageFont

from unima.bench.datasets.unim.instance import Side, UnimInstance
from unima.bench.datasets.unim.predictions import Prediction
from unima.eval.coherence import CoherenceMetric
from unima.eval.embeddings import FakeEmbedder
from unima.eval.judges.base import JudgeVerdict
from unima.eval.judges.proxy import ProxyJudge
from unima.eval.quality import QualityMetric
from unima.eval.records import InstanceContext, MetricOptions, MetricValue
from unima.eval.semantic import SemanticMetric
from unima.eval.structure import StructureMetric
from unima.eval.x2caption import caption_items, expand_placeholders

REQUEST = "Explain how the plant in <image1> makes its food. Include one diagram."
REFERENCE = (
    "Plants capture sunlight in their chloroplasts and turn carbon dioxide and water into glucose "
    "and oxygen. The diagram <image2> labels each stage of the photosynthesis cycle."
)
WITH_MENTION = (
    "As <image1> shows, the leaf captures sunlight in its chloroplasts and turns carbon dioxide "
    "and water into glucose and oxygen. The diagram <image2> labels each stage of the cycle."
)
WITHOUT_MENTION = WITH_MENTION.replace("As <image1> shows, the", "The")

CODE_REQUEST = "Write a Python function that sums the squares of 1 to n, then explain it."
CODE = '''def sum_of_squares(n: int) -> int:
    """The sum of k * k for k from 1 to n."""
    return sum(k * k for k in range(1, n + 1))


print(sum_of_squares(10))
'''
CODE_ANSWER = (
    "The function <code1> adds the square of every number from 1 to n. "
    "For n = 10 it prints 385, the tenth square pyramidal number."
)


def render_text_image(path: Path, text: str) -> Path:
    image = Image.new("RGB", (520, 100), "white")
    draw = ImageDraw.Draw(image)
    try:
        font = ImageFont.truetype("DejaVuSans.ttf", 36)
    except OSError:
        font = ImageFont.load_default(size=36)  # type: ignore[assignment]
    draw.text((16, 30), text, fill="black", font=font)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path


@pytest.fixture
def roots(tmp_path: Path) -> dict[str, Path]:
    media = tmp_path / "data" / "natural_science" / "biology"
    render_text_image(media / "image" / "leaf.png", "GREEN LEAF")
    render_text_image(media / "image" / "cycle.png", "PHOTOSYNTHESIS CYCLE")
    (media / "code").mkdir(parents=True)
    (media / "code" / "solution.py").write_text(CODE, encoding="utf-8")
    run = tmp_path / "run"
    render_text_image(run / "media" / "cycle.png", "PHOTOSYNTHESIS CYCLE")
    (run / "media" / "code1.py").write_text(CODE, encoding="utf-8")
    return {"data": tmp_path / "data", "run": run}


def context(
    roots: dict[str, Path],
    content: str,
    modal: dict[str, str],
    *,
    code: bool = False,
    reference_code: str = "code/solution.py",
) -> InstanceContext:
    if code:
        request = Side(content=CODE_REQUEST)
        output = Side(content=CODE_ANSWER, modal={"code1": reference_code})
    else:
        request = Side(content=REQUEST, modal={"image1": "image/leaf.png"})
        output = Side(content=REFERENCE, modal={"image2": "image/cycle.png"})
    instance = UnimInstance(
        domain="natural_science", subdomain="biology", id="1", input=request, output=output
    )
    prediction = Prediction(
        domain="natural_science", subdomain="biology", id="1", content=content, modal=modal
    )
    return InstanceContext(
        key=instance.key,
        instance=instance,
        prediction=prediction,
        prediction_root=roots["run"],
        media_root=roots["data"],
    )


def values(result: list[MetricValue]) -> dict[str, MetricValue]:
    return {value.name: value for value in result}


def semantic_metric() -> SemanticMetric:
    return SemanticMetric(judge=ProxyJudge(FakeEmbedder()))


# Item 4: a mention of an input item is a reference to that input.


def test_input_references_are_the_unbound_mentions_of_input_items(roots: dict[str, Path]) -> None:
    ctx = context(roots, WITH_MENTION, {"image2": "media/cycle.png"})
    references = ctx.input_references(WITH_MENTION, {"image2"})
    assert list(references) == ["image1"]
    assert references["image1"] == (roots["data"] / "natural_science/biology/image/leaf.png")
    assert ctx.input_references(WITH_MENTION, {"image1", "image2"}) == {}  # bound: its own item
    assert ctx.input_references(WITHOUT_MENTION) == {}


def test_expand_placeholders_labels_input_references() -> None:
    expanded = expand_placeholders(
        "As <image1> shows, <image2> and <audio1>.", {"image2": "a cycle"}, {"image1": "a leaf"}
    )
    assert (
        expanded == "As <image1 (input): a leaf> shows, <image2: a cycle> and <audio1: [missing]>."
    )


def test_a_mention_of_an_input_scores_sc_as_if_it_were_absent(roots: dict[str, Path]) -> None:
    metric = semantic_metric()
    modal = {"image2": "media/cycle.png"}
    mentioned = values(metric.score(context(roots, WITH_MENTION, modal)))["SC"]
    absent = values(metric.score(context(roots, WITHOUT_MENTION, modal)))["SC"]

    # Before: the mention was spliced in as a missing generated item and penalised.
    ctx = context(roots, WITH_MENTION, modal)
    captions, _ = metric.predicted_captions(ctx)
    reference_captions, _ = caption_items(dict(ctx.reference_items()))
    before = metric.judge.score(
        "semantic",
        {
            "request": REQUEST,
            "reference": expand_placeholders(REFERENCE, reference_captions),
            "prediction": expand_placeholders(WITH_MENTION, captions),
        },
    )
    assert before.details["missing_item_share"] == 0.5

    assert mentioned.value is not None and absent.value is not None
    assert mentioned.details["missing_item_share"] == 0.0
    assert mentioned.details["input_references"] == ["image1"]
    assert "item_problems" not in mentioned.details
    assert abs(mentioned.value - absent.value) <= 5.0, (mentioned.value, absent.value)
    assert before.score is not None and mentioned.value > (before.score - 1.0) / 4.0 * 100.0


def test_a_mention_of_an_input_scores_structure_as_if_it_were_absent(
    roots: dict[str, Path],
) -> None:
    modal = {"image2": "media/cycle.png"}
    mentioned = values(StructureMetric().score(context(roots, WITH_MENTION, modal)))
    absent = values(StructureMetric().score(context(roots, WITHOUT_MENTION, modal)))
    for name in ("StS_abs", "StS_rel", "LeS_abs", "LeS_rel"):
        assert mentioned[name].value == absent[name].value == 100.0
    assert mentioned["StS_abs"].details["unbound_tags"] == []


def test_a_mention_of_an_input_is_present_for_coherence(roots: dict[str, Path]) -> None:
    metric = CoherenceMetric(MetricOptions(), judge=ProxyJudge(FakeEmbedder()))
    ctx = context(roots, WITH_MENTION, {"image2": "media/cycle.png"})
    payload = metric.payload(ctx)
    items = {item["tag"]: item for item in payload["items"]}
    assert items["image1"]["present"] and "GREEN LEAF" in str(items["image1"]["caption"]).upper()
    assert "<image1 (input): " in payload["response"]
    assert "dangling" not in values(metric.score(ctx))["HC"].details


class RecordingJudge(ProxyJudge):
    """The proxy judge, keeping every payload it scored."""

    def __init__(self) -> None:
        super().__init__(FakeEmbedder())
        self.payloads: list[dict[str, Any]] = []

    def score(self, rubric: str, payload: dict[str, Any]) -> JudgeVerdict:
        self.payloads.append(payload)
        return super().score(rubric, payload)


def test_the_sc_judge_reads_the_input_caption_not_a_missing_item(roots: dict[str, Path]) -> None:
    judge = RecordingJudge()
    SemanticMetric(judge=judge).score(context(roots, WITH_MENTION, {"image2": "media/cycle.png"}))
    prediction = judge.payloads[0]["prediction"]
    assert prediction.startswith("As <image1 (input): ") and "GREEN LEAF" in prediction.upper()
    assert "[missing]" not in prediction


def test_an_input_that_cannot_be_read_is_reported_not_counted_missing(
    roots: dict[str, Path],
) -> None:
    (roots["data"] / "natural_science/biology/image/leaf.png").unlink()
    ctx = context(roots, WITH_MENTION, {"image2": "media/cycle.png"})
    sc = values(semantic_metric().score(ctx))["SC"]
    assert sc.details["missing_item_share"] == 0.0  # the answer generated everything it placed
    assert "input image1" in sc.details["item_problems"]
    assert [problem.side for problem in ctx.item_problems()] == ["input"]
    assert values(StructureMetric().score(ctx))["StS_abs"].value == 100.0


# Item 5: inline code and text are content, not missing paths.


def test_inline_code_scores_structure_like_the_same_code_in_a_file(
    roots: dict[str, Path],
) -> None:
    inline = values(
        StructureMetric().score(context(roots, CODE_ANSWER, {"code1": CODE}, code=True))
    )
    filed = values(
        StructureMetric().score(context(roots, CODE_ANSWER, {"code1": "media/code1.py"}, code=True))
    )
    for name in ("StS_abs", "StS_rel", "LeS_abs", "LeS_rel"):
        assert inline[name].value == filed[name].value == 100.0  # before: 0


def test_inline_code_scores_gq_like_the_same_code_in_a_file(roots: dict[str, Path]) -> None:
    metric = QualityMetric(MetricOptions(extra={"gq_run_code": False}))
    inline = values(metric.score(context(roots, CODE_ANSWER, {"code1": CODE}, code=True)))["GQ"]
    filed = values(
        metric.score(context(roots, CODE_ANSWER, {"code1": "media/code1.py"}, code=True))
    )["GQ"]
    assert inline.value == filed.value
    assert inline.details["failed_items"] == []
    assert inline.details["items"]["code1"]["judge"] == "gq:code/static-run"
    assert inline.details["items"]["code1"]["value"] > 90.0  # before: a failed item, 0


def test_inline_code_scores_hc_and_sc_like_the_same_code_in_a_file(
    roots: dict[str, Path],
) -> None:
    judge = ProxyJudge(FakeEmbedder())
    coherence = CoherenceMetric(MetricOptions(), judge=judge)
    semantic = SemanticMetric(judge=judge)
    inline_ctx = context(roots, CODE_ANSWER, {"code1": CODE}, code=True)
    filed_ctx = context(roots, CODE_ANSWER, {"code1": "media/code1.py"}, code=True)
    inline = values(coherence.score(inline_ctx)) | values(semantic.score(inline_ctx))
    filed = values(coherence.score(filed_ctx)) | values(semantic.score(filed_ctx))
    for name in ("HC", "SH", "SC"):
        assert inline[name].value == filed[name].value, name
    assert "dangling" not in inline["HC"].details
    assert inline["SC"].details["missing_item_share"] == 0.0
    assert "sum_of_squares" in coherence.payload(inline_ctx)["response"]


def test_inline_code_in_a_reference_is_content(roots: dict[str, Path]) -> None:
    ctx = context(roots, CODE_ANSWER, {"code1": CODE}, code=True, reference_code=CODE)
    reference = ctx.reference_items()
    assert reference["code1"].read_text(encoding="utf-8") == CODE
    assert ctx.item_problems() == []


def test_missing_paths_stay_missing(roots: dict[str, Path]) -> None:
    image = context(roots, WITHOUT_MENTION, {"image2": "media/absent.png"})
    assert values(StructureMetric().score(image))["StS_abs"].value == 0.0
    code = context(roots, CODE_ANSWER, {"code1": "code/absent.py"}, code=True)
    assert values(StructureMetric().score(code))["StS_abs"].value == 0.0
    assert code.predicted_items() == {"code1": None}
    gq = values(QualityMetric(MetricOptions(extra={"gq_run_code": False})).score(code))["GQ"]
    assert gq.details["failed_items"] == ["code1"]


def test_empty_inline_code_is_an_unusable_item(roots: dict[str, Path]) -> None:
    ctx = context(roots, CODE_ANSWER, {"code1": "  "}, code=True)
    assert ctx.predicted_items() == {"code1": None}
    assert [problem.reason for problem in ctx.item_problems()] == ["the inline code is empty"]
    assert values(StructureMetric().score(ctx))["StS_abs"].value == 0.0


def test_inline_text_items_are_scored_for_gq(roots: dict[str, Path]) -> None:
    text = "Photosynthesis turns light, water and carbon dioxide into sugar and oxygen."
    ctx = context(roots, WITHOUT_MENTION, {"image2": "media/cycle.png", "text1": text})
    assert ctx.predicted_texts() == {"text1": text}
    gq = values(QualityMetric(MetricOptions(extra={"gq_run_code": False})).score(ctx))["GQ"]
    assert gq.details["items"]["text1"]["judge"] == "gq:text/well-formedness"
    assert gq.details["items"]["text1"]["value"] > 50.0
    assert "text1" not in gq.details["failed_items"]
