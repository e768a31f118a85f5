"""The typer application and the consoles every command prints to."""

from __future__ import annotations

import typer
from rich.console import Console

app = typer.Typer(
    help="UniMA: any-to-any multimodal answers with traceable reasoning.", no_args_is_help=True
)
console = Console()
error_console = Console(stderr=True)


def fail(message: str, error: BaseException | None = None) -> typer.Exit:
    """Print ``message`` as an error and return the exit to raise (status 1)."""
    error_console.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(1)
