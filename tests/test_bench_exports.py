"""Exports of a run's predictions to the ISG-Bench, OpenING, MMIE and UniM answer formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from unima.bench.exports import export_predictions
from unima.errors import ConfigError

INPUT_PNG = b"\x89PNG\r\n\x1a\n" + b"input-image"
REFERENCE_PNG = b"\x89PNG\r\n\x1a\n" + b"reference-image"
ANSWER_PNG = b"\x89PNG\r\n\x1a\n" + b"answer-image"
ANSWER_WAV = b"RIFF....WAVEfmt answer-audio"


@pytest.fixture
def run(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A dataset (two instances sharing id 1) and a run folder answering both.

    Returns (run folder, dataset file, media root).
    """
    dataset = tmp_path / "dataset"
    food = dataset / "data" / "general_area" / "food"  # the public folder spelling
    (food / "image").mkdir(parents=True)
    (food / "image" / "img_0001_01.png").write_bytes(INPUT_PNG)
    (food / "image" / "img_0001_02.png").write_bytes(REFERENCE_PNG)
    (dataset / "data" / "natural_science" / "chemistry").mkdir(parents=True)
    instances = [
        {
            "domain": "general_domain",
            "subdomain": "food",
            "id": "1",
            "Category": "Food Analysis",
            "input": {
                "content": "What is in the image1? Include one image and one audio clip.",
                "modal": {"image1": "image/img_0001_01.png"},
            },
            "output": {
                "content": "A soup. <image2> Listen: <audio2>",
                "modal": {"image2": "image/img_0001_02.png", "audio2": "audio/a.mp3"},
            },
            "difficulty_level": 1,
        },
        {
            "domain": "natural_science",
            "subdomain": "chemistry",
            "id": "1",
            "input": {"content": "Explain titration with one document.", "modal": {}},
            "output": {"content": "See <document1>.", "modal": {"document1": "d.pdf"}},
        },
    ]
    data_file = dataset / "instances.jsonl"
    data_file.write_text("".join(json.dumps(item) + "\n" for item in instances))

    out = tmp_path / "run"
    answer = out / "media" / "general_domain" / "food" / "1"
    answer.mkdir(parents=True)
    (answer / "image2.png").write_bytes(ANSWER_PNG)
    (answer / "audio2.wav").write_bytes(ANSWER_WAV)
    predictions = [
        {
            "domain": "general_domain",
            "subdomain": "food",
            "id": "1",
            "output": {
                "content": "It is soup. <image2> And a recipe read aloud <audio2>. Done.",
                "modal": {
                    "image2": "media/general_domain/food/1/image2.png",
                    "audio2": "media/general_domain/food/1/audio2.wav",
                },
            },
        },
        {
            "domain": "natural_science",
            "subdomain": "chemistry",
            "id": "1",
            "status": "failed",
            "error": "timeout",
        },
    ]
    (out / "predictions.jsonl").write_text("".join(json.dumps(p) + "\n" for p in predictions))
    return out, data_file, dataset / "data"


def test_isg_lines_carry_query_golden_and_output_blocks(run: tuple[Path, Path, Path]) -> None:
    out, data, media_root = run
    path = export_predictions(out, "isg", data=data, media_root=media_root)
    assert path == out / "exports" / "isg" / "isg_predictions.jsonl"
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(line["id"], line["unima"]["subdomain"]) for line in lines] == [
        ("1", "food"),
        ("1", "chemistry"),
    ]
    food = lines[0]
    assert food["Category"] == "Food Analysis"
    uid = "general_domain__food__1"
    assert food["Query"] == [
        {"type": "text", "content": "What is in the image1? Include one image and one audio clip."},
        {"type": "image", "content": f"images/{uid}/query_image1.png"},
    ]
    assert food["Golden"] == [
        {"type": "text", "content": "A soup."},
        {"type": "image", "content": f"images/{uid}/golden_image2.png"},
        {"type": "text", "content": "Listen: <audio2>"},
    ]
    assert food["output"] == [
        {"type": "text", "content": "It is soup."},
        {"type": "image", "content": f"images/{uid}/output_image2.png"},
        {"type": "text", "content": "And a recipe read aloud <audio2>. Done."},
    ]
    assert food["unima"]["not_exported"] == ["audio2"]
    root = path.parent  # ISG-eval's --root
    assert (root / f"images/{uid}/query_image1.png").read_bytes() == INPUT_PNG
    assert (root / f"images/{uid}/golden_image2.png").read_bytes() == REFERENCE_PNG
    assert (root / f"images/{uid}/output_image2.png").read_bytes() == ANSWER_PNG
    chemistry = lines[1]
    assert chemistry["Category"] == "chemistry"
    assert chemistry["output"] == []
    assert chemistry["unima"]["status"] == "failed"
    assert chemistry["Golden"] == [{"type": "text", "content": "See <document1>."}]


