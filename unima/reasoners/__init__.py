"""Reasoners: the "brain" behind caption, analyse, plan and repair.

``heuristic`` is deterministic and needs no model; ``llm`` drives any LangChain chat model.
``resolve_reasoner`` turns a spec (``"heuristic"``, ``"openai:gpt-4o-mini"``,
``"openai-compatible:http://localhost:8000/v1:MODEL"``), a chat model or a ``Reasoner`` into a
``Reasoner``.
"""

from __future__ import annotations

from unima.reasoners.base import AnalysisDecision, Reasoner, RequestView
from unima.reasoners.resolve import resolve_reasoner

__all__ = ["AnalysisDecision", "Reasoner", "RequestView", "resolve_reasoner"]
