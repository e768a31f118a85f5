"""Slow and hostile model servers (issue 10, items 4 and 5), served on loopback.

Item 4: a server that trickles one byte every 0.2 s, or never answers, must cost one wall-clock
deadline per model call, later calls in the same run fail fast, and the trace names the call
that ran out. Item 5: a huge reply is refused or cut at a byte cap, never stored whole, and
``max_tokens`` is sent to the server.
"""

from __future__ import annotations

import contextlib
import functools
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import pytest
from loopback import chat_completion, serve_on_loopback

from unima import UniMA, load_trace
from unima.bench.datasets.unim import UnimInstance
from unima.bench.models import resolve_model
from unima.errors import ModelError
from unima.eval.judges import resolve_judge
from unima.llm.chat_models import chat_model_from_spec
from unima.perception.configure import resolve_perception_model
from unima.testing import fake_toolbox
from unima.types import Part, Perception

T = TypeVar("T")
REQUEST = "Explain tides. Include one diagram."
HUGE_BYTES = 20 * 2**20
# Generous bound on one test body, so code that hangs fails the test instead of the suite.
HANG_GUARD_S = 12.0


class HostileHandler(BaseHTTPRequestHandler):
    """A chat-completions endpoint that trickles, stays silent or answers with a huge reply."""

    mode: ClassVar[str] = "trickle"
    reply: ClassVar[str] = ""
    seen: ClassVar[list[dict[str, Any]]] = []
    stop: ClassVar[threading.Event] = threading.Event()

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).seen.append(body)
        if self.mode == "silent":
            self.stop.wait(30)
            return
        if self.mode == "trickle":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000000")
            self.end_headers()
            for _ in range(150):  # 30 s at most, one byte every 0.2 s
                if self.stop.wait(0.2):
                    return
                try:
                    self.wfile.write(b" ")
                    self.wfile.flush()
                except OSError:  # the client gave up: what we want
                    return
            return
        # "huge": a valid chat completion whose text is the reply; no Content-Length, so the
        # client cannot refuse it before reading.
        data = chat_completion(body.get("model", "m"), self.reply)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        with contextlib.suppress(OSError):
            self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def hostile_server(mode: str, reply: str = "") -> Iterator[str]:
    """Serve ``HostileHandler`` in ``mode``; yields the base URL ending in ``/v1``."""
    HostileHandler.mode = mode
    HostileHandler.reply = reply
    HostileHandler.seen = []
    HostileHandler.stop = threading.Event()
    with serve_on_loopback(HostileHandler) as address:
        try:
            yield f"{address}/v1"
        finally:
            HostileHandler.stop.set()


