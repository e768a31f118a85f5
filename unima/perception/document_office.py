"""Word and Excel perception: python-docx and openpyxl in a subprocess, tables kept as rows.

``decode_docx`` and ``decode_xlsx`` run in a child process through ``run_isolated``: both
libraries parse hostile XML with lxml and can be driven into long or memory-hungry work by a
crafted archive. The parent has already refused archives with a DOCTYPE in any part and zip
bombs (``reject_doctype``, from ``readers.documents``). Every loop is bounded: paragraphs,
tables, rows kept and scanned, sheets and columns. Cells come back as display strings; numeric
Excel columns also get their minimum, maximum and mean.
"""

from __future__ import annotations

import datetime
import math
from pathlib import Path
from typing import Any

from unima.perception.base import Findings
from unima.perception.document_pdf import decode_isolated
from unima.perception.phrasing import clean_metadata, name_list, quote

MAX_PARAGRAPHS = 5_000
MAX_TABLES = 20
MAX_TABLE_ROWS_KEPT = 50
MAX_SHEETS = 20
MAX_SHEET_ROWS_SCANNED = 100_000
MAX_COLUMNS = 200
MAX_TEXT_CHARACTERS = 200 * 1024
DECODE_TIMEOUT_SECONDS = 60.0


def decode_docx(path: str) -> dict[str, Any]:
    """Read a Word document (runs in the isolated child).

    Returns:
        ``{"title", "blocks": [{"kind": "paragraph", "style", "text"} | {"kind": "table",
        "rows", "row_count", "column_count"}], "truncated"}`` in document order.
    """
    # python-docx and openpyxl (0.1 s) are imported in the isolated child only, never the parent.
    import docx
    from docx.table import Table

    document = docx.Document(path)
    blocks: list[dict[str, Any]] = []
    paragraphs = tables = 0
    truncated = False
    for item in _body_items(document):
        if isinstance(item, Table):
            if tables >= MAX_TABLES:
                truncated = True
                continue
            tables += 1
            rows, row_count = [], 0
            for row in item.rows:
                row_count += 1
                if row_count <= MAX_TABLE_ROWS_KEPT:
                    rows.append([cell.text.strip() for cell in row.cells][:MAX_COLUMNS])
            blocks.append(
                {
                    "kind": "table",
                    "rows": rows,
                    "row_count": row_count,
                    "column_count": max((len(row) for row in rows), default=0),
                }
            )
        else:
            if paragraphs >= MAX_PARAGRAPHS:
                truncated = True
                break
            paragraphs += 1
            style = item.style.name if item.style is not None else ""
            blocks.append({"kind": "paragraph", "style": style or "", "text": item.text})
    return {
        "title": document.core_properties.title or "",
        "blocks": blocks,
        "truncated": truncated,
    }


def _body_items(document: Any) -> Any:
    """Paragraphs and tables in document order (python-docx >= 1.1), else paragraphs then tables."""
    if hasattr(document, "iter_inner_content"):
        return document.iter_inner_content()
    return [*document.paragraphs, *document.tables]


def decode_xlsx(path: str) -> dict[str, Any]:
    """Read an Excel workbook's cached cell values (runs in the isolated child; no formulas run).

    Returns:
        ``{"sheets": [{"name", "rows", "row_count", "column_count", "complete",
        "numeric_columns": {name: {"min", "max", "mean", "count"}}}], "sheet_count"}``.
    """
    import openpyxl  # in the isolated child only, like docx above

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        names = list(workbook.sheetnames)
        sheets = [_read_sheet(workbook[name], name) for name in names[:MAX_SHEETS]]
    finally:
        workbook.close()
    return {"sheets": sheets, "sheet_count": len(names)}


def _read_sheet(sheet: Any, name: str) -> dict[str, Any]:
    rows: list[list[str]] = []
    header: list[str] = []
    stats: dict[int, dict[str, float]] = {}
    not_numeric: set[int] = set()
    row_count, width, complete = 0, 0, True
    for values in sheet.iter_rows(
        max_row=MAX_SHEET_ROWS_SCANNED, max_col=MAX_COLUMNS, values_only=True
    ):
        cells = list(values or ())
        while cells and cells[-1] in (None, ""):
            cells.pop()
        if not cells:
            continue
        row_count += 1
        width = max(width, len(cells))
        if row_count == 1:
            header = [_cell_text(value) for value in cells]
        else:
            _update_numeric(cells, stats, not_numeric)
        if row_count <= MAX_TABLE_ROWS_KEPT:
            rows.append([_cell_text(value) for value in cells])
    if getattr(sheet, "max_row", None) and sheet.max_row > MAX_SHEET_ROWS_SCANNED:
        complete = False
    columns = [
        (header[index] if index < len(header) and header[index] else f"column{index + 1}")
        for index in range(width)
    ]
    numeric = {
        columns[index]: {
            "min": column["min"],
            "max": column["max"],
            "mean": round(column["sum"] / column["count"], 6),
            "count": int(column["count"]),
        }
        for index, column in sorted(stats.items())
        if index not in not_numeric and index < width
    }
    return {
        "name": name,
        "rows": rows,
        "row_count": row_count,
        "column_count": width,
        "columns": columns,
        "complete": complete,
        "numeric_columns": numeric,
    }


