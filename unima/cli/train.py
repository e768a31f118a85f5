"""``unima train ...``: TMPO fine-tuning (issue 16).

``chains`` asks a teacher for gold Theory-of-Mind reasoning chains on labelled HitEmotion items;
``tmpo --stage sft`` fine-tunes a causal language model on them, ``tmpo --stage grpo`` optimises
it further with GRPO and process-level rewards. The machinery lives in ``unima.train``; the
commands import it lazily so ``unima --help`` stays light.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from unima.cli.app import console, error_console, fail
from unima.errors import UnimaError
from unima.terminal import markup_safe

if TYPE_CHECKING:
    from rich.progress import TaskID

train_app = typer.Typer(
    help="TMPO: gold ToM chains from a teacher, then SFT and GRPO fine-tuning.",
    no_args_is_help=True,
)


@train_app.command("chains")
def chains(
    data: Annotated[
        Path, typer.Option("--data", help="The HitEmotion folder (holding with_prompt/).")
    ],
    teacher: Annotated[
        str,
        typer.Option(
            "--teacher",
            help="The teacher's chat model spec: openai-compatible:URL:MODEL, openai:MODEL, "
            "transformers:PATH, embedded or gguf:PATH.",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="Output folder (a re-run resumes it).")],
    samples: Annotated[int, typer.Option("--samples", min=1, help="Chains asked per item.")] = 2,
    tasks: Annotated[
        list[str] | None, typer.Option("--tasks", help="Task codes (repeat or comma-separate).")
    ] = None,
    level: Annotated[
        list[int] | None, typer.Option("--level", min=1, max=3, help="Levels to keep (repeat).")
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="At most this many items.")
    ] = None,
    temperature: Annotated[
        float, typer.Option("--temperature", min=0.0, help="The teacher's sampling temperature.")
    ] = 0.7,
    seed: Annotated[int, typer.Option("--seed", help="The first sample's seed.")] = 0,
    media_root: Annotated[
        Path | None,
        typer.Option("--media-root", help="Folder the media paths are relative to."),
    ] = None,
    cache_dir: Annotated[
        Path | None,
        typer.Option(
            "--cache-dir", help="Where media descriptions and teacher replies are cached."
        ),
    ] = None,
    allow_missing_media: Annotated[
        bool,
        typer.Option(
            "--allow-missing-media",
            help="Keep items whose media file is missing (described as absent) instead of "
            "skipping them.",
        ),
    ] = False,
    perception_llm: Annotated[
        str | None,
        typer.Option(
            "--perception-llm",
            help="Vision model that captions each input for the prompt (what a face or a scene "
            "shows): openai:MODEL or openai-compatible:URL:MODEL.",
        ),
    ] = None,
    keep_ungrounded: Annotated[
        bool,
        typer.Option(
            "--keep-ungrounded",
            help="Keep right chains none of whose mental states names a cue of the input.",
        ),
    ] = False,
) -> None:
    """Ask a teacher for gold ToM chains on labelled HitEmotion items; keep the right ones."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from unima.train.chains import ChainSettings, run_chains

    codes = tuple(
        code.strip() for entry in tasks or [] for code in entry.split(",") if code.strip()
    )
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=console,
    )
    bar: list[TaskID] = []

    def started(total: int) -> None:
        bar.append(progress.add_task("gold chains", total=total))

    def finished(key: str, done: int, total: int) -> None:
        progress.update(bar[0], completed=done, description=f"gold chains ({markup_safe(key)})")

    try:
        settings = ChainSettings(
            teacher=teacher,
            samples=samples,
            temperature=temperature,
            seed=seed,
            tasks=codes,
            levels=tuple(level or ()),
            limit=limit,
            require_grounding=not keep_ungrounded,
            perception_llm=perception_llm,
        )
        with progress:
            summary = run_chains(
                data,
                out,
                settings,
                media_root=media_root,
                cache_dir=cache_dir,
                require_media=not allow_missing_media,
                on_start=started,
                on_item=finished,
            )
    except UnimaError as error:
        raise fail(str(error), error) from error
    for key, problem in summary.failed.items():
        error_console.print(
            f"teacher failed on {key} (asked again on a re-run): {problem}",
            markup=False,
            highlight=False,
        )
    counts = summary.manifest.get("counts", {})
    rejected = ", ".join(f"{name} {count}" for name, count in counts.get("rejected", {}).items())
    console.print(
        f"{summary.items} item(s) asked ({summary.items_done_before} done before, "
        f"{summary.skipped} skipped): {summary.kept} chain(s) kept, {summary.repaired} after "
        f"a repair; rejected: {rejected or 'none'}; teacher calls {summary.teacher_calls}, "
        f"from the cache {summary.cached_calls}.",
        markup=False,
        highlight=False,
    )
    console.print(
        f"folder: {counts.get('kept', 0)} chain(s) for {counts.get('items_with_a_chain', 0)} "
        f"of {counts.get('items_done', 0)} item(s) in {markup_safe(str(out / 'chains.jsonl'))}",
        markup=False,
        highlight=False,
    )
    if summary.failed:
        raise typer.Exit(1)  # the folder is consistent; a re-run asks for the failed items


@train_app.command("tmpo")
def tmpo(
    stage: Annotated[
        str,
        typer.Option("--stage", help="sft (gold chains) or grpo (rewards, from the SFT model)."),
    ],
    config: Annotated[
        Path, typer.Option("--config", help="The training CONFIG.yaml (docs/tmpo.md).")
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Run folder (default: the config's output_dir); <out>/<stage>."),
    ] = None,
    restart: Annotated[
        bool,
        typer.Option(
            "--restart", help="Delete the stage's checkpoints and start anew instead of resuming."
        ),
    ] = False,
) -> None:
    """Fine-tune with TMPO: SFT on gold chains, then GRPO; a re-run resumes its last checkpoint."""
    from rich.table import Table

    from unima.train.trainers.config import load_config
    from unima.train.trainers.grpo import train_grpo
    from unima.train.trainers.runs import STAGES
    from unima.train.trainers.sft import train_sft

    if stage not in STAGES:
        raise fail(f"--stage takes sft or grpo, not {stage!r}")
    try:
        settings = load_config(config)
        if out is not None:
            settings = settings.model_copy(update={"output_dir": out.expanduser().resolve()})
        train = train_sft if stage == "sft" else train_grpo
        result = train(settings, config_path=config, restart=restart)
    except UnimaError as error:
        raise fail(str(error), error) from error
    table = Table(title=f"TMPO {stage}", show_header=False, box=None)
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    resumed = f" (resumed from {result.resumed_from.name})" if result.resumed_from else ""
    table.add_row("steps", f"{result.steps}{resumed} on {result.examples} example(s)")
    table.add_row("loss", f"{result.loss:.4f} mean, {result.last_loss:.4f} last step")
    for name, mean in result.reward_means.items():
        table.add_row(f"reward {markup_safe(name)}", f"{mean:.3f} mean over steps")
    table.add_row("time", f"{result.seconds:.1f} s")
    console.print(table)
    # Paths on their own lines, never cut or folded: they are what the user copies next.
    for label, path in (
        ("checkpoints", result.stage_dir),
        ("model", result.final_dir),
        ("run record", result.record_path),
    ):
        console.print(f"{label}: {path}", markup=False, highlight=False, soft_wrap=True)
