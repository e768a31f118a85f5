"""``render_document`` with the office backend: PDF (reportlab), DOCX (python-docx), Markdown.

A document has a title, an optional body, sections, tables and figures. Figures are the image
artifacts of earlier plan steps, named by step id in ``figure_steps``; only regular image files
are embedded, read into memory once. The writers live in ``unima.tools.document_writers`` and
the read-back checks in ``unima.tools.document_checks``.
"""

from __future__ import annotations

import io
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from unima.errors import ToolError
from unima.tools.base import Tool, ToolArguments, ToolContext, ToolOutput
from unima.tools.common import clean_text, ensure_arguments, library_versions, one_line, slugify
from unima.types import Artifact, Modality, Verification

DocumentFormat = Literal["pdf", "docx", "markdown"]
MIME_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "markdown": "text/markdown",
}
SUFFIXES: dict[str, str] = {"pdf": ".pdf", "docx": ".docx", "markdown": ".md"}
# A figure bigger than this is almost certainly not a chart or diagram a document should hold.
MAX_FIGURE_BYTES = 40 * 1024 * 1024
Cell = str | int | float


class Section(BaseModel):
    """One headed section of the document."""

    model_config = ConfigDict(extra="forbid")

    heading: str = Field(min_length=1, max_length=200, description="Section heading.")
    body: str = Field(
        default="",
        max_length=50_000,
        description="Section text; blank lines separate paragraphs.",
    )


class Table(BaseModel):
    """A table: a caption, column names and rows of cells, one cell per column."""

    model_config = ConfigDict(extra="forbid")

    caption: str = Field(default="", max_length=300, description="Caption above the table.")
    columns: list[str] = Field(min_length=1, max_length=20, description="Column headers.")
    rows: list[list[Cell]] = Field(
        default_factory=list, max_length=500, description="Rows, each with one cell per column."
    )

    @model_validator(mode="after")
    def _check_widths(self) -> Self:
        for number, row in enumerate(self.rows, start=1):
            if len(row) != len(self.columns):
                name = f"table {self.caption!r}" if self.caption else "table"
                raise ValueError(
                    f"{name} row {number} has {len(row)} cells but there are "
                    f"{len(self.columns)} columns {self.columns}: give one cell per column"
                )
        return self


class DocumentArguments(ToolArguments):
    """Arguments of ``render_document``."""

    title: str = Field(min_length=1, max_length=300, description="Document title.")
    format: DocumentFormat = Field(default="pdf", description="File format to write.")
    body: str = Field(
        default="",
        max_length=50_000,
        description="Text under the title, before any section; blank lines separate paragraphs.",
    )
    sections: list[Section] = Field(default_factory=list, max_length=100)
    tables: list[Table] = Field(default_factory=list, max_length=20)
    figure_steps: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Ids of earlier steps whose images are embedded as figures (declare them in depends_on).",
    )
    author: str = Field(default="", max_length=200, description="Author line under the title.")

    @model_validator(mode="after")
    def _check_content(self) -> Self:
        if not self.sections and not self.body.strip():
            raise ValueError("a document needs a body or at least one section; it would be empty")
        if len(set(self.figure_steps)) != len(self.figure_steps):
            raise ValueError(f"figure_steps lists a step twice: {self.figure_steps}")
        return self


@dataclass(frozen=True)
class Figure:
    """An image to embed: its bytes (PNG or JPEG), pixel size, caption and source file name."""

    data: bytes
    width: int
    height: int
    caption: str
    file_name: str

    def stream(self) -> io.BytesIO:
        return io.BytesIO(self.data)


