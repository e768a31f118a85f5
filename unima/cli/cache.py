"""``unima cache ...``: inspect and bound the artifact cache."""

from __future__ import annotations

from typing import Annotated

import typer

from unima.cli.app import console

cache_app = typer.Typer(
    help="Inspect and prune the artifact cache and the model reply cache.", no_args_is_help=True
)


@cache_app.command("info")
def cache_info() -> None:
    """Print where the caches are, how many entries they hold and their size."""
    from unima.config import load_settings
    from unima.llm.reply_cache import ReplyCache
    from unima.trace.cache import ArtifactCache

    settings = load_settings()
    cache = ArtifactCache(settings.resolved_cache_path())
    entries, size = cache.stats()
    cache.close()
    console.print(
        f"{entries} entries, {size / 2**20:.1f} MiB in {settings.resolved_cache_path()}",
        highlight=False,
        soft_wrap=True,
    )
    replies_path = settings.resolved_reply_cache_path()
    if replies_path.is_file():
        replies = ReplyCache(replies_path)
        count = replies.count()
        replies.close()
        console.print(f"{count} model replies in {replies_path}", highlight=False, soft_wrap=True)


@cache_app.command("prune")
def cache_prune(
    checkpoints: Annotated[
        bool,
        typer.Option(
            "--checkpoints",
            help="Also delete the checkpoints of finished runs (interrupted ones stay).",
        ),
    ] = False,
    max_bytes: Annotated[
        int | None,
        typer.Option(
            "--max-bytes",
            min=0,
            help="Keep at most this many bytes (default: UNIMA_CACHE_MAX_BYTES).",
        ),
    ] = None,
    replies: Annotated[
        bool,
        typer.Option("--replies", help="Also forget every cached model reply."),
    ] = False,
) -> None:
    """Drop the least recently used entries (and their files) until the cache fits."""
    from unima.config import load_settings
    from unima.llm.reply_cache import ReplyCache
    from unima.trace.cache import ArtifactCache

    settings = load_settings()
    cache = ArtifactCache(settings.resolved_cache_path())
    report = cache.prune(settings.cache_max_bytes if max_bytes is None else max_bytes)
    cache.close()
    console.print(
        f"removed {report.entries_removed} entries and {report.files_removed} files "
        f"({report.bytes_freed / 2**20:.1f} MiB); {report.entries_left} entries, "
        f"{report.bytes_left / 2**20:.1f} MiB left",
        highlight=False,
        soft_wrap=True,
    )
    replies_path = settings.resolved_reply_cache_path()
    if replies and replies_path.is_file():
        reply_cache = ReplyCache(replies_path)
        forgotten = reply_cache.count()
        reply_cache.clear()
        reply_cache.close()
        console.print(f"forgot {forgotten} model replies", highlight=False)
    if checkpoints:
        import asyncio

        from unima.graph.checkpoint import prune_finished_runs

        removed, kept = asyncio.run(prune_finished_runs(settings.resolved_checkpoint_path()))
        console.print(
            f"checkpoints: removed {removed} finished runs, kept {kept} resumable", highlight=False
        )