def within(seconds: float, function: Callable[[], T]) -> tuple[T, float]:
    """``function()`` and its duration; fails the test when it does not return in ``seconds``."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = function()
        except BaseException as error:  # handed back to the test thread
            outcome["error"] = error

    started = time.monotonic()
    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(seconds)
    elapsed = time.monotonic() - started
    if worker.is_alive():
        pytest.fail(f"still waiting on the model server after {seconds:g} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"], elapsed


def model_events(run_trace: Any, kind: str) -> list[Any]:
    return [event for event in run_trace.events if event.kind == kind]


@pytest.fixture
def image_instance(tmp_path: Path) -> tuple[UnimInstance, Path]:
    from PIL import Image

    root = tmp_path / "data"
    folder = root / "general_domain" / "food" / "image"
    folder.mkdir(parents=True)
    Image.new("RGB", (8, 8), (200, 30, 30)).save(folder / "img_0001_01.png")
    instance = UnimInstance.model_validate(
        {
            "domain": "general_domain",
            "subdomain": "food",
            "id": "1",
            "input": {
                "content": "What dish is in <image1>?",
                "modal": {"image1": "image/img_0001_01.png"},
            },
            "output": {"content": "Soup", "modal": {}},
        }
    )
    return instance, root


def test_attack_04_a_trickling_server_cannot_extend_the_reasoner_deadline() -> None:
    with hostile_server("trickle") as base_url:
        agent = UniMA(
            reasoner=f"openai-compatible:{base_url}:slow-model",
            tools=fake_toolbox(),
            llm_timeout_s=1.0,
        )
        response, elapsed = within(HANG_GUARD_S, lambda: agent.respond(REQUEST))
    # One deadline for the first call; every later call fails fast.
    assert elapsed < 4.0, elapsed
    assert response.status in ("ok", "partial")
    trace = load_trace(response.trace_path or "")
    assert trace.status != "running"
    timeouts = model_events(trace, "model_timeout")
    assert len(timeouts) == 1, timeouts
    ran_out = timeouts[0]
    assert ran_out.node == "caption"
    assert ran_out.data["call"] == "caption"
    assert ran_out.data["model"] == "slow-model"
    assert ran_out.data["deadline_s"] == 1.0
    assert 0.9 <= ran_out.data["elapsed_s"] < 2.5
    skipped = model_events(trace, "model_skipped")
    assert {event.data["call"] for event in skipped} >= {"analyse", "plan"}
    assert len(HostileHandler.seen) == 1  # the later calls never reached the server


def test_attack_04_a_silent_server_costs_one_deadline_per_run_not_one_per_call() -> None:
    with hostile_server("silent") as base_url:
        agent = UniMA(
            reasoner=f"openai-compatible:{base_url}:silent-model",
            tools=fake_toolbox(),
            llm_timeout_s=1.0,
            llm_repair_attempts=2,
        )
        response, elapsed = within(HANG_GUARD_S, lambda: agent.respond(REQUEST))
    assert elapsed < 4.0, elapsed
    trace = load_trace(response.trace_path or "")
    assert trace.status in ("ok", "partial")
    assert len(model_events(trace, "model_timeout")) == 1
    assert any(event.kind == "plan_fallback" for event in trace.events)


def test_attack_04_the_run_budget_bounds_the_model_time_of_a_run() -> None:
    with hostile_server("trickle") as base_url:
        agent = UniMA(
            reasoner=f"openai-compatible:{base_url}:slow-model",
            tools=fake_toolbox(),
            llm_timeout_s=30.0,
            llm_budget_s=1.0,
        )
        response, elapsed = within(HANG_GUARD_S, lambda: agent.respond(REQUEST))
    assert elapsed < 4.0, elapsed
    trace = load_trace(response.trace_path or "")
    (ran_out,) = model_events(trace, "model_timeout")
    assert ran_out.data["deadline_s"] == pytest.approx(1.0, abs=0.05)
    assert "budget" in ran_out.data["reason"]


def test_attack_04_the_bench_adapter_has_a_deadline_per_instance(
    image_instance: tuple[UnimInstance, Path], tmp_path: Path
) -> None:
    instance, root = image_instance
    for mode in ("trickle", "silent"):
        with hostile_server(mode) as base_url:
            adapter = resolve_model(
                f"openai-compatible:{base_url}:slow", timeout_s=1.0, max_retries=2
            )
            predict = functools.partial(adapter.predict, instance, root, tmp_path / mode)
            # Retries share the one deadline: a silent server is not asked three times.
            for _ in range(2):
                started = time.monotonic()
                with pytest.raises(ModelError, match="deadline"):
                    within(HANG_GUARD_S, predict)
                assert time.monotonic() - started < 2.5


def test_attack_04_the_llm_judge_times_out_once_then_fails_fast() -> None:
    payload = {"request": "Describe <image1>.", "reference": "A leaf.", "prediction": "A leaf."}
    with hostile_server("silent") as base_url:
        judge = resolve_judge(f"openai-compatible:{base_url}:judge-model", timeout_s=1.0)
        first, first_seconds = within(HANG_GUARD_S, lambda: judge.score("semantic", payload))
        second, second_seconds = within(HANG_GUARD_S, lambda: judge.score("semantic", payload))
    assert first.score is None and "deadline" in first.error
    assert 0.9 <= first_seconds < 2.5
    assert second.score is None and "timed out earlier" in second.error
    assert second_seconds < 0.5
    assert len(HostileHandler.seen) == 1


def test_attack_04_the_perception_model_has_a_wall_clock_deadline(tmp_path: Path) -> None:
    from PIL import Image

    path = tmp_path / "a.png"
    Image.new("RGB", (16, 16), (10, 200, 10)).save(path)
    part = Part(modality="image", tag="image1", path=str(path), meta={"format": "png"})
    perception = Perception(modality="image", summary="A green square.", backend="pillow")
    with hostile_server("trickle") as base_url:
        model = resolve_perception_model(f"openai-compatible:{base_url}:vision", timeout_s=1.0)
        assert model is not None
        result, elapsed = within(HANG_GUARD_S, lambda: model.describe(perception, part))
    assert elapsed < 2.5, elapsed
    assert result.summary == "A green square."
    assert len(result.failures) == 1 and "deadline" in result.failures[0]


def test_attack_05_a_huge_reply_to_the_reasoner_is_refused_at_the_cap() -> None:
    with hostile_server("huge", reply="x" * HUGE_BYTES) as base_url:
        agent = UniMA(
            reasoner=f"openai-compatible:{base_url}:chatty-model",
            tools=fake_toolbox(),
            llm_max_reply_bytes=2**20,
            llm_max_tokens=2048,
        )
        response, elapsed = within(HANG_GUARD_S, lambda: agent.respond(REQUEST))
    assert elapsed < 8.0, elapsed
    assert response.status in ("ok", "partial")
    assert HostileHandler.seen and all(body["max_tokens"] == 2048 for body in HostileHandler.seen)
    trace_path = Path(response.trace_path or "")
    assert trace_path.stat().st_size < 2**20  # the reply was never stored
    trace = load_trace(trace_path)
    refused = model_events(trace, "model_reply_too_large")
    assert refused and refused[0].node == "caption"
    assert refused[0].data["max_reply_bytes"] == 2**20
    # A refused reply is the server's fault: later calls in the run are not sent again.
    assert len(HostileHandler.seen) == 1


def test_attack_05_a_huge_judge_reply_is_refused_and_not_kept() -> None:
    payload = {"request": "Describe <image1>.", "reference": "A leaf.", "prediction": "A leaf."}
    with hostile_server("huge", reply="x" * HUGE_BYTES) as base_url:
        judge = resolve_judge(f"openai-compatible:{base_url}:judge-model", timeout_s=5.0)
        verdict, _ = within(HANG_GUARD_S, lambda: judge.score("semantic", payload))
    assert verdict.score is None and "over the" in verdict.error
    assert len(verdict.raw) < 2**20
    assert HostileHandler.seen[0]["max_tokens"] > 0


def test_attack_05_bench_replies_are_capped_and_the_cut_is_recorded(
    image_instance: tuple[UnimInstance, Path], tmp_path: Path
) -> None:
    instance, root = image_instance
    default = resolve_model("openai-compatible:http://127.0.0.1:9/v1:m")
    # A 200 MB reply must not pass the default cap.
    assert default.settings["max_reply_bytes"] <= 64 * 2**20
    assert default.settings["max_tokens"] is not None
    answer = json.dumps({"content": "y" * HUGE_BYTES, "media": {}})
    with hostile_server("huge", reply=answer) as base_url:
        adapter = resolve_model(f"openai-compatible:{base_url}:chatty", max_reply_bytes=32 * 2**20)
        prediction, _ = within(HANG_GUARD_S, lambda: adapter.predict(instance, root, tmp_path))
        refusing = resolve_model(f"openai-compatible:{base_url}:chatty", max_reply_bytes=2**20)
        with pytest.raises(ModelError, match="max_reply_bytes"):
            within(HANG_GUARD_S, lambda: refusing.predict(instance, root, tmp_path / "r"))
    cap = default.settings["max_content_chars"]
    assert len(prediction.content) <= cap
    assert prediction.status == "partial"
    assert any(f"max_content_chars={cap}" in problem for problem in prediction.problems)
    assert HostileHandler.seen[0]["max_tokens"] == default.settings["max_tokens"]


def test_attack_04_the_eval_captioner_has_a_deadline_and_falls_back_to_perception(
    tmp_path: Path,
) -> None:
    from PIL import Image

    from unima.eval.x2caption import ChatCaptioner, x2caption

    path = tmp_path / "leaf.png"
    Image.new("RGB", (32, 32), (20, 160, 40)).save(path)
    with hostile_server("trickle") as base_url:
        model = chat_model_from_spec(f"openai-compatible:{base_url}:captioner", timeout_s=1.0)
        captioner = ChatCaptioner(model, timeout_s=1.0)
        caption, elapsed = within(
            HANG_GUARD_S, lambda: x2caption(path, "image", captioner=captioner)
        )
    assert elapsed < 2.5, elapsed
    assert caption == x2caption(path, "image")  # the perception evidence, not an error
