"""The three document writers: PDF (reportlab platypus), DOCX (python-docx) and Markdown.

Every writer lays out the same order: title, author, body, sections, tables, figures. User text
is cleaned of control characters first; the PDF writer also escapes it, since reportlab reads
paragraph text as XML markup.

reportlab (about 0.1 s to import) and python-docx (about 0.06 s) are imported inside the
functions that use them, so loading or listing the tool does not pay for them.
"""

from __future__ import annotations

import threading
from pathlib import Path
from xml.sax.saxutils import escape

from unima.tools.common import clean_text, one_line
from unima.tools.document.arguments import Cell, DocumentArguments
from unima.tools.document.figures import Figure
from unima.tools.fonts import font_path

PDF_FONT = "DejaVuSans"
PDF_BOLD_FONT = "DejaVuSans-Bold"
_font_lock = threading.Lock()


def format_cell(value: Cell) -> str:
    """A table cell as text: whole floats without ``.0``, everything else as written."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return clean_text(str(value))


def paragraphs(text: str) -> list[str]:
    """Split ``text`` into paragraphs at blank lines, dropping empty ones."""
    blocks = clean_text(text).replace("\r\n", "\n").split("\n\n")
    return [block.strip() for block in blocks if block.strip()]


def _register_pdf_fonts() -> None:
    """Register DejaVu Sans with reportlab once: the base fonts lack most non-Latin glyphs."""
    # reportlab: heavy, imported here (see the module docstring).
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    with _font_lock:
        if PDF_FONT in pdfmetrics.getRegisteredFontNames():
            return
        pdfmetrics.registerFont(TTFont(PDF_FONT, str(font_path(bold=False))))
        pdfmetrics.registerFont(TTFont(PDF_BOLD_FONT, str(font_path(bold=True))))
        addMapping(PDF_FONT, 0, 0, PDF_FONT)
        addMapping(PDF_FONT, 1, 0, PDF_BOLD_FONT)
        addMapping(PDF_FONT, 0, 1, PDF_FONT)
        addMapping(PDF_FONT, 1, 1, PDF_BOLD_FONT)


def _markup(text: str) -> str:
    """Paragraph markup for plain ``text``: XML-escaped, single newlines kept as line breaks."""
    return escape(clean_text(text)).replace("\n", "<br/>")


def _check_glyphs(arguments: DocumentArguments) -> None:
    """Refuse text the embedded font cannot draw: the PDF would show empty boxes instead."""
    # reportlab: heavy, imported here (see the module docstring).
    from reportlab.pdfbase import pdfmetrics

    covered = pdfmetrics.getFont(PDF_FONT).face.charToGlyph
    texts = [arguments.title, arguments.author, arguments.body]
    for section in arguments.sections:
        texts += [section.heading, section.body]
    for table in arguments.tables:
        texts += [table.caption, *table.columns, *(str(cell) for row in table.rows for cell in row)]
    missing = sorted(
        {
            char
            for char in clean_text("".join(texts))
            if not char.isspace() and ord(char) not in covered
        }
    )
    if missing:
        shown = "".join(missing[:20])
        raise ValueError(
            f"the PDF font (DejaVu Sans) has no glyphs for {shown!r}; "
            "use format 'docx' or 'markdown' for this script"
        )


def write_pdf(arguments: DocumentArguments, figures: list[Figure], path: Path) -> None:
    """Write ``arguments`` as a PDF with reportlab platypus.

    Raises:
        ValueError: text the font cannot draw, or content too large for a page.
    """
    # reportlab: heavy, imported here (see the module docstring).
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import (
        Image,
        KeepTogether,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        TableStyle,
    )
    from reportlab.platypus import Table as PdfTable
    from reportlab.platypus.doctemplate import LayoutError

    _register_pdf_fonts()
    _check_glyphs(arguments)
    sheet = getSampleStyleSheet()
    styles = {
        name: ParagraphStyle(f"unima-{name}", parent=sheet[name], fontName=font)
        for name, font in (
            ("Title", PDF_BOLD_FONT),
            ("Heading2", PDF_BOLD_FONT),
            ("BodyText", PDF_FONT),
            ("Italic", PDF_FONT),
        )
    }
    cell_style = ParagraphStyle("unima-cell", parent=styles["BodyText"], fontSize=9, leading=11)
    header_style = ParagraphStyle("unima-header", parent=cell_style, fontName=PDF_BOLD_FONT)
    document = SimpleDocTemplate(
        str(path),
        pagesize=A4,
        title=one_line(arguments.title),
        author=one_line(arguments.author),
        leftMargin=2 * cm,
        rightMargin=2 * cm,
        topMargin=2 * cm,
        bottomMargin=2 * cm,
    )
    story: list[object] = [Paragraph(_markup(one_line(arguments.title)), styles["Title"])]
    if arguments.author:
        story.append(Paragraph(_markup(one_line(arguments.author)), styles["Italic"]))
    story.extend(
        Paragraph(_markup(block), styles["BodyText"]) for block in paragraphs(arguments.body)
    )
    for section in arguments.sections:
        story.append(Paragraph(_markup(one_line(section.heading)), styles["Heading2"]))
        story.extend(
            Paragraph(_markup(block), styles["BodyText"]) for block in paragraphs(section.body)
        )
    for number, table in enumerate(arguments.tables, start=1):
        caption = f"Table {number}" + (f": {one_line(table.caption)}" if table.caption else "")
        rows = [[Paragraph(_markup(column), header_style) for column in table.columns]]
        rows.extend(
            [Paragraph(_markup(format_cell(cell)), cell_style) for cell in row]
            for row in table.rows
        )
        grid = PdfTable(
            rows, colWidths=[document.width / len(table.columns)] * len(table.columns), repeatRows=1
        )
        grid.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dbe4f0")),
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#8a94a6")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    (
                        "ROWBACKGROUNDS",
                        (0, 1),
                        (-1, -1),
                        [colors.white, colors.HexColor("#f4f6f9")],
                    ),
                ]
            )
        )
        story += [Spacer(1, 8), Paragraph(_markup(caption), styles["Italic"]), grid]
    for figure in figures:
        # Fit the page width, and at most 60% of its height so the caption stays with it.
        scale = min(document.width / figure.width, document.height * 0.6 / figure.height)
        image = Image(figure.stream(), width=figure.width * scale, height=figure.height * scale)
        story.append(
            KeepTogether(
                [Spacer(1, 10), image, Paragraph(_markup(figure.caption), styles["Italic"])]
            )
        )
    try:
        document.build(story)
    except LayoutError as error:
        raise ValueError(
            f"content does not fit on a page (split long table cells): {error}"
        ) from error


def write_docx(arguments: DocumentArguments, figures: list[Figure], path: Path) -> None:
    """Write ``arguments`` as a Word document with python-docx."""
    # python-docx: heavy, imported here (see the module docstring).
    from docx import Document
    from docx.shared import Inches

    document = Document()
    document.core_properties.title = one_line(arguments.title)[:255]
    document.core_properties.author = one_line(arguments.author)[:255]
    document.add_heading(one_line(arguments.title), level=0)
    if arguments.author:
        document.add_paragraph().add_run(one_line(arguments.author)).italic = True
    for block in paragraphs(arguments.body):
        document.add_paragraph(block)
    for section in arguments.sections:
        document.add_heading(one_line(section.heading), level=1)
        for block in paragraphs(section.body):
            document.add_paragraph(block)
    for number, table in enumerate(arguments.tables, start=1):
        caption = f"Table {number}" + (f": {one_line(table.caption)}" if table.caption else "")
        document.add_paragraph(caption, style="Caption")
        grid = document.add_table(rows=1 + len(table.rows), cols=len(table.columns))
        grid.style = "Table Grid"
        for cell, column in zip(grid.rows[0].cells, table.columns, strict=True):
            cell.paragraphs[0].add_run(clean_text(column)).bold = True
        for grid_row, row in zip(grid.rows[1:], table.rows, strict=True):
            for cell, value in zip(grid_row.cells, row, strict=True):
                cell.text = format_cell(value)
    for figure in figures:
        # 6 inches is the text width of the default Letter template; 7 inches of height fits.
        width_inches = min(6.0, 7.0 * figure.width / figure.height)
        document.add_picture(figure.stream(), width=Inches(width_inches))
        document.add_paragraph(figure.caption, style="Caption")
    document.save(str(path))


def _markdown_cell(value: Cell) -> str:
    return format_cell(value).replace("|", r"\|").replace("\n", "<br>")


def write_markdown(arguments: DocumentArguments, figures: list[Figure], path: Path) -> None:
    """Write ``arguments`` as Markdown; figures are referenced by their file names."""
    lines = [f"# {one_line(arguments.title)}", ""]
    if arguments.author:
        lines += [f"*{one_line(arguments.author)}*", ""]
    for block in paragraphs(arguments.body):
        lines += [block, ""]
    for section in arguments.sections:
        lines += [f"## {one_line(section.heading)}", ""]
        for block in paragraphs(section.body):
            lines += [block, ""]
    for number, table in enumerate(arguments.tables, start=1):
        caption = f"Table {number}" + (f": {one_line(table.caption)}" if table.caption else "")
        lines += [f"**{caption}**", ""]
        lines.append("| " + " | ".join(_markdown_cell(column) for column in table.columns) + " |")
        lines.append("|" + "|".join(" --- " for _ in table.columns) + "|")
        lines.extend(
            "| " + " | ".join(_markdown_cell(cell) for cell in row) + " |" for row in table.rows
        )
        lines.append("")
    for figure in figures:
        lines += [f"![{figure.caption}]({figure.file_name})", "", f"*{figure.caption}*", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
