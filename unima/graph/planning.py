"""Node plan (step 3) and the dispatch of plan steps as parallel ``Send`` tasks."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from langgraph.runtime import Runtime
from langgraph.types import Send

from unima.errors import PlanError, ReasonerError
from unima.graph.context import RunContext
from unima.graph.execute import execute_step
from unima.graph.state import AgentState, StepTask
from unima.graph.validate import validate_plan
from unima.reasoners.base import RequestView
from unima.types import AnalysisReport, Artifact, Plan, StepResult

logger = logging.getLogger(__name__)


async def plan(state: AgentState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Step 3: ask the reasoner for a plan, validate it, fall back to the heuristic reasoner."""
    context = runtime.context
    round = state.get("round", 0)
    context.recorder.event("node_start", "plan", round=round)
    view = RequestView(state["request"], state.get("perceptions", {}))
    output_tags = state["output_tags"]
    analysis = state.get("analysis") or AnalysisReport(needed=False)
    feedback = list(state.get("feedback", []))
    caption = state["caption"]

    result: Plan | None = None
    problems: list[str] = []
    repairs = (
        0 if context.reasoner is context.fallback_reasoner else context.settings.llm_repair_attempts
    )
    for attempt in range(repairs + 1):
        try:
            result = await asyncio.to_thread(
                context.model_calls.run,
                context.reasoner.plan,
                view,
                caption,
                analysis,
                output_tags,
                feedback,
            )
            problems = validate_plan(result, output_tags, context.toolbox)
        except PlanError as error:
            result, problems = None, list(error.problems)  # re-wrapped below, not prefixed twice
        except ReasonerError as error:
            result, problems = None, [str(error)]
        if not problems:
            break
        context.recorder.event(
            "plan_rejected",
            "plan",
            round=round,
            reasoner=context.reasoner.name,
            attempt=attempt + 1,
            problems=problems,
        )
        # Bounded repair: the reasoner sees exactly what was wrong with its last plan.
        feedback = [
            *state.get("feedback", []),
            *(f"your previous plan was invalid: {problem}" for problem in problems),
        ]
    if problems or result is None:
        if context.reasoner is context.fallback_reasoner:
            raise PlanError(problems)
        result = await asyncio.to_thread(
            context.fallback_reasoner.plan,
            view,
            caption,
            analysis,
            output_tags,
            list(state.get("feedback", [])),
        )
        fallback_problems = validate_plan(result, output_tags, context.toolbox)
        if fallback_problems:
            raise PlanError(fallback_problems)
        context.recorder.event(
            "plan_fallback", "plan", round=round, reasoner=context.fallback_reasoner.name
        )
    assert result is not None
    context.recorder.record_plan(result)
    context.recorder.event(
        "node_end", "plan", round=round, steps=[step.id for step in result.steps]
    )
    return {"plan": result, "pending_steps": [step.id for step in result.steps], "results": {}}


def dispatch(state: AgentState) -> list[Send] | str:
    """Send every pending step to its own ``run_step`` task (or skip to assembly)."""
    plan = state["plan"]
    pending = state.get("pending_steps", [])
    if not pending:
        return "assemble"
    finished = {
        step_id: result
        for step_id, result in state.get("results", {}).items()
        if step_id not in pending
    }
    round = state.get("round", 0)
    attempts = _attempt_counts(state)
    return [
        Send(
            "run_step",
            StepTask(
                step=plan.step(step_id),
                round=round,
                attempt=attempts.get(step_id, 0) + 1,
                pending=list(pending),
                finished=finished,
            ),
        )
        for step_id in pending
    ]


def _attempt_counts(state: AgentState) -> dict[str, int]:
    return {step_id: result.attempt for step_id, result in state.get("results", {}).items()}


async def run_step(task: StepTask, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Wait for this step's own dependencies, then run it."""
    context = runtime.context
    step = task["step"]
    round = task["round"]
    dependencies: dict[str, Artifact] = {}
    failed: list[str] = []
    for dependency in step.depends_on:
        if dependency in task["pending"]:
            result: StepResult = await context.board.future(round, dependency)
        else:
            result = task["finished"].get(dependency) or StepResult(
                step_id=dependency, tool="", status="failed", error="never ran"
            )
        if result.status in ("ok", "cached") and result.artifact is not None:
            dependencies[dependency] = result.artifact
        else:
            failed.append(dependency)
    if failed:
        outcome = StepResult(
            step_id=step.id,
            tool=step.tool,
            status="failed",
            attempt=task["attempt"],
            error=f"dependencies failed: {', '.join(failed)}",
            error_type="DependencyError",
        )
        context.recorder.event(
            "step_skipped", "run_step", step_id=step.id, round=round, error=outcome.error
        )
    else:
        outcome = await execute_step(
            step, dependencies, context, round=round, attempt=task["attempt"]
        )
    context.board.finish(round, outcome)
    return {"results": {step.id: outcome}}
