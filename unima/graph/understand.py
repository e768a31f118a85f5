"""Nodes receive, caption (step 1) and analyse (step 2)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from langgraph.runtime import Runtime

from unima.errors import InputError, SandboxError
from unima.graph.context import RunContext
from unima.graph.state import AgentState
from unima.perception import perceive
from unima.reasoners.base import RequestView
from unima.reasoners.heuristic.analysis_code import parse_values
from unima.spec.parser import first_output_index, output_spec_for
from unima.tools.sandbox import run_python
from unima.types import AnalysisReport, OutputSpec, Part, Perception


def _perceive(part: Part) -> Perception:
    return perceive(part)


async def receive(state: AgentState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Perceive every input part, concurrently."""
    context = runtime.context
    request = state["request"]
    context.recorder.event("node_start", "receive", parts=len(request.parts))

    async def one(part: Part) -> Perception:
        clock = time.perf_counter()
        try:
            perception = await asyncio.to_thread(_perceive, part)
        except InputError:
            raise
        except Exception as error:  # a perceiver bug costs this part's understanding, not the run
            perception = Perception(
                modality=part.modality, tag=part.tag, failures=(f"{type(error).__name__}: {error}",)
            )
        if context.perception_model is not None:
            # The model's failures are recorded in the perception by ``describe``, never raised.
            perception = await asyncio.to_thread(
                context.model_calls.run,
                context.perception_model.describe,
                perception,
                part,
                request.text,
            )
        perception = perception.model_copy(
            update={"tag": part.tag, "seconds": time.perf_counter() - clock}
        )
        context.recorder.event(
            "perception",
            "receive",
            tag=part.tag,
            modality=part.modality,
            backend=perception.backend,
            seconds=perception.seconds,
            summary=perception.summary,
            failures=list(perception.failures),
        )
        return perception

    perceptions = await asyncio.gather(*(one(part) for part in request.parts))
    by_tag = {
        perception.tag or f"part{index}": perception for index, perception in enumerate(perceptions)
    }
    context.recorder.update(perceptions=by_tag)
    context.recorder.event("node_end", "receive")
    return {"perceptions": by_tag, "round": 0, "feedback": []}


async def caption(state: AgentState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Step 1: parse the output spec, then let the reasoner caption the inputs."""
    context = runtime.context
    request = state["request"]
    settings = context.settings
    context.recorder.event("node_start", "caption")
    view = RequestView(request, state.get("perceptions", {}))
    input_tags = view.input_tags()
    parsed = output_spec_for(
        request.text,
        input_tags=input_tags,
        max_per_modality=settings.max_items_per_modality,
        max_total=settings.max_items_total,
    )
    result = await asyncio.to_thread(
        context.model_calls.run, context.reasoner.caption, view, parsed
    )
    spec = parsed if parsed.stated else _respect_exclusions(result.output_spec, parsed)
    result = result.model_copy(update={"output_spec": spec})
    output_tags = spec.tags(first_output_index(input_tags))
    context.recorder.update(caption=result, output_spec=spec)
    context.recorder.event(
        "node_end", "caption", output_spec=spec.model_dump(), output_tags=output_tags
    )
    return {"caption": result, "output_spec": spec, "output_tags": output_tags}


def _respect_exclusions(proposed: OutputSpec, parsed: OutputSpec) -> OutputSpec:
    """A reasoner's proposed spec, minus the modalities the request excluded ("no images")."""
    excluded = {modality for modality, count in parsed.counts.items() if count == 0}
    if not excluded & {modality for modality, count in proposed.counts.items() if count}:
        return proposed
    counts = {
        modality: (0 if modality in excluded else count)
        for modality, count in proposed.counts.items()
    }
    return proposed.model_copy(update={"counts": counts, "notes": (*proposed.notes, *parsed.notes)})


async def analyse(state: AgentState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Step 2: if the question needs data analysis, run the reasoner's code in the sandbox."""
    context = runtime.context
    context.recorder.event("node_start", "analyse")
    view = RequestView(state["request"], state.get("perceptions", {}))
    decision = await asyncio.to_thread(
        context.model_calls.run, context.reasoner.analyse, view, state["caption"]
    )
    if not decision.needed:
        report = AnalysisReport(needed=False, reason=decision.reason)
    else:
        report = await asyncio.to_thread(
            _run_analysis, decision.code, decision.input_tags, view, context
        )
        report = report.model_copy(update={"reason": decision.reason})
    context.recorder.update(analysis=report)
    context.recorder.event(
        "node_end",
        "analyse",
        needed=report.needed,
        status=report.status,
        values=report.values,
        tier=report.sandbox_tier,
    )
    return {"analysis": report}


def _run_analysis(
    code: str, input_tags: tuple[str, ...], view: RequestView, context: RunContext
) -> AnalysisReport:
    files: dict[str, Path] = {}
    for tag in input_tags:
        part = view.request.part_by_tag(tag)
        if part is not None and part.path:
            files[Path(part.path).name] = Path(part.path)
    try:
        result = run_python(
            code,
            timeout_s=context.settings.sandbox_timeout_s,
            files=files,
            allow_weak_isolation=context.settings.unsafe_exec,
        )
    except SandboxError as error:
        return AnalysisReport(needed=True, code=code, status="unavailable", stderr=str(error))
    figures = []
    for name, path in sorted(result.files.items()):
        if name.lower().endswith(".png"):
            stored, _, _ = context.store.put_file(Path(path))
            figures.append(str(stored.resolve()))
    return AnalysisReport(
        needed=True,
        code=code,
        stdout=result.stdout,
        stderr=result.stderr,
        status=result.status,
        values={**dict(getattr(result, "values", {}) or {}), **parse_values(result.stdout)},
        figures=tuple(figures),
        sandbox_tier=result.tier,
    )
