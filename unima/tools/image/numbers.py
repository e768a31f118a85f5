"""Numbers as a reader reads them: "67.8M" on a chart, "67.8 million" in a sentence.

Matplotlib's default shows a population as ``6.78e+07`` over an axis scaled by ``1e7``; a reader
wants the number's size in a word. Values from ten thousand up are grouped by thousands or
named by their scale (thousand is left to digits: "12,500"); smaller ones keep up to four
significant digits.
"""

from __future__ import annotations

import math

# (size, short suffix, word), largest first.
SCALES = (
    (1e12, "T", "trillion"),
    (1e9, "B", "billion"),
    (1e6, "M", "million"),
)
GROUPED_FROM = 1e4


def readable_number(value: float, *, short: bool = True) -> str:
    """``value`` for a chart label (``short``: "67.8M") or a sentence ("67.8 million")."""
    if not math.isfinite(value):
        return str(value)
    size = abs(value)
    for scale, suffix, word in SCALES:
        if size >= scale:
            scaled = f"{value / scale:.3g}"
            return f"{scaled}{suffix}" if short else f"{scaled} {word}"
    if size >= GROUPED_FROM:
        return f"{value:,.0f}"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4g}"
