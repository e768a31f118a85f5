"""A live rich view of a run, fed by the agent's streamed trace events."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from unima.terminal import markup_safe

NODE_LABELS = {
    "receive": "perceiving the inputs",
    "caption": "step 1: caption and output spec",
    "analyse": "step 2: data analysis",
    "plan": "step 3: planning",
    "assemble": "step 4: assembling the answer",
}
STATUS_STYLE = {"ok": "green", "cached": "cyan", "failed": "red"}


class RunProgress:
    """One line per pipeline node and per tool step attempt, ticked off as events arrive."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> RunProgress:
        self.progress.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.progress.stop()

    def _start(self, key: str, description: str) -> None:
        self.tasks[key] = self.progress.add_task(description, total=1)

    def _finish(self, key: str, description: str | None = None) -> None:
        task = self.tasks.get(key)
        if task is not None:
            self.progress.update(task, completed=1, description=description)

    def update(self, event: Any) -> None:
        data = event.data
        if event.kind == "node_start" and event.node in NODE_LABELS:
            self._start(event.node, NODE_LABELS[event.node])
        elif event.kind == "node_end":
            if event.node not in self.tasks and event.node in NODE_LABELS:
                self._start(event.node, NODE_LABELS[event.node])
            self._finish(event.node)
        elif event.kind == "step_start":
            key = f"{event.step_id}/{event.round}/{data.get('attempt')}"
            self._start(
                key,
                markup_safe(f"  {event.step_id}: {data.get('tool')} ({data.get('backend')})"),
            )
        elif event.kind in ("step_end", "step_skipped"):
            key = next(
                (
                    k
                    for k in reversed(self.tasks)
                    if k.startswith(f"{event.step_id}/{event.round}/")
                ),
                "",
            )
            status = data.get("status", "skipped")
            style = STATUS_STYLE.get(status, "yellow")
            # Step ids, tools and errors come from the plan and the tools: markup-escaped and
            # terminal-safe, so only this label's own [style] is markup.
            label = f"  {markup_safe(event.step_id)}: [{style}]{markup_safe(status)}[/{style}]"
            if data.get("error"):
                label += f" — {markup_safe(str(data['error'])[:80])}"
            if key:
                self._finish(key, label)
        elif event.kind == "field_fallback":
            # A guided reasoner's field the model could not fill: the answer says so too.
            key = f"field/{event.round}/{data.get('field')}/{data.get('tag')}"
            where = f" of {data['tag']}" if data.get("tag") else ""
            self._start(
                key,
                markup_safe(
                    f"  {data.get('field')}{where}: heuristic fallback — "
                    f"{str((data.get('problems') or ['no reply'])[-1])[:80]}"
                ),
            )
            self._finish(key)
        elif event.kind == "judge":
            self._start(
                f"judge/{event.round}",
                markup_safe(f"judge: {data.get('decision')} — {str(data.get('reason'))[:80]}"),
            )
            self._finish(f"judge/{event.round}")
