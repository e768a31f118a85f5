"""unima: any-to-any interleaved multimodal answers with traceable reasoning.

The stable public surface is ``__all__``; everything else may change between versions.
Importing unima loads no model and no heavy library: backends load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from unima.version import __version__

__all__ = [
    "Artifact",
    "OutputSpec",
    "Part",
    "Perception",
    "Plan",
    "Request",
    "Response",
    "Step",
    "UniMA",
    "__version__",
    "load_trace",
    "perceive",
]

if TYPE_CHECKING:
    from unima.agent import UniMA
    from unima.perception import perceive
    from unima.trace.schema import load_trace
    from unima.types import Artifact, OutputSpec, Part, Perception, Plan, Request, Response, Step

_LAZY = {
    "UniMA": "unima.agent",
    "perceive": "unima.perception",
    "load_trace": "unima.trace.schema",
    "Artifact": "unima.types",
    "OutputSpec": "unima.types",
    "Part": "unima.types",
    "Perception": "unima.types",
    "Plan": "unima.types",
    "Request": "unima.types",
    "Response": "unima.types",
    "Step": "unima.types",
}


def __getattr__(name: str) -> Any:
    # Lazy so that `import unima` stays light (no LangGraph, no pydantic models built).
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'unima' has no attribute {name!r}")
