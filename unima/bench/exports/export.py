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
are in ``unima.bench.exports.formats`` and ``docs/exports.md``. Three rules hold for all formats:

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
from pathlib import Path
from typing import Literal, get_args

from unima.bench.datasets.unim import UnimInstance, load_predictions, load_unim
from unima.bench.exports.context import ExportContext
from unima.bench.exports.formats import WRITERS
from unima.bench.manifest import Manifest, read_manifest
from unima.bench.records import InstanceKey
from unima.errors import ConfigError

ExportFormat = Literal["isg", "opening", "mmie", "unim"]
EXPORT_FORMATS: tuple[str, ...] = get_args(ExportFormat)
# Formats whose records carry the question (and reference), so they need the dataset.
NEEDS_DATASET = {"isg", "opening", "mmie"}
NOTES_FILE = "export_notes.txt"


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
    return read_manifest(run_folder) if run_folder.is_dir() else None


def _instances(
    data: Path | None, media_root: Path | None, manifest: Manifest | None, format: str
) -> tuple[dict[InstanceKey, UnimInstance], Path]:
    """The dataset's instances by key, and its media root."""
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
