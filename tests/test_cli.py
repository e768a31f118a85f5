"""The ``unima`` command line."""

from __future__ import annotations

import importlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from unima.cli import app
from unima.types import Artifact, Relevance, RelevanceReason, Response, Verification

runner = CliRunner()
# The module, not the ``run`` command that ``unima.cli`` exports under the same name.
cli_run = importlib.import_module("unima.cli.run")


def test_run_prints_the_answer_and_the_trace_path(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["run", "Describe a spiral galaxy. Include a 3D model.", "--out", str(tmp_path / "out")],
    )
    assert result.exit_code == 0, result.output
    assert "<threeD1>" in result.output and "trace:" in result.output
    response = json.loads((tmp_path / "out" / "response.json").read_text())
    assert list(response["unim"]["modal"]) == ["threeD1"]
    trace_path = result.output.split("trace:")[1].split()[0]
    view = runner.invoke(app, ["trace", "view", trace_path])
    assert view.exit_code == 0, view.output
    assert "make_threeD1" in view.output and "accept" in view.output


def test_run_with_an_input_file(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text(
        "Spiral galaxies have arms of young stars. The Milky Way is a barred spiral galaxy."
    )
    result = runner.invoke(app, ["run", "Summarise <document1>.", "--input", str(notes)])
    assert result.exit_code == 0, result.output
    assert "Milky Way" in result.output


def test_missing_input_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["run", "Describe <image1>.", "--input", str(tmp_path / "missing.png")]
    )
    assert result.exit_code == 1
    assert "missing.png" in result.output


def test_bad_llm_spec_is_a_clear_error() -> None:
    result = runner.invoke(app, ["run", "Hello.", "--llm", "nonsense:"])
    assert result.exit_code == 1
    assert "openai" in result.output


def test_trace_view_of_a_non_trace_fails_cleanly(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.json"
    bogus.write_text("{}")
    result = runner.invoke(app, ["trace", "view", str(bogus)])
    assert result.exit_code == 1 and "not a unima trace" in result.output


def test_resume_cache_and_trace_commands(tmp_path: Path) -> None:
    first = runner.invoke(
        app, ["run", "Describe a comet. Include a 3D model.", "--run-id", "comet"]
    )
    assert first.exit_code == 0, first.output
    assert "make_threeD1" in first.output  # the live progress named the step
    again = runner.invoke(app, ["run", "--resume", "comet"])
    assert again.exit_code == 0 and "<threeD1>" in again.output
    cached = runner.invoke(app, ["run", "Describe a comet. Include a 3D model."])
    assert cached.exit_code == 0 and "cached" in cached.output
    traces = sorted((tmp_path / "traces").glob("*.json"))
    assert len(traces) == 2
    html = runner.invoke(
        app, ["trace", "view", str(traces[0]), "--html", str(tmp_path / "page.html")]
    )
    assert html.exit_code == 0, html.output
    assert "<svg" in (tmp_path / "page.html").read_text()
    diff = runner.invoke(app, ["trace", "diff", str(traces[0]), str(traces[1])])
    assert diff.exit_code == 0, diff.output
    info = runner.invoke(app, ["cache", "info"])
    assert info.exit_code == 0 and "1 entries" in info.output
    prune = runner.invoke(app, ["cache", "prune", "--max-bytes", "0"])
    assert prune.exit_code == 0 and "removed 1 entries and 1 files" in prune.output


def test_run_needs_text_or_resume() -> None:
    result = runner.invoke(app, ["run"])
    assert result.exit_code == 1 and "--resume" in result.output


def test_run_table_shows_valid_and_relevant_with_the_failure_reasons(tmp_path: Path) -> None:
    sales = tmp_path / "sales.csv"
    sales.write_text("month,sales\nJan,10\nFeb,14\nMar,9\nApr,20\n")
    ok = runner.invoke(app, ["run", "Explain how a rainbow forms with a diagram and a narration"])
    assert ok.exit_code == 0, ok.output
    header = next(line for line in ok.output.splitlines() if "modality" in line)
    assert "valid" in header and "relevant" in header and "verified" not in header
    rows = [line for line in ok.output.splitlines() if "image1" in line and "│" in line]
    assert rows and [cell.strip() for cell in rows[0].split("│")[-3:-1]] == ["yes", "yes"]


def test_run_table_lists_why_an_artifact_is_not_valid_or_not_relevant(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = io.StringIO()
    monkeypatch.setattr(cli_run, "console", Console(file=output, width=160))
    relevance = Relevance(
        passed=False,
        reasons=(RelevanceReason(name="chart_kind", message="a line chart, not a bar chart"),),
    )
    image = Artifact(
        tag="image1",
        modality="image",
        path=str(tmp_path / "chart.png"),
        mime="image/png",
        sha256="0" * 64,
        verification=Verification(passed=True),
        relevance=relevance,
    )
    audio = image.model_copy(
        update={
            "tag": "audio1",
            "modality": "audio",
            "verification": Verification(passed=False, problems=("audio is silent",)),
            "relevance": None,
        }
    )
    response = Response(
        content="<image1> <audio1>",
        artifacts={"image1": image, "audio1": audio},
        status="partial",
        problems=["<image1> is not relevant: a line chart, not a bar chart"],
    )
    cli_run._print_response(response, None)
    text = output.getvalue()
    rows = {line.split("│")[1].strip(): line for line in text.splitlines() if line.count("│") > 4}
    assert [cell.strip() for cell in rows["image1"].split("│")[-3:-1]] == ["yes", "no"]
    assert [cell.strip() for cell in rows["audio1"].split("│")[-3:-1]] == ["no", "-"]
    assert "image1 not relevant (chart_kind): a line chart, not a bar chart" in text
    assert "audio1 not valid: audio is silent" in text


def test_python_dash_m_unima_is_the_same_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "unima", "train", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "chains" in result.stdout and "tmpo" in result.stdout
