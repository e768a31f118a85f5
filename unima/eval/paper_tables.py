"""The UniM paper's Tables 3-5, and how well candidate abs / rel / tau rules fit them.

The paper reports StS, LeS, SQCS and ICS as ``abs`` and ``rel`` with a supporting rate tau, and
defines none of them (unim.md §2, §6). Every published (field, model) row is below, as printed
(one decimal). Three rules are tested against every row (``docs/metrics.md``, "abs and rel";
``tests/test_eval_paper_fit.py``):

- **per-instance weighting** (unima's rule): ``rel = mean_i(w_i * s_i)`` with per-instance weights
  ``w_i`` in [0, 1] whose mean is tau. It predicts no single number without the instances, but it
  bounds ``rel``: ``max(0, abs + tau - 100) <= rel <= min(abs, tau)`` (the product of two [0, 1]
  numbers u, v lies in [max(0, u + v - 1), min(u, v)]; averaging keeps the bounds). A row fits
  when its printed ``rel`` lies in that interval widened by the rounding of the printed numbers.
- **one ratio per row** (unima's former rule: ``abs`` over answered instances, ``rel`` over all, so
  ``rel = abs * answered share`` for every metric of a row): fits a row when one ratio lies in
  every metric's ``rel / abs`` interval (widened by rounding).
- **the product** ``rel = abs * tau / 100``: a point prediction; its residual is reported.
"""

from __future__ import annotations

from dataclasses import dataclass

# Half a unit of the last printed digit: every number in the tables is rounded to 0.1.
ROUNDING = 0.05
PAIR_METRICS = ("StS", "LeS", "SQCS", "ICS")


@dataclass(frozen=True)
class PaperRow:
    """One (field, model) row of the paper's Tables 3-5.

    Attributes:
        field: "Natural Science", "Social Science" or "General Area".
        model: "AnyGPT", "NExT-GPT", "MIO" or "UniMA".
        tau: the supporting rate (Table 4).
        pairs: metric to ``(abs, rel)``: StS and LeS (Table 3), SQCS (Table 4), ICS (Table 5).
        semantic, quality: SC and GQ (Table 4).
        coherence, style: HC and SH (Table 5).
    """

    field: str
    model: str
    tau: float
    pairs: dict[str, tuple[float, float]]
    semantic: float
    quality: float
    coherence: float
    style: float


def _row(
    field: str,
    model: str,
    structure: tuple[float, float, float, float],
    table_4: tuple[float, float, float, float, float],
    table_5: tuple[float, float, float, float],
) -> PaperRow:
    strict_abs, lenient_abs, strict_rel, lenient_rel = structure
    semantic, quality, coupled_abs, tau, coupled_rel = table_4
    coherence, style, interleaved_abs, interleaved_rel = table_5
    return PaperRow(
        field,
        model,
        tau,
        {
            "StS": (strict_abs, strict_rel),
            "LeS": (lenient_abs, lenient_rel),
            "SQCS": (coupled_abs, coupled_rel),
            "ICS": (interleaved_abs, interleaved_rel),
        },
        semantic,
        quality,
        coherence,
        style,
    )


