"""Documents: CSV/TSV tables, Markdown and plain text, PDF (pypdf), DOCX (python-docx), XLSX.

Every read is bounded (the first 200 KB of text, the first 20 PDF pages, the first 50 table rows
kept). OOXML is refused before any XML parser sees it when one of its parts has a DOCTYPE:
OOXML forbids DTDs, so a DOCTYPE can only be an entity attack (billion laughs, XXE).
"""

from __future__ import annotations

import csv
import math
import re
import xml.etree.ElementTree as ElementTree
import zipfile
import zlib
from pathlib import Path
from typing import Any

from unima.errors import InputError
from unima.inputs.sniff import ALLOWED_FORMATS, check_zip
from unima.perception.base import Findings
from unima.perception.phrasing import article, clean_metadata, name_list, quote
from unima.perception.readers.media import describe_image
from unima.perception.readers.text import count_lines, read_text

TEXT_LIMIT_CHARACTERS = 200 * 1024
MAX_PDF_PAGES = 20
MAX_TABLE_ROWS_KEPT = 50
MAX_TABLE_ROWS_SCANNED = 1_000_000
MAX_XML_PART_BYTES = 20 * 2**20

_DOCTYPE_PATTERNS = tuple(
    text.encode(encoding)
    for text in ("<!doctype",)
    for encoding in ("ascii", "utf-16-le", "utf-16-be")
)
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")

# Pages a PDF may declare (reliability.md §3.4); more is refused before any page is read.
MAX_PDF_PAGE_COUNT = 2000


def describe_document(path: Path, file_format: str, findings: Findings) -> None:
    """Fill ``findings`` (text, summary, meta) for a document of ``file_format``.

    Raises:
        InputError: For a DOCTYPE in OOXML, a damaged archive, or a format no document
            perceiver reads.
    """
    if file_format in ("csv", "tsv"):
        describe_table(path, "," if file_format == "csv" else "\t", file_format.upper(), findings)
    elif file_format in ("markdown", "txt"):
        describe_text_document(path, file_format, findings)
    elif file_format == "pdf":
        describe_pdf(path, findings)
    elif file_format in ("docx", "xlsx"):
        reject_doctype(path)
        (describe_docx if file_format == "docx" else describe_xlsx)(path, findings)
    elif file_format in ALLOWED_FORMATS["image"]:
        findings.summary = describe_image(path, findings, scanned_document=True)
    else:
        raise InputError(f"no document perceiver reads {file_format} files", source=str(path))


def describe_table(path: Path, delimiter: str, label: str, findings: Findings) -> None:
    """Parse a delimited table: columns, the first rows, the row count and numeric columns."""
    findings.text, truncated = read_text(path)
    columns: list[str] = []
    rows: list[list[str]] = []
    row_count, complete = 0, True
    stats: dict[int, dict[str, float]] = {}
    not_numeric: set[int] = set()
    try:
        with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            columns = _column_names(next(reader, []))
            for row in reader:
                if not any(cell.strip() for cell in row):
                    continue
                row_count += 1
                if row_count <= MAX_TABLE_ROWS_KEPT:
                    rows.append(row)
                _update_stats(row, len(columns), stats, not_numeric)
                if row_count >= MAX_TABLE_ROWS_SCANNED:
                    complete = False
                    break
    except csv.Error as error:
        findings.fail("csv parse", error)
    numeric = [columns[index] for index in sorted(stats) if index not in not_numeric]
    column_stats = {
        columns[index]: {
            "min": stats[index]["min"],
            "max": stats[index]["max"],
            "mean": round(stats[index]["sum"] / stats[index]["count"], 6),
            "count": int(stats[index]["count"]),
        }
        for index in sorted(stats)
        if index not in not_numeric
    }
    findings.meta["table"] = {
        "columns": columns,
        "rows": rows,
        "row_count": row_count,
        "row_count_complete": complete,
        "numeric_columns": numeric,
        "column_stats": column_stats,
    }
    findings.meta["truncated"] = truncated
    plural = "row" if row_count == 1 else "rows"
    summary = f"A {label} table with {row_count} {plural} and {len(columns)} columns: {name_list(columns)}."
    if numeric:
        summary += f" Numeric columns: {name_list(numeric)}."
    findings.summary = summary


def _column_names(header: list[str]) -> list[str]:
    names: list[str] = []
    for index, cell in enumerate(header, start=1):
        name = cell.strip() or f"column{index}"
        names.append(name if name not in names else f"{name}_{index}")
    return names


