"""HitEmotion items as TMPO training prompts: labels, options, cues, the prompt, media, caching."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from hitemotion_fixtures import build_release

from unima.errors import ConfigError, InputError
from unima.eval.hitemotion.answers import canonical_ground_truth
from unima.eval.hitemotion.tasks import get_task
from unima.testing import ScriptedChatModel
from unima.train import items as items_module
from unima.train.items import (
    TrainingItem,
    decode_label,
    encode_label,
    load_training_items,
    read_training_items,
    step_titles,
)

# Perceiving an item (OCR, speech recognition, prosody) costs about a second: three items
# are perceived; SD (level 3) is written too and read with its media described as absent.
TASKS = ("MER", "EBIA", "DPTM")


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    root = tmp_path_factory.mktemp("release")
    data, media = build_release(root, (*TASKS, "SD"), items=1)
    return data, media, root / "cache"


@pytest.fixture(scope="module")
def read(release: tuple[Path, Path, Path]) -> items_module.ItemsRead:
    data, media, cache = release
    return read_training_items(data, media_root=media, cache_dir=cache, tasks=TASKS)


@pytest.fixture(scope="module")
def level3(release: tuple[Path, Path, Path]) -> TrainingItem:
    data, _, cache = release
    absent = cache.parent / "no-media"
    read = read_training_items(
        data, media_root=absent, cache_dir=cache, tasks=["SD"], require_media=False
    )
    return read.items[0]


def by_key(read: items_module.ItemsRead) -> dict[str, TrainingItem]:
    return {item.key: item for item in read.items}


def test_every_item_becomes_a_training_item_with_its_canonical_label(
    read: items_module.ItemsRead,
) -> None:
    items = by_key(read)
    assert len(items) == len(TASKS) and read.skipped == []
    assert items["MER/0"].label == "happy"
    assert items["MER/0"].level == 1 and items["EBIA/0"].level == 2
    assert items["EBIA/0"].label == ("anger", "questioning")
    assert items["DPTM/0"].label == frozenset(
        {"Loaded Language", "Name calling/Labeling", "Smears"}
    )
    assert "happy" in items["MER/0"].options and items["DPTM/0"].options == ()


def test_the_prompt_holds_the_level_steps_the_question_and_perception(
    read: items_module.ItemsRead, level3: TrainingItem
) -> None:
    item = by_key(read)["MER/0"]
    prompt = item.prompt
    assert "first-order Theory-of-Mind chain" in prompt
    assert "I'm so glad you came" in prompt and "<video1>" in prompt
    assert "prosody of <video1>" in prompt and "colour" in prompt
    positions = [prompt.index(f"- {title}:") for title in step_titles(1)]
    assert positions == sorted(positions)
    assert "<think>" in prompt and "<answer>" in prompt
    assert level3.key == "SD/0" and level3.level == 3 and level3.options == ("true", "false")
    assert "- Second-order reasoning:" in level3.prompt
    assert "- Perspective-taking:" not in level3.prompt


def test_cues_are_the_concrete_evidence_of_the_input(read: items_module.ItemsRead) -> None:
    happy, angry = by_key(read)["MER/0"], by_key(read)["EBIA/0"]
    assert "so glad" in happy.cues and "rising pitch" in happy.cues
    assert "loud delivery" in angry.cues and "messages" in angry.cues
    assert "so glad" not in angry.cues and "rising pitch" not in angry.cues
    meme = by_key(read)["DPTM/0"]
    assert "CORRUPT" in meme.cues  # words of the meme


def test_media_paths_are_absolute_and_exist(read: items_module.ItemsRead) -> None:
    for item in read.items:
        assert item.media, item.key
        for path in item.media.values():
            assert Path(path).is_absolute() and Path(path).is_file()


def test_rows_round_trip_for_every_label_kind(read: items_module.ItemsRead) -> None:
    for item in read.items:
        row = item.to_row()
        json.dumps(row)  # plain JSON
        assert isinstance(row["label_json"], str) and isinstance(row["media_json"], str)
        assert TrainingItem.from_row({**row, "completion": "ignored"}) == item


@pytest.mark.parametrize(
    ("task", "raw"),
    [
        ("MQE", "[('Maya', 'yoga class', 'instructor', 'patient', 'positive', 'kind')]"),
        ("MECPE", "{'2': {'emotion': 'joy', 'cause_utterance_id': '1'}}"),
        (
            "SFA",
            "[{'holder': 'Li', 'initial_sentiment': 'negative', "
            "'flipped_sentiment': 'positive', 'trigger_type': 'new information'}]",
        ),
        ("EBIA", "{'emotion': 'anger', 'intent': 'questioning'}"),
        ("EI", "1. A loss.\n2. Fatigue."),
    ],
)
def test_structured_labels_survive_json(task: str, raw: str) -> None:
    spec = get_task(task)
    label = canonical_ground_truth(spec, raw)
    assert decode_label(task, encode_label(label)) == label


def test_a_bad_row_is_a_typed_error() -> None:
    with pytest.raises(InputError, match="label_json"):
        TrainingItem.from_row({"key": "MER/0", "task": "MER", "level": 1, "prompt": "p"})
    with pytest.raises(ValueError, match="string"):
        decode_label("MER", encode_label(["sad"]))


def test_descriptions_are_cached(
    release: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    data, media, cache = release
    first = read_training_items(data, media_root=media, cache_dir=cache, tasks=["MER"])

    def no_perception(*_: Any, **__: Any) -> Any:
        raise AssertionError("perceived again despite the cache")

    monkeypatch.setattr(items_module, "perceive", no_perception)
    again = read_training_items(data, media_root=media, cache_dir=cache, tasks=["MER"])
    assert again.items == first.items


def test_filters_limit_and_the_contract_loader(release: tuple[Path, Path, Path]) -> None:
    data, media, cache = release
    level2 = read_training_items(data, media_root=media, cache_dir=cache, levels=[2])
    assert {item.task for item in level2.items} == {"EBIA", "DPTM"}
    limited = read_training_items(data, media_root=media, cache_dir=cache, levels=[1, 3], limit=1)
    assert [item.key for item in limited.items] == ["MER/0"]
    loaded = load_training_items(data, tasks=["mer"], media_root=media, cache_dir=cache)
    assert [item.key for item in loaded] == ["MER/0"]
    with pytest.raises(ConfigError, match="unknown HitEmotion task"):
        read_training_items(data, media_root=media, tasks=["NOPE"])
    with pytest.raises(InputError, match="1, 2 or 3"):
        read_training_items(data, media_root=media, levels=[4])


def test_missing_media_is_skipped_and_counted_or_described(
    release: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    data, media, cache = release
    partial = tmp_path / "media"
    shutil.copytree(media, partial)
    (partial / "MER2023" / "videos" / "0.mp4").unlink()
    read = read_training_items(data, media_root=partial, cache_dir=cache, tasks=["MER", "EBIA"])
    assert [item.key for item in read.items] == ["EBIA/0"]
    assert [skipped.key for skipped in read.skipped] == ["MER/0"]
    assert "MER2023/videos/0.mp4: file not found" in read.skipped[0].reason
    kept = read_training_items(
        data, media_root=partial, cache_dir=cache, tasks=["MER"], require_media=False
    )
    described = {item.key: item for item in kept.items}["MER/0"]
    assert "the video is not available" in described.prompt and described.media == {}
    assert "so glad" in described.cues  # the quoted words still ground the chain


def test_a_perception_model_captions_the_inputs_for_the_prompt_and_the_cues(
    release: tuple[Path, Path, Path], read: items_module.ItemsRead
) -> None:
    data, media, cache = release
    vision = ScriptedChatModel(
        script={"perceive": "A woman grinning widely at the camera."}, model_name="seer"
    )
    seen = read_training_items(
        data, media_root=media, cache_dir=cache, tasks=["MER"], perception_llm=vision
    )
    item = seen.items[0]
    assert "Model caption: A woman grinning widely at the camera." in item.prompt
    assert "grinning" in item.cues and "widely" in item.cues
    assert [step for step, _ in vision.calls] == ["perceive"]  # one input, one caption
    plain = by_key(read)["MER/0"]
    assert "grinning" not in plain.prompt and "grinning" not in plain.cues
    # The caption is cached with the description, under the model's name.
    again = read_training_items(
        data, media_root=media, cache_dir=cache, tasks=["MER"], perception_llm=vision
    )
    assert again.items == seen.items and len(vision.calls) == 1
