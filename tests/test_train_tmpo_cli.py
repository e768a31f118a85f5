"""TMPO end to end through the CLI: a teacher's chains, then SFT, then GRPO, on a tiny model.

The teacher is a fake OpenAI-compatible server on loopback that answers each item with a
well-formed chain for the item's own label (it knows the labels, as a strong teacher would),
so ``unima train chains`` keeps real rows; the trainers then read that file as a real run does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hitemotion_fixtures import build_release
from loopback import chat_completion, serve_on_loopback
from typer.testing import CliRunner

from tests.tiny_models.causal_lm import save_tiny_causal_lm
from tests.tmpo_fixtures import write_config
from unima.cli import app
from unima.train.items import TrainingItem, read_training_items, step_titles
from unima.train.trainers.records import RECORD_NAME

pytest.importorskip("trl")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:`is_gradient_checkpointing` is deprecated:FutureWarning"),
]
TASKS = ("MER", "EBIA")
runner = CliRunner()


def gold_chain(item: TrainingItem) -> str:
    """A chain with every step of the item's level, each resting on a cue of the input and
    arguing the item's emotion, then the item's label as the answer."""
    if isinstance(item.label, tuple):  # EBIA: (emotion, intent)
        emotion, intent = item.label
        answer = f"{{'emotion': '{emotion}', 'intent': '{intent}'}}"
    else:
        emotion, answer = item.label, f"{{'emotion': '{item.label}'}}"
    cue = item.cues[0]
    lines = [
        f'{title}: "{cue}" shows the speaker feels {emotion}.' for title in step_titles(item.level)
    ]
    return "<think>\n" + "\n".join(lines) + f"\n</think>\n<answer>{answer}</answer>"


class TeacherHandler(BaseHTTPRequestHandler):
    """Replies with the gold chain of the item whose prompt the request holds."""

    items: ClassVar[list[TrainingItem]] = []
    asked: ClassVar[int] = 0

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        text = "\n".join(str(message.get("content", "")) for message in body["messages"])
        type(self).asked += 1
        reply = next(
            (gold_chain(item) for item in self.items if item.prompt.strip() in text),
            "I cannot tell.",
        )
        data = chat_completion(body["model"], reply)
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def teacher(tmp_path: Path) -> Iterator[tuple[str, Path, Path, Path]]:
    """(teacher URL, data folder, media root, cache folder) with the items known to it."""
    data, media = build_release(tmp_path / "release", TASKS, items=1)
    cache = tmp_path / "cache"
    TeacherHandler.items = read_training_items(data, media_root=media, cache_dir=cache).items
    TeacherHandler.asked = 0
    assert len(TeacherHandler.items) == len(TASKS)
    with serve_on_loopback(TeacherHandler) as address:
        yield address, data, media, cache


def invoke(arguments: list[str]) -> Any:
    result = runner.invoke(app, arguments)
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result


def test_chains_then_sft_then_grpo(teacher: tuple[str, Path, Path, Path], tmp_path: Path) -> None:
    address, data, media, cache = teacher
    chains_dir = tmp_path / "chains"
    invoke(
        [
            "train",
            "chains",
            "--data",
            str(data),
            "--teacher",
            f"openai-compatible:{address}/v1:teacher",
            "--out",
            str(chains_dir),
            "--samples",
            "1",
            "--media-root",
            str(media),
            "--cache-dir",
            str(cache),
        ]
    )
    rows = [json.loads(line) for line in (chains_dir / "chains.jsonl").read_text().splitlines()]
    assert sorted(row["key"] for row in rows) == ["EBIA/0", "MER/0"]
    assert TeacherHandler.asked == len(TASKS)

    model = save_tiny_causal_lm(
        tmp_path / "model", texts=[row["prompt"] + row["completion"] for row in rows]
    )
    config = write_config(
        tmp_path,
        model,
        chains_dir / "chains.jsonl",
        sft={"max_length": 2048, "max_steps": 2},
        grpo={"max_completion_length": 8},
    )
    run = tmp_path / "out"
    sft = invoke(["train", "tmpo", "--stage", "sft", "--config", str(config), "--out", str(run)])
    assert "TMPO sft" in sft.output
    assert f"run record: {run / 'sft' / RECORD_NAME}" in sft.output
    assert f"model: {run / 'sft' / 'final'}" in sft.output
    assert (run / "sft" / "final" / "model.safetensors").is_file()

    grpo = invoke(["train", "tmpo", "--stage", "grpo", "--config", str(config), "--out", str(run)])
    for name in ("structure", "content", "process", "consistency"):
        assert f"reward {name}" in grpo.output
    record = json.loads((run / "grpo" / RECORD_NAME).read_text())
    assert record["start_model"] == str(run / "sft" / "final")
    assert record["result"]["steps"] == 2
    assert (run / "grpo" / "final" / "config.json").is_file()

    again = invoke(["train", "tmpo", "--stage", "grpo", "--config", str(config), "--out", str(run)])
    assert "resumed from checkpoint-2" in again.output


def test_the_cli_names_a_bad_stage_and_a_bad_config(tmp_path: Path) -> None:
    result = runner.invoke(app, ["train", "tmpo", "--stage", "ppo", "--config", "c.yaml"])
    assert result.exit_code == 1 and "--stage takes sft or grpo, not 'ppo'" in result.output
    config = tmp_path / "CONFIG.yaml"
    config.write_text("model: m\nlora:\n  rank: 8\n")
    result = runner.invoke(app, ["train", "tmpo", "--stage", "sft", "--config", str(config)])
    assert result.exit_code == 1 and "unknown keys lora.rank" in result.output
