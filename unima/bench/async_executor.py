"""Where a server-backed model runs with ``--concurrency N``: one event loop, N requests in flight.

A model behind a server (vLLM, any OpenAI-compatible endpoint) spends an instance waiting on the
network. The local pool would need a process per instance in flight to keep N requests at the
server; here one asyncio loop, on a thread of the driver process, answers instances through the
adapter's ``apredict`` (``models.ServerModelAdapter``).

What is bounded is requests at the server, not instances: an instance holds one of the N
request slots only while its request is out. Up to N / 2 more instances (at least one) are taken
on beside them, reading their inputs or writing their answers, so when a reply comes back the
next request is ready to go at once: the server's slots never wait on the harness's own work
(the answer's fsyncs, the driver's row), which at a fraction of a second per request would
otherwise cost a noticeable share of its throughput.

It keeps the contract of the other executors (``executors.Executor``): tasks in, ``WorkResult``s
out, never the store. Each answer's files are published into the run folder
(``work.publish_files``) before its result is handed back, so the row the driver then writes
always points at files that exist; results come back as they finish, one by one, so a run
interrupted mid-way keeps every answer that finished.

The per-instance deadline (``timeout_s``) cancels the attempt where it stands: a request is
stopped at once. It is paused while the instance waits for a request slot: that wait is other
instances' time, as a task queued for a busy local worker has not started its clock either.
Blocking steps (reading the inputs, decoding the reply's media) run on threads, which cannot be
stopped: an attempt whose deadline passes there is reported ``timeout`` at once and the
thread's late outcome is dropped. Publishing the files (milliseconds) is the exception: once it
has begun it is allowed to finish, so no abandoned attempt ever writes into an instance's folder
while its retry does.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import shutil
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from unima.bench.datasets.unim import UnimInstance
from unima.bench.models import ServerModelAdapter
from unima.bench.records import InstanceKey
from unima.bench.work import (
    STAGING,
    Task,
    WorkResult,
    answered,
    collect_files,
    failed_attempt,
    publish_files,
)

logger = logging.getLogger(__name__)

CLOSE_TIMEOUT_S = 30.0


class AsyncExecutor:
    """Runs tasks on an event loop in a thread of this process, ``concurrency`` requests at once.

    Args:
        adapter: the model; used in this process (not copied into workers).
        out: the run folder the answers are published into.
        concurrency: how many requests are at the server at once; ``capacity`` (the instances
            taken on) is half as many again.
        timeout_s: wall-clock limit of one instance (waiting for a request slot aside).
    """

    def __init__(
        self, adapter: ServerModelAdapter, out: Path, *, concurrency: int, timeout_s: float
    ) -> None:
        self.adapter = adapter
        self.out = Path(out)
        self.concurrency = concurrency
        self.capacity = concurrency + max(1, concurrency // 2)
        self.timeout_s = timeout_s
        self._finished: queue.Queue[WorkResult] = queue.Queue()
        # Read by the driver, changed by both threads.
        self._lock = threading.Lock()
        self._tasks: dict[InstanceKey, Task] = {}
        # Loop thread only: each running attempt, and the keys whose files are being published.
        self._jobs: dict[asyncio.Task[WorkResult], Task] = {}
        self._publishing: set[InstanceKey] = set()
        # Threads for the blocking steps: mostly fsyncs and file reads, so more than the cores.
        self._threads = ThreadPoolExecutor(
            max_workers=min(64, concurrency + 4), thread_name_prefix="unima-bench-blocking"
        )
        self._loop = asyncio.new_event_loop()
        self._loop.set_default_executor(self._threads)
        self._request_slots = asyncio.Semaphore(concurrency)
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="unima-bench-loop", daemon=True
        )
        self._thread.start()

    def submit(self, task: Task) -> None:
        with self._lock:
            self._tasks[task.key] = task
        self._loop.call_soon_threadsafe(self._start, task)

    def in_flight(self) -> list[Task]:
        with self._lock:
            return list(self._tasks.values())

    def wait(self, timeout_s: float) -> list[WorkResult]:
        """Results that finished within ``timeout_s`` (maybe none: the caller refreshes)."""
        try:
            results = [self._finished.get(timeout=timeout_s)]
        except queue.Empty:
            return []
        while True:
            try:
                results.append(self._finished.get_nowait())
            except queue.Empty:
                break
        with self._lock:
            for result in results:
                self._tasks.pop(result.key, None)
        return results

    def close(self) -> None:
        """Cancel every attempt still in flight (the caller re-queues them), close the model's
        client and stop the loop."""
        if self._loop.is_closed():
            return
        stopping = asyncio.run_coroutine_threadsafe(self._stop_all(), self._loop)
        try:
            stopping.result(timeout=CLOSE_TIMEOUT_S)
        except Exception:  # a timeout included: stop the loop anyway
            logger.warning("the bench event loop did not stop cleanly", exc_info=True)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=CLOSE_TIMEOUT_S)
        if not self._thread.is_alive():
            self._loop.close()
        # Threads still reading an abandoned instance's inputs finish on their own.
        self._threads.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            self._tasks.clear()
        self.adapter.close()

    # -- on the loop -----------------------------------------------------------------------

    def _start(self, task: Task) -> None:
        job = self._loop.create_task(self._attempt(task))
        self._jobs[job] = task
        job.add_done_callback(self._landed)

    def _landed(self, job: asyncio.Task[WorkResult]) -> None:
        task = self._jobs.pop(job)
        if job.cancelled():  # close(): the driver puts the instance back to pending
            return
        error = job.exception()
        if error is None:
            self._finished.put(job.result())
            return
        # _attempt turns every model failure into a result; this is a bug here, and still
        # costs only this instance (an in-flight task that never returned would stall the run).
        logger.error("instance %s: %r", "/".join(task.key), error)
        self._finished.put(
            WorkResult(
                key=task.key,
                attempt=task.attempt,
                status="crashed",
                retryable=True,
                error=f"the bench event loop failed on this instance: {error!r}",
            )
        )

    async def _attempt(self, task: Task) -> WorkResult:
        """Answer ``task`` and publish its files, under the instance's deadline."""
        started = time.monotonic()
        staging = self.out / STAGING
        staging.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix="answer-", dir=staging))
        deadline = asyncio.timeout(self.timeout_s)
        try:
            async with deadline:
                instance = UnimInstance.model_validate(task.instance)
                answer_dir = scratch / "answer"
                answer_dir.mkdir()
                prediction = await self.adapter.apredict(
                    instance,
                    Path(task.media_root),
                    answer_dir,
                    request_slot=_RequestSlot(self._request_slots, deadline),
                )
                sources = collect_files(prediction, answer_dir, task.key)
                # From here the attempt is not abandoned: half-published files would mix
                # with its retry's.
                deadline.reschedule(None)
                self._publishing.add(task.key)
                try:
                    modal, trace = await asyncio.to_thread(
                        publish_files, self.out, task.key, sources
                    )
                finally:
                    self._publishing.discard(task.key)
            return answered(task, prediction, modal, trace, started)
        except TimeoutError as error:
            if not deadline.expired():  # raised by the model code, not our deadline
                return failed_attempt(task, error, started)
            logger.warning("instance %s: no answer within %g s", "/".join(task.key), self.timeout_s)
            return WorkResult(
                key=task.key,
                attempt=task.attempt,
                status="timeout",
                retryable=True,
                error=f"no answer within {self.timeout_s:g} s",
                seconds=time.monotonic() - started,
            )
        except Exception as error:  # a model bug must cost this instance only, not the run
            return failed_attempt(task, error, started)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    async def _stop_all(self) -> None:
        jobs = list(self._jobs.items())
        for job, task in jobs:
            if task.key not in self._publishing:
                job.cancel()
        await asyncio.gather(*(job for job, _ in jobs), return_exceptions=True)
        await self.adapter.aclose()


class _RequestSlot:
    """One attempt's turn at the server: a slot of ``slots``, the attempt's deadline paused
    while it waits for one."""

    def __init__(self, slots: asyncio.Semaphore, deadline: asyncio.Timeout) -> None:
        self._slots = slots
        self._deadline = deadline

    async def __aenter__(self) -> None:
        loop = asyncio.get_running_loop()
        when = self._deadline.when()
        paused = loop.time()
        self._deadline.reschedule(None)
        try:
            await self._slots.acquire()
        finally:
            if when is not None and not self._deadline.expired():
                self._deadline.reschedule(when + loop.time() - paused)

    async def __aexit__(self, *exception: object) -> None:
        self._slots.release()
