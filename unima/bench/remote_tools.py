"""Model-backed tools under ``--executor ray``: one actor per model, a proxy in every instance.

Each Ray task builds its own agent, so without this every worker process would load its own
copy of each diffusion pipeline or TTS voice: N workers, N copies of a multi-gigabyte model on
the accelerator. Instead the executor starts one actor per heavy backend (``Tool.heavy``) that
holds the real tool and loads its model once, and the instances' agents reach it through a
proxy tool under the same name.

The proxy sends the step's arguments, seed, settings and tag with the dependency artifacts'
file bytes (nodes share no file system), the actor runs ``tool.run`` in a scratch folder and
sends the made file's bytes and meta back, and the proxy writes the file into the step's work
folder. Everything else stays in the instance: the proxy is a subclass of the real tool class
made at run time (``proxy_class``), so argument validation, ``cache_settings`` and ``verify``
(which loads no generating model) are the real ones, and ``backend_version`` is the one the
actor reported. It also claims the real class's module, which names the code version in the
artifact cache key, so a step cached by a local run is a cache hit here and the reverse.

Ray is imported only by the functions that talk to actors: this module is imported by the
``unima`` model adapter, which must stay light.
"""

from __future__ import annotations

import functools
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unima.errors import ConfigError, InputError, ToolError
from unima.filenames import safe_file_name, safe_suffix
from unima.tools import TOOL_BACKENDS, Tool, ToolContext, ToolOutput
from unima.tools.models.loading import SHARED_MODELS
from unima.tools.models.specs import BackendChoice
from unima.types import Artifact

# The Ray resources a ``tool_actor_resources`` option may name.
RESOURCE_NAMES = ("num_cpus", "num_gpus", "memory", "resources", "accelerator_type")


def tool_class(tool_name: str, spec: str) -> type[Tool]:
    """The registered class of the backend ``spec`` (``diffusers:/models/sd``) of ``tool_name``."""
    return TOOL_BACKENDS.get(f"{tool_name}/{BackendChoice.parse(spec).backend}")


def build_tool(tool_name: str, spec: str) -> Tool:
    """The real tool behind ``tool_name=spec``, as the toolbox builds it."""
    location = BackendChoice.parse(spec).location
    cls = tool_class(tool_name, spec)
    return cls(location) if location is not None else cls()


# -- what crosses between an instance and an actor ----------------------------------------------


@dataclass(frozen=True)
class RemoteCall:
    """One step for an actor: what ``ToolContext`` holds, with the dependencies' file bytes."""

    arguments: Any
    seed: int
    settings: Any
    tag: str | None
    dependencies: dict[str, tuple[Artifact, bytes]] = field(default_factory=dict)


@dataclass(frozen=True)
class RemoteOutput:
    """The file an actor's tool made (bytes, since the nodes share no file system)."""

    file_name: str
    content: bytes
    mime: str
    meta: dict[str, Any]


@dataclass(frozen=True)
class RemoteFailure:
    """An error raised on the actor, as plain data (not every ``UnimaError`` pickles back).

    Attributes:
        error_type: the class name of the error raised there.
        message: its message.
        recoverable: whether the judge may retry the step.
        tool_error: whether it was a ``ToolError`` (its message already names the tool).
    """

    error_type: str
    message: str
    recoverable: bool
    tool_error: bool

    @classmethod
    def of(cls, error: Exception) -> RemoteFailure:
        if isinstance(error, ToolError):
            return cls(type(error).__name__, str(error), error.recoverable, tool_error=True)
        # A bad setting or input fails the same way on the next try; anything else may not.
        recoverable = not isinstance(error, ConfigError | InputError)
        return cls(type(error).__name__, str(error), recoverable, tool_error=False)

    def tool_failure(self, tool_name: str) -> ToolError:
        """The error the step reports, as a ``ToolError`` (the dispatcher's failure path)."""
        message = self.message if self.tool_error else f"{self.error_type}: {self.message}"
        error = ToolError(message, recoverable=self.recoverable)
        error.tool = tool_name
        return error


