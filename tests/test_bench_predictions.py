"""The predictions reader: good lines, malformed lines, duplicates, paths and missing media."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from unima.bench.datasets.unim import UnimInstance, load_predictions
from unima.errors import InputError, UnsafePathError


def prediction_line(identifier: str = "1", **overrides: Any) -> dict[str, Any]:
    line: dict[str, Any] = {
        "domain": "natural_science",
        "subdomain": "math",
        "id": identifier,
        "output": {
            "modal": {"image1": f"media/natural_science/math/{identifier}/image1.png"},
            "content": "The chart <image1> shows the mean.",
        },
        "status": "ok",
    }
    line.update(overrides)
    return line


def write_run(folder: Path, lines: list[Any], *, media: bool = True) -> Path:
    """A run folder with predictions.jsonl and (optionally) every media file it names."""
    folder.mkdir(parents=True, exist_ok=True)
    texts = [line if isinstance(line, str) else json.dumps(line) for line in lines]
    path = folder / "predictions.jsonl"
    path.write_text("\n".join(texts) + "\n", encoding="utf-8")
    if media:
        for line in lines:
            if isinstance(line, dict) and isinstance(line.get("output"), dict):
                for tag, relative in (line["output"].get("modal") or {}).items():
                    if tag.startswith(("image", "audio")):
                        target = folder / relative
                        target.parent.mkdir(parents=True, exist_ok=True)
                        target.write_bytes(b"png")
    return path


def test_good_lines_load_with_paths_relative_to_the_file(tmp_path: Path) -> None:
    path = write_run(tmp_path / "out", [prediction_line("1"), prediction_line("2")])

    loaded = load_predictions(path)

    assert loaded.problems == [] and loaded.warnings == [] and loaded.duplicates == 0
    assert sorted(loaded) == [("natural_science", "math", "1"), ("natural_science", "math", "2")]
    prediction = loaded[("natural_science", "math", "2")]
    assert prediction.content == "The chart <image1> shows the mean."
    assert prediction.modal == {"image1": "media/natural_science/math/2/image1.png"}
    assert prediction.status == "ok" and prediction.error == "" and prediction.missing == ()
    resolved = loaded.media_path(prediction, "image1")
    assert resolved == (tmp_path / "out" / "media/natural_science/math/2/image1.png").resolve()
    assert loaded.root == tmp_path / "out"
    # The run folder works as well as the file, and the result is a mapping.
    assert dict(load_predictions(tmp_path / "out")) == dict(loaded)
    assert ("natural_science", "math", "3") not in loaded and len(loaded) == 2


def test_keys_are_normalised_like_instance_keys(tmp_path: Path) -> None:
    line = prediction_line(
        "7", domain="general_area", subdomain="3_Food", output={"modal": {}, "content": "x"}
    )
    loaded = load_predictions(write_run(tmp_path, [line]))
    instance = UnimInstance.model_validate(
        {"domain": "general_domain", "subdomain": "food", "id": "7", "input": {"content": "q"}}
    )
    assert instance.key in loaded


def test_malformed_line_is_reported_and_the_others_load(tmp_path: Path) -> None:
    path = write_run(tmp_path, [prediction_line("1"), '{"domain": "natural_science", ', "[]"])

    loaded = load_predictions(path)

    assert list(loaded) == [("natural_science", "math", "1")]
    assert len(loaded.problems) == 2
    assert loaded.problems[0].startswith(f"{path}:2: malformed JSON line")
    assert loaded.problems[1].startswith(f"{path}:3: ") and "JSON object" in loaded.problems[1]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ({"domain": "natural_science", "id": "1", "output": {}}, "subdomain"),
        ({"domain": "natural_science", "subdomain": "math", "id": "1"}, "output"),
        (prediction_line(output={"content": 5}), "content"),
        (prediction_line(output={"modal": {"image1": 3}, "content": ""}), "modal"),
        (prediction_line(output="just text"), "output must be an object"),
        (prediction_line(output={"content": "", "score": 1}), "unknown field"),
        (prediction_line(id="../etc"), "id"),
        (prediction_line(status=3), "status"),
    ],
)
def test_missing_or_mistyped_fields_are_problems(
    tmp_path: Path, line: dict[str, Any], expected: str
) -> None:
    loaded = load_predictions(write_run(tmp_path, [line], media=False))

    assert len(loaded) == 0
    (problem,) = loaded.problems
    assert expected in problem


def test_failed_line_without_output_is_an_empty_prediction(tmp_path: Path) -> None:
    line = {
        "domain": "natural_science",
        "subdomain": "math",
        "id": "4",
        "status": "failed",
        "error": "timeout after 600 s",
        "attempts": 3,
    }
    loaded = load_predictions(write_run(tmp_path, [line]))

    prediction = loaded[("natural_science", "math", "4")]
    assert (prediction.status, prediction.error, prediction.content, prediction.modal) == (
        "failed",
        "timeout after 600 s",
        "",
        {},
    )


def test_duplicate_key_later_line_wins_and_is_counted(tmp_path: Path) -> None:
    retry = prediction_line("1", status="partial", error="no audio")
    retry["output"]["content"] = "Second try <image1>."
    path = write_run(tmp_path, [prediction_line("1"), prediction_line("2"), retry])

    loaded = load_predictions(path)

    assert loaded.duplicates == 1 and loaded.problems == []
    assert loaded[("natural_science", "math", "1")].content == "Second try <image1>."
    assert loaded[("natural_science", "math", "1")].status == "partial"
    assert any(f"{path}:3" in warning and "repeats" in warning for warning in loaded.warnings)


@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        ("../../etc/passwd", "'..'"),
        ("/etc/passwd", "absolute"),
        ("file:///etc/passwd", "URL"),
        ("https://example.org/a.png", "URL"),
    ],
)
def test_unsafe_paths_are_problems(tmp_path: Path, relative: str, expected: str) -> None:
    line = prediction_line(output={"modal": {"image1": relative}, "content": "<image1>"})
    loaded = load_predictions(write_run(tmp_path, [line], media=False))

    assert len(loaded) == 0
    assert expected in loaded.problems[0]


def test_symlink_out_of_the_run_folder_is_a_problem(tmp_path: Path) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"secret")
    run = tmp_path / "out"
    path = write_run(
        run, [prediction_line(output={"modal": {"image1": "link.png"}, "content": ""})], media=False
    )
    (run / "link.png").symlink_to(secret)

    loaded = load_predictions(path)

    assert len(loaded) == 0 and "outside the media root" in loaded.problems[0]


def test_missing_media_keeps_the_prediction_and_warns(tmp_path: Path) -> None:
    path = write_run(tmp_path, [prediction_line("1")], media=False)

    loaded = load_predictions(path)

    prediction = loaded[("natural_science", "math", "1")]
    assert prediction.missing == ("image1",)
    assert loaded.problems == [] and "missing" in loaded.warnings[0]
    with pytest.raises(InputError, match="not found"):
        loaded.media_path(prediction, "image1")
    with pytest.raises(InputError, match="no modal entry"):
        loaded.media_path(prediction, "audio9")
    assert load_predictions(path, check_files=False)[prediction.key].missing == ()


def test_text_entries_are_not_paths(tmp_path: Path) -> None:
    line = prediction_line(output={"modal": {"text1": "../not a path"}, "content": "<text1>"})
    loaded = load_predictions(write_run(tmp_path, [line], media=False))
    assert loaded.problems == [] and len(loaded) == 1


def test_media_path_refuses_a_tampered_prediction(tmp_path: Path) -> None:
    loaded = load_predictions(write_run(tmp_path, [prediction_line("1")]))
    prediction = loaded[("natural_science", "math", "1")]
    tampered = prediction.model_copy(update={"modal": {"image1": "../x.png"}})
    with pytest.raises(UnsafePathError):
        loaded.media_path(tampered, "image1")


def test_missing_predictions_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        load_predictions(tmp_path / "nothing.jsonl")
    with pytest.raises(InputError, match="does not exist"):
        load_predictions(tmp_path)
