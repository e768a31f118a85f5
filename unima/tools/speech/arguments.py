"""The arguments of ``synthesize_speech``: the script, the speaking speed and the file format."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from unima.tools.base import ToolArguments
from unima.tools.common import clean_text


class SpeechArguments(ToolArguments):
    """Arguments of ``synthesize_speech``."""

    script: str = Field(
        min_length=1, max_length=4000, description="The exact words to speak, in English."
    )
    speed: float = Field(
        default=1.0, ge=0.5, le=2.0, description="Speaking speed: 1.0 normal, 2.0 twice as fast."
    )
    format: Literal["wav", "mp3"] = Field(default="wav", description="Audio file format.")

    @field_validator("script")
    @classmethod
    def _has_words(cls, script: str) -> str:
        script = clean_text(script).strip()
        if not any(character.isalnum() for character in script):
            raise ValueError(f"script {script[:40]!r} has no words to speak")
        return script
