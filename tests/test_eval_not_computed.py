"""A metric that cannot be computed is reported as not computed, never averaged over a subset.

Issue 15, item 7: without the ``eval`` extra SC printed 50.0 over 2 of 5 instances, and tau
dropped the instances where a metric failed (33.3 over 3 instead of 60 over 5).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from unima.errors import MissingExtraError
from unima.eval import semantic
from unima.eval.compare import compare_reports
from unima.eval.judges import proxy
from unima.eval.judges.base import JudgeVerdict
from unima.eval.report import load_report
from unima.eval.runner import evaluate
from unima.eval.synthetic import write_predictions, write_synthetic_dataset

INSTANCES = 5
MARKER = "[edited]"


def _missing_extra(*_: Any, **__: Any) -> Any:
    raise MissingExtraError("the SC proxy judge", "eval", "sentence_transformers")


def _decline(answer: dict[str, Any], _: dict[str, Any]) -> None:
    answer.update(content="", modal={}, status="failed", error="model gave up")


def _mark(answer: dict[str, Any], _: dict[str, Any]) -> None:
    answer["content"] = f"{answer['content']} {MARKER}"


def _run(tmp_path: Path, *, metrics: list[str] | None, marked: int = 0) -> dict[str, Any]:
    """Evaluate 5 instances: the first 3 answered (``marked`` of them marked), the last 2 declined."""
    instances_file = write_synthetic_dataset(tmp_path / "set", INSTANCES, seed=7)
    keys = [
        tuple(json.loads(line)[name] for name in ("domain", "subdomain", "id"))
        for line in instances_file.read_text().splitlines()
    ]
    mutations: dict[Any, Any] = {key: _decline for key in keys[3:]}
    mutations.update({key: _mark for key in keys[:marked]})
    predictions = write_predictions(instances_file, tmp_path / "pred", mutations=mutations)
    evaluate(
        instances_file,
        predictions,
        tmp_path / "report",
        metrics=metrics,
        plots=False,
        cache_path=tmp_path / "judge-cache.sqlite",
    )
    return json.loads((tmp_path / "report" / "report.json").read_text())


def test_a_family_without_its_extra_is_not_computed_and_tau_keeps_every_instance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The judge cannot be built: semantic and coherence do not load at all.
    monkeypatch.setattr(semantic, "resolve_judge", _missing_extra)
    data = _run(tmp_path, metrics=None)
    assert data["families"]["semantic"]["available"] is False
    for name in ("SC", "SQCS_abs", "SQCS_rel", "HC", "SH", "ICS_abs", "ICS_rel"):
        assert data["overall"][name] is None, name
        entry = data["not_computed"][name]
        assert entry["partial_value"] is None
        assert 'pip install "unima[eval]"' in entry["reason"], name
    # abs names apply to the 3 answered instances, rel names to all 5
    assert data["not_computed"]["SC"]["instances"] == 3 and data["not_computed"]["SC"]["of"] == 3
    assert data["not_computed"]["SQCS_rel"]["of"] == INSTANCES
    assert data["overall"]["tau"] == 60.0
    assert data["overall_counts"]["tau"] == INSTANCES and data["overall_of"]["tau"] == INSTANCES
    assert "tau" not in data["not_computed"]
    # What ran is complete and says so.
    assert data["overall"]["StS_rel"] is not None and "StS_rel" not in data["not_computed"]
    markdown = (tmp_path / "report" / "report.md").read_text()
    assert "## Not computed" in markdown
    assert "- **SC**: not computed for any of the 3 instances. Why: the semantic family" in markdown
    assert "| τ | 60.0 | 5 |" in markdown
    assert load_report(tmp_path / "report").not_computed["SC"]["instances"] == 3


def test_a_judge_missing_its_extra_at_scoring_time_keeps_instances_in_tau(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The judge loads (HC/SH need no embeddings) but SC's embedder is missing: every answered
    # instance's semantic family raises. tau was 33.3 over 3 here before: it must be 60 over 5.
    monkeypatch.setattr(proxy, "sentence_embedder", _missing_extra)
    # Marked answers differ from the reference, so the proxy needs its embedder for them.
    data = _run(tmp_path, metrics=["structure", "semantic"], marked=3)
    assert data["overall"]["tau"] == 60.0 and data["overall_counts"]["tau"] == INSTANCES
    assert data["overall"]["SC"] is None
    entry = data["not_computed"]["SC"]
    assert (entry["instances"], entry["of"]) == (3, 3)
    assert entry["reason"].startswith("semantic failed: MissingExtraError: ")
    assert 'pip install "unima[eval]"' in entry["reason"]
    assert entry["reasons"] == {entry["reason"]: 3}
    assert data["counts"]["metric_errors"] == 3
    # Families not asked for are listed too, with that reason.
    assert data["not_computed"]["HC"]["reason"] == "no metric family asked for produces it"


def test_a_partly_computed_metric_states_n_of_n_and_has_no_overall_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def flaky(self: Any, payload: dict[str, Any]) -> JudgeVerdict:
        if MARKER in str(payload.get("prediction", "")):
            raise RuntimeError("judge server answered 503")
        return JudgeVerdict(score=3.0, reason="fake", raw="{}")

    monkeypatch.setattr(proxy.ProxyJudge, "_semantic", flaky)
    data = _run(tmp_path, metrics=["structure", "semantic"], marked=1)
    assert data["overall"]["SC"] is None  # never the mean of the 2 that worked
    assert data["overall_counts"]["SC"] == 2 and data["overall_of"]["SC"] == 3
    entry = data["not_computed"]["SC"]
    assert (entry["instances"], entry["of"], entry["partial_value"]) == (1, 3, 50.0)
    assert "judge server answered 503" in entry["reason"]
    assert data["overall"]["tau"] == 60.0 and data["overall_counts"]["tau"] == INSTANCES
    # The groups do not average over a subset either.
    fields = data["groups"]["field"].values()
    assert sum(group.get("not_computed", {}).get("SC", 0) for group in fields) == 1
    assert all(
        group["metrics"]["SC"] is None
        for group in fields
        if group.get("not_computed", {}).get("SC")
    )
    markdown = (tmp_path / "report" / "report.md").read_text()
    assert "| SC | partly computed | 2 of 3 |" in markdown
    assert (
        "- **SC**: not computed for 1 of 3 instances; the mean over the other 2 would be 50.0"
        in markdown
    )
    report = load_report(tmp_path / "report")
    comparison = compare_reports(report, report)
    assert next(row for row in comparison.rows if row.metric == "SC").first is None


def test_a_complete_run_keeps_plain_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        proxy.ProxyJudge,
        "_semantic",
        lambda self, payload: JudgeVerdict(score=5.0, reason="fake", raw="{}"),
    )
    data = _run(tmp_path, metrics=["structure", "semantic"])
    assert data["overall"]["SC"] == 100.0 and data["overall_counts"]["SC"] == 3
    assert data["overall_of"]["SC"] == 3
    assert set(data["not_computed"]) == {"GQ", "HC", "SH", "ICS_abs", "ICS_rel"}
    markdown = (tmp_path / "report" / "report.md").read_text()
    assert "| SC | 100.0 | 3 |" in markdown
