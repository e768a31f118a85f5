"""StS / LeS on hand-made cases: each planted structure error gives exactly the expected score."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from unima.bench.datasets.unim import Prediction, UnimInstance
from unima.eval.records import InstanceContext, abs_rel
from unima.eval.runner import evaluate
from unima.eval.structure import StructureMetric, check_structure
from unima.eval.synthetic import write_predictions, write_synthetic_dataset

# --- check_structure: the definition itself -------------------------------------------------


def test_exact_structure_is_strict_and_fully_covered() -> None:
    check = check_structure(
        ["image2", "audio1"],
        "See <image2> and hear <audio1>.",
        {"image2": True, "audio1": True},
        {"image1"},
    )
    assert check.strict and check.coverage == 1.0
    assert check.reference_counts == {"image": 1, "audio": 1}


@pytest.mark.parametrize(
    ("reference", "content", "files", "strict", "coverage", "fact"),
    [
        # missing tag: one of two reference modalities absent
        (
            ["image2", "audio1"],
            "Only <image2>.",
            {"image2": True},
            False,
            0.5,
            ("missing", {"audio": 1}),
        ),
        # extra tag: every reference type covered, one modality too many
        (
            ["image2"],
            "<image2> and <audio1>.",
            {"image2": True, "audio1": True},
            False,
            1.0,
            ("extra", {"audio": 1}),
        ),
        # wrong count: two images asked, one given
        (
            ["image2", "image3"],
            "Just <image2>.",
            {"image2": True},
            False,
            1.0,
            ("missing", {"image": 1}),
        ),
        # wrong count the other way
        (
            ["image2"],
            "<image2>, <image3>.",
            {"image2": True, "image3": True},
            False,
            1.0,
            ("extra", {"image": 1}),
        ),
        # a tag without any file binding
        (["image2"], "Look at <image2>.", {}, False, 0.0, ("unbound_tags", ["image2"])),
        # a tag bound to a file that is missing or outside the root
        (
            ["image2"],
            "Look at <image2>.",
            {"image2": False},
            False,
            0.0,
            ("unusable_tags", ["image2"]),
        ),
        # one valid, one unusable item of two types: half covered, not strict
        (
            ["image2", "audio1"],
            "<image2> <audio1>",
            {"image2": True, "audio1": False},
            False,
            0.5,
            ("unusable_tags", ["audio1"]),
        ),
    ],
)
def test_planted_errors(
    reference: list[str],
    content: str,
    files: dict[str, bool],
    strict: bool,
    coverage: float,
    fact: tuple[str, Any],
) -> None:
    check = check_structure(reference, content, files, {"image1"})
    assert check.strict is strict
    assert check.coverage == pytest.approx(coverage)
    assert check.details()[fact[0]] == fact[1]


WORKED_REFERENCE = ["image2", "image3", "audio1"]


@pytest.mark.parametrize(
    ("content", "files", "strict", "lenient"),
    [  # the worked examples of docs/metrics.md, rows 1-8
        ("<image2> x <image3> y <audio1>", {"image2": 1, "image3": 1, "audio1": 1}, 100, 100),
        (
            "As <image1> shows, <image2> <image3> <audio1>",
            {"image2": 1, "image3": 1, "audio1": 1},
            100,
            100,
        ),
        ("<image2> x <image3>", {"image2": 1, "image3": 1}, 0, 50),
        ("<image2> x <audio1>", {"image2": 1, "audio1": 1}, 0, 100),
        (
            "<image2> <image3> <audio1> <video1>",
            {"image2": 1, "image3": 1, "audio1": 1, "video1": 1},
            0,
            100,
        ),
        ("<image2> <image3> <audio1>", {"image2": 1, "image3": 1}, 0, 50),
        ("<image2> <image3> <audio1>", {"image2": 1, "image3": 1, "audio1": 0}, 0, 50),
    ],
)
def test_documented_worked_examples(
    content: str, files: dict[str, int], strict: int, lenient: int
) -> None:
    check = check_structure(
        WORKED_REFERENCE, content, {tag: bool(usable) for tag, usable in files.items()}, {"image1"}
    )
    assert (100 if check.strict else 0, round(100 * check.coverage)) == (strict, lenient)


def test_mentions_of_input_items_are_not_generated_items() -> None:
    check = check_structure(
        ["image2"], "As <image1> shows, <image2> redraws it.", {"image2": True}, {"image1"}
    )
    assert check.strict and check.predicted_counts == {"image": 1}


def test_an_output_reusing_an_input_number_counts_when_bound() -> None:
    # The model named its generated image "image1" (clashing with the input): bound, so generated.
    check = check_structure(["image2"], "Here is <image1>.", {"image1": True}, {"image1"})
    assert check.strict and check.coverage == 1.0


def test_repeated_tags_count_once_and_unplaced_files_do_not_count() -> None:
    check = check_structure(
        ["image2"], "<image2> again <image2>.", {"image2": True, "audio1": True}, ()
    )
    assert check.strict
    assert check.unplaced_tags == ("audio1",)


def test_text_items_are_not_structure() -> None:
    check = check_structure(["text1", "image2"], "<image2>", {"image2": True}, ())
    assert check.reference_counts == {"image": 1} and check.strict


def test_empty_reference() -> None:
    assert check_structure([], "Plain text.", {}, ()).strict
    assert check_structure([], "Plain text.", {}, ()).coverage == 1.0
    extra = check_structure([], "With <image1>.", {"image1": True}, ())
    assert not extra.strict and extra.coverage == 0.0


def test_abs_rel_convention(tmp_path: Path) -> None:
    instance = UnimInstance.model_validate(_instance("1", {"image2": "image/a.png"}))
    base = {
        "key": instance.key,
        "instance": instance,
        "prediction_root": tmp_path,
        "media_root": tmp_path,
    }
    missing = InstanceContext(prediction=None, **base)
    declined = InstanceContext(
        prediction=Prediction(domain="natural_science", subdomain="math", id="1", status="failed"),
        **base,
    )
    answered = InstanceContext(
        prediction=Prediction(domain="natural_science", subdomain="math", id="1", content="x"),
        **base,
    )
    assert abs_rel(80.0, missing) == (0.0, 0.0)
    assert abs_rel(80.0, declined) == (None, 0.0)
    # Answered in text only: none of the reference's one image is supported (tau_i = 0).
    assert answered.supporting_rate == 0.0
    assert abs_rel(80.0, answered) == (80.0, 0.0)
    assert abs_rel(None, answered) == (None, None)


def test_rel_is_weighted_by_the_share_of_supported_items(tmp_path: Path) -> None:
    """tau_i counts usable items per modality up to the reference's count (docs/metrics.md)."""
    outputs = {"image2": "image/a.png", "image3": "image/b.png", "audio1": "audio/c.mp3"}
    instance = UnimInstance.model_validate(_instance("1", outputs))
    for name in ("mine.png", "other.png", "extra.png"):
        (tmp_path / name).write_bytes(b"media")

    def answered(modal: dict[str, str]) -> InstanceContext:
        prediction = Prediction(
            domain="natural_science", subdomain="math", id="1", content="x", modal=modal
        )
        return InstanceContext(instance.key, instance, prediction, tmp_path, tmp_path)

    one_image = answered({"image2": "mine.png"})
    assert one_image.supporting_rate == 1 / 3
    assert abs_rel(90.0, one_image) == (90.0, 30.0)
    # Three images still support only the two the reference asks for; a missing file supports none.
    images = answered({"image2": "mine.png", "image3": "other.png", "image4": "extra.png"})
    assert images.supporting_rate == 2 / 3
    assert answered({"image2": "mine.png", "audio1": "gone.mp3"}).supporting_rate == 1 / 3
    everything = answered({"image2": "mine.png", "image3": "other.png", "audio1": "extra.png"})
    assert everything.supporting_rate == 1.0
    assert abs_rel(90.0, everything) == (90.0, 90.0)
    text_only = UnimInstance.model_validate(_instance("2", {}))
    plain = InstanceContext(
        text_only.key,
        text_only,
        Prediction(domain="natural_science", subdomain="math", id="2", content="x"),
        tmp_path,
        tmp_path,
    )
    assert plain.supporting_rate == 1.0


