"""``unima run TEXT``: answer a request with a live view of the reasoning, then print the answer."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from unima.cli.app import console, fail
from unima.cli.progress import RunProgress
from unima.errors import UnimaError
from unima.terminal import terminal_safe
from unima.tools.models.specs import parse_assignments


def run(
    text: Annotated[
        str | None,
        typer.Argument(
            help="The request, with <image1>-style placeholders for inputs (omit with --resume)."
        ),
    ] = None,
    inputs: Annotated[
        list[Path] | None, typer.Option("--input", "-i", help="An input file (repeatable).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Save the answer and its files here.")
    ] = None,
    llm: Annotated[
        str | None,
        typer.Option(
            "--llm",
            help="Reasoner: auto (default: the embedded model, else heuristic), embedded, "
            "heuristic, gguf:PATH, openai:MODEL, openai-compatible:URL:MODEL, or guided:<spec> "
            "to ask any chat model the short guided questions.",
        ),
    ] = None,
    reasoning: Annotated[
        str | None,
        typer.Option(
            "--reasoning",
            help="direct (default) or tom: emotion questions follow the Theory-of-Mind chain of "
            "their level and answer <think>...</think><answer>...</answer>.",
        ),
    ] = None,
    perception_llm: Annotated[
        str | None,
        typer.Option(
            "--perception-llm",
            help="Vision model that captions the inputs: openai:MODEL or "
            "openai-compatible:URL:MODEL (default: embedded perception only).",
        ),
    ] = None,
    resume: Annotated[
        str | None, typer.Option("--resume", help="Continue the interrupted run with this run id.")
    ] = None,
    run_id: Annotated[
        str | None, typer.Option("--run-id", help="Name the run (default: time-stamped).")
    ] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Re-run every tool step.")] = False,
    trace_dir: Annotated[
        Path | None, typer.Option("--trace-dir", help="Where the trace is written.")
    ] = None,
    max_rounds: Annotated[
        int | None, typer.Option("--max-rounds", help="Judge repair rounds.")
    ] = None,
    backend: Annotated[
        list[str] | None,
        typer.Option(
            "--backend",
            help="TOOL=BACKEND[:LOCATION], e.g. generate_image=diffusers:/models/sd-turbo or "
            "synthesize_speech=openai:tts-1 (repeatable; on top of UNIMA_TOOL_BACKENDS).",
        ),
    ] = None,
    follow_symlinks: Annotated[
        bool,
        typer.Option(
            "--follow-symlinks",
            help="Read inputs that are symbolic links out of their folder (refused by default).",
        ),
    ] = False,
) -> None:
    """Answer a request and print the interleaved answer, its artifacts and the trace path."""
    from unima.agent import UniMA
    from unima.types import Response

    if text is None and resume is None:
        raise fail("give the request TEXT, or --resume RUN_ID to continue an interrupted run")
    overrides: dict[str, Any] = {}
    if trace_dir is not None:
        overrides["trace_dir"] = trace_dir
    if max_rounds is not None:
        overrides["max_judge_rounds"] = max_rounds
    if no_cache:
        overrides["cache"] = False
    request: Any = None
    if text is not None:
        # --follow-symlinks: the user vouches for each link; the trace names its real target.
        named = [path.resolve() if follow_symlinks else path for path in inputs or []]
        request = [text, *named] if named else text
    response: Response | None = None
    try:
        # A backend that cannot work (missing extra, folder, device) fails here, before work.
        agent = UniMA(
            reasoner=llm,
            perception_llm=perception_llm,
            reasoning=reasoning,
            tool_backends=parse_assignments(backend or []),
            **overrides,
        )
        with RunProgress(console) as progress:
            for item in agent.stream(request, run_id=resume or run_id):
                if isinstance(item, Response):
                    response = item
                else:
                    progress.update(item)
    except UnimaError as error:
        raise fail(str(error)) from error
    assert response is not None
    _print_response(response, out)
    if response.status == "failed":
        raise typer.Exit(1)


YES_NO = {True: "yes", False: "no", None: "-"}


def _print_response(response: Any, out: Path | None) -> None:
    # The answer, paths and problems hold text from the request and the model: each goes out
    # as plain Text (no markup) with terminal controls made visible (no escape sequences).
    console.rule("answer")
    console.print(Text(terminal_safe(response.content)), highlight=False)
    # valid: the tool's own check (decodes, not blank, runs); relevant: it carries the answer.
    table = Table("tag", "modality", "file", "valid", "relevant")
    failures: list[str] = []
    for tag, artifact in response.artifacts.items():
        valid = artifact.verification.passed if artifact.verification else None
        relevant = artifact.relevance.passed if artifact.relevance else None
        table.add_row(
            Text(terminal_safe(tag)),
            Text(terminal_safe(artifact.modality)),
            Text(terminal_safe(artifact.path)),
            YES_NO[valid],
            YES_NO[relevant],
        )
        if artifact.verification and not artifact.verification.passed:
            failures += [f"{tag} not valid: {p}" for p in artifact.verification.problems]
        if artifact.relevance and not artifact.relevance.passed:
            failures += [
                f"{tag} not relevant ({reason.name}): {reason.message}"
                for reason in artifact.relevance.reasons
            ]
    if response.artifacts:
        console.print(table)
    for failure in failures:
        console.print(Text(terminal_safe(failure), style="yellow"), highlight=False)
    if response.problems:
        console.print(
            Text.assemble(
                (f"status {response.status}:", "yellow"),
                " " + terminal_safe("; ".join(response.problems)),
            ),
            highlight=False,
        )
    if out is not None:
        saved = response.save(out)
        console.print(
            Text(
                f"response: {terminal_safe(saved / 'response.json')}  (answer.md, answer.html, media/)"
            ),
            soft_wrap=True,
        )
    console.print(Text(f"run: {terminal_safe(response.run_id)}"), highlight=False)
    console.print(
        Text(f"trace: {terminal_safe(response.trace_path)}"), soft_wrap=True, highlight=False
    )
