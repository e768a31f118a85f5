"""The ``UniMA`` agent: ``respond`` turns any mix of inputs into an interleaved ``Response``."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import queue
import shutil
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, Literal

from langgraph.config import get_config

from unima.config import Settings, load_settings
from unima.errors import InputError, TraceError, UnimaError
from unima.filenames import check_run_id
from unima.graph.build import build_graph
from unima.graph.checkpoint import finished_step_results, open_checkpointer
from unima.graph.context import RunContext, StepBoard
from unima.graph.toolbox import Toolbox
from unima.inputs.request import build_request
from unima.llm.calls import ModelCallScope
from unima.perception.configure import resolve_perception_model
from unima.reasoners.heuristic.reasoner import HeuristicReasoner
from unima.reasoners.resolve import resolve_reasoner
from unima.reasoners.tom import with_reasoning
from unima.tools.models.specs import parse_environment
from unima.trace.cache import ArtifactCache
from unima.trace.recorder import TraceRecorder
from unima.trace.schema import Trace, TraceEvent, load_trace
from unima.trace.store import ArtifactStore
from unima.types import Artifact, CheckResult, Request, Response
from unima.version import __version__


def new_run_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:8]


def _graph_node() -> str:
    """The graph node running in this thread (``caption``, ``plan`` ...), or ``agent``."""
    try:
        return str(get_config().get("metadata", {}).get("langgraph_node") or "agent")
    except RuntimeError:  # outside a graph run
        return "agent"


class UniMA:
    """An any-to-any multimodal agent with traceable reasoning.

    Args:
        reasoner: ``"heuristic"`` (offline default), a chat model spec (``"openai:gpt-4o-mini"``,
            ``"openai-compatible:http://localhost:8000/v1:MODEL"``), a LangChain chat model, or a
            ``unima.reasoners.Reasoner``.
        settings: a ``Settings`` object; by default read from ``UNIMA_*`` variables.
        tools: a ``Toolbox``, or tool objects by tool name (they replace the embedded backends).
        tool_backends: tool name to backend spec, e.g. ``{"generate_image":
            "diffusers:/models/sd-turbo"}`` (``BACKEND[:LOCATION]``; see
            ``unima.tools.models.specs``); on top of ``UNIMA_TOOL_BACKENDS``. Every chosen
            backend is checked here (extra installed, model folder present, device available)
            and a bad choice raises ``ConfigError`` / ``MissingExtraError`` before any work.
        reasoning: ``"direct"`` or ``"tom"``: emotion questions answered by the Theory-of-Mind
            chain of their HitEmotion level (``unima.reasoners.tom``), asked of the reasoner's
            chat model or, without one, worked out from perception; default: the
            ``reasoning`` setting (``UNIMA_REASONING``, ``direct``).
        perception_llm: a vision-capable chat model that adds a dense caption to each image,
            video, 3D or scanned-document input: a spec (``"openai:gpt-4o-mini"``,
            ``"openai-compatible:http://localhost:8000/v1:Qwen2.5-VL-7B-Instruct"``), a LangChain
            chat model, or a ``unima.perception.vision_llm.PerceptionModel``. ``None`` (the
            default) keeps the embedded, offline perception only.
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
        perception_llm: Any = None,
        reasoning: str | None = None,
        **overrides: Any,
    ) -> None:
        base = settings or load_settings()
        if reasoning is not None:
            overrides["reasoning"] = reasoning
        self.settings = base.model_copy(update=overrides) if overrides else base
        if isinstance(tools, Toolbox):
            self.toolbox = tools
        else:
            self.toolbox = Toolbox(
                backends={
                    **parse_environment(self.settings.tool_backends),
                    **(tool_backends or {}),
                },
                tools=tools,
            )
        self.toolbox.check(self.settings)
        self.fallback_reasoner = HeuristicReasoner()
        self.reasoner = resolve_reasoner(
            reasoner if reasoner is not None else self.settings.reasoner,
            tools=self.toolbox.describe,
            settings=self.settings,
        )
        self.reasoner = with_reasoning(
            self.reasoner, self.settings.reasoning, timeout_s=self.settings.llm_timeout_s
        )
        self.perception_model = resolve_perception_model(
            perception_llm if perception_llm is not None else self.settings.perception_llm,
            timeout_s=self.settings.llm_timeout_s,
            max_tokens=self.settings.llm_max_tokens,
            max_reply_bytes=self.settings.llm_max_reply_bytes,
        )
        self._graph: Any = None

    def close(self) -> None:
        """Release the tools' loaded models and accelerator memory (they load again on use)."""
        self.toolbox.close()

    @property
    def graph(self) -> Any:
        if self._graph is None:
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
                pairs; a UniM instance dict (with ``media_root``); or a ``Request``. ``None``
                with the ``run_id`` of an interrupted run resumes that run.
            media_root: the folder a UniM instance's relative media paths are under.
            run_id: the run's id (default: a new time-stamped id). A run id whose checkpoint
                is unfinished resumes it; a finished one returns its answer again.

        Raises:
            InputError: the inputs cannot be accepted (the trace records why).
            PlanError: no valid plan could be made, even by the heuristic reasoner.
        """
        response: Response | None = None
        async for item in self.astream(inputs, media_root=media_root, run_id=run_id):
            if isinstance(item, Response):
                response = item
        assert response is not None  # astream always ends with the response or raises
        return response

    def stream(
        self, inputs: Any, *, media_root: str | Path | None = None, run_id: str | None = None
    ) -> Iterator[TraceEvent | Response]:
        """``astream`` for synchronous code: events as they happen, then the ``Response``."""
        items: queue.Queue[tuple[str, Any]] = queue.Queue()

        async def produce() -> None:
            try:
                async for item in self.astream(inputs, media_root=media_root, run_id=run_id):
                    items.put(("item", item))
            except BaseException as error:  # handed to the consumer, raised there
                items.put(("error", error))
            finally:
                items.put(("end", None))

        worker = threading.Thread(target=asyncio.run, args=(produce(),), daemon=True)
        worker.start()
        while True:
            kind, value = items.get()
            if kind == "item":
                yield value
            elif kind == "error":
                raise value
            else:
                break
        worker.join()

    async def astream(
        self, inputs: Any, *, media_root: str | Path | None = None, run_id: str | None = None
    ) -> AsyncIterator[TraceEvent | Response]:
        """Answer a request, yielding typed events as nodes and tool steps start and finish.

        Built on LangGraph's streaming: every ``TraceEvent`` the run records inside the graph
        (node starts and ends, perceptions, step starts and ends, checks, judge decisions)
        is streamed as it happens; the last item is the ``Response``. Arguments as ``arespond``.
        """
        settings = self.settings
        # The run id names the trace file and the work folder: a plain name only.
        run_id = check_run_id(run_id or new_run_id())
        work_root = Path(settings.artifact_dir).parent / "work" / run_id
        async with self._checkpointer() as checkpointer:
            graph = self._compiled(checkpointer)
            config: dict[str, Any] = {"configurable": {"thread_id": run_id}, "recursion_limit": 200}
            snapshot: Any = await graph.aget_state(config) if checkpointer is not None else None
            resuming = snapshot is not None and bool(snapshot.values)
            if resuming:
                self._check_resumed_request(
                    snapshot.values["request"], inputs, media_root, run_id, work_root
                )
                if not snapshot.next:
                    yield self._finished_response(snapshot.values, run_id)
                    return
            recorder = self._recorder(run_id, resuming)
            context: RunContext | None = None
            try:
                if resuming:
                    request = snapshot.values["request"]
                    recorder.event("run_resumed", "agent", next=list(snapshot.next))
                else:
                    request = self._build_request(inputs, media_root, work_root / "inputs")
                    recorder.update(request=request)
                context = self._context(run_id, recorder, work_root)
                if resuming:
                    # Steps that finished before the interruption are not re-run; the steps
                    # still to run may wait on them.
                    for result in finished_step_results(snapshot):
                        context.board.finish(snapshot.values.get("round", 0), result)
                graph_input = None if resuming else {"request": request}
                # "sync": each superstep and each finished step is on disk before the run goes
                # on, so a kill loses at most the steps still running.
                final: dict[str, Any] = {}
                async for mode, chunk in graph.astream(
                    graph_input,
                    context=context,
                    config=config,
                    durability="sync" if checkpointer else None,
                    stream_mode=["custom", "values"],
                ):
                    if mode == "custom":
                        yield chunk
                    else:
                        final = chunk
                response = self._response(final, run_id)
            except BaseException as error:
                recorder.update(
                    status="failed",
                    error=str(error) or type(error).__name__,
                    error_type=type(error).__name__,
                    finished_at=time.time(),
                )
                recorder.event(
                    "run_failed", "agent", error=str(error), error_type=type(error).__name__
                )
                recorder.write()
                if isinstance(error, UnimaError | KeyboardInterrupt | asyncio.CancelledError):
                    raise
                raise UnimaError(
                    f"run {run_id} failed unexpectedly: {type(error).__name__}: {error}"
                ) from error
            finally:
                if context is not None:
                    context.board.close()
                    if context.cache is not None:
                        self._bound_cache(context.cache)
                        context.cache.close()
                shutil.rmtree(work_root / "steps", ignore_errors=True)
        response.trace_path = str(recorder.path)
        recorder.update(response=response, status=response.status, finished_at=time.time())
        recorder.write()
        yield response

    def _bound_cache(self, cache: ArtifactCache) -> None:
        """Keep the cache under ``cache_max_bytes`` (least recently used entries go first)."""
        _, size = cache.stats()
        if size > self.settings.cache_max_bytes:
            cache.prune(self.settings.cache_max_bytes)

    def _context(self, run_id: str, recorder: TraceRecorder, work_root: Path) -> RunContext:
        settings = self.settings
        return RunContext(
            run_id=run_id,
            settings=settings,
            reasoner=self.reasoner,
            fallback_reasoner=self.fallback_reasoner,
            toolbox=self.toolbox,
            store=ArtifactStore(Path(settings.artifact_dir)),
            recorder=recorder,
            work_root=work_root / "steps",
            board=StepBoard(settings.max_parallel_steps),
            perception_model=self.perception_model,
            cache=ArtifactCache(settings.resolved_cache_path()) if settings.cache else None,
            model_calls=ModelCallScope(
                call_timeout_s=settings.llm_timeout_s,
                budget_s=settings.llm_budget_s,
                on_event=lambda kind, **data: recorder.event(kind, _graph_node(), **data),
            ),
        )

    def _recorder(self, run_id: str, resuming: bool) -> TraceRecorder:
        """A recorder for a new run, or one continuing the trace an interrupted run left."""
        settings = self.settings
        path = Path(settings.trace_dir) / f"{run_id}.json"
        if resuming and path.is_file():
            try:
                trace = load_trace(path)
                trace.status = "running"
                return TraceRecorder(trace, settings.trace_dir, autosave=True)
            except TraceError:
                pass  # a trace cut off mid-write: start a new one for the resumed part
        trace = Trace(
            run_id=run_id,
            unima_version=__version__,
            started_at=time.time(),
            reasoner=self.reasoner.name,
            settings=settings.model_dump(mode="json"),
        )
        return TraceRecorder(trace, settings.trace_dir, autosave=settings.checkpoint)

    def _check_resumed_request(
        self,
        stored: Request,
        inputs: Any,
        media_root: str | Path | None,
        run_id: str,
        work_root: Path,
    ) -> None:
        """Refuse to continue run ``run_id`` with inputs other than the ones it started with."""
        if inputs is None:
            return
        given = self._build_request(inputs, media_root, work_root / "inputs")
        if given.text != stored.text or [p.sha256 for p in given.parts] != [
            p.sha256 for p in stored.parts
        ]:
            raise InputError(
                f"run {run_id!r} was started with a different request ({stored.text[:60]!r}); "
                "resume it without inputs, or use a new run id"
            )

    @contextlib.asynccontextmanager
    async def _checkpointer(self) -> AsyncIterator[Any]:
        if not self.settings.checkpoint:
            yield None
            return
        async with open_checkpointer(self.settings.resolved_checkpoint_path()) as saver:
            yield saver

    def _compiled(self, checkpointer: Any) -> Any:
        if checkpointer is None:
            return self.graph
        return build_graph(checkpointer=checkpointer)

    def _finished_response(self, values: dict[str, Any], run_id: str) -> Response:
        """The response of a run that already finished (asking again is idempotent)."""
        response = self._response(values, run_id)
        response.trace_path = str(Path(self.settings.trace_dir) / f"{run_id}.json")
        return response

    @staticmethod
    def _build_request(inputs: Any, media_root: str | Path | None, scratch_dir: Path) -> Request:
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
