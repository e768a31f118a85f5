"""The font every embedded renderer draws with: DejaVu Sans, bundled with matplotlib."""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

from unima.errors import ConfigError


@lru_cache(maxsize=4)
def font_path(bold: bool = False) -> Path:
    """The DejaVu Sans TrueType file bundled with matplotlib (wide Unicode coverage).

    Found without importing matplotlib, which takes a noticeable fraction of a second.
    """
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or spec.origin is None:
        raise ConfigError(
            "the DejaVu fonts come with matplotlib; install it: pip install matplotlib"
        )
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    path = Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf" / name
    if not path.is_file():
        raise ConfigError(f"matplotlib's bundled font {path} is missing; reinstall matplotlib")
    return path


def load_font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """A Pillow TrueType font of ``size`` pixels.

    Not cached: a FreeType face must not be shared between threads that draw at the same time,
    and opening one takes well under a millisecond.
    """
    return ImageFont.truetype(str(font_path(bold)), size=max(1, int(size)))
