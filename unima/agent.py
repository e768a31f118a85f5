"""The ``UniMA`` agent: ``respond`` turns any mix of inputs into an interleaved ``Response``."""

from __future__ import annotations

import asyncio
import concurrent.futures
import shutil
import time
import uuid
from pathlib import Path
from typing import Any, Literal

from unima import __version__
from unima.config import Settings, load_settings
from unima.errors import InputError, UnimaError
from unima.graph.context import RunContext, StepBoard
from unima.graph.toolbox import Toolbox
from unima.reasoners.heuristic import HeuristicReasoner
from unima.reasoners.resolve import resolve_reasoner
from unima.trace.recorder import TraceRecorder
from unima.trace.schema import Trace
from unima.trace.store import ArtifactStore
from unima.types import Artifact, CheckResult, Request, Response


def new_run_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:8]


class UniMA:
    """An any-to-any multimodal agent with traceable reasoning.

    Args:
        reasoner: ``"heuristic"`` (offline default), a chat model spec (``"openai:gpt-4o-mini"``,
            ``"openai-compatible:http://localhost:8000/v1:MODEL"``), a LangChain chat model, or a
            ``unima.reasoners.Reasoner``.
        settings: a ``Settings`` object; by default read from ``UNIMA_*`` variables.
        tools: a ``Toolbox``, or tool objects by tool name (they replace the embedded backends).
        tool_backends: tool name to backend name, e.g. ``{"generate_image": "diffusers"}``.
        **overrides: settings fields to override (``trace_dir=...``, ``max_judge_rounds=...``).

    Example:
        >>> agent = UniMA()
        >>> response = agent.respond("Explain photosynthesis. Include one diagram.")
        >>> response.to_unim()["modal"]  # doctest: +SKIP
        {'image1': '.../ab12....png'}
    """

    def __init__(
        self,
        reasoner: Any = None,
        *,
        settings: Settings | None = None,
        tools: Toolbox | dict[str, Any] | None = None,
        tool_backends: dict[str, str] | None = None,
        **overrides: Any,
    ) -> None:
        base = settings or load_settings()
        self.settings = base.model_copy(update=overrides) if overrides else base
        if isinstance(tools, Toolbox):
            self.toolbox = tools
        else:
            self.toolbox = Toolbox(backends=tool_backends, tools=tools)
        self.fallback_reasoner = HeuristicReasoner()
        self.reasoner = resolve_reasoner(
            reasoner if reasoner is not None else self.settings.reasoner,
            tools=self.toolbox.describe,
            settings=self.settings,
        )
        self._graph: Any = None

    @property
    def graph(self) -> Any:
        if self._graph is None:
            from unima.graph.build import build_graph

            self._graph = build_graph()
        return self._graph

    def respond(
        self, inputs: Any, *, media_root: str | Path | None = None, run_id: str | None = None
    ) -> Response:
        """Answer ``inputs`` (see ``arespond``); safe to call inside a running event loop."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self.arespond(inputs, media_root=media_root, run_id=run_id))
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(
                asyncio.run, self.arespond(inputs, media_root=media_root, run_id=run_id)
            ).result()

    async def arespond(
        self, inputs: Any, *, media_root: str | Path | None = None, run_id: str | None = None
    ) -> Response:
        """Answer a request and write its trace.

        Args:
            inputs: a string; a list mixing strings, paths, PIL images and ``(bytes, mime)``
                pairs; a UniM instance dict (with ``media_root``); or a ``Request``.
            media_root: the folder a UniM instance's relative media paths are under.
            run_id: the run's id (default: a new time-stamped id).

        Raises:
            InputError: the inputs cannot be accepted (the trace records why).
            PlanError: no valid plan could be made, even by the heuristic reasoner.
        """
        settings = self.settings
        run_id = run_id or new_run_id()
        recorder = TraceRecorder(
            Trace(
                run_id=run_id,
                unima_version=__version__,
                started_at=time.time(),
                reasoner=self.reasoner.name,
                settings=settings.model_dump(mode="json"),
            ),
            settings.trace_dir,
        )
        work_root = Path(settings.artifact_dir).parent / "work" / run_id
        context: RunContext | None = None
        try:
            request = self._build_request(inputs, media_root, work_root / "inputs")
            recorder.update(request=request)
            context = RunContext(
                run_id=run_id,
                settings=settings,
                reasoner=self.reasoner,
                fallback_reasoner=self.fallback_reasoner,
                toolbox=self.toolbox,
                store=ArtifactStore(Path(settings.artifact_dir)),
                recorder=recorder,
                work_root=work_root / "steps",
                board=StepBoard(settings.max_parallel_steps),
            )
            final = await self.graph.ainvoke(
                {"request": request}, context=context, config={"recursion_limit": 200}
            )
            response = self._response(final, run_id)
        except BaseException as error:
            recorder.update(
                status="failed",
                error=str(error) or type(error).__name__,
                error_type=type(error).__name__,
                finished_at=time.time(),
            )
            recorder.event("run_failed", "agent", error=str(error), error_type=type(error).__name__)
            recorder.write()
            if isinstance(error, UnimaError | KeyboardInterrupt | asyncio.CancelledError):
                raise
            raise UnimaError(
                f"run {run_id} failed unexpectedly: {type(error).__name__}: {error}"
            ) from error
        finally:
            if context is not None:
                context.board.close()
            shutil.rmtree(work_root / "steps", ignore_errors=True)
        response.trace_path = str(recorder.path)
        recorder.update(response=response, status=response.status, finished_at=time.time())
        recorder.write()
        return response

    @staticmethod
    def _build_request(inputs: Any, media_root: str | Path | None, scratch_dir: Path) -> Request:
        from unima.inputs import build_request

        if inputs is None:
            raise InputError("the request is empty: pass text, files or a UniM instance")
        return build_request(
            inputs, media_root=Path(media_root) if media_root else None, scratch_dir=scratch_dir
        )

    @staticmethod
    def _response(final: dict[str, Any], run_id: str) -> Response:
        check: CheckResult = final["check"]
        results = final.get("results", {})
        artifacts: dict[str, Artifact] = {}
        for step in final["plan"].steps:
            result = results.get(step.id)
            if (
                step.produces
                and result is not None
                and result.status in ("ok", "cached")
                and result.artifact
            ):
                artifacts[step.produces] = result.artifact
        status: Literal["ok", "partial", "failed"]
        if check.passed:
            status = "ok"
        elif artifacts or not final["output_tags"]:
            status = "partial"
        else:
            status = "failed"
        content = final["content"]
        missing = [tag for tag in final["output_tags"] if tag not in artifacts]
        if missing:
            # Surface the failure to the reader, not only to the trace.
            reasons = {
                step.produces: results[step.id].error
                for step in final["plan"].steps
                if step.id in results
            }
            content += (
                "\n\nNote: these items could not be produced: "
                + "; ".join(f"{tag} ({reasons.get(tag) or 'not made'})" for tag in missing)
                + "."
            )
        return Response(
            content=content,
            artifacts=artifacts,
            output_spec=final["output_spec"],
            run_id=run_id,
            status=status,
            problems=list(check.problems),
        )
