"""``--executor ray``: instances as Ray tasks, results funnelled into the driver's store.

Each instance is one task with a resource hint (``num_cpus=1``) and no Ray-level retries: the
runner owns retries, so they are bounded and recorded in one place. A task answers into a
temporary folder on its node and returns the files' bytes; the driver publishes them into the
run folder, so nodes need no shared file system for outputs (they do need the dataset's media
at the same path). A task past its deadline is cancelled with ``force=True``, which kills its
worker process; a crashed worker surfaces as ``WorkerCrashedError``. Either costs one instance.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from pathlib import Path
from typing import Any

from unima.bench.models import ModelAdapter
from unima.bench.work import Task, WorkResult, publish_files, published, run_task
from unima.errors import MissingExtraError

logger = logging.getLogger(__name__)

# Adapters built in this Ray worker process, by (class, spec, options): Ray deserialises the
# adapter for every task, and a fresh adapter would rebuild its model (an agent, a client) each
# time.
_ADAPTERS: dict[str, ModelAdapter] = {}


def _cached(adapter: ModelAdapter) -> ModelAdapter:
    identity = json.dumps(
        [type(adapter).__module__, type(adapter).__qualname__, adapter.spec, adapter.options],
        sort_keys=True,
        default=str,
    )
    return _ADAPTERS.setdefault(identity, adapter)


def answer_on_ray(adapter: ModelAdapter, task: Task) -> WorkResult:
    """The Ray task body: answer ``task`` and return the files' bytes with the result."""
    return run_task(_cached(adapter), task, None)


def import_ray() -> Any:
    try:
        import ray  # the optional ray extra, slow to import: only --executor ray loads it
    except ImportError:
        raise MissingExtraError("--executor ray", "ray", "ray") from None
    return ray


class RayExecutor:
    """Runs tasks on a Ray cluster (``address``) or a local Ray started for this run.

    Args:
        adapter: the model; serialised to the workers (as spec plus options).
        out: the run folder, written by the driver only.
        workers: how many tasks are in flight at once.
        timeout_s: wall-clock limit of one instance, counted from submission.
        address: a Ray cluster address (``ray://host:10001``, ``auto``); ``None`` starts a
            local Ray with ``workers`` CPUs.
    """

    def __init__(
        self,
        adapter: ModelAdapter,
        out: Path,
        *,
        workers: int,
        timeout_s: float,
        address: str | None = None,
    ) -> None:
        ray = import_ray()
        self.ray = ray
        self.out = Path(out)
        self.capacity = workers
        self.timeout_s = timeout_s
        self._started_ray = not ray.is_initialized()
        if self._started_ray:
            if address:
                ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False)
            else:
                ray.init(
                    num_cpus=workers,
                    include_dashboard=False,
                    logging_level=logging.WARNING,
                    log_to_driver=False,
                )
        self._remote = ray.remote(num_cpus=1, max_retries=0)(answer_on_ray)
        self._adapter = ray.put(adapter)
        self._running: dict[Any, tuple[Task, float]] = {}

    def submit(self, task: Task) -> None:
        reference = self._remote.remote(self._adapter, task)
        self._running[reference] = (task, time.monotonic())

    def in_flight(self) -> list[Task]:
        return [task for task, _ in self._running.values()]

    def wait(self, timeout_s: float) -> list[WorkResult]:
        finished: list[WorkResult] = []
        if not self._running:
            return finished
        now = time.monotonic()
        first_deadline = min(started for _, started in self._running.values()) + self.timeout_s
        ready, _ = self.ray.wait(
            list(self._running),
            num_returns=1,
            timeout=max(0.0, min(timeout_s, first_deadline - now)),
        )
        for reference in ready:
            task, started = self._running.pop(reference)
            finished.append(self._collect(reference, task, started))
        now = time.monotonic()
        for reference, (task, started) in list(self._running.items()):
            if now - started >= self.timeout_s:
                self.ray.cancel(reference, force=True)
                del self._running[reference]
                finished.append(
                    WorkResult(
                        key=task.key,
                        attempt=task.attempt,
                        status="timeout",
                        retryable=True,
                        error=f"no answer within {self.timeout_s:g} s",
                        seconds=now - started,
                    )
                )
        return finished

    def _collect(self, reference: Any, task: Task, started: float) -> WorkResult:
        # ray is the optional extra; import_ray has loaded it by the time a task finishes.
        from ray.exceptions import RayError, TaskCancelledError, WorkerCrashedError

        try:
            result: WorkResult = self.ray.get(reference)
        except (WorkerCrashedError, TaskCancelledError) as error:
            return self._lost(task, started, "crashed", f"the Ray worker died: {error}")
        except RayError as error:
            cause = str(error).strip().splitlines()
            return self._lost(task, started, "crashed", cause[-1] if cause else repr(error))
        if result.files is None or result.answer is None:
            return result
        modal, trace = publish_files(self.out, task.key, result.files)
        return dataclasses.replace(
            result, answer=published(result.answer, modal, trace), files=None
        )

    @staticmethod
    def _lost(task: Task, started: float, status: str, reason: str) -> WorkResult:
        logger.warning("instance %s: %s", "/".join(task.key), reason)
        return WorkResult(
            key=task.key,
            attempt=task.attempt,
            status=status,  # type: ignore[arg-type]
            retryable=True,
            error=reason[:2000],
            seconds=time.monotonic() - started,
        )

    def close(self) -> None:
        for reference in list(self._running):
            self.ray.cancel(reference, force=True)
        self._running.clear()
        if self._started_ray:
            self.ray.shutdown()