# --- the metric on real files and the runner's aggregation ----------------------------------


def _instance(identifier: str, output_modal: dict[str, str]) -> dict[str, Any]:
    content = " ".join(f"<{tag}>" for tag in output_modal) or "text only"
    return {
        "domain": "natural_science",
        "subdomain": "math",
        "id": identifier,
        "input": {"modal": {"image1": "image/in.png"}, "content": "Explain <image1>."},
        "output": {"modal": output_modal, "content": f"The answer: {content}"},
        "difficulty_level": 2,
    }


def _dataset(folder: Path, outputs: dict[str, dict[str, str]]) -> Path:
    media = folder / "data" / "natural_science" / "math"
    for relative in ["image/in.png", *(p for modal in outputs.values() for p in modal.values())]:
        (media / relative).parent.mkdir(parents=True, exist_ok=True)
        (media / relative).write_bytes(b"media")
    path = folder / "instances.jsonl"
    path.write_text(
        "".join(
            json.dumps(_instance(identifier, modal)) + "\n" for identifier, modal in outputs.items()
        )
    )
    return path


def _key(identifier: str) -> tuple[str, str, str]:
    return ("natural_science", "math", identifier)


def _drop(tag: str):  # type: ignore[no-untyped-def]
    def mutate(answer: dict[str, Any], instance: dict[str, Any]) -> None:
        answer["content"] = answer["content"].replace(f"<{tag}>", "")
        answer["modal"].pop(tag)

    return mutate


