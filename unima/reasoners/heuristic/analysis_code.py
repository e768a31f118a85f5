"""Step 2 for the heuristic reasoner: find data in the inputs and write the code to analyse it.

The generated program runs in the sandbox. It prints a readable report, saves a figure to
``outputs/``, and prints its computed values as one ``UNIMA_VALUES {json}`` line that the agent
parses, so the evidence does not depend on how the sandbox returns files. A CSV/TSV input is
read in full by the program, with the columns ``tables.choose_columns`` picked from the table's
first rows and the cells parsed by the same ``numbers.parse_quantity`` (its source is embedded).
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from unima.errors import InputError
from unima.reasoners.base import AnalysisDecision, RequestView
from unima.reasoners.heuristic.numbers import QUANTITY_PATTERN, SCALES, parse_quantity
from unima.reasoners.heuristic.perception_facts import (
    chart_series,
    perception_tables,
    table_columns,
)
from unima.reasoners.heuristic.tables import SUMMARY_ROW, TableColumns
from unima.reasoners.heuristic.typed_lists import DataList, data_list
from unima.untrusted_json import load_untrusted_json

VALUES_MARKER = "UNIMA_VALUES "
ANALYSIS_CUES = re.compile(
    r"\b(compute|computes|calculate|mean|average|median|sum|total|statistic|statistics|forecast|"
    r"predict|trend|plot|graph|chart|regression|correlat\w*|variance|standard deviation|percentage|"
    r"growth|how many|maximum|minimum|highest|lowest|compare the (numbers|values|scores))\b",
    re.IGNORECASE,
)
# "What does <code1> print?", "What is the output of the program?": run the input program.
RUN_CUES = re.compile(
    r"\b(print|prints|printed|output|outputs|return|returns|returned|result of running|"
    r"run it|running it|when run|when executed|produce|produces)\b",
    re.IGNORECASE,
)
# The input program runs in the sandbox like any analysis; what it printed is the evidence.
RUN_PROGRAM = """\
import contextlib, io, json, runpy, sys

captured = io.StringIO()
sys.argv = [{name!r}]
with contextlib.redirect_stdout(captured):
    runpy.run_path("inputs/" + {name!r}, run_name="__main__")
printed = captured.getvalue()
print(printed[-4000:])
print({marker!r} + json.dumps({{"printed": printed.strip()[-{limit}:]}}))
"""
MAX_PRINTED_CHARS = 2000
TABLE_DELIMITERS = {".csv": ",", ".tsv": "\t"}
# The values line lists at most this many values (the report covers them all), so a large table
# cannot push the line out of the sandbox's captured output.
MAX_LISTED_VALUES = 1000

PROGRAM = """\
import csv, json, re, statistics
from pathlib import Path

FORECAST = {forecast}
GOAL = {goal!r}  # the target the question names ("the 8000-steps goal"), or None
NAME, UNIT = {name!r}, {unit!r}
SOURCE = {source!r}
labels, values = {labels!r}, {values!r}

QUANTITY_PATTERN = {quantity_pattern!r}
SCALES = {scales!r}


{parse_quantity}

if SOURCE:
    # The columns were chosen from the table's header and first rows: {choice}.
    DELIMITER, HAS_HEADER = {delimiter!r}, {has_header!r}
    VALUE_COLUMN, LABEL_COLUMN, LABEL_PREFIX = {value_column!r}, {label_column!r}, {label_prefix!r}
    SUMMARY_ROW = re.compile({summary_row!r}, re.IGNORECASE)
    with open("inputs/" + SOURCE, newline="", encoding="utf-8-sig", errors="replace") as handle:
        rows = [row for row in csv.reader(handle, delimiter=DELIMITER) if any(c.strip() for c in row)]
    skipped = 0
    for number, row in enumerate(rows[1:] if HAS_HEADER else rows, 1):
        cells = [" ".join(cell.split()) for cell in row]
        label = ""
        if LABEL_COLUMN is not None and LABEL_COLUMN < len(cells):
            label = cells[LABEL_COLUMN]
            if not LABEL_PREFIX and SUMMARY_ROW.match(label):
                continue  # a Total or Average row sums up the others
        quantity = parse_quantity(cells[VALUE_COLUMN]) if VALUE_COLUMN < len(cells) else None
        if quantity is None:
            skipped += 1
            continue
        labels.append((LABEL_PREFIX + label).strip() if label else f"row {{number}}")
        values.append(quantity[0])
    print(f"Read {{len(values)}} values of {{NAME!r}} from {{SOURCE}}"
          + (f"; skipped {{skipped}} rows without a number" if skipped else ""))
