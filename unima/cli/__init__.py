"""The ``unima`` command: ``run`` a request, ``perceive`` files, read ``trace``s, manage the ``cache``,
``bench``, ``eval`` and ``train``.

One module per command group; this module only assembles them. Each command imports its
machinery (the agent and LangGraph, the harness, the evaluation suite, the trace viewers) when
it runs, inside the command function: that keeps ``unima --help`` and every command's start at
about 60 ms instead of the second or more those imports cost. Everything else sits at the top.
"""

from __future__ import annotations

from unima.cli.app import app
from unima.cli.bench import bench_app
from unima.cli.cache import cache_app
from unima.cli.eval import eval_app
from unima.cli.perceive import perceive
from unima.cli.run import run
from unima.cli.trace import trace_app
from unima.cli.train import train_app

app.command()(run)
app.command()(perceive)
app.add_typer(trace_app, name="trace")
app.add_typer(cache_app, name="cache")
app.add_typer(bench_app, name="bench")
app.add_typer(eval_app, name="eval")
app.add_typer(train_app, name="train")


def main() -> None:
    app()


__all__ = ["app", "main"]