@dataclass(frozen=True)
class HostReport:
    """What one actor did in a run, read before it is closed."""

    tool: str
    spec: str
    runs: int
    models: list[tuple[str, ...]]


# -- the actor ----------------------------------------------------------------------------------


class ToolHost:
    """The body of one tool actor: the real tool, its model loaded once on first use.

    Args:
        tool_name: the tool name (``generate_image``).
        spec: the backend spec (``diffusers:/models/sd-turbo``).
    """

    def __init__(self, tool_name: str, spec: str) -> None:
        self.tool_name = tool_name
        self.spec = spec
        self.tool = build_tool(tool_name, spec)
        self.runs = 0
        self._runs_lock = threading.Lock()  # the actor runs several steps at once

    def ready(self, settings: Any) -> str | RemoteFailure:
        """Check the backend here, where it will run (extra, folder, device); its version."""
        try:
            self.tool.check_ready(settings)
            return self.tool.backend_version()
        except Exception as error:  # reported to the driver, which refuses the run
            return RemoteFailure.of(error)

    def run(self, call: RemoteCall) -> RemoteOutput | RemoteFailure:
        """Run the tool on ``call`` in a scratch folder and return the file it made."""
        scratch = Path(tempfile.mkdtemp(prefix=f"unima-{self.tool_name}-"))
        try:
            context = ToolContext(
                work_dir=scratch / "work",
                dependencies=write_dependencies(call.dependencies, scratch / "inputs"),
                seed=call.seed,
                settings=call.settings,
                tag=call.tag,
            )
            context.work_dir.mkdir()
            output = self.tool.run(call.arguments, context)
            path = Path(output.path)
            return RemoteOutput(
                file_name=path.name,
                content=path.read_bytes(),
                mime=output.mime,
                meta=dict(output.meta),
            )
        except Exception as error:  # a failed step costs that step, like a local tool's
            return RemoteFailure.of(error)
        finally:
            with self._runs_lock:
                self.runs += 1
            shutil.rmtree(scratch, ignore_errors=True)

    def report(self) -> HostReport:
        """How many steps this actor ran and which models it holds (``SHARED_MODELS`` keys)."""
        return HostReport(self.tool_name, self.spec, self.runs, SHARED_MODELS.loaded_keys())

    def close(self) -> HostReport:
        """Free the model and its accelerator memory; what the actor did."""
        report = self.report()
        self.tool.close()
        return report


def write_dependencies(
    dependencies: dict[str, tuple[Artifact, bytes]], folder: Path
) -> dict[str, Artifact]:
    """The dependency artifacts with their bytes written under ``folder`` and paths pointing
    there."""
    folder.mkdir(parents=True)
    placed: dict[str, Artifact] = {}
    for index, (step_id, (artifact, content)) in enumerate(sorted(dependencies.items())):
        path = folder / f"{index}{safe_suffix(Path(artifact.path).suffix)}"
        path.write_bytes(content)
        placed[step_id] = artifact.model_copy(update={"path": str(path)})
    return placed


# -- the proxy ----------------------------------------------------------------------------------


