"""Documents: PDF, DOCX, XLSX, CSV/TSV, Markdown, plain text, and pages given as images.

Risky decoders (pypdf, python-docx, openpyxl) run in a subprocess with a timeout and a memory
limit (``document_pdf``, ``document_office``); text formats and CSV reuse the bounded
readers of ``readers.documents``. A document given as an image (UniM's documents are mostly PNG
renders of pages) is read by OCR as one page. Every format puts its text in ``text``, its pages
in ``meta["pages"]`` where it has pages, and its tables in ``meta["tables"]`` as rows of cell
strings, so a reasoner reads a DOCX table, an Excel sheet and a CSV file the same way.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path
from typing import Any, ClassVar

from unima.errors import InputError
from unima.inputs.sniff import ALLOWED_FORMATS
from unima.perception import document_office
from unima.perception.base import FilePerceiver, Findings, format_of
from unima.perception.document_pdf import describe_pdf
from unima.perception.image import load_first_frame, ocr_image
from unima.perception.phrasing import quote
from unima.perception.readers import documents
from unima.perception.readers.media import describe_image
from unima.types import Part


class DocumentPerceiver(FilePerceiver):
    """Documents of every accepted format, with OCR for scanned pages and page images."""

    modality: ClassVar[str] = "document"
    backend: ClassVar[str] = "pypdf+python-docx+openpyxl+rapidocr"

    def describe(self, part: Part, path: Path, findings: Findings) -> None:
        file_format = format_of(part)
        if file_format in ("csv", "tsv"):
            label = file_format.upper()
            documents.describe_table(path, "," if file_format == "csv" else "\t", label, findings)
            table = findings.meta["table"]
            findings.meta["tables"] = [
                {
                    "rows": [table["columns"], *table["rows"]],
                    "row_count": table["row_count"] + 1,
                    "column_count": len(table["columns"]),
                }
            ]
        elif file_format in ("markdown", "txt"):
            documents.describe_text_document(path, file_format, findings)
        elif file_format == "pdf":
            describe_pdf(path, findings)
        elif file_format in ("docx", "xlsx"):
            reject_doctype(path)  # before any XML parser sees the archive
            if file_format == "docx":
                document_office.describe_docx(path, findings)
            else:
                document_office.describe_xlsx(path, findings)
        elif file_format in ALLOWED_FORMATS["image"]:
            describe_page_image(path, findings)
        else:
            raise InputError(f"no document perceiver reads {file_format} files", source=str(path))


def reject_doctype(path: Path) -> None:
    """The DOCTYPE and zip-bomb check of ``readers.documents``, with every archive error typed.

    Raises:
        InputError: For a DOCTYPE, a zip bomb, or a damaged archive (a corrupt deflate stream
            raises ``zlib.error``, an encrypted member ``RuntimeError``, an unknown compression
            method ``NotImplementedError``).
    """
    try:
        documents.reject_doctype(path)
    except InputError:
        raise
    except (zlib.error, zipfile.BadZipFile, RuntimeError, NotImplementedError, ValueError) as error:
        raise InputError(
            f"the OOXML archive is damaged ({type(error).__name__}: {error})", source=str(path)
        ) from None


def describe_page_image(path: Path, findings: Findings) -> None:
    """A document page given as an image: its facts, then its text by OCR as page 1.

    Raises:
        InputError: For an image that cannot be decoded, a bomb or one over the size caps.
    """
    opening = describe_image(path, findings, scanned_document=True)
    findings.summary = opening
    picture = load_first_frame(path, findings)
    if picture is None:
        return
    lines = ocr_image(picture, findings)
    if lines is None:
        return
    findings.meta["pages"] = [{"number": 1, "text": findings.text, "scanned": True, "ocr": True}]
    findings.summary = page_summary(findings.meta, findings.text)


def page_summary(meta: dict[str, Any], text: str) -> str:
    """``A document page (a 1240x1754 PNG image) that reads: “…”`` from the OCR text."""
    size = f"{meta.get('width')}x{meta.get('height')} {meta.get('image_format') or 'image'}"
    if not text.strip():
        return f"A document page given as a {size} image, with no text found by OCR."
    lines = [line for line in text.splitlines() if line.strip()]
    heading = f", headed “{lines[0].strip()}”" if lines and len(lines[0]) <= 80 else ""
    words = len(text.split())
    return (
        f"A document page given as a {size} image{heading}; OCR read {len(lines)} lines "
        f"({words} words): “{quote(text.replace(chr(10), ' / '), 80)}”."
    )
