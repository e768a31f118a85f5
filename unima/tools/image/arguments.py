"""The arguments of ``generate_image``: what to draw, its labels, numbers, texts and size."""

from __future__ import annotations

import math
from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from unima.tools.base import ToolArguments

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


class ImageArguments(ToolArguments):
    """Arguments of ``generate_image``."""

    kind: ImageKind = Field(
        default="diagram",
        description=(
            "What to draw. Charts plot `values` against `labels`; diagram and flowchart draw one "
            "box per label joined by arrows in order (a label ending in '?' is a decision in a "
            "flowchart); timeline places labels as events at `values` (years) or evenly; "
            "illustration draws the subject in a fitting setting, each label as the object it "
            "names (a neutral marker when none is known)."
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
    arrows: bool | list[bool] = Field(
        default=True,
        description=(
            "Diagram only: true joins each box to the next by an arrow, in the order of `labels` "
            "(a process, a cause and its effects); false leaves them unconnected (terms whose "
            "links are not known); or one true/false per neighbouring pair (label 1 to 2, 2 to "
            "3, ...)."
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
        if self.arrows is not True and self.kind != "diagram":
            raise ValueError(f"arrows other than true are for a diagram's boxes, not a {self.kind}")
        if isinstance(self.arrows, list) and len(self.arrows) != max(count - 1, 0):
            raise ValueError(
                f"{len(self.arrows)} arrows for {count} labels: give one true/false per "
                f"neighbouring pair ({max(count - 1, 0)})"
            )
        if self.kind in {"diagram", "flowchart"} and count > 24:
            raise ValueError(f"a {self.kind} holds at most 24 boxes to stay legible, got {count}")
        return self
