"""PDF perception: pypdf text per page and layout tables in a subprocess, OCR for scanned pages.

``decode_pdf`` runs in a child process through ``run_isolated`` (pypdf parses hostile bytes in
pure Python and decodes images through Pillow: a crafted file can hang it or exhaust memory). It
reads at most ``MAX_PDF_PAGES`` pages with pypdf's decompression caps tightened, keeps the text in
layout mode (so table rows stay on one line), finds tables as runs of lines with the same number
of column gaps, and writes the embedded images of pages without text ("scanned" pages) as PNG
files into a scratch folder. The parent OCRs those images with the shared RapidOCR engine, so the
model is loaded once per process rather than once per file.
"""

from __future__ import annotations

import atexit
import re
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

from unima.backends.ocr import lines_to_text, recognize
from unima.errors import InputError
from unima.perception.base import Findings
from unima.perception.isolation import run_isolated
from unima.perception.phrasing import article, clean_metadata, name_list, quote
from unima.perception.readers.documents import check_declared_page_count

MAX_PDF_PAGES = 50
# Reliability notes §3.4: a PDF declaring more pages is refused before pypdf walks its page
# tree (``len(reader.pages)`` reads every page object: 100,000 empty pages take ~15 s).
MAX_TEXT_CHARACTERS = 200 * 1024
MAX_SCANNED_PAGES = 10
MAX_IMAGES_PER_PAGE = 3
MAX_IMAGE_PIXELS = 25_000_000
MIN_IMAGE_SIDE = 32
# A page with fewer visible characters than this counts as scanned when it holds images.
SCANNED_TEXT_CHARACTERS = 20
MAX_TABLES = 20
MAX_TABLE_ROWS = 50
DECODE_TIMEOUT_SECONDS = 60.0
# pypdf's own caps are generous (GBs); a document page needs far less.
STREAM_OUTPUT_LIMIT = 64 * 2**20

_COLUMN_GAP = re.compile(r"\s{2,}")
# Scratch folders made by this process, removed at exit (page images outlive one call: the
# perception refers to them, and a perception model may be shown them later).
_scratch_folders: set[str] = set()
_scratch_lock = threading.Lock()
_cleanup_registered = False


def decode_pdf(path: str, scratch_dir: str) -> dict[str, Any]:
    """Read a PDF (runs in the isolated child).

    Args:
        path: The PDF file.
        scratch_dir: Where embedded images of scanned pages are written as PNG.

    Returns:
        ``{"page_count", "title", "encrypted", "pages": [{"number", "text", "tables",
        "images"}], "failures": [...]}``.
    """
    from pypdf import PdfReader  # pypdf (60 ms): only the isolated child parses PDFs

    _tighten_pypdf_limits()
    failures: list[str] = []
    reader = PdfReader(path, strict=False)
    if reader.is_encrypted:
        try:
            opened = bool(reader.decrypt(""))
        except Exception:  # unsupported algorithm, missing crypto dependency ...
            opened = False
        if not opened:
            return {"page_count": 0, "title": "", "encrypted": True, "pages": [], "failures": []}
    check_declared_page_count(reader, path)
    page_count = len(reader.pages)
    pages: list[dict[str, Any]] = []
    characters, scanned = 0, 0
    for index in range(min(page_count, MAX_PDF_PAGES)):
        number = index + 1
        try:
            page = reader.pages[index]
            text = _page_text(page)
        except Exception as error:  # one bad page must not lose the others
            failures.append(f"page {number}: {type(error).__name__}: {error}"[:300])
            continue
        text = text[: max(0, MAX_TEXT_CHARACTERS - characters)]
        characters += len(text)
        entry: dict[str, Any] = {"number": number, "text": text, "tables": _tables(text)}
        visible = len("".join(text.split()))
        if visible < SCANNED_TEXT_CHARACTERS and scanned < MAX_SCANNED_PAGES:
            images = _page_images(page, number, Path(scratch_dir), failures)
            if images:
                entry["images"] = images
                scanned += 1
        pages.append(entry)
    return {
        "page_count": page_count,
        "title": _title(reader, failures),
        "encrypted": False,
        "pages": pages,
        "failures": failures,
    }


