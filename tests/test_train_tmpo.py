"""TMPO's trainers on a tiny chat model (CPU): configuration, SFT, GRPO, records, resuming.

The tiny model is taught the chain format once per module by a full-weight SFT run (the
``lora.enabled: false`` path), so GRPO's samples are chains the rewards can tell apart: a random
model's would all score 0, and GRPO learns nothing from a group whose rewards are equal.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from tests.tmpo_fixtures import tiny_model, write_chains, write_config
from unima.errors import ConfigError, InputError
from unima.train.rewards import RewardWeights
from unima.train.trainers.config import load_config
from unima.train.trainers.records import RECORD_NAME

pytest.importorskip("trl")
# peft reads a property transformers 5 renamed; the warning is theirs, not ours to fix.
pytestmark = pytest.mark.filterwarnings(
    "ignore:`is_gradient_checkpointing` is deprecated:FutureWarning"
)
REWARD_NAMES = ("structure", "content", "process", "consistency")


class LoraWatch:
    """A trainer callback keeping the LoRA weights at the start and the end of training."""

    def __new__(cls) -> Any:
        from transformers import TrainerCallback

        class Watch(TrainerCallback):
            before: dict[str, Any]
            after: dict[str, Any]

            def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
                self.before = lora_weights(kwargs["model"])

            def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
                self.after = lora_weights(kwargs["model"])

        return Watch()


class StepCounter:
    """A trainer callback counting the optimiser steps this process ran."""

    def __new__(cls) -> Any:
        from transformers import TrainerCallback

        class Counter(TrainerCallback):
            steps = 0

            def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
                self.steps += 1

        return Counter()


def lora_weights(model: Any) -> dict[str, Any]:
    return {
        name: parameter.detach().clone()
        for name, parameter in model.named_parameters()
        if "lora_" in name
    }


def changed(watch: Any) -> int:
    """How many LoRA tensors differ between the start and the end."""
    import torch

    assert watch.before and watch.before.keys() == watch.after.keys()
    return sum(not torch.equal(watch.before[name], watch.after[name]) for name in watch.before)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The tiny model, the chains, and the model after a full-weight SFT on them."""
    from unima.train.trainers.sft import train_sft

    root = tmp_path_factory.mktemp("tmpo")
    model = tiny_model(root / "model")
    chains = write_chains(root / "chains")
    config_path = write_config(
        root / "taught",
        model,
        chains,
        lora={"enabled": False},
        sft={"max_steps": 100, "learning_rate": 3e-3, "batch_size": 4, "save_steps": 1000},
    )
    result = train_sft(load_config(config_path), config_path=config_path)
    return {"root": root, "model": model, "chains": chains, "taught": result.final_dir}


def test_config_refuses_unknown_keys_by_name(tmp_path: Path) -> None:
    path = tmp_path / "CONFIG.yaml"
    path.write_text("model: m\nsft:\n  lerning_rate: 0.1\nepoch: 3\n")
    with pytest.raises(ConfigError, match=r"unknown keys sft\.lerning_rate, epoch"):
        load_config(path)


def test_config_names_bad_values_and_missing_files(tmp_path: Path) -> None:
    path = tmp_path / "CONFIG.yaml"
    path.write_text("model: m\ngrpo:\n  num_generations: 3\n  batch_size: 8\n  beta: -1\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "grpo.beta" in str(caught.value)
    path.write_text("model: m\ngrpo:\n  num_generations: 3\n  batch_size: 8\n")
    with pytest.raises(ConfigError, match="not a multiple of num_generations = 3"):
        load_config(path)
    path.write_text("sft: {}\n")
    with pytest.raises(ConfigError, match="model: Field required"):
        load_config(path)
    path.write_text("- a list\n")
    with pytest.raises(ConfigError, match="must be a mapping"):
        load_config(path)
    with pytest.raises(ConfigError, match="is not a file"):
        load_config(tmp_path / "absent.yaml")


def test_config_defaults_and_relative_paths(tmp_path: Path) -> None:
    path = tmp_path / "CONFIG.yaml"
    path.write_text("model: models/base\ndata:\n  chains: out/chains.jsonl\n")
    config = load_config(path)
    assert config.model == tmp_path / "models" / "base"
    assert config.data.chains == tmp_path / "out" / "chains.jsonl"
    assert config.output_dir == tmp_path / "runs" / "tmpo"
    assert (config.grpo.num_generations, config.grpo.beta) == (8, 0.04)
    weights = RewardWeights()
    assert config.grpo.reward_weights.as_list() == [
        weights.structure,
        weights.content,
        weights.process,
        weights.consistency,
    ]


def test_missing_model_folder_and_empty_chains_are_named(tmp_path: Path) -> None:
    from unima.train.trainers.sft import train_sft

    chains = write_chains(tmp_path / "chains")
    config = load_config(write_config(tmp_path, tmp_path / "no-model", chains))
    with pytest.raises(ConfigError, match=r"no-model.*does not exist"):
        train_sft(config)
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "config.json").write_text("{}")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    config = load_config(
        write_config(tmp_path, tmp_path / "model", chains, data={"chains": str(empty)})
    )
    with pytest.raises(InputError, match="holds no rows"):
        train_sft(config)
    config = load_config(
        write_config(
            tmp_path, tmp_path / "model", chains, data={"chains": str(chains), "levels": [3]}
        )
    )
    with pytest.raises(InputError, match="no chain left after the filters"):
        train_sft(config)


