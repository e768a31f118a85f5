"""Nodes assemble (step 4), check and judge, and the judge's routing."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from pathlib import Path
from typing import Any

from langgraph.graph import END
from langgraph.runtime import Runtime
from langgraph.types import Send

from unima.graph.context import RunContext
from unima.graph.planning import dispatch
from unima.graph.state import AgentState
from unima.graph.validate import dependents_of
from unima.trace.schema import Decision, JudgeRound
from unima.types import CheckResult, Plan, placeholder_tags

logger = logging.getLogger(__name__)


async def assemble(state: AgentState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Step 4: the final text, with the spec's notes (caps, contradictions) surfaced to the reader."""
    runtime.context.recorder.event("node_start", "assemble", round=state.get("round", 0))
    plan = state["plan"]
    content = plan.content.strip()
    notes = list(state["output_spec"].notes)
    if notes:
        content += "\n\nNote: " + " ".join(notes)
    runtime.context.recorder.event("node_end", "assemble", round=state.get("round", 0))
    return {"content": content}


def check_answer(state: AgentState) -> CheckResult:
    """Structure against the spec, and every placeholder bound to a verified artifact."""
    plan = state["plan"]
    output_tags = state["output_tags"]
    results = state.get("results", {})
    placed = Counter(placeholder_tags(state["content"]))
    missing = tuple(tag for tag in output_tags if placed[tag] == 0)
    extra = tuple(tag for tag in placed if tag not in output_tags)
    problems = [f"the answer is missing <{tag}>" for tag in missing]
    problems += [f"the answer places <{tag}>, which was not asked for" for tag in extra]
    problems += [f"<{tag}> is placed {count} times" for tag, count in placed.items() if count > 1]

    failed_steps = []
    for step in plan.steps:
        result = results.get(step.id)
        if result is None:
            problems.append(f"step {step.id} never ran")
            failed_steps.append(step.id)
        elif result.status == "failed":
            problems.append(f"step {step.id} ({step.tool}) failed: {result.error}")
            failed_steps.append(step.id)
        elif result.artifact is not None and not Path(result.artifact.path).is_file():
            problems.append(f"step {step.id}: artifact {result.artifact.path} is missing")
            failed_steps.append(step.id)
    return CheckResult(
        passed=not problems,
        problems=tuple(problems),
        missing_tags=missing,
        extra_tags=extra,
        failed_steps=tuple(failed_steps),
    )


async def check(state: AgentState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    result = check_answer(state)
    runtime.context.recorder.event(
        "check",
        "check",
        round=state.get("round", 0),
        passed=result.passed,
        problems=list(result.problems),
    )
    return {"check": result}


async def judge(state: AgentState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Find the step at fault and send the run back to it, within the round budget."""
    context = runtime.context
    result = state["check"]
    round = state.get("round", 0)
    plan = state["plan"]
    results = state.get("results", {})
    update: dict[str, Any] = {}
    targets: list[str] = []
    decision: Decision
    if result.passed:
        decision, reason = "accept", "every placeholder is bound to a verified artifact"
    elif round >= context.settings.max_judge_rounds:
        decision, reason = "give_up", f"the answer still fails after {round} repair rounds"
    elif result.missing_tags or result.extra_tags:
        decision, reason = "replan", "the text does not place exactly the requested placeholders"
        update["feedback"] = list(result.problems)
    else:
        recoverable = [
            step_id
            for step_id in result.failed_steps
            if results.get(step_id) is None or results[step_id].recoverable
        ]
        if not recoverable:
            decision, reason = "give_up", "the failed steps cannot be retried"
        else:
            decision, reason = (
                "retry_steps",
                "tool steps failed: "
                + "; ".join(
                    f"{step_id}: {results[step_id].error if step_id in results else 'never ran'}"
                    for step_id in recoverable
                ),
            )
            repaired = await asyncio.to_thread(_repair_plan, plan, recoverable, state, context)
            targets = sorted(dependents_of(repaired, set(recoverable)))
            update["plan"] = repaired
            update["pending_steps"] = targets
            if repaired is not plan:
                context.recorder.record_plan(repaired)
    context.recorder.record_round(
        JudgeRound(
            round=round, check=result, decision=decision, target_steps=targets, reason=reason
        )
    )
    context.recorder.event(
        "judge", "judge", round=round, decision=decision, reason=reason, targets=targets
    )
    if decision in ("retry_steps", "replan"):
        update["round"] = round + 1
    return {**update, "decision": decision}


def _repair_plan(plan: Plan, step_ids: list[str], state: AgentState, context: RunContext) -> Plan:
    """Ask the reasoner for new arguments for each failed step; keep the old ones if invalid."""
    results = state.get("results", {})
    steps = []
    changed = False
    for step in plan.steps:
        if step.id in step_ids and step.id in results:
            try:
                arguments = context.model_calls.run(
                    context.reasoner.repair_step, step, results[step.id].error, plan
                )
                context.toolbox.get(step.tool).parse_arguments(arguments)
            except Exception as error:  # a bad repair must not end the run: retry as planned
                logger.warning(
                    "repair of step %s failed, retrying it unchanged: %s", step.id, error
                )
                context.recorder.event(
                    "repair_failed",
                    "judge",
                    step_id=step.id,
                    error=f"{type(error).__name__}: {error}",
                )
                arguments = step.arguments
            if arguments != step.arguments:
                step = step.model_copy(update={"arguments": arguments})
                changed = True
        steps.append(step)
    return plan.model_copy(update={"steps": steps}) if changed else plan


def route_after_judge(state: AgentState) -> list[Send] | str:
    decision = state.get("decision")
    if decision == "replan":
        return "plan"
    if decision == "retry_steps":
        return dispatch(state)
    return END
