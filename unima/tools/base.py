"""The tool contract: one class per tool backend, with a name, an argument model and ``run``.

A tool makes one file from validated arguments and checks it with ``verify``. The dispatcher
(``unima.graph.dispatch``) validates arguments, runs the tool in a worker thread with a timeout,
verifies the output, stores it in the content-addressed ``ArtifactStore`` and records the event.
Tools never see graph state; everything they may use arrives in a ``ToolContext``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from unima.errors import ConfigError
from unima.types import Artifact, Modality, Verification


class ToolArguments(BaseModel):
    """Base of every tool's argument model: unknown arguments are a validation error."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class ToolContext:
    """What a tool may use besides its arguments.

    Attributes:
        work_dir: a fresh, empty folder for this step's files.
        dependencies: artifacts of the steps this one depends on, by step id.
        seed: the run's seed, for tools with randomness.
        settings: the run's ``unima.config.Settings``.
        tag: the placeholder tag this step produces, if any.
    """

    work_dir: Path
    dependencies: dict[str, Artifact] = field(default_factory=dict)
    seed: int = 0
    settings: Any = None
    tag: str | None = None


@dataclass(frozen=True)
class ToolOutput:
    """A file a tool made, before it is verified and stored."""

    path: Path
    mime: str
    meta: dict[str, Any] = field(default_factory=dict)


class Tool(ABC):
    """A tool the planner can call.

    Subclasses set ``name`` (a verb the planner sees, never a backend name), ``modality`` (of the
    artifact), ``backend``, ``description`` (one line for planners) and ``Arguments``.
    """

    name: ClassVar[str]
    modality: ClassVar[Modality]
    backend: ClassVar[str]
    description: ClassVar[str]
    Arguments: ClassVar[type[ToolArguments]]
    # What the part after ``BACKEND:`` in a backend spec names (a model folder, a model name);
    # None for backends that take no location.
    location_help: ClassVar[str | None] = None
    # True for backends that load a local model (a diffusion pipeline, a TTS voice): under
    # ``--executor ray`` such a backend runs in one shared actor instead of in every worker.
    heavy: ClassVar[bool] = False
    location: str | None = None

    def __init__(self, location: str | None = None) -> None:
        if location is not None and self.location_help is None:
            raise ConfigError(
                f"the {self.backend!r} backend of {self.name} takes no location, got {location!r}"
            )
        self.location = location

    def check_ready(self, settings: Any) -> None:
        """Raise a typed error now if this backend cannot work with ``settings`` (a missing
        extra, model folder or device), before a run starts. Loads nothing heavy."""
        return None

    def close(self) -> None:
        """Release what this backend holds (loaded models, accelerator memory)."""
        return None

    def cache_settings(self, settings: Any) -> dict[str, Any]:
        """The settings that change what this backend makes (steps, size, speaker, device
        and dtype ...): part of the artifact cache key, so a file made with other settings is
        never served for these. Empty for backends that read no settings."""
        return {}

    def backend_version(self) -> str:
        """Version of the library or model behind this backend (recorded in traces)."""
        return ""

    def parse_arguments(self, raw: dict[str, Any]) -> ToolArguments:
        """Validate planner-supplied arguments (raises ``pydantic.ValidationError``)."""
        return self.Arguments.model_validate(raw)

    @abstractmethod
    def run(self, arguments: Any, context: ToolContext) -> ToolOutput:
        """Make the artifact file inside ``context.work_dir``.

        Raise ``unima.errors.ToolError`` for failures; set ``recoverable=False`` when a retry
        cannot help.
        """

    @abstractmethod
    def verify(self, output: ToolOutput, arguments: Any, context: ToolContext) -> Verification:
        """Check the file ``run`` made (decodes, not blank, expected content ...)."""
