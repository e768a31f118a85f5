"""``unima bench run unim ...`` and ``unima bench export OUT --format ...``."""

from __future__ import annotations

import json
import signal
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from unima.cli.app import console, fail
from unima.errors import UnimaError
from unima.tools.models.specs import parse_assignments

if TYPE_CHECKING:
    from rich.progress import Task as ProgressTask

    from unima.bench.runner import RunSummary
    from unima.bench.work import WorkResult

bench_app = typer.Typer(help="Run models on UniM and export their answers.", no_args_is_help=True)
SHOWN_INVALID = 10


class _RateColumn(ProgressColumn):
    """Finished instances per minute, over rich's recent-speed window."""

    def render(self, task: ProgressTask) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed * 60:.1f}/min" if speed else "-/min", style="progress.data.speed")


class BenchProgress:
    """A progress bar with rate and ETA, fed by the runner's observer callbacks."""

    def __init__(self) -> None:
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            _RateColumn(),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=console,
        )
        self.task: TaskID | None = None
        self.failed = 0

    def started(self, total: int, finished: int) -> None:
        self.progress.start()
        self.task = self.progress.add_task("instances", total=total, completed=finished)

    def attempt_finished(self, result: WorkResult, final: bool) -> None:
        if self.task is None:
            return
        if final and result.status != "done":
            self.failed += 1
        label = f"instances ({self.failed} failed)" if self.failed else "instances"
        self.progress.update(self.task, advance=1 if final else 0, description=label)

    def stop(self) -> None:
        self.progress.stop()


def _interrupt_on_sigterm(_signal: int, _frame: FrameType | None) -> None:
    # SIGTERM (a scheduler's stop) gets the same orderly stop as Ctrl+C.
    raise KeyboardInterrupt


def _parse_option(text: str) -> tuple[str, Any]:
    name, separator, raw = text.partition("=")
    if not separator or not name.strip():
        raise fail(f"--model-option takes NAME=VALUE, got {text!r}")
    try:
        value: Any = json.loads(raw)
    except ValueError:
        value = raw
    return name.strip().replace("-", "_"), value


