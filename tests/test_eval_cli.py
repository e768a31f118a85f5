"""``unima eval unim`` and ``unima eval compare`` end to end on a small synthetic set."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from unima.cli import app
from unima.eval.synthetic import write_predictions, write_synthetic_dataset

runner = CliRunner()


def _flat(text: str) -> str:
    """The output with rich's line wrapping undone."""
    return " ".join(text.split())


def _drop_first_item(answer: dict[str, Any], instance: dict[str, Any]) -> None:
    tag = next(iter(answer["modal"]))
    answer["content"] = answer["content"].replace(f"<{tag}>", "")
    del answer["modal"][tag]


def test_eval_unim_and_compare(tmp_path: Path) -> None:
    instances_file = write_synthetic_dataset(tmp_path / "set", 20, seed=2)
    good = write_predictions(instances_file, tmp_path / "good")
    keys = [
        tuple(json.loads(line)[k] for k in ("domain", "subdomain", "id"))
        for line in instances_file.read_text().splitlines()
    ]
    write_predictions(  # read below through its folder, which --pred accepts
        instances_file, tmp_path / "worse", mutations={key: _drop_first_item for key in keys[:5]}
    )

    first = runner.invoke(
        app,
        [
            "eval",
            "unim",
            "--data",
            str(instances_file),
            "--pred",
            str(good),
            "--out",
            str(tmp_path / "A"),
            "--metrics",
            "structure",
        ],
    )
    assert first.exit_code == 0, first.output
    assert "StS^abs" in first.output and "100.0" in first.output
    second = runner.invoke(
        app,
        [
            "eval",
            "unim",
            "--data",
            str(tmp_path / "set"),
            "--pred",
            str(tmp_path / "worse"),
            "--out",
            str(tmp_path / "B"),
            "--metrics",
            "structure",
            "--no-plots",
            "--workers",
            "2",
        ],
    )
    assert second.exit_code == 0, second.output
    report = json.loads((tmp_path / "B" / "report.json").read_text())
    assert report["overall"]["StS_abs"] == 75.0
    assert not (tmp_path / "B" / "plots").exists()
    assert (tmp_path / "A" / "plots" / "radar.png").is_file()

    compared = runner.invoke(
        app,
        [
            "eval",
            "compare",
            str(tmp_path / "A"),
            str(tmp_path / "B"),
            "--out",
            str(tmp_path / "diff.md"),
        ],
    )
    assert compared.exit_code == 0, compared.output
    assert "-25.0" in compared.output
    assert "| overall | StS^abs | 100.0 | 75.0 | -25.0 |" in (tmp_path / "diff.md").read_text()


def test_eval_filters_and_errors(tmp_path: Path) -> None:
    instances_file = write_synthetic_dataset(tmp_path / "set", 12, seed=2)
    predictions = write_predictions(instances_file, tmp_path / "pred")
    result = runner.invoke(
        app,
        [
            "eval",
            "unim",
            "--data",
            str(instances_file),
            "--pred",
            str(predictions),
            "--out",
            str(tmp_path / "R"),
            "--metrics",
            "structure",
            "--field",
            "social_science",
            "--no-plots",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "R" / "report.json").read_text())
    assert set(report["groups"]["field"]) == {"social_science"}
    assert report["counts"]["instances"] == 4

    missing = runner.invoke(
        app,
        [
            "eval",
            "unim",
            "--data",
            str(instances_file),
            "--pred",
            str(tmp_path / "nothing.jsonl"),
            "--out",
            str(tmp_path / "X"),
        ],
    )
    assert missing.exit_code == 1
    assert "predictions file does not exist" in _flat(missing.output)

    unknown = runner.invoke(
        app,
        [
            "eval",
            "unim",
            "--data",
            str(instances_file),
            "--pred",
            str(predictions),
            "--out",
            str(tmp_path / "Y"),
            "--metrics",
            "structur",
        ],
    )
    assert unknown.exit_code == 1
    assert "Did you mean 'structure'" in _flat(unknown.output)

    bad = runner.invoke(app, ["eval", "compare", str(tmp_path / "R"), str(tmp_path / "none")])
    assert bad.exit_code == 1 and "no report here" in _flat(bad.output)


def test_the_overall_table_says_which_metrics_were_not_computed_and_why() -> None:
    from rich.console import Console

    from unima.cli.eval import _overall_table
    from unima.eval.records import METRIC_NAMES
    from unima.eval.report import Report

    overall = {name: 80.0 for name in METRIC_NAMES} | {"SC": None}
    report = Report(
        overall=overall,
        overall_counts={name: 5 for name in METRIC_NAMES} | {"SC": 3},
        judges={},
        counts={},
        families={},
        groups={},
        instances=[],
        judge="fake",
        overall_of={name: 5 for name in METRIC_NAMES},
        not_computed={"SC": {"instances": 2, "of": 5, "reason": "semantic failed: \x1b[31mboom"}},
    )
    console = Console(width=200, record=True)
    console.print(_overall_table(report))
    text = console.export_text()
    assert "not computed: semantic failed:" in text and "3 of 5" in text
    assert "\x1b[31m" not in text  # a reason from an exception reaches the terminal inert
