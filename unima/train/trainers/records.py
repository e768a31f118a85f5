"""The run record written beside a stage's checkpoints: what it takes to reproduce the run.

``<stage folder>/run-record.json`` holds the seed, the resolved configuration, the versions of
the libraries that shape the numbers (torch, transformers, trl, peft, datasets, accelerate,
unima), the sha256 of every data file, the model folder it started from, the git commit of the
unima checkout (when it is one), the device, and the result. It is written when a stage starts
(status ``running``) and again when it ends, so a crashed run still says what it was.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import platform
import subprocess
from pathlib import Path
from typing import Any

from unima.files import atomic_write_text, file_sha256
from unima.train.trainers.config import TmpoConfig
from unima.train.trainers.runs import StageResult

RECORD_NAME = "run-record.json"
RECORD_SCHEMA_VERSION = 1
LIBRARIES = ("torch", "transformers", "trl", "peft", "datasets", "accelerate", "unima")


def library_versions() -> dict[str, str | None]:
    """Installed versions of ``LIBRARIES`` (``None`` for one not installed)."""
    versions: dict[str, str | None] = {}
    for name in LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def git_commit(folder: Path | None = None) -> dict[str, Any] | None:
    """The commit of the git checkout holding unima's source, and whether it has changes;
    ``None`` when unima is not run from a checkout (an installed wheel)."""
    folder = folder or Path(__file__).resolve().parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", str(folder), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "dirty": bool(status.strip())}


def model_files(folder: Path) -> dict[str, str]:
    """sha256 of the model folder's config and weight files (what defines the start point)."""
    names = sorted(
        path
        for path in folder.iterdir()
        if path.is_file()
        and (path.name == "config.json" or path.suffix in {".safetensors", ".bin"})
    )
    return {path.name: file_sha256(path) for path in names}


def write_record(
    stage_dir: Path,
    *,
    stage: str,
    config: TmpoConfig,
    config_path: Path | None,
    start_model: Path,
    data_files: dict[str, str],
    device: str,
    dtype: str,
    status: str,
    result: StageResult | None = None,
    started: str | None = None,
) -> Path:
    """Write (or rewrite) the stage's run record and return its path.

    Args:
        data_files: data path to its sha256 (or another content hash, prefixed by its kind).
        status: ``running``, ``finished``.
        started: the ISO time the run started (kept across the two writes).
    """
    now = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    record: dict[str, Any] = {
        "schema_version": RECORD_SCHEMA_VERSION,
        "stage": stage,
        "status": status,
        "started": started or now,
        "updated": now,
        "seed": config.seed,
        "config": json.loads(config.model_dump_json()),
        "config_file": str(config_path) if config_path else None,
        "config_sha256": file_sha256(config_path) if config_path else None,
        "start_model": str(start_model),
        "start_model_sha256": model_files(start_model),
        "data_sha256": data_files,
        "versions": library_versions(),
        "python": platform.python_version(),
        "git": git_commit(),
        "device": device,
        "dtype": dtype,
    }
    if result is not None:
        record["result"] = {
            "steps": result.steps,
            "loss": result.loss,
            "last_loss": result.last_loss,
            "examples": result.examples,
            "reward_means": result.reward_means,
            "seconds": round(result.seconds, 3),
            "resumed_from": str(result.resumed_from) if result.resumed_from else None,
            "final_dir": str(result.final_dir),
        }
    path = stage_dir / RECORD_NAME
    atomic_write_text(path, json.dumps(record, indent=2, ensure_ascii=False, default=str) + "\n")
    return path
