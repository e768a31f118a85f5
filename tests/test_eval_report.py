"""The report files (JSON schema, Markdown tables, PNG plots), unavailable families, compare."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

import pytest

from unima.errors import ConfigError, InputError
from unima.eval.compare import compare_reports
from unima.eval.records import (
    METRIC_NAMES,
    METRICS,
    InstanceContext,
    Metric,
    MetricOptions,
    MetricValue,
    abs_rel,
)
from unima.eval.report import SCHEMA, SCHEMA_VERSION, Report, load_report
from unima.eval.runner import evaluate, load_families
from unima.eval.synthetic import write_predictions, write_synthetic_dataset


class FakeCoherenceMetric(Metric):
    """Scores HC from the structure result, counts one unparseable reply per 10 instances."""

    name = "fake_coherence"
    dimension = "coherence"
    produces: ClassVar[tuple[str, ...]] = ("HC", "ICS_abs", "ICS_rel")

    def __init__(self, options: MetricOptions | None = None) -> None:
        super().__init__(options)
        self.calls = 0

    def score(self, context: InstanceContext) -> list[MetricValue]:
        self.calls += 1
        strict = context.previous["StS_abs"].value
        value = None if strict is None else 40.0 + strict / 2
        ics_abs, ics_rel = abs_rel(value, context)
        return [
            MetricValue("HC", value, "fake:judge"),
            MetricValue("ICS_abs", ics_abs, "fake:judge"),
            MetricValue("ICS_rel", ics_rel, "fake:judge"),
        ]

    def counters(self) -> dict[str, int]:
        return {"unparseable_replies": self.calls // 10}


class BrokenMetric(Metric):
    name = "broken"
    dimension = "semantic"
    produces: ClassVar[tuple[str, ...]] = ("SC",)

    def score(self, context: InstanceContext) -> list[MetricValue]:
        if context.key[2] == "2":
            raise RuntimeError("decoder crashed")
        return [MetricValue("SC", 50.0, "fake:sc")]


@pytest.fixture
def extra_metrics() -> Any:
    METRICS.register("fake_coherence", FakeCoherenceMetric, replace=True)
    METRICS.register("broken", BrokenMetric, replace=True)
    yield
    # Leave the registry as it was: later tests must not see the fakes.
    METRICS._loaded.pop("fake_coherence", None)
    METRICS._loaded.pop("broken", None)


FAKE_FAMILIES = ["structure", "fake_coherence", "broken"]


def _run(
    tmp_path: Path,
    name: str,
    *,
    drop: int = 0,
    metrics: list[str] | None = FAKE_FAMILIES,
    plots: bool = True,
) -> Any:
    instances_file = write_synthetic_dataset(tmp_path / "set", 30, seed=1)
    lines = instances_file.read_text().splitlines()
    omit = {
        tuple(json.loads(line)[k] for k in ("domain", "subdomain", "id")) for line in lines[:drop]
    }
    predictions = write_predictions(instances_file, tmp_path / f"pred-{name}", omit=omit)
    return evaluate(instances_file, predictions, tmp_path / name, metrics=metrics, plots=plots)


def test_report_files_exist_and_follow_the_schema(tmp_path: Path, extra_metrics: Any) -> None:
    report = _run(tmp_path, "report", drop=3)
    data = json.loads((tmp_path / "report" / "report.json").read_text())
    assert data["schema"] == SCHEMA and data["schema_version"] == SCHEMA_VERSION
    assert list(data["overall"]) == list(METRIC_NAMES)
    assert data["overall"]["StS_abs"] == pytest.approx(100 * 27 / 30, abs=0.01)
    assert data["overall"]["StS_rel"] == pytest.approx(100 * 27 / 30, abs=0.01)
    # HC = 40 + StS/2: 90 on the 27 answered, 40 on the 3 without prediction (StS 0)
    assert data["overall"]["HC"] == pytest.approx((27 * 90 + 3 * 40) / 30, abs=0.01)
    # SC failed on one instance: no mean over the other 29, the gap and its reason instead.
    assert data["overall"]["SC"] is None and data["overall_counts"]["SC"] == 29
    assert data["not_computed"]["SC"]["instances"] == 1 and data["not_computed"]["SC"]["of"] == 30
    assert data["not_computed"]["SC"]["partial_value"] == 50.0
    assert data["overall"]["GQ"] is None and data["overall_counts"]["GQ"] == 0
    assert data["judges"]["HC"] == ["fake:judge"] and data["judges"]["StS_abs"] == ["structure"]
    assert data["counts"]["missing_predictions"] == 3
    assert data["counts"]["unparseable_judge_replies"] == 3
    assert data["counts"]["metric_errors"] == 1
    assert data["families"]["broken"]["errors"] == 1
    broken = next(item for item in data["instances"] if item["key"][2] == "2")
    assert broken["values"]["SC"]["value"] is None
    assert any("decoder crashed" in problem for problem in broken["problems"])
    assert len(data["instances"]) == 30
    assert set(data["groups"]) == {
        "field",
        "domain",
        "difficulty",
        "input_modality",
        "output_modality",
        "output_combination",
    }
    assert sum(group["instances"] for group in data["groups"]["field"].values()) == 30
    for name in ("dimensions_by_field.png", "radar.png", "sts_by_output_combination.png"):
        assert (tmp_path / "report" / "plots" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    markdown = (tmp_path / "report" / "report.md").read_text()
    assert "## Table 3: Response Structure Integrity" in markdown
    assert "| Natural Science | 10 |" in markdown
    assert "## By output-modality combination" in markdown
    loaded = load_report(tmp_path / "report")
    assert loaded.overall == report.overall
    assert loaded.instances[0].values["StS_abs"] == report.instances[0].values["StS_abs"]


def test_unavailable_default_families_are_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    METRICS.register("ghost", "unima.eval.no_such_module:GhostMetric", replace=True)
    monkeypatch.setattr("unima.eval.runner.DEFAULT_FAMILIES", ("structure", "ghost"))
    try:
        families, statuses = load_families(None, MetricOptions())
        assert [family.name for family in families] == ["structure"]
        assert not statuses["ghost"].available
        assert "no_such_module" in statuses["ghost"].reason
        # A family named explicitly must load: an error, not a silent skip.
        with pytest.raises(ConfigError, match="no_such_module"):
            load_families(["structure", "ghost"], MetricOptions())
        with pytest.raises(ConfigError, match="Did you mean 'structure'"):
            load_families(["structructure"], MetricOptions())
        report = _run(tmp_path, "report", plots=False, metrics=None)
    finally:
        METRICS._targets.pop("ghost", None)
    assert "no_such_module" in report.unavailable_families()["ghost"]
    markdown = (tmp_path / "report" / "report.md").read_text()
    assert "| ghost | UNAVAILABLE |" in markdown


def test_compare_puts_reports_side_by_side(tmp_path: Path, extra_metrics: Any) -> None:
    first = _run(tmp_path / "a", "report", drop=0, plots=False)
    second = _run(tmp_path / "b", "report", drop=6, plots=False)
    comparison = compare_reports(first, second, first_name="full", second_name="partial")
    overall = {row.metric: row for row in comparison.rows if row.scope == "overall"}
    assert overall["StS_abs"].first == 100.0
    assert overall["StS_abs"].delta == pytest.approx(-20.0)
    assert overall["GQ"].delta is None
    markdown = comparison.to_markdown()
    assert "| overall | StS^abs | 100.0 | 80.0 | -20.0 |" in markdown
    assert comparison.warnings == []


def test_compare_labels_structural_proxies_and_names_protocol_differences(
    tmp_path: Path, extra_metrics: Any
) -> None:
    first = _run(tmp_path / "a", "report", drop=0, plots=False)
    data = first.to_json()
    data["judges"]["HC"] = ["proxy:cues-v1 (structural only)"]
    data["source"] = {**data["source"], "protocol": "unima"}
    second = Report.from_json(data)
    comparison = compare_reports(first, second)
    labels = {row.metric: row.label for row in comparison.rows if row.scope == "overall"}
    assert labels["HC"] == "HC (structural only)" and labels["StS_abs"] == "StS^abs"
    assert "| overall | HC (structural only) |" in comparison.to_markdown()
    assert any("different judging protocols" in warning for warning in comparison.warnings)


def test_load_report_refuses_other_files(tmp_path: Path) -> None:
    (tmp_path / "report.json").write_text(json.dumps({"schema": "other"}))
    with pytest.raises(InputError, match="not a unima evaluation report"):
        load_report(tmp_path)
    with pytest.raises(InputError, match="no report here"):
        load_report(tmp_path / "missing")


def test_judge_calls_are_cached_on_disk_so_a_rerun_is_free(tmp_path: Path) -> None:
    from unima.eval.runner import evaluate

    instances_file = write_synthetic_dataset(tmp_path / "set", 6, seed=3)
    predictions = write_predictions(instances_file, tmp_path / "pred")
    first = evaluate(
        instances_file, predictions, tmp_path / "first", metrics=["coherence"], plots=False
    )
    second = evaluate(
        instances_file, predictions, tmp_path / "second", metrics=["coherence"], plots=False
    )
    assert first.counts["judge_judge_calls"] > 0 and first.counts["judge_cache_hits"] == 0
    assert second.counts["judge_judge_calls"] == 0
    assert second.counts["judge_cache_hits"] == first.counts["judge_judge_calls"]
    assert second.overall == first.overall
