"""The typer application and the consoles every command prints to."""

from __future__ import annotations

import typer
from rich.console import Console

from unima.terminal import markup_safe

app = typer.Typer(
    help="UniMA: any-to-any multimodal answers with traceable reasoning.", no_args_is_help=True
)
console = Console()
error_console = Console(stderr=True)


def fail(message: str, error: BaseException | None = None) -> typer.Exit:
    """Print ``message`` as an error and return the exit to raise (status 1)."""
    # Messages quote untrusted text (file names, request text): no markup, no escape codes.
    error_console.print(f"[red]error:[/red] {markup_safe(message)}", highlight=False)
    return typer.Exit(1)
