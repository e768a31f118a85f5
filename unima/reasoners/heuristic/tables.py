"""Which column of a table holds the data, and which one names the rows.

A table read from a CSV file, a PDF page, a Word document or a sheet is rows of cell strings.
``choose_columns`` decides:

- whether the first row is a header (it is when a column's body is numeric and its first cell
  is not), so a header-less table keeps its first pair;
- which numeric columns only number the rows (a header such as ``#``, ``No.``, ``ID``,
  ``Rank`` or a blank one, or the values 1..n / 0..n-1 in order) or date them (years in
  order): those name rows, they are never the values;
- the value column: the numeric column whose header the question names ("the mean *score*"),
  else the last remaining numeric column;
- the label column: the first text column, else a year or index column, else the row number.

Rows that sum the others up ("Total", "Average") are left out, so a total is not counted twice.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from unima.reasoners.heuristic.numbers import parse_quantity

INDEX_HEADER = re.compile(
    r"^(#|n[o°]\.?|nr\.?|num\.?|number|id|idx|index|rank|ranking|row|pos\.?|position|"
    r"s\.?\s?no\.?|sl\.?\s?no\.?|sr\.?\s?no\.?|serial|unnamed:?\s*\d*|column\d+)?$",
    re.IGNORECASE,
)
SUMMARY_ROW = re.compile(r"^\s*(grand\s+)?(total|sum|subtotal|average|mean|overall)\b", re.I)
YEAR_HEADER = re.compile(r"\b(year|yr)\b", re.IGNORECASE)
LabelKind = Literal["text", "number", "row"]


@dataclass(frozen=True)
class TableColumns:
    """The columns ``choose_columns`` picked, and the body rows it read them from.

    Attributes:
        header: The header row, empty when the table has none.
        body: The data rows (summary rows such as "Total" left out), padded to one width.
        value_column: Index of the column whose numbers are the data.
        label_column: Index of the column that names each row, or None (rows are numbered).
        label_kind: ``text`` (a text column), ``number`` (a year or index column) or ``row``.
        unit: The unit the value cells carry (``%``, ``kg``, ``$``) when they all share one.
    """

    header: tuple[str, ...]
    body: tuple[tuple[str, ...], ...]
    value_column: int
    label_column: int | None
    label_kind: LabelKind
    unit: str = ""

    @property
    def value_name(self) -> str:
        """The value column's header, or ``value``."""
        name = self.header[self.value_column] if self.header else ""
        return name if name and not INDEX_HEADER.match(name) else "value"

    @property
    def label_prefix(self) -> str:
        """What goes before a numeric label: ``"ID "`` for an ID column, nothing for years."""
        if self.label_kind != "number" or self.label_column is None:
            return ""
        name = self.header[self.label_column] if self.header else ""
        if YEAR_HEADER.search(name) or _years([row[self.label_column] for row in self.body]):
            return ""
        return f"{name} " if re.fullmatch(r"[A-Za-z][A-Za-z .]*", name) else "row "

    def pairs(self) -> list[tuple[str, float]]:
        """(label, value) for every body row whose value cell holds a number."""
        pairs = []
        for number, row in enumerate(self.body, 1):
            quantity = parse_quantity(row[self.value_column])
            if quantity is None:
                continue
            if self.label_column is None:
                label = f"row {number}"
            else:
                label = f"{self.label_prefix}{row[self.label_column]}".strip() or f"row {number}"
            pairs.append((label, quantity[0]))
        return pairs


