"""LangGraph checkpoints in SQLite, so a run killed part-way resumes where it stopped.

Checkpoints hold the graph state, which holds records (paths and hashes), never media bytes.
Only unima's own record types are allowed to be rebuilt from a checkpoint.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

from unima.graph.build import build_graph

# The record types graph state carries; deserialising anything else from a checkpoint is refused.
CHECKPOINT_TYPES = (
    "Request", "Part", "Perception", "OutputSpec", "Caption", "AnalysisReport", "Plan", "Step",
    "StepResult", "Artifact", "Verification", "Relevance", "RelevanceReason", "CheckResult",
)  # fmt: skip


def checkpoint_serializer() -> Any:
    return JsonPlusSerializer(
        allowed_msgpack_modules=[("unima.types", name) for name in CHECKPOINT_TYPES]
    )


@contextlib.asynccontextmanager
async def open_checkpointer(path: Path) -> AsyncIterator[Any]:
    """An ``AsyncSqliteSaver`` on ``path`` (created if missing), closed on exit."""
    path.parent.mkdir(parents=True, exist_ok=True)
    async with aiosqlite.connect(str(path)) as connection:
        await connection.execute("PRAGMA journal_mode=WAL")
        saver = AsyncSqliteSaver(connection, serde=checkpoint_serializer())
        await saver.setup()
        yield saver


def finished_step_results(snapshot: Any) -> list[Any]:
    """Results of ``run_step`` tasks that finished before the run was interrupted."""
    results = []
    for task in getattr(snapshot, "tasks", ()):
        if task.name == "run_step" and isinstance(task.result, dict):
            results.extend(task.result.get("results", {}).values())
    return results


async def prune_finished_runs(path: Path) -> tuple[int, int]:
    """Delete the checkpoints of runs that finished; keep the interrupted ones (resumable).

    A finished run's answer stays in its trace, so its checkpoints are only needed to answer
    ``respond(run_id=...)`` again without a trace. Returns (runs removed, runs kept).
    """
    if not path.exists():
        return 0, 0
    removed = kept = 0
    async with open_checkpointer(path) as saver:
        graph = build_graph(checkpointer=saver)
        cursor = await saver.conn.execute("SELECT DISTINCT thread_id FROM checkpoints")
        threads = [row[0] for row in await cursor.fetchall()]
        for thread_id in threads:
            snapshot = await graph.aget_state({"configurable": {"thread_id": thread_id}})
            if snapshot.values and not snapshot.next:
                await saver.adelete_thread(thread_id)
                removed += 1
            else:
                kept += 1
    return removed, kept
