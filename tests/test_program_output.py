"""What a program printed in the sandbox reaches the answer's text.

The plan's text is written before its programs run, so "Write Python code that lists the primes
below 100" answered with a program and no primes said nothing the reader could check. These
tests fail without ``program_outputs`` in the assemble node.
"""

from __future__ import annotations

from typing import Any

from unima.graph.finish import MAX_PRINTED_CHARS, program_outputs
from unima.types import Artifact, Plan, Step, StepResult, placeholder_tags


def code_result(step_id: str, tag: str, **meta: Any) -> StepResult:
    artifact = Artifact(
        tag=tag,
        modality="code",
        path="/nowhere/main.py",
        mime="text/x-python",
        sha256="0" * 64,
        meta=meta,
    )
    return StepResult(step_id=step_id, tool="run_code", status="ok", artifact=artifact)


def plan_of(*tags: str) -> Plan:
    steps = [Step(id=f"make_{tag}", tool="run_code", arguments={}, produces=tag) for tag in tags]
    return Plan(content=" ".join(f"<{tag}>" for tag in tags), steps=steps)


def test_what_a_clean_run_printed_is_stated_once_without_placing_the_tag_again() -> None:
    primes = "2 3 5 7 11 13 17 19 23 29 31 37 41 43 47 53 59 61 67 71 73 79 83 89 97"
    results = {
        "make_code1": code_result(
            "make_code1", "code1", executed=True, status="ok", stdout=f"{primes}\n"
        )
    }
    sentences = program_outputs(plan_of("code1"), results)
    assert sentences == [f"Run in the sandbox, code1 printed: {primes}"]
    assert placeholder_tags(" ".join(sentences)) == []


def test_failed_silent_or_unrun_programs_add_nothing_and_long_output_is_cut() -> None:
    results = {
        "make_code1": code_result("make_code1", "code1", executed=True, status="error", stdout="x"),
        "make_code2": code_result("make_code2", "code2", executed=True, status="ok", stdout=" \n"),
        "make_code3": code_result("make_code3", "code3", executed=False),
        "make_code4": code_result(
            "make_code4", "code4", executed=True, status="ok", stdout="row\n" * 500
        ),
    }
    sentences = program_outputs(plan_of("code1", "code2", "code3", "code4"), results)
    assert len(sentences) == 1 and sentences[0].startswith("Run in the sandbox, code4 printed:")
    assert len(sentences[0]) < MAX_PRINTED_CHARS + 40 and sentences[0].endswith("…")
