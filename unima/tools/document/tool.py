"""``render_document`` with the office backend: PDF (reportlab), DOCX (python-docx), Markdown.

A document has a title, an optional body, sections, tables and figures. Figures are the image
artifacts of earlier plan steps, named by step id in ``figure_steps``; only regular image files
are embedded, read into memory once (``figures``). The writers live in ``writers`` and the
read-back checks in ``checks``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from unima.errors import ToolError
from unima.tools.base import Tool, ToolArguments, ToolContext, ToolOutput
from unima.tools.common import ensure_arguments, library_versions, one_line, slugify
from unima.tools.document import writers
from unima.tools.document.arguments import DocumentArguments
from unima.tools.document.checks import verify_document
from unima.tools.document.figures import load_figure
from unima.types import Modality, Verification

MIME_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "markdown": "text/markdown",
}
SUFFIXES: dict[str, str] = {"pdf": ".pdf", "docx": ".docx", "markdown": ".md"}


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
        arguments = ensure_arguments(DocumentArguments, arguments)
        figures = [
            load_figure(step_id, context.dependencies, number, tool=self.name)
            for number, step_id in enumerate(arguments.figure_steps, start=1)
        ]
        path = (
            context.work_dir / f"{slugify(arguments.title, 'document')}{SUFFIXES[arguments.format]}"
        )
        writer = {
            "pdf": writers.write_pdf,
            "docx": writers.write_docx,
            "markdown": writers.write_markdown,
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
        arguments = ensure_arguments(DocumentArguments, arguments)
        return verify_document(
            output.path, arguments, figure_count=len(output.meta.get("figures", []))
        )
