"""Shared pieces of the no-reference quality scorers: score mappings and the value record.

Every modality scorer measures a few sub-scores on 0-1, each from a published, parameter-free
measure, and combines them with fixed weights into one value on 0-100 (``combine``). The
mappings from raw measurements to 0-1 are smooth and monotonic (``saturating``, ``logistic``,
``band``) so that small changes of a file give small changes of its score, and each mapping's
constants are named where the scorer defines them, with the reason for their value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from unima.eval.records import MetricValue

GQ_NAME = "GQ"


def clamp(value: float, low: float = 0.0, high: float = 1.0) -> float:
    """``value`` limited to ``[low, high]``; NaN becomes ``low`` (a failed measure scores low)."""
    if not math.isfinite(value):
        return low if math.isnan(value) else (high if value > 0 else low)
    return min(high, max(low, value))


def saturating(value: float, half: float) -> float:
    """``value / (value + half)``: 0 at 0, 0.5 at ``half``, approaching 1 for large values."""
    if value <= 0.0:
        return 0.0
    return clamp(value / (value + half))


def logistic(value: float, middle: float, width: float) -> float:
    """The logistic curve: 0.5 at ``middle``, rising over about ``4 * width`` around it."""
    exponent = clamp(-(value - middle) / width, -60.0, 60.0)
    return 1.0 / (1.0 + math.exp(exponent))


def band(value: float, low: float, high: float, fall: float) -> float:
    """1 inside ``[low, high]``, falling linearly to 0 at ``fall`` beyond either edge."""
    if low <= value <= high:
        return 1.0
    distance = low - value if value < low else value - high
    return clamp(1.0 - distance / fall)


def combine(subscores: Mapping[str, float | None], weights: Mapping[str, float]) -> float:
    """The weighted mean of the available sub-scores, on 0-100.

    A sub-score that is ``None`` (not measurable for this file, e.g. intelligibility of music)
    is left out and the remaining weights are renormalised, so a file is never punished for a
    measure that does not apply to it.
    """
    total = 0.0
    weight_sum = 0.0
    for name, weight in weights.items():
        subscore = subscores.get(name)
        if subscore is None:
            continue
        total += weight * clamp(subscore)
        weight_sum += weight
    if weight_sum == 0.0:
        return 0.0
    return round(100.0 * total / weight_sum, 2)


def rounded(values: Mapping[str, Any], digits: int = 4) -> dict[str, Any]:
    """``values`` with floats rounded, so details stay short and byte-identical across runs."""
    result: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, float):
            result[name] = round(value, digits) if math.isfinite(value) else None
        else:
            result[name] = value
    return result


def quality_value(
    modality: str,
    method: str,
    score: float,
    *,
    subscores: Mapping[str, float | None],
    weights: Mapping[str, float],
    measurements: Mapping[str, Any],
) -> MetricValue:
    """A successful GQ value for one item, judged ``gq:<modality>/<method>``."""
    return MetricValue(
        name=GQ_NAME,
        value=round(clamp(score, 0.0, 100.0), 2),
        judge=f"gq:{modality}/{method}",
        details={
            "modality": modality,
            "subscores": rounded(subscores),
            "weights": dict(weights),
            "measurements": rounded(measurements),
        },
    )


def failed_value(modality: str, method: str, reason: str) -> MetricValue:
    """A GQ of ``None`` for an item that could not be read, decoded or scored.

    The released GQ code writes ``null`` for such an item (its README: "null: evaluation
    failed"), and the instance mean leaves it out; unima does the same, keeping the reason in
    the details, so a failure is never a crash and never a silent 0.
    """
    return MetricValue(
        name=GQ_NAME,
        value=None,
        judge=f"gq:{modality}/{method}",
        details={"modality": modality, "failed": True, "reason": reason[:500]},
    )