class RemoteRun(Tool):
    """What a proxy changes of the real tool class: ``run`` goes to the actor.

    Mixed in before the real class by ``proxy_class``; never used alone.

    Args:
        location: the backend's location, as the real tool takes it.
        actor: the Ray actor holding the real tool (a ``ToolHost``).
        version: the real tool's ``backend_version`` on the actor.
    """

    def __init__(self, location: str | None = None, *, actor: Any, version: str) -> None:
        super().__init__(location)
        self.actor = actor
        self.remote_version = version

    def check_ready(self, settings: Any) -> None:
        """Nothing to check here: the actor checked the backend where it runs."""
        return None

    def backend_version(self) -> str:
        return self.remote_version

    def close(self) -> None:
        """Nothing held here: the executor closes the actor at the end of the run."""
        return None

    def run(self, arguments: Any, context: ToolContext) -> ToolOutput:
        """Send the step to the actor and write the file it made into ``context.work_dir``."""
        # ray: the optional extra; a proxy exists only inside a Ray task, where it is loaded.
        import ray
        from ray.exceptions import GetTimeoutError, RayActorError, RayError

        call = RemoteCall(
            arguments=arguments,
            seed=context.seed,
            settings=context.settings,
            tag=context.tag,
            dependencies={
                step_id: (artifact, Path(artifact.path).read_bytes())
                for step_id, artifact in context.dependencies.items()
            },
        )
        timeout_s = getattr(context.settings, "step_timeout_s", None)
        reference = self.actor.run.remote(call)
        try:
            reply = ray.get(reference, timeout=timeout_s)
        except GetTimeoutError:
            # The actor finishes the step anyway and its answer is dropped: a running actor
            # task cannot be interrupted, and the model's lock keeps later steps behind it.
            raise ToolError(
                f"the {self.backend} model on Ray made nothing within {timeout_s:g} s",
                tool=self.name,
            ) from None
        except RayActorError as error:
            raise ToolError(
                f"the Ray actor holding the {self.backend} model died: {error}", tool=self.name
            ) from None
        except RayError as error:
            raise ToolError(
                f"Ray could not reach the {self.backend} model: {error}", tool=self.name
            ) from None
        if isinstance(reply, RemoteFailure):
            raise reply.tool_failure(self.name)
        path = context.work_dir / safe_file_name(Path(reply.file_name).name, fallback="output")
        path.write_bytes(reply.content)
        return ToolOutput(path=path, mime=reply.mime, meta=reply.meta)


@functools.cache
def proxy_class(real: type[Tool]) -> type[RemoteRun]:
    """``real`` with ``RemoteRun`` in front, named ``Remote<Class>`` in ``real``'s module.

    The module is the real one on purpose: the artifact cache key's code version is the source
    hash of the tool class's module, and the proxy makes what the real class makes.
    """
    name = f"Remote{real.__name__}"
    namespace = {"__module__": real.__module__, "__qualname__": name, "__doc__": real.__doc__}
    proxy: type[RemoteRun] = type(name, (RemoteRun, real), namespace)
    return proxy


def remote_tool(tool_name: str, reference: dict[str, str]) -> Tool:
    """The proxy for the actor ``reference`` names (``ray_executor.ToolHosts.references``)."""
    # ray: the optional extra; proxies are built only inside Ray tasks.
    import ray

    spec = reference["spec"]
    return proxy_class(tool_class(tool_name, spec))(
        BackendChoice.parse(spec).location,
        actor=ray.get_actor(reference["actor"]),
        version=reference["backend_version"],
    )


def remote_tools(references: dict[str, dict[str, str]]) -> dict[str, Tool]:
    """Proxies by tool name, for ``UniMA(tools=...)``."""
    return {name: remote_tool(name, reference) for name, reference in references.items()}


# -- the actors' resources -----------------------------------------------------------------------


def check_resources(resources: Any) -> dict[str, Any]:
    """``resources`` as Ray actor options, or a ``ConfigError`` naming what is wrong."""
    if not isinstance(resources, dict) or not resources:
        raise ConfigError(
            f"tool_actor_resources must be Ray resources for each model actor, such as "
            f'{{"num_gpus": 1}} or {{"num_cpus": 2}}, not {resources!r}'
        )
    unknown = sorted(set(resources) - set(RESOURCE_NAMES))
    if unknown:
        raise ConfigError(
            f"tool_actor_resources names {', '.join(map(repr, unknown))}; "
            f"use {', '.join(RESOURCE_NAMES)}"
        )
    return dict(resources)
