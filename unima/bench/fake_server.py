"""A fake OpenAI-compatible model server on 127.0.0.1: a fixed latency and a fixed number of slots.

What ``unima bench run --concurrency N`` is measured against (``benchmarks/harness.py``) and
tested against (``tests/test_bench_concurrency.py``). Like a vLLM server started with
``--max-num-seqs SLOTS`` whose every answer takes the same time, it serves at most ``slots``
requests at once, each for ``latency_s``; requests beyond the slots wait in line for one. Its
greatest throughput is therefore ``slots / latency_s`` requests a second, whatever the client
does; a client reaches it only by keeping every slot busy.

It counts what a test or a benchmark asks about: requests answered, the most open at once
(received and not yet answered: what the client keeps in flight) and the most in its slots at
once. Each answer is the UniM answer format of ``prompts/bench_openai.j2`` with one small PNG
bound to ``<image1>``, so the harness decodes, checks and publishes a file for every request,
as it would for a real model.
"""

from __future__ import annotations

import base64
import json
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

# A 1x1 PNG: the smallest file every answer carries.
PIXEL_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)

Latency = float | Callable[[dict[str, Any]], float]
Reply = Callable[[dict[str, Any]], str]


def request_text(body: dict[str, Any]) -> str:
    """The text of a chat request's user message (where the instance's request is)."""
    texts = []
    for message in body.get("messages", []):
        content = message.get("content") if isinstance(message, dict) else None
        if message.get("role") != "user":
            continue
        if isinstance(content, str):
            texts.append(content)
        elif isinstance(content, list):
            texts += [part.get("text", "") for part in content if isinstance(part, dict)]
    return "\n".join(texts)


def image_answer(body: dict[str, Any]) -> str:
    """The default reply: a sentence and one PNG for ``<image1>``, in the UniM answer format."""
    media = {"image1": {"base64": base64.b64encode(PIXEL_PNG).decode(), "mime": "image/png"}}
    return json.dumps({"content": "Here is the answer: see <image1>.", "media": media})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # the listen backlog: a burst of connections must not be dropped
    fake: FakeModelServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up on a request (its deadline) closed the connection: not news.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real server: no reconnect per request
    # The headers and the body go out in two writes; with Nagle's algorithm on, the body would
    # wait for the client's delayed ACK (40 ms), a latency no real server adds.
    disable_nagle_algorithm = True
    server: _Server

    def do_POST(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length))
        except ValueError:
            self._send(400, b'{"error": {"message": "the body is not JSON"}}')
            return
        fake.opened()
        try:
            if not self.path.endswith("/chat/completions"):
                self._send(404, b'{"error": {"message": "only /chat/completions is served"}}')
                return
            if not fake.serve(body):
                self._send(503, b'{"error": {"message": "the server is stopping"}}')
                return
            self._send(200, _completion(str(body.get("model", "")), fake.reply(body)))
        finally:
            fake.closed()

    def _send(self, status: int, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # a line per request would drown the benchmark's output


class FakeModelServer:
    """An OpenAI-compatible chat endpoint with ``slots`` slots, each request ``latency_s`` long.

    Use as a context manager: the server listens on 127.0.0.1 on a free port while inside.

    Args:
        slots: requests served at once; the rest wait for a slot.
        latency_s: seconds each request holds its slot, or a function of the request body
            (a test makes one instance slow).
        reply: the assistant text for a request body (default: ``image_answer``).
        model: the model name in the spec (the server answers to any).

    Attributes:
        served: requests answered.
        max_open: the most requests open at once (received, not yet answered).
        max_busy: the most requests in the slots at once (at most ``slots``).
    """

    def __init__(
        self,
        *,
        slots: int,
        latency_s: Latency,
        reply: Reply = image_answer,
        model: str = "fake-mllm",
    ) -> None:
        if slots < 1:
            raise ValueError(f"slots must be >= 1, got {slots}")
        self.slots = slots
        self.latency_s = latency_s
        self.reply = reply
        self.model = model
        self.served = 0
        self.open = 0
        self.max_open = 0
        self.busy = 0
        self.max_busy = 0
        self._lock = threading.Lock()
        self._slots = threading.Semaphore(slots)
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def max_per_second(self) -> float:
        """The greatest throughput (requests a second), for a fixed ``latency_s``."""
        if callable(self.latency_s):
            raise ValueError("a server whose latency varies per request has no fixed maximum")
        return self.slots / self.latency_s

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake server is not running (use it in a with block)")
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    @property
    def spec(self) -> str:
        """The model spec for ``unima bench run --model``."""
        return f"openai-compatible:{self.base_url}:{self.model}"

    def __enter__(self) -> FakeModelServer:
        self._stopping.clear()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="fake-model-server", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stopping.set()  # requests asleep in their slots end now
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def reset_counts(self) -> None:
        """Zero the counters (between measurements on one server)."""
        with self._lock:
            self.served = self.max_open = self.max_busy = 0

    # -- called by the request handler threads ---------------------------------------------

    def opened(self) -> None:
        with self._lock:
            self.open += 1
            self.max_open = max(self.max_open, self.open)

    def closed(self) -> None:
        with self._lock:
            self.open -= 1

    def serve(self, body: dict[str, Any]) -> bool:
        """Hold a slot for the request's latency; ``False`` when the server stopped first."""
        latency = self.latency_s(body) if callable(self.latency_s) else self.latency_s
        while not self._slots.acquire(timeout=0.1):
            if self._stopping.is_set():
                return False
        try:
            with self._lock:
                self.busy += 1
                self.max_busy = max(self.max_busy, self.busy)
            stopped = self._stopping.wait(latency) if latency > 0 else False
            with self._lock:
                self.busy -= 1
                if not stopped:
                    self.served += 1
            return not stopped
        finally:
            self._slots.release()


def _completion(model: str, content: str) -> bytes:
    return json.dumps(
        {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }
    ).encode()
