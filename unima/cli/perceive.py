"""``unima perceive FILE ...``: what unima understands of each input."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from unima.cli.app import console, error_console
from unima.errors import ConfigError, InputError, UnimaError
from unima.filenames import shown_path
from unima.terminal import terminal_safe


def perceive(
    files: Annotated[list[Path], typer.Argument(help="The files to perceive.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print each perception as one line of JSON.")
    ] = False,
    perception_llm: Annotated[
        str | None,
        typer.Option(
            "--perception-llm",
            help="Vision model that adds a caption: openai:MODEL or openai-compatible:URL:MODEL.",
        ),
    ] = None,
    question: Annotated[
        str, typer.Option("--question", help="The request the files belong to (for the model).")
    ] = "",
    text_chars: Annotated[
        int, typer.Option("--text-chars", min=0, help="How much of the found text to print.")
    ] = 400,
    follow_symlinks: Annotated[
        bool,
        typer.Option(
            "--follow-symlinks",
            help="Read files that are symbolic links out of their folder (refused by default).",
        ),
    ] = False,
) -> None:
    """Print what unima perceives in each file: modality, backend, time, summary, text, meta."""
    from unima.perception.configure import perceive_with_model, resolve_perception_model
    from unima.perception.view import render_perception

    try:
        model = resolve_perception_model(perception_llm)
    except ConfigError as error:
        error_console.print(f"error: {terminal_safe(error)}", markup=False, highlight=False)
        raise typer.Exit(1) from error
    refused = 0
    for file in files:
        try:
            # --follow-symlinks: the user vouches for the link, so its target is read.
            source = file.resolve() if follow_symlinks else file
            perception = perceive_with_model(source, model, question=question)
        except UnimaError as error:  # InputError, or ConfigError for a missing perceiver
            refused += 1
            # An InputError already names the file; a ConfigError names the missing perceiver.
            shown = str(error) if isinstance(error, InputError) else f"{shown_path(file)}: {error}"
            error_console.print(
                f"error: {terminal_safe(shown)}", markup=False, highlight=False, soft_wrap=True
            )
            continue
        if as_json:
            typer.echo(perception.model_dump_json())
        else:
            render_perception(
                perception, console, title=shown_path(file), max_text_chars=text_chars
            )
    if refused:
        raise typer.Exit(1)
