"""SQCS on hand-made SC and GQ values: the coupling, its bounds, abs/rel and the Table 4 fit."""

from __future__ import annotations

from pathlib import Path

import pytest

from unima.bench.datasets.unim import Prediction, UnimInstance
from unima.eval.records import InstanceContext, MetricValue
from unima.eval.sqcs import TABLE_4, coupled_score, quality_factor, sqcs_values, table_error


@pytest.mark.parametrize(
    ("semantic", "quality", "expected"),
    [
        (80.0, 100.0, 80.0),  # perfect quality keeps all the semantic credit
        (80.0, 0.0, 60.0),  # failed media take a quarter away
        (80.0, 50.0, 70.0),
        (0.0, 100.0, 0.0),  # quality never adds credit to a wrong answer
        (100.0, 100.0, 100.0),
        (80.0, None, 60.0),  # no GQ: quality unproven
        (80.0, 130.0, 80.0),  # out-of-range GQ is clamped
    ],
)
def test_coupling_on_hand_made_values(
    semantic: float, quality: float | None, expected: float
) -> None:
    assert coupled_score(semantic, quality) == pytest.approx(expected)


def test_no_semantic_score_means_no_sqcs() -> None:
    assert coupled_score(None, 90.0) is None


def test_sqcs_never_exceeds_sc_and_grows_with_both() -> None:
    grid = [float(value) for value in range(0, 101, 10)]
    for semantic in grid:
        scores = [coupled_score(semantic, quality) or 0.0 for quality in grid]
        assert all(score <= semantic for score in scores)
        assert scores == sorted(scores)
    for quality in grid:
        scores = [coupled_score(semantic, quality) or 0.0 for semantic in grid]
        assert scores == sorted(scores)


def test_weight_must_be_a_share() -> None:
    with pytest.raises(ValueError, match="quality weight"):
        quality_factor(50.0, weight=1.5)
    assert quality_factor(50.0, weight=0.0) == 1.0
    assert quality_factor(50.0, weight=1.0) == 0.5


def test_the_coupling_reproduces_table_4() -> None:
    mean_error, largest_error = table_error()
    assert mean_error < 0.6 and largest_error < 2.3
    product = sum(abs(sc * gq / 100 - reported) for sc, gq, reported in TABLE_4) / len(TABLE_4)
    harmonic = sum(abs(2 * sc * gq / (sc + gq) - reported) for sc, gq, reported in TABLE_4) / len(
        TABLE_4
    )
    assert mean_error < product / 10 and mean_error < harmonic / 10
    # the chosen weight is within a few hundredths of the least-squares one
    assert table_error(0.25)[0] < min(table_error(0.15)[0], table_error(0.35)[0])


def _context(tmp_path: Path, prediction: Prediction | None) -> InstanceContext:
    instance = UnimInstance.model_validate(
        {
            "domain": "social_science",
            "subdomain": "history",
            "id": "3",
            "input": {"modal": {}, "content": "Tell the story with one image."},
            "output": {"modal": {"image1": "image/a.png"}, "content": "It began in <image1>."},
            "difficulty_level": 2,
        }
    )
    return InstanceContext(instance.key, instance, prediction, tmp_path, tmp_path)


def _prediction(
    status: str = "ok", content: str = "It began in <image1>.", modal: dict[str, str] | None = None
) -> Prediction:
    return Prediction(
        domain="social_science",
        subdomain="history",
        id="3",
        content=content,
        modal=modal or {},
        status=status,
    )


def test_abs_and_rel_follow_the_suite_convention(tmp_path: Path) -> None:
    semantic = MetricValue("SC", 80.0, "proxy:all-MiniLM-L6-v2")
    quality = MetricValue("GQ", 40.0, "gq:image/nr-iqa+text/well-formedness")
    (tmp_path / "story.png").write_bytes(b"not checked here")
    with_image = _prediction(modal={"image1": "story.png"})
    answered = sqcs_values(semantic, quality, _context(tmp_path, with_image))
    assert [(value.name, value.value) for value in answered] == [
        ("SQCS_abs", 68.0),
        ("SQCS_rel", 68.0),
    ]
    # The same answer without its image supports none of the reference's items: tau_i = 0.
    without_image = sqcs_values(semantic, quality, _context(tmp_path, _prediction()))
    assert [value.value for value in without_image] == [68.0, 0.0]
    assert answered[0].judge == "proxy:all-MiniLM-L6-v2+gq:image/nr-iqa+text/well-formedness"
    assert answered[0].details["SC"] == 80.0 and answered[0].details["GQ"] == 40.0
    declined = sqcs_values(None, None, _context(tmp_path, _prediction(status="failed")))
    assert [value.value for value in declined] == [None, 0.0]
    absent = sqcs_values(None, None, _context(tmp_path, None))
    assert [value.value for value in absent] == [0.0, 0.0]


def test_answered_without_sc_is_not_scorable(tmp_path: Path) -> None:
    values = sqcs_values(None, MetricValue("GQ", 90.0, "gq:x"), _context(tmp_path, _prediction()))
    assert [value.value for value in values] == [None, None]
    assert values[0].details["reason"] == "no SC for this instance"
