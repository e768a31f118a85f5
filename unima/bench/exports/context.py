"""What an export format's writer is given (``ExportContext``), and a JSONL helper."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unima.bench.datasets.unim import Prediction, PredictionsLoad, UnimInstance
from unima.bench.records import InstanceKey
from unima.errors import InputError
from unima.inputs.paths import resolve_media_path


@dataclass
class ExportContext:
    """What a format writer gets: the predictions, the instances and a file copier.

    Attributes:
        predictions: the run's predictions (paths relative to ``predictions.root``).
        instances: the dataset instances by key (empty for formats that do not need them).
        media_root: the dataset's media root (input and reference files are under it).
        model_name: the name the answers are filed under (``unima``, the model spec ...).
        destination: the folder being written (a temporary one until the export is done).
        notes: remarks on what could not be exported, written to ``export_notes.txt``.
    """

    predictions: PredictionsLoad
    instances: dict[InstanceKey, UnimInstance]
    media_root: Path | None
    model_name: str
    destination: Path
    notes: list[str] = field(default_factory=list)

    def prediction_file(self, prediction: Prediction, tag: str) -> Path | None:
        """The checked path of a prediction's media file, or ``None`` when it is missing."""
        if tag in prediction.missing:
            return None
        try:
            return self.predictions.media_path(prediction, tag)
        except InputError:
            return None

    def instance_file(self, instance: UnimInstance, relative: str) -> Path | None:
        """The checked path of an instance's input or reference file, or ``None``."""
        if self.media_root is None:
            return None
        try:
            return resolve_media_path(instance.media_root(self.media_root), relative)
        except InputError:
            return None

    def copy(self, source: Path, relative: str) -> str:
        """Copy ``source`` to ``destination/relative``; returns ``relative`` (POSIX form)."""
        target = self.destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        return Path(relative).as_posix()


Writer = Callable[[ExportContext], Path]


def write_jsonl(path: Path, records: Sequence[Mapping[str, Any]]) -> None:
    """One compact JSON object per line, UTF-8."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
