"""``unima perceive``: readable and JSON output, clear errors, and the perception renderer."""

from __future__ import annotations

import io
import json
from pathlib import Path

from rich.console import Console
from typer.testing import CliRunner

from unima.cli import app
from unima.perception.view import render_perception
from unima.types import Perception

runner = CliRunner()
SOURCE = (
    "import math\n\n\n"
    "def area(radius):\n"
    '    """The area of a circle."""\n'
    "    return math.pi * radius * radius\n\n\n"
    "class Shape:\n"
    "    pass\n"
)


def files(tmp_path: Path) -> tuple[Path, Path]:
    source = tmp_path / "geometry.py"
    source.write_text(SOURCE)
    table = tmp_path / "rain.csv"
    table.write_text("city,rain_mm\nOslo,760\nRome,800\n")
    return source, table


def test_perceive_prints_each_file(tmp_path: Path) -> None:
    source, table = files(tmp_path)
    result = runner.invoke(app, ["perceive", str(source), str(table)])
    assert result.exit_code == 0, result.output
    output = result.output
    assert "geometry.py" in output and "rain.csv" in output
    assert "code" in output and "pygments" in output
    assert "area(radius)" in output and "class Shape" in output
    assert 'functions: ["area"]' in output and 'classes: ["Shape"]' in output
    assert "document" in output and "rain_mm" in output
    assert 'columns: ["city", "rain_mm"]' in output
    assert "seconds" in output


def test_perceive_json_is_one_perception_per_line(tmp_path: Path) -> None:
    source, table = files(tmp_path)
    result = runner.invoke(app, ["perceive", "--json", str(source), str(table)])
    assert result.exit_code == 0, result.output
    first, second = (Perception.model_validate_json(line) for line in result.output.splitlines())
    assert first.modality == "code" and first.text == SOURCE
    assert first.meta["functions"] == ["area"] and first.meta["imports"] == ["math"]
    assert second.modality == "document" and second.meta["table"]["rows"] == [
        ["Oslo", "760"],
        ["Rome", "800"],
    ]
    assert json.loads(result.output.splitlines()[0])["backend"] == first.backend


def test_bad_inputs_exit_1_naming_the_file_and_the_rest_are_printed(tmp_path: Path) -> None:
    source, _ = files(tmp_path)
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    result = runner.invoke(
        app, ["perceive", str(tmp_path / "missing.wav"), str(empty), "--json", str(source)]
    )
    assert result.exit_code == 1
    assert "missing.wav" in result.output and "not found" in result.output
    assert "empty.png" in result.output and "empty" in result.output
    perceived = [line for line in result.output.splitlines() if line.startswith("{")]
    assert [Perception.model_validate_json(line).modality for line in perceived] == ["code"]


def test_bad_perception_model_specs_are_clear_errors(tmp_path: Path) -> None:
    source, _ = files(tmp_path)
    result = runner.invoke(app, ["perceive", str(source), "--perception-llm", "nonsense:"])
    assert result.exit_code == 1 and "openai" in result.output
    result = runner.invoke(app, ["run", "Hello.", "--perception-llm", "nonsense:"])
    assert result.exit_code == 1 and "openai" in result.output


def test_renderer_shortens_text_and_cuts_long_lists() -> None:
    perception = Perception(
        modality="audio",
        text="word " * 300,
        summary="A 90.0 s mono recording.",
        backend="faster-whisper",
        seconds=1.25,
        meta={
            "segments": [{"start": float(i), "end": i + 1.0, "text": "x" * 90} for i in range(20)],
            "loudness": {"rms_dbfs": -20.5},
        },
        failures=("transcript: model missing",),
    )
    buffer = io.StringIO()
    render_perception(
        perception, Console(file=buffer, width=100), title="talk.wav", max_text_chars=50
    )
    shown = buffer.getvalue()
    assert "talk.wav" in shown and "1.250" in shown and "faster-whisper" in shown
    assert "(1,500 characters)" in shown
    assert "… 8 more" in shown  # 20 segments, 12 shown
    assert 'loudness: {"rms_dbfs": -20.5}' in shown
    assert "failure" in shown and "transcript: model missing" in shown
