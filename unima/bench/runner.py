"""Run a model on UniM: schedule instances, keep every result, resume where a run stopped.

``run_benchmark`` is the whole harness behind ``unima bench run``:

1. lock the run folder, load and select the dataset, build the model and the manifest;
2. compare with the folder's manifest: resume the same run, refuse a different one (unless
   ``force``, which sets the old run aside);
3. put rows a killed driver left ``running`` back to ``pending``, add rows for new instances,
   and regenerate ``predictions.jsonl`` from the store;
4. run the pending instances on an executor (local processes, Ray, or for a model behind a
   server with ``concurrency`` > 1 one event loop keeping that many requests in flight),
   recording each result as it arrives, retrying failures up to ``retries`` times;
5. regenerate ``predictions.jsonl`` and return a ``RunSummary``.

A ``KeyboardInterrupt`` stops scheduling, puts the in-flight instances back to ``pending`` and
still writes the predictions: re-running the same command carries on.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from unima.bench.async_executor import AsyncExecutor
from unima.bench.datasets import DatasetLoad, dataset_loader
from unima.bench.executors import Executor, LocalExecutor
from unima.bench.manifest import (
    MANIFEST_NAME,
    DatasetRecord,
    ExecutionRecord,
    Manifest,
    ModelRecord,
    SelectionRecord,
    check_resumable,
    current_sandbox,
    now_iso,
    python_version,
    read_manifest,
    write_manifest,
)
from unima.bench.models import ModelAdapter, ServerModelAdapter, resolve_model
from unima.bench.ray_executor import RayExecutor
from unima.bench.records import InstanceKey, Selection
from unima.bench.store import FINISHED, ResultRow, ResultStore, RunLock
from unima.bench.work import STAGING, Task, WorkResult, key_folder
from unima.errors import ConfigError, InputError, UnsafePathError
from unima.version import __version__

logger = logging.getLogger(__name__)

ExecutorName = Literal["local", "ray"]
# A row in flight during this many driver deaths is failed rather than re-queued: it may be
# what kills the driver (memory), and re-queuing it forever would never finish the run.
MAX_INTERRUPTIONS = 3
RUN_FILES = (
    "manifest.json",
    "results.sqlite",
    "results.sqlite-wal",
    "results.sqlite-shm",
    "events.jsonl",
    "predictions.jsonl",
    "media",
    "traces",
    STAGING,
)


@dataclass(frozen=True)
class RunOptions:
    """How to run (none of these change an answer, so a resume may change them).

    Attributes:
        workers: worker processes (or Ray tasks), each answering one instance at a time.
        executor: ``local`` worker processes or ``ray`` tasks.
        concurrency: for a model behind a server (``openai-compatible:...``, a
            ``ServerModelAdapter``): requests kept in flight from one event loop in this
            process, instead of worker processes. 1 (the default) runs it in a worker process
            like any model. Other models refuse more than 1: the UniMA agent and the
            predictions reader do their work in this machine's processes, where ``workers``
            is what runs several at once.
        timeout_s: wall-clock limit of one attempt.
        retries: extra attempts after a failure, crash or timeout (bad input is not retried).
        force: set aside a run whose manifest differs instead of refusing.
        retry_failed: give instances that finished as failed a fresh set of attempts.
        ray_address: the Ray cluster to join (``None``: a local Ray).
        durable: SQLite ``synchronous=FULL`` (survives power loss, slower).
        max_consecutive_failures: stop early when this many attempts in a row fail (a broken
            model or endpoint), instead of burning through the whole dataset.
    """

    workers: int = 1
    executor: ExecutorName = "local"
    concurrency: int = 1
    timeout_s: float = 600.0
    retries: int = 1
    force: bool = False
    retry_failed: bool = False
    ray_address: str | None = None
    durable: bool = False
    max_consecutive_failures: int = 25


class RunObserver(Protocol):
    """Receives progress (the CLI draws a progress bar from it)."""

    def started(self, total: int, finished: int) -> None: ...

    def attempt_finished(self, result: WorkResult, final: bool) -> None: ...


@dataclass
class RunSummary:
    """What a run (one invocation) did and where things stand.

    Attributes:
        counts: rows by status (``done``, ``failed``, ``timeout``, ``crashed``, ``pending``)
            plus ``invalid`` (dataset entries reported, not run).
        kept: instances already finished before this invocation (not re-run).
        requeued: rows a killed driver left ``running``, put back to ``pending``.
        attempts: attempts made in this invocation.
        stopped: ``""`` when the run went through, ``interrupted`` or ``degraded``.
    """

    out: Path
    counts: dict[str, int]
    kept: int
    requeued: int
    attempts: int
    seconds: float
    invalid: list[tuple[str, InstanceKey | None, str]] = field(default_factory=list)
    stopped: str = ""
    predictions: Path | None = None

    @property
    def failed(self) -> int:
        return sum(self.counts.get(status, 0) for status in ("failed", "timeout", "crashed"))


def run_benchmark(
    data: Path,
    out: Path,
    model: str | ModelAdapter,
    *,
    model_options: dict[str, Any] | None = None,
    media_root: Path | None = None,
    selection: Selection | None = None,
    on_invalid: Literal["skip", "fail"] = "skip",
    options: RunOptions = RunOptions(),
    observer: RunObserver | None = None,
    benchmark: str = "unim",
) -> RunSummary:
    """Run ``model`` on the selected instances of ``data``, writing the run folder ``out``.

    Args:
        data: the benchmark's instance file or folder.
        out: the run folder; re-using it resumes the run.
        model: a model spec (``unima``, ``openai-compatible:URL:MODEL``, ``predictions:FILE``)
            or an adapter.
        model_options: adapter options when ``model`` is a spec.
        media_root: the media folder, when not beside ``data``.
        selection: which instances to run (``None``: all).
        on_invalid: ``skip`` reports invalid instances and runs the rest; ``fail`` stops.
        options: how to run.
        observer: progress callbacks.
        benchmark: the dataset's name in ``unima.bench.datasets.DATASETS``.

    Raises:
        InputError: the dataset cannot be read (or has invalid instances with ``fail``), or
            another run holds ``out``.
        ConfigError: the benchmark or the model spec does not resolve, or ``out`` holds a
            different run.
    """
    loader = dataset_loader(benchmark)
    selection = selection or Selection()
    if options.workers < 1 or options.retries < 0 or options.timeout_s <= 0:
        raise ConfigError(
            f"workers must be >= 1, retries >= 0 and timeout > 0 (got {options.workers}, "
            f"{options.retries}, {options.timeout_s})"
        )
    started = time.monotonic()
    out = Path(out)
    check_out_folder(out)
    with RunLock(out):
        dataset = loader.load(Path(data), media_root=media_root, on_invalid=on_invalid)
        chosen, unsafe = _safe(loader.select(dataset.instances, selection))
        adapter = (
            model if not isinstance(model, str) else resolve_model(model, **(model_options or {}))
        )
        check_concurrency(adapter, options)
        manifest = build_manifest(
            dataset,
            Path(data),
            selection,
            on_invalid,
            chosen,
            adapter,
            options,
            benchmark=benchmark,
        )
        _settle_manifest(out, manifest, force=options.force)
        _clean_staging(out)
        with ResultStore(out, durable=options.durable) as store:
            invalid = [(i.source, i.key, i.reason) for i in dataset.invalid] + unsafe
            store.replace_invalid(invalid)
            requeued = store.recover_interrupted()
            store.add_pending([instance.key for instance in chosen])
            if options.retry_failed:
                store.reopen_failed()
            _fail_repeat_offenders(store)
            kept = sum(1 for _ in store.rows(("done", "failed", "timeout", "crashed")))
            store.events.append(
                "session",
                kept=kept,
                requeued=requeued,
                workers=options.workers,
                executor=options.executor,
                concurrency=options.concurrency,
            )
            if requeued:
                logger.info("resuming: %d finished kept, %d re-queued", kept, requeued)
            _write_predictions(loader, store)
            scheduler = _Scheduler(store, adapter, dataset.root, chosen, options, observer)
            scheduler.run()
            _clean_staging(out)
            predictions = _write_predictions(loader, store)
            store.events.append("stop", reason=scheduler.stopped or "finished")
            counts = store.counts()
    return RunSummary(
        out=out,
        counts=counts,
        kept=kept,
        requeued=requeued,
        attempts=scheduler.attempts,
        seconds=time.monotonic() - started,
        invalid=invalid,
        stopped=scheduler.stopped,
        predictions=predictions,
    )


def check_concurrency(adapter: ModelAdapter, options: RunOptions) -> None:
    """Refuse a ``concurrency`` the model or the other options cannot honour.

    Raises:
        ConfigError: ``concurrency`` is below 1, or above 1 for a model that does not answer
            through a server, or together with more than one worker or with Ray.
    """
    concurrency = options.concurrency
    if concurrency < 1:
        raise ConfigError(f"concurrency must be >= 1 (got {concurrency})")
    if concurrency == 1:
        return
    if not isinstance(adapter, ServerModelAdapter):
        raise ConfigError(
            f"--concurrency {concurrency} keeps requests in flight to a model server "
            f"(openai-compatible:BASE_URL:MODEL); {adapter.spec!r} answers in this machine's "
            f"processes, so run several instances at once with --workers {concurrency} instead"
        )
    if options.workers != 1 or options.executor != "local":
        raise ConfigError(
            f"--concurrency {concurrency} runs every request from one event loop in this "
            f"process; use it instead of --workers {options.workers} and --executor "
            f"{options.executor}, not with them"
        )


def _safe(chosen: list[Any]) -> tuple[list[Any], list[tuple[str, InstanceKey | None, str]]]:
    """The chosen instances whose keys can be folder names, and a report of the others."""
    safe: list[Any] = []
    unsafe: list[tuple[str, InstanceKey | None, str]] = []
    for instance in chosen:
        try:
            key_folder(instance.key)  # keys become folder names in the run folder
        except UnsafePathError as error:
            unsafe.append(("/".join(map(str, instance.key[:2])), instance.key, str(error)))
            continue
        safe.append(instance)
    return safe, unsafe


def build_manifest(
    dataset: DatasetLoad[Any],
    data: Path,
    selection: Selection,
    on_invalid: str,
    chosen: Sequence[Any],
    adapter: ModelAdapter,
    options: RunOptions,
    *,
    benchmark: str = "unim",
) -> Manifest:
    """The manifest of this invocation (compared with, or written as, the run's manifest)."""
    return Manifest(
        benchmark=benchmark,
        created=now_iso(),
        unima_version=__version__,
        python=python_version(),
        dataset=DatasetRecord(
            path=str(data.resolve()),
            media_root=str(Path(dataset.root).resolve()),
            fingerprint=dataset.fingerprint,
            instances=len(dataset.instances),
            invalid=len(dataset.invalid),
        ),
        selection=SelectionRecord.of(
            selection, (instance.key for instance in chosen), on_invalid=on_invalid
        ),
        model=ModelRecord(
            spec=adapter.spec,
            options=json.loads(json.dumps(adapter.options, default=str)),
            description=json.loads(json.dumps(adapter.describe(), default=str)),
        ),
        sandbox=current_sandbox(),
        execution=ExecutionRecord(
            executor=options.executor,
            workers=options.workers,
            concurrency=options.concurrency,
            timeout_s=options.timeout_s,
            retries=options.retries,
        ),
    )


def _settle_manifest(out: Path, manifest: Manifest, *, force: bool) -> None:
    previous = read_manifest(out)
    has_results = (out / "results.sqlite").exists()
    if previous is None and not has_results:
        write_manifest(out, manifest)
        return
    try:
        if previous is None:
            raise ConfigError(
                f"{out} holds results but no {MANIFEST_NAME}, so nothing says what they are "
                "answers to. Use another --out folder, or --force to set them aside."
            )
        check_resumable(out, previous, manifest)
    except ConfigError:
        if not force:
            raise
        aside = _set_aside(out)
        logger.warning("the previous run in %s was moved to %s", out, aside)
        write_manifest(out, manifest)


def _set_aside(out: Path) -> Path:
    """Move a previous run's files into ``out/superseded-<time>/`` (never delete results)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    aside = out / f"superseded-{stamp}"
    aside.mkdir()
    for name in RUN_FILES:
        if (out / name).exists():
            (out / name).rename(aside / name)
    return aside


def _clean_staging(out: Path) -> None:
    # Scratch answers of attempts a crash interrupted; no row points into the staging folder.
    shutil.rmtree(out / STAGING, ignore_errors=True)


def _fail_repeat_offenders(store: ResultStore) -> None:
    for row in list(store.rows(("pending",))):
        if row.interruptions >= MAX_INTERRUPTIONS:
            store.record(
                ResultRow(
                    key=row.key,
                    status="failed",
                    attempts=row.attempts,
                    error=f"in flight during {row.interruptions} interrupted runs; not re-queued "
                    "again (it may be what stops the run). Use --retry-failed to try again.",
                    seconds=row.seconds,
                )
            )


class _Scheduler:
    """Feeds pending instances to an executor and records each result as it arrives."""

    def __init__(
        self,
        store: ResultStore,
        adapter: ModelAdapter,
        media_root: Path,
        chosen: list[Any],
        options: RunOptions,
        observer: RunObserver | None,
    ) -> None:
        self.store = store
        self.adapter = adapter
        self.media_root = str(Path(media_root).resolve())
        self.instances = {instance.key: instance for instance in chosen}
        self.options = options
        self.observer = observer
        self.max_attempts = 1 + options.retries
        self.rows = {row.key: row for row in store.rows() if row.key in self.instances}
        self.attempts = 0
        self.consecutive_failures = 0
        self.stopped = ""

    def _task(self, key: InstanceKey, attempt: int) -> Task:
        instance = self.instances[key]
        return Task(
            key=key,
            # The reference answer never reaches the model process.
            instance=instance.model_dump(mode="json", exclude={"output"}),
            media_root=self.media_root,
            attempt=attempt,
        )

    def run(self) -> None:
        queue = deque(
            self._task(key, row.attempts + 1)
            for key, row in self.rows.items()
            if row.status == "pending"
        )
        if self.observer is not None:
            self.observer.started(len(self.rows), len(self.rows) - len(queue))
        if not queue:
            return
        executor = self._executor()
        try:
            while queue or executor.in_flight():
                self._fill(executor, queue)
                if self.stopped and not executor.in_flight():
                    break
                results = executor.wait(0.5)
                # Hand out new work before the bookkeeping, so no worker idles on our fsyncs.
                self._fill(executor, queue)
                for result in results:
                    retry = self._record(result)
                    if retry is not None:
                        queue.append(retry)
        except KeyboardInterrupt:
            self.stopped = "interrupted"
            for task in executor.in_flight():
                self.store.release(task.key)
            self.store.events.append("interrupted", in_flight=len(executor.in_flight()))
        finally:
            executor.close()

    def _fill(self, executor: Executor, queue: deque[Task]) -> None:
        while queue and not self.stopped and len(executor.in_flight()) < executor.capacity:
            task = queue.popleft()
            executor.submit(task)
            # Marked after the hand-off: a driver killed in between leaves the row pending,
            # which a resume runs again, as it would a row left running.
            self.store.mark_running(task.key, task.attempt)

    def _executor(self) -> Executor:
        if self.options.concurrency > 1 and isinstance(self.adapter, ServerModelAdapter):
            return AsyncExecutor(
                self.adapter,
                self.store.folder,
                concurrency=self.options.concurrency,
                timeout_s=self.options.timeout_s,
            )
        if self.options.executor == "ray":
            return RayExecutor(
                self.adapter,
                self.store.folder,
                workers=self.options.workers,
                timeout_s=self.options.timeout_s,
                address=self.options.ray_address,
            )
        if self.options.executor != "local":
            raise ConfigError(f"unknown executor {self.options.executor!r}; use local or ray")
        return LocalExecutor(
            self.adapter,
            self.store.folder,
            workers=self.options.workers,
            timeout_s=self.options.timeout_s,
        )

    def _record(self, result: WorkResult) -> Task | None:
        """Store ``result``; returns the retry to queue, if any."""
        self.attempts += 1
        previous = self.rows[result.key]
        retry = (
            result.status != "done"
            and result.retryable
            and result.attempt < self.max_attempts
            and not self.stopped
        )
        row = ResultRow.from_attempt(result, previous, retry=retry)
        self.store.record(row, event="retry" if retry else None)
        self.rows[result.key] = row
        if self.observer is not None:
            self.observer.attempt_finished(result, final=not retry)
        if result.status == "done":
            self.consecutive_failures = 0
        else:
            self.consecutive_failures += 1
            if self.consecutive_failures >= self.options.max_consecutive_failures:
                self.stopped = "degraded"
                self.store.events.append("degraded", consecutive_failures=self.consecutive_failures)
        return self._task(result.key, result.attempt + 1) if retry else None


def run_folder_problem(out: Path) -> str | None:
    """Why ``out`` cannot be a run folder (a file, or a folder of something else), or ``None``."""
    if out.exists() and not out.is_dir():
        return f"{out} is a file, not a run folder"
    visible = (
        [entry for entry in out.iterdir() if not entry.name.startswith(".")] if out.is_dir() else []
    )
    if visible and not ((out / MANIFEST_NAME).exists() or (out / "results.sqlite").exists()):
        return f"{out} is a folder of other files; give an empty or new folder as --out"
    return None


def check_out_folder(out: Path) -> None:
    """Raise ``InputError`` when ``out`` cannot hold a run (see ``run_folder_problem``)."""
    problem = run_folder_problem(out)
    if problem:
        raise InputError(problem, source=str(out))


def _write_predictions(loader: Any, store: ResultStore) -> Path:
    """``predictions.jsonl`` in the benchmark's form (HitEmotion's lines), else UniM's."""
    return loader.write_predictions(store.folder, store.rows(FINISHED)) or store.write_predictions()
