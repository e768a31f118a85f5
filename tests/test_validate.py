"""Plan validation finds every kind of problem before anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from unima import UniMA
from unima.errors import PlanError
from unima.graph.validate import dependents_of, validate_plan
from unima.reasoners.heuristic import reasoner as heuristic_reasoner
from unima.testing import fake_toolbox
from unima.types import Plan, Step

TOOLBOX = fake_toolbox()


def plan(content: str, *steps: Step) -> Plan:
    return Plan(content=content, steps=list(steps))


def step(
    step_id: str, tool: str = "generate_image", produces: str | None = None, **fields: object
) -> Step:
    return Step(id=step_id, tool=tool, produces=produces, **fields)  # type: ignore[arg-type]


def test_a_valid_plan_has_no_problems() -> None:
    valid = plan(
        "See <image1> and <video1>.",
        step("a", produces="image1"),
        step("b", "compose_video", produces="video1", depends_on=["a"]),
    )
    assert validate_plan(valid, ["image1", "video1"], TOOLBOX) == []


@pytest.mark.parametrize(
    ("candidate", "tags", "expected"),
    [
        (
            plan(
                "<image1>",
                step("a", produces="image1", depends_on=["b"]),
                step("b", depends_on=["a"]),
            ),
            ["image1"],
            "cycle",
        ),
        (
            plan("<image1>", step("a", "paint_picture", produces="image1")),
            ["image1"],
            "unknown tool 'paint_picture'",
        ),
        (
            plan("<image1>", step("a", produces="image1", arguments={"invalid": 1})),
            ["image1"],
            "invalid arguments",
        ),
        (
            plan("<image1>", step("a", produces="image1"), step("b", produces="image1")),
            ["image1"],
            "produced by 2 steps",
        ),
        (plan("<image1>"), ["image1"], "no step produces <image1>"),
        (plan("nothing placed", step("a", produces="image1")), ["image1"], "never places <image1>"),
        (
            plan("<image1> <image1>", step("a", produces="image1")),
            ["image1"],
            "places <image1> 2 times",
        ),
        (
            plan("<image1> <audio3>", step("a", produces="image1")),
            ["image1"],
            "<audio3>, which is not an output",
        ),
        (
            plan("<image1>", step("a", "synthesize_speech", produces="image1")),
            ["image1"],
            "which makes audio",
        ),
        (
            plan("<image1>", step("a", produces="image1", depends_on=["ghost"])),
            ["image1"],
            "unknown step 'ghost'",
        ),
        (plan("<image1>", step("a", produces="image1"), step("a")), ["image1"], "used 2 times"),
        (plan("<image1>", step("a", produces="picture")), ["image1"], "not a placeholder tag"),
    ],
)
def test_problems_are_found_and_named(candidate: Plan, tags: list[str], expected: str) -> None:
    problems = validate_plan(candidate, tags, TOOLBOX)
    assert any(expected in problem for problem in problems), problems


def test_dependents_include_indirect_ones() -> None:
    chain = plan("", step("a"), step("b", depends_on=["a"]), step("c", depends_on=["b"]), step("d"))
    assert dependents_of(chain, {"a"}) == {"a", "b", "c"}


def test_a_refused_heuristic_plan_names_its_problem_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The heuristic groups data past a chart's 64 values; with that step broken, its plan of
    # 70 bars is refused by validation, and the error must say so once.
    monkeypatch.setattr(
        heuristic_reasoner, "fit_chart", lambda labels, values: (labels, values, "")
    )
    values = ", ".join(f"item{index}: {index + 1}" for index in range(70))
    agent = UniMA(reasoner="heuristic", tools=fake_toolbox(), trace_dir=str(tmp_path))
    with pytest.raises(PlanError) as raised:
        agent.respond(f"Plot these values as a bar chart: {values}. Include one chart.")
    message = str(raised.value)
    assert message.startswith("invalid plan: step 'make_image1'")
    assert message.count("invalid plan") == 1
