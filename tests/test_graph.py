"""The reasoning graph with fake tools: structure, parallel dispatch, judge rounds, traces."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from unima import UniMA, load_trace
from unima.errors import InputError
from unima.reasoners.heuristic.reasoner import HeuristicReasoner
from unima.testing import FakeTool, fake_toolbox
from unima.types import Plan, placeholder_tags


def agent_with(**tool_options: object) -> UniMA:
    return UniMA(tools=fake_toolbox(**tool_options))


def test_answer_has_exactly_the_requested_placeholders() -> None:
    response = agent_with().respond(
        "Explain how tides work. Include two images and one audio clip."
    )
    assert sorted(placeholder_tags(response.content)) == ["audio1", "image1", "image2"]
    assert set(response.artifacts) == {"image1", "image2", "audio1"}
    assert response.status == "ok"
    for artifact in response.artifacts.values():
        assert Path(artifact.path).is_file()
        assert artifact.verification is not None and artifact.verification.passed
    assert response.to_unim()["modal"].keys() == {"image1", "image2", "audio1"}


def test_every_output_modality_alone_and_combined() -> None:
    agent = agent_with()
    requests = {
        "image": "Describe a volcano. Include one picture.",
        "audio": "Describe a volcano. Include a narrated audio clip.",
        "video": "Describe a volcano. Include a short video.",
        "document": "Describe a volcano. Provide a PDF report.",
        "code": "Describe a volcano. Include a Python script.",
        "threeD": "Describe a volcano. Include a 3D model.",
    }
    for modality, text in requests.items():
        response = agent.respond(text)
        assert list(response.artifacts) == [f"{modality}1"], text
        assert response.status == "ok"
    combined = agent.respond(
        "Describe a volcano. Include one image, one audio clip, one video, a PDF report, a code snippet and a 3D model."
    )
    assert sorted(combined.artifacts) == [
        "audio1",
        "code1",
        "document1",
        "image1",
        "threeD1",
        "video1",
    ]


def test_trace_is_written_and_reads_back() -> None:
    response = agent_with().respond("Explain erosion. Include one diagram.")
    trace = load_trace(response.trace_path)
    assert trace.status == "ok"
    assert trace.output_spec is not None and trace.output_spec.counts == {"image": 1}
    kinds = [event.kind for event in trace.events]
    assert "step_start" in kinds and "step_end" in kinds and "check" in kinds
    assert trace.plans and trace.plans[0].nodes[0]["produces"] == "image1"
    assert trace.rounds[-1].decision == "accept"
    assert trace.response is not None and trace.response.content == response.content


def test_independent_steps_run_concurrently() -> None:
    toolbox = fake_toolbox(latency_s=0.4)
    UniMA(tools=toolbox).respond(
        "Explain rivers. Include one image, one audio clip and a 3D model."
    )
    intervals = []
    for name in ("generate_image", "synthesize_speech", "generate_mesh"):
        tool = toolbox.get(name)
        assert isinstance(tool, FakeTool)
        intervals += [(start, end) for _, start, end in tool.run_log]
    latest_start = max(start for start, _ in intervals)
    earliest_end = min(end for _, end in intervals)
    assert latest_start < earliest_end, "the three independent steps did not overlap"


def test_a_step_waits_only_for_its_own_dependencies() -> None:
    # video depends on image1 and audio1 (narration); the slow 3D step must not delay it.
    toolbox = fake_toolbox(latency_s=0.05, latency_by_tag={"threeD1": 1.0})
    UniMA(tools=toolbox).respond(
        "Explain rivers. Include one image, one audio clip, one video and a 3D model."
    )
    video = toolbox.get("compose_video")
    image = toolbox.get("generate_image")
    mesh = toolbox.get("generate_mesh")
    assert (
        isinstance(video, FakeTool) and isinstance(image, FakeTool) and isinstance(mesh, FakeTool)
    )
    video_start = video.run_log[0][1]
    assert video_start >= image.run_log[0][2], "video started before its image dependency finished"
    assert video_start < mesh.run_log[0][2], "video waited for an unrelated slow step"


def test_failed_step_is_retried_by_the_judge() -> None:
    toolbox = fake_toolbox()
    image_tool = toolbox.get("generate_image")
    assert isinstance(image_tool, FakeTool)
    image_tool.fail_runs = 1
    response = UniMA(tools=toolbox).respond("Explain clouds. Include one image.")
    assert response.status == "ok"
    trace = load_trace(response.trace_path)
    assert [judge_round.decision for judge_round in trace.rounds] == ["retry_steps", "accept"]
    assert trace.rounds[0].target_steps == ["make_image1"]
    ends = [event for event in trace.events if event.kind == "step_end"]
    assert [event.data["status"] for event in ends] == ["failed", "ok"]


def test_failed_verification_is_retried() -> None:
    toolbox = fake_toolbox()
    audio_tool = toolbox.get("synthesize_speech")
    assert isinstance(audio_tool, FakeTool)
    audio_tool.fail_verifications = 1
    response = UniMA(tools=toolbox).respond("Explain clouds. Include an audio clip.")
    assert response.status == "ok"
    assert audio_tool.runs == 2


def test_dependents_of_a_failed_step_rerun_with_it() -> None:
    toolbox = fake_toolbox()
    image_tool = toolbox.get("generate_image")
    video_tool = toolbox.get("compose_video")
    assert isinstance(image_tool, FakeTool) and isinstance(video_tool, FakeTool)
    image_tool.fail_runs = 1
    response = UniMA(tools=toolbox).respond("Explain clouds. Include one image and one video.")
    assert response.status == "ok"
    assert image_tool.runs == 2 and video_tool.runs == 1  # the video was skipped, then ran once


def test_persistent_failure_is_surfaced_not_hidden() -> None:
    toolbox = fake_toolbox()
    mesh_tool = toolbox.get("generate_mesh")
    assert isinstance(mesh_tool, FakeTool)
    mesh_tool.fail_runs = 100
    response = UniMA(tools=toolbox, max_judge_rounds=1).respond(
        "Explain gears. Include one image and a 3D model."
    )
    assert response.status == "partial"
    assert "image1" in response.artifacts and "threeD1" not in response.artifacts
    assert "could not be produced" in response.content and "threeD1" in response.content
    assert any("make_threeD1" in problem for problem in response.problems)
    trace = load_trace(response.trace_path)
    assert trace.status == "partial"
    assert [judge_round.decision for judge_round in trace.rounds] == ["retry_steps", "give_up"]


def test_absurd_count_is_capped_and_said() -> None:
    response = agent_with().respond("Describe the ocean. Include 50 videos.")
    assert len(response.artifacts) == 5
    assert "Note:" in response.content


def test_text_only_request_makes_no_artifacts() -> None:
    response = agent_with().respond("What is the capital of France?")
    assert response.artifacts == {}
    assert placeholder_tags(response.content) == []
    assert response.status == "ok"


def test_empty_request_is_an_input_error_and_the_trace_is_written(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        agent_with().respond("")
    traces = list((tmp_path / "traces").glob("*.json"))
    assert len(traces) == 1
    trace = load_trace(traces[0])
    assert trace.status == "failed" and trace.error_type == "InputError"


def test_missing_input_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nothing-here\.png"):
        agent_with().respond(["Describe <image1>.", tmp_path / "nothing-here.png"])


def test_a_hanging_tool_times_out_and_is_reported() -> None:
    toolbox = fake_toolbox(latency_by_tag={"image1": 3.0})
    agent = UniMA(tools=toolbox, step_timeout_s=0.3, max_judge_rounds=0)
    response = agent.respond("Explain clouds. Include one image and one audio clip.")
    assert response.status == "partial"
    assert "audio1" in response.artifacts and "image1" not in response.artifacts
    assert any("timed out after 0.3 s" in problem for problem in response.problems)


def test_mixed_inputs_bind_to_their_placeholders(tmp_path: Path) -> None:
    import io
    import wave

    from PIL import Image

    sound = io.BytesIO()
    with wave.open(sound, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(8000)
        writer.writeframes(b"\x00\x10" * 8000)
    picture = Image.new("RGB", (64, 48), "orange")
    response = agent_with().respond(
        [
            "Compare <image1> with the sound <audio1>. Include one diagram.",
            picture,
            (sound.getvalue(), "audio/wav"),
        ]
    )
    trace = load_trace(response.trace_path)
    assert trace.request is not None
    parts = {part.tag: part for part in trace.request.parts}
    assert parts["image1"].modality == "image" and parts["audio1"].modality == "audio"
    assert list(response.artifacts) == ["image2"]  # output numbering continues after the input


def test_async_and_nested_event_loop_use() -> None:
    import asyncio

    agent = agent_with()

    async def inside_a_loop() -> tuple[str, str]:
        awaited = await agent.arespond("Describe dunes. Include one picture.")
        blocking = agent.respond("Describe dunes. Include one picture.")  # safe inside a loop
        return awaited.status, blocking.status

    assert asyncio.run(inside_a_loop()) == ("ok", "ok")


def test_identical_steps_are_served_from_the_cache() -> None:
    toolbox = fake_toolbox()
    agent = UniMA(tools=toolbox)
    first = agent.respond("Explain dunes. Include one image and one audio clip.")
    second = agent.respond("Explain dunes. Include one image and one audio clip.")
    image_tool = toolbox.get("generate_image")
    assert isinstance(image_tool, FakeTool) and image_tool.runs == 1
    assert second.artifacts["image1"].sha256 == first.artifacts["image1"].sha256
    statuses = [
        e.data["status"] for e in load_trace(second.trace_path).events if e.kind == "step_end"
    ]
    assert statuses == ["cached", "cached"]
    uncached = UniMA(tools=toolbox, cache=False).respond(
        "Explain dunes. Include one image and one audio clip."
    )
    assert uncached.status == "ok" and image_tool.runs == 2


def test_a_changed_dependency_misses_the_cache() -> None:
    toolbox = fake_toolbox()
    agent = UniMA(tools=toolbox)
    agent.respond("Explain dunes. Include one image and one video.")
    agent.respond("Explain sand dunes and wind. Include one image and one video.")
    video_tool = toolbox.get("compose_video")
    assert isinstance(video_tool, FakeTool) and video_tool.runs == 2


def test_cache_prune_removes_least_recently_used_files(tmp_path: Path) -> None:
    from unima.trace.cache import ArtifactCache

    toolbox = fake_toolbox()
    agent = UniMA(tools=toolbox)
    agent.respond("Explain dunes. Include one image.")
    agent.respond("Explain rivers. Include one audio clip.")
    cache = ArtifactCache(agent.settings.resolved_cache_path())
    entries, size = cache.stats()
    assert entries == 2 and size > 0
    report = cache.prune(max_bytes=size - 1)
    assert report.entries_removed == 1 and report.files_removed == 1 and report.entries_left == 1
    again = agent.respond("Explain dunes. Include one image.")  # its entry was the oldest: re-run
    image_tool = toolbox.get("generate_image")
    assert isinstance(image_tool, FakeTool) and image_tool.runs == 2 and again.status == "ok"


def test_stream_yields_events_as_they_happen_then_the_response() -> None:
    from unima import Response
    from unima.trace.schema import TraceEvent

    items = list(agent_with().stream("Explain dunes. Include one image and one audio clip."))
    response = items[-1]
    assert isinstance(response, Response) and response.status == "ok"
    events = items[:-1]
    assert all(isinstance(event, TraceEvent) for event in events)
    kinds = [event.kind for event in events]
    assert kinds[0] == "node_start" and events[0].node == "receive"
    assert kinds.count("step_start") == 2 and kinds.count("step_end") == 2
    assert (
        kinds.index("step_start")
        < kinds.index("step_end")
        < kinds.index("check")
        < kinds.index("judge")
    )
    assert [event.kind for event in load_trace(response.trace_path).events] == kinds


def test_stream_raises_the_runs_error() -> None:
    with pytest.raises(InputError):
        list(agent_with().stream(""))


def test_the_cache_is_kept_under_its_size_bound() -> None:
    from unima.trace.cache import ArtifactCache

    agent = UniMA(tools=fake_toolbox(), cache_max_bytes=0)
    agent.respond("Explain dunes. Include one image.")
    cache = ArtifactCache(agent.settings.resolved_cache_path())
    assert cache.stats() == (0, 0)


TIDES_ANSWER = (
    "Tides come from the moon's gravity pulling on the oceans, which raises a bulge of water on "
    "the side facing the moon and another on the far side."
)


class OffTopicDiagrams(HeuristicReasoner):
    """The heuristic with a real answer about tides, but its first ``off_topic_plans`` plans
    label every diagram off topic (a volcano's)."""

    def __init__(self, off_topic_plans: int) -> None:
        super().__init__()
        self.off_topic_plans = off_topic_plans
        self.feedback: list[list[str]] = []

    def plan(self, view: Any, caption: Any, analysis: Any, output_tags: Any, feedback: Any) -> Plan:
        plan = super().plan(view, caption, analysis, output_tags, feedback)
        plan = plan.model_copy(update={"content": f"{TIDES_ANSWER}\n\n{plan.content}"})
        self.feedback.append(list(feedback))
        labels = ["Magma", "Ash"]
        if len(self.feedback) > self.off_topic_plans:
            labels = ["Moon's gravity", "Ocean bulge", "Far side bulge"]
        steps = [
            step.model_copy(
                update={"arguments": {"kind": "diagram", "title": "Tides", "labels": labels}}
            )
            if step.tool == "generate_image"
            else step
            for step in plan.steps
        ]
        return plan.model_copy(update={"steps": steps})


def test_an_irrelevant_artifact_is_replanned_with_the_reasons() -> None:
    reasoner = OffTopicDiagrams(off_topic_plans=1)
    response = UniMA(tools=fake_toolbox(), reasoner=reasoner).respond(
        "Explain how tides work. Include one diagram."
    )
    assert response.status == "ok", response.problems
    trace = load_trace(response.trace_path)
    assert [judge_round.decision for judge_round in trace.rounds] == ["replan", "accept"]
    assert any("not relevant" in line for line in reasoner.feedback[1])
    relevance_events = [event for event in trace.events if event.kind == "relevance"]
    assert [event.data["passed"] for event in relevance_events] == [False, True]
    artifact = response.artifacts["image1"]
    assert artifact.relevance is not None and artifact.relevance.passed


def test_a_still_irrelevant_artifact_ends_partial_and_is_kept() -> None:
    response = UniMA(
        tools=fake_toolbox(), reasoner=OffTopicDiagrams(off_topic_plans=100), max_judge_rounds=1
    ).respond("Explain how tides work. Include one diagram.")
    assert response.status == "partial"
    assert "image1" in response.artifacts  # valid, kept, marked not relevant
    artifact = response.artifacts["image1"]
    assert artifact.verification is not None and artifact.verification.passed
    assert artifact.relevance is not None and not artifact.relevance.passed
    assert any(p.startswith("<image1> is not relevant") for p in response.problems)
    trace = load_trace(response.trace_path)
    assert [judge_round.decision for judge_round in trace.rounds] == ["replan", "give_up"]
    assert "still not relevant: make_image1" in trace.rounds[-1].reason


def test_a_replan_that_gives_the_same_plan_ends_the_rounds() -> None:
    # Three rounds allowed; the second plan is the first again, so a third would be too.
    reasoner = OffTopicDiagrams(off_topic_plans=100)
    response = UniMA(tools=fake_toolbox(), reasoner=reasoner, max_judge_rounds=3).respond(
        "Explain how tides work. Include one diagram."
    )
    assert response.status == "partial"
    trace = load_trace(response.trace_path)
    assert [judge_round.decision for judge_round in trace.rounds] == ["replan", "give_up"]
    assert trace.rounds[-1].reason.startswith("planning again gave the same plan")
    assert len(reasoner.feedback) == 2
