"""How reports print things: field and metric labels, values, and judge names.

Shared by ``report.md`` (``unima.eval.report_markdown``), the plots (``unima.eval.plots``) and
the command line's tables.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

FIELD_LABELS = {
    "natural_science": "Natural Science",
    "social_science": "Social Science",
    "general_domain": "General Area",
}
# Column headers as the paper prints them.
METRIC_LABELS = {
    "StS_abs": "StS^abs",
    "StS_rel": "StS^rel",
    "LeS_abs": "LeS^abs",
    "LeS_rel": "LeS^rel",
    "SC": "SC",
    "GQ": "GQ",
    "SQCS_abs": "SQCS^abs",
    "SQCS_rel": "SQCS^rel",
    "tau": "τ",
    "HC": "HC",
    "SH": "SH",
    "ICS_abs": "ICS^abs",
    "ICS_rel": "ICS^rel",
}


# The mark a judge label carries when its scores measure structure only and are not comparable
# with the paper's judged numbers (the offline HC/SH proxy; docs/metrics.md, "HC / SH / ICS").
STRUCTURAL_ONLY = "structural only"


def structural_only(labels: Iterable[str]) -> bool:
    """Whether every judge behind a metric is marked ``structural only`` (and there is one)."""
    names = list(labels)
    return bool(names) and all(STRUCTURAL_ONLY in name for name in names)


def format_value(value: float | None) -> str:
    """A metric value as the tables print it (``-`` for none)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.1f}"


def judge_summary(labels: Iterable[str]) -> str:
    """The distinct judges behind a metric, for tables: composite labels are split into parts.

    ``proxy:all-MiniLM-L6-v2+gq:image/brisque-lite+text/well-formedness`` names three extractors;
    a part without a ``kind:`` prefix takes the prefix of the part before it.
    """
    parts: set[str] = set()
    for label in labels:
        prefix = ""
        for part in label.split("+"):
            if ":" in part:
                prefix = part.split(":", 1)[0] + ":"
            elif prefix:
                part = prefix + part
            parts.add(part)
    return ", ".join(sorted(parts)) or "-"
