"""The terminal view of a trace: request, spec, the plan in dependency order, judge, answer.

Everything the user or a model wrote (request, plan text, errors) is printed as plain
``rich.text.Text``, never parsed as console markup, so a request containing ``[red]`` prints as
written; and every piece passes ``terminal_safe``, so an escape sequence in a shared trace
shows as ``\x1b[2J`` instead of clearing the screen.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.tree import Tree

from unima.errors import UnimaError
from unima.terminal import safe_line, terminal_safe
from unima.trace.access import ReadableFolders, refused_media
from unima.trace.attempts import (
    PIPELINE_NODES,
    StepAttempt,
    event_notices,
    node_spans,
    plan_order,
    run_seconds,
    step_attempts,
)
from unima.trace.html import write_trace_html
from unima.trace.schema import Trace, load_trace, mental_states
from unima.types import Artifact

ERROR_PREVIEW_CHARS = 300


def _line(*pieces: str | tuple[str, str]) -> Any:
    """A ``Text`` from plain strings and ``(text, style)`` pairs, never parsing markup.

    Every piece is made terminal-safe here, the one place the view builds its output.
    """
    return safe_line(*pieces)


def _verification_label(verification: dict[str, Any] | None) -> str:
    if verification is None:
        return "not verified"
    if verification.get("passed"):
        return "verified"
    problems = "; ".join(str(problem) for problem in verification.get("problems") or ())
    return f"verification failed: {problems}" if problems else "verification failed"


def _relevance_label(artifact: Artifact) -> str:
    """`` · relevant`` or `` · not relevant: reasons``; nothing for a trace written before
    relevance was checked."""
    relevance = artifact.relevance
    if relevance is None:
        return ""
    if relevance.passed:
        return " · relevant"
    reasons = "; ".join(f"{reason.name}: {reason.message}" for reason in relevance.reasons)
    return f" · not relevant: {reasons}" if reasons else " · not relevant"


def _attempt_line(attempt: StepAttempt) -> Any:
    style = {"ok": "green", "cached": "cyan", "failed": "red", "skipped": "yellow"}.get(
        attempt.status, "magenta"
    )
    backend = " ".join(part for part in (attempt.backend, attempt.backend_version) if part)
    pieces: list[str | tuple[str, str]] = [
        f"round {attempt.round} · attempt {attempt.attempt} · ",
        (attempt.status, f"bold {style}"),
    ]
    if backend:
        pieces.append(f" · {backend}")
    if attempt.status != "skipped":
        pieces.append(f" · {attempt.seconds:.2f} s")
    if attempt.artifact is not None:
        pieces.append(f" · {_verification_label(attempt.verification)}")
    return _line(*pieces)


def _print_header(trace: Trace, console: Any) -> None:
    status_style = {"ok": "green", "partial": "yellow", "failed": "red"}.get(trace.status, "")
    console.print(
        _line(
            ("Run ", "bold"),
            (trace.run_id, "bold"),
            "  status: ",
            (trace.status, f"bold {status_style}"),
            f"  reasoner: {trace.reasoner or '-'}  unima {trace.unima_version}",
            f"  {run_seconds(trace):.2f} s",
        )
    )
    if trace.error:
        console.print(_line((f"error ({trace.error_type or 'error'}): {trace.error}", "red")))


def _print_request(trace: Trace, console: Any) -> None:
    if trace.request is None:
        return
    console.print(_line(("Request: ", "bold"), trace.request.text))
    for part in trace.request.parts:
        perception = trace.perceptions.get(part.tag or "")
        where = part.path or ("inline text" if part.text is not None else "")
        pieces: list[str | tuple[str, str]] = [f"  <{part.tag}> {part.modality} {where}"]
        if perception is not None:
            pieces.append(f" — {perception.summary or 'no summary'}")
            pieces.append(f" ({perception.backend or 'no backend'}, {perception.seconds:.2f} s)")
            for failure in perception.failures:
                pieces.append((f"\n    failure: {failure}", "red"))
        console.print(_line(*pieces))


def _print_understanding(trace: Trace, console: Any) -> None:
    spec = trace.output_spec
    if spec is not None:
        counts = ", ".join(
            f"{count} {modality}" for modality, count in spec.counts.items() if count
        )
        console.print(
            _line(
                ("Output spec", "bold"),
                f" ({'stated' if spec.stated else 'inferred'}): {counts or 'text only'}",
            )
        )
        for evidence in spec.evidence:
            console.print(_line(f"  evidence: {evidence}"))
        for note in spec.notes:
            console.print(_line(f"  note: {note}"))
    if trace.caption is not None:
        console.print(_line(("Caption: ", "bold"), trace.caption.paraphrase))
    analysis = trace.analysis
    if analysis is not None:
        if analysis.needed:
            values = ", ".join(f"{name}={value}" for name, value in analysis.values.items())
            tier = f" in {analysis.sandbox_tier}" if analysis.sandbox_tier else ""
            console.print(
                _line(("Analysis: ", "bold"), f"{analysis.status}{tier}; {values or 'no values'}")
            )
        else:
            console.print(_line(("Analysis: ", "bold"), f"not needed ({analysis.reason})"))
    spans = node_spans(trace)
    timings = [
        f"{node} {end - start:.2f} s"
        for node in PIPELINE_NODES
        for start, end in [spans.get(node, (None, None))]
        if start is not None and end is not None
    ]
    if timings:
        console.print(_line(("Pipeline: ", "bold"), " · ".join(timings)))


def _print_plan(trace: Trace, console: Any) -> None:
    if not trace.plans:
        return
    plan = trace.plans[-1]
    versions = len(trace.plans)
    tree = Tree(
        _line(
            ("Plan", "bold"),
            f" ({plan.reasoner or 'unknown reasoner'}, {len(plan.nodes)} steps, "
            f"{versions} version{'s' if versions != 1 else ''})",
        )
    )
    nodes = {str(node["id"]): node for node in plan.nodes}
    attempts_by_step: dict[str, list[StepAttempt]] = {}
    for attempt in step_attempts(trace):
        attempts_by_step.setdefault(attempt.step_id, []).append(attempt)
    for layer in plan_order(plan):
        for step_id in layer:
            node = nodes[step_id]
            produces = f" → <{node['produces']}>" if node.get("produces") else ""
            after = ", ".join(node.get("depends_on") or ())
            branch = tree.add(
                _line(
                    (step_id, "bold"),
                    f"  {node.get('tool', '?')}{produces}",
                    (f"  after {after}" if after else "", "dim"),
                )
            )
            attempts = attempts_by_step.get(step_id, [])
            if not attempts:
                branch.add(_line(("not run", "yellow")))
            for attempt in attempts:
                leaf = branch.add(_attempt_line(attempt))
                if attempt.error:
                    leaf.add(_line((f"error: {attempt.error[:ERROR_PREVIEW_CHARS]}", "red")))
    console.print(tree)


def _print_judge(trace: Trace, console: Any) -> None:
    notices = event_notices(trace)
    if notices:
        console.print(_line(("Notices", "bold")))
        for notice in notices:
            console.print(_line(f"  {notice[:ERROR_PREVIEW_CHARS]}"))
    if trace.rounds:
        console.print(_line(("Judge", "bold")))
    for judge_round in trace.rounds:
        targets = (
            f" (re-running {', '.join(judge_round.target_steps)})"
            if judge_round.target_steps
            else ""
        )
        console.print(
            _line(
                f"  round {judge_round.round}: ",
                (judge_round.decision, "bold"),
                f" — {judge_round.reason}{targets}",
            )
        )
        for problem in judge_round.check.problems:
            console.print(_line(f"    problem: {problem[:ERROR_PREVIEW_CHARS]}"))


def _print_mental_states(trace: Trace, console: Any) -> None:
    """The Theory-of-Mind chain, one line per mental state (``--reasoning tom`` runs)."""
    states = mental_states(trace)
    if not states:
        return
    console.print(_line(("Theory-of-Mind chain", "bold"), f" (level {states[0].level})"))
    for state in states:
        where = f" [{state.modality}{' <' + state.tag + '>' if state.tag else ''}]"
        if state.start_s is not None:
            end = f"-{state.end_s:.2f}" if state.end_s not in (None, state.start_s) else ""
            where += f" {state.start_s:.2f}{end} s"
        evidence = f' "{state.evidence}"' if state.evidence else ""
        console.print(
            _line(
                f"  {state.step}{where}: ",
                (state.state, "bold" if state.step == "label" else ""),
                (f"  ← {state.cue}{evidence}" if state.cue or evidence else "", "dim"),
                f"  ({state.confidence:.2f}, {state.source})",
            )
        )


def _print_answer(trace: Trace, console: Any) -> None:
    response = trace.response
    if response is None:
        return
    console.print(_line(("Answer", "bold"), f" ({response.status}):"))
    console.print(_line(response.content))
    for problem in response.problems:
        console.print(_line(("problem: ", "red"), problem))
    if response.artifacts:
        console.print(_line(("Artifacts", "bold")))
    for tag, artifact in response.artifacts.items():
        verification = artifact.verification.model_dump() if artifact.verification else None
        console.print(
            _line(
                (f"  <{tag}>", "bold"),
                f" {artifact.modality} {artifact.mime} {artifact.size_bytes} bytes"
                f" sha256 {artifact.sha256[:12]} · {_verification_label(verification)}"
                f"{_relevance_label(artifact)}",
            )
        )
        # The path on its own line, so a narrow terminal wraps it instead of cutting it.
        console.print(_line(f"    {artifact.path}"), overflow="fold")


def render_trace(trace: Trace, console: Any = None) -> None:
    """Print ``trace`` to ``console`` (a ``rich.console.Console``; default: standard output).

    Shows the request and its perceptions, the output spec, the plan as a tree in dependency
    order with every attempt of every step (backend, status, seconds, verification, error),
    notices, the judge's rounds, the Theory-of-Mind chain when there is one, and the answer
    with its artifacts.
    """
    console = console or Console()
    _print_header(trace, console)
    _print_request(trace, console)
    _print_understanding(trace, console)
    _print_plan(trace, console)
    _print_judge(trace, console)
    _print_mental_states(trace, console)
    _print_answer(trace, console)


def main(argv: list[str] | None = None) -> int:
    """``python traces/view.py TRACE [--html OUT]``: print a trace, or write its HTML page."""
    parser = argparse.ArgumentParser(
        prog="python traces/view.py", description="Show a unima trace file."
    )
    parser.add_argument("trace", type=Path, help="a trace JSON file (traces/<run id>.json)")
    parser.add_argument(
        "--html",
        type=Path,
        metavar="OUT",
        help="write one self-contained HTML page to OUT (a .html file or a folder)",
    )
    parser.add_argument(
        "--allow-dir",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="also show media from DIR on the page (repeatable); a trace is untrusted, so "
        "by default only its own folder, the artifact store and the run's work folder are read",
    )
    arguments = parser.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        trace = load_trace(arguments.trace)
        if arguments.html is not None:
            readable = ReadableFolders.for_trace(
                trace, trace_path=arguments.trace, allow=arguments.allow_dir
            )
            page = write_trace_html(trace, arguments.html, readable=readable)
            for message in refused_media(trace, readable):
                print(terminal_safe(message), file=sys.stderr)
            print(terminal_safe(page))
            return 0
    except UnimaError as error:
        print(terminal_safe(f"error: {error}"), file=sys.stderr)
        return 1
    render_trace(trace)
    return 0
