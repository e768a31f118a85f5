"""Small helpers shared by the embedded output tools: colours, text cleaning, names, versions.

Nothing here imports a heavy library, so a tool module can import it freely.
"""

from __future__ import annotations

import importlib.metadata
import re
import unicodedata
from collections.abc import Mapping
from typing import Any, TypeVar

from unima.tools.base import ToolArguments

ArgumentsT = TypeVar("ArgumentsT", bound=ToolArguments)

# A few CSS colour names a planner is likely to write; anything else must be hex.
NAMED_COLORS: dict[str, str] = {
    "black": "#000000",
    "white": "#ffffff",
    "gray": "#808080",
    "grey": "#808080",
    "silver": "#c0c0c0",
    "red": "#d62728",
    "darkred": "#8b0000",
    "orange": "#ff7f0e",
    "yellow": "#ffd700",
    "gold": "#ffd700",
    "green": "#2ca02c",
    "darkgreen": "#006400",
    "lime": "#32cd32",
    "teal": "#008080",
    "cyan": "#17becf",
    "blue": "#1f77b4",
    "navy": "#000080",
    "skyblue": "#87ceeb",
    "purple": "#9467bd",
    "magenta": "#e377c2",
    "pink": "#ffc0cb",
    "brown": "#8c564b",
    "tan": "#d2b48c",
    "beige": "#f5f5dc",
    "wood": "#a0703c",
    "steel": "#7b8794",
}

HEX_COLOR_PATTERN = re.compile(r"#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")

# Control characters break XML-based writers (reportlab paragraphs, DOCX); tab and newline stay.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def parse_color(text: str) -> tuple[int, int, int, int]:
    """Parse ``"#rgb"``, ``"#rrggbb"``, ``"#rrggbbaa"`` or a name from ``NAMED_COLORS`` to RGBA.

    Raises:
        ValueError: the text is neither; the message lists what is accepted (pydantic turns it
            into a validation error that names the field).
    """
    cleaned = text.strip().lower().replace(" ", "").replace("_", "")
    cleaned = NAMED_COLORS.get(cleaned, cleaned)
    match = HEX_COLOR_PATTERN.fullmatch(cleaned)
    if match is None:
        names = ", ".join(sorted(NAMED_COLORS))
        raise ValueError(f"colour {text!r} is not a hex colour like '#aa3322' nor one of: {names}")
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(digit * 2 for digit in digits)
    if len(digits) == 6:
        digits += "ff"
    red, green, blue, alpha = (int(digits[index : index + 2], 16) for index in range(0, 8, 2))
    return red, green, blue, alpha


def clean_text(text: str) -> str:
    """``text`` without control characters, so every writer and renderer accepts it."""
    return _CONTROL_CHARACTERS.sub("", text)


def one_line(text: str) -> str:
    """``text`` cleaned and with runs of whitespace (newlines included) collapsed to one space."""
    return " ".join(clean_text(text).split())


def slugify(text: str, fallback: str) -> str:
    """A safe, short file stem made of ``text`` (ASCII letters, digits and dashes)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-zA-Z0-9]+", "-", ascii_text).strip("-").lower()[:60].strip("-")
    return slug or fallback


def library_versions(*distributions: str) -> str:
    """``"name version, ..."`` for installed distributions (missing ones are left out)."""
    found = []
    for distribution in distributions:
        try:
            found.append(f"{distribution} {importlib.metadata.version(distribution)}")
        except importlib.metadata.PackageNotFoundError:
            continue
    return ", ".join(found)


def ensure_arguments(model: type[ArgumentsT], arguments: Any) -> ArgumentsT:
    """``arguments`` as ``model``: validated already, or a mapping validated now.

    Raises:
        TypeError: ``arguments`` is another tool's model or not a mapping at all.
    """
    if isinstance(arguments, model):
        return arguments
    if isinstance(arguments, Mapping):
        return model.model_validate(dict(arguments))
    raise TypeError(f"expected {model.__name__} or a mapping, got {type(arguments).__name__}")
