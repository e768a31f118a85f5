"""The frozen ``manifest.json`` of a benchmark run, and the drift check that guards a resume.

A run folder holds the answers of one model on one selection of one dataset. The manifest pins
what those answers depend on (dataset fingerprint, selection, model spec, options and backend
versions, sandbox tier); it is written once, atomically, and never edited. A re-run on the same
folder recomputes it and refuses to mix answers when any pinned value differs, because a
prediction file made of two models' (or two datasets') answers scores as neither.

How the run is executed (workers, executor, timeout, retries) is recorded for the reader but
may change between resumes: it does not change what an answer is.
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from unima.bench.records import InstanceKey, Selection
from unima.errors import ConfigError, InputError, SandboxError
from unima.files import atomic_write_text

MANIFEST_NAME = "manifest.json"
SCHEMA_VERSION = 1


class DatasetRecord(BaseModel):
    """Which dataset the run reads: its location (informative) and fingerprint (pinned)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str
    media_root: str
    fingerprint: str
    instances: int
    invalid: int


class SelectionRecord(Selection):
    """The run's ``Selection`` as the manifest pins it, plus what it chose.

    Attributes:
        on_invalid: what the run did with invalid instances (``skip`` or ``fail``).
        selected: how many instances the selection chose.
        keys_sha256: sha256 of the chosen keys (sorted, as JSON).
    """

    on_invalid: str = "skip"
    selected: int = 0
    keys_sha256: str = ""

    @classmethod
    def of(
        cls, selection: Selection, keys: Iterable[InstanceKey], *, on_invalid: str
    ) -> SelectionRecord:
        """The record of ``selection`` having chosen ``keys``."""
        chosen = sorted(keys)
        return cls(
            **selection.model_dump(),
            on_invalid=on_invalid,
            selected=len(chosen),
            keys_sha256=hashlib.sha256(json.dumps(chosen).encode()).hexdigest(),
        )


class ModelRecord(BaseModel):
    """The model: its spec, the options it was built with and what the adapter describes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    spec: str
    options: dict[str, Any] = Field(default_factory=dict)
    description: dict[str, Any] = Field(default_factory=dict)


class SandboxRecord(BaseModel):
    """The sandbox tier model-written code runs in on this machine (``None``: no sandbox)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tier: str | None
    problem: str = ""


class ExecutionRecord(BaseModel):
    """How the first invocation ran; later resumes may differ (not drift-checked)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    executor: str
    workers: int
    timeout_s: float
    retries: int
    concurrency: int = 1  # requests in flight from the event loop (server-backed models)


class Manifest(BaseModel):
    """Everything a run's answers depend on. ``schema_version`` guards the file format."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: int = SCHEMA_VERSION
    benchmark: str
    created: str
    unima_version: str
    python: str
    dataset: DatasetRecord
    selection: SelectionRecord
    model: ModelRecord
    sandbox: SandboxRecord
    execution: ExecutionRecord

    def pinned(self) -> dict[str, Any]:
        """The values a resume must match, flattened to dotted names."""
        pinned: dict[str, Any] = {
            "benchmark": self.benchmark,
            "dataset.fingerprint": self.dataset.fingerprint,
            "model.spec": self.model.spec,
            "model.options": self.model.options,
            "model.description": self.model.description,
            "sandbox.tier": self.sandbox.tier,
        }
        for name, value in self.selection.model_dump().items():
            pinned[f"selection.{name}"] = value
        return pinned


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def current_sandbox() -> SandboxRecord:
    """The tier ``unima.tools.sandbox.choose_tier`` picks here, or why there is none."""
    # unima.tools.sandbox: ~0.1 s to import, and only a run (not a report or export) needs it.
    from unima.tools.sandbox import choose_tier

    try:
        return SandboxRecord(tier=choose_tier())
    except SandboxError as error:
        return SandboxRecord(tier=None, problem=str(error))


def python_version() -> str:
    return f"{platform.python_implementation()} {platform.python_version()}"


def read_manifest(folder: Path) -> Manifest | None:
    """The manifest in ``folder``, or ``None`` when the folder has none yet.

    Raises:
        InputError: the file exists but is not a manifest of this schema version.
    """
    path = folder / MANIFEST_NAME
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InputError(f"unreadable run manifest ({error})", source=str(path)) from None
    version = data.get("schema_version") if isinstance(data, dict) else None
    if version != SCHEMA_VERSION:
        raise InputError(
            f"run manifest has schema version {version!r}; this unima reads version "
            f"{SCHEMA_VERSION}. Use a new --out folder.",
            source=str(path),
        )
    try:
        return Manifest.model_validate(data)
    except ValidationError as error:
        raise InputError(f"malformed run manifest: {error}", source=str(path)) from None


def write_manifest(folder: Path, manifest: Manifest) -> Path:
    """Write ``manifest`` once (temporary file, fsync, rename)."""
    path = folder / MANIFEST_NAME
    atomic_write_text(path, manifest.model_dump_json(indent=2) + "\n")
    return path


def drift(previous: Manifest, current: Manifest) -> list[str]:
    """The pinned values that differ, one readable line each (empty: same run)."""
    old, new = previous.pinned(), current.pinned()
    lines = []
    for name in sorted(set(old) | set(new)):
        if _canonical(old.get(name)) != _canonical(new.get(name)):
            lines.append(f"{name}: was {_short(old.get(name))}, now {_short(new.get(name))}")
    return lines


def check_resumable(folder: Path, previous: Manifest, current: Manifest) -> None:
    """Raise ``ConfigError`` when ``current`` would mix answers into ``previous``'s run."""
    differences = drift(previous, current)
    if differences:
        raise ConfigError(
            f"{folder} holds a run whose manifest differs from this one, and mixing their "
            "answers would make the predictions meaningless:\n  "
            + "\n  ".join(differences)
            + "\nUse another --out folder, or pass --force to set the old run aside "
            "(it is moved to a superseded-* folder inside --out) and start afresh."
        )


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _short(value: Any, width: int = 120) -> str:
    text = _canonical(value)
    return text if len(text) <= width else text[: width - 3] + "..."
