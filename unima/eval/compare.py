"""Two evaluation reports side by side, with the change from the first to the second.

Rows are the 13 metrics overall, then each metric by field. A delta is ``B - A``; it is empty
when either side has no value. Reports scored by different judges or on different data are
compared all the same, but the differences are listed as warnings first (judge, judging protocol,
captioner, data, families): their numbers are not directly comparable. A metric that either report
scored with a structural-only proxy (HC, SH and ICS without a judge model) is labelled so in every
row, because its delta says nothing about coherence (docs/metrics.md, "HC / SH / ICS").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from unima.eval.labels import (
    FIELD_LABELS,
    METRIC_LABELS,
    STRUCTURAL_ONLY,
    format_value,
    structural_only,
)
from unima.eval.records import METRIC_NAMES
from unima.eval.report import Report


@dataclass(frozen=True)
class ComparisonRow:
    """One metric in one scope (``overall`` or a field)."""

    scope: str
    metric: str
    first: float | None
    second: float | None
    structural: bool = False  # either side's value comes from a structural-only proxy

    @property
    def label(self) -> str:
        """The metric's printed name (``StS^abs``; a name without a label as it is, e.g. a
        HitEmotion metric), ``HC (structural only)`` for a structural proxy's."""
        name = METRIC_LABELS.get(self.metric, self.metric)
        return f"{name} ({STRUCTURAL_ONLY})" if self.structural else name

    @property
    def delta(self) -> float | None:
        if self.first is None or self.second is None:
            return None
        return round(self.second - self.first, 2)


@dataclass
class Comparison:
    """The rows of a comparison and the warnings about comparability (UniM or HitEmotion:
    ``benchmark`` prefixes the title)."""

    first_name: str
    second_name: str
    rows: list[ComparisonRow]
    warnings: list[str] = field(default_factory=list)
    benchmark: str = ""

    def to_markdown(self) -> str:
        prefix = f"{self.benchmark}: " if self.benchmark else ""
        lines = [f"# {prefix}{self.first_name} vs {self.second_name}", ""]
        lines += [f"- warning: {warning}" for warning in self.warnings]
        if self.warnings:
            lines.append("")
        lines += [
            f"| scope | metric | {self.first_name} | {self.second_name} | delta |",
            "|---|---|---:|---:|---:|",
        ]
        for row in self.rows:
            lines.append(
                f"| {row.scope} | {row.label} | {format_value(row.first)} | "
                f"{format_value(row.second)} | {format_delta(row.delta)} |"
            )
        return "\n".join(lines) + "\n"


def compare_reports(
    first: Report, second: Report, *, first_name: str = "A", second_name: str = "B"
) -> Comparison:
    """Compare two reports metric by metric, overall and by field."""
    structural = {
        name
        for name in METRIC_NAMES
        if structural_only(first.judges.get(name, []))
        or structural_only(second.judges.get(name, []))
    }
    rows = [
        ComparisonRow(
            "overall",
            name,
            first.overall.get(name),
            second.overall.get(name),
            name in structural,
        )
        for name in METRIC_NAMES
    ]
    first_fields = first.groups.get("field", {})
    second_fields = second.groups.get("field", {})
    fields = [name for name in FIELD_LABELS if name in first_fields or name in second_fields]
    fields += sorted((set(first_fields) | set(second_fields)) - set(fields))
    for field_name in fields:
        first_metrics = first_fields.get(field_name, {}).get("metrics", {})
        second_metrics = second_fields.get(field_name, {}).get("metrics", {})
        for name in METRIC_NAMES:
            if first_metrics.get(name) is None and second_metrics.get(name) is None:
                continue
            rows.append(
                ComparisonRow(
                    FIELD_LABELS.get(field_name, field_name),
                    name,
                    first_metrics.get(name),
                    second_metrics.get(name),
                    name in structural,
                )
            )
    return Comparison(first_name, second_name, rows, _warnings(first, second))


def _warnings(first: Report, second: Report) -> list[str]:
    warnings = []
    if first.judge != second.judge:
        warnings.append(f"different judges: {first.judge!r} vs {second.judge!r}")
    for key, what in (("protocol", "judging protocols"), ("captions", "captioners")):
        first_value, second_value = first.source.get(key), second.source.get(key)
        if first_value != second_value:
            warnings.append(f"different {what}: {first_value!r} vs {second_value!r}")
    first_print = first.source.get("fingerprint")
    second_print = second.source.get("fingerprint")
    if first_print != second_print:
        warnings.append("different dataset fingerprints (not the same instances)")
    if first.counts.get("instances") != second.counts.get("instances"):
        warnings.append(
            f"different instance counts: {first.counts.get('instances')} vs "
            f"{second.counts.get('instances')}"
        )
    for name in sorted(set(first.unavailable_families()) ^ set(second.unavailable_families())):
        warnings.append(f"metric family {name!r} ran in only one of the reports")
    return warnings


def format_delta(delta: float | None) -> str:
    """A delta with its sign (``+1.5``, ``-0.3``, ``0.0``), ``-`` for none."""
    if delta is None:
        return "-"
    return f"{delta:+.1f}" if delta else "0.0"
