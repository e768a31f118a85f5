"""Numbers as people write them in tables and typed lists, and as an answer should show them.

``parse_quantity`` reads one cell or list item: signs (``-3.5``, ``−3.5``), currency (``$1,200``,
``-$150``), thousands separators (``12,500``), scale words (``2.5k``, ``3 million``) and a trailing
unit (``45%``, ``12 kg``, ``20 °C``). It needs only ``re``: the analysis program embeds its source,
so the sandbox reads a table's cells exactly as the reasoner did when it chose the columns.
``format_number`` shows a computed value the way a person would write it (``79.33``, not
``79.33333333``).
"""

from __future__ import annotations

import math
import re

# One number with what may surround it in a cell; the whole text must match.
QUANTITY_PATTERN = (
    r"(?P<sign>[-+\u2212\u2013])?\s?(?P<currency>[$€£¥])?\s?(?P<sign_after>[-\u2212])?"
    r"(?P<digits>\d{1,3}(?:[,\u00a0\u202f]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?:\s?(?P<scale>k|K|M|bn|thousand|million|billion)\b)?"
    r"(?:\s?(?P<unit>%|[°A-Za-zµ²³/]{1,12}))?"
)
SCALES = {"k": 1e3, "K": 1e3, "thousand": 1e3, "M": 1e6, "million": 1e6, "bn": 1e9, "billion": 1e9}


def parse_quantity(text: str) -> tuple[float, str] | None:
    """The number ``text`` holds and its unit (``"%"``, ``"kg"``, ``"$"`` or ``""``), or None.

    ``"1,200"`` is twelve hundred (a thousands separator needs groups of three digits), ``"3D"``
    is a number with the unit ``D``: callers that read labels decide whether a unit makes sense.
    """
    match = re.fullmatch(QUANTITY_PATTERN, text.strip())
    if match is None:
        return None
    value = float(re.sub(r"[,\u00a0\u202f]", "", match.group("digits")))
    value *= SCALES.get(match.group("scale") or "", 1.0)
    if (match.group("sign") or match.group("sign_after") or "") in ("-", "\u2212", "\u2013"):
        value = -value
    unit = match.group("unit") or match.group("currency") or ""
    return value, unit


def parse_number(text: str) -> float | None:
    """The number in one cell (see ``parse_quantity``), or None when it holds none."""
    quantity = parse_quantity(text)
    return quantity[0] if quantity is not None else None


def format_number(value: float) -> str:
    """``79.33`` for 79.3333, ``476`` for 476.0, ``0.00123`` for 0.0012345."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if not math.isfinite(value):
        return str(value)
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = f"{value:.2f}" if abs(value) >= 0.995 else f"{value:.3g}"
    if "e" in text:
        return text
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text in ("-0", "") else text


def format_quantity(value: float, unit: str) -> str:
    """``$1200``, ``-$150``, ``45%``, ``12 kg``: a number with the unit its data carried."""
    number = format_number(value)
    if unit in ("$", "€", "£", "¥"):
        return f"-{unit}{number[1:]}" if number.startswith("-") else f"{unit}{number}"
    if unit == "%":
        return f"{number}%"
    return f"{number} {unit}" if unit else number
