"""The input files of the numeric requests, built the same, byte for byte, every time."""

from __future__ import annotations

import csv
import re
import zipfile
from pathlib import Path

from answering.request_set import InputFile

OFFICE_DATE = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def build_input(spec: InputFile, folder: Path) -> Path:
    """Write ``spec``'s file into ``folder``; the same spec always gives the same content."""
    path = folder / spec.file
    if spec.kind == "csv":
        with path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(spec.rows)
    elif spec.kind == "xlsx":
        import openpyxl  # heavy optional dependency (the document perceiver's)

        workbook = openpyxl.Workbook()
        for row in spec.rows:
            workbook.active.append(row)
        workbook.save(path)
        _fixed_dates(path)
    elif spec.kind == "docx":
        import docx  # heavy optional dependency (the document tool's)

        document = docx.Document()
        document.add_paragraph(spec.title)
        table = document.add_table(rows=0, cols=2)
        for row in spec.rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                cell.text = str(value)
        document.save(str(path))
        _fixed_dates(path)
    elif spec.kind == "pdf":
        # reportlab: heavy optional dependency (the document tool's); invariant = no timestamps.
        from reportlab.lib.styles import getSampleStyleSheet
        from reportlab.platypus import Paragraph, SimpleDocTemplate
        from reportlab.platypus import Table as PdfTable

        story = [Paragraph(spec.title, getSampleStyleSheet()["Title"]), PdfTable(spec.rows)]
        SimpleDocTemplate(str(path), invariant=1).build(story)
    elif spec.kind == "bar_chart":
        _bar_chart(spec, path)
    elif spec.kind == "speech":
        # Piper: heavy optional dependency, the speech tool's backend (deterministic voice).
        from unima.backends.piper_voice import synthesize

        synthesize(spec.text, path)
    else:
        path.write_text(spec.text, encoding="utf-8")
    return path


def _fixed_dates(path: Path) -> None:
    """Rewrite an Office file (a zip) with fixed dates, so that each build has the same bytes."""
    with zipfile.ZipFile(path) as source:
        entries = [(info.filename, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w") as target:
        for name, data in entries:
            if name == "docProps/core.xml":  # created and modified: the time of the build
                data = OFFICE_DATE.sub(rb"\g<1>2020-01-01T00:00:00Z\g<2>", data)
            entry = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            target.writestr(entry, data, compress_type=zipfile.ZIP_DEFLATED)


def _bar_chart(spec: InputFile, path: Path) -> None:
    import matplotlib  # heavy optional dependency (the image tool's)

    matplotlib.use("Agg")
    from matplotlib import pyplot

    labels = [str(row[0]) for row in spec.rows[1:]]
    values = [float(row[1]) for row in spec.rows[1:]]
    figure, axes = pyplot.subplots(figsize=(6, 4), dpi=100)
    axes.bar_label(axes.bar(labels, values))
    axes.set_title(spec.title)
    axes.set_ylabel(str(spec.rows[0][1]))
    figure.savefig(path, metadata={"Software": None})
    pyplot.close(figure)
