"""What the heuristic reasoner reads out of perceptions: chart values, transcripts, tables, meshes.

The embedded perceivers leave structured facts in ``Perception.meta`` (``chart`` and ``ocr``
from images, ``segments`` from audio, ``on_screen_text`` from video, ``table``/``tables`` from
documents, counts and extents from meshes). This module turns them into

- labelled numbers for the analysis step (``data_view``), so a chart's bar values or a
  document's score column are analysed rather than whatever numbers the raw OCR text holds;
- one plain sentence per input that quotes what it says or shows (``input_facts``);
- a direct answer sentence from the analysis report (``direct_answer``).
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from unima.perception.image_chart import parse_number
from unima.reasoners.base import RequestView
from unima.reasoners.heuristic.numbers import format_number, format_quantity
from unima.reasoners.heuristic.tables import TableColumns, choose_columns, question_words
from unima.reasoners.heuristic.text_tools import shorten
from unima.types import Perception

MAX_SERIES = 24
QUOTE_CHARS = 600
# Question cue -> (report key, phrase, report key of the label that goes with it).
ANSWER_CUES: tuple[tuple[re.Pattern[str], str, str, str | None], ...] = (
    (
        re.compile(r"\b(highest|maximum|largest|biggest|most|max|top|peak)\b", re.I),
        "max",
        "highest value",
        "argmax",
    ),
    (
        re.compile(r"\b(lowest|minimum|smallest|least|min|fewest)\b", re.I),
        "min",
        "lowest value",
        "argmin",
    ),
    (re.compile(r"\b(mean|average)\b", re.I), "mean", "mean", None),
    (
        re.compile(r"\b(count|how many (values|rows|entries|items|data points|records))\b", re.I),
        "count",
        "number of values",
        None,
    ),
    (re.compile(r"\bmedian\b", re.I), "median", "median", None),
    (re.compile(r"\b(total|sum)\b", re.I), "sum", "total", None),
    (
        re.compile(r"\b(standard deviation|stdev|spread)\b", re.I),
        "stdev",
        "standard deviation",
        None,
    ),
    (
        re.compile(r"\b(forecast|predict\w*|next)\b", re.I),
        "forecast_next",
        "forecast for the next value",
        None,
    ),
)


def number_text(value: Any) -> str:
    """``45.0`` as ``45``, ``79.3333`` as ``79.33``; anything else as given."""
    return format_number(value) if isinstance(value, int | float) else str(value)


def _number(text: Any) -> float | None:
    return parse_number(str(text)) if text is not None else None


def chart_series(perception: Perception) -> list[tuple[str, float]]:
    """(category, value) pairs of a bar chart whose bars carry value labels, read by position.

    Each category label (under the plot) is paired with the one number printed above it in
    its own column; axis ticks lie outside every column. No series when any column has no
    number or several, since a guess would put wrong numbers in the answer.
    """
    chart = perception.meta.get("chart")
    lines = perception.meta.get("ocr")
    if not isinstance(chart, dict) or not isinstance(lines, list) or not chart.get("labels"):
        return []
    boxes = [
        (str(line.get("text", "")), _box(line.get("box")))
        for line in lines
        if isinstance(line, dict)
    ]
    labels = []
    for name in chart["labels"]:
        box = next((box for text, box in boxes if text == name and box), None)
        if box is None:
            return []
        labels.append((name, box))
    labels.sort(key=lambda item: item[1][0])
    centers = [(box[0] + box[2]) / 2 for _, box in labels]
    gaps = [right - left for left, right in itertools.pairwise(centers)]
    half = (min(gaps) if gaps else labels[0][1][2] - labels[0][1][0]) / 2
    ticks = {float(value) for value in chart.get("axis_numbers", [])}
    numbers = [(value, box) for text, box in boxes if box and (value := _number(text)) is not None]
    series = []
    for (name, label_box), center in zip(labels, centers, strict=True):
        above = [
            value
            for value, box in numbers
            if abs((box[0] + box[2]) / 2 - center) < half and box[3] <= label_box[1]
        ]
        in_column = [value for value in above if value not in ticks] or above
        if len(in_column) != 1:
            return []
        series.append((name, in_column[0]))
    return series[:MAX_SERIES]


def _box(points: Any) -> tuple[float, float, float, float] | None:
    """(left, top, right, bottom) of a four-corner OCR box."""
    try:
        xs = [float(point[0]) for point in points]
        ys = [float(point[1]) for point in points]
    except (TypeError, ValueError, IndexError):
        return None
    return (min(xs), min(ys), max(xs), max(ys)) if xs and ys else None


def perception_tables(perception: Perception) -> list[list[list[Any]]]:
    """The tables a perception holds, each as rows of cells (the header row first, if any)."""
    tables: list[list[list[Any]]] = []
    single = perception.meta.get("table")
    if isinstance(single, dict) and isinstance(single.get("rows"), list):
        tables.append([list(single.get("columns") or []), *single["rows"]])
    for table in perception.meta.get("tables") or []:
        if isinstance(table, dict) and isinstance(table.get("rows"), list):
            tables.append(table["rows"])
    return tables


def table_columns(perception: Perception, question: str = "") -> TableColumns | None:
    """The data columns of the perception's table that best fits ``question``.

    The first table with data, unless a later one has a column the question names.
    """
    chosen = [
        columns
        for rows in perception_tables(perception)
        if (columns := choose_columns(rows, question)) is not None and columns.pairs()
    ]
    if not chosen:
        return None
    asked = question_words(question)
    named = [
        columns
        for columns in chosen
        if question_words(columns.value_name.replace("_", " ")) & asked
    ]
    return (named or chosen)[0]


def table_series(perception: Perception, question: str = "") -> tuple[list[tuple[str, float]], str]:
    """(label, value) pairs of the perception's data table, and the value column's name.

    Every row is kept (no cap: the analysis must see all the data); see ``table_columns``.
    """
    columns = table_columns(perception, question)
    if columns is None:
        return [], ""
    return columns.pairs(), columns.value_name


def data_view(view: RequestView, question: str = "") -> RequestView:
    """``view`` with each perception's text replaced by its structured data, where it has some.

    A chart's raw OCR text mixes axis ticks with bar values, so a chart gives its paired series
    (or nothing when the values cannot be paired) and a document its table's label and value
    columns, one ``label: value`` line each. Inputs with data come first.
    """
    perceptions = {}
    for tag, perception in view.perceptions.items():
        series = chart_series(perception)
        if not series and perception.modality != "image":
            series, _ = table_series(perception, question)
        if series:
            text = "\n".join(f"{label}: {number_text(value)}" for label, value in series)
            perception = perception.model_copy(update={"text": text})
        elif isinstance(perception.meta.get("chart"), dict):
            perception = perception.model_copy(update={"text": ""})
        perceptions[tag] = perception
    ordered = dict(sorted(perceptions.items(), key=lambda item: not _has_series(item[1])))
    return RequestView(view.request, ordered)


def _has_series(perception: Perception) -> bool:
    return bool(chart_series(perception) or table_series(perception)[0])


def input_facts(view: RequestView, question: str = "") -> list[str]:
    """One sentence per input quoting what it says or shows, for the answer's body.

    ``question`` picks the table column it asks about (see ``table_columns``).
    """
    facts = []
    for part in view.request.parts:
        perception = view.perceptions.get(part.tag or "")
        if perception is None:
            continue
        # The bare tag: "<image1>" in an answer would place the input as an output.
        sentence = _facts_of(perception, part.tag or f"the {part.modality}", question)
        if sentence:
            facts.append(sentence)
    return facts


def _facts_of(perception: Perception, name: str, question: str) -> str:
    meta = perception.meta
    if perception.modality == "image":
        found = meta.get("chart")
        chart: dict[str, Any] = found if isinstance(found, dict) else {}
        series = chart_series(perception)
        if series:
            high = max(series, key=lambda item: item[1])
            low = min(series, key=lambda item: item[1])
            title = f" “{chart['title']}”" if chart.get("title") else ""
            listed = ", ".join(f"{label} {number_text(value)}" for label, value in series)
            return (
                f"The chart{title} in {name} shows {listed} (highest {high[0]} at "
                f"{number_text(high[1])}, lowest {low[0]} at {number_text(low[1])})."
            )
        if chart.get("y_axis"):
            axis = [number_text(value) for value in sorted(chart["y_axis"])]
            labels = ", ".join(chart.get("labels") or [])
            return (
                f"The chart in {name} has a value axis from {axis[0]} to {axis[-1]}"
                + (f" over the categories {labels}" if labels else "")
                + "; its bars carry no printed values, so exact values are not read."
            )
        if perception.text.strip():
            return f"The text in {name} reads: “{shorten(perception.text, QUOTE_CHARS)}”."
        return ""
    if perception.modality == "audio":
        spoken = _spoken(perception)
        return f"The speaker in {name} says: “{spoken}”." if spoken else ""
    if perception.modality == "video":
        pieces = []
        spoken = _spoken(perception)
        if spoken:
            pieces.append(f"the narration of {name} says: “{spoken}”")
        on_screen = [str(text) for text in meta.get("on_screen_text") or []]
        if on_screen:
            shown = "; ".join(on_screen[:12])
            pieces.append(f"the text on screen reads: “{shorten(shown, QUOTE_CHARS)}”")
        return (pieces[0][0].upper() + "; ".join(pieces)[1:] + ".") if pieces else ""
    if perception.modality == "document":
        series, column = table_series(perception, question)
        if series:
            listed = ", ".join(
                f"{label} {number_text(value)}" for label, value in series[:MAX_SERIES]
            )
            rows = max(len(series), _row_count(perception))
            more = f" (the first {MAX_SERIES} of {rows} rows)" if rows > MAX_SERIES else ""
            return f"The table in {name} gives {column}: {listed}{more}."
        return ""
    if perception.modality == "threeD":
        extents = mesh_extents(perception)
        if extents:
            size = " x ".join(number_text(round(value, 2)) for value in extents)
            return f"The 3D model {name} measures {size} units."
    return ""


def _row_count(perception: Perception) -> int:
    """The data rows the perceiver counted (a CSV's ``table.row_count``), 0 when unknown."""
    table = perception.meta.get("table")
    count = table.get("row_count") if isinstance(table, dict) else None
    return count if isinstance(count, int) else 0


def _spoken(perception: Perception) -> str:
    segments = perception.meta.get("segments") or []
    spoken = " ".join(
        str(segment.get("text", "")).strip() for segment in segments if isinstance(segment, dict)
    ).strip()
    if not spoken and perception.modality == "audio":
        spoken = perception.text
    return shorten(spoken, QUOTE_CHARS) if spoken else ""


def mesh_extents(perception: Perception) -> list[float]:
    """The model's size along x, y and z, from whichever key the mesh perceiver wrote."""
    for key in ("extents", "size", "dimensions"):
        value = perception.meta.get(key)
        if isinstance(value, list | tuple) and len(value) >= 3:
            try:
                return [float(item) for item in value[:3]]
            except (TypeError, ValueError):
                continue
    bounds = perception.meta.get("bounds")
    if isinstance(bounds, list | tuple) and len(bounds) == 2:
        try:
            return [
                float(high) - float(low) for low, high in zip(bounds[0], bounds[1], strict=True)
            ]
        except (TypeError, ValueError):
            return []
    return []


def direct_answer(question: str, report: dict[str, Any], unit: str = "") -> str:
    """Sentences that answer the question's numeric ask from the analysis report.

    The lowest and highest values name their labels; ``unit`` (``%``, ``$``) goes with every
    number but the count.
    """
    sentences = []
    for pattern, key, phrase, label_key in ANSWER_CUES:
        if key not in report or not pattern.search(question):
            continue
        label = (
            f" ({report[label_key]})"
            if label_key and report.get(label_key) not in (None, "")
            else ""
        )
        value = report[key]
        shown = (
            format_quantity(value, unit)
            if isinstance(value, int | float) and key != "count"
            else number_text(value)
        )
        sentences.append(f"The {phrase} is {shown}{label}.")
    return " ".join(sentences)
