"""Running one plan step: validate arguments, run the tool off the event loop, verify, store."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import shutil
import time
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from unima.errors import ToolError, VerificationError
from unima.graph.context import RunContext
from unima.tools.base import Tool, ToolContext, ToolOutput
from unima.trace.cache import artifact_mismatch, cache_key, source_fingerprint
from unima.types import Artifact, Step, StepResult, Verification

logger = logging.getLogger(__name__)


def canonical_arguments_hash(arguments: dict[str, Any]) -> str:
    text = json.dumps(arguments, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def step_cache_key(
    tool: Tool,
    arguments: Any,
    *,
    seed: int,
    dependencies: dict[str, Artifact],
    settings: Any = None,
) -> str:
    """The artifact cache key of running ``tool`` on validated ``arguments``.

    The arguments are dumped after validation, defaults applied; the tool's code version
    (``source_fingerprint`` of its class's module) and the settings it reads
    (``Tool.cache_settings``: steps, size, speaker ...) are part of the key.
    """
    read = tool.cache_settings(settings) if settings is not None else {}
    return cache_key(
        tool=tool.name,
        backend=tool.backend,
        backend_version=tool.backend_version(),
        code_version=source_fingerprint(type(tool).__module__),
        arguments={**arguments.model_dump(mode="json"), **({"settings": read} if read else {})},
        seed=seed,
        input_sha256={step_id: artifact.sha256 for step_id, artifact in dependencies.items()},
    )


def _run_and_verify(
    tool: Tool, arguments: Any, context: ToolContext
) -> tuple[ToolOutput, Verification]:
    output = tool.run(arguments, context)
    if not Path(output.path).is_file():
        raise ToolError(f"the tool reported {output.path} but no such file exists", tool=tool.name)
    return output, tool.verify(output, arguments, context)


async def execute_step(
    step: Step,
    dependencies: dict[str, Artifact],
    context: RunContext,
    *,
    round: int,
    attempt: int,
) -> StepResult:
    """Run ``step`` once and return its result; failures are results, not exceptions."""
    recorder = context.recorder
    started_at = time.time()
    clock = time.perf_counter()
    base: dict[str, Any] = {"step_id": step.id, "tool": step.tool, "attempt": attempt}
    try:
        tool = context.toolbox.get(step.tool)
    except Exception as error:  # unknown tool: validation should have caught it
        return StepResult(
            **base,
            status="failed",
            error=str(error),
            error_type=type(error).__name__,
            recoverable=False,
        )
    base |= {"backend": tool.backend, "backend_version": tool.backend_version()}
    recorder.event(
        "step_start",
        "run_step",
        step_id=step.id,
        round=round,
        tool=step.tool,
        backend=tool.backend,
        backend_version=base["backend_version"],
        attempt=attempt,
        arguments=step.arguments,
        arguments_sha256=canonical_arguments_hash(step.arguments),
        seed=context.settings.seed,
        input_sha256={step_id: artifact.sha256 for step_id, artifact in dependencies.items()},
    )
    work_dir = context.work_root / f"{step.id}-r{round}-a{attempt}"
    if work_dir.exists():
        shutil.rmtree(work_dir)
    work_dir.mkdir(parents=True)
    tool_context = ToolContext(
        work_dir=work_dir,
        dependencies=dependencies,
        seed=context.settings.seed,
        settings=context.settings,
        tag=step.produces,
    )
    result: StepResult
    try:
        arguments = tool.parse_arguments(step.arguments)
        key = step_cache_key(
            tool,
            arguments,
            seed=context.settings.seed,
            dependencies=dependencies,
            settings=context.settings,
        )
        cached = await asyncio.to_thread(context.cache.get, key) if context.cache else None
        if cached is not None and context.cache is not None:
            mismatch = artifact_mismatch(
                cached, modality=tool.modality, arguments=arguments.model_dump(mode="json")
            )
            if mismatch:  # written by other code under this key: not served, made again
                logger.warning("cache entry %s for %s dropped: %s", key, step.id, mismatch)
                await asyncio.to_thread(context.cache.discard, key)
                cached = None
        if cached is not None:
            artifact = cached.model_copy(update={"tag": step.produces, "step_id": step.id})
            result = StepResult(
                **base, status="cached", artifact=artifact, output={"cache_key": key}
            )
        else:
            result = await _run_tool(step, tool, arguments, tool_context, context, base)
            if result.status == "ok" and result.artifact is not None and context.cache is not None:
                await asyncio.to_thread(context.cache.put, key, result.artifact)
    except ValidationError as error:
        result = StepResult(
            **base,
            status="failed",
            error=f"invalid arguments: {error}",
            error_type="ValidationError",
        )
    except TimeoutError:
        message = f"timed out after {context.settings.step_timeout_s:g} s"
        result = StepResult(**base, status="failed", error=message, error_type="TimeoutError")
    except ToolError as error:
        result = StepResult(
            **base,
            status="failed",
            error=str(error),
            error_type=type(error).__name__,
            recoverable=error.recoverable,
        )
    except Exception as error:  # a tool bug must not take the run down; the judge sees it
        logger.exception("tool %s raised", step.tool)
        result = StepResult(
            **base,
            status="failed",
            error=f"{type(error).__name__}: {error}",
            error_type=type(error).__name__,
        )
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    if not result.seconds:  # failures and cache hits: the whole attempt's time
        result = result.model_copy(
            update={"started_at": started_at, "seconds": time.perf_counter() - clock}
        )
    recorder.event(
        "step_end",
        "run_step",
        step_id=step.id,
        round=round,
        status=result.status,
        seconds=result.seconds,
        error=result.error or None,
        artifact=result.artifact.model_dump() if result.artifact else None,
        output_sha256=result.artifact.sha256 if result.artifact else None,
        cache_key=result.output.get("cache_key"),
    )
    return result


async def _run_tool(
    step: Step,
    tool: Tool,
    arguments: Any,
    tool_context: ToolContext,
    context: RunContext,
    base: dict[str, Any],
) -> StepResult:
    """Run the tool on the step pool, verify and store its file."""
    async with context.board.semaphore:
        loop = asyncio.get_running_loop()
        clock = time.perf_counter()  # the step's time is the tool's, not its wait for a slot
        started_at = time.time()
        output, verification = await asyncio.wait_for(
            loop.run_in_executor(
                context.board.executor, _run_and_verify, tool, arguments, tool_context
            ),
            timeout=context.settings.step_timeout_s,
        )
        seconds = time.perf_counter() - clock
    stored_path, sha256, size = context.store.put_file(Path(output.path))
    artifact = Artifact(
        tag=step.produces,
        modality=tool.modality,
        path=str(stored_path.resolve()),
        mime=output.mime,
        sha256=sha256,
        size_bytes=size,
        step_id=step.id,
        meta=output.meta,
        verification=verification,
    )
    timing: dict[str, Any] = {"started_at": started_at, "seconds": seconds}
    if verification.passed:
        return StepResult(**base, **timing, status="ok", artifact=artifact)
    failure = VerificationError(
        "; ".join(verification.problems) or "verification failed", tool=step.tool
    )
    return StepResult(
        **base,
        **timing,
        status="failed",
        artifact=artifact,
        error=str(failure),
        error_type="VerificationError",
    )
