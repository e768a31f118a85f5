"""``unima trace view TRACE [--html OUT]`` and ``unima trace diff A B``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from unima.cli.app import console, error_console, fail
from unima.errors import TraceError, UnimaError

trace_app = typer.Typer(help="Read, render and compare saved traces.", no_args_is_help=True)


def _load(path: Path) -> Any:
    from unima.trace.schema import load_trace

    try:
        return load_trace(path)
    except TraceError as error:
        raise fail(str(error)) from error


@trace_app.command("view")
def trace_view(
    path: Annotated[Path, typer.Argument(help="A trace JSON file.")],
    html: Annotated[
        Path | None,
        typer.Option("--html", help="Also write a self-contained HTML page (a file or a folder)."),
    ] = None,
    allow_dir: Annotated[
        list[Path] | None,
        typer.Option(
            "--allow-dir",
            help="Also show media from this folder on the page (repeatable). A trace is "
            "untrusted: by default only its own folder, the artifact store and the run's work "
            "folder are read.",
        ),
    ] = None,
) -> None:
    """Print a readable view of a trace; with --html, write the page a person would rather read."""
    from unima.terminal import terminal_safe
    from unima.trace.access import ReadableFolders, refused_media
    from unima.trace.html import write_trace_html
    from unima.trace.view import render_trace

    trace = _load(path)
    render_trace(trace, console)
    if html is not None:
        readable = ReadableFolders.for_trace(trace, trace_path=path, allow=allow_dir or ())
        try:
            page = write_trace_html(trace, html, readable=readable)
        except UnimaError as error:
            raise fail(str(error)) from error
        for message in refused_media(trace, readable):
            error_console.print(
                f"refused: {terminal_safe(message)}", markup=False, highlight=False, soft_wrap=True
            )
        console.print(f"html: {terminal_safe(page)}", markup=False, soft_wrap=True, highlight=False)


@trace_app.command("diff")
def trace_diff(
    first: Annotated[Path, typer.Argument(help="The first trace.")],
    second: Annotated[Path, typer.Argument(help="The second trace.")],
) -> None:
    """What differs between two runs: spec, plan, steps re-run or cached, changed artifacts."""
    from unima.trace.diff import diff_traces, render_diff

    render_diff(diff_traces(_load(first), _load(second)), console)
