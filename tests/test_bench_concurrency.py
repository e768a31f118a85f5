"""``unima bench run --concurrency N``: a server-backed model with N requests in flight from one
event loop, against ``FakeModelServer`` (fixed latency, fixed slots) on loopback.

Checked: the server sees exactly N requests at once; every answer lands in the store, on disk
and in ``predictions.jsonl`` under its own key; a run stopped mid-way (Ctrl+C, then SIGKILL)
resumes without losing or repeating an answer; one instance past its deadline costs only
itself; ``--concurrency 1`` is the worker-process path of before; the async request keeps the
sync request's retries, byte cap and deadline; models that answer in-process refuse it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

import pytest
from bench_fixtures import make_dataset
from loopback import chat_completion, serve_on_loopback
from typer.testing import CliRunner

import unima.bench.runner
from unima.bench.datasets.unim import UnimInstance
from unima.bench.fake_server import FakeModelServer, image_answer, request_text
from unima.bench.manifest import read_manifest
from unima.bench.models import ServerModelAdapter, resolve_model
from unima.bench.records import Answer
from unima.bench.runner import RunOptions, run_benchmark
from unima.bench.store import ResultStore, read_events
from unima.bench.work import WorkResult
from unima.cli import app
from unima.errors import ConfigError, ModelError, ModelTimeoutError, ReplyTooLargeError

NOTE = re.compile(r"Note (\d+) about (\w+)")


def echo_answer(body: dict[str, Any]) -> str:
    """``image_answer`` whose text names the instance the request was for (its note)."""
    note = NOTE.search(request_text(body))
    assert note is not None, "the request lost its input document"
    number, subdomain = note.groups()
    answer = json.loads(image_answer(body))
    answer["content"] = f"Answer to {subdomain}/{number}: see <image1>."
    return json.dumps(answer)


def slow_note(number: int, seconds: float, otherwise: float) -> Callable[[dict[str, Any]], float]:
    """A latency function: ``seconds`` for math note ``number``, ``otherwise`` for the rest."""

    def latency(body: dict[str, Any]) -> float:
        return seconds if f"Note {number} about math:" in request_text(body) else otherwise

    return latency


class RecordingProgress:
    """Observer that keeps every callback."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []
        self.results: list[tuple[WorkResult, bool]] = []

    def started(self, total: int, finished: int) -> None:
        self.calls.append((total, finished))

    def attempt_finished(self, result: WorkResult, final: bool) -> None:
        self.results.append((result, final))


def predictions(out: Path) -> dict[tuple[str, str, str], dict[str, Any]]:
    lines = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    keyed = {(line["domain"], line["subdomain"], line["id"]): line for line in lines}
    assert len(keyed) == len(lines), "a key appears twice in predictions.jsonl"
    return keyed


def all_keys(count: int) -> set[tuple[str, str, str]]:
    return {
        ("natural_science", s, str(n)) for s in ("math", "physics") for n in range(1, count + 1)
    }


def test_n_requests_are_in_flight_at_once_and_every_answer_is_recorded(tmp_path: Path) -> None:
    data = make_dataset(tmp_path / "data", count=8)
    out = tmp_path / "run"
    progress = RecordingProgress()
    with FakeModelServer(slots=8, latency_s=0.3, reply=echo_answer) as server:
        summary = run_benchmark(
            data,
            out,
            server.spec,
            options=RunOptions(concurrency=4, timeout_s=30),
            observer=progress,
        )
        # More slots than the concurrency: the server saw exactly what the harness kept open.
        assert server.max_open == server.max_busy == 4
        assert server.served == 16
    assert summary.counts["done"] == 16 and summary.failed == 0 and summary.attempts == 16
    assert summary.stopped == ""
    assert progress.calls == [(16, 0)]
    assert len(progress.results) == 16 and all(final for _, final in progress.results)
    lines = predictions(out)
    assert set(lines) == all_keys(8)
    for (_, subdomain, number), line in lines.items():
        assert line["status"] == "ok"
        assert line["output"]["content"] == f"Answer to {subdomain}/{number}: see <image1>."
        image = out / line["output"]["modal"]["image1"]
        assert image.name == "image1.png" and image.read_bytes().startswith(b"\x89PNG")
    with ResultStore(out) as store:
        assert {row.status for row in store.rows()} == {"done"}
    events = read_events(out / "events.jsonl")
    assert next(e for e in events if e["event"] == "session")["concurrency"] == 4
    assert sum(e["event"] == "done" for e in events) == 16
    manifest = read_manifest(out)
    assert manifest is not None and manifest.execution.concurrency == 4
    assert not (out / ".staging").exists()