def _add(tag: str, path: str):  # type: ignore[no-untyped-def]
    def mutate(answer: dict[str, Any], instance: dict[str, Any]) -> None:
        answer["content"] += f" <{tag}>"
        answer["modal"][tag] = path

    return mutate


def test_planted_errors_end_to_end(tmp_path: Path) -> None:
    pair = {"image2": "image/o2.png", "audio1": "audio/o1.mp3"}
    two_images = {"image2": "image/o2.png", "image3": "image/o3.png"}
    outputs = {
        "1": pair,  # correct
        "2": pair,  # missing tag (audio dropped)
        "3": {"image2": "image/o2.png"},  # extra tag (an audio added, with its file)
        "4": two_images,  # wrong count (image3 dropped)
        "5": pair,  # tag without a file binding
        "6": pair,  # bound file missing on disk
        "7": pair,  # bound file is a link that leaves the predictions folder
        "8": pair,  # no prediction line
        "9": pair,  # the model declined (status failed)
    }
    instances_file = _dataset(tmp_path / "data_set", outputs)
    outside = tmp_path / "outside.mp3"
    outside.write_bytes(b"secret")

    def unbind(answer: dict[str, Any], instance: dict[str, Any]) -> None:
        answer["modal"].pop("audio1")

    def vanish(answer: dict[str, Any], instance: dict[str, Any]) -> None:
        answer["modal"]["audio1"] = "media/nowhere/audio1.mp3"

    def link_out(answer: dict[str, Any], instance: dict[str, Any]) -> None:
        link = tmp_path / "pred" / "media" / "link.mp3"
        link.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(outside, link)
        answer["modal"]["audio1"] = "media/link.mp3"

    def mention_input(answer: dict[str, Any], instance: dict[str, Any]) -> None:
        answer["content"] = "As <image1> shows, " + answer["content"]

    def decline(answer: dict[str, Any], instance: dict[str, Any]) -> None:
        answer.update(content="", modal={}, status="failed", error="cannot make audio")

    (tmp_path / "pred" / "media").mkdir(parents=True)
    (tmp_path / "pred" / "media" / "extra.mp3").write_bytes(b"audio")
    predictions = write_predictions(
        instances_file,
        tmp_path / "pred",
        mutations={
            _key("1"): mention_input,
            _key("2"): _drop("audio1"),
            _key("3"): _add("audio1", "media/extra.mp3"),
            _key("4"): _drop("image3"),
            _key("5"): unbind,
            _key("6"): vanish,
            _key("7"): link_out,
            _key("9"): decline,
        },
        omit={_key("8")},
    )

    report = evaluate(
        instances_file, predictions, tmp_path / "report", metrics=["structure"], plots=False
    )
    by_id = {scores.key[2]: scores.values for scores in report.instances}
    expected = {  # id: (StS_abs, StS_rel, LeS_abs, LeS_rel)
        "1": (100, 100, 100, 100),
        # rel is abs weighted by the share of the reference's items the answer supports.
        "2": (0, 0, 50, 25),
        "3": (0, 0, 100, 100),
        "4": (0, 0, 100, 50),
        "5": (0, 0, 50, 25),
        "6": (0, 0, 50, 25),
        "7": (0, 0, 50, 25),
        "8": (0, 0, 0, 0),
        "9": (None, 0, None, 0),
    }
    for identifier, values in expected.items():
        got = tuple(
            by_id[identifier][name].value for name in ("StS_abs", "StS_rel", "LeS_abs", "LeS_rel")
        )
        assert got == values, identifier
    assert by_id["7"]["StS_abs"].details["unusable_tags"] == ["audio1"]
    assert report.overall["StS_abs"] == pytest.approx(100 / 8, abs=0.01)
    assert report.overall["StS_rel"] == pytest.approx(100 / 9, abs=0.01)
    assert report.overall["LeS_abs"] == pytest.approx((100 + 50 + 100 + 100 + 50 * 3) / 8, abs=0.01)
    assert report.overall["LeS_rel"] == pytest.approx((100 + 25 + 100 + 50 + 25 * 3) / 9, abs=0.01)
    assert report.counts["missing_predictions"] == 1
    assert report.counts["declined_predictions"] == 1
    assert report.counts["unusable_prediction_files"] == 2  # the missing file and the link out
    assert report.overall["StS_rel"] <= report.overall["StS_abs"]


