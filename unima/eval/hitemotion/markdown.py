"""``report.md``: a HitEmotion report as tables, with where performance breaks as depth rises."""

from __future__ import annotations

import itertools
from typing import Any

from unima.eval.hitemotion.tasks import LEVEL_NAMES, LEVELS, TASKS
from unima.eval.labels import format_value

MAX_PROBLEMS = 20
LOW_EXTRACTION = (
    90.0  # below this extraction rate a task's numbers say more about format than skill
)
PLOT_FILES = ("levels.png", "tasks.png")
# The per-task metric columns, in this order, after the headline.
DETAIL_METRICS = (
    "ACC",
    "WAF",
    "macro_F1",
    "MF",
    "EMF",
    "LLM",
    "emotion_ACC",
    "intent_ACC",
    "joint_ACC",
    "emotion_WAF",
    "intent_WAF",
)


def render_markdown(report: dict[str, Any]) -> str:
    """The report as Markdown."""
    counts = report.get("counts", {})
    lines = [
        "# HitEmotion evaluation",
        "",
        f"- predictions: `{report.get('source', {}).get('predictions', '?')}`",
        f"- instances scored: {counts.get('instances', 0)}, final answer parsed: "
        f"{counts.get('parsed', 0)}, without prediction: {counts.get('missing_predictions', 0)}, "
        f"unmatched predictions: {counts.get('unmatched_predictions', 0)}",
        f"- EI/LR judge: {_judge_text(report.get('judge'))}",
        "",
        "Only the final answer of each output is parsed (`<answer>…</answer>`, else the last "
        "answer object or the label on the last line). **ACC, WAF, MF, EMF, LLM count an "
        "unparseable output as wrong.** The `parsed only` columns drop unparseable outputs from "
        "the denominator, as the released evaluators do: compare those with published numbers.",
        "",
        "## Levels",
        "",
        "| level | name | tasks | n | score | score (parsed only) | ACC | WAF | extraction |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    levels = report.get("levels", {})
    for level in LEVELS:
        summary = levels.get(str(level), {})
        lines.append(
            f"| L{level} | {LEVEL_NAMES[level]} | {len(summary.get('tasks', []))} | "
            f"{summary.get('n', 0)} | {format_value(summary.get('score'))} | "
            f"{format_value(summary.get('score_parsed_only'))} | "
            f"{format_value(summary.get('ACC'))} | {format_value(summary.get('WAF'))} | "
            f"{format_value(summary.get('extraction_rate'))} |"
        )
    overall = report.get("overall", {})
    lines.append(
        f"| all | overall | {len(overall.get('tasks', []))} | {overall.get('n', 0)} | "
        f"{format_value(overall.get('score'))} | {format_value(overall.get('score_parsed_only'))} | "
        f"{format_value(overall.get('ACC'))} | {format_value(overall.get('WAF'))} | "
        f"{format_value(overall.get('extraction_rate'))} |"
    )
    lines += [
        "",
        "A level's score is the mean of its tasks' headline metrics (first column below).",
        "",
    ]
    lines += _breakpoints(report)
    lines += _task_tables(report)
    lines += ["## Plots", ""]
    lines += [f"![{name}](plots/{name})" for name in PLOT_FILES]
    problems = report.get("problems", [])
    if problems:
        lines += ["", f"## Problems ({len(problems)})", ""]
        lines += [f"- {problem}" for problem in problems[:MAX_PROBLEMS]]
        if len(problems) > MAX_PROBLEMS:
            lines.append(f"- ... and {len(problems) - MAX_PROBLEMS} more in report.json")
    return "\n".join(lines) + "\n"


def _judge_text(judge: str | None) -> str:
    if not judge:
        return "none (no judged task scored)"
    if judge.startswith("proxy:"):
        return f"`{judge}` (an offline proxy, not the paper's GPT judge: LLM values are not comparable)"
    return f"`{judge}`"


def _breakpoints(report: dict[str, Any]) -> list[str]:
    """Where the score falls from one level to the next, and the weakest tasks."""
    levels = report.get("levels", {})
    scores = [(level, levels.get(str(level), {}).get("score")) for level in LEVELS]
    present = [(level, score) for level, score in scores if score is not None]
    lines = ["## Breakpoints", ""]
    for (lower, lower_score), (higher, higher_score) in itertools.pairwise(present):
        change = higher_score - lower_score
        lines.append(
            f"- L{lower} → L{higher}: {format_value(lower_score)} → "
            f"{format_value(higher_score)} ({change:+.1f})"
        )
    tasks = report.get("tasks", {})
    headlines = report.get("headlines", {})
    ranked = sorted(
        (
            (values.get(headlines.get(code, "")), code)
            for code, values in tasks.items()
            if values.get(headlines.get(code, "")) is not None
        ),
    )
    if ranked:
        weakest = ", ".join(f"{code} ({format_value(value)})" for value, code in ranked[:3])
        lines.append(f"- weakest tasks: {weakest}")
    poorly_parsed = [
        f"{code} ({format_value(values.get('extraction_rate'))})"
        for code, values in tasks.items()
        if (values.get("extraction_rate") or 0.0) < LOW_EXTRACTION
    ]
    if poorly_parsed:
        lines.append(f"- extraction below {LOW_EXTRACTION:.0f}%: {', '.join(poorly_parsed)}")
    examples = report.get("unparsed_examples", {})
    if examples:
        shown = "; ".join(f"{code}: {', '.join(ids[:5])}" for code, ids in examples.items())
        lines.append(f"- ids with no final answer (first 5 per task): {shown}")
    if len(lines) == 2:
        lines.append("- nothing scored")
    return [*lines, ""]


def _task_tables(report: dict[str, Any]) -> list[str]:
    tasks = report.get("tasks", {})
    headlines = report.get("headlines", {})
    shown = [name for name in DETAIL_METRICS if any(name in values for values in tasks.values())]
    lines: list[str] = []
    for level in LEVELS:
        codes = [code for code, task in TASKS.items() if task.level == level and code in tasks]
        if not codes:
            continue
        lines += [
            f"## L{level}: {LEVEL_NAMES[level]}",
            "",
            "| task | n | parsed | extraction | headline | value | parsed only | "
            + " | ".join(shown)
            + " |",
            "|---|---:|---:|---:|---|---:|---:|" + "---:|" * len(shown),
        ]
        for code in codes:
            values = tasks[code]
            headline = headlines.get(code, TASKS[code].headline)
            parsed_only = values.get(f"{headline}_parsed_only", values.get(headline))
            cells = " | ".join(format_value(values.get(name)) for name in shown)
            lines.append(
                f"| {code} | {values.get('n', 0)} | {values.get('n_parsed', 0)} | "
                f"{format_value(values.get('extraction_rate'))} | {headline} | "
                f"{format_value(values.get(headline))} | {format_value(parsed_only)} | {cells} |"
            )
        lines.append("")
    return lines
