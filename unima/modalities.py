"""The modality vocabulary and placeholder tags: the words every other module speaks.

Imports nothing from the package, so anything (file names, renderers, records) can use it.
"""

from __future__ import annotations

import re
from typing import Literal, get_args

Modality = Literal["text", "image", "audio", "video", "document", "code", "threeD"]
MODALITIES: tuple[str, ...] = get_args(Modality)
# Modalities that appear as placeholders (text is the answer itself).
MEDIA_MODALITIES: tuple[str, ...] = tuple(m for m in MODALITIES if m != "text")

PLACEHOLDER_PATTERN = re.compile(r"<(image|audio|video|document|code|threeD)(\d+)>")
# How the answer states what a program printed in the sandbox ("Run in the sandbox, code1
# printed: 385"): evidence for the reader, not the answer's own words about its subject.
PROGRAM_OUTPUT_OPENING = "Run in the sandbox, "


def placeholder_tags(content: str) -> list[str]:
    """Return the placeholder tags (``image1``, ``audio2`` ...) of ``content`` in reading order."""
    return [f"{match.group(1)}{match.group(2)}" for match in PLACEHOLDER_PATTERN.finditer(content)]


def tag_modality(tag: str) -> str:
    """Return the modality of a tag such as ``threeD2``."""
    match = re.fullmatch(r"(image|audio|video|document|code|threeD)(\d+)", tag)
    if match is None:
        raise ValueError(f"not a placeholder tag: {tag!r}")
    return match.group(1)