def test_grpo_needs_the_sft_model(tmp_path: Path) -> None:
    from unima.train.trainers.grpo import train_grpo

    chains = write_chains(tmp_path / "chains")
    config = load_config(write_config(tmp_path, tmp_path / "model", chains))
    with pytest.raises(ConfigError, match="run `unima train tmpo --stage sft`"):
        train_grpo(config)


@pytest.mark.slow
def test_sft_with_lora_trains_and_records(workspace: dict[str, Path], tmp_path: Path) -> None:
    from unima.train.trainers.sft import train_sft

    config_path = write_config(tmp_path, workspace["model"], workspace["chains"])
    watch = LoraWatch()
    result = train_sft(load_config(config_path), config_path=config_path, callbacks=[watch])
    assert result.steps == 3 and result.examples == 4
    assert math.isfinite(result.loss) and math.isfinite(result.last_loss) and result.loss > 0
    assert changed(watch) > 0
    assert (result.final_dir / "model.safetensors").is_file()
    # Merged: the final folder is a plain model, no adapter files.
    assert not (result.final_dir / "adapter_config.json").exists()
    record = json.loads((result.stage_dir / RECORD_NAME).read_text())
    assert record["status"] == "finished" and record["stage"] == "sft" and record["seed"] == 3
    from unima.files import file_sha256

    assert record["data_sha256"] == {str(workspace["chains"]): file_sha256(workspace["chains"])}
    assert record["config_sha256"] == file_sha256(config_path)
    assert set(record["start_model_sha256"]) == {"config.json", "model.safetensors"}
    for library in ("torch", "transformers", "trl", "peft", "datasets", "unima"):
        assert record["versions"][library], library
    assert record["config"]["sft"]["max_steps"] == 3
    assert record["result"]["steps"] == 3 and record["device"] == "cpu"


@pytest.mark.slow
def test_grpo_from_sft_logs_every_reward_and_moves_lora(
    workspace: dict[str, Path], tmp_path: Path
) -> None:
    from unima.train.trainers.grpo import train_grpo

    config_path = write_config(
        tmp_path,
        workspace["model"],
        workspace["chains"],
        grpo={
            "init_from": str(workspace["taught"]),
            "max_completion_length": 48,
            "num_generations": 4,
            "temperature": 0.7,
        },
    )
    watch = LoraWatch()
    result = train_grpo(load_config(config_path), config_path=config_path, callbacks=[watch])
    assert result.steps == 2 and result.examples == 4
    assert math.isfinite(result.loss)
    assert set(result.reward_means) == set(REWARD_NAMES)
    assert all(0.0 <= mean <= 1.0 for mean in result.reward_means.values())
    # The taught model writes chains: the rewards see them, and they differ within a group.
    assert result.reward_means["structure"] > 0
    assert changed(watch) > 0
    record = json.loads((result.stage_dir / RECORD_NAME).read_text())
    assert record["start_model"] == str(workspace["taught"])
    assert set(record["result"]["reward_means"]) == set(REWARD_NAMES)
    assert record["config"]["grpo"]["beta"] == 0.04


