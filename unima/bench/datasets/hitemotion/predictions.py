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

from unima.bench.datasets.hitemotion.tasks import task_of_key
from unima.bench.store import FINISHED, ResultRow, ResultStore, RunLock
from unima.errors import InputError
from unima.files import atomic_write_text

PREDICTIONS_NAME = "predictions.jsonl"


def prediction_line(row: ResultRow) -> dict[str, object]:
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


def format_predictions(rows: Iterable[ResultRow]) -> str:
    """The file's text for ``rows`` (finished ones only, in the store's order)."""
    lines = [
        json.dumps(prediction_line(row), ensure_ascii=False) + "\n"
        for row in rows
        if row.status in FINISHED
    ]
    return "".join(lines)


def write_predictions(out: Path) -> Path:
    """Regenerate ``out/predictions.jsonl`` from the run folder's store; returns its path.

    Raises:
        InputError: ``out`` holds no run, or another run is writing it.
    """
    out = Path(out)
    if not (out / "results.sqlite").is_file():
        raise InputError("no benchmark results here (results.sqlite)", source=str(out))
    path = out / PREDICTIONS_NAME
    with RunLock(out), ResultStore(out) as store:
        atomic_write_text(path, format_predictions(store.rows(FINISHED)))
    return path