def _update_numeric(
    cells: list[Any], stats: dict[int, dict[str, float]], not_numeric: set[int]
) -> None:
    for index, value in enumerate(cells):
        if value is None or value == "" or index in not_numeric:
            continue
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            not_numeric.add(index)
            continue
        number = float(value)
        column = stats.setdefault(index, {"min": number, "max": number, "sum": 0.0, "count": 0})
        column["min"], column["max"] = min(column["min"], number), max(column["max"], number)
        column["sum"] += number
        column["count"] += 1


def _cell_text(value: Any) -> str:
    """A cell as it reads: ``4500`` not ``4500.0``, dates in ISO form, empty for None."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime.datetime) and value.time() == datetime.time(0):
        return value.date().isoformat()  # Excel stores dates as midnight datetimes
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value).strip()


def describe_docx(path: Path, findings: Findings) -> None:
    """Fill ``findings`` for a Word document decoded in isolation.

    Raises:
        InputError: When python-docx times out, crashes or cannot read the file.
    """
    decoded = decode_isolated(
        "unima.perception.document_office:decode_docx",
        path,
        "Word document",
        DECODE_TIMEOUT_SECONDS,
    )
    blocks = decoded["blocks"]
    paragraphs = [
        block for block in blocks if block["kind"] == "paragraph" and block["text"].strip()
    ]
    tables = [
        {key: block[key] for key in ("rows", "row_count", "column_count")}
        for block in blocks
        if block["kind"] == "table"
    ]
    headings = [
        block["text"].strip()
        for block in paragraphs
        if block["style"].startswith("Heading") or block["style"] == "Title"
    ]
    title = clean_metadata(decoded.get("title") or "") or next(
        (block["text"].strip() for block in paragraphs if block["style"] == "Title"), ""
    )
    pieces = []
    for block in blocks:
        if block["kind"] == "table":
            pieces.append("\n".join(" | ".join(row) for row in block["rows"]))
        elif block["text"].strip():
            pieces.append(block["text"])
    findings.text = "\n".join(pieces)[:MAX_TEXT_CHARACTERS]
    if decoded.get("truncated"):
        findings.fail(
            "python-docx", "the document is longer than the bounds; the rest was not read"
        )
    findings.meta.update(
        {"title": title, "paragraph_count": len(paragraphs), "headings": headings, "tables": tables}
    )
    summary = f"A Word document{f' titled “{title}”' if title else ''} with {len(paragraphs)} paragraph{'s' if len(paragraphs) != 1 else ''}"
    summary += f" and {len(tables)} table{'s' if len(tables) != 1 else ''}"
    if tables:
        shapes = "; ".join(
            f"{_plural(table['row_count'], 'row')} x {_plural(table['column_count'], 'column')}: "
            f"{name_list(table['rows'][0])}"
            for table in tables[:3]
            if table["rows"]
        )
        summary += f" ({shapes})"
    if headings:
        summary += f"; headings: {name_list(headings)}"
    if paragraphs:
        summary += f"; it begins: “{quote(' '.join(block['text'] for block in paragraphs))}”"
    findings.summary = summary + "."


def describe_xlsx(path: Path, findings: Findings) -> None:
    """Fill ``findings`` for an Excel workbook decoded in isolation, one table per sheet.

    Raises:
        InputError: When openpyxl times out, crashes or cannot read the file.
    """
    decoded = decode_isolated(
        "unima.perception.document_office:decode_xlsx",
        path,
        "Excel workbook",
        DECODE_TIMEOUT_SECONDS,
    )
    sheets = decoded["sheets"]
    if decoded["sheet_count"] > len(sheets):
        findings.fail(
            "openpyxl", f"only the first {len(sheets)} of {decoded['sheet_count']} sheets were read"
        )
    findings.meta.update(
        {
            "sheets": [sheet["name"] for sheet in sheets],
            "tables": [
                {
                    "sheet": sheet["name"],
                    "rows": sheet["rows"],
                    "row_count": sheet["row_count"],
                    "column_count": sheet["column_count"],
                    "columns": sheet["columns"],
                    "numeric_columns": sheet["numeric_columns"],
                    "complete": sheet["complete"],
                }
                for sheet in sheets
            ],
        }
    )
    findings.text = "\n\n".join(
        f"# {sheet['name']}\n" + "\n".join("\t".join(row) for row in sheet["rows"])
        for sheet in sheets
    )[:MAX_TEXT_CHARACTERS]
    count = decoded["sheet_count"]
    described = []
    for sheet in sheets[:8]:
        # The first row is the header when the sheet has more rows; count the data rows.
        data_rows = sheet["row_count"] - 1 if sheet["row_count"] > 1 else sheet["row_count"]
        shape = f"{_plural(data_rows, 'row')} x {_plural(sheet['column_count'], 'column')}"
        if sheet["columns"]:
            shape += f": {name_list(sheet['columns'])}"
        numbers = [
            f"{name} {_number(stats['min'])} to {_number(stats['max'])}"
            for name, stats in list(sheet["numeric_columns"].items())[:4]
        ]
        if numbers:
            shape += f"; ranges {', '.join(numbers)}"
        described.append(f"{sheet['name']} ({shape})")
    findings.summary = (
        f"An XLSX workbook with {count} sheet{'s' if count != 1 else ''}: "
        + "; ".join(described)
        + "."
    )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else f"{value:g}"
