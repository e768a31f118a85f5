"""HitEmotion's ``predictions.jsonl``: one line per answered item, in the benchmark's form.

Each line is exactly ``{"task": "MER", "level": 1, "id": "0", "output": "<the whole reply>"}``,
which the evaluator (and any other HitEmotion scorer) reads. The lines are regenerated from the
run's result store, atomically, the way the harness writes its own predictions: the store is the
truth, so a resumed or interrupted run never leaves a duplicate or a half line. An item whose
attempts all failed gets an empty output (scored as unparseable, never dropped).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from unima.bench.datasets.hitemotion.tasks import task_of_key
from unima.bench.records import InstanceKey
from unima.errors import InputError
from unima.files import atomic_write_text

PREDICTIONS_NAME = "predictions.jsonl"


class FinishedRow(Protocol):
    """What a line needs of a finished row of the result store (``unima.bench.store``)."""

    @property
    def key(self) -> InstanceKey: ...

    @property
    def status(self) -> str: ...

    @property
    def content(self) -> str: ...


def prediction_line(row: FinishedRow) -> dict[str, object]:
    """The HitEmotion line of one finished row (key ``(level1, mer, id)``)."""
    domain, subdomain, identifier = row.key
    task = task_of_key(subdomain)
    if domain != f"level{task.level}":
        raise InputError(
            f"the row {'/'.join(row.key)} is not a HitEmotion instance (task {task.code} is "
            f"level {task.level})"
        )
    output = row.content if row.status == "done" else ""
    return {"task": task.code, "level": task.level, "id": identifier, "output": output}


def write_predictions(out: Path, rows: Iterable[FinishedRow]) -> Path:
    """Write ``out/predictions.jsonl`` for the finished ``rows`` (atomic replace).

    The caller reads the rows from the run's store while holding its lock
    (``ResultStore(out).rows(FINISHED)``); a row that did not finish ``done`` gets ``""``.
    """
    lines = [json.dumps(prediction_line(row), ensure_ascii=False) + "\n" for row in rows]
    path = Path(out) / PREDICTIONS_NAME
    atomic_write_text(path, "".join(lines))
    return path
