"""Step 2 for the heuristic reasoner: find data in the inputs and write the code to analyse it.

The generated program runs in the sandbox. It prints a readable report, saves a figure to
``outputs/``, and prints its computed values as one ``UNIMA_VALUES {json}`` line that the agent
parses, so the evidence does not depend on how the sandbox returns files.
"""

from __future__ import annotations

import re
from pathlib import Path

from unima.errors import InputError
from unima.reasoners.base import AnalysisDecision, RequestView
from unima.reasoners.heuristic.text_tools import labelled_numbers, numbers_in
from unima.untrusted_json import load_untrusted_json

VALUES_MARKER = "UNIMA_VALUES "
ANALYSIS_CUES = re.compile(
    r"\b(compute|computes|calculate|mean|average|median|sum|total|statistic|statistics|forecast|"
    r"predict|trend|plot|graph|chart|regression|correlat\w*|variance|standard deviation|percentage|"
    r"growth|how many|maximum|minimum|highest|lowest|compare the (numbers|values|scores))\b",
    re.IGNORECASE,
)
TABLE_SUFFIXES = {".csv", ".tsv"}

PROGRAM = """\
import csv, json, math, statistics
from pathlib import Path

FORECAST = {forecast}
source = {source!r}
labels, values = {labels!r}, {values!r}
if source:
    delimiter = "\\t" if source.endswith(".tsv") else ","
    with open("inputs/" + source, newline="", encoding="utf-8", errors="replace") as handle:
        rows = [row for row in csv.reader(handle, delimiter=delimiter) if row]
    header, body = rows[0], rows[1:]
    def is_number(text):
        try:
            float(text)
            return True
        except ValueError:
            return False
    columns = [i for i in range(len(header)) if body and all(i < len(r) and is_number(r[i]) for r in body)]
    if not columns:
        raise SystemExit("no numeric column in " + source)
    column = columns[-1]
    label_column = next((i for i in range(len(header)) if i not in columns), None)
    labels = [r[label_column] if label_column is not None else str(n + 1) for n, r in enumerate(body)]
    values = [float(r[column]) for r in body]
    print(f"Read {{len(values)}} rows of {{header[column]!r}} from {{source}}")

report = {{
    "count": len(values),
    "sum": round(sum(values), 4),
    "mean": round(statistics.fmean(values), 4),
    "median": round(statistics.median(values), 4),
    "min": round(min(values), 4),
    "max": round(max(values), 4),
    "stdev": round(statistics.stdev(values), 4) if len(values) > 1 else 0.0,
    "argmax": labels[values.index(max(values))],
    "argmin": labels[values.index(min(values))],
}}
if len(values) > 1:
    xs = list(range(len(values)))
    x_mean = statistics.fmean(xs)
    slope = sum((x - x_mean) * (y - report["mean"]) for x, y in zip(xs, values)) / sum((x - x_mean) ** 2 for x in xs)
    report["trend_slope"] = round(slope, 4)
    if FORECAST:
        report["forecast_next"] = round(report["mean"] + slope * (len(values) - x_mean), 4)
for key, value in report.items():
    print(f"{{key}}: {{value}}")

import matplotlib
matplotlib.use("Agg")
from matplotlib.figure import Figure
figure = Figure(figsize=(8, 4.5), dpi=100)
axes = figure.add_subplot()
axes.bar(labels, values, color="#4c72b0")
axes.axhline(report["mean"], color="#dd8452", linestyle="--", label=f"mean {{report['mean']:g}}")
axes.legend()
axes.set_title("Data from the inputs")
figure.tight_layout()
Path("outputs").mkdir(exist_ok=True)
figure.savefig("outputs/analysis.png")
print("{marker}" + json.dumps({{"labels": labels, "values": values, "report": report}}))
"""


def decide_analysis(view: RequestView, question: str) -> AnalysisDecision:
    """Analysis is needed when the question asks for numbers and the inputs hold some."""
    cue = ANALYSIS_CUES.search(question)
    tables = [
        part
        for part in view.request.parts
        if part.path and Path(part.path).suffix.lower() in TABLE_SUFFIXES
    ]
    if tables and cue:
        part = tables[0]
        code = _program(source=Path(part.path or "").name, labels=[], values=[], question=question)
        return AnalysisDecision(
            True, f"{cue.group(0)!r} asked about the table <{part.tag}>", code, (part.tag or "",)
        )
    texts = [perception.text for perception in view.perceptions.values() if perception.text]
    pairs = []
    for text in [*texts, question]:
        pairs = labelled_numbers(text)
        if len(pairs) >= 2:
            break
    if cue and len(pairs) >= 2:
        labels = [label for label, _ in pairs]
        values = [value for _, value in pairs]
        code = _program(source="", labels=labels, values=values, question=question)
        return AnalysisDecision(
            True, f"{cue.group(0)!r} asked about {len(values)} labelled numbers", code
        )
    if cue and len(numbers_in(question)) >= 3:
        values = numbers_in(question)
        labels = [str(index + 1) for index in range(len(values))]
        code = _program(source="", labels=labels, values=values, question=question)
        return AnalysisDecision(True, f"{cue.group(0)!r} with numbers in the question", code)
    return AnalysisDecision(
        False, "no data to analyse" if cue else "the question asks for no computation"
    )


def _program(*, source: str, labels: list[str], values: list[float], question: str) -> str:
    forecast = bool(re.search(r"\b(forecast|predict|next)\b", question, re.IGNORECASE))
    return PROGRAM.format(
        forecast=forecast, source=source, labels=labels, values=values, marker=VALUES_MARKER
    )


def parse_values(stdout: str) -> dict[str, object]:
    """The values the generated program printed on its ``UNIMA_VALUES`` line."""
    for line in reversed(stdout.splitlines()):
        if line.startswith(VALUES_MARKER):
            try:
                # The line comes from sandboxed code: a deeply nested one must not recurse here.
                parsed = load_untrusted_json(
                    line[len(VALUES_MARKER) :], source="values line", allow_nan=True
                )
            except InputError:
                return {}
            return parsed if isinstance(parsed, dict) else {}
    return {}