# Table 3 (StS^abs, LeS^abs, StS^rel, LeS^rel), Table 4 (SC, GQ, SQCS^abs, tau, SQCS^rel),
# Table 5 (HC, SH, ICS^abs, ICS^rel), per field and model, as printed.
PAPER_ROWS: tuple[PaperRow, ...] = (
    _row("Natural Science", "AnyGPT", (12.9, 27.8, 12.2, 21.4), (13.7, 37.9, 11.1, 90.4, 10.7), (39.9, 46.3, 41.8, 38.5)),
    _row("Natural Science", "NExT-GPT", (2.0, 2.2, 1.2, 1.3), (8.4, 23.4, 6.2, 62.0, 2.9), (23.5, 26.1, 24.9, 16.3)),
    _row("Natural Science", "MIO", (1.3, 1.9, 0.9, 1.3), (19.7, 29.1, 15.9, 59.2, 10.0), (49.4, 63.7, 52.1, 31.8)),
    _row("Natural Science", "UniMA", (50.8, 62.2, 50.8, 62.2), (59.8, 79.7, 57.3, 100.0, 57.3), (68.4, 71.9, 69.1, 69.1)),
    _row("Social Science", "AnyGPT", (14.9, 16.6, 14.5, 16.2), (18.0, 23.8, 15.5, 94.7, 14.7), (31.3, 35.3, 32.1, 29.2)),
    _row("Social Science", "NExT-GPT", (1.3, 1.7, 1.2, 1.5), (16.8, 31.9, 13.3, 89.0, 10.8), (24.5, 27.1, 21.4, 19.0)),
    _row("Social Science", "MIO", (4.1, 5.2, 4.0, 5.1), (25.2, 32.8, 21.4, 80.8, 16.1), (46.3, 55.0, 51.6, 42.0)),
    _row("Social Science", "UniMA", (58.1, 72.9, 58.1, 72.9), (76.2, 81.0, 72.7, 100.0, 72.7), (73.1, 76.5, 73.8, 73.8)),
    _row("General Area", "AnyGPT", (12.5, 16.4, 9.8, 13.6), (19.0, 30.1, 17.9, 90.3, 17.2), (36.5, 41.9, 43.6, 31.3)),
    _row("General Area", "NExT-GPT", (2.2, 2.5, 1.4, 1.7), (5.4, 30.0, 4.4, 76.0, 3.4), (27.9, 31.1, 28.1, 20.0)),
    _row("General Area", "MIO", (3.3, 3.8, 2.4, 2.9), (24.8, 37.5, 21.2, 71.7, 15.2), (68.3, 77.7, 60.0, 45.7)),
    _row("General Area", "UniMA", (71.3, 84.3, 71.3, 84.3), (64.7, 83.6, 62.2, 100.0, 62.2), (68.7, 74.3, 69.8, 69.8)),
)  # fmt: skip


@dataclass(frozen=True)
class PairFit:
    """How the rules fit one published (field, model, metric) abs / rel pair."""

    field: str
    model: str
    metric: str
    absolute: float
    relative: float
    tau: float
    weighting_low: float
    weighting_high: float
    product: float

    @property
    def fits_weighting(self) -> bool:
        """The printed rel lies within the per-instance weighting bounds (rounding included)."""
        return self.weighting_low <= self.relative <= self.weighting_high

    @property
    def weighting_miss(self) -> float:
        """How far, in points, the printed rel lies outside the weighting bounds (0 inside)."""
        return max(0.0, self.weighting_low - self.relative, self.relative - self.weighting_high)

    @property
    def product_residual(self) -> float:
        """Printed rel minus ``abs * tau / 100``."""
        return self.relative - self.product


def weighting_bounds(absolute: float, tau: float, slack: float = ROUNDING) -> tuple[float, float]:
    """The rel values per-instance weighting allows for a printed abs and tau (0-100 each).

    Each printed number may be off by ``slack`` through rounding, which widens the bounds.
    """
    low = max(0.0, (absolute - slack) + (tau - slack) - 100.0)
    high = min(absolute + slack, tau + slack)
    return low, high


def pair_fits(rows: tuple[PaperRow, ...] = PAPER_ROWS) -> list[PairFit]:
    """Every published abs / rel pair with the weighting bounds and the product prediction."""
    fits = []
    for row in rows:
        for metric in PAIR_METRICS:
            absolute, relative = row.pairs[metric]
            low, high = weighting_bounds(absolute, row.tau)
            fits.append(
                PairFit(
                    row.field,
                    row.model,
                    metric,
                    absolute,
                    relative,
                    row.tau,
                    round(low, 2),
                    round(high, 2),
                    round(absolute * row.tau / 100.0, 2),
                )
            )
    return fits


def ratio_bounds(absolute: float, relative: float, slack: float = ROUNDING) -> tuple[float, float]:
    """The ``rel / abs`` ratios a printed pair allows, rounding included."""
    low = max(0.0, relative - slack) / (absolute + slack)
    high = (relative + slack) / max(absolute - slack, 1e-9)
    return low, min(high, 1.0)


def shared_ratio_possible(row: PaperRow) -> bool:
    """Whether one ``rel / abs`` ratio fits every metric of a row (the one-ratio rule)."""
    bounds = [ratio_bounds(*row.pairs[metric]) for metric in PAIR_METRICS]
    return max(low for low, _ in bounds) <= min(high for _, high in bounds)


__all__ = [
    "PAIR_METRICS",
    "PAPER_ROWS",
    "ROUNDING",
    "PairFit",
    "PaperRow",
    "pair_fits",
    "ratio_bounds",
    "shared_ratio_possible",
    "weighting_bounds",
]
