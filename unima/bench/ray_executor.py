"""``--executor ray``: instances as Ray tasks, results funnelled into the driver's store.

Each instance is one task with a resource hint (``num_cpus=1``) and no Ray-level retries: the
runner owns retries, so they are bounded and recorded in one place. A task answers into a
temporary folder on its node and returns the files' bytes; the driver publishes them into the
run folder, so nodes need no shared file system for outputs (they do need the dataset's media
at the same path). A task past its deadline is cancelled with ``force=True``, which kills its
worker process; a crashed worker surfaces as ``WorkerCrashedError``. Either costs one instance.

Model-backed tool backends (``Tool.heavy``: diffusers, Shap-E, Coqui) of the ``unima`` model
do not load in every worker: the executor starts one actor per backend, holding the model on
a GPU (``unima.bench.remote_tools``), and the instances reach it through proxy tools. The
actors are killed, and their models' memory freed, when the executor closes.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import time
import uuid
from pathlib import Path
from typing import Any, NamedTuple

from unima.bench.model_unima import UnimaModel
from unima.bench.models import ModelAdapter
from unima.bench.remote_tools import HostReport, RemoteFailure, ToolHost
from unima.bench.work import Task, WorkResult, publish_files, published, run_task
from unima.errors import ConfigError, MissingExtraError

logger = logging.getLogger(__name__)

# Steps one model actor takes at once. The model runs one call at a time (its
# ``LoadedModel.lock``); the other threads write inputs, encode outputs and draw what a backend
# makes without its model (charts) meanwhile, and ``close`` is answered while a step runs.
HOST_CONCURRENCY = 4
# How long closing waits for an actor to free its model, and then for it to be gone.
CLOSE_TIMEOUT_S = 30.0

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
            local Ray with ``workers`` CPUs, plus one for each model actor.

    Raises:
        ConfigError: a model actor cannot be placed, or its backend is not ready on it.
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
        heavy = adapter.heavy_backends() if isinstance(adapter, UnimaModel) else {}
        if self._started_ray:
            if address:
                ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False)
            else:
                ray.init(
                    # A model actor on this machine's CPU holds one; the tasks keep theirs.
                    num_cpus=workers + len(heavy),
                    include_dashboard=False,
                    logging_level=logging.WARNING,
                    log_to_driver=False,
                )
        self._hosts: ToolHosts | None = None
        self.host_reports: list[HostReport] = []
        if heavy:
            assert isinstance(adapter, UnimaModel)
            try:
                self._hosts = ToolHosts.start(
                    ray,
                    heavy,
                    settings=adapter.agent.settings,
                    resources=adapter.actor_resources,
                    timeout_s=timeout_s,
                )
            except BaseException:
                if self._started_ray:
                    ray.shutdown()
                raise
            adapter = adapter.with_remote_tools(self._hosts.references())
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
        if self._hosts is not None:
            self.host_reports = self._hosts.close()
            self._hosts = None
        if self._started_ray:
            self.ray.shutdown()


def default_resources(ray: Any, count: int) -> dict[str, Any]:
    """One GPU per actor when the cluster has them (a share of them when it has fewer GPUs
    than actors, so every actor is placed), else one CPU."""
    gpus = float(ray.cluster_resources().get("GPU", 0.0))
    if gpus <= 0:
        return {"num_cpus": 1}
    # Ray takes GPU fractions to four decimals; round down so the shares fit.
    return {"num_gpus": min(1.0, math.floor(gpus / count * 1000) / 1000)}


class ToolActor(NamedTuple):
    """One model actor: the backend it holds, its Ray name and handle, its backend version."""

    spec: str
    name: str
    handle: Any
    version: str = ""


class ToolHosts:
    """The actors of one run, one per heavy backend, closed (models freed, actors killed) at
    its end.

    Use ``start``; ``references`` goes to the instances (``UnimaModel.with_remote_tools``).
    """

    def __init__(self, ray: Any) -> None:
        self.ray = ray
        self.actors: dict[str, ToolActor] = {}

    @classmethod
    def start(
        cls,
        ray: Any,
        backends: dict[str, str],
        *,
        settings: Any,
        resources: dict[str, Any] | None,
        timeout_s: float,
    ) -> ToolHosts:
        """Start one actor per ``backends`` entry and wait until each has checked its backend.

        Raises:
            ConfigError: an actor cannot be placed within ``timeout_s`` (no such resources
                free), or its backend is not ready there (the check's own message).
        """
        options = resources or default_resources(ray, len(backends))
        actor_class = ray.remote(ToolHost)
        hosts = cls(ray)
        try:
            for tool_name, spec in backends.items():
                name = f"unima-{tool_name}-{uuid.uuid4().hex[:10]}"
                try:
                    handle = actor_class.options(
                        name=name,
                        max_concurrency=HOST_CONCURRENCY,
                        # The runner owns retries; a crashed actor comes back once, reloading.
                        max_restarts=1,
                        max_task_retries=0,
                        **options,
                    ).remote(tool_name, spec)
                except (TypeError, ValueError) as error:
                    raise ConfigError(
                        f"Ray refused the model actor's options {options}: {error}"
                    ) from error
                hosts.actors[tool_name] = ToolActor(spec, name, handle)
            for tool_name, actor in hosts.actors.items():
                version = hosts._ready(tool_name, actor, settings, options, timeout_s)
                hosts.actors[tool_name] = actor._replace(version=version)
        except BaseException:
            hosts.kill()  # an actor that never started would not answer a close
            raise
        return hosts

    def _ready(
        self,
        tool_name: str,
        actor: ToolActor,
        settings: Any,
        options: dict[str, Any],
        timeout_s: float,
    ) -> str:
        """The backend version the actor reports once it has checked its backend."""
        from ray.exceptions import GetTimeoutError, RayError

        spec = actor.spec
        try:
            reply = self.ray.get(actor.handle.ready.remote(settings), timeout=timeout_s)
        except GetTimeoutError:
            raise ConfigError(
                f"the Ray actor for {tool_name}={spec} did not start within {timeout_s:g} s: "
                f"does the cluster have {options} free? Set other resources with "
                "--model-option tool_actor_resources='{\"num_gpus\": 0.5}'"
            ) from None
        except RayError as error:
            raise ConfigError(f"the Ray actor for {tool_name}={spec} failed: {error}") from None
        if isinstance(reply, RemoteFailure):
            raise ConfigError(f"{tool_name}={spec} on its Ray actor: {reply.message}")
        return str(reply)

    def references(self) -> dict[str, dict[str, str]]:
        """What an instance needs to reach each actor: plain values, by tool name."""
        return {
            tool_name: {"spec": actor.spec, "actor": actor.name, "backend_version": actor.version}
            for tool_name, actor in self.actors.items()
        }

    def close(self) -> list[HostReport]:
        """Free each actor's model, kill it and wait until it is gone; what each one did."""
        from ray.exceptions import GetTimeoutError, RayError

        reports: list[HostReport] = []
        for tool_name, actor in self.actors.items():
            try:
                report = self.ray.get(actor.handle.close.remote(), timeout=CLOSE_TIMEOUT_S)
            except (GetTimeoutError, RayError) as error:
                logger.warning(
                    "the Ray actor for %s=%s did not close: %s", tool_name, actor.spec, error
                )
                continue
            reports.append(report)
            logger.info(
                "%s=%s on Ray: %d steps, models loaded: %s",
                tool_name,
                actor.spec,
                report.runs,
                report.models,
            )
        self.kill()
        return reports

    def kill(self) -> None:
        """Kill every actor and wait until each is gone (its memory is free then)."""
        for actor in self.actors.values():
            self.ray.kill(actor.handle, no_restart=True)
        names = [actor.name for actor in self.actors.values()]
        self.actors.clear()
        # ray.kill only asks; wait for the processes, so the next run finds the memory free.
        deadline = time.monotonic() + CLOSE_TIMEOUT_S
        while names and time.monotonic() < deadline:
            alive = set(self.ray.util.list_named_actors())
            names = [name for name in names if name in alive]
            if names:
                time.sleep(0.1)
        if names:
            logger.warning("Ray actors still alive after closing: %s", ", ".join(names))
