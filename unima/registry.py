"""Lazy registries: short names mapped to ``"module:Class"`` strings, imported on first use.

One registry per pluggable family (tools, perceivers, reasoners, datasets, metrics). Keeping the
targets as strings means ``import unima`` never imports a backend, and an unknown name gets a
"did you mean" answer instead of a ``KeyError``.
"""

from __future__ import annotations

import difflib
import importlib
import threading
from collections.abc import Iterator
from typing import Generic, TypeVar

from unima.errors import ConfigError

T = TypeVar("T")


class Registry(Generic[T]):
    """Maps names to lazily imported objects of one family."""

    def __init__(self, family: str) -> None:
        self.family = family
        self._targets: dict[str, str] = {}
        self._loaded: dict[str, T] = {}
        self._lock = threading.Lock()

    def register(self, name: str, target: str | T, *, replace: bool = False) -> None:
        """Register ``name`` as a ``"module:attribute"`` string or as the object itself."""
        if not replace and (name in self._targets or name in self._loaded):
            raise ConfigError(f"{self.family} {name!r} is already registered")
        with self._lock:
            self._loaded.pop(name, None)
            self._targets.pop(name, None)
            if isinstance(target, str):
                self._targets[name] = target
            else:
                self._loaded[name] = target

    def get(self, name: str) -> T:
        """The object registered as ``name``, imported on first use."""
        if name in self._loaded:
            return self._loaded[name]
        if name not in self._targets:
            raise ConfigError(self._unknown_message(name))
        module_name, _, attribute = self._targets[name].partition(":")
        module = importlib.import_module(module_name)
        loaded: T = getattr(module, attribute)
        with self._lock:
            self._loaded[name] = loaded
        return loaded

    def names(self) -> list[str]:
        return sorted(set(self._targets) | set(self._loaded))

    def __contains__(self, name: object) -> bool:
        return name in self._targets or name in self._loaded

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def _unknown_message(self, name: str) -> str:
        close = difflib.get_close_matches(name, self.names(), n=3)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        known = ", ".join(self.names()) or "none"
        return f"unknown {self.family} {name!r}.{hint} Known: {known}."
