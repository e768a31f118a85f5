"""The guided reasoner: the heuristic's plan skeleton, its fields asked of a small chat model."""

from __future__ import annotations

from unima.reasoners.guided.asking import FieldRecord
from unima.reasoners.guided.reasoner import GuidedReasoner

__all__ = ["FieldRecord", "GuidedReasoner"]
