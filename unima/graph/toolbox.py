"""The tools one agent uses: tool names mapped to backend instances, created once and reused."""

from __future__ import annotations

import threading
from typing import Any

from unima.errors import ConfigError
from unima.tools import DEFAULT_BACKENDS, TOOL_BACKENDS, Tool


class Toolbox:
    """Resolves the tool names a planner uses to tool objects.

    Args:
        backends: tool name to backend name overrides (``{"generate_image": "diffusers"}``).
        tools: tool objects to use as they are, by tool name (fakes in tests, custom tools).
    """

    def __init__(
        self,
        backends: dict[str, str] | None = None,
        tools: dict[str, Tool] | None = None,
    ) -> None:
        self._backends = {**DEFAULT_BACKENDS, **(backends or {})}
        self._instances: dict[str, Tool] = dict(tools or {})
        self._lock = threading.Lock()
        for name, tool in self._instances.items():
            if tool.name != name:
                raise ConfigError(
                    f"tool object {tool!r} is named {tool.name!r}, registered as {name!r}"
                )

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
            tool_class = TOOL_BACKENDS.get(f"{name}/{self._backends[name]}")
            tool = tool_class()
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
