"""A stage's folder: checkpoints to resume from, ``--restart``, and the summary of a run."""

from __future__ import annotations

import math
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHECKPOINT_PATTERN = re.compile(r"^checkpoint-(\d+)$")
STAGES = ("sft", "grpo")


@dataclass(frozen=True)
class StageResult:
    """What one stage did and where it put things (the CLI's summary, the run record's tail).

    Attributes:
        stage: ``sft`` or ``grpo``.
        steps: optimiser steps taken in total (including those before a resume).
        loss: the mean training loss TRL reports for the run (``train_loss``).
        last_loss: the last logged step's loss.
        reward_means: per reward name, the mean of its per-step means (GRPO only).
        examples: training examples (SFT rows or GRPO prompts).
        stage_dir: the stage folder (checkpoints live in it).
        final_dir: the merged model folder.
        record_path: the run record.
        resumed_from: the checkpoint the run continued from, if any.
        seconds: wall time of training.
    """

    stage: str
    steps: int
    loss: float
    last_loss: float
    examples: int
    stage_dir: Path
    final_dir: Path
    record_path: Path
    seconds: float
    resumed_from: Path | None = None
    reward_means: dict[str, float] = field(default_factory=dict)


def stage_folder(output_dir: Path, stage: str) -> Path:
    """``<output_dir>/<stage>``: where a stage keeps checkpoints, the run record and ``final``."""
    return output_dir / stage


def last_checkpoint(folder: Path) -> Path | None:
    """The ``checkpoint-N`` folder with the largest N, or ``None``."""
    if not folder.is_dir():
        return None
    found = [
        (int(match.group(1)), child)
        for child in folder.iterdir()
        if child.is_dir() and (match := CHECKPOINT_PATTERN.match(child.name))
    ]
    return max(found)[1] if found else None


def clear_checkpoints(folder: Path) -> list[Path]:
    """Delete the ``checkpoint-N`` folders of a stage (``--restart``) and return them."""
    removed = []
    if folder.is_dir():
        for child in sorted(folder.iterdir()):
            if child.is_dir() and CHECKPOINT_PATTERN.match(child.name):
                shutil.rmtree(child)
                removed.append(child)
    return removed


def reward_means(log_history: list[dict[str, Any]]) -> dict[str, float]:
    """Per reward, the mean over logged steps of TRL's ``rewards/<name>/mean``."""
    values: dict[str, list[float]] = {}
    for entry in log_history:
        for key, value in entry.items():
            if key.startswith("rewards/") and key.endswith("/mean"):
                values.setdefault(key[len("rewards/") : -len("/mean")], []).append(float(value))
    return {name: sum(series) / len(series) for name, series in values.items()}


def last_loss(log_history: list[dict[str, Any]]) -> float:
    """The loss of the last logged step (NaN when nothing was logged)."""
    for entry in reversed(log_history):
        if "loss" in entry:
            return float(entry["loss"])
    return math.nan
