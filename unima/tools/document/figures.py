"""Figures of a document: the image artifacts of earlier steps, read into memory once.

Only regular image files are embedded; links, devices and folders are refused, and anything
but PNG or JPEG is converted to PNG in memory for reportlab and python-docx.
"""

from __future__ import annotations

import io
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from unima.errors import ToolError
from unima.tools.common import clean_text, one_line
from unima.types import Artifact

# A figure bigger than this is almost certainly not a chart or diagram a document should hold.
MAX_FIGURE_BYTES = 40 * 1024 * 1024


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


def load_figure(
    step_id: str, dependencies: dict[str, Artifact], number: int, *, tool: str
) -> Figure:
    """Read the image artifact of step ``step_id`` into memory as PNG or JPEG bytes.

    Raises:
        ToolError: the step is not a dependency, made no image, or its file is not a regular,
            readable image file (links, devices and folders are refused).
    """
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
