"""Checkpointed runs: a run killed mid-dispatch resumes without redoing finished steps."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from unima import UniMA, load_trace
from unima.testing import FakeTool, fake_toolbox

REQUEST = "Explain tides. Include one image, one audio clip, one 3D model and one video."
CHILD = """
import sys
from unima import UniMA
from unima.testing import fake_toolbox
# The video waits for the image and the audio; it hangs, so the kill lands mid-dispatch.
toolbox = fake_toolbox(latency_by_tag={"video1": 120.0})
UniMA(tools=toolbox).respond(sys.argv[1], run_id=sys.argv[2])
"""


def finished_steps(trace_path: Path) -> set[str]:
    try:
        trace = json.loads(trace_path.read_text())
    except (OSError, json.JSONDecodeError):
        return set()
    return {
        event["step_id"]
        for event in trace["events"]
        if event["kind"] == "step_end" and event["data"]["status"] == "ok"
    }


def video_started(trace_path: Path) -> bool:
    try:
        trace = json.loads(trace_path.read_text())
    except (OSError, json.JSONDecodeError):
        return False
    return any(e["kind"] == "step_start" and e["step_id"] == "make_video1" for e in trace["events"])


def saved_step_results(database: Path) -> int:
    """How many finished ``run_step`` tasks the checkpoint database holds."""
    if not database.exists():
        return 0
    with contextlib.closing(sqlite3.connect(database, timeout=5)) as connection:
        try:
            row = connection.execute(
                "SELECT COUNT(DISTINCT task_id) FROM writes WHERE channel = 'results'"
            ).fetchone()
        except sqlite3.OperationalError:  # tables not made yet
            return 0
    return int(row[0])


def test_a_killed_run_resumes_without_redoing_finished_steps(tmp_path: Path) -> None:
    run_id = "killed-run"
    trace_path = tmp_path / "traces" / f"{run_id}.json"
    child = subprocess.Popen([sys.executable, "-c", CHILD, REQUEST, run_id], env=os.environ.copy())
    try:
        deadline = time.monotonic() + 60
        # Kill once the three quick steps are on disk in the checkpoint and the video (which
        # hangs) has started: the kill lands mid-dispatch.
        while saved_step_results(tmp_path / "checkpoints.sqlite") < 3 or not video_started(
            trace_path
        ):
            assert child.poll() is None, "the child run ended before it could be killed"
            assert time.monotonic() < deadline, (
                f"steps never finished: {finished_steps(trace_path)}"
            )
            time.sleep(0.05)
        assert finished_steps(trace_path) == {"make_image1", "make_audio1", "make_threeD1"}
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()

    import asyncio

    from unima.graph.checkpoint import prune_finished_runs

    # Pruning keeps an interrupted run: it is still resumable.
    assert asyncio.run(prune_finished_runs(tmp_path / "checkpoints.sqlite")) == (0, 1)
    toolbox = fake_toolbox()
    resumed = UniMA(tools=toolbox).respond(None, run_id=run_id)
    assert resumed.status == "ok"
    runs = {
        name: tool.runs
        for name, tool in ((n, toolbox.get(n)) for n in toolbox.names())
        if isinstance(tool, FakeTool)
    }
    assert runs["generate_image"] == runs["synthesize_speech"] == runs["generate_mesh"] == 0
    assert runs["compose_video"] == 1

    trace = load_trace(resumed.trace_path)
    starts = [event.step_id for event in trace.events if event.kind == "step_start"]
    assert sorted(starts) == [
        "make_audio1",
        "make_image1",
        "make_threeD1",
        "make_video1",
        "make_video1",
    ]
    assert "run_resumed" in [event.kind for event in trace.events]

    uninterrupted = UniMA(tools=fake_toolbox(), cache=False).respond(REQUEST)
    assert resumed.content == uninterrupted.content
    assert {tag: a.sha256 for tag, a in resumed.artifacts.items()} == {
        tag: a.sha256 for tag, a in uninterrupted.artifacts.items()
    }


def test_asking_for_a_finished_run_again_returns_its_answer() -> None:
    toolbox = fake_toolbox()
    agent = UniMA(tools=toolbox)
    first = agent.respond("Explain tides. Include one image.", run_id="done-run")
    again = agent.respond(None, run_id="done-run")
    assert again.content == first.content and again.artifacts == first.artifacts
    image_tool = toolbox.get("generate_image")
    assert isinstance(image_tool, FakeTool) and image_tool.runs == 1


def test_reusing_a_run_id_for_a_different_request_is_refused() -> None:
    from unima.errors import InputError

    agent = UniMA(tools=fake_toolbox())
    agent.respond("Explain tides. Include one image.", run_id="some-run")
    with pytest.raises(InputError, match="different request"):
        agent.respond("Explain rivers. Include one image.", run_id="some-run")


def test_checkpoints_hold_references_not_media(tmp_path: Path) -> None:
    response = UniMA().respond(
        "Explain how a rainbow forms. Include one diagram, a narrated audio clip and a short video."
    )
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("checkpoints.sqlite*"))
    assert 0 < len(stored) < 512 * 1024
    for artifact in response.artifacts.values():
        sample = Path(artifact.path).read_bytes()[4096:4160]  # past any file header
        assert len(sample) == 64 and sample not in stored, (
            f"{artifact.tag}'s bytes are in the checkpoint"
        )
        assert artifact.sha256.encode() in stored  # referenced by hash


def test_pruning_checkpoints_keeps_only_interrupted_runs(tmp_path: Path) -> None:
    import asyncio

    from unima.graph.checkpoint import prune_finished_runs

    agent = UniMA(tools=fake_toolbox())
    agent.respond("Explain tides. Include one image.", run_id="finished-one")
    database = tmp_path / "checkpoints.sqlite"
    assert asyncio.run(prune_finished_runs(database)) == (1, 0)
    assert asyncio.run(prune_finished_runs(database)) == (0, 0)
    # With its checkpoints gone the run id is free again: a new request runs from the start.
    again = agent.respond("Explain tides. Include one image.", run_id="finished-one")
    assert again.status == "ok"
