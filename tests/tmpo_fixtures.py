"""Fixtures for the TMPO trainer tests: a small chains file, a tiny chat model, a config.

The chains are hand-written level-1 MER items (a speaker's words and voice, the label among
the task's options) with a gold chain each, in the exact row format ``unima train chains``
writes, so the trainers read them through the same path as a real run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.tiny_models.causal_lm import save_tiny_causal_lm
from unima.train.items import TrainingItem

OPTIONS = ("happy", "sad", "neutral", "angry", "worried", "surprise")
# (key, the speaker's words, the voice, the label, a cue the chain grounds in)
UTTERANCES = (
    ("MER/1", "I can't believe this happened again", "loud, fast speech", "angry", "loud"),
    ("MER/2", "We won the final, we actually won", "rising pitch, bright voice", "happy", "won"),
    ("MER/3", "She left and never called back", "quiet, slow speech", "sad", "never called"),
    ("MER/4", "The meeting is at ten tomorrow", "flat, even voice", "neutral", "flat"),
)


def tmpo_item(key: str, words: str, voice: str, cue: str) -> TrainingItem:
    """One level-1 MER item with a short prompt."""
    prompt = (
        "Reason with a first-order Theory-of-Mind chain, then choose the label.\n"
        f'The speaker says: "{words}". Voice: {voice}.\n'
        f"Options: {', '.join(OPTIONS)}.\n"
        "Answer as <think>Perceptual simulation: ...\nMental-state hypothesis: ...\n"
        "Perspective-taking: ...\nLabel: ...</think><answer>label</answer>"
    )
    return TrainingItem(
        key=key,
        task="MER",
        level=1,
        prompt=prompt,
        label="",  # the label travels as label_json (set by chain_rows)
        options=OPTIONS,
        cues=(cue, voice.split(",")[0]),
    )


def gold_chain(words: str, voice: str, label: str) -> str:
    """The level-1 chain for an utterance, answering ``label``."""
    return (
        f"<think>Perceptual simulation: {voice}.\n"
        f"Mental-state hypothesis: feels {label}.\n"
        f"Perspective-taking: to the speaker it is {label}.\n"
        f"Label: {label}</think><answer>{label}</answer>"
    )


def chain_rows() -> list[dict[str, Any]]:
    """The fixture's rows in ``chains.jsonl`` form."""
    rows = []
    for key, words, voice, label, cue in UTTERANCES:
        item = tmpo_item(key, words, voice, cue)
        row = item.to_row()
        row["label_json"] = json.dumps(label)
        row["completion"] = gold_chain(words, voice, label)
        row["provenance"] = {
            "teacher": "fixture",
            "prompt_version": "fixture",
            "sample_index": 0,
            "verdicts": {"answer": "match"},
            "repaired": False,
        }
        rows.append(row)
    return rows


def write_chains(folder: Path) -> Path:
    """``folder/chains.jsonl`` with the fixture's rows."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "chains.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in chain_rows()), encoding="utf-8")
    return path


def tiny_model(folder: Path) -> Path:
    """The tiny chat model, its tokenizer trained on the fixture's prompts and chains."""
    rows = chain_rows()
    return save_tiny_causal_lm(
        folder, texts=[row["prompt"] for row in rows] + [row["completion"] for row in rows]
    )


def write_config(folder: Path, model: Path, chains: Path, **sections: dict[str, Any]) -> Path:
    """A ``CONFIG.yaml`` for a few CPU steps; ``sections`` override or add keys per section."""
    import yaml

    document: dict[str, Any] = {
        "model": str(model),
        "output_dir": str(folder / "run"),
        "seed": 3,
        "device": "cpu",
        "lora": {"r": 4, "alpha": 8, "dropout": 0.0},
        "data": {"chains": str(chains)},
        "sft": {
            "learning_rate": 5e-3,
            "max_steps": 3,
            "batch_size": 2,
            "max_length": 256,
            "save_steps": 2,
        },
        "grpo": {
            "learning_rate": 5e-3,
            "max_steps": 2,
            "batch_size": 4,
            "num_generations": 2,
            "max_completion_length": 12,
            "save_steps": 1,
        },
    }
    for name, values in sections.items():
        if isinstance(document.get(name), dict):
            document[name] = {**document[name], **values}
        else:
            document[name] = values
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "CONFIG.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path