def test_opening_writes_one_json_per_item_with_images_beside_it(
    run: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    out, data, media_root = run
    folder = export_predictions(
        out, "opening", tmp_path / "opening", data=data, media_root=media_root,
        model_name="UniMA",
    )  # fmt: skip
    assert folder == tmp_path / "opening" / "UniMA_output"
    assert sorted(path.name for path in folder.iterdir()) == [
        "general_domain-food-1-o-0.png",
        "general_domain-food-1.json",
        "natural_science-chemistry-1.json",
    ]
    record = json.loads((folder / "general_domain-food-1.json").read_text())
    assert record["meta_task_name"] == "general_domain"
    assert record["subtask_name"] == "food"
    assert record["data_id"] == "1"
    assert record["conversations"] == [
        {
            "input": [
                {
                    "text": "What is in the image1? Include one image and one audio clip. <image>",
                    "image": "./images/general_domain-food-1-i-1.png",
                }
            ]
        },
        {
            "output": [
                {"text": "It is soup.", "image": "general_domain-food-1-o-0.png"},
                {"text": "And a recipe read aloud <audio2>. Done.", "image": None},
            ]
        },
    ]
    assert (folder / "general_domain-food-1-o-0.png").read_bytes() == ANSWER_PNG
    assert (tmp_path / "opening" / "images" / "general_domain-food-1-i-1.png").read_bytes() == (
        INPUT_PNG
    )


def test_mmie_data_json_pairs_text_with_numbered_images(run: tuple[Path, Path, Path]) -> None:
    out, data, media_root = run
    path = export_predictions(out, "mmie", data=data, media_root=media_root, model_name="m")
    assert path.name == "data.json"
    records = json.loads(path.read_text())
    assert [record["id"] for record in records] == [
        "general_domain__food__1",
        "natural_science__chemistry__1",
    ]
    food = records[0]
    assert food["model"] == "m"
    assert food["question"] == [
        {
            "text": "What is in the image1? Include one image and one audio clip.",
            "image": "images/0.png",
        }
    ]
    assert food["gt_answer"] == [
        {"text": "A soup.", "image": "images/1.png"},
        {"text": "Listen: <audio2>", "image": None},
    ]
    assert food["answer"] == [
        {"text": "It is soup.", "image": "images/2.png"},
        {"text": "And a recipe read aloud <audio2>. Done.", "image": None},
    ]
    images = path.parent / "images"
    assert [(images / f"{n}.png").read_bytes() for n in range(3)] == [
        INPUT_PNG,
        REFERENCE_PNG,
        ANSWER_PNG,
    ]
    assert records[1]["answer"] == []


def test_unim_export_uses_the_released_folder_layout(run: tuple[Path, Path, Path]) -> None:
    out, _, _ = run
    path = export_predictions(out, "unim")  # needs no dataset
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines[0] == {
        "domain": "general_domain",
        "subdomain": "food",
        "id": "1",
        "output": {
            "modal": {
                "image2": "prediction/1/image2.png",
                "audio2": "prediction/1/audio2.wav",
            },
            "content": "It is soup. <image2> And a recipe read aloud <audio2>. Done.",
        },
    }
    folder = path.parent / "general_area" / "food"
    assert (folder / "prediction/1/image2.png").read_bytes() == ANSWER_PNG
    assert (folder / "prediction/1/audio2.wav").read_bytes() == ANSWER_WAV
    assert lines[1]["status"] == "failed" and lines[1]["error"] == "timeout"
    assert lines[1]["output"] == {"modal": {}, "content": ""}


def test_exports_refuse_what_they_cannot_do(run: tuple[Path, Path, Path], tmp_path: Path) -> None:
    out = run[0]
    with pytest.raises(ConfigError, match="needs the dataset"):
        export_predictions(out, "isg")
    with pytest.raises(ConfigError, match="unknown export format 'csv'"):
        export_predictions(out, "csv")  # type: ignore[arg-type]
    target = tmp_path / "taken"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    with pytest.raises(ConfigError, match="not empty"):
        export_predictions(out, "unim", target)
    assert (target / "keep.txt").read_text() == "mine"
    path = export_predictions(out, "unim", target, overwrite=True)
    assert path == target / "predictions.jsonl"
    assert not (target / "keep.txt").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".export-")]


def test_predictions_without_an_instance_are_noted_not_dropped(
    run: tuple[Path, Path, Path],
) -> None:
    out, data, media_root = run
    with (out / "predictions.jsonl").open("a") as handle:
        handle.write(
            json.dumps(
                {"domain": "social_science", "subdomain": "law", "id": "9",
                 "output": {"content": "x", "modal": {}}}
            ) + "\n"
        )  # fmt: skip
    path = export_predictions(out, "mmie", data=data, media_root=media_root)
    assert len(json.loads(path.read_text())) == 2
    notes = (path.parent / "export_notes.txt").read_text()
    assert "social_science/law/9: not in the dataset; not exported" in notes
