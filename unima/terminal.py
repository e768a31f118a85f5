"""Untrusted text made safe to print on a terminal.

Request text, file contents, model answers and whole traces come from people and models unima
does not trust. Printed raw, ``ESC[2J`` clears the screen, an OSC sequence retitles the window
or plants a hyperlink, a carriage return overwrites what was printed, and a right-to-left
override reorders a line so it reads differently from what it holds (the "Trojan Source"
trick). ``terminal_safe`` turns every such character into a visible escape (``\\x1b``,
``\\u202e``), so the text stays readable and the attempt shows. ``markup_safe`` additionally
escapes rich console markup, for the few places that build a markup string around the text.
"""

from __future__ import annotations

import re

from rich.markup import escape as escape_markup
from rich.text import Text

from unima.filenames import valid_utf8

# C0 controls except tab and newline, DEL, C1 controls (0x9b is a one-byte CSI on some
# terminals), and the Unicode characters that reorder or split lines: bidi embeddings,
# overrides and isolates, line and paragraph separators.
_UNSAFE_CHARACTERS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def terminal_safe(text: object) -> str:
    """Return ``text`` with every terminal control and bidi character shown as an escape.

    Newlines and tabs are kept; everything else that a terminal would act on instead of
    showing (ESC and so every ANSI sequence, carriage return, backspace, bell, C1 controls,
    bidi overrides and isolates) becomes ``\\xNN`` or ``\\uNNNN``.

    Args:
        text: Any value; non-strings are converted with ``str`` first.

    Returns:
        Text that prints as exactly what it holds.
    """
    shown = valid_utf8(text if isinstance(text, str) else str(text))  # undecodable file names
    return _UNSAFE_CHARACTERS.sub(_visible, shown)


def markup_safe(text: object) -> str:
    """``terminal_safe(text)`` with rich markup escaped, to embed in a markup string."""
    return escape_markup(terminal_safe(text))


def safe_text(text: object, style: str = "") -> Text:
    """A rich ``Text`` of untrusted text: never parsed as markup, controls made visible."""
    return Text(terminal_safe(text), style=style)


def safe_line(*pieces: str | tuple[str, str]) -> Text:
    """``Text.assemble`` of plain strings and ``(text, style)`` pairs, each terminal-safe."""
    return Text.assemble(
        *(
            terminal_safe(piece) if isinstance(piece, str) else (terminal_safe(piece[0]), piece[1])
            for piece in pieces
        )
    )
