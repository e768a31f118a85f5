"""The Semantic-Quality Coupled Score (SQCS): semantic correctness discounted by quality.

The paper composes SC and GQ into SQCS without publishing the formula (unim.md §2.1). Its
Table 4 constrains it: SQCS^abs < SC in every row, and the ratio SQCS/SC is not a fixed
function of the table-level GQ, which points to a per-instance coupling averaged afterwards. The
plain product ``SC * GQ / 100`` misses the table by 9.0 points on average and the harmonic mean
by 7.5; a quality-modulated SC,

    SQCS_i = SC_i * ((1 - w) + w * GQ_i / 100),   w = 0.25,

reproduces all twelve (field, model) rows of Table 4 within 0.56 points on average (largest
miss 2.2) when applied to the table-level SC and GQ (``TABLE_4``, ``table_error``); the
least-squares ``w`` is 0.23, rounded to a quarter. It reads: quality can take away at most a
quarter of an instance's semantic credit, never add to it, so a correct answer with poor media
keeps most of its score and SQCS <= SC always.

``abs`` and ``rel`` follow the suite's convention (``unima.eval.records.abs_rel``): no
prediction line scores 0 in both; a declined instance (failed or empty prediction) is ``None``
in ``abs`` (left out) and 0 in ``rel``; an answered instance has the same value in both. An
answered instance whose SC is ``None`` (an unparseable judge reply) has no SQCS either; a
missing GQ counts as 0 (quality unproven), which keeps the factor at 0.75.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from unima.eval.paper_tables import PAPER_ROWS
from unima.eval.records import MetricValue, abs_rel

if TYPE_CHECKING:
    from unima.eval.records import InstanceContext

QUALITY_WEIGHT = 0.25

# Table 4 of the paper, (SC, GQ, SQCS^abs) per (field, model) row, for ``table_error``.
TABLE_4: tuple[tuple[float, float, float], ...] = tuple(
    (row.semantic, row.quality, row.pairs["SQCS"][0]) for row in PAPER_ROWS
)


def quality_factor(quality: float | None, weight: float = QUALITY_WEIGHT) -> float:
    """``(1 - w) + w * GQ / 100``, with GQ clamped to 0-100 and ``None`` read as 0."""
    if weight < 0.0 or weight > 1.0:
        raise ValueError(f"the quality weight must lie in [0, 1], got {weight!r}")
    bounded = min(100.0, max(0.0, quality or 0.0))
    return (1.0 - weight) + weight * bounded / 100.0


def coupled_score(
    semantic: float | None, quality: float | None, weight: float = QUALITY_WEIGHT
) -> float | None:
    """SQCS of one answered instance on 0-100; ``None`` when SC is ``None``."""
    if semantic is None:
        return None
    return round(semantic * quality_factor(quality, weight), 2)


def sqcs_values(
    semantic: MetricValue | None,
    quality: MetricValue | None,
    context: InstanceContext,
    *,
    weight: float = QUALITY_WEIGHT,
) -> list[MetricValue]:
    """``SQCS_abs`` and ``SQCS_rel`` of one instance from its SC and GQ values.

    Args:
        semantic: the instance's ``SC`` value (``None`` when the semantic family gave none).
        quality: the instance's ``GQ`` value (``context.previous["GQ"]``).
        context: the instance, for the abs / rel convention.
        weight: the share of SC that quality can take away.
    """
    semantic_number = semantic.value if semantic is not None else None
    quality_number = quality.value if quality is not None else None
    coupled_abs, coupled_rel = abs_rel(
        coupled_score(semantic_number, quality_number, weight), context
    )
    judges = [value.judge for value in (semantic, quality) if value is not None]
    judge = "+".join(judges) or "sqcs"
    details = {
        "SC": semantic_number,
        "GQ": quality_number,
        "quality_weight": weight,
        "formula": "SC * ((1 - w) + w * GQ / 100)",
    }
    if semantic_number is None and context.answered:
        details["reason"] = "no SC for this instance"
    return [
        MetricValue("SQCS_abs", coupled_abs, judge, details),
        MetricValue("SQCS_rel", coupled_rel, judge, dict(details)),
    ]


def table_error(weight: float = QUALITY_WEIGHT) -> tuple[float, float]:
    """Mean and largest absolute error, in points, of the coupling on the paper's Table 4."""
    errors = [
        abs(semantic * quality_factor(quality, weight) - reported)
        for semantic, quality, reported in TABLE_4
    ]
    return sum(errors) / len(errors), max(errors)
