"""The trace diff: spec, plan, re-run versus cached steps, changed artifacts, timing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from test_trace_view import START, assert_matches_golden, build_trace, console_text, event

from unima.trace.diff import ABSENT, FieldChange, diff_traces, render_diff, value_changes
from unima.trace.schema import Trace, load_trace
from unima.types import OutputSpec

REQUEST = "Explain tides. Include one image, one audio clip and one video."


def second_run(trace: Trace) -> Trace:
    """The same request again: images cached, one argument changed, a step added, audio remade."""
    plan = trace.plans[0]
    nodes: list[dict[str, Any]] = [dict(node) for node in plan.nodes]
    nodes[2] = {**nodes[2], "arguments": {"title": "Tides", "fps": 8}}
    nodes.append(
        {
            "id": "make_code1",
            "tool": "run_code",
            "arguments": {"code": "print(1)"},
            "depends_on": [],
            "produces": "code1",
            "description": "A script.",
        }
    )
    audio = trace.response.artifacts["audio1"].model_copy(update={"sha256": "e" * 64})  # type: ignore[union-attr]
    artifacts = {**trace.response.artifacts, "audio1": audio}  # type: ignore[union-attr]
    del artifacts["video1"]
    events = [
        event(
            "step_end",
            "run_step",
            0.2,
            step_id="make_image2",
            status="cached",
            seconds=0.0,
            artifact=trace.response.artifacts["image2"].model_dump(),
        ),  # type: ignore[union-attr]
        event(
            "step_start",
            "run_step",
            0.2,
            step_id="make_audio1",
            tool="synthesize_speech",
            attempt=1,
        ),
        event("step_end", "run_step", 0.9, step_id="make_audio1", status="ok", seconds=0.7),
        event(
            "step_start", "run_step", 0.9, step_id="make_video1", tool="compose_video", attempt=1
        ),
        event(
            "step_end",
            "run_step",
            1.0,
            step_id="make_video1",
            status="failed",
            seconds=0.1,
            error="compose_video: no narration",
        ),
    ]
    return trace.model_copy(
        update={
            "run_id": "20270115-090000-golden03",
            "finished_at": START + 1.25,
            "status": "partial",
            "output_spec": OutputSpec(counts={"image": 1, "audio": 1, "video": 1, "code": 1}),
            "plans": [plan.model_copy(update={"nodes": nodes})],
            "events": events,
            "rounds": trace.rounds[:1],
            "response": trace.response.model_copy(update={"artifacts": artifacts}),  # type: ignore[union-attr]
        }
    )


def test_a_trace_equals_itself() -> None:
    trace = build_trace()
    diff = diff_traces(trace, trace)
    assert diff.identical and diff.same_request
    assert not diff.plan_changes and not diff.spec_changes and not diff.changed_artifacts
    assert diff.rerun_steps == ["make_image2", "make_video1"]
    assert diff.cached_steps == ["make_audio1"]
    assert "identical apart from timing" in console_text(render_diff, diff)


def test_diff_names_every_difference() -> None:
    before = build_trace()
    diff = diff_traces(before, second_run(before))
    assert not diff.identical
    assert diff.status == ("ok", "partial")
    assert diff.spec_changes == (FieldChange("counts.code", ABSENT, 1),)
    changes = {change.step_id: change for change in diff.plan_changes}
    assert changes["make_code1"].change == "added"
    assert changes["make_video1"].changes == (FieldChange("arguments.fps", ABSENT, 8),)
    # Plan version 2 of the first run gave make_image2 a "kind"; the second run's plan lacks it.
    assert changes["make_image2"].changes == (FieldChange("arguments.kind", "diagram", ABSENT),)
    runs = {run.step_id: run for run in diff.step_runs}
    assert (runs["make_image2"].before, runs["make_image2"].after) == ("executed", "cached")
    assert (runs["make_audio1"].before, runs["make_audio1"].after) == ("cached", "executed")
    assert (runs["make_video1"].after, runs["make_video1"].attempts) == ("failed", (2, 1))
    assert diff.cached_steps == ["make_image2"]
    assert diff.rerun_steps == ["make_audio1", "make_video1"]
    artifacts = {artifact.tag: artifact.change for artifact in diff.artifacts}
    assert artifacts == {"image2": "same", "audio1": "changed", "video1": "removed"}
    assert diff.seconds == (2.5, 1.25)
    assert diff.rounds == (2, 1)


def test_golden_diff_rendering() -> None:
    before = build_trace()
    assert_matches_golden(
        console_text(render_diff, diff_traces(before, second_run(before))), "diff.txt"
    )


def test_value_changes_walks_nested_values() -> None:
    before = {"scenes": [{"caption": "a"}, {"caption": "b"}], "title": "x", "gone": None}
    after = {"scenes": [{"caption": "a"}, {"caption": "c"}], "title": "x", "new": [1]}
    assert value_changes(before, after) == [
        FieldChange("scenes[1].caption", "b", "c"),
        FieldChange("gone", None, ABSENT),
        FieldChange("new", ABSENT, [1]),
    ]
    assert value_changes([1, 2], [1, 2, 3]) == [FieldChange("", [1, 2], [1, 2, 3])]


def test_two_real_runs_of_one_request(tmp_path: Path) -> None:
    from unima import UniMA
    from unima.testing import fake_toolbox

    first = UniMA(tools=fake_toolbox()).respond(REQUEST)
    second = UniMA(tools=fake_toolbox()).respond(REQUEST)
    assert first.trace_path and second.trace_path
    diff = diff_traces(load_trace(first.trace_path), load_trace(second.trace_path))
    assert diff.same_request and not diff.plan_changes and not diff.changed_artifacts
    assert diff.identical
    # Every step either ran again or came from the artifact cache; none is unaccounted for.
    assert sorted(diff.rerun_steps + diff.cached_steps) == sorted(
        run.step_id for run in diff.step_runs
    )
    assert len(diff.step_runs) == 3
