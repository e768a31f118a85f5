"""Read a written document back and check it holds what was asked for.

Text is compared after collapsing whitespace and case, because PDF text extraction re-flows
lines: a title wrapped over two lines comes back with a newline where the space was.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from unima.tools.common import one_line
from unima.tools.document.arguments import DocumentArguments
from unima.types import Verification

MARKDOWN_TABLE_RULE = re.compile(r"^\|( --- \|)+$", re.MULTILINE)
MARKDOWN_FIGURE = re.compile(r"^!\[[^\]]*\]\([^)]+\)$", re.MULTILINE)


def normalise(text: str) -> str:
    """Whitespace collapsed to single spaces and case folded, for containment checks."""
    return " ".join(text.split()).casefold()


def verify_document(path: Path, arguments: DocumentArguments, *, figure_count: int) -> Verification:
    """Reopen ``path`` in its format and check title, headings, tables and figures."""
    checks: dict[str, Any] = {"format": arguments.format}
    problems: list[str] = []
    if not path.is_file() or path.stat().st_size == 0:
        return Verification(passed=False, checks=checks, problems=(f"{path} is missing or empty",))
    checks["size_bytes"] = path.stat().st_size
    reader = {"pdf": _read_pdf, "docx": _read_docx, "markdown": _read_markdown}[arguments.format]
    try:
        text = reader(path, checks)
    except Exception as error:  # any parser failure means the file is broken; report, not raise
        return Verification(
            passed=False,
            checks=checks,
            problems=(f"{arguments.format} file does not reopen: {error}",),
        )
    found = normalise(text)
    checks["characters"] = len(text)
    if normalise(one_line(arguments.title)) not in found:
        problems.append(f"title {one_line(arguments.title)!r} not found in the document text")
    missing = [
        section.heading
        for section in arguments.sections
        if normalise(one_line(section.heading)) not in found
    ]
    checks["headings_found"] = len(arguments.sections) - len(missing)
    if missing:
        problems.append(f"headings not found in the document text: {missing}")
    # Markdown body text may hold pipe tables of its own, so there only a shortfall counts.
    expected_tables = len(arguments.tables)
    if "tables" in checks and (
        checks["tables"] < expected_tables
        or (arguments.format == "docx" and checks["tables"] != expected_tables)
    ):
        problems.append(f"{checks['tables']} tables found, expected {expected_tables}")
    if "figures" in checks and checks["figures"] < figure_count:
        problems.append(f"{checks['figures']} figures found, expected {figure_count}")
    return Verification(passed=not problems, checks=checks, problems=tuple(problems))


def _read_pdf(path: Path, checks: dict[str, Any]) -> str:
    # pypdf: about 0.1 s to import; only a PDF's check needs it, not loading the tool.
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    checks["pages"] = len(reader.pages)
    checks["figures"] = sum(len(page.images) for page in reader.pages)
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def _read_docx(path: Path, checks: dict[str, Any]) -> str:
    # python-docx: about 0.06 s to import (lxml); only a DOCX's check needs it.
    from docx import Document

    document = Document(str(path))
    checks["paragraphs"] = len(document.paragraphs)
    checks["tables"] = len(document.tables)
    checks["figures"] = len(document.inline_shapes)
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([paragraph.text for paragraph in document.paragraphs] + cells)


def _read_markdown(path: Path, checks: dict[str, Any]) -> str:
    text = path.read_bytes().decode("utf-8")
    checks["lines"] = text.count("\n") + 1
    checks["tables"] = len(MARKDOWN_TABLE_RULE.findall(text))
    checks["figures"] = len(MARKDOWN_FIGURE.findall(text))
    return text