def _update_stats(
    row: list[str], width: int, stats: dict[int, dict[str, float]], not_numeric: set[int]
) -> None:
    for index, cell in enumerate(row[:width]):
        if index in not_numeric or not cell.strip():
            continue
        try:
            value = float(cell)
        except ValueError:
            not_numeric.add(index)
            continue
        if not math.isfinite(value):
            not_numeric.add(index)
            continue
        column = stats.setdefault(index, {"min": value, "max": value, "sum": 0.0, "count": 0})
        column["min"], column["max"] = min(column["min"], value), max(column["max"], value)
        column["sum"] += value
        column["count"] += 1


def describe_text_document(path: Path, file_format: str, findings: Findings) -> None:
    """Markdown or plain text: the text, counts, and Markdown headings."""
    text, truncated = read_text(path)
    findings.text = text
    lines, words = count_lines(path), len(text.split())
    findings.meta.update({"line_count": lines, "word_count": words, "truncated": truncated})
    if file_format == "markdown":
        headings = [match.group(2) for line in text.splitlines() if (match := _HEADING.match(line))]
        findings.meta["headings"] = headings
        outline = f"; headings: {name_list(headings)}" if headings else ""
        findings.summary = f"A Markdown document, {lines} lines and {words} words{outline}."
    else:
        findings.summary = (
            f"A plain-text document, {lines} lines and {words} words, beginning: “{quote(text)}”."
        )


def check_declared_page_count(reader: Any, path: str) -> None:
    """Refuse a page tree whose root declares (``/Count``) or lists (``/Kids``) too many pages.

    A tree that lies in both places is still walked, within the decode timeout.

    Raises:
        InputError: Over ``MAX_PDF_PAGE_COUNT`` pages.
    """
    try:
        tree = reader.trailer["/Root"]["/Pages"]
        count = tree["/Count"] if "/Count" in tree else 0  # noqa: SIM401 (get would skip pypdf's indirect-object resolution)
        kids = tree["/Kids"] if "/Kids" in tree else []  # noqa: SIM401
        declared = max(int(count), len(kids))
    except Exception:  # a damaged tree: pypdf's own recovery decides what the pages are
        return
    if declared > MAX_PDF_PAGE_COUNT:
        raise InputError(
            f"the PDF declares {declared} pages, over the limit of {MAX_PDF_PAGE_COUNT}",
            source=path,
        )


def describe_pdf(path: Path, findings: Findings) -> None:
    """PDF text of the first pages with pypdf; pypdf errors become failures, not crashes."""
    # pypdf and python-docx load on use: the full DocumentPerceiver imports this module but
    # runs them in an isolated child (document_pdf, document_office).
    from pypdf import PdfReader

    try:
        reader = PdfReader(str(path), strict=False)
        if reader.is_encrypted and not _decrypted(reader):
            findings.meta["encrypted"] = True
            findings.fail("decrypt", "the PDF is encrypted with a password")
            findings.summary = (
                "An encrypted PDF document whose text cannot be read without its password."
            )
            return
        check_declared_page_count(reader, str(path))
        page_count = len(reader.pages)
    except InputError:
        raise
    except (
        Exception
    ) as error:  # pypdf raises many types (PdfReadError, KeyError, ValueError ...) on damage
        findings.fail("open pdf", error)
        findings.summary = "A PDF document that could not be opened (damaged or unsupported)."
        return
    pieces: list[str] = []
    size = 0
    for index in range(min(page_count, MAX_PDF_PAGES)):
        try:
            page_text = reader.pages[index].extract_text() or ""
        except Exception as error:  # one bad page must not lose the others
            findings.fail(f"page {index + 1}", error)
            continue
        pieces.append(page_text)
        size += len(page_text)
        if size >= TEXT_LIMIT_CHARACTERS:
            break
    text = "\n\n".join(pieces)[:TEXT_LIMIT_CHARACTERS]
    findings.text = text
    title = _pdf_title(reader, findings)
    findings.meta.update({"page_count": page_count, "pages_read": len(pieces), "title": title})
    summary = f"{article(str(page_count)).capitalize()} {page_count}-page PDF document" + (
        f" titled “{title}”" if title else ""
    )
    if text.strip():
        summary += f", beginning: “{quote(text)}”."
    else:
        summary += " with no extractable text (scanned pages need OCR)."
    findings.summary = summary


def _decrypted(reader: Any) -> bool:
    try:
        return bool(reader.decrypt(""))
    except Exception:  # wrong algorithm, missing crypto dependency ...
        return False


def _pdf_title(reader: Any, findings: Findings) -> str:
    try:
        metadata = reader.metadata
        title = clean_metadata(metadata.title) if metadata is not None and metadata.title else ""
        # reportlab and others write a placeholder title; it says nothing about the document.
        return "" if title.lower() in {"untitled", "untitled document"} else title
    except Exception as error:  # metadata dictionaries are often malformed
        findings.fail("pdf metadata", error)
        return ""


