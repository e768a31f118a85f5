"""``unima eval ...``: score UniM (``unim``) or HitEmotion (``hitemotion``) predictions and
compare two reports (``compare``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from unima.cli.app import console, error_console, fail
from unima.errors import UnimaError
from unima.terminal import terminal_safe

if TYPE_CHECKING:
    from unima.eval.report import Report

eval_app = typer.Typer(
    help="Evaluate predictions on UniM or HitEmotion and compare reports.", no_args_is_help=True
)


def _split(values: list[str] | None) -> tuple[str, ...]:
    """Repeatable options that also accept comma-separated lists."""
    return tuple(
        part.strip() for value in values or () for part in value.split(",") if part.strip()
    )


@eval_app.command("unim")
def evaluate_unim(
    data: Annotated[Path, typer.Option("--data", help="The UniM dataset: a folder or a JSONL.")],
    predictions: Annotated[
        Path, typer.Option("--pred", help="The predictions.jsonl (or the run folder holding it).")
    ],
    out: Annotated[Path, typer.Option("--out", help="The report folder to write.")],
    judge: Annotated[
        str | None,
        typer.Option(
            "--judge", help="proxy (default, offline), openai:MODEL or openai-compatible:URL:MODEL."
        ),
    ] = None,
    metrics: Annotated[
        list[str] | None,
        typer.Option(
            "--metrics",
            help="Metric families: structure, quality, semantic, "
            "coherence (repeatable or comma-separated; default: all).",
        ),
    ] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Scoring threads.")] = 1,
    media_root: Annotated[
        Path | None, typer.Option("--media-root", help="The dataset's media folder.")
    ] = None,
    cache: Annotated[Path | None, typer.Option("--cache", help="The judge cache database.")] = None,
    fields: Annotated[list[str] | None, typer.Option("--field", help="Only these fields.")] = None,
    domains: Annotated[
        list[str] | None, typer.Option("--domain", help="Only these domains (UniM subdomains).")
    ] = None,
    difficulties: Annotated[
        list[str] | None, typer.Option("--difficulty", help="Only these levels (1-3 or easy...).")
    ] = None,
    input_modalities: Annotated[
        list[str] | None, typer.Option("--input-modality", help="Only these input modalities.")
    ] = None,
    output_modalities: Annotated[
        list[str] | None, typer.Option("--output-modality", help="Only these output modalities.")
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="At most N instances.")
    ] = None,
    no_plots: Annotated[bool, typer.Option("--no-plots", help="Skip the PNG plots.")] = False,
    protocol: Annotated[
        str,
        typer.Option(
            "--protocol",
            help="What the judges see: unim (default; the released code: SC without the "
            "request, HC and SH from one call on the response) or unima (unima's variant).",
        ),
    ] = "unim",
    caption_model: Annotated[
        str | None,
        typer.Option(
            "--caption-model",
            help="A vision chat model spec (openai:MODEL, openai-compatible:URL:MODEL, ...) that "
            "captions every item for the judges; default: offline perception captions.",
        ),
    ] = None,
    reference_captions: Annotated[
        Path | None,
        typer.Option(
            "--reference-captions",
            help="The release's pre-captioned answers (qapairs_caption/) the official SC judge "
            "reads as the reference; default: the one inside --data, if any.",
        ),
    ] = None,
) -> None:
    """Score predictions on StS/LeS, SC/GQ/SQCS/tau and HC/SH/ICS; write REPORT_DIR."""
    from unima.bench.records import Selection
    from unima.eval.runner import evaluate

    selection = Selection(
        fields=list(_split(fields)),
        subdomains=list(_split(domains)),
        difficulties=list(_split(difficulties)),
        input_modalities=list(_split(input_modalities)),
        output_modalities=list(_split(output_modalities)),
        limit=limit,
    )
    progress = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=error_console,
        transient=True,
    )
    task = progress.add_task("scoring", total=None)
    try:
        with progress:
            report = evaluate(
                data,
                predictions,
                out,
                judge=judge,
                metrics=_split(metrics) or None,
                workers=workers,
                media_root=media_root,
                selection=selection,
                cache_path=cache,
                plots=not no_plots,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
                protocol=protocol,
                caption_model=caption_model,
                reference_captions=reference_captions,
            )
    except UnimaError as error:
        raise fail(str(error), error) from None

    for name, reason in report.unavailable_families().items():
        error_console.print(
            f"[yellow]metric family {name} unavailable:[/yellow] {reason}",
            highlight=False,
            soft_wrap=True,
        )
    console.print(_overall_table(report))
    counts = report.counts
    console.print(
        f"{counts['instances']} instances, {counts['missing_predictions']} without prediction, "
        f"{counts['unusable_prediction_files']} unusable files, "
        f"{counts['unparseable_judge_replies']} unparseable judge replies; report in {out}",
        highlight=False,
        soft_wrap=True,
    )


@eval_app.command("hitemotion")
def evaluate_hitemotion(
    data: Annotated[
        Path,
        typer.Option(
            "--data", help="The released files: data/ (with_prompt/, without_prompt/) or one."
        ),
    ],
    predictions: Annotated[
        Path, typer.Option("--pred", help="The predictions.jsonl (or the run folder holding it).")
    ],
    out: Annotated[Path, typer.Option("--out", help="The report folder to write.")],
    judge: Annotated[
        str | None,
        typer.Option(
            "--judge",
            help="EI/LR judge: lexical (default, offline proxy), proxy (embeddings), "
            "openai:MODEL or openai-compatible:URL:MODEL.",
        ),
    ] = None,
    cache: Annotated[Path | None, typer.Option("--cache", help="The judge cache database.")] = None,
    tasks: Annotated[
        list[str] | None,
        typer.Option("--tasks", help="Only these task codes (repeatable or comma-separated)."),
    ] = None,
    only_predicted: Annotated[
        bool,
        typer.Option(
            "--only-predicted",
            help="Score only instances with a prediction (a --limit run); by default a missing "
            "prediction counts as wrong.",
        ),
    ] = False,
    no_plots: Annotated[bool, typer.Option("--no-plots", help="Skip the PNG plots.")] = False,
) -> None:
    """Score HitEmotion predictions (ACC, WAF, MF, EMF, LLM, ...); write REPORT_DIR."""
    from unima.config import load_settings
    from unima.eval.hitemotion.report import evaluate_hitemotion as run_evaluation
    from unima.eval.labels import format_value

    try:
        report = run_evaluation(
            data,
            predictions,
            out,
            judge=judge,
            cache=cache or load_settings().resolved_judge_cache_path(),
            tasks=_split(tasks),
            only_predicted=only_predicted,
            plots=not no_plots,
        )
    except UnimaError as error:
        raise fail(str(error), error) from None
    table = Table("level", "tasks", "n", "score", "parsed only", "extraction", title="HitEmotion")
    for name, summary in [*report["levels"].items(), ("overall", report["overall"])]:
        table.add_row(
            name if name == "overall" else f"L{name}",
            str(len(summary["tasks"])),
            str(summary["n"]),
            format_value(summary["score"]),
            format_value(summary["score_parsed_only"]),
            format_value(summary["extraction_rate"]),
        )
    console.print(table)
    counts = report["counts"]
    for problem in report["problems"][:5]:
        error_console.print(f"[yellow]warning:[/yellow] {problem}", highlight=False, soft_wrap=True)
    console.print(
        f"{counts['instances']} instances, {counts['parsed']} parsed, "
        f"{counts['missing_predictions']} without prediction, "
        f"{counts['unmatched_predictions']} unmatched predictions, "
        f"{len(report['problems'])} problems; report in {out}",
        highlight=False,
        soft_wrap=True,
    )


@eval_app.command("compare")
def compare(
    first: Annotated[Path, typer.Argument(help="Report A (folder or report.json).")],
    second: Annotated[Path, typer.Argument(help="Report B (folder or report.json).")],
    out: Annotated[
        Path | None, typer.Option("--out", help="Also write the comparison as Markdown here.")
    ] = None,
) -> None:
    """Put two reports side by side with the deltas B - A."""
    from unima.eval.compare import compare_reports, format_delta
    from unima.eval.hitemotion.report import is_hitemotion_report
    from unima.eval.labels import format_value
    from unima.eval.report import load_report
    from unima.files import atomic_write_text

    if is_hitemotion_report(first) or is_hitemotion_report(second):
        _compare_hitemotion(first, second, out)
        return
    try:
        comparison = compare_reports(
            load_report(first),
            load_report(second),
            first_name=_report_name(first),
            second_name=_report_name(second),
        )
    except UnimaError as error:
        raise fail(str(error), error) from None
    for warning in comparison.warnings:
        error_console.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
    table = Table("scope", "metric", comparison.first_name, comparison.second_name, "delta")
    for row in comparison.rows:
        delta = row.delta
        style = "green" if delta and delta > 0 else "red" if delta and delta < 0 else ""
        table.add_row(
            row.scope,
            row.label,
            format_value(row.first),
            format_value(row.second),
            f"[{style}]{format_delta(delta)}[/{style}]" if style else format_delta(delta),
        )
    console.print(table)
    if out is not None:
        atomic_write_text(out, comparison.to_markdown())
        console.print(f"comparison written to {out}", highlight=False, soft_wrap=True)


def _compare_hitemotion(first: Path, second: Path, out: Path | None) -> None:
    """``compare`` for two HitEmotion reports; the plot goes beside ``--out`` as a PNG."""
    from unima.eval.compare import format_delta
    from unima.eval.hitemotion.compare import compare_hitemotion
    from unima.eval.hitemotion.report import load_report
    from unima.eval.labels import format_value
    from unima.files import atomic_write_text

    names = (_report_name(first), _report_name(second))
    try:
        reports = (load_report(first), load_report(second))
    except UnimaError as error:
        raise fail(str(error), error) from None
    comparison = compare_hitemotion(*reports, first_name=names[0], second_name=names[1])
    for warning in comparison.warnings:
        error_console.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
    table = Table("scope", "metric", *names, "delta", title="HitEmotion")
    for row in comparison.rows:
        delta = row.delta
        style = "green" if delta and delta > 0 else "red" if delta and delta < 0 else ""
        shown = format_delta(delta)
        table.add_row(
            row.scope,
            row.metric,
            format_value(row.first),
            format_value(row.second),
            f"[{style}]{shown}[/{style}]" if style else shown,
        )
    console.print(table)
    if out is not None:
        # matplotlib: ~0.25 s to import, and only a written comparison draws its plot.
        from unima.eval.hitemotion.plots import draw_comparison

        atomic_write_text(out, comparison.to_markdown())
        plot = draw_comparison(*reports, out.with_suffix(".png"), names=names)
        console.print(f"comparison written to {out} and {plot}", highlight=False, soft_wrap=True)


def _report_name(path: Path) -> str:
    path = Path(path)
    return (path.parent if path.is_file() else path).name or str(path)


def _overall_table(report: Report) -> Table:
    from unima.eval.labels import (
        METRIC_LABELS,
        STRUCTURAL_ONLY,
        format_value,
        judge_summary,
        structural_only,
    )
    from unima.eval.records import METRIC_NAMES

    source = report.source
    title = (
        f"UniM evaluation (protocol {source.get('protocol', '?')}, "
        f"captions: {source.get('captions', '?')})"
    )
    table = Table("metric", "value", "instances", "judge", title=terminal_safe(title))
    for name in METRIC_NAMES:
        counted = report.overall_counts.get(name, 0)
        gap = report.not_computed.get(name)
        # A metric missing for some instances has no mean: say how many and why, as report.md.
        # A structural-only proxy value is no judged score: it stays in report.json only.
        value: Text | str
        if gap:
            value = Text(terminal_safe(f"not computed: {gap.get('reason', '')}"), style="yellow")
        elif structural_only(report.judges.get(name, [])):
            value = Text(f"{STRUCTURAL_ONLY}: see report.md", style="yellow")
        else:
            value = format_value(report.overall.get(name))
        table.add_row(
            METRIC_LABELS[name],
            value,
            f"{counted} of {report.overall_of[name]}"
            if name in report.overall_of
            else str(counted),
            judge_summary(report.judges.get(name, [])),
        )
    return table
