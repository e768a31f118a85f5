"""``generate_image`` with the procedural backend: charts, diagrams, timelines and scenes.

Charts are drawn with matplotlib (one ``Figure`` per call, never pyplot, so threads do not share
state); diagrams, flowcharts, timelines and illustrations with Pillow and matplotlib's bundled
DejaVu font, large enough for OCR to read back. The output is always one PNG.
"""

from __future__ import annotations

from typing import Any, ClassVar

from unima.errors import ToolError
from unima.tools.base import Tool, ToolArguments, ToolContext, ToolOutput
from unima.tools.common import clean_text, ensure_arguments, library_versions, slugify
from unima.tools.image.arguments import CHART_KINDS, ImageArguments
from unima.tools.image.charts import draw_chart
from unima.tools.image.checks import verify_png
from unima.tools.image.diagrams import draw_diagram
from unima.tools.image.scene import draw_illustration
from unima.tools.image.shortened import collect_shortened
from unima.types import Modality, Verification


class ProceduralImageTool(Tool):
    """Charts, diagrams, flowcharts, timelines and labelled scenes, drawn without any model."""

    name: ClassVar[str] = "generate_image"
    modality: ClassVar[Modality] = "image"
    backend: ClassVar[str] = "procedural"
    description: ClassVar[str] = (
        "Draw a PNG: a bar, line, pie or scatter chart from data, a diagram or flowchart of "
        "labelled boxes, a timeline of events, or a labelled illustration."
    )
    Arguments: ClassVar[type[ToolArguments]] = ImageArguments

    def backend_version(self) -> str:
        return library_versions("matplotlib", "pillow")

    def run(self, arguments: Any, context: ToolContext) -> ToolOutput:
        """Draw the image into ``context.work_dir`` as one PNG."""
        arguments = ensure_arguments(ImageArguments, arguments)
        path = context.work_dir / f"{slugify(arguments.title, 'image')}.png"
        try:
            with collect_shortened() as shortened:
                if arguments.kind in CHART_KINDS:
                    draw_chart(arguments, path)
                elif arguments.kind == "illustration":
                    draw_illustration(arguments, path)
                else:
                    draw_diagram(arguments, path)
        except (OSError, ValueError, RuntimeError) as error:
            raise ToolError(
                f"could not draw the {arguments.kind}: {error}", tool=self.name
            ) from error
        texts = [arguments.title, *arguments.labels, *arguments.notes]
        if arguments.caption:
            texts.append(arguments.caption)
        return ToolOutput(
            path=path,
            mime="image/png",
            meta={
                "kind": arguments.kind,
                "title": clean_text(arguments.title),
                "width": arguments.width,
                "height": arguments.height,
                "seed": arguments.seed,
                "text": [clean_text(text) for text in texts],
                # Texts drawn with an ellipsis or left out because they did not fit.
                "shortened_text": [clean_text(text) for text in shortened],
            },
        )

    def verify(self, output: ToolOutput, arguments: Any, context: ToolContext) -> Verification:
        """Decode the PNG fully and check its size and that it is not blank."""
        arguments = ensure_arguments(ImageArguments, arguments)
        return verify_png(
            output.path,
            width=arguments.width,
            height=arguments.height,
            shortened_text=output.meta.get("shortened_text", ()),
        )
