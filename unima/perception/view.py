"""Printing a perception for people: ``unima perceive FILE`` renders through here.

The renderer takes a rich ``Console``, so tests print into memory
(``Console(file=io.StringIO())``) and read what a user would see. Everything shown comes from
the file (its text, metadata, even its name), so it goes out as plain ``Text`` through
``terminal_safe``: an escape sequence in a PDF's title shows as ``\x1b[2J``, never runs.
"""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from unima.terminal import terminal_safe
from unima.types import Perception

# Every top-level key is shown; long lists and mappings inside are cut to this many items.
MAX_ITEMS = 12
INLINE_CHARS = 100


def _safe(text: object, style: str = "") -> Text:
    return Text(terminal_safe(text), style=style)


def render_perception(
    perception: Perception, console: Console, *, title: str = "", max_text_chars: int = 400
) -> None:
    """Print one perception: its facts, summary, shortened text, failures and a meta tree."""
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold", no_wrap=True)
    facts.add_column()
    facts.add_row("modality", _safe(perception.modality))
    facts.add_row("backend", _safe(perception.backend or "-"))
    facts.add_row("seconds", Text(f"{perception.seconds:.3f}"))
    facts.add_row("summary", _safe(perception.summary or "-"))
    text = " ".join(perception.text.split())
    if len(text) > max_text_chars:
        text = f"{text[:max_text_chars].rstrip()} … ({len(perception.text):,} characters)"
    facts.add_row("text", _safe(text or "-"))
    for failure in perception.failures:
        facts.add_row(Text("failure", style="yellow"), _safe(failure))
    tree = meta_tree(perception.meta)
    console.print(
        Panel(Group(facts, tree), title=_safe(title or perception.tag or perception.modality))
    )


def meta_tree(meta: dict[str, Any], label: str = "meta") -> Tree:
    """A tree of ``meta``: short values inline, long lists and mappings as branches."""
    tree = Tree(_safe(label, style="bold"))
    _add(tree, meta, limit=None)
    return tree


def _add(node: Tree, value: Any, limit: int | None = MAX_ITEMS) -> None:
    items = list(value.items()) if isinstance(value, dict) else list(enumerate(value))
    for key, item in items[:limit]:
        inline = _inline(item)
        name = str(key) if isinstance(value, dict) else f"[{key}]"
        if inline is not None:
            node.add(Text.assemble((terminal_safe(name), "cyan"), ": ", terminal_safe(inline)))
        else:
            _add(node.add(_safe(name, style="cyan")), item)
    if limit is not None and len(items) > limit:
        node.add(Text(f"… {len(items) - limit} more", style="dim"))


def _inline(item: Any) -> str | None:
    """``item`` as one short line, or ``None`` when it should be a branch of its own."""
    if isinstance(item, dict | list | tuple) and item:
        shown = json.dumps(item, default=str, ensure_ascii=False)
        return shown if len(shown) <= INLINE_CHARS else None
    if isinstance(item, float):
        return f"{item:.4g}"
    shown = item if isinstance(item, str) else json.dumps(item, default=str)
    shown = " ".join(str(shown).split())
    return shown if len(shown) <= INLINE_CHARS else shown[: INLINE_CHARS - 1] + "…"
