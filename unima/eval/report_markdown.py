"""``report.md``: the report as Markdown tables laid out like the paper's Tables 3-5.

Tables 3-5 of the paper put the three UniM fields side by side; with one model per report, the
fields become rows (plus ``All``) and the columns keep the paper's order. The same metrics then
follow by domain, difficulty, input and output modality, and output-modality combination.

A metric not computed for every instance it applies to prints ``-`` in every table, and the
"Not computed" section says in words for how many instances, why, and what the mean over the
others would be (never shown as the metric's value).

A metric whose every judge is marked ``structural only`` (the offline HC/SH proxy, which hardly
correlates with the judged scores) prints ``structural only`` in every table (Overall, Tables 3-5,
the groups); its overall values are in the "Structural proxy" section, all in ``report.json``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from unima.eval.labels import (
    FIELD_LABELS,
    METRIC_LABELS,
    STRUCTURAL_ONLY,
    format_value,
    judge_summary,
    structural_only,
)
from unima.eval.records import METRIC_NAMES
from unima.eval.report import Report

PAPER_TABLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Table 3: Response Structure Integrity", ("StS_abs", "LeS_abs", "StS_rel", "LeS_rel")),
    (
        "Table 4: Semantic Correctness & Generation Quality, Supporting Rate",
        ("SC", "GQ", "SQCS_abs", "tau", "SQCS_rel"),
    ),
    ("Table 5: Interleaved Coherence", ("HC", "SH", "ICS_abs", "ICS_rel")),
)
GROUP_SECTIONS = (
    ("domain", "By domain"),
    ("difficulty", "By difficulty"),
    ("input_modality", "By input modality (an instance counts once per modality it has)"),
    ("output_modality", "By output modality (an instance counts once per modality it has)"),
    ("output_combination", "By output-modality combination"),
)


def render_markdown(report: Report) -> str:
    """The whole ``report.md``."""
    lines = ["# UniM evaluation report", ""]
    lines += [f"- judge: `{report.judge}`", f"- created: {report.created_at}"]
    if report.source.get("protocol"):
        lines.append(f"- protocol: `{report.source['protocol']}`")
    if report.source.get("captions"):
        lines.append(f"- captions: {report.source['captions']}")
    if report.source.get("reference_text"):
        lines.append(f"- SC reference text: {report.source['reference_text']}")
    if report.source.get("fingerprint"):
        lines.append(f"- dataset fingerprint: `{report.source['fingerprint'][:16]}`")
    lines.append("")
    lines += [
        "## Counts",
        "",
        *_table(["count", "value"], [[name, str(value)] for name, value in report.counts.items()]),
        "",
    ]
    unavailable = report.unavailable_families()
    lines += ["## Metric families", ""]
    rows = []
    for name, status in report.families.items():
        state = "ran" if status["available"] else "UNAVAILABLE"
        note = status["reason"] if not status["available"] else _judge_note(status)
        errors = f" ({status['errors']} errors)" if status.get("errors") else ""
        rows.append([name, state + errors, note])
    lines += [*_table(["family", "state", "judge / reason"], rows, "lll"), ""]
    if unavailable:
        lines += [f"Metrics of the unavailable families ({', '.join(unavailable)}) are `-`.", ""]

    lines += ["## Overall", ""]
    lines += _table(
        ["metric", "value", "instances", "judge"],
        [
            [
                METRIC_LABELS[name],
                _overall_value(report, name),
                _instances(report, name),
                judge_summary(report.judges.get(name, [])),
            ]
            for name in METRIC_NAMES
        ],
        "lrrl",
    )
    lines.append("")
    lines += _not_computed_section(report)
    lines += _structural_section(report)

    by_field = report.groups.get("field", {})
    field_order = [name for name in FIELD_LABELS if name in by_field]
    field_order += sorted(name for name in by_field if name not in FIELD_LABELS)
    for title, names in PAPER_TABLES:
        rows = [
            [
                FIELD_LABELS.get(name, name),
                str(by_field[name]["instances"]),
                *(
                    _headline(report, metric, by_field[name]["metrics"].get(metric))
                    for metric in names
                ),
            ]
            for name in field_order
        ]
        rows.append(
            [
                "All",
                str(report.counts.get("instances", 0)),
                *(_headline(report, metric, report.overall.get(metric)) for metric in names),
            ]
        )
        lines += [
            f"## {title}",
            "",
            *_table(["Field", "n", *(METRIC_LABELS[name] for name in names)], rows),
            "",
        ]

    for grouping, title in GROUP_SECTIONS:
        groups = report.groups.get(grouping, {})
        if not groups:
            continue
        lines += [f"## {title}", ""]
        lines += _group_table(report, groups, grouping)
        lines.append("")
    return "\n".join(lines)


def _group_table(report: Report, groups: dict[str, dict[str, Any]], grouping: str) -> list[str]:
    label = grouping.replace("_", " ")
    rows = [
        [
            name,
            str(group["instances"]),
            *(_headline(report, metric, group["metrics"].get(metric)) for metric in METRIC_NAMES),
        ]
        for name, group in groups.items()
    ]
    return _table([label, "n", *(METRIC_LABELS[name] for name in METRIC_NAMES)], rows)


def _headline(report: Report, name: str, value: float | None) -> str:
    """A headline-table cell: ``structural only`` for a structural proxy's metric."""
    if structural_only(report.judges.get(name, [])):
        return STRUCTURAL_ONLY
    return format_value(value)