def test_reference_as_prediction_scores_100(tmp_path: Path) -> None:
    instances_file = write_synthetic_dataset(tmp_path / "set", 60, seed=3)
    predictions = write_predictions(instances_file, tmp_path / "pred")
    report = evaluate(
        instances_file, predictions, tmp_path / "report", metrics=["structure"], plots=False
    )
    assert report.counts["instances"] == 60
    for name in ("StS_abs", "StS_rel", "LeS_abs", "LeS_rel"):
        assert report.overall[name] == 100.0
        assert report.overall_counts[name] == 60
    assert report.judges["StS_abs"] == ["structure"]


def test_ids_repeat_across_subdomains_and_are_matched_by_full_key(tmp_path: Path) -> None:
    # The released SC script matched by id alone; here math/1 and physics/1 must not mix.
    folder = tmp_path / "set"
    rows = []
    for subdomain, output in (
        ("math", {"image2": "image/o.png"}),
        ("physics", {"audio1": "audio/o.mp3"}),
    ):
        row = _instance("1", output)
        row["subdomain"] = subdomain
        rows.append(row)
        for relative in ("image/in.png", *output.values()):
            path = folder / "data" / "natural_science" / subdomain / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"x")
    (folder / "instances.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    predictions = write_predictions(folder / "instances.jsonl", tmp_path / "pred")
    report = evaluate(
        folder / "instances.jsonl",
        predictions,
        tmp_path / "report",
        metrics=["structure"],
        plots=False,
    )
    assert [scores.values["StS_abs"].value for scores in report.instances] == [100.0, 100.0]


def test_metric_without_reference_output_is_not_scorable(tmp_path: Path) -> None:
    raw = _instance("1", {})
    del raw["output"]
    instance = UnimInstance.model_validate(raw)
    context = InstanceContext(instance.key, instance, None, tmp_path, tmp_path)
    values = StructureMetric().score(context)
    assert [value.value for value in values] == [None] * 4