@bench_app.command("run")
def bench_run(
    benchmark: Annotated[str, typer.Argument(help="The benchmark (dataset): unim or hitemotion.")],
    data: Annotated[
        Path,
        typer.Option(
            "--data",
            help="UniM instance file or folder; HitEmotion: the folder holding with_prompt/ "
            "and without_prompt/.",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="Run folder; re-use it to resume.")],
    model: Annotated[
        str,
        typer.Option(
            "--model",
            help="unima, openai-compatible:BASE_URL:MODEL, transformers:PATH (a local chat "
            "model folder, text only) or predictions:FILE.",
        ),
    ] = "unima",
    media_root: Annotated[
        Path | None, typer.Option("--media-root", help="Media folder, if not beside --data.")
    ] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Instances at once.")] = 1,
    concurrency: Annotated[
        int,
        typer.Option(
            "--concurrency",
            min=1,
            help="openai-compatible models: requests kept in flight from one process, instead "
            "of --workers (e.g. 64 for a vLLM server).",
        ),
    ] = 1,
    executor: Annotated[
        str, typer.Option("--executor", help="local (worker processes) or ray.")
    ] = "local",
    ray_address: Annotated[
        str | None, typer.Option("--ray-address", help="Ray cluster to join (default: local).")
    ] = None,
    field: Annotated[list[str] | None, typer.Option("--field", help="Keep a field.")] = None,
    domain: Annotated[list[str] | None, typer.Option("--domain", help="Keep a domain.")] = None,
    subdomain: Annotated[
        list[str] | None, typer.Option("--subdomain", help="Keep a subdomain.")
    ] = None,
    difficulty: Annotated[
        list[int] | None, typer.Option("--difficulty", help="Keep a difficulty (1-3).")
    ] = None,
    input_modality: Annotated[
        list[str] | None, typer.Option("--input-modality", help="Keep inputs with it.")
    ] = None,
    output_modality: Annotated[
        list[str] | None, typer.Option("--output-modality", help="Keep outputs with it.")
    ] = None,
    limit: Annotated[int | None, typer.Option("--limit", help="At most N instances.")] = None,
    sample: Annotated[int | None, typer.Option("--sample", help="N seeded random ones.")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Sampling seed.")] = 0,
    on_invalid: Annotated[
        str, typer.Option("--on-invalid", help="skip (report) or fail on invalid instances.")
    ] = "skip",
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds one instance may take.")
    ] = 600.0,
    retries: Annotated[int, typer.Option("--retries", min=0, help="Extra attempts.")] = 1,
    force: Annotated[
        bool, typer.Option("--force", help="Set aside a different run in --out and start anew.")
    ] = False,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Try failed instances again on resume.")
    ] = False,
    durable: Annotated[
        bool, typer.Option("--durable", help="Make every result survive power loss (slower).")
    ] = False,
    llm: Annotated[
        str | None,
        typer.Option(
            "--llm", help="unima: reasoner (auto, embedded, heuristic, openai:MODEL ...)."
        ),
    ] = None,
    perception_llm: Annotated[
        str | None, typer.Option("--perception-llm", help="unima: vision captioning model.")
    ] = None,
    tools: Annotated[
        str | None, typer.Option("--tools", help="unima: 'fake' for zero-latency fake tools.")
    ] = None,
    max_rounds: Annotated[
        int | None, typer.Option("--max-rounds", help="unima: judge repair rounds.")
    ] = None,
    reasoning: Annotated[
        str | None,
        typer.Option(
            "--reasoning",
            help="unima: direct, or tom (emotion questions answered by the Theory-of-Mind "
            "chain; independent of --prompt, which picks HitEmotion's prompt files).",
        ),
    ] = None,
    backend: Annotated[
        list[str] | None,
        typer.Option(
            "--backend",
            help="unima: TOOL=BACKEND[:LOCATION], e.g. generate_image=diffusers:/models/sd "
            "(repeatable).",
        ),
    ] = None,
    model_option: Annotated[
        list[str] | None,
        typer.Option("--model-option", help="NAME=VALUE passed to the model (repeatable)."),
    ] = None,
    prompt: Annotated[
        str | None,
        typer.Option(
            "--prompt", help="hitemotion: tom (with_prompt/) or direct (without_prompt/)."
        ),
    ] = None,
    tasks: Annotated[
        str | None, typer.Option("--tasks", help="hitemotion: task codes to keep, e.g. MER,SD.")
    ] = None,
    level: Annotated[
        list[int] | None, typer.Option("--level", help="hitemotion: keep a level (1-3).")
    ] = None,
) -> None:
    """Run a model on a benchmark, keeping every result; re-run the same command to resume."""
    from unima.bench.datasets import DATASETS
    from unima.bench.records import Selection
    from unima.bench.runner import RunOptions, run_benchmark

    try:
        DATASETS.get(benchmark)  # an unknown name is answered with "did you mean ..."
    except UnimaError as error:
        raise fail(str(error)) from error
    if reasoning not in (None, "direct", "tom"):
        raise fail(f"--reasoning takes direct or tom, not {reasoning!r}")
    if executor not in ("local", "ray"):
        raise fail(f"unknown executor {executor!r}; choose local or ray")
    if on_invalid not in ("skip", "fail"):
        raise fail(f"--on-invalid takes skip or fail, not {on_invalid!r}")
    options: dict[str, Any] = dict(_parse_option(text) for text in model_option or [])
    try:
        backends = parse_assignments(backend or []) or None
    except UnimaError as error:
        raise fail(str(error)) from error
    agent_flags = {
        "reasoner": llm,
        "perception_llm": perception_llm,
        "tools": tools,
        "max_judge_rounds": max_rounds,
        "reasoning": reasoning,
        "tool_backends": backends,
    }
    given = {name: value for name, value in agent_flags.items() if value is not None}
    if given and model.partition(":")[0] != "unima":
        raise fail(
            "--llm, --perception-llm, --tools, --max-rounds, --reasoning and --backend apply "
            "to --model unima only"
        )
    options.update(given)
    task_codes = [code.strip() for code in (tasks or "").split(",") if code.strip()]
    if benchmark == "hitemotion":
        data, task_codes = _hitemotion_data(data, prompt, task_codes)
    elif prompt is not None or task_codes or level:
        raise fail("--prompt, --tasks and --level apply to hitemotion only")
    selection = Selection(
        fields=field or [],
        domains=domain or [],
        subdomains=[*(subdomain or []), *task_codes],
        difficulties=[*(difficulty or []), *(level or [])],
        input_modalities=input_modality or [],
        output_modalities=output_modality or [],
        limit=limit,
        sample=sample,
        seed=seed,
    )
    run_options = RunOptions(
        workers=workers,
        executor=executor,  # type: ignore[arg-type]
        concurrency=concurrency,
        timeout_s=timeout,
        retries=retries,
        force=force,
        retry_failed=retry_failed,
        ray_address=ray_address,
        durable=durable,
    )
    progress = BenchProgress()
    previous_handler = signal.signal(signal.SIGTERM, _interrupt_on_sigterm)
    try:
        summary = run_benchmark(
            data,
            out,
            model,
            model_options=options,
            media_root=media_root,
            selection=selection,
            on_invalid=on_invalid,  # type: ignore[arg-type]
            options=run_options,
            observer=progress,
            benchmark=benchmark,
        )
    except UnimaError as error:
        raise fail(str(error)) from error
    except KeyboardInterrupt:
        # Interrupted before the run started scheduling (loading, manifest): nothing to keep.
        console.print("[yellow]interrupted[/yellow]; re-run the same command to resume")
        raise typer.Exit(130) from None
    finally:
        progress.stop()
        signal.signal(signal.SIGTERM, previous_handler)
    print_summary(summary)
    if summary.stopped == "interrupted":
        console.print(f"[yellow]interrupted[/yellow]; re-run the same command to resume ({out})")
        raise typer.Exit(130)
    if summary.stopped == "degraded":
        console.print(
            "[red]stopped early[/red]: too many attempts in a row failed (see the errors in "
            f"{out / 'events.jsonl'}); fix the model or endpoint and re-run to resume"
        )
        raise typer.Exit(1)


