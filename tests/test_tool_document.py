"""The office document tool: PDF, DOCX and Markdown written for real, reopened and checked."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw
from pydantic import ValidationError
from pypdf import PdfReader

from unima.errors import ToolError
from unima.tools import TOOL_BACKENDS
from unima.tools.base import ToolContext, ToolOutput
from unima.tools.document.arguments import DocumentArguments
from unima.tools.document.tool import OfficeDocumentTool
from unima.types import Artifact

TOOL = OfficeDocumentTool()
CONTENT: dict[str, Any] = {
    "title": "Quarterly Sales Review",
    "author": "Ada Lovelace",
    "body": "This review covers regional sales.\n\nA second introductory paragraph.",
    "sections": [
        {"heading": "Findings", "body": "Revenue grew steadily in the northern region."},
        {"heading": "Outlook", "body": "Markup like <b>this</b> & that stays literal text."},
    ],
    "tables": [
        {
            "caption": "Totals",
            "columns": ["Region", "Sales", "Share"],
            "rows": [["Northland", 1250, 0.42], ["Southvale", 980.0, 0.33]],
        }
    ],
}


def figure_artifact(tmp_path: Path, name: str = "chart.png", image_format: str = "PNG") -> Artifact:
    path = tmp_path / name
    image = Image.new("RGB", (400, 300), (250, 250, 250))
    ImageDraw.Draw(image).rectangle((50, 50, 350, 250), fill=(30, 90, 160))
    image.save(path, format=image_format)
    return Artifact(
        modality="image",
        path=str(path),
        mime="image/png",
        sha256="0" * 64,
        meta={"title": "Sales by region"},
    )


def write(
    tmp_path: Path, dependencies: dict[str, Artifact] | None = None, **raw: object
) -> tuple[DocumentArguments, ToolOutput, ToolContext]:
    arguments = TOOL.parse_arguments(raw)
    assert isinstance(arguments, DocumentArguments)
    work_dir = Path(tempfile.mkdtemp(prefix="work-", dir=tmp_path))
    context = ToolContext(work_dir=work_dir, dependencies=dependencies or {})
    return arguments, TOOL.run(arguments, context), context


def test_registered_under_its_tool_name() -> None:
    assert TOOL_BACKENDS.get("render_document/office") is OfficeDocumentTool
    assert (TOOL.name, TOOL.modality) == ("render_document", "document")
    assert "reportlab" in TOOL.backend_version()


def test_pdf_holds_text_tables_and_figure(tmp_path: Path) -> None:
    figure = figure_artifact(tmp_path)
    arguments, output, context = write(
        tmp_path, {"chart": figure}, format="pdf", figure_steps=["chart"], **CONTENT
    )
    assert output.path.suffix == ".pdf" and output.mime == "application/pdf"
    assert list(output.path.parent.iterdir()) == [output.path]
    verification = TOOL.verify(output, arguments, context)
    assert verification.passed, verification.problems
    assert verification.checks["pages"] >= 1 and verification.checks["figures"] == 1
    reader = PdfReader(str(output.path))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    for expected in [
        "Quarterly Sales Review",
        "Ada Lovelace",
        "second introductory paragraph",
        "Revenue grew steadily",
        "Markup like <b>this</b> & that",
        "Northland",
        "1250",
        "0.42",
        "980",
        "Figure 1: Sales by region",
    ]:
        assert expected in text
    assert "980.0" not in text
    assert reader.metadata is not None and reader.metadata.title == "Quarterly Sales Review"


def test_long_pdf_spans_pages(tmp_path: Path) -> None:
    rows = [[f"item {index}", index] for index in range(120)]
    arguments, output, context = write(
        tmp_path,
        title="Inventory",
        tables=[{"columns": ["Item", "Count"], "rows": rows}],
        body="All items.",
    )
    verification = TOOL.verify(output, arguments, context)
    assert verification.passed and verification.checks["pages"] >= 3
    assert "item 119" in PdfReader(str(output.path)).pages[-1].extract_text()


def test_docx_holds_headings_tables_and_picture(tmp_path: Path) -> None:
    figure = figure_artifact(tmp_path, "photo.jpg", "JPEG")
    arguments, output, context = write(
        tmp_path, {"s1": figure}, format="docx", figure_steps=["s1"], **CONTENT
    )
    verification = TOOL.verify(output, arguments, context)
    assert verification.passed, verification.problems
    assert verification.checks["tables"] == 1 and verification.checks["figures"] == 1
    document = Document(str(output.path))
    assert document.core_properties.title == "Quarterly Sales Review"
    headings = [
        paragraph.text
        for paragraph in document.paragraphs
        if paragraph.style is not None and paragraph.style.name.startswith("Heading")
    ]
    assert headings == ["Findings", "Outlook"]
    cells = [[cell.text for cell in row.cells] for row in document.tables[0].rows]
    assert cells == [
        ["Region", "Sales", "Share"],
        ["Northland", "1250", "0.42"],
        ["Southvale", "980", "0.33"],
    ]
    assert any(
        "Markup like <b>this</b> & that" in paragraph.text for paragraph in document.paragraphs
    )


def test_markdown_has_sections_pipe_tables_and_figure_references(tmp_path: Path) -> None:
    figure = figure_artifact(tmp_path)
    content: dict[str, Any] = {
        **CONTENT,
        "tables": [{"caption": "Pipes", "columns": ["a|b", "c"], "rows": [["x", "multi\nline"]]}],
    }
    arguments, output, context = write(
        tmp_path, {"chart": figure}, format="markdown", figure_steps=["chart"], **content
    )
    verification = TOOL.verify(output, arguments, context)
    assert verification.passed, verification.problems
    text = output.path.read_text(encoding="utf-8")
    assert text.startswith("# Quarterly Sales Review\n")
    assert "## Findings\n\nRevenue grew steadily" in text
    assert "| a\\|b | c |\n| --- | --- |\n| x | multi<br>line |" in text
    assert "![Figure 1: Sales by region](chart.png)" in text


def test_pdf_refuses_text_its_font_cannot_draw_but_docx_takes_it(tmp_path: Path) -> None:
    with pytest.raises(ToolError, match=r"no glyphs for '日本'.*docx"):
        write(tmp_path, title="日本 report", body="text")
    arguments, output, context = write(tmp_path, title="日本 report", body="text", format="docx")
    assert TOOL.verify(output, arguments, context).passed


def test_figures_must_be_regular_image_files_of_dependencies(tmp_path: Path) -> None:
    figure = figure_artifact(tmp_path)
    with pytest.raises(ToolError, match="'missing' is not among this step's dependencies"):
        write(tmp_path, {"chart": figure}, title="t", body="b", figure_steps=["missing"])
    link = tmp_path / "link.png"
    os.symlink(figure.path, link)
    linked = figure.model_copy(update={"path": str(link)})
    with pytest.raises(ToolError, match="not a regular file") as raised:
        write(tmp_path, {"chart": linked}, title="t", body="b", figure_steps=["chart"])
    assert raised.value.recoverable is False
    audio = figure.model_copy(update={"modality": "audio"})
    with pytest.raises(ToolError, match="made a audio, not an image"):
        write(tmp_path, {"chart": audio}, title="t", body="b", figure_steps=["chart"])
    fake = tmp_path / "fake.png"
    fake.write_bytes(b"plain text, not pixels")
    with pytest.raises(ToolError, match="cannot be read as an image"):
        write(
            tmp_path,
            {"chart": figure.model_copy(update={"path": str(fake)})},
            title="t",
            body="b",
            figure_steps=["chart"],
        )


@pytest.mark.parametrize("document_format", ["pdf", "docx", "markdown"])
def test_verification_fails_for_broken_or_wrong_files(document_format: str, tmp_path: Path) -> None:
    arguments, output, context = write(tmp_path, format=document_format, **CONTENT)
    other = arguments.model_copy(update={"title": "A Completely Different Title"})
    verification = TOOL.verify(output, other, context)
    assert not verification.passed and "not found" in verification.problems[0]
    output.path.write_bytes(b"\xff\xfe garbage")
    assert not TOOL.verify(output, arguments, context).passed


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            {
                "title": "t",
                "tables": [{"caption": "T", "columns": ["a", "b"], "rows": [["1", "2"], ["3"]]}],
                "body": "x",
            },
            "table 'T' row 2 has 1 cells but there are 2 columns",
        ),
        ({"title": "t"}, "needs a body or at least one section"),
        ({"title": "t", "body": "x", "figure_steps": ["a", "a"]}, "lists a step twice"),
        ({"title": "t", "body": "x", "format": "odt"}, "'pdf', 'docx' or 'markdown'"),
        ({"title": "", "body": "x"}, "at least 1 character"),
        (
            {"title": "t", "sections": [{"heading": "h", "text": "x"}]},
            "Extra inputs are not permitted",
        ),
    ],
)
def test_invalid_arguments_name_the_problem(raw: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        TOOL.parse_arguments(raw)


WORDS = st.text(
    alphabet="abcdefghij KLMNOP 0123456789.,;:!?&<>'\"", min_size=1, max_size=40
).filter(str.strip)


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    document_format=st.sampled_from(["pdf", "docx", "markdown"]),
    title=WORDS,
    sections=st.lists(
        st.fixed_dictionaries(
            {"heading": WORDS, "body": st.text(alphabet="abc xyz\n&<", max_size=200)}
        ),
        min_size=1,
        max_size=4,
    ),
    columns=st.integers(1, 4),
    rows=st.integers(0, 6),
)
def test_random_valid_documents_verify(
    document_format: str,
    title: str,
    sections: list[dict[str, str]],
    columns: int,
    rows: int,
    tmp_path: Path,
) -> None:
    table = {
        "columns": [f"c{index}" for index in range(columns)],
        "rows": [[row * index for index in range(columns)] for row in range(rows)],
    }
    arguments, output, context = write(
        tmp_path, title=title, format=document_format, sections=sections, tables=[table]
    )
    verification = TOOL.verify(output, arguments, context)
    assert verification.passed, verification.problems