if not values:
    raise SystemExit("no numbers to analyse")

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
if GOAL is not None:
    report["goal"] = GOAL
    report["at_or_above_goal"] = sum(1 for value in values if value >= GOAL)
    report["below_goal"] = sum(1 for value in values if value < GOAL)
    report["below_goal_labels"] = [label for label, value in zip(labels, values) if value < GOAL][:12]
for key, value in report.items():
    print(f"{{key}}: {{value}}")

import matplotlib
matplotlib.use("Agg")
from matplotlib.figure import Figure
figure = Figure(figsize=(8, 4.5), dpi=100)
axes = figure.add_subplot()
positions = range(len(values))
if len(values) <= 200:
    axes.bar(positions, values, color="#4c72b0")
else:
    axes.plot(positions, values, color="#4c72b0")
if len(values) <= 30:
    axes.set_xticks(list(positions), labels, rotation=30 if len(values) > 8 else 0)
axes.axhline(report["mean"], color="#dd8452", linestyle="--", label=f"mean {{report['mean']:g}}")
if GOAL is not None:
    axes.axhline(GOAL, color="#55a868", linestyle=":", label=f"goal {{GOAL:g}}")
axes.legend()
axes.set_title(NAME or "Data from the inputs")
figure.tight_layout()
Path("outputs").mkdir(exist_ok=True)
figure.savefig("outputs/analysis.png")
listed = {{"labels": labels[:{max_listed}], "values": values[:{max_listed}], "total": len(values)}}
print("{marker}" + json.dumps({{**listed, "name": NAME, "unit": UNIT, "report": report}}))
"""


def decide_analysis(view: RequestView, question: str) -> AnalysisDecision:
    """Analysis is needed when the request holds a data set and, for inputs, asks about it.

    An input Python program the question asks the output of is run as it is (its printed text
    is the evidence). A data set is an input table (read in full from a CSV/TSV file, else from
    the document's table), a chart's paired bar values, or a list of numbers typed in an input
    or in the request (``Sales: Jan 12, Feb 15, Mar 9``; ``Plot these values: 3, 5, 8``). Numbers in a
    sentence (``refractive index 1.333``, ``a 3D model``, ``in 1969``) are no data set.
    """
    run_cue = RUN_CUES.search(question)
    for part in view.request.parts:
        perception = view.perceptions.get(part.tag or "")
        if run_cue and perception is not None and Path(part.path or "").suffix.lower() == ".py":
            name = Path(part.path or "").name
            code = RUN_PROGRAM.format(name=name, marker=VALUES_MARKER, limit=MAX_PRINTED_CHARS)
            return AnalysisDecision(
                True,
                f"{run_cue.group(0)!r} asked about the program <{part.tag}>: run it",
                code,
                (part.tag or "",),
            )
    cue = ANALYSIS_CUES.search(question)
    asked = f"{cue.group(0)!r} asked about" if cue else ""
    for part in view.request.parts:
        perception = view.perceptions.get(part.tag or "")
        if perception is None or not cue:
            continue
        suffix = Path(part.path or "").suffix.lower()
        columns = table_columns(perception, question)
        if columns is not None and suffix in TABLE_DELIMITERS:
            code = _table_program(
                Path(part.path or "").name, TABLE_DELIMITERS[suffix], columns, question
            )
            return AnalysisDecision(
                True, f"{asked} the table <{part.tag}>", code, (part.tag or "",)
            )
        series = chart_series(perception)
        name = "value"
        if not series and perception.modality != "image" and columns is not None:
            series, name = columns.pairs(), columns.value_name
        if len(series) >= 2:
            code = _list_program(
                [label for label, _ in series], [value for _, value in series], question, name=name
            )
            return AnalysisDecision(True, f"{asked} the data in <{part.tag}>", code)
    texts = [(text, False) for text in _prose(view)] + [(question, True)]
    for text, typed_in_request in texts:
        found = data_list(text)
        if found is None or not _is_data(found, bool(cue), typed_in_request=typed_in_request):
            continue
        code = _list_program(
            list(found.labels), list(found.values), question, name=found.name, unit=found.unit
        )
        kind = "labelled numbers" if found.labelled else "numbers"
        return AnalysisDecision(True, f"a list of {len(found.values)} {kind} to analyse", code)
    return AnalysisDecision(
        False, "no data to analyse" if cue else "the question asks for no computation"
    )


def _is_data(found: DataList, cue: bool, *, typed_in_request: bool) -> bool:
    """Whether a typed list is data to analyse (see ``decide_analysis``)."""
    count = len(found.values)
    if not typed_in_request:
        return cue and count >= 2  # an input's list, when the request asks for numbers
    if found.labelled:
        return count >= 3 or cue or found.introduced
    return (found.introduced and (count >= 3 or cue)) or (cue and count >= 3)


def _prose(view: RequestView) -> list[str]:
    """Input texts that may hold typed lists (not source code, tables or charts)."""
    return [
        perception.text
        for perception in view.perceptions.values()
        if perception.text
        and perception.modality != "code"
        and "chart" not in perception.meta
        and not perception_tables(perception)
    ]


def _forecast(question: str) -> bool:
    return bool(re.search(r"\b(forecast|predict|next)\b", question, re.IGNORECASE))


def question_goal(question: str) -> float | None:
    """The target a question measures the data against, or None.

    "the 8000-steps goal", "a target of 10,000", "a goal of 2.5k", "at least 8000 steps",
    "exceed 50", "reach 10,000": the number must come with one of those words, so "the 3 runs"
    or "in 2024" are no goal.
    """
    for pattern in GOAL_PATTERNS:
        match = pattern.search(question)
        if match is not None:
            quantity = parse_quantity(match.group("number"))
            if quantity is not None:
                return quantity[0]
    return None


def _list_program(
    labels: list[str], values: list[float], question: str, *, name: str = "", unit: str = ""
) -> str:
    return _program(labels=labels, values=values, question=question, name=name, unit=unit)


def _table_program(source: str, delimiter: str, columns: TableColumns, question: str) -> str:
    header = columns.header
    value_name = columns.value_name
    label_name = (
        header[columns.label_column]
        if header and columns.label_column is not None
        else "the row number"
    )
    choice = f"values from column {columns.value_column + 1} ({value_name!r}), labels from {label_name!r}"
    return _program(
        labels=[],
        values=[],
        question=question,
        name=value_name,
        unit=columns.unit,
        source=source,
        choice=choice,
        delimiter=delimiter,
        has_header=bool(header),
        value_column=columns.value_column,
        label_column=columns.label_column,
        label_prefix=columns.label_prefix,
    )


NUMBER = r"(?P<number>\$?\d[\d,]*(?:\.\d+)?\s?[kKmM]?)"
TARGET_WORDS = r"(?:goal|target|threshold|quota|benchmark|mark|minimum|limit)"
GOAL_PATTERNS = (
    # "the 8000-steps goal", "a 10,000 step target"
    re.compile(rf"\b{NUMBER}(?:[- ][A-Za-z]+)?[- ]{TARGET_WORDS}\b", re.IGNORECASE),
    # "a goal of 8000", "target: 10,000", "the threshold is 50"
    re.compile(rf"\b{TARGET_WORDS}\s*(?:of|:|is|=|at)?\s*{NUMBER}(?!\d)", re.IGNORECASE),
    # "at least 8000", "exceed 50", "reach 10,000"
    re.compile(
        rf"\b(?:at least|exceeds?|exceeding|reach(?:es|ing)?)\s+"
        rf"(?:the\s+|a\s+)?{NUMBER}(?!\d)",
        re.IGNORECASE,
    ),
)


def _program(
    *,
    labels: list[str],
    values: list[float],
    question: str,
    name: str,
    unit: str,
    source: str = "",
    choice: str = "",
    delimiter: str = ",",
    has_header: bool = True,
    value_column: int = 0,
    label_column: int | None = None,
    label_prefix: str = "",
) -> str:
    return PROGRAM.format(
        forecast=_forecast(question),
        goal=question_goal(question),
        name=name,
        unit=unit,
        source=source,
        labels=labels,
        values=values,
        quantity_pattern=QUANTITY_PATTERN,
        scales=SCALES,
        parse_quantity=inspect.getsource(parse_quantity).strip(),
        choice=choice,
        delimiter=delimiter,
        has_header=has_header,
        value_column=value_column,
        label_column=label_column,
        label_prefix=label_prefix,
        summary_row=SUMMARY_ROW.pattern,
        max_listed=MAX_LISTED_VALUES,
        marker=VALUES_MARKER,
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
