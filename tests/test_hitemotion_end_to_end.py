"""HitEmotion load → bench → eval → compare through the CLI, on fixtures with signal.

One task per level (MSA: video with quoted words, one negated; MSD: image with a tweet; SD:
video whose words and delivery may disagree), two items each, from ``hitemotion_fixtures``:
``unima bench run hitemotion`` with ``--model unima --llm heuristic --tools fake`` in the ToM
reasoning mode (ToM prompts) and in the direct mode (direct prompts), ``unima eval hitemotion``
on each predictions file, then ``unima eval compare`` of the two reports. Real perception runs
(ffmpeg keyframes, whisper, prosody, OCR): about 10 s on two idle cores, 30 s on two busy ones,
so the module is not marked slow.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hitemotion_fixtures import build_release
from PIL import Image
from typer.testing import CliRunner

from unima.cli import app
from unima.eval.hitemotion.answers import parse_answer
from unima.eval.hitemotion.tasks import TASKS

CHOSEN = ("MSA", "MSD", "SD")
ITEMS = 2
# The output is the reasoning, then the answer, and nothing after it.
THINK_ANSWER = re.compile(
    r"^\s*<think>(?P<think>.+?)</think>\s*<answer>(?P<answer>.+?)</answer>", re.DOTALL
)
runner = CliRunner()


def _invoke(*arguments: str) -> Any:
    result = runner.invoke(app, list(arguments))
    assert result.exit_code == 0, result.output
    return result


def _bench(data: Path, media: Path, out: Path, mode: str) -> list[dict[str, Any]]:
    _invoke(
        "bench", "run", "hitemotion", "--data", str(data), "--media-root", str(media),
        "--out", str(out), "--prompt", mode, "--model", "unima", "--llm", "heuristic",
        "--tools", "fake", "--reasoning", mode, "--workers", "2", "--timeout", "120",
    )  # fmt: skip
    lines = (out / "predictions.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def _evaluate(data: Path, predictions: Path, out: Path, cache: Path) -> dict[str, Any]:
    _invoke(
        "eval", "hitemotion", "--data", str(data), "--pred", str(predictions), "--out", str(out),
        "--cache", str(cache),
    )  # fmt: skip
    report: dict[str, Any] = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return report


def _png_size(path: Path) -> tuple[int, int]:
    with Image.open(path) as image:
        image.load()
        assert image.format == "PNG"
        return image.size


@dataclass(frozen=True)
class Runs:
    """Both modes' predictions and reports, made once for the module."""

    root: Path
    predictions: dict[str, list[dict[str, Any]]]
    reports: dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    root = tmp_path_factory.mktemp("hitemotion-e2e")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(root / "cache"))
        data, media = build_release(root / "fixtures", CHOSEN, items=ITEMS)
        predictions, reports = {}, {}
        for mode, folder in (("tom", "with_prompt"), ("direct", "without_prompt")):
            predictions[mode] = _bench(data, media, root / f"run-{mode}", mode)
            reports[mode] = _evaluate(
                data / folder, root / f"run-{mode}", root / f"R-{mode}", root / "judge.sqlite"
            )
        yield Runs(root, predictions, reports)


def test_both_modes_write_a_prediction_per_item(runs: Runs) -> None:
    expected = {(code, str(number)) for code in CHOSEN for number in range(ITEMS)}
    for lines in runs.predictions.values():
        assert {(line["task"], line["id"]) for line in lines} == expected
        assert all(list(line) == ["task", "level", "id", "output"] for line in lines)
        assert {line["task"]: line["level"] for line in lines} == {"MSA": 1, "MSD": 2, "SD": 3}


def test_the_tom_mode_thinks_then_answers_and_the_answer_parses(runs: Runs) -> None:
    for line in runs.predictions["tom"]:
        found = THINK_ANSWER.match(line["output"])
        assert found is not None, line
        assert found.group("answer").strip() and "<answer>" not in found.group("think")
        assert parse_answer(TASKS[line["task"]], line["output"]) is not None, line
    # The chain read the item's quoted words, negation included.
    negated = next(
        line for line in runs.predictions["tom"] if (line["task"], line["id"]) == ("MSA", "0")
    )
    assert "not happy" in negated["output"].split("</think>")[0]
    assert runs.reports["tom"]["overall"]["extraction_rate"] == 100.0


def test_the_tom_mode_answers_nothing_after_the_answer(runs: Runs) -> None:
    # "Complete the task as follows: (1) decode ... visual behavior, speech prosody" asks for no
    # files: the answer is the chain and the label, and nothing is generated after it.
    for line in runs.predictions["tom"]:
        assert line["output"].rstrip().endswith("</answer>"), line


def test_each_report_has_the_metrics_and_the_breakpoint_report(runs: Runs) -> None:
    for mode, report in runs.reports.items():
        assert set(report["tasks"]) == set(CHOSEN), mode
        assert set(report["levels"]) == {"1", "2", "3"}
        for code, values in report["tasks"].items():
            assert {"n", "n_parsed", "extraction_rate"} <= set(values), (mode, code)
            assert values["n"] == ITEMS
            for metric in TASKS[code].metrics:
                assert 0.0 <= values[metric] <= 100.0, (mode, code, metric)
        assert 0.0 <= report["overall"]["score"] <= 100.0
        assert report["counts"]["missing_predictions"] == 0
        folder = runs.root / f"R-{mode}"
        markdown = (folder / "report.md").read_text(encoding="utf-8")
        assert "## Breakpoints" in markdown and "| MSA |" in markdown
        for name in ("levels.png", "tasks.png"):
            width, height = _png_size(folder / "plots" / name)
            assert width > 100 and height > 100


def test_the_two_reports_compare(runs: Runs) -> None:
    out = runs.root / "compare.md"
    compared = _invoke(
        "eval", "compare", str(runs.root / "R-direct"), str(runs.root / "R-tom"), "--out", str(out)
    )
    assert "R-tom" in compared.output
    comparison = out.read_text(encoding="utf-8")
    assert "MSA" in comparison and "R-direct" in comparison
    width, height = _png_size(out.with_suffix(".png"))
    assert width > 100 and height > 100


@pytest.mark.slow
def test_every_task_goes_from_the_release_layout_to_a_scored_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """All 24 tasks, every item: load → bench (ToM mode, offline) → eval (about 30 s)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    data, media = build_release(tmp_path / "fixtures")
    lines = _bench(data, media, tmp_path / "run", "tom")
    report = _evaluate(
        data / "with_prompt", tmp_path / "run", tmp_path / "report", tmp_path / "judge.sqlite"
    )
    assert {line["task"] for line in lines} == {task.code for task in TASKS.values()}
    assert set(report["tasks"]) == {task.code for task in TASKS.values()}
    assert report["counts"]["missing_predictions"] == 0
    assert all(THINK_ANSWER.match(line["output"]) for line in lines)
    # Levels fall as cognitive depth rises on these fixtures, and the offline chain parses.
    levels = report["levels"]
    assert levels["1"]["score"] > levels["3"]["score"]
    assert report["overall"]["extraction_rate"] >= 90.0
    assert _png_size(tmp_path / "report" / "plots" / "levels.png")[0] > 0