class OfficeDocumentTool(Tool):
    """PDF, DOCX or Markdown documents with sections, tables and figures."""

    name: ClassVar[str] = "render_document"
    modality: ClassVar[Modality] = "document"
    backend: ClassVar[str] = "office"
    description: ClassVar[str] = (
        "Write a PDF, DOCX or Markdown document with a title, sections, tables and figures "
        "taken from earlier image steps."
    )
    Arguments: ClassVar[type[ToolArguments]] = DocumentArguments

    def backend_version(self) -> str:
        return library_versions("reportlab", "python-docx")

    def run(self, arguments: Any, context: ToolContext) -> ToolOutput:
        """Write the document into ``context.work_dir``."""
        from unima.tools import document_writers

        arguments = ensure_arguments(DocumentArguments, arguments)
        figures = [
            load_figure(step_id, context.dependencies, number, tool=self.name)
            for number, step_id in enumerate(arguments.figure_steps, start=1)
        ]
        path = (
            context.work_dir / f"{slugify(arguments.title, 'document')}{SUFFIXES[arguments.format]}"
        )
        writer = {
            "pdf": document_writers.write_pdf,
            "docx": document_writers.write_docx,
            "markdown": document_writers.write_markdown,
        }[arguments.format]
        try:
            writer(arguments, figures, path)
        except (OSError, ValueError) as error:
            raise ToolError(
                f"could not write the {arguments.format} file: {error}", tool=self.name
            ) from error
        return ToolOutput(
            path=path,
            mime=MIME_TYPES[arguments.format],
            meta={
                "format": arguments.format,
                "title": one_line(arguments.title),
                "sections": len(arguments.sections),
                "tables": len(arguments.tables),
                "figures": [figure.file_name for figure in figures],
            },
        )

    def verify(self, output: ToolOutput, arguments: Any, context: ToolContext) -> Verification:
        """Reopen the file and check it holds the title, headings and tables."""
        from unima.tools.document_checks import verify_document

        arguments = ensure_arguments(DocumentArguments, arguments)
        return verify_document(
            output.path, arguments, figure_count=len(output.meta.get("figures", []))
        )


def load_figure(
    step_id: str, dependencies: dict[str, Artifact], number: int, *, tool: str
) -> Figure:
    """Read the image artifact of step ``step_id`` into memory as PNG or JPEG bytes.

    Raises:
        ToolError: the step is not a dependency, made no image, or its file is not a regular,
            readable image file (links, devices and folders are refused).
    """
    from PIL import Image, UnidentifiedImageError

    artifact = dependencies.get(step_id)
    if artifact is None:
        known = ", ".join(sorted(dependencies)) or "none"
        raise ToolError(
            f"figure step {step_id!r} is not among this step's dependencies ({known}); "
            "add it to depends_on or drop it from figure_steps",
            tool=tool,
        )
    if artifact.modality != "image":
        raise ToolError(
            f"figure step {step_id!r} made a {artifact.modality}, not an image", tool=tool
        )
    path = Path(artifact.path)
    try:
        # lstat, not stat: a symbolic link is refused even when it points at a regular file.
        if not stat.S_ISREG(os.lstat(path).st_mode):
            raise ToolError(
                f"figure {path} of step {step_id!r} is not a regular file",
                tool=tool,
                recoverable=False,
            )
        if path.stat().st_size > MAX_FIGURE_BYTES:
            raise ToolError(
                f"figure {path} is larger than {MAX_FIGURE_BYTES} bytes",
                tool=tool,
                recoverable=False,
            )
        data = path.read_bytes()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            width, height = image.size
            if image.format not in {"PNG", "JPEG"}:
                # reportlab and python-docx both take PNG; convert anything else in memory.
                buffer = io.BytesIO()
                image.convert("RGBA").save(buffer, format="PNG")
                data = buffer.getvalue()
    except (OSError, UnidentifiedImageError) as error:
        raise ToolError(
            f"figure {path} of step {step_id!r} cannot be read as an image: {error}", tool=tool
        ) from error
    title = artifact.meta.get("title") or artifact.meta.get("caption") or path.stem
    return Figure(
        data=data,
        width=width,
        height=height,
        caption=f"Figure {number}: {one_line(clean_text(str(title)))}",
        file_name=path.name,
    )
