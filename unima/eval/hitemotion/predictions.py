"""Read a HitEmotion ``predictions.jsonl``: the contract between any model's run and the scorer.

One JSON object per line, exactly ``{"task": "MER", "level": 1, "id": "0", "output": "<the
model's whole reply>"}``. ``task`` is a task code (any case), ``level`` the task's level, ``id``
the released item id (an integer id, as UR-FUNNY writes them, is read as its string), ``output``
the reply (``null``: the model gave none, which scores as an unparseable answer). Lines that
break the contract are reported and skipped; a repeated ``(task, level, id)`` keeps the last line
(a resumed run appends).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from unima.errors import ConfigError, InputError
from unima.eval.hitemotion.tasks import get_task

PREDICTIONS_FILE = "predictions.jsonl"


class PredictionLine(BaseModel):
    """One line of ``predictions.jsonl``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    task: str
    level: int
    id: str
    output: str | None

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_string(cls, value: object) -> object:
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return value

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.task.upper(), self.level, self.id)


@dataclass
class PredictionsLoad:
    """The predictions by ``(task, level, id)`` and the problems met reading them."""

    predictions: dict[tuple[str, int, str], PredictionLine] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    repeated: int = 0


def read_predictions(path: Path) -> PredictionsLoad:
    """Read ``path`` (a ``predictions.jsonl`` or the run folder holding one).

    Raises:
        InputError: When the file cannot be read at all.
    """
    path = Path(path)
    if path.is_dir():
        path = path / PREDICTIONS_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read the predictions ({error})", source=str(path)) from None
    load = PredictionsLoad()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            prediction = PredictionLine.model_validate(json.loads(line))
            task = get_task(prediction.task)
        except (ValueError, ValidationError, ConfigError) as error:
            load.problems.append(f"line {number}: {_short(error)}")
            continue
        if task.level != prediction.level:
            load.problems.append(
                f"line {number}: task {task.code} is a level {task.level} task, not level "
                f"{prediction.level}"
            )
            continue
        if prediction.key in load.predictions:
            load.repeated += 1
        load.predictions[prediction.key] = prediction
    return load


def _short(error: Exception) -> str:
    text = " ".join(str(error).split())
    return text if len(text) <= 300 else text[:297] + "..."
