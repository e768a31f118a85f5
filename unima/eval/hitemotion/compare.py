"""Two HitEmotion reports side by side (``--prompt tom`` against ``--prompt direct``, say).

Rows: overall, each level, then each task's headline metric, its parsed-only form and its
extraction rate. A delta is ``B - A`` (``unima.eval.compare.ComparisonRow``). Differences that
make the numbers less comparable (another judge, other instances) are listed as warnings first.
"""

from __future__ import annotations

from typing import Any

from unima.eval.compare import Comparison, ComparisonRow
from unima.eval.hitemotion.tasks import LEVELS, TASKS

SUMMARY_METRICS = ("score", "score_parsed_only", "ACC", "WAF", "extraction_rate")


def compare_hitemotion(
    first: dict[str, Any], second: dict[str, Any], *, first_name: str = "A", second_name: str = "B"
) -> Comparison:
    """Compare two HitEmotion reports (``report.json`` contents) overall, by level and by task."""
    rows = [
        ComparisonRow("overall", name, first["overall"].get(name), second["overall"].get(name))
        for name in SUMMARY_METRICS
    ]
    for level in LEVELS:
        first_level = first["levels"].get(str(level), {})
        second_level = second["levels"].get(str(level), {})
        rows += [
            ComparisonRow(f"L{level}", name, first_level.get(name), second_level.get(name))
            for name in SUMMARY_METRICS
            if first_level.get(name) is not None or second_level.get(name) is not None
        ]
    for code, task in TASKS.items():
        first_task = first["tasks"].get(code)
        second_task = second["tasks"].get(code)
        if first_task is None and second_task is None:
            continue
        for name in (task.headline, f"{task.headline}_parsed_only", "extraction_rate"):
            rows.append(
                ComparisonRow(
                    f"L{task.level} {code}",
                    name,
                    (first_task or {}).get(name),
                    (second_task or {}).get(name),
                )
            )
    return Comparison(
        first_name, second_name, rows, _warnings(first, second), benchmark="HitEmotion"
    )


def _warnings(first: dict[str, Any], second: dict[str, Any]) -> list[str]:
    warnings = []
    if first.get("judge") != second.get("judge"):
        warnings.append(
            f"different EI/LR judges: {first.get('judge')!r} vs {second.get('judge')!r}"
        )
    first_tasks, second_tasks = set(first["tasks"]), set(second["tasks"])
    if first_tasks != second_tasks:
        only = sorted(first_tasks ^ second_tasks)
        warnings.append(
            f"tasks scored in only one report: {', '.join(only)} (averages differ in scope)"
        )
    for code in sorted(first_tasks & second_tasks):
        if first["tasks"][code]["n"] != second["tasks"][code]["n"]:
            warnings.append(
                f"{code}: different instance counts {first['tasks'][code]['n']} vs "
                f"{second['tasks'][code]['n']}"
            )
    return warnings
