"""The ``unima`` command: ``run`` a request, ``trace view`` a run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(
    help="UniMA: any-to-any multimodal answers with traceable reasoning.", no_args_is_help=True
)
trace_app = typer.Typer(help="Read saved traces.", no_args_is_help=True)
app.add_typer(trace_app, name="trace")
console = Console()
error_console = Console(stderr=True)


@app.command()
def run(
    text: Annotated[
        str, typer.Argument(help="The request, with <image1>-style placeholders for inputs.")
    ],
    inputs: Annotated[
        list[Path] | None, typer.Option("--input", "-i", help="An input file (repeatable).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Save the answer and its files here.")
    ] = None,
    llm: Annotated[
        str | None,
        typer.Option(
            "--llm", help="Reasoner: heuristic, openai:MODEL or openai-compatible:URL:MODEL."
        ),
    ] = None,
    trace_dir: Annotated[
        Path | None, typer.Option("--trace-dir", help="Where the trace is written.")
    ] = None,
    max_rounds: Annotated[
        int | None, typer.Option("--max-rounds", help="Judge repair rounds.")
    ] = None,
) -> None:
    """Answer a request and print the interleaved answer, its artifacts and the trace path."""
    from unima.agent import UniMA
    from unima.errors import UnimaError

    overrides: dict[str, Any] = {}
    if trace_dir is not None:
        overrides["trace_dir"] = trace_dir
    if max_rounds is not None:
        overrides["max_judge_rounds"] = max_rounds
    request: object = [text, *inputs] if inputs else text
    try:
        agent = UniMA(reasoner=llm, **overrides)
        with console.status("answering ..."):
            response = agent.respond(request)
    except UnimaError as error:
        error_console.print(f"[red]error:[/red] {error}", markup=True, highlight=False)
        raise typer.Exit(1) from error
    console.rule("answer")
    console.print(response.content, markup=False, highlight=False)
    table = Table("tag", "modality", "file", "verified")
    for tag, artifact in response.artifacts.items():
        passed = artifact.verification.passed if artifact.verification else None
        table.add_row(
            tag, artifact.modality, artifact.path, {True: "yes", False: "no", None: "-"}[passed]
        )
    if response.artifacts:
        console.print(table)
    if response.problems:
        console.print(
            f"[yellow]status {response.status}:[/yellow] " + "; ".join(response.problems),
            highlight=False,
        )
    if out is not None:
        saved = response.save(out)
        console.print(
            f"response: {saved / 'response.json'}  (answer.md, answer.html, media/)", soft_wrap=True
        )
    console.print(f"trace: {response.trace_path}", soft_wrap=True, highlight=False)
    if response.status == "failed":
        raise typer.Exit(1)


@trace_app.command("view")
def trace_view(path: Annotated[Path, typer.Argument(help="A trace JSON file.")]) -> None:
    """Print a readable summary of a trace."""
    from unima.errors import TraceError
    from unima.trace.schema import load_trace
    from unima.trace.view import render_trace

    try:
        trace = load_trace(path)
    except TraceError as error:
        error_console.print(f"error: {error}")
        raise typer.Exit(1) from error
    render_trace(trace, console)


def main() -> None:
    app()