def _tighten_pypdf_limits() -> None:
    """Lower pypdf's resource caps for this (child) process and never run external decoders."""
    import pypdf  # the isolated child's import, as in decode_pdf

    if hasattr(pypdf, "overwrite_configuration"):  # pypdf >= 7
        pypdf.overwrite_configuration(
            maximum_declared_stream_length=STREAM_OUTPUT_LIMIT,
            array_based_stream_maximum_output_length=STREAM_OUTPUT_LIMIT,
            zlib_maximum_output_length=STREAM_OUTPUT_LIMIT,
            lzw_maximum_output_length=STREAM_OUTPUT_LIMIT,
            run_length_maximum_output_length=STREAM_OUTPUT_LIMIT,
            jbig2_maximum_output_length=STREAM_OUTPUT_LIMIT,
            image_maximum_buffer_size=STREAM_OUTPUT_LIMIT,
            jbig2dec_binary=None,
        )
        return
    import pypdf.filters  # older pypdf keeps its caps here

    for name in ("ZLIB_MAX_OUTPUT_LENGTH", "LZW_MAX_OUTPUT_LENGTH", "MAX_DECLARED_STREAM_LENGTH"):
        if hasattr(pypdf.filters, name):
            setattr(pypdf.filters, name, min(getattr(pypdf.filters, name), STREAM_OUTPUT_LIMIT))
    if hasattr(pypdf.filters, "JBIG2DEC_BINARY"):
        pypdf.filters.JBIG2DEC_BINARY = None


def _page_text(page: Any) -> str:
    """Layout-mode text (rows stay on a line), trimmed; plain extraction if layout fails."""
    try:
        raw = page.extract_text(extraction_mode="layout") or ""
    except Exception:  # layout mode is stricter about odd fonts than plain mode
        raw = page.extract_text() or ""
    lines = [
        _COLUMN_GAP.sub(lambda gap: "  " if len(gap.group()) >= 2 else " ", line.strip())
        for line in raw.splitlines()
    ]
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    return "\n".join(kept).strip()


def _tables(text: str) -> list[dict[str, Any]]:
    """Runs of two or more lines split by column gaps into the same number (>= 2) of cells."""
    tables: list[dict[str, Any]] = []
    run: list[list[str]] = []
    for line in [*text.splitlines(), ""]:
        cells = [cell.strip() for cell in _COLUMN_GAP.split(line.strip())] if line.strip() else []
        if len(cells) >= 2 and (not run or len(cells) == len(run[0])):
            run.append(cells)
            continue
        if len(run) >= 2 and len(tables) < MAX_TABLES:
            tables.append(
                {"rows": run[:MAX_TABLE_ROWS], "row_count": len(run), "column_count": len(run[0])}
            )
        run = [cells] if len(cells) >= 2 else []
    return tables


def _page_images(page: Any, number: int, folder: Path, failures: list[str]) -> list[str]:
    """Write the page's sizeable embedded images as PNG files; return their paths."""
    written: list[str] = []
    try:
        images = page.images
        count = len(images)
    except Exception as error:
        failures.append(f"page {number} images: {type(error).__name__}: {error}"[:300])
        return written
    for index in range(count):
        if len(written) >= MAX_IMAGES_PER_PAGE:
            break
        try:
            picture = images[index].image
            if picture is None or min(picture.size) < MIN_IMAGE_SIDE:
                continue
            if picture.width * picture.height > MAX_IMAGE_PIXELS:
                failures.append(
                    f"page {number} image {index + 1}: {picture.size} is too large to OCR"
                )
                continue
            target = folder / f"page-{number}-image-{index + 1}.png"
            picture.convert("RGBA" if "A" in picture.mode else "RGB").save(target, format="PNG")
            written.append(str(target))
        except Exception as error:  # a broken image stream: skip it, keep the rest
            failures.append(
                f"page {number} image {index + 1}: {type(error).__name__}: {error}"[:300]
            )
    return written


def _title(reader: Any, failures: list[str]) -> str:
    try:
        metadata = reader.metadata
        title = clean_metadata(metadata.title) if metadata is not None and metadata.title else ""
    except Exception as error:  # metadata dictionaries are often malformed
        failures.append(f"pdf metadata: {type(error).__name__}: {error}"[:300])
        return ""
    # reportlab and others write a placeholder title; it says nothing about the document.
    return "" if title.lower() in {"untitled", "untitled document", "(anonymous)"} else title