def reject_doctype(path: Path) -> None:
    """Refuse an OOXML file when any XML part holds a DOCTYPE, before any parser runs.

    Raises:
        InputError: When a part has a DOCTYPE, or the archive is damaged or over its bounds.
    """
    shown = str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            check_zip(archive, shown)
            for info in archive.infolist():
                if info.filename.endswith((".xml", ".rels")) and _has_doctype(archive, info):
                    raise InputError(
                        f"part {info.filename!r} has a DOCTYPE, which OOXML forbids (an XML entity attack?)",
                        source=shown,
                    )
    except (
        zipfile.BadZipFile,
        OSError,
        EOFError,
        NotImplementedError,
        RuntimeError,
        zlib.error,
    ) as error:
        raise InputError(f"the OOXML archive is damaged ({error})", source=shown) from None


def _has_doctype(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    overlap = max(len(pattern) for pattern in _DOCTYPE_PATTERNS)
    tail = b""
    with archive.open(info) as member:
        for chunk in iter(lambda: member.read(1 << 20), b""):
            window = (tail + chunk).lower()
            if any(pattern in window for pattern in _DOCTYPE_PATTERNS):
                return True
            tail = window[-overlap:]
    return False


def describe_docx(path: Path, findings: Findings) -> None:
    """Paragraphs, headings and tables of a Word document with python-docx."""
    import docx  # on use, like pypdf above

    try:
        document = docx.Document(str(path))
        paragraphs = [
            (paragraph.style.name if paragraph.style is not None else "", paragraph.text)
            for paragraph in document.paragraphs
        ]
        tables = [
            [
                [cell.text.strip() for cell in row.cells]
                for row in list(table.rows)[:MAX_TABLE_ROWS_KEPT]
            ]
            for table in document.tables[:20]
        ]
        title = clean_metadata(document.core_properties.title or "")
    except Exception as error:  # python-docx raises KeyError/ValueError/lxml errors on odd files
        findings.fail("python-docx", error)
        findings.summary = "A Word document that python-docx could not read."
        return
    texts = [text for _, text in paragraphs if text.strip()]
    headings = [
        text
        for style, text in paragraphs
        if text.strip() and (style.startswith("Heading") or style == "Title")
    ]
    table_text = "\n\n".join("\n".join("\t".join(row) for row in table) for table in tables)
    findings.text = ("\n".join(texts) + ("\n\n" + table_text if table_text else ""))[
        :TEXT_LIMIT_CHARACTERS
    ]
    findings.meta.update(
        {
            "paragraph_count": len(texts),
            "headings": headings,
            "title": title,
            "tables": [
                {
                    "rows": table,
                    "row_count": len(table),
                    "column_count": max((len(row) for row in table), default=0),
                }
                for table in tables
            ],
        }
    )
    summary = f"A Word document with {len(texts)} paragraphs and {len(tables)} table{'s' if len(tables) != 1 else ''}"
    if headings:
        summary += f"; headings: {name_list(headings)}"
    if texts:
        summary += f"; it begins: “{quote(' '.join(texts))}”"
    findings.summary = summary + "."


def describe_xlsx(path: Path, findings: Findings) -> None:
    """Sheet names and the shared strings of an Excel workbook (no cell formulas evaluated)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            workbook = ElementTree.fromstring(_bounded_member(archive, "xl/workbook.xml"))
            sheets = [
                element.get("name", "")
                for element in workbook.iter()
                if element.tag.endswith("}sheet")
            ]
            strings: list[str] = []
            if "xl/sharedStrings.xml" in names:
                shared = ElementTree.fromstring(_bounded_member(archive, "xl/sharedStrings.xml"))
                strings = [
                    "".join(node.text or "" for node in item.iter() if node.tag.endswith("}t"))
                    for item in shared
                ]
    except (ElementTree.ParseError, KeyError, ValueError) as error:
        findings.fail("xlsx parse", error)
        findings.summary = "An Excel workbook whose XML could not be read."
        return
    findings.text = "\n".join(strings)[:TEXT_LIMIT_CHARACTERS]
    findings.meta.update({"sheets": sheets, "shared_string_count": len(strings)})
    summary = f"An Excel workbook with {len(sheets)} sheet{'s' if len(sheets) != 1 else ''}: {name_list(sheets)}"
    if strings:
        summary += f"; its cells include “{quote(' '.join(strings), 15)}”"
    findings.summary = summary + "."


def _bounded_member(archive: zipfile.ZipFile, name: str) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > MAX_XML_PART_BYTES:
        raise ValueError(f"{name} expands to {info.file_size} bytes, over {MAX_XML_PART_BYTES}")
    return archive.read(info)
