"""The terminal trace view: golden output for hand-built traces, and real traces rendered.

Regenerate the goldens after an intended change with ``UNIMA_UPDATE_GOLDENS=1 pytest
tests/test_trace_view.py tests/test_trace_diff.py`` and review the diff of ``tests/goldens/``.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from unima.trace.attempts import latest_attempts, plan_order, step_attempts
from unima.trace.schema import JudgeRound, PlanGraph, Trace, TraceEvent, load_trace
from unima.trace.view import main, render_trace
from unima.types import (
    AnalysisReport,
    Artifact,
    Caption,
    CheckResult,
    OutputSpec,
    Part,
    Perception,
    Request,
    Response,
    Verification,
)

GOLDENS = Path(__file__).parent / "goldens"
START = 1_800_000_000.0
REQUEST_TEXT = (
    "Explain <image1> [bold]as written[/bold] <script>alert(1)</script>. "
    "Include one image, one audio clip and one video."
)


def console_text(render: Any, *arguments: Any) -> str:
    console = Console(file=io.StringIO(), width=120, color_system=None, record=False)
    render(*arguments, console)
    return console.file.getvalue()  # type: ignore[attr-defined]


def assert_matches_golden(text: str, name: str) -> None:
    golden = GOLDENS / name
    if os.environ.get("UNIMA_UPDATE_GOLDENS") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert golden.is_file(), f"missing golden {golden}: run with UNIMA_UPDATE_GOLDENS=1"
    assert text == golden.read_text(encoding="utf-8")


def event(kind: str, node: str, at: float, **fields: Any) -> TraceEvent:
    step_id = fields.pop("step_id", None)
    round = fields.pop("round", 0)
    return TraceEvent(
        kind=kind, node=node, time=START + at, step_id=step_id, round=round, data=fields
    )


def artifact(
    tag: str, step_id: str, modality: str, sha: str, path: str, passed: bool = True
) -> Artifact:
    return Artifact(
        tag=tag,
        modality=modality,  # type: ignore[arg-type]
        path=path,
        mime={"image": "image/png", "audio": "audio/wav", "video": "video/mp4"}[modality],
        sha256=sha * 64,
        size_bytes=1234,
        step_id=step_id,
        verification=Verification(
            passed=passed,
            checks={"bytes": 1234},
            problems=() if passed else ("the image is blank",),
        ),
    )


def step_start(
    step_id: str, tool: str, at: float, round: int, attempt: int, **arguments: Any
) -> TraceEvent:
    return event(
        "step_start",
        "run_step",
        at,
        step_id=step_id,
        round=round,
        tool=tool,
        backend="procedural",
        backend_version="2.0",
        attempt=attempt,
        arguments=arguments,
        arguments_sha256="0" * 64,
        seed=0,
        input_sha256={},
    )


def step_end(
    step_id: str,
    at: float,
    round: int,
    status: str,
    seconds: float,
    made: Artifact | None = None,
    error: str | None = None,
) -> TraceEvent:
    return event(
        "step_end",
        "run_step",
        at,
        step_id=step_id,
        round=round,
        status=status,
        seconds=seconds,
        error=error,
        artifact=made.model_dump() if made else None,
        output_sha256=made.sha256 if made else None,
    )


def build_trace(paths: dict[str, str] | None = None) -> Trace:
    """A run with a failed step, a cached step, a skipped step, a retry round and an accept.

    ``paths`` maps tags to artifact files (the HTML tests give real ones).
    """
    paths = paths or {}
    image = artifact(
        "image2", "make_image2", "image", "a", paths.get("image2", "/store/aa/image2.png")
    )
    blank = artifact("image2", "make_image2", "image", "b", "/store/bb/blank.png", passed=False)
    audio = artifact(
        "audio1", "make_audio1", "audio", "c", paths.get("audio1", "/store/cc/audio1.wav")
    )
    video = artifact(
        "video1", "make_video1", "video", "d", paths.get("video1", "/store/dd/video1.mp4")
    )
    spec = OutputSpec(
        counts={"image": 1, "audio": 1, "video": 1},
        evidence=(
            "'one image' -> image x1",
            "'one audio clip' -> audio x1",
            "'one video' -> video x1",
        ),
    )
    steps = [
        {
            "id": "make_image2",
            "tool": "generate_image",
            "arguments": {"title": "Tides"},
            "depends_on": [],
            "produces": "image2",
            "description": "A diagram.",
        },
        {
            "id": "make_audio1",
            "tool": "synthesize_speech",
            "arguments": {"script": "Tides rise."},
            "depends_on": [],
            "produces": "audio1",
            "description": "A narration.",
        },
        {
            "id": "make_video1",
            "tool": "compose_video",
            "arguments": {"title": "Tides"},
            "depends_on": ["make_image2", "make_audio1"],
            "produces": "video1",
            "description": "A video.",
        },
    ]
    content = (
        "Tides follow the moon.\n\n<image2> shows it, <audio1> says it and <video1> animates it."
    )
    plan = PlanGraph(
        content=content,
        content_specs={"image2": "A diagram."},
        nodes=steps,
        edges=[("make_image2", "make_video1"), ("make_audio1", "make_video1")],
        reasoner="heuristic",
    )
    repaired = plan.model_copy(
        update={
            "nodes": [{**steps[0], "arguments": {"title": "Tides", "kind": "diagram"}}, *steps[1:]]
        }
    )
    events = [
        event("node_start", "receive", 0.01, parts=1),
        event(
            "perception",
            "receive",
            0.04,
            tag="image1",
            modality="image",
            backend="pillow",
            seconds=0.03,
            summary="a beach at low tide",
            failures=[],
        ),
        event("node_end", "receive", 0.05),
        event("node_start", "caption", 0.05),
        event("node_end", "caption", 0.08),
        event("node_start", "analyse", 0.08),
        event("node_end", "analyse", 0.09, needed=False),
        event("node_start", "plan", 0.09),
        event("node_end", "plan", 0.15, steps=["make_image2", "make_audio1", "make_video1"]),
        step_start("make_image2", "generate_image", 0.16, 0, 1, title="Tides"),
        step_start("make_audio1", "synthesize_speech", 0.16, 0, 1, script="Tides rise."),
        step_end("make_audio1", 0.18, 0, "cached", 0.01, audio),
        step_end(
            "make_image2", 0.50, 0, "failed", 0.34, blank, "generate_image: the image is blank"
        ),
        event(
            "step_skipped",
            "run_step",
            0.51,
            step_id="make_video1",
            error="dependencies failed: make_image2",
        ),
        event("node_end", "assemble", 0.52),
        event("check", "check", 0.52, passed=False, problems=["step make_image2 failed"]),
        event(
            "repair_failed", "judge", 0.55, step_id="make_image2", error="ReasonerError: no reply"
        ),
        event(
            "judge",
            "judge",
            0.56,
            decision="retry_steps",
            reason="tool steps failed",
            targets=["make_image2", "make_video1"],
        ),
        step_start("make_image2", "generate_image", 0.60, 1, 2, title="Tides", kind="diagram"),
        step_end("make_image2", 1.20, 1, "ok", 0.60, image),
        step_start("make_video1", "compose_video", 1.21, 1, 2, title="Tides"),
        step_end("make_video1", 2.30, 1, "ok", 1.05, video),
        event("node_end", "assemble", 2.35, round=1),
        event("check", "check", 2.36, round=1, passed=True, problems=[]),
        event(
            "judge",
            "judge",
            2.40,
            round=1,
            decision="accept",
            reason="every placeholder is bound to a verified artifact",
            targets=[],
        ),
    ]
    return Trace(
        run_id="20270115-080000-golden01",
        unima_version="0.1.0",
        started_at=START,
        finished_at=START + 2.5,
        status="ok",
        reasoner="heuristic",
        request=Request(
            text=REQUEST_TEXT,
            parts=(Part(modality="image", tag="image1", path="/inputs/beach.png"),),
        ),
        perceptions={
            "image1": Perception(
                modality="image",
                tag="image1",
                summary="a beach at low tide",
                backend="pillow",
                seconds=0.03,
            )
        },
        output_spec=spec,
        caption=Caption(
            dense_caption="A beach photo.",
            paraphrase="Explain tides using the photo.",
            output_spec=spec,
        ),
        analysis=AnalysisReport(needed=False, reason="no computation asked for"),
        plans=[plan, repaired],
        events=events,
        rounds=[
            JudgeRound(
                round=0,
                check=CheckResult(
                    passed=False,
                    problems=("step make_image2 (generate_image) failed: the image is blank",),
                    failed_steps=("make_image2", "make_video1"),
                ),
                decision="retry_steps",
                target_steps=["make_image2", "make_video1"],
                reason="tool steps failed",
            ),
            JudgeRound(
                round=1,
                check=CheckResult(passed=True),
                decision="accept",
                reason="every placeholder is bound to a verified artifact",
            ),
        ],
        response=Response(
            content=content,
            artifacts={"image2": image, "audio1": audio, "video1": video},
            output_spec=spec,
            run_id="20270115-080000-golden01",
        ),
    )


def build_failed_trace() -> Trace:
    """A run that died while planning: no plan, no answer, an error."""
    return Trace(
        run_id="20270115-080500-golden02",
        unima_version="0.1.0",
        started_at=START,
        finished_at=START + 0.4,
        status="failed",
        error="invalid plan: step make_image1 uses the unknown tool 'paint'",
        error_type="PlanError",
        reasoner="llm",
        request=Request(text="Draw a cat. Include one image."),
        output_spec=OutputSpec(counts={"image": 1}),
        events=[
            event("node_start", "plan", 0.1),
            event(
                "plan_rejected",
                "plan",
                0.2,
                reasoner="llm",
                attempt=1,
                problems=["unknown tool 'paint'"],
            ),
            event("run_failed", "agent", 0.3, error="invalid plan", error_type="PlanError"),
        ],
    )


def test_golden_view_of_a_run_with_retries() -> None:
    assert_matches_golden(console_text(render_trace, build_trace()), "view_retries.txt")


def test_golden_view_of_a_failed_run() -> None:
    assert_matches_golden(console_text(render_trace, build_failed_trace()), "view_failed.txt")


def test_user_text_is_printed_as_written_not_as_markup() -> None:
    text = console_text(render_trace, build_trace())
    assert "[bold]as written[/bold]" in text
    assert "<script>alert(1)</script>" in text


def test_attempts_follow_the_tool_clock() -> None:
    attempts = step_attempts(build_trace())
    assert [(a.step_id, a.round, a.status) for a in attempts] == [
        ("make_image2", 0, "failed"),
        ("make_audio1", 0, "cached"),
        ("make_video1", 0, "skipped"),
        ("make_image2", 1, "ok"),
        ("make_video1", 1, "ok"),
    ]
    failed = attempts[0]
    # The bar starts where the tool started (end minus its seconds), not at step_start.
    assert failed.start == pytest.approx(0.16) and failed.end == pytest.approx(0.50)
    assert failed.verification is not None and failed.verification["passed"] is False
    latest = latest_attempts(build_trace())
    assert latest["make_image2"].attempt == 2 and latest["make_video1"].status == "ok"


def test_a_restarted_attempt_is_marked_interrupted() -> None:
    trace = build_trace()
    restart = step_start("make_image2", "generate_image", 0.30, 0, 1, title="Tides")
    events = [*trace.events[:11], restart, *trace.events[11:]]
    attempts = step_attempts(trace.model_copy(update={"events": events}))
    statuses = [a.status for a in attempts if a.step_id == "make_image2" and a.round == 0]
    assert sorted(statuses) == ["failed", "interrupted"]


def test_plan_order_layers_and_cycles() -> None:
    plan = build_trace().plans[-1]
    assert plan_order(plan) == [["make_image2", "make_audio1"], ["make_video1"]]
    cyclic = plan.model_copy(
        update={
            "nodes": [
                {"id": "a", "depends_on": ["b"]},
                {"id": "b", "depends_on": ["a"]},
                {"id": "c"},
            ]
        }
    )
    assert plan_order(cyclic) == [["c"], ["a", "b"]]


def test_real_run_renders_every_step(tmp_path: Path) -> None:
    from unima import UniMA
    from unima.testing import fake_toolbox

    response = UniMA(tools=fake_toolbox(fail_runs=1)).respond(
        "Explain tides. Include one image, one audio clip and one video."
    )
    assert response.trace_path is not None
    trace = load_trace(response.trace_path)
    text = console_text(render_trace, trace)
    for step in trace.plans[-1].nodes:
        assert step["id"] in text
    assert "failed" in text and "scripted failure" in text  # the first round's failures
    assert "retry_steps" in text and "accept" in text
    for tag, made in response.artifacts.items():
        assert f"<{tag}>" in text and made.sha256[:12] in text


def test_script_prints_the_view_or_writes_html(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trace_file = tmp_path / "run.json"
    trace_file.write_text(build_trace().model_dump_json(), encoding="utf-8")
    assert main([str(trace_file)]) == 0
    assert "make_video1" in capsys.readouterr().out
    assert main([str(trace_file), "--html", str(tmp_path / "pages")]) == 0
    page = tmp_path / "pages" / "20270115-080000-golden01.html"
    assert capsys.readouterr().out.strip() == str(page.resolve())
    assert page.read_text(encoding="utf-8").startswith("<!doctype html>")


def test_script_reports_a_bad_trace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]", encoding="utf-8")
    assert main([str(bad)]) == 1
    assert "not a unima trace" in capsys.readouterr().err
