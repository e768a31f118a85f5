"""One unit of benchmark work: answer one instance, then put its files in the run folder.

This module runs inside worker processes (local pool or Ray), and its pieces on the driver's
event loop (``async_executor``). ``run_task`` never raises for a model failure: it returns a
``WorkResult`` saying what happened, and only the driver writes the store.

Write order (reliability §2.3): the answer's files are written under a scratch folder, fsync'd
and renamed into ``media/<domain>/<subdomain>/<id>/`` and ``traces/...`` *before* the result
travels back to the driver, which only then inserts the row that points at them.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
import traceback
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from unima.bench.datasets.unim import UnimInstance
from unima.bench.models import TAG_PATTERN
from unima.bench.records import Answer, InstanceKey
from unima.errors import ConfigError, InputError, UnimaError, UnsafePathError
from unima.files import atomic_write_bytes

if TYPE_CHECKING:
    from unima.bench.models import ModelAdapter

WorkStatus = Literal["done", "failed", "timeout", "crashed"]
STAGING = ".staging"
_SAFE_COMPONENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_SAFE_SUFFIX = re.compile(r"(\.[A-Za-z0-9]{1,10})?")
ERROR_CHARS = 2000


@dataclass(frozen=True)
class Task:
    """What a worker needs to answer one instance (plain data: it crosses process borders)."""

    key: InstanceKey
    instance: dict[str, Any]
    media_root: str
    attempt: int


@dataclass(frozen=True)
class WorkResult:
    """The outcome of one attempt.

    Attributes:
        status: ``done`` (an answer was stored), ``failed`` (the model raised or gave up),
            ``timeout`` or ``crashed`` (the worker was killed or died).
        retryable: whether another attempt may succeed (not for bad input or a model that
            answered ``failed``).
        answer: the model's answer, its paths relative to the run folder (``None`` when the
            model gave none).
        files: the answer's file bytes by file name (``image1.png``), when the worker could not
            write the run folder itself (Ray); the driver publishes them.
    """

    key: InstanceKey
    attempt: int
    status: WorkStatus
    retryable: bool = False
    answer: Answer | None = None
    error: str = ""
    seconds: float = 0.0
    files: dict[str, bytes] | None = None


def key_folder(key: InstanceKey) -> Path:
    """``<domain>/<subdomain>/<id>``, refusing a component that is not one safe file name."""
    for component in key:
        if not isinstance(component, str) or not _SAFE_COMPONENT.fullmatch(component):
            raise UnsafePathError(
                "an instance key component must be one plain file name (letters, digits, "
                "'.', '_', '-')",
                source=repr(component),
            )
    return Path(*key)


def run_task(adapter: ModelAdapter, task: Task, out: Path | None) -> WorkResult:
    """Answer ``task`` with ``adapter``; publish the files into ``out`` (or return their bytes).

    Args:
        adapter: the model.
        task: the instance to answer.
        out: the run folder, when this process can write it; ``None`` returns the files in
            ``WorkResult.files`` for the driver to publish.
    """
    started = time.monotonic()
    scratch_parent = out / STAGING if out is not None else None
    if scratch_parent is not None:
        scratch_parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="answer-", dir=scratch_parent))
    try:
        instance = UnimInstance.model_validate(task.instance)
        answer_dir = scratch / "answer"
        answer_dir.mkdir()
        prediction = adapter.predict(instance, Path(task.media_root), answer_dir)
        sources = collect_files(prediction, answer_dir, task.key)
        if out is not None:
            modal, trace = publish_files(out, task.key, sources)
            files = None
        else:
            modal, trace = relative_names(task.key, sources)
            files = {name: path.read_bytes() for name, path in sources.items()}
        return answered(task, prediction, modal, trace, started, files=files)
    except Exception as error:  # a model bug must cost this instance only, not the run
        return failed_attempt(task, error, started)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def answered(
    task: Task,
    prediction: Answer,
    modal: dict[str, str],
    trace: str,
    started: float,
    *,
    files: dict[str, bytes] | None = None,
) -> WorkResult:
    """The result of an attempt whose answer was published as ``modal`` and ``trace``."""
    return WorkResult(
        key=task.key,
        attempt=task.attempt,
        status="failed" if prediction.status == "failed" else "done",
        answer=published(prediction, modal, trace),
        error="; ".join(prediction.problems)[:ERROR_CHARS] if prediction.status == "failed" else "",
        seconds=time.monotonic() - started,
        files=files,
    )


def failed_attempt(task: Task, error: Exception, started: float) -> WorkResult:
    """The result of an attempt that raised ``error``: retryable unless it is deterministic."""
    if isinstance(error, InputError | ConfigError):
        # Deterministic: the same instance and configuration fail the same way again.
        return _failure(task, f"{type(error).__name__}: {error}", started, retryable=False)
    if isinstance(error, UnimaError):
        return _failure(task, f"{type(error).__name__}: {error}", started, retryable=True)
    last = traceback.extract_tb(error.__traceback__)[-1:]
    where = f" (at {last[0].filename}:{last[0].lineno})" if last else ""
    return _failure(task, f"{type(error).__name__}: {error}{where}", started, retryable=True)


def _failure(task: Task, error: str, started: float, *, retryable: bool) -> WorkResult:
    return WorkResult(
        key=task.key,
        attempt=task.attempt,
        status="failed",
        retryable=retryable,
        error=error[:ERROR_CHARS],
        seconds=time.monotonic() - started,
    )


def published(answer: Answer, modal: dict[str, str], trace: str) -> Answer:
    """``answer`` with its paths replaced by the run-folder-relative ones it was published to."""
    return replace(
        answer,
        modal={tag: Path(path) for tag, path in modal.items()},
        trace_path=Path(trace) if trace else None,
    )


def collect_files(prediction: Answer, answer_dir: Path, key: InstanceKey) -> dict[str, Path]:
    """The answer's files by output name (``image1.png``, ``trace.json``), checked.

    Every file must be a regular file inside ``answer_dir`` (the adapter contract); a tag must
    be a plain placeholder name, because it becomes a file name.
    """
    root = answer_dir.resolve()
    sources: dict[str, Path] = {}
    named = list(prediction.modal.items())
    if prediction.trace_path is not None:
        named.append(("trace", Path(prediction.trace_path)))
    for tag, path in named:
        if tag != "trace" and TAG_PATTERN.fullmatch(tag) is None:
            raise InputError(
                "the model answered with a tag that is not a placeholder name", source=repr(tag)
            )
        resolved = Path(path).resolve()
        if not resolved.is_relative_to(root):
            raise UnsafePathError(
                f"the model's file for {tag} is outside its output folder {root}",
                source=str(path),
            )
        if not resolved.is_file():
            raise InputError(f"the model's file for {tag} does not exist", source=str(path))
        suffix = resolved.suffix.lower()
        if not _SAFE_SUFFIX.fullmatch(suffix):
            suffix = ""
        sources[f"{tag}{suffix}"] = resolved
    return sources


def relative_names(
    key: InstanceKey, sources: dict[str, Path] | dict[str, bytes]
) -> tuple[dict[str, str], str]:
    """The run-folder-relative paths the files of ``sources`` get: (modal by tag, trace)."""
    folder = key_folder(key)
    modal, trace = {}, ""
    for name in sources:
        tag = name.split(".", 1)[0]
        if tag == "trace":
            trace = (Path("traces") / folder / name).as_posix()
        else:
            modal[tag] = (Path("media") / folder / name).as_posix()
    return modal, trace


def publish_files(
    out: Path, key: InstanceKey, sources: dict[str, Path] | dict[str, bytes]
) -> tuple[dict[str, str], str]:
    """Move (or write) the answer's files to their final paths atomically.

    Files from an earlier attempt of the same instance that this answer does not name are
    removed afterwards: no row points at them (the row is written after this returns).

    Returns:
        ``(modal, trace)``: the tag to relative path map and the trace's relative path.
    """
    modal, trace = relative_names(key, sources)
    targets = {tag: out / path for tag, path in modal.items()}
    if trace:
        targets["trace"] = out / trace
    for name, source in sources.items():
        target = targets[name.split(".", 1)[0]]
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(source, bytes):
            atomic_write_bytes(target, source)
        else:
            _move_durably(Path(source), target)
    for folder in {target.parent for target in targets.values()} | {
        out / "media" / key_folder(key),
        out / "traces" / key_folder(key),
    }:
        if folder.is_dir():
            keep = {target.name for target in targets.values() if target.parent == folder}
            for stale in folder.iterdir():
                if stale.name not in keep and stale.is_file():
                    stale.unlink()
            _fsync_directory(folder)
    return modal, trace


def _move_durably(source: Path, target: Path) -> None:
    temporary = target.with_name(f".tmp-{os.getpid()}-{target.name}")
    try:
        # rename is atomic within one file system; the staging folder sits in the run folder
        # for that reason. Elsewhere (a Ray node's temp dir) fall back to a copy.
        os.replace(source, temporary)
    except OSError:
        shutil.copyfile(source, temporary)
    with open(temporary, "rb") as handle:
        os.fsync(handle.fileno())
    os.chmod(temporary, 0o644)
    os.replace(temporary, target)


def _fsync_directory(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