def describe_pdf(path: Path, findings: Findings) -> None:
    """Fill ``findings`` for a PDF: decode it in isolation, OCR scanned pages, write the summary.

    Raises:
        InputError: When the decoder times out, crashes or cannot open the file at all.
    """
    scratch = scratch_folder("unima-pdf-")
    try:
        decoded = decode_isolated(
            "unima.perception.document_pdf:decode_pdf", path, "PDF", DECODE_TIMEOUT_SECONDS, scratch
        )
    except InputError:
        release_scratch_folder(scratch)
        raise
    for failure in decoded.get("failures", []):
        findings.fail("pypdf", str(failure))
    if decoded.get("encrypted"):
        release_scratch_folder(scratch)
        findings.meta["encrypted"] = True
        findings.fail("decrypt", "the PDF is encrypted with a password")
        findings.summary = (
            "An encrypted PDF document whose text cannot be read without its password."
        )
        return
    pages, page_images = _ocr_scanned_pages(decoded["pages"], findings)
    tables = [
        table | {"page": page["number"]} for page in pages for table in page.pop("tables", [])
    ]
    page_count, title = int(decoded["page_count"]), str(decoded.get("title") or "")
    findings.text = "\n\n".join(page["text"] for page in pages if page["text"])[
        :MAX_TEXT_CHARACTERS
    ]
    findings.meta.update(
        {
            "page_count": page_count,
            "pages_read": len(pages),
            "title": title,
            "pages": pages,
            "tables": tables,
            "scanned_pages": [page["number"] for page in pages if page.get("scanned")],
        }
    )
    if page_images:
        findings.meta["page_images"] = page_images
    else:
        release_scratch_folder(scratch)
    findings.summary = pdf_summary(page_count, title, pages, tables)


def _ocr_scanned_pages(
    pages: list[dict[str, Any]], findings: Findings
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    page_images: list[dict[str, Any]] = []
    for page in pages:
        images = page.pop("images", [])
        if not images:
            page["scanned"] = False
            continue
        page["scanned"] = True
        texts = []
        for image in images:
            page_images.append({"path": image, "page": page["number"]})
            try:
                texts.append(lines_to_text(recognize(image)))
            except Exception as error:  # one unreadable image: the page stays without text
                findings.fail(f"ocr page {page['number']}", error)
        ocr_text = "\n".join(text for text in texts if text)
        if ocr_text:
            page["text"] = (page["text"] + "\n" + ocr_text).strip()
            page["ocr"] = True
    return pages, page_images


def pdf_summary(
    page_count: int, title: str, pages: list[dict[str, Any]], tables: list[dict[str, Any]]
) -> str:
    """``A 3-page PDF document titled “…” with 2 tables; page 1 says “…”; ...``."""
    lead = f"{page_count}-page PDF document"
    summary = f"{article(lead).capitalize()} {lead}" + (f" titled “{title}”" if title else "")
    if tables:
        shapes = ", ".join(
            f"{table['row_count']}x{table['column_count']} on page {table['page']}"
            for table in tables[:5]
        )
        summary += f" with {len(tables)} table{'s' if len(tables) != 1 else ''} ({shapes})"
    scanned = [page["number"] for page in pages if page.get("scanned")]
    if scanned:
        summary += f"; scanned page{'s' if len(scanned) != 1 else ''} {name_list([str(n) for n in scanned])} read by OCR"
    said = [page for page in pages if page["text"].strip()]
    if not said:
        return summary + "; no text could be extracted."
    quotes = [
        f"page {page['number']} says “{quote(page['text'], 30 if index == 0 else 15)}”"
        for index, page in enumerate(said[:3])
    ]
    summary += "; " + "; ".join(quotes)
    if tables:
        header = tables[0]["rows"][0]
        summary += f". The first table's columns: {name_list(header)}"
    return summary + "."


def decode_isolated(target: str, path: Path, label: str, timeout_s: float, *args: Any) -> Any:
    """``run_isolated(target, str(path), *args)``, its errors reworded for the user.

    Raises:
        InputError: ``the PDF cannot be read (PdfReadError: startxref not found)``, ``... timed
            out after 60 s``, ``... crashed (signal 11 ...)``, naming the file.
    """
    try:
        return run_isolated(target, str(path), *args, timeout_s=timeout_s, source=str(path))
    except InputError as error:
        detail = str(error).removeprefix(f"{path}: ").replace(f"{target} failed: ", "")
        detail = detail.replace(target, "the decoder")
        raise InputError(f"the {label} cannot be read ({detail})", source=str(path)) from None


def scratch_folder(prefix: str) -> str:
    """A private folder for files a perception refers to (page images), removed at exit."""
    global _cleanup_registered
    folder = tempfile.mkdtemp(prefix=prefix)
    with _scratch_lock:
        if not _cleanup_registered:
            atexit.register(_remove_scratch_folders)
            _cleanup_registered = True
        _scratch_folders.add(folder)
    return folder


def release_scratch_folder(folder: str) -> None:
    """Remove a scratch folder now (nothing in it is referred to)."""
    with _scratch_lock:
        _scratch_folders.discard(folder)
    shutil.rmtree(folder, ignore_errors=True)


def _remove_scratch_folders() -> None:
    with _scratch_lock:
        folders = list(_scratch_folders)
        _scratch_folders.clear()
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
