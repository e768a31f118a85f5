"""No-reference document quality: reopens, carries text, pages and structure (method ``reopen``).

The released code OCRs the file and asks gpt-5-mini for a 0-100 rating, opening it with PIL so
PDFs fail (unima.md §2.1, §5). This scorer reopens the document with unima's own perception
(pypdf, python-docx, openpyxl, CSV/text readers, RapidOCR for scanned pages and page images, all
in an isolated child process) and measures:

- integrity: 1 when perception read the whole file, 0.5 when it reports failures part-way.
- content: ``characters / 200`` of extracted text, capped at 1 (an empty page scores 0).
- pages (paged formats only): the share of read pages that carry text.
- writing: the text scorer's well-formedness (``unima.eval.quality.text``) of the extracted
  text, divided by 100.
- structure: 1 when the document has tables, headings or more than one paragraph or page,
  else 0.5 (a one-line note is a weak document).

Weights: integrity 0.20, content 0.25, pages 0.15, writing 0.30, structure 0.10. A file that
cannot be reopened scores 0.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import unima
from unima.errors import UnimaError
from unima.eval.quality.common import clamp, combine, failed_value, quality_value
from unima.eval.quality.text import score_text
from unima.eval.records import MetricValue

METHOD = "reopen"
WEIGHTS = {"integrity": 0.20, "content": 0.25, "pages": 0.15, "writing": 0.30, "structure": 0.10}
FULL_TEXT_CHARACTERS = 200


def assess_perception(
    meta: dict[str, Any], text: str, failures: tuple[str, ...]
) -> tuple[dict[str, float | None], dict[str, Any]]:
    """Sub-scores (0-1) and measurements from a document's perception."""
    pages: list[Any] | None = meta["pages"] if isinstance(meta.get("pages"), list) else None
    pages_with_text = (
        sum(1 for page in pages if isinstance(page, dict) and str(page.get("text", "")).strip())
        if pages
        else 0
    )
    tables: list[Any] = meta["tables"] if isinstance(meta.get("tables"), list) else []
    headings: list[Any] = meta["headings"] if isinstance(meta.get("headings"), list) else []
    paragraphs = int(meta.get("paragraph_count", 0) or 0)
    structured = bool(tables or headings or paragraphs > 1 or (pages and len(pages) > 1))
    writing = score_text(text).value if text.strip() else 0.0
    subscores: dict[str, float | None] = {
        "integrity": 0.5 if failures else 1.0,
        "content": clamp(len(text.strip()) / FULL_TEXT_CHARACTERS),
        "pages": pages_with_text / len(pages) if pages else None,
        "writing": (writing or 0.0) / 100.0,
        "structure": 1.0 if structured else 0.5,
    }
    measurements: dict[str, Any] = {
        "format": meta.get("format"),
        "page_count": meta.get("page_count"),
        "pages_with_text": pages_with_text if pages else None,
        "tables": len(tables),
        "headings": len(headings),
        "characters": len(text.strip()),
        "failures": list(failures)[:5],
    }
    return subscores, measurements


def score_document(path: Path) -> MetricValue:
    """GQ of a document (or a page image in a document slot): ``gq:document/reopen``."""

    try:
        perception = unima.perceive(path)
    except UnimaError as error:
        return failed_value("document", METHOD, f"the document cannot be reopened: {error}")
    if perception.modality not in ("document", "image"):
        return failed_value(
            "document", METHOD, f"the file is {perception.modality}, not a document"
        )
    subscores, measurements = assess_perception(
        perception.meta, perception.text, perception.failures
    )
    return quality_value(
        "document",
        METHOD,
        combine(subscores, WEIGHTS),
        subscores=subscores,
        weights=WEIGHTS,
        measurements=measurements,
    )
