"""The ``unima`` command line."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from unima.cli import app

runner = CliRunner()


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
