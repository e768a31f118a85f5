"""The tools one agent uses: tool names mapped to backend instances, created once and reused.

Backends are chosen per tool by spec (``{"generate_image": "diffusers:/models/sd-turbo"}``,
see ``unima.tools.models.specs``); ``check`` asks each chosen backend whether it can work
(extra installed, model folder present, device available) so a bad choice fails before a run.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from unima.errors import ConfigError
from unima.tools import DEFAULT_BACKENDS, TOOL_BACKENDS, Tool
from unima.tools.models.specs import BackendChoice, merge_backends


class Toolbox:
    """Resolves the tool names a planner uses to tool objects.

    Args:
        backends: tool name to backend spec overrides (``{"generate_image":
            "diffusers:/models/sd-turbo"}``, ``{"synthesize_speech": "piper"}``).
        tools: tool objects to use as they are, by tool name (fakes in tests, custom tools).

    Raises:
        ConfigError: a backend spec that cannot be read, or names an unknown tool or backend.
    """

    def __init__(
        self,
        backends: Mapping[str, str] | None = None,
        tools: dict[str, Tool] | None = None,
    ) -> None:
        self._backends: dict[str, BackendChoice] = merge_backends(DEFAULT_BACKENDS, backends)
        self._instances: dict[str, Tool] = dict(tools or {})
        self._lock = threading.Lock()
        for name, tool in self._instances.items():
            if tool.name != name:
                raise ConfigError(
                    f"tool object {tool!r} is named {tool.name!r}, registered as {name!r}"
                )
        for name, choice in self._backends.items():
            if name in self._instances:
                continue
            if name not in DEFAULT_BACKENDS:
                raise ConfigError(
                    f"cannot choose a backend for the unknown tool {name!r}; "
                    f"tools: {', '.join(sorted(DEFAULT_BACKENDS))}"
                )
            registered = f"{name}/{choice.backend}"
            if registered not in TOOL_BACKENDS:
                known = sorted(
                    entry.partition("/")[2]
                    for entry in TOOL_BACKENDS.names()
                    if entry.startswith(f"{name}/")
                )
                raise ConfigError(
                    f"unknown backend {choice.backend!r} for {name}; known: {', '.join(known)}"
                )

    def backend_specs(self) -> dict[str, str]:
        """Each tool's backend spec (``diffusers:/models/sd``), or ``custom`` for tool objects."""
        return {
            name: "custom"
            if name in self._instances and name not in self._backends
            else str(self._backends[name])
            for name in self.names()
        }

    def check(self, settings: Any) -> None:
        """Ask every tool's backend whether it can work with ``settings``; raises the first
        typed error (``MissingExtraError``, ``ConfigError``) before any work is done."""
        for name in self.names():
            self.get(name).check_ready(settings)

    def close(self) -> None:
        """Release every backend's models and accelerator memory."""
        with self._lock:
            tools = list(self._instances.values())
        for tool in tools:
            tool.close()

    def names(self) -> list[str]:
        return sorted(set(self._backends) | set(self._instances))

    def __contains__(self, name: object) -> bool:
        return name in self._backends or name in self._instances

    def get(self, name: str) -> Tool:
        """The tool behind ``name``, instantiated on first use."""
        with self._lock:
            if name in self._instances:
                return self._instances[name]
            if name not in self._backends:
                raise ConfigError(f"unknown tool {name!r}; known tools: {', '.join(self.names())}")
            choice = self._backends[name]
            tool_class = TOOL_BACKENDS.get(f"{name}/{choice.backend}")
            tool = tool_class(choice.location) if choice.location is not None else tool_class()
            self._instances[name] = tool
            return tool

    def describe(self) -> list[dict[str, Any]]:
        """Name, modality, description and argument JSON schema of every tool, for planners."""
        described = []
        for name in self.names():
            tool = self.get(name)
            described.append(
                {
                    "name": name,
                    "modality": tool.modality,
                    "description": tool.description,
                    "arguments_schema": tool.Arguments.model_json_schema(),
                }
            )
        return described

    def for_modality(self, modality: str) -> str:
        """The tool name that makes ``modality`` artifacts."""
        for name in self.names():
            if self.get(name).modality == modality:
                return name
        raise ConfigError(f"no tool makes {modality} artifacts; tools: {', '.join(self.names())}")
