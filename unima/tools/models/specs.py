"""Tool backend specs: which backend makes each tool's files, and from which model.

A spec is ``TOOL=BACKEND`` or ``TOOL=BACKEND:LOCATION``, e.g.
``generate_image=diffusers:/models/sd-turbo`` or ``synthesize_speech=openai:tts-1``. The
location is everything after the first colon (a folder, a model name, a model name and an
endpoint), so paths and URLs keep their own colons. The API takes the part after ``=`` as a
dict value (``UniMA(tool_backends={"generate_image": "diffusers:/models/sd-turbo"})``), the CLI
repeats ``--backend TOOL=SPEC`` and the environment holds ``UNIMA_TOOL_BACKENDS`` as specs
separated by ``;`` (or a JSON object).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from unima.errors import ConfigError

ENVIRONMENT_VARIABLE = "UNIMA_TOOL_BACKENDS"


@dataclass(frozen=True)
class BackendChoice:
    """One tool's backend: its registered name and where its model is (None: no location)."""

    backend: str
    location: str | None = None

    @classmethod
    def parse(cls, value: str) -> BackendChoice:
        """``"diffusers:/models/sd"`` -> ``BackendChoice("diffusers", "/models/sd")``."""
        backend, separator, location = value.strip().partition(":")
        if not backend:
            raise ConfigError(f"cannot read the backend {value!r}: expected BACKEND[:LOCATION]")
        if separator and not location.strip():
            raise ConfigError(
                f"the backend {value!r} ends with ':' but names no location; give "
                f"{backend}:LOCATION or just {backend}"
            )
        return cls(backend, location.strip() if separator else None)

    def __str__(self) -> str:
        return self.backend if self.location is None else f"{self.backend}:{self.location}"


def parse_assignment(text: str) -> tuple[str, BackendChoice]:
    """``"generate_image=diffusers:/models/sd"`` -> ``("generate_image", BackendChoice(...))``."""
    tool, separator, value = text.partition("=")
    if not separator or not tool.strip() or not value.strip():
        raise ConfigError(
            f"cannot read the backend setting {text!r}: expected TOOL=BACKEND[:LOCATION], "
            "e.g. generate_image=diffusers:/models/sd-turbo"
        )
    return tool.strip(), BackendChoice.parse(value)


def parse_assignments(texts: Iterable[str]) -> dict[str, str]:
    """Repeated ``TOOL=BACKEND[:LOCATION]`` settings as a ``tool_backends`` dict; a tool named
    twice is an error rather than a silent last-one-wins."""
    chosen: dict[str, str] = {}
    for text in texts:
        tool, choice = parse_assignment(text)
        if tool in chosen:
            raise ConfigError(f"the backend of {tool!r} is set twice: {chosen[tool]} and {choice}")
        chosen[tool] = str(choice)
    return chosen


def parse_environment(value: str | None) -> dict[str, str]:
    """``UNIMA_TOOL_BACKENDS``: specs separated by ``;`` or newlines, or a JSON object."""
    if value is None or not value.strip():
        return {}
    text = value.strip()
    if text.startswith("{"):
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError as error:
            raise ConfigError(f"{ENVIRONMENT_VARIABLE} is not valid JSON: {error}") from error
        if not isinstance(loaded, dict) or not all(
            isinstance(key, str) and isinstance(item, str) for key, item in loaded.items()
        ):
            raise ConfigError(
                f"{ENVIRONMENT_VARIABLE} as JSON must map tool names to backend specs "
                '(strings), e.g. {"generate_image": "diffusers:/models/sd-turbo"}'
            )
        return {key: str(BackendChoice.parse(item)) for key, item in loaded.items()}
    pieces = [piece for line in text.splitlines() for piece in line.split(";")]
    return parse_assignments(piece for piece in pieces if piece.strip())


def merge_backends(*layers: Mapping[str, str] | None) -> dict[str, BackendChoice]:
    """Backend choices from several layers (defaults, environment, arguments), later ones
    winning per tool."""
    merged: dict[str, BackendChoice] = {}
    for layer in layers:
        for tool, value in (layer or {}).items():
            merged[tool] = BackendChoice.parse(value)
    return merged
