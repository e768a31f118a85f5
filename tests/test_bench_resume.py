"""Kill ``unima bench run`` mid-way (SIGKILL, then SIGINT), resume: nothing lost, nothing twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench_fixtures import make_dataset

from unima.bench.store import ResultStore, read_events

COUNT = 10  # per subdomain; 20 instances of ~50 ms each with fake tools


def _command(data: Path, out: Path) -> list[str]:
    return [
        sys.executable,
        "-c",
        "from unima.cli import main; main()",
        "bench",
        "run",
        "unim",
        "--data",
        str(data),
        "--media-root",
        str(data.parent),
        "--out",
        str(out),
        "--model",
        "unima",
        "--tools",
        "fake",
        "--workers",
        "1",
    ]


def _start_and_stop(data: Path, out: Path, stop: signal.Signals, after_done: int) -> int:
    """Start the CLI, send ``stop`` once ``after_done`` instances are done; returns the code."""
    process = subprocess.Popen(
        _command(data, out), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=os.environ
    )
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and process.poll() is None:
            events = read_events(out / "events.jsonl")
            if sum(event["event"] == "done" for event in events) >= after_done:
                process.send_signal(stop)
                break
            time.sleep(0.02)
        output = process.communicate(timeout=60)[0].decode()
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode != 0, "the run finished before it could be stopped:\n" + output
    return process.returncode


def _resume_and_check(data: Path, out: Path) -> tuple[list[dict], set[tuple[str, ...]]]:
    """Resume to the end; check 0 lost, 0 duplicated, finished instances not re-run."""
    events_before = read_events(out / "events.jsonl")
    finished_before = {tuple(e["key"]) for e in events_before if e["event"] == "done"}
    resumed = subprocess.run(_command(data, out), capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    lines = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    keys = [(line["domain"], line["subdomain"], line["id"]) for line in lines]
    expected = {
        ("natural_science", s, str(n)) for s in ("math", "physics") for n in range(1, COUNT + 1)
    }
    assert len(keys) == len(set(keys)) == 2 * COUNT  # 0 duplicated
    assert set(keys) == expected  # 0 lost
    assert all(line["status"] in ("ok", "partial") for line in lines)
    for line in lines:
        for relative in line["output"]["modal"].values():
            assert (out / relative).is_file()
    events = read_events(out / "events.jsonl")
    sessions = [i for i, e in enumerate(events) if e["event"] == "session"]
    after = events[sessions[-1] :]
    restarted = {tuple(e["key"]) for e in after if e["event"] == "start"}
    assert not restarted & finished_before  # finished instances are not re-run
    assert restarted | finished_before == expected
    assert events[sessions[-1]]["kept"] == len(finished_before)
    with ResultStore(out) as store:
        assert {row.status for row in store.rows()} == {"done"}
    return lines, finished_before


def test_sigkill_mid_run_then_resume_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    data = make_dataset(tmp_path / "data", count=COUNT)
    out = tmp_path / "run"
    code = _start_and_stop(data, out, signal.SIGKILL, after_done=5)
    assert code == -signal.SIGKILL
    # The killed run's predictions file is whatever was last regenerated: never half-written.
    assert (out / "predictions.jsonl").read_text() == ""
    _lines, finished = _resume_and_check(data, out)
    assert 5 <= len(finished) < 2 * COUNT
    events = read_events(out / "events.jsonl")
    resumed_session = [e for e in events if e["event"] == "session"][-1]
    # The instance in flight at the kill (if any) was re-queued, not counted as a failure.
    assert resumed_session["requeued"] <= 1


def test_ctrl_c_stops_cleanly_and_the_run_resumes(tmp_path: Path) -> None:
    data = make_dataset(tmp_path / "data", count=COUNT)
    out = tmp_path / "run"
    code = _start_and_stop(data, out, signal.SIGINT, after_done=4)
    assert code == 130
    events = read_events(out / "events.jsonl")
    assert events[-1]["event"] == "stop" and events[-1]["reason"] == "interrupted"
    with ResultStore(out) as store:
        statuses = {row.status for row in store.rows()}
        done = [row.key for row in store.rows(("done",))]
    assert "running" not in statuses  # in-flight instances were put back to pending
    written = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert [(p["domain"], p["subdomain"], p["id"]) for p in written] == done
    _resume_and_check(data, out)
