"""``--model transformers:PATH``: a local chat model folder in the harness (issue 16, item 4)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from typer.testing import CliRunner

from tests.hitemotion_fixtures import build_release
from tests.tmpo_fixtures import tiny_model, write_chains, write_config
from unima.bench.datasets.unim import UnimInstance
from unima.bench.model_transformers import TransformersModel, chat_messages
from unima.bench.models import resolve_model
from unima.bench.openai_request import RequestLimits, build_request
from unima.cli import app
from unima.errors import ConfigError

runner = CliRunner()


def test_bad_specs_and_options_are_refused_before_any_work(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a folder"):
        resolve_model(f"transformers:{tmp_path / 'absent'}")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match=r"no config\.json"):
        resolve_model(f"transformers:{tmp_path / 'empty'}")
    (tmp_path / "empty" / "config.json").write_text("{}")
    with pytest.raises(ConfigError, match=r"unknown option.*max_tokens"):
        resolve_model(f"transformers:{tmp_path / 'empty'}", max_tokens=5)
    with pytest.raises(ConfigError, match="max_new_tokens must be a positive"):
        resolve_model(f"transformers:{tmp_path / 'empty'}", max_new_tokens=0)
    with pytest.raises(ConfigError, match="expected transformers:PATH"):
        TransformersModel("transformers:")
    adapter = resolve_model(f"transformers:{tmp_path / 'empty'}", max_new_tokens=8)
    assert adapter.describe()["options"]["max_new_tokens"] == 8


def test_a_text_only_request_describes_images_instead_of_attaching_them(tmp_path: Path) -> None:
    folder = tmp_path / "data" / "social" / "emotion"
    folder.mkdir(parents=True)
    Image.new("RGB", (64, 48), (200, 30, 30)).save(folder / "face.png")
    instance = UnimInstance.model_validate(
        {
            "domain": "social",
            "subdomain": "emotion",
            "id": "1",
            "input": {"modal": {"image1": "face.png"}, "content": "How does <image1> feel?"},
            "output": {"modal": {}, "content": "Happy."},
            "difficulty_level": 1,
        }
    )
    attached = build_request(
        instance, tmp_path / "data", RequestLimits(), allow_urls=False, max_media_bytes=0
    )
    text_only = build_request(
        instance,
        tmp_path / "data",
        RequestLimits(attach_media=False),
        allow_urls=False,
        max_media_bytes=0,
    )

    def kinds(messages: list[dict[str, Any]]) -> list[str]:
        return [
            part["type"]
            for message in messages
            if isinstance(message["content"], list)
            for part in message["content"]
        ]

    assert "image_url" in kinds(attached.messages)
    assert kinds(text_only.messages) == ["text"]
    user = chat_messages(text_only)[-1].content
    assert isinstance(user, str)
    # What perception says of the picture stands in for it: its kind, name and description.
    assert "<image1>: an image (face.png)" in user
    assert "red" in user.lower()


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:`is_gradient_checkpointing` is deprecated:FutureWarning")
def test_before_and_after_fine_tuning_through_the_harness(tmp_path: Path) -> None:
    """The TMPO recipe's last steps: both checkpoints answer, are scored and compared."""
    pytest.importorskip("trl")
    from unima.train.trainers.config import load_config
    from unima.train.trainers.sft import train_sft

    base = tiny_model(tmp_path / "model")
    config = write_config(
        tmp_path / "taught",
        base,
        write_chains(tmp_path / "chains"),
        lora={"enabled": False},
        sft={"max_steps": 100, "learning_rate": 3e-3, "batch_size": 4, "save_steps": 1000},
    )
    taught = train_sft(load_config(config), config_path=config).final_dir
    data, media = build_release(tmp_path / "release", ["ISA"], items=2)
    reports = {}
    for name, folder in (("before", base), ("after", taught)):
        run = tmp_path / f"bench-{name}"
        invoke(
            "bench", "run", "hitemotion", "--data", str(data), "--media-root", str(media),
            "--out", str(run), "--prompt", "tom", "--model", f"transformers:{folder}",
            "--model-option", "max_new_tokens=24", "--model-option", "device=cpu",
            "--retries", "0", "--timeout", "300",
        )  # fmt: skip
        lines = [json.loads(line) for line in (run / "predictions.jsonl").read_text().splitlines()]
        assert [line["id"] for line in lines] == ["0", "1"]
        manifest = (run / "manifest.json").read_text()
        assert '"adapter": "transformers"' in manifest
        if name == "before":
            # The random model only writes blank lines: no answer, recorded as such.
            assert all(line["output"] == "" for line in lines)
        else:
            # After SFT on the chains it answers in the chain format it was taught.
            assert all(line["output"].startswith("<think>") for line in lines), lines
        reports[name] = tmp_path / f"report-{name}"
        invoke(
            "eval", "hitemotion", "--data", str(data), "--pred", str(run),
            "--out", str(reports[name]), "--cache", str(tmp_path / "judge.sqlite"),
        )  # fmt: skip
    compared = invoke(
        "eval", "compare", str(reports["before"]), str(reports["after"]),
        "--out", str(tmp_path / "compare.md"),
    )  # fmt: skip
    assert "ISA" in compared.output
    assert (tmp_path / "compare.md").read_text().strip()


def invoke(*arguments: str) -> Any:
    result = runner.invoke(app, list(arguments))
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result
