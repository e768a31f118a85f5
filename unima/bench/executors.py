"""Where instances run: a pool of local worker processes (this module) or Ray (``ray_executor``).

An executor takes ``Task``s while it has capacity and hands back ``WorkResult``s; it never
touches the store. The local pool keeps one long-lived process per worker slot, so a model is
built once per worker, and supervises each process directly instead of using
``multiprocessing.Pool``: a pool cannot tell which task killed a worker and hangs or breaks
every in-flight task when one dies. Here a segfault, ``os._exit`` or a hang past the deadline
costs exactly the one instance in that worker, which is killed and replaced.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from unima.bench.work import Task, WorkResult, run_task

if TYPE_CHECKING:
    from multiprocessing.context import SpawnProcess

    from unima.bench.models import ModelAdapter

logger = logging.getLogger(__name__)

START_TIMEOUT_S = 120.0
MAX_TASKS_PER_WORKER = 50  # replace workers now and then to contain leaks in model code


class Executor(Protocol):
    """The runner's view of an executor."""

    capacity: int

    def submit(self, task: Task) -> None: ...

    def wait(self, timeout_s: float) -> list[WorkResult]: ...

    def in_flight(self) -> list[Task]: ...

    def close(self) -> None: ...


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this worker when the driver dies, so no orphan writes the run."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the closed pipe still stops the worker
        pass


def _worker_main(connection: Connection, adapter: ModelAdapter, out: str, parent: int) -> None:
    # Ctrl+C reaches the whole process group; the driver decides what stops and when.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    if os.getppid() != parent:  # the driver died before prctl took effect
        return
    connection.send("ready")
    try:
        while True:
            try:
                task = connection.recv()
            except EOFError:
                break
            if task is None:
                break
            connection.send(run_task(adapter, task, Path(out)))
    finally:
        adapter.close()


@dataclass
class _Slot:
    process: SpawnProcess
    connection: Connection
    started: float
    ready: bool = False
    task: Task | None = None
    deadline: float = 0.0
    sent: float = 0.0
    done: int = 0


