"""The arguments of ``render_document``: title, format, body, sections, tables and figures."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from unima.tools.base import ToolArguments

DocumentFormat = Literal["pdf", "docx", "markdown"]
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