def test_a_slow_instance_times_out_without_holding_up_the_others(tmp_path: Path) -> None:
    data = make_dataset(tmp_path / "data", count=8)
    out = tmp_path / "run"
    slow_key = ("natural_science", "math", "3")
    latency = slow_note(3, seconds=60.0, otherwise=0.1)
    started = time.monotonic()
    with FakeModelServer(slots=8, latency_s=latency, reply=echo_answer) as server:
        summary = run_benchmark(
            data, out, server.spec, options=RunOptions(concurrency=4, timeout_s=1.5, retries=1)
        )
    elapsed = time.monotonic() - started
    assert summary.counts["done"] == 15 and summary.counts["timeout"] == 1
    with ResultStore(out) as store:
        rows = {row.key: row for row in store.rows()}
    slow = rows[slow_key]
    assert slow.status == "timeout" and slow.attempts == 2
    assert slow.error == "no answer within 1.5 s"
    line = predictions(out)[slow_key]
    assert line["status"] == "failed" and line["output"] == {"modal": {}, "content": ""}
    # The 15 others (0.1 s each, 3 at a time beside the stuck one) were all answered before
    # the slow one's first deadline, not after it; the run took its two deadlines, not 60 s.
    events = read_events(out / "events.jsonl")
    first_timeout = next(
        i for i, e in enumerate(events) if e["event"] == "retry" and tuple(e["key"]) == slow_key
    )
    done = [i for i, e in enumerate(events) if e["event"] == "done"]
    assert len(done) == 15 and max(done) < first_timeout
    assert elapsed < 15


def test_the_deadline_is_paused_while_an_instance_waits_for_a_request_slot(
    tmp_path: Path,
) -> None:
    # Two requests at once, 1 s each, a 1.6 s deadline: the third instance is taken on at once
    # but waits 1 s for a request slot, then 1 s for its answer. The wait is not its time.
    data = make_dataset(tmp_path / "data", count=3, subdomains=("math",))
    with FakeModelServer(slots=8, latency_s=1.0) as server:
        summary = run_benchmark(
            data,
            tmp_path / "run",
            server.spec,
            options=RunOptions(concurrency=2, timeout_s=1.6, retries=0),
        )
        assert server.max_open == 2 and server.served == 3
    assert summary.counts["done"] == 3, summary.counts


def _bench_command(data: Path, out: Path, spec: str) -> list[str]:
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
        spec,
        "--concurrency",
        "4",
        "--model-option",
        "max_retries=0",
    ]