def _hitemotion_data(data: Path, prompt: str | None, tasks: list[str]) -> tuple[Path, list[str]]:
    """The prompt folder ``--prompt`` picks and the task codes, checked before the run."""
    from unima.bench.datasets.hitemotion import prompt_folder, task_named

    if prompt is None:
        raise fail("hitemotion needs --prompt tom (ToM prompts) or --prompt direct")
    try:
        return prompt_folder(data, prompt), [task_named(code).code for code in tasks]
    except UnimaError as error:
        raise fail(str(error)) from error


def print_summary(summary: RunSummary) -> None:
    """The end-of-run table: done, failed, skipped (invalid) and time."""
    counts = summary.counts
    table = Table("", "instances", title=f"unima bench: {summary.out}", title_justify="left")
    table.add_row("done", str(counts.get("done", 0)))
    failed = ", ".join(
        f"{counts[status]} {status}"
        for status in ("failed", "timeout", "crashed")
        if counts.get(status)
    )
    table.add_row("failed", f"{summary.failed}" + (f" ({failed})" if failed else ""))
    table.add_row("skipped (invalid)", str(counts.get("invalid", 0)))
    if counts.get("pending"):
        table.add_row("not run yet", str(counts["pending"]))
    table.add_row("kept from earlier runs", str(summary.kept))
    if summary.requeued:
        table.add_row("re-queued after a crash", str(summary.requeued))
    table.add_row("attempts this run", str(summary.attempts))
    table.add_row("time", f"{summary.seconds:.1f} s")
    console.print(table)
    for source, key, reason in summary.invalid[:SHOWN_INVALID]:
        shown = "/".join(key) if key else "no key"
        # Text.assemble: reasons quote user data, which must not be read as rich markup.
        console.print(Text.assemble(("invalid ", "yellow"), f"{source} ({shown}): {reason}"))
    if len(summary.invalid) > SHOWN_INVALID:
        console.print(f"... and {len(summary.invalid) - SHOWN_INVALID} more invalid instances")
    if summary.predictions is not None:
        console.print(f"predictions: {summary.predictions}", soft_wrap=True, highlight=False)


@bench_app.command("export")
def bench_export(
    out: Annotated[Path, typer.Argument(help="A run folder (or its predictions.jsonl).")],
    format: Annotated[str, typer.Option("--format", help="isg, opening, mmie or unim.")],
    destination: Annotated[
        Path | None, typer.Option("--dest", help="Export folder (default OUT/exports/FORMAT).")
    ] = None,
    data: Annotated[
        Path | None, typer.Option("--data", help="The dataset (default: from the manifest).")
    ] = None,
    media_root: Annotated[
        Path | None, typer.Option("--media-root", help="The dataset's media folder.")
    ] = None,
    model_name: Annotated[
        str | None, typer.Option("--model-name", help="Name the answers are filed under.")
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace an existing export folder.")
    ] = False,
) -> None:
    """Write a run's predictions in another benchmark's answer format."""
    from unima.bench.exports import export_predictions

    try:
        written = export_predictions(
            out,
            format,  # type: ignore[arg-type]
            destination,
            data=data,
            media_root=media_root,
            model_name=model_name,
            overwrite=overwrite,
        )
    except UnimaError as error:
        raise fail(str(error)) from error
    console.print(f"exported ({format}): {written}", soft_wrap=True, highlight=False)