def _structural_section(report: Report) -> list[str]:
    """The values the headline tables leave out because their judge is structural only."""
    names = [name for name in METRIC_NAMES if structural_only(report.judges.get(name, []))]
    if not names:
        return []
    return [
        "## Structural proxy (not in the headline tables)",
        "",
        "The offline proxy's HC and SH score structure only (bound placeholders, prose around "
        "each item, sentence rhythm, register): on the 58 released judged HC/SH responses "
        "their Spearman correlation with the judge is 0.21 (HC) and 0.05 (SH) "
        '(docs/metrics.md, "HC / SH / ICS"). They are not comparable with the paper\'s '
        "judged numbers; run with `--judge` for those.",
        "",
        *_table(
            ["metric", "structural value", "instances"],
            [
                [
                    METRIC_LABELS[name],
                    format_value(report.overall.get(name)),
                    _instances(report, name),
                ]
                for name in names
            ],
            "lrr",
        ),
        "",
    ]


def _overall_value(report: Report, name: str) -> str:
    if structural_only(report.judges.get(name, [])):
        return STRUCTURAL_ONLY
    entry = report.not_computed.get(name)
    if entry is None:
        return format_value(report.overall.get(name))
    return "partly computed" if entry.get("partial_value") is not None else "not computed"


def _instances(report: Report, name: str) -> str:
    """``n`` when every instance the name applies to has a value, else ``n of N``."""
    count = report.overall_counts.get(name, 0)
    of = report.overall_of.get(name)
    if of is None or of == count:
        return str(count)
    return f"{count} of {of}"


def _not_computed_section(report: Report) -> list[str]:
    """The metrics without a value for every instance they apply to, in words."""
    if not report.not_computed:
        return []
    lines = [
        "## Not computed",
        "",
        "These metrics have no overall value: they could not be computed for every instance "
        "they apply to, and a mean over the others is not comparable with a full run. Their "
        "cells in the tables below are `-`.",
        "",
    ]
    for name in METRIC_NAMES:
        entry = report.not_computed.get(name)
        if entry is None:
            continue
        missing, of = entry["instances"], entry["of"]
        if missing == of:
            text = f"not computed for any of the {of} instances"
        else:
            text = (
                f"not computed for {missing} of {of} instances; the mean over the other "
                f"{of - missing} would be {format_value(entry.get('partial_value'))}"
            )
        reasons = "; ".join(
            f"{reason} ({count})" for reason, count in entry.get("reasons", {}).items()
        )
        lines.append(f"- **{METRIC_LABELS[name]}**: {text}. Why: {reasons or 'unknown'}.")
    lines.append("")
    return lines


def _judge_note(status: dict[str, Any]) -> str:
    description = status.get("description", {})
    judge = description.get("judge") or description.get("judges")
    if isinstance(judge, dict):
        return ", ".join(f"{key}: {value}" for key, value in sorted(judge.items()))
    if isinstance(judge, list | tuple):
        return ", ".join(str(item) for item in judge)
    return str(judge) if judge else "-"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str = "") -> list[str]:
    """A Markdown table; ``align`` has one letter per column (``l`` or ``r``), default ``lrrr...``."""

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(cell).replace("|", "\\|") for cell in cells) + " |"

    align = align or "l" + "r" * (len(header) - 1)
    aligns = ["---:" if letter == "r" else "---" for letter in align]
    return [line(header), "|" + "|".join(aligns) + "|", *(line(row) for row in rows)]