def _stop_after(command: list[str], out: Path, stop: signal.Signals, done: int) -> int:
    """Run ``command``; send ``stop`` once ``done`` instances are done; its exit code."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if sum(e["event"] == "done" for e in read_events(out / "events.jsonl")) >= done:
                process.send_signal(stop)
                break
            time.sleep(0.02)
        output = process.communicate(timeout=90)[0].decode()
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode != 0, "the run finished before it could be stopped:\n" + output
    return process.returncode


def test_an_interrupted_run_resumes_without_losing_or_repeating_answers(tmp_path: Path) -> None:
    count = 12  # per subdomain: 24 instances of 0.25 s, 4 at a time: about 1.5 s of answers
    data = make_dataset(tmp_path / "data", count=count)
    out = tmp_path / "run"
    with FakeModelServer(slots=8, latency_s=0.25, reply=echo_answer) as server:
        command = _bench_command(data, out, server.spec)
        assert _stop_after(command, out, signal.SIGINT, done=4) == 130
        events = read_events(out / "events.jsonl")
        assert (events[-1]["event"], events[-1]["reason"]) == ("stop", "interrupted")
        with ResultStore(out) as store:
            statuses = {row.status for row in store.rows()}
            done_after_interrupt = {row.key for row in store.rows(("done",))}
        assert "running" not in statuses  # in-flight instances went back to pending
        assert set(predictions(out)) == done_after_interrupt

        code = _stop_after(command, out, signal.SIGKILL, done=len(done_after_interrupt) + 4)
        assert code == -signal.SIGKILL
        events = read_events(out / "events.jsonl")
        finished_before = {tuple(e["key"]) for e in events if e["event"] == "done"}
        assert done_after_interrupt < finished_before < all_keys(count)

        summary = run_benchmark(
            data,
            out,
            server.spec,
            model_options={"max_retries": 0},
            options=RunOptions(concurrency=4),
        )
    assert summary.kept == len(finished_before)
    assert summary.counts["done"] == 2 * count
    events = read_events(out / "events.jsonl")
    last_session = max(i for i, e in enumerate(events) if e["event"] == "session")
    restarted = {tuple(e["key"]) for e in events[last_session:] if e["event"] == "start"}
    assert not restarted & finished_before  # finished answers were not asked for again
    assert restarted | finished_before == all_keys(count)
    lines = predictions(out)
    assert set(lines) == all_keys(count)  # 0 lost, and predictions() refused duplicates
    for (_, subdomain, number), line in lines.items():
        assert line["output"]["content"] == f"Answer to {subdomain}/{number}: see <image1>."
        assert (out / line["output"]["modal"]["image1"]).is_file()


def test_concurrency_1_is_the_worker_process_path_of_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = make_dataset(tmp_path / "data", count=3)
    with FakeModelServer(slots=8, latency_s=0.05, reply=echo_answer) as server:
        concurrent = run_benchmark(
            data, tmp_path / "concurrent", server.spec, options=RunOptions(concurrency=4)
        )

        def no_event_loop(*args: object, **kwargs: object) -> None:
            raise AssertionError("--concurrency 1 must not use the event loop executor")

        monkeypatch.setattr(unima.bench.runner, "AsyncExecutor", no_event_loop)
        server.reset_counts()
        single = run_benchmark(data, tmp_path / "single", server.spec)
        assert server.max_open == 1 and server.served == 6
    assert single.counts["done"] == concurrent.counts["done"] == 6
    # The same answers, the same files, whichever path ran them.
    assert predictions(tmp_path / "single") == predictions(tmp_path / "concurrent")
    for line in predictions(tmp_path / "single").values():
        relative = line["output"]["modal"]["image1"]
        single_bytes = (tmp_path / "single" / relative).read_bytes()
        assert single_bytes == (tmp_path / "concurrent" / relative).read_bytes()
    manifest = read_manifest(tmp_path / "single")
    assert manifest is not None and manifest.execution.concurrency == 1


def test_concurrency_is_refused_where_it_cannot_apply(tmp_path: Path) -> None:
    data = make_dataset(tmp_path / "data", count=1, subdomains=("math",))
    with pytest.raises(ConfigError, match=r"run several instances at once with --workers 4"):
        run_benchmark(
            data, tmp_path / "a", "unima", model_options={"tools": "fake"},
            options=RunOptions(concurrency=4),
        )  # fmt: skip
    spec = "openai-compatible:http://127.0.0.1:9/v1:m"
    with pytest.raises(ConfigError, match=r"instead of --workers 2 and --executor local"):
        run_benchmark(data, tmp_path / "b", spec, options=RunOptions(concurrency=4, workers=2))
    with pytest.raises(ConfigError, match=r"--executor ray"):
        run_benchmark(data, tmp_path / "c", spec, options=RunOptions(concurrency=4, executor="ray"))
    with pytest.raises(ConfigError, match=r"concurrency must be >= 1"):
        run_benchmark(data, tmp_path / "d", spec, options=RunOptions(concurrency=0))
    arguments = ["bench", "run", "unim", "--data", str(data), "--out", str(tmp_path / "e")]
    result = CliRunner().invoke(
        app, [*arguments, "--model", "unima", "--tools", "fake", "--concurrency", "8"]
    )
    assert result.exit_code == 1
    assert "--concurrency 8 keeps requests in flight to a model server" in result.output


class ScriptedHandler(BaseHTTPRequestHandler):
    """Answers each POST with the next (status, body, delay) of ``script``."""

    script: ClassVar[list[tuple[int, bytes, float]]] = []
    requests: ClassVar[int] = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        status, body, delay = type(self).script[min(type(self).requests, len(self.script) - 1)]
        type(self).requests += 1
        time.sleep(delay)
        with contextlib.suppress(ConnectionError):  # the client gave up (the deadline case)
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def scripted() -> Iterator[str]:
    ScriptedHandler.script = []
    ScriptedHandler.requests = 0
    with serve_on_loopback(ScriptedHandler) as address:
        yield address


async def _answer_on_a_loop(
    adapter: ServerModelAdapter, instance: UnimInstance, media_root: Path, folder: Path
) -> Answer:
    try:
        return await adapter.apredict(instance, media_root, folder)
    finally:
        await adapter.aclose()


def _predict_both_ways(address: str, tmp_path: Path, **options: Any) -> list[Any]:
    """``[outcome of predict, its requests, outcome of apredict, its requests]`` for one
    instance; an outcome is the answer or the ``ModelError`` raised."""
    instance = UnimInstance.model_validate(
        {
            "domain": "natural_science",
            "subdomain": "math",
            "id": "1",
            "input": {"content": "Draw a triangle. Include one image.", "modal": {}},
        }
    )
    outcomes: list[Any] = []
    for way in ("sync", "async"):
        ScriptedHandler.requests = 0
        adapter = resolve_model(f"openai-compatible:{address}/v1:m", **options)
        assert isinstance(adapter, ServerModelAdapter)
        folder = tmp_path / way
        folder.mkdir(parents=True)
        try:
            if way == "sync":
                outcomes.append(adapter.predict(instance, tmp_path, folder))
            else:
                outcomes.append(asyncio.run(_answer_on_a_loop(adapter, instance, tmp_path, folder)))
        except ModelError as error:
            outcomes.append(error)
        outcomes.append(ScriptedHandler.requests)
    return outcomes


def test_the_async_request_keeps_the_retries_cap_and_deadline_of_the_sync_one(
    scripted: str, tmp_path: Path
) -> None:
    reply = chat_completion("m", image_answer({}))
    ScriptedHandler.script = [(503, b"busy", 0.0), (200, reply, 0.0)]
    sync, sync_requests, concurrent, async_requests = _predict_both_ways(
        scripted, tmp_path / "retry", max_retries=1
    )
    assert sync.status == concurrent.status == "ok" and sync_requests == async_requests == 2
    assert concurrent.modal["image1"].read_bytes() == sync.modal["image1"].read_bytes()

    ScriptedHandler.script = [(404, b'{"error": "no such model"}', 0.0)]
    sync, _, concurrent, async_requests = _predict_both_ways(scripted, tmp_path / "refused")
    assert type(sync) is type(concurrent) is ModelError and async_requests == 1
    assert str(sync) == str(concurrent) and "HTTP 404" in str(concurrent)

    ScriptedHandler.script = [(200, reply, 0.0)]
    sync, _, concurrent, _ = _predict_both_ways(
        scripted, tmp_path / "large", max_reply_bytes=len(reply) - 1
    )
    assert isinstance(sync, ReplyTooLargeError) and isinstance(concurrent, ReplyTooLargeError)
    assert str(sync) == str(concurrent)
    assert f"over the {len(reply) - 1}-byte cap" in str(concurrent)

    ScriptedHandler.script = [(200, reply, 3.0)]
    started = time.monotonic()
    sync, _, concurrent, _ = _predict_both_ways(scripted, tmp_path / "slow", timeout_s=0.5)
    assert isinstance(sync, ModelTimeoutError) and isinstance(concurrent, ModelTimeoutError)
    assert str(sync) == str(concurrent)
    assert "ran past its 0.5 s deadline" in str(concurrent)
    assert time.monotonic() - started < 5  # two deadlines, not two 3 s replies
