"""Export a run's predictions in other benchmarks' answer formats (``unima bench export``).

A run folder ``OUT`` holds ``predictions.jsonl`` (UniM output format, media under ``OUT/media``)
and ``manifest.json`` (which dataset the run read). ``export_predictions`` writes a
self-contained folder for one of:

- ``isg``: ISG-Bench's ``ISG-eval.py --input_file`` JSONL (Query, Golden and output blocks);
- ``opening``: OpenING's ``<Model>_output/`` folder of per-instance JSON files and images;
- ``mmie``: MMIE-Eval's ``INPUT_DIR`` (``data.json`` plus ``images/``);
- ``unim``: UniM's own layout, as the authors' evaluation scripts read it
  (``<base>/<domain folder>/<subdomain>/<relative path>``).

The record layouts, and every assumption made where the public formats leave a detail open,
are in ``unima.bench.export_formats`` and ``docs/exports.md``. Three rules hold for all formats:

- ISG, OpenING and MMIE are text-and-image benchmarks: an answer's other media (audio, video,
  documents, code, 3D) cannot be expressed there. Their placeholders stay in the text as
  written (``<audio1>``) and each record lists them under ``"unima"`` → ``"not_exported"``,
  so nothing is dropped silently.
- Every file is copied into the export folder; no record points outside it.
- The export is built in a temporary sibling folder and renamed into place, so a crash never
  leaves a half-written export under the final name.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

from unima.errors import ConfigError, InputError

if TYPE_CHECKING:
    from unima.bench.dataset import InstanceKey, Prediction, PredictionsLoad, UnimInstance
    from unima.bench.manifest import Manifest

ExportFormat = Literal["isg", "opening", "mmie", "unim"]
EXPORT_FORMATS: tuple[str, ...] = get_args(ExportFormat)
# Formats whose records carry the question (and reference), so they need the dataset.
NEEDS_DATASET = {"isg", "opening", "mmie"}
NOTES_FILE = "export_notes.txt"


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
        from unima.inputs.paths import resolve_media_path

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


def export_predictions(
    out: Path,
    format: ExportFormat,
    destination: Path | None = None,
    *,
    data: Path | None = None,
    media_root: Path | None = None,
    model_name: str | None = None,
    overwrite: bool = False,
) -> Path:
    """Write the predictions of run folder ``out`` in ``format``.

    Args:
        out: the run folder (holding ``predictions.jsonl``), or a ``predictions.jsonl`` file.
        format: ``isg``, ``opening``, ``mmie`` or ``unim``.
        destination: the export folder; default ``OUT/exports/<format>``.
        data: the UniM dataset (file or folder) the run answered; default: the path recorded
            in ``OUT/manifest.json``. Needed by isg, opening and mmie (their records carry the
            question and the reference answer).
        media_root: the dataset's media root; default: the manifest's, else the loader's.
        model_name: the name answers are filed under; default: the manifest's model spec.
        overwrite: replace an existing, non-empty destination.

    Returns:
        The main file of the export (the JSONL, ``data.json``, or the OpenING output folder).

    Raises:
        ConfigError: an unknown format, a destination in the way, or a missing dataset.
        InputError: the predictions file or the dataset cannot be read.
    """
    from unima.bench.dataset import load_predictions
    from unima.bench.export_formats import WRITERS

    if format not in EXPORT_FORMATS:
        raise ConfigError(
            f"unknown export format {format!r}; choose one of {', '.join(EXPORT_FORMATS)}"
        )
    out = Path(out)
    run_folder = out.parent if out.is_file() else out
    manifest = _manifest(run_folder)
    predictions = load_predictions(out)
    destination = Path(destination) if destination is not None else run_folder / "exports" / format
    if destination.exists() and any(destination.iterdir()) and not overwrite:
        raise ConfigError(
            f"the export folder {str(destination)!r} is not empty; pass another destination "
            "or overwrite=True (--overwrite)"
        )
    instances: dict[InstanceKey, UnimInstance] = {}
    root = media_root
    if format in NEEDS_DATASET:
        instances, root = _instances(data, media_root, manifest, format)
    name = model_name or (manifest.model.spec if manifest is not None else "unima")
    destination.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".export-{format}-", dir=destination.parent))
    try:
        context = ExportContext(predictions, instances, root, name, building)
        main = WRITERS[format](context)
        if context.notes:
            # What could not be exported is written down beside the export, never dropped.
            (building / NOTES_FILE).write_text("\n".join(context.notes) + "\n", encoding="utf-8")
        if destination.exists():
            shutil.rmtree(destination)
        os.replace(building, destination)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return destination / main.relative_to(building)


def _manifest(run_folder: Path) -> Manifest | None:
    from unima.bench.manifest import read_manifest

    return read_manifest(run_folder) if run_folder.is_dir() else None


def _instances(
    data: Path | None, media_root: Path | None, manifest: Manifest | None, format: str
) -> tuple[dict[InstanceKey, UnimInstance], Path]:
    """The dataset's instances by key, and its media root."""
    from unima.bench.dataset import load_unim

    recorded = manifest.dataset if manifest is not None else None
    if data is None and recorded is not None:
        data = Path(recorded.path)
        media_root = media_root or Path(recorded.media_root)
    if data is None:
        raise ConfigError(
            f"the {format} format includes each question and its reference answer, so it needs "
            "the dataset: pass data= (--data DIR), or export a run folder with a manifest.json"
        )
    load = load_unim(Path(data), media_root=media_root, check_files=False)
    return {instance.key: instance for instance in load.instances}, load.root


def write_jsonl(path: Path, records: Sequence[Mapping[str, Any]]) -> None:
    """One compact JSON object per line, UTF-8."""
    import json

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