def choose_columns(rows: Sequence[Sequence[Any]], question: str = "") -> TableColumns | None:
    """The value and label columns of ``rows``, or None when no column holds data."""
    cleaned = [
        [" ".join(str(cell if cell is not None else "").split()) for cell in row]
        for row in rows
        if isinstance(row, Sequence) and not isinstance(row, str)
    ]
    cleaned = [row for row in cleaned if any(cell for cell in row)]
    if len(cleaned) < 2:
        return None
    width = max(len(row) for row in cleaned)
    padded = [tuple(row + [""] * (width - len(row))) for row in cleaned]
    header: tuple[str, ...] = ()
    if any(
        padded[0][column]
        and parse_quantity(padded[0][column]) is None
        and _numeric([row[column] for row in padded[1:]])
        for column in range(width)
    ):
        header, padded = padded[0], padded[1:]
    numeric = [column for column in range(width) if _numeric([row[column] for row in padded])]
    text_columns = [
        column
        for column in range(width)
        if column not in numeric and any(row[column] for row in padded)
    ]
    if text_columns:
        padded = [row for row in padded if not SUMMARY_ROW.match(row[text_columns[0]])]
    if not numeric or not padded:
        return None
    named_index = {column for column in numeric if header and INDEX_HEADER.match(header[column])}
    numbering = {
        column
        for column in numeric
        if _counts_rows([row[column] for row in padded])
        or _years([row[column] for row in padded])
        or (header and YEAR_HEADER.search(header[column]))
    }
    candidates = [column for column in numeric if column not in named_index | numbering]
    if not candidates:
        # A lone column that counts 1..n under a data header ("Wins") is still data; a column
        # headed "#" or "ID" never is.
        candidates = [column for column in numeric if column not in named_index]
    if not candidates:
        return None
    # A column the question names is the data even when its header looks like a row number
    # ("the mean rank"); a blank or "#" header is never named.
    named = [column for column in numeric if header and header[column].strip("#").strip()]
    value_column = _named_in_question(named, header, question)
    if value_column is None:
        value_column = candidates[-1]
    label_column: int | None
    label_kind: LabelKind
    if text_columns:
        label_column, label_kind = text_columns[0], "text"
    else:
        numbered = [column for column in numeric if column != value_column]
        years = [column for column in numbered if column in numbering and column not in named_index]
        label_column = next(iter(years or numbered), None)
        label_kind = "number" if label_column is not None else "row"
    units = {quantity[1] for row in padded if (quantity := parse_quantity(row[value_column]))}
    return TableColumns(
        header=header,
        body=tuple(padded),
        value_column=value_column,
        label_column=label_column,
        label_kind=label_kind,
        unit=units.pop() if len(units) == 1 else "",
    )


def question_words(question: str) -> set[str]:
    """The question's words, singular (``scores`` -> ``score``), lower case."""
    return {_singular(word) for word in re.findall(r"[a-z][a-z0-9_]*", question.lower())}


def _named_in_question(candidates: list[int], header: tuple[str, ...], question: str) -> int | None:
    if not header or not question or not candidates:
        return None
    asked = question_words(question)
    scored = [
        (len(question_words(header[column].replace("_", " ")) & asked), column)
        for column in candidates
    ]
    best = max(scored)
    return best[1] if best[0] > 0 else None


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _numeric(cells: list[str]) -> bool:
    """Every filled cell holds a number, and at least one cell is filled."""
    filled = [cell for cell in cells if cell]
    return bool(filled) and all(parse_quantity(cell) is not None for cell in filled)


def _integers(cells: list[str]) -> list[float] | None:
    values = [parse_quantity(cell) for cell in cells]
    if not values or any(
        value is None or value[1] or not value[0].is_integer() for value in values
    ):
        return None
    return [value[0] for value in values if value is not None]


def _counts_rows(cells: list[str]) -> bool:
    """1, 2, 3 ... or 0, 1, 2 ... down the column: row numbers, not data."""
    values = _integers(cells)
    if not values or len(values) < 2:
        return False
    return values == [float(values[0] + step) for step in range(len(values))] and values[0] in (
        0.0,
        1.0,
    )


def _years(cells: list[str]) -> bool:
    """Years in increasing order (2019, 2020, 2021): the rows' dates, not data."""
    values = _integers(cells) or []
    return (
        len(values) >= 2
        and all(1800 <= value <= 2100 for value in values)
        and all(left < right for left, right in itertools.pairwise(values))
    )
