"""Nodes assemble (step 4), check and judge, and the judge's routing.

The check separates a *valid* artifact (its tool's own verification passed) from a *relevant*
one (``unima.relevance``: it carries the answer and what was asked). An irrelevant artifact is a
problem: within its rounds the judge plans again with the reasons as feedback; after the last
round the run ends partial with the problem listed and every artifact kept.
"""

from __future__ import annotations

import asyncio
import hashlib
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
from unima.modalities import PROGRAM_OUTPUT_OPENING
from unima.relevance import RelevanceInputs, check_relevance
from unima.trace.schema import Decision, JudgeRound
from unima.types import CheckResult, Plan, Relevance, StepResult, placeholder_tags

logger = logging.getLogger(__name__)


async def assemble(state: AgentState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Step 4: the final text, with the spec's notes (caps, contradictions) surfaced to the reader."""
    runtime.context.recorder.event("node_start", "assemble", round=state.get("round", 0))
    plan = state["plan"]
    content = plan.content.strip()
    printed = program_outputs(plan, state.get("results", {}))
    if printed:
        content += "\n\n" + " ".join(printed)
    notes = list(state["output_spec"].notes)
    if notes:
        content += "\n\nNote: " + " ".join(notes)
    runtime.context.recorder.event("node_end", "assemble", round=state.get("round", 0))
    return {"content": content}


# What a program printed is part of the answer ("the primes below 100 are ..."), shortened
# so a program that prints a table does not drown the text.
MAX_PRINTED_CHARS = 400


def program_outputs(plan: Plan, results: dict[str, StepResult]) -> list[str]:
    """One sentence per program that ran cleanly and printed something: what it printed.

    The plan's text is written before its programs run, so their results reach the reader
    only here. A placeholder is placed once only, so the program is named by its tag without
    angle brackets.
    """
    sentences = []
    for step in plan.steps:
        result = results.get(step.id)
        artifact = result.artifact if result is not None else None
        if step.tool != "run_code" or artifact is None:
            continue
        meta = artifact.meta
        stdout = " ".join(str(meta.get("stdout") or "").split())
        if not meta.get("executed") or meta.get("status") != "ok" or not stdout:
            continue
        if len(stdout) > MAX_PRINTED_CHARS:
            stdout = stdout[: MAX_PRINTED_CHARS - 1].rstrip() + "…"
        sentences.append(f"{PROGRAM_OUTPUT_OPENING}{artifact.tag} printed: {stdout}")
    return sentences


def judge_relevance(state: AgentState) -> dict[str, StepResult]:
    """The results whose artifact was judged for relevance, with ``artifact.relevance`` set.

    Every produced artifact is judged again at each check, because the answer it must carry
    may have changed since (a new plan). A check that raises leaves the artifact unjudged
    (``relevance`` None) rather than ending the run.
    """
    results = state.get("results", {})
    analysis = state.get("analysis")
    judged: dict[str, StepResult] = {}
    for step in state["plan"].steps:
        result = results.get(step.id)
        if result is None or result.status == "failed" or result.artifact is None:
            continue
        inputs = RelevanceInputs(
            request=state["request"].text,
            answer=state.get("content", ""),
            step=step,
            artifact=result.artifact,
            analysis=analysis,
            output_spec=state.get("output_spec"),
            output_tags=tuple(state.get("output_tags", ())),
        )
        try:
            relevance = check_relevance(inputs)
        except Exception:  # a bug in a check must not end a run that produced its files
            logger.exception("relevance check of step %s raised", step.id)
            relevance = None
        artifact = result.artifact.model_copy(update={"relevance": relevance})
        judged[step.id] = result.model_copy(update={"artifact": artifact})
    return judged


def irrelevant_relevance(result: StepResult | None) -> Relevance | None:
    """The relevance of ``result``'s artifact when it was judged and failed, else None."""
    if result is None or result.status == "failed" or result.artifact is None:
        return None
    relevance = result.artifact.relevance
    return relevance if relevance is not None and not relevance.passed else None


def relevance_problem(tag: str, relevance: Relevance) -> str:
    """One line for the problems list: ``<image1> is not relevant: reason; reason``."""
    reasons = "; ".join(reason.message for reason in relevance.reasons) or "no reason given"
    return f"<{tag}> is not relevant: {reasons}"


def check_answer(state: AgentState) -> CheckResult:
    """Structure against the spec; every placeholder bound to a valid and relevant artifact.

    Relevance failures are problems but not ``failed_steps`` (those are tool failures); the
    judge finds them on the results.
    """
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
        elif (relevance := irrelevant_relevance(result)) is not None:
            problems.append(relevance_problem(step.produces or step.id, relevance))
    return CheckResult(
        passed=not problems,
        problems=tuple(problems),
        missing_tags=missing,
        extra_tags=extra,
        failed_steps=tuple(failed_steps),
    )


async def check(state: AgentState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Judge every artifact's relevance, record it, then check the whole answer."""
    recorder = runtime.context.recorder
    round = state.get("round", 0)
    judged = await asyncio.to_thread(judge_relevance, state)
    for step_id, judged_result in judged.items():
        artifact = judged_result.artifact
        assert artifact is not None  # judge_relevance only returns results with artifacts
        relevance = artifact.relevance
        recorder.event(
            "relevance",
            "check",
            step_id=step_id,
            round=round,
            tag=artifact.tag,
            valid=artifact.verification.passed if artifact.verification else None,
            passed=relevance.passed if relevance else None,
            reasons=[reason.model_dump() for reason in relevance.reasons] if relevance else [],
            checks=relevance.checks if relevance else {},
        )
    result = check_answer({**state, "results": {**state.get("results", {}), **judged}})
    recorder.event(
        "check",
        "check",
        round=round,
        passed=result.passed,
        problems=list(result.problems),
    )
    return {"check": result, "results": judged}


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
    irrelevant = {
        step.id: relevance_problem(step.produces or step.id, relevance)
        for step in plan.steps
        if (relevance := irrelevant_relevance(results.get(step.id))) is not None
    }
    if result.passed:
        decision, reason = "accept", "every placeholder is bound to a valid, relevant artifact"
    elif round >= context.settings.max_judge_rounds:
        decision, reason = "give_up", f"the answer still fails after {round} repair rounds"
        if irrelevant:
            reason += f"; still not relevant: {', '.join(sorted(irrelevant))}"
    elif result.missing_tags or result.extra_tags:
        decision, reason = "replan", "the text does not place exactly the requested placeholders"
        update["feedback"] = list(result.problems)
    else:
        recoverable = [
            step_id
            for step_id in result.failed_steps
            if results.get(step_id) is None or results[step_id].recoverable
        ]
        if recoverable:
            problems = {
                step_id: results[step_id].error if step_id in results else "never ran"
                for step_id in recoverable
            }
            # A step that never ran has nothing to repair: it runs again as planned.
            repairable = {
                step_id: problems[step_id] for step_id in recoverable if step_id in results
            }
            repaired = await asyncio.to_thread(_repair_plan, plan, repairable, context)
            decision, reason = (
                "retry_steps",
                "tool steps failed: "
                + "; ".join(f"{step_id}: {problem}" for step_id, problem in problems.items()),
            )
            targets = sorted(dependents_of(repaired, set(recoverable)))
            update["plan"] = repaired
            update["pending_steps"] = targets
            if repaired is not plan:
                context.recorder.record_plan(repaired)
        elif irrelevant and not result.failed_steps:
            fingerprint = plan_fingerprint(plan)
            if state.get("replanned_from") == fingerprint:
                # The last replan, told these reasons, gave this same plan: another would too.
                decision = "give_up"
                reason = "planning again gave the same plan; still not relevant: " + "; ".join(
                    irrelevant.values()
                )
            else:
                # Valid files that do not carry the answer: the text and the steps are planned
                # again together, with the reasons, so that the new files and words agree.
                decision = "replan"
                reason = "artifacts are not relevant: " + "; ".join(irrelevant.values())
                update["feedback"] = list(irrelevant.values())
                update["replanned_from"] = fingerprint
        else:
            decision, reason = "give_up", "the failed steps cannot be retried"
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


def plan_fingerprint(plan: Plan) -> str:
    """What a plan says and does (content, specs, steps), as one comparable string."""
    return hashlib.sha256(
        plan.model_dump_json(include={"content", "content_specs", "steps"}).encode()
    ).hexdigest()


def _repair_plan(plan: Plan, problems: dict[str, str], context: RunContext) -> Plan:
    """Ask the reasoner for new arguments for each step in ``problems`` (step id -> what is
    wrong: a tool error or the relevance reasons); keep the old ones if invalid."""
    steps = []
    changed = False
    for step in plan.steps:
        if step.id in problems:
            try:
                arguments = context.model_calls.run(
                    context.reasoner.repair_step, step, problems[step.id], plan
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
