"""The arguments of ``compose_video``: captioned scenes, image steps, narration and picture."""

from __future__ import annotations

from typing import Self

from pydantic import Field, field_validator, model_validator

from unima.tools.base import ToolArguments


class Scene(ToolArguments):
    """One captioned scene."""

    caption: str = Field(min_length=1, max_length=300, description="Text shown during the scene.")
    duration_s: float = Field(default=3.0, ge=0.5, le=30.0, description="Seconds on screen.")


class VideoArguments(ToolArguments):
    """Arguments of ``compose_video``."""

    title: str = Field(default="", max_length=120, description="Shown at the top of every frame.")
    scenes: list[Scene] = Field(default_factory=list, max_length=20)
    image_steps: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Ids of earlier steps whose images become scene backgrounds, in order.",
    )
    narration: str = Field(default="", max_length=4000, description="Words spoken over the video.")
    narration_step: str | None = Field(
        default=None, description="Id of an earlier step whose audio is the soundtrack."
    )
    fps: int = Field(default=12, ge=1, le=30)
    width: int = Field(default=640, ge=64, le=1920)
    height: int = Field(default=360, ge=64, le=1080)
    animate: bool = Field(default=True, description="Slow zoom and pan, and a progress bar.")

    @field_validator("width", "height")
    @classmethod
    def _even(cls, value: int) -> int:
        if value % 2:
            raise ValueError(
                f"{value} is odd; H.264 with yuv420p needs even sizes, use {value + 1}"
            )
        return value

    @model_validator(mode="after")
    def _check_content(self) -> Self:
        if not self.scenes and not self.image_steps:
            raise ValueError("a video needs scenes (captions with durations) or image_steps")
        if self.narration.strip() and self.narration_step:
            raise ValueError("give narration text or a narration_step, not both")
        return self