class LocalExecutor:
    """Runs tasks in ``workers`` supervised processes, each under ``timeout_s`` per instance.

    Args:
        adapter: the model; pickled into each worker (adapters pickle as spec plus options).
        out: the run folder the workers publish files into.
        workers: how many instances run at once.
        timeout_s: wall-clock limit of one instance; past it the worker is killed.
        max_tasks_per_worker: replace a worker after this many instances.
    """

    def __init__(
        self,
        adapter: ModelAdapter,
        out: Path,
        *,
        workers: int,
        timeout_s: float,
        max_tasks_per_worker: int = MAX_TASKS_PER_WORKER,
    ) -> None:
        self.adapter = adapter
        self.out = Path(out)
        self.capacity = workers
        self.timeout_s = timeout_s
        self.max_tasks_per_worker = max_tasks_per_worker
        # spawn: a fresh interpreter holds none of the driver's threads, locks or SQLite handles.
        self._context = multiprocessing.get_context("spawn")
        self._slots: list[_Slot] = []
        self._queued: deque[Task] = deque()
        self._finished: list[WorkResult] = []

    def submit(self, task: Task) -> None:
        self._queued.append(task)
        self._dispatch()

    def in_flight(self) -> list[Task]:
        return [slot.task for slot in self._slots if slot.task is not None] + list(self._queued)

    def wait(self, timeout_s: float) -> list[WorkResult]:
        """Results that finished within ``timeout_s`` (maybe none: the caller refreshes)."""
        end = time.monotonic() + timeout_s
        while not self._finished:
            now = time.monotonic()
            self._expire(now)
            if self._finished or now >= end:
                break
            waitables: list[Any] = []
            next_deadline = end
            for slot in self._slots:
                waitables += [slot.connection, slot.process.sentinel]
                limit = (
                    slot.deadline if slot.task and slot.ready else slot.started + START_TIMEOUT_S
                )
                next_deadline = min(next_deadline, limit)
            if not waitables:
                break
            for ready in wait(waitables, timeout=max(0.0, next_deadline - now)):
                owner = self._slot_of(ready)
                if owner is not None:
                    self._service(owner)
        self._dispatch()
        finished, self._finished = self._finished, []
        return finished

    def close(self) -> None:
        """Stop every worker: idle ones are asked to exit, busy ones are killed (their tasks
        are abandoned; the caller re-queues them)."""
        for slot in list(self._slots):
            if slot.task is None and slot.ready:
                self._retire(slot)
            else:
                self._kill(slot)
                self._slots.remove(slot)
        self._queued.clear()

    # -- supervision -----------------------------------------------------------------------

    def _start(self) -> _Slot:
        parent_end, child_end = self._context.Pipe()
        process = self._context.Process(
            target=_worker_main,
            args=(child_end, self.adapter, str(self.out), os.getpid()),
            daemon=True,
            name="unima-bench-worker",
        )
        process.start()
        child_end.close()
        slot = _Slot(process=process, connection=parent_end, started=time.monotonic())
        self._slots.append(slot)
        return slot

    def _dispatch(self) -> None:
        while self._queued:
            idle = next((s for s in self._slots if s.task is None), None)
            if idle is None and len(self._slots) < self.capacity:
                idle = self._start()
            if idle is None:
                return
            idle.task = self._queued.popleft()
            if idle.ready:
                self._send(idle)

    def _send(self, slot: _Slot) -> None:
        assert slot.task is not None
        slot.sent = time.monotonic()
        slot.deadline = slot.sent + self.timeout_s
        try:
            slot.connection.send(slot.task)
        except (BrokenPipeError, OSError):
            self._lose(slot, "crashed", "the worker process died before it got the instance")

    def _slot_of(self, ready: Any) -> _Slot | None:
        for slot in self._slots:
            if ready is slot.connection or ready == slot.process.sentinel:
                return slot
        return None

    def _service(self, slot: _Slot) -> None:
        try:
            if not slot.connection.poll():
                if not slot.process.is_alive():
                    slot.process.join(timeout=1)
                    self._lose(slot, "crashed", _death_reason(slot.process.exitcode))
                return
            message = slot.connection.recv()
        except (EOFError, OSError):
            slot.process.join(timeout=1)
            self._lose(slot, "crashed", _death_reason(slot.process.exitcode))
            return
        if message == "ready":
            slot.ready = True
            if slot.task is not None:
                self._send(slot)
            return
        self._finished.append(message)
        slot.task = None
        slot.done += 1
        if slot.done >= self.max_tasks_per_worker:
            self._retire(slot)

    def _expire(self, now: float) -> None:
        for slot in list(self._slots):
            if slot.task is not None and slot.ready and now >= slot.deadline:
                self._lose(slot, "timeout", f"no answer within {self.timeout_s:g} s")
            elif not slot.ready and now >= slot.started + START_TIMEOUT_S:
                self._lose(slot, "crashed", f"the worker did not start in {START_TIMEOUT_S:g} s")

    def _lose(self, slot: _Slot, status: str, reason: str) -> None:
        """The worker in ``slot`` is dead or hung: fail its instance and replace it."""
        self._kill(slot)
        self._slots.remove(slot)
        if slot.task is not None:
            self._finished.append(
                WorkResult(
                    key=slot.task.key,
                    attempt=slot.task.attempt,
                    status=status,  # type: ignore[arg-type]
                    retryable=True,
                    error=reason,
                    seconds=time.monotonic() - (slot.sent or slot.started),
                )
            )
            logger.warning("instance %s: %s", "/".join(slot.task.key), reason)

    def _retire(self, slot: _Slot) -> None:
        with contextlib.suppress(OSError):
            slot.connection.send(None)
        slot.process.join(timeout=1)  # then kill: an idle worker has nothing to lose
        self._kill(slot)
        self._slots.remove(slot)

    @staticmethod
    def _kill(slot: _Slot) -> None:
        if slot.process.is_alive():
            slot.process.kill()
        slot.process.join(timeout=5)
        slot.connection.close()
        slot.process.close()


def _death_reason(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return f"the worker process died with {name}"
    return f"the worker process exited with status {exitcode} while answering"
