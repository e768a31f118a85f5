"""``generate_image`` with the procedural backend: charts, diagrams, timelines and scenes.

Charts are drawn with matplotlib (one ``Figure`` per call, never pyplot, so threads do not share
state); diagrams, flowcharts, timelines and illustrations with Pillow and matplotlib's bundled
DejaVu font, large enough for OCR to read back. The output is always one PNG.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import Field, model_validator

from unima.errors import ToolError
from unima.tools.base import Tool, ToolArguments, ToolContext, ToolOutput
from unima.tools.common import clean_text, ensure_arguments, library_versions, slugify
from unima.types import Modality, Verification

ImageKind = Literal[
    "bar_chart",
    "line_chart",
    "pie_chart",
    "scatter_chart",
    "diagram",
    "flowchart",
    "timeline",
    "illustration",
]
CHART_KINDS = frozenset({"bar_chart", "line_chart", "pie_chart", "scatter_chart"})
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
ShortText = Annotated[str, Field(max_length=120)]

# Below these a PNG is taken to be blank (one flat colour, or noise-free near-flat).
MINIMUM_PIXEL_STD = 2.0
MINIMUM_DISTINCT_COLORS = 8


class ImageArguments(ToolArguments):
    """Arguments of ``generate_image``."""

    kind: ImageKind = Field(
        default="diagram",
        description=(
            "What to draw. Charts plot `values` against `labels`; diagram and flowchart draw one "
            "box per label joined by arrows in order (a label ending in '?' is a decision in a "
            "flowchart); timeline places labels as events at `values` (years) or evenly; "
            "illustration draws a seeded scene with the labels as named objects."
        ),
    )
    title: str = Field(min_length=1, max_length=200, description="Title drawn at the top.")
    labels: list[ShortText] = Field(
        default_factory=list,
        max_length=64,
        description="Category names (charts), box texts (diagrams) or events (timeline).",
    )
    values: list[FiniteFloat] = Field(
        default_factory=list,
        max_length=64,
        description="One number per label (charts; optional years or positions for a timeline).",
    )
    series: dict[ShortText, list[FiniteFloat]] | None = Field(
        default=None,
        max_length=8,
        description=(
            "Named extra series for bar, line and scatter charts, one number per label each "
            "(scatter: y values plotted against `values` as x)."
        ),
    )
    x_label: str = Field(default="", max_length=100, description="Chart x-axis label.")
    y_label: str = Field(default="", max_length=100, description="Chart y-axis label.")
    caption: str = Field(default="", max_length=300, description="One line drawn at the bottom.")
    notes: list[ShortText] = Field(
        default_factory=list,
        max_length=12,
        description="Short text lines drawn beside a diagram, flowchart, timeline or scene.",
    )
    width: int = Field(default=960, ge=128, le=2048, description="Width in pixels.")
    height: int = Field(default=640, ge=128, le=2048, description="Height in pixels.")
    seed: int = Field(default=0, ge=0, le=2**32 - 1, description="Seed for the scene layout.")

    @model_validator(mode="after")
    def _check_data(self) -> Self:
        count = len(self.labels)
        if self.kind in CHART_KINDS:
            if count == 0:
                raise ValueError(f"a {self.kind} needs labels: one name per data point")
            if not self.values and not self.series:
                raise ValueError(f"a {self.kind} needs values (one number per label) or series")
            if self.kind == "scatter_chart" and self.series and not self.values:
                raise ValueError("a scatter_chart with series needs values: the x coordinates")
        if self.values and len(self.values) != count and self.kind in CHART_KINDS | {"timeline"}:
            raise ValueError(
                f"{len(self.values)} values for {count} labels: give exactly one value per label"
            )
        for name, numbers in (self.series or {}).items():
            if self.kind not in {"bar_chart", "line_chart", "scatter_chart"}:
                raise ValueError(
                    f"series are for bar, line and scatter charts, not {self.kind}; "
                    "put the numbers in values"
                )
            if len(numbers) != count:
                raise ValueError(
                    f"series {name!r} has {len(numbers)} numbers for {count} labels: "
                    "give exactly one number per label"
                )
        if self.kind == "pie_chart":
            if any(value < 0 for value in self.values):
                raise ValueError(f"pie_chart values must not be negative, got {self.values}")
            if not math.fsum(self.values) > 0:
                raise ValueError("pie_chart values must add up to more than zero")
        if self.kind in {"diagram", "flowchart", "timeline"} and count == 0:
            raise ValueError(f"a {self.kind} needs labels: one per box or event")
        if self.kind in {"diagram", "flowchart"} and count > 24:
            raise ValueError(f"a {self.kind} holds at most 24 boxes to stay legible, got {count}")
        return self


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
            if arguments.kind in CHART_KINDS:
                from unima.tools.image_charts import draw_chart

                draw_chart(arguments, path)
            elif arguments.kind == "illustration":
                from unima.tools.image_scene import draw_illustration

                draw_illustration(arguments, path)
            else:
                from unima.tools.image_diagrams import draw_diagram

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
            },
        )

    def verify(self, output: ToolOutput, arguments: Any, context: ToolContext) -> Verification:
        """Decode the PNG fully and check its size and that it is not blank."""
        arguments = ensure_arguments(ImageArguments, arguments)
        return verify_png(output.path, width=arguments.width, height=arguments.height)


def verify_png(path: Any, *, width: int | None = None, height: int | None = None) -> Verification:
    """Check that ``path`` is a PNG that decodes, has the given size and is not blank."""
    import numpy
    from PIL import Image, UnidentifiedImageError

    checks: dict[str, Any] = {}
    problems: list[str] = []
    try:
        with Image.open(path) as image:
            image.load()
            checks.update(format=image.format, mode=image.mode)
            checks.update(width=image.width, height=image.height)
            rgb = image.convert("RGB")
    except (OSError, UnidentifiedImageError, ValueError) as error:
        return Verification(
            passed=False, checks=checks, problems=(f"image does not decode: {error}",)
        )
    if checks["format"] != "PNG":
        problems.append(f"expected a PNG, found {checks['format']}")
    if width is not None and (rgb.width, rgb.height) != (width, height):
        problems.append(f"size is {rgb.width}x{rgb.height}, expected {width}x{height}")
    pixels = numpy.asarray(rgb, dtype=numpy.float64)
    checks["mean"] = round(float(pixels.mean()), 3)
    checks["std"] = round(float(pixels.std()), 3)
    # getcolors returns None past maxcolors; that is plenty of colours, so report the cap.
    colors = rgb.getcolors(maxcolors=4096)
    checks["distinct_colors"] = len(colors) if colors is not None else 4096
    if checks["std"] < MINIMUM_PIXEL_STD:
        problems.append(f"image is blank: pixel standard deviation {checks['std']}")
    if checks["distinct_colors"] < MINIMUM_DISTINCT_COLORS:
        problems.append(f"image is blank: only {checks['distinct_colors']} distinct colours")
    return Verification(passed=not problems, checks=checks, problems=tuple(problems))