@pytest.mark.slow
def test_a_rerun_resumes_from_the_last_checkpoint(
    workspace: dict[str, Path], tmp_path: Path
) -> None:
    from unima.train.trainers.sft import train_sft

    first = write_config(
        tmp_path, workspace["model"], workspace["chains"], sft={"max_steps": 2, "save_steps": 1}
    )
    result = train_sft(load_config(first), config_path=first)
    assert result.resumed_from is None
    assert sorted(path.name for path in result.stage_dir.glob("checkpoint-*")) == [
        "checkpoint-1",
        "checkpoint-2",
    ]
    longer = write_config(
        tmp_path, workspace["model"], workspace["chains"], sft={"max_steps": 4, "save_steps": 1}
    )
    counter = StepCounter()
    resumed = train_sft(load_config(longer), config_path=longer, callbacks=[counter])
    assert resumed.resumed_from == result.stage_dir / "checkpoint-2"
    assert resumed.steps == 4 and counter.steps == 2
    record = json.loads((resumed.stage_dir / RECORD_NAME).read_text())
    assert record["result"]["resumed_from"] == str(result.stage_dir / "checkpoint-2")
    counter = StepCounter()
    restarted = train_sft(
        load_config(longer), config_path=longer, restart=True, callbacks=[counter]
    )
    assert restarted.resumed_from is None and restarted.steps == 4 and counter.steps == 4


@pytest.mark.slow
def test_final_model_loads_through_the_transformers_spec(workspace: dict[str, Path]) -> None:
    from langchain_core.messages import HumanMessage

    from unima.llm.chat_models import chat_model_from_spec

    chat = chat_model_from_spec(f"transformers:{workspace['taught']}", max_tokens=48)
    prompt = json.loads(workspace["chains"].read_text().splitlines()[0])["prompt"]
    reply = chat.invoke([HumanMessage(prompt)])
    assert "<think>" in str(reply.content) and "Perceptual simulation" in str(reply.content)


def test_a_missing_library_names_the_train_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from unima.errors import MissingExtraError
    from unima.train.trainers.sft import train_sft

    chains = write_chains(tmp_path / "chains")
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "config.json").write_text("{}")
    config = load_config(write_config(tmp_path, tmp_path / "model", chains))
    monkeypatch.setitem(__import__("sys").modules, "peft", None)
    with pytest.raises(MissingExtraError, match=r'pip install "unima\[train\]"'):
        train_sft(config)


def test_half_precision_on_the_cpu_is_refused(tmp_path: Path) -> None:
    from unima.train.trainers.models import precision

    chains = write_chains(tmp_path / "chains")
    config = load_config(write_config(tmp_path, tmp_path / "model", chains, dtype="bfloat16"))
    with pytest.raises(ConfigError, match="dtype bfloat16 needs a GPU"):
        precision(config)
    assert precision(config.model_copy(update={"dtype": "auto"})).dtype_name == "float32"


def test_the_documented_configs_are_valid() -> None:
    import re

    import yaml

    from unima.train.trainers.config import config_from_mapping

    guide = Path(__file__).resolve().parent.parent / "docs" / "tmpo.md"
    blocks = re.findall(r"```yaml\n(.*?)```", guide.read_text(encoding="utf-8"), re.DOTALL)
    assert len(blocks) >= 2
    for block in blocks:
        config = config_from_mapping(yaml.safe_load(block), base=Path("/"), source="docs")
        assert config.grpo.num_generations == 8 and config.grpo.beta == 0.04


def test_a_vision_model_gets_each_items_images(tmp_path: Path) -> None:
    from PIL import Image

    from unima.train.trainers.config import DataSettings
    from unima.train.trainers.examples import grpo_examples, sft_examples

    chains = write_chains(tmp_path / "chains")
    rows = [json.loads(line) for line in chains.read_text().splitlines()]
    Image.new("RGB", (8, 6), (200, 10, 10)).save(tmp_path / "face.png")
    rows[0]["media_json"] = json.dumps(
        {"image1": str(tmp_path / "face.png"), "video1": str(tmp_path / "clip.mp4")}
    )
    chains.write_text("".join(json.dumps(row) + "\n" for row in rows))
    data = DataSettings(chains=chains)
    text_only = sft_examples(data)
    assert "images" not in text_only.rows[0]
    assert len(sft_examples(DataSettings(chains=chains, tasks=["mer"])).rows) == 4
    with pytest.raises(ConfigError, match="XYZ"):
        sft_examples(DataSettings(chains=chains, tasks=["XYZ"]))
    for examples in (sft_examples(data, vision=True), grpo_examples(data, vision=True)):
        images = [row["images"] for row in examples.rows]
        assert [len(found) for found in images] == [1, 0, 0, 0]  # the video stays words
        assert images[0][0].size == (8, 6) and images[0][0].mode == "RGB"
        assert examples.rows[0]["prompt"] == [{"role": "user", "content": rows[0]["prompt"]}]
