"""Any chat MLLM behind an OpenAI-compatible API (``--model openai-compatible:BASE_URL:MODEL``).

The request is built by ``unima.bench.openai_request`` (inputs as content parts, the placeholder
protocol in the system prompt) and the answer read by ``unima.bench.openai_reply`` (media
decoded, sniffed, saved and bound to their placeholders). The key comes from
``UNIMA_LLM_API_KEY`` (or ``OPENAI_API_KEY``); local servers usually accept any value.

The call is a plain ``POST BASE_URL/chat/completions`` through httpx rather than through a
client library, because a reply carrying base64 media can be large: the body is read in chunks
(``unima.llm.transport.GuardedTransport``) and refused past ``max_reply_bytes`` instead of
being buffered whole. Connection errors, 429 and 5xx answers are retried ``max_retries`` times
with exponential back-off. ``timeout_s`` is one wall-clock deadline for the whole exchange of an
instance, retries and back-off included (``unima.llm.calls.call_model``): a server that
trickles bytes or never answers costs ``timeout_s``, then a ``ModelTimeoutError``. The answer
text kept in the prediction (and so in the run's store) is cut at ``max_content_chars``, and the
cut is recorded in the prediction's problems.

``apredict`` is the same exchange on an event loop (``--concurrency N``): one
``httpx.AsyncClient`` per loop, its connections re-used, the same retries, byte cap and
``timeout_s`` deadline (``asyncio.timeout``, which cancels the request where it stands); reading
the inputs and the reply's media run on threads.

Options (plain values):
    temperature (0.0), max_tokens (8192; None: the server's default), timeout_s (300),
    max_retries (2), send_audio (False), allow_urls (False), max_media_bytes (50 MiB),
    max_media_items (24), max_reply_bytes (64 MiB), max_content_chars (200000),
    max_images_per_input (4),
    max_image_side (1024), max_image_bytes (1.5 MB), max_text_chars (6000),
    max_audio_seconds (60), extra_body (a dict merged into the request body, e.g. vLLM's
    ``{"top_k": 1}`` or ``{"modalities": ["text", "audio"]}``).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import difflib
import json
import os
import time
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import httpx

from unima.bench.models import ServerModelAdapter, package_versions
from unima.bench.openai_reply import ReplyLimits, read_reply
from unima.bench.openai_request import BuiltRequest, RequestLimits, build_request
from unima.bench.records import Answer
from unima.errors import ConfigError, ModelError, ModelTimeoutError, ReplyTooLargeError
from unima.llm.calls import call_model, current_call_limits
from unima.llm.chat_models import parse_chat_spec
from unima.llm.transport import GuardedTransport
from unima.types import placeholder_tags

if TYPE_CHECKING:
    from unima.bench.datasets.unim import UnimInstance

# Option name -> (type, default). Types are checked so a typo'd CLI value fails at start-up.
OPTIONS: dict[str, tuple[type | tuple[type, ...], Any]] = {
    "temperature": ((int, float), 0.0),
    "max_tokens": ((int, type(None)), 8192),
    "timeout_s": ((int, float), 300.0),
    "max_retries": (int, 2),
    "send_audio": (bool, False),
    "allow_urls": (bool, False),
    "max_media_bytes": (int, 50 * 2**20),
    "max_media_items": (int, 24),
    "max_reply_bytes": (int, 64 * 2**20),
    "max_content_chars": (int, 200_000),
    "max_images_per_input": (int, 4),
    "max_image_side": (int, 1024),
    "max_image_bytes": (int, 1_500_000),
    "max_text_chars": (int, 6_000),
    "max_audio_seconds": ((int, float), 60.0),
    "extra_body": ((dict, type(None)), None),
}
RETRIED_STATUS = {408, 409, 429, 500, 502, 503, 504}


class OpenAICompatibleModel(ServerModelAdapter):
    """A chat model served with the OpenAI chat-completions API, asked for interleaved answers."""

    name: ClassVar[str] = "openai-compatible"

    def __init__(self, spec: str, **options: Any) -> None:

        super().__init__(spec, **options)
        provider, base_url, model = parse_chat_spec(spec)
        if provider != "openai-compatible" or base_url is None:
            raise ConfigError(f"expected openai-compatible:BASE_URL:MODEL, got {spec!r}")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.settings = _checked_options(options)
        self.request_limits = RequestLimits(
            max_images_per_input=self.settings["max_images_per_input"],
            max_image_side=self.settings["max_image_side"],
            max_image_bytes=self.settings["max_image_bytes"],
            max_text_chars=self.settings["max_text_chars"],
            send_audio=self.settings["send_audio"],
            max_audio_seconds=float(self.settings["max_audio_seconds"]),
        )
        self.reply_limits = ReplyLimits(
            max_media_bytes=self.settings["max_media_bytes"],
            max_media_items=self.settings["max_media_items"],
            allow_urls=self.settings["allow_urls"],
            url_timeout_s=float(self.settings["timeout_s"]),
        )
        # (loop, client): an httpx.AsyncClient belongs to the event loop it was opened on.
        self._async_client: tuple[asyncio.AbstractEventLoop, httpx.AsyncClient] | None = None

    def describe(self) -> dict[str, Any]:
        return {
            "adapter": self.name,
            "spec": self.spec,
            "base_url": self.base_url,
            "model": self.model,
            "options": {key: value for key, value in sorted(self.settings.items())},
            "versions": package_versions("httpx"),
        }

    def predict(self, instance: UnimInstance, media_root: Path, out_dir: Path) -> Answer:
        built = self._built(instance, media_root)
        body = self._body(built)
        reply = call_model(
            lambda: self._post(body),
            call="predict",
            model=self.model,
            server=self.base_url,
            timeout_s=float(self.settings["timeout_s"]),
        )
        return self._answer(built, reply, out_dir)

    async def apredict(
        self,
        instance: UnimInstance,
        media_root: Path,
        out_dir: Path,
        *,
        request_slot: AbstractAsyncContextManager[object] | None = None,
    ) -> Answer:
        built = await asyncio.to_thread(self._built, instance, media_root)
        body = self._body(built)
        # The slot covers the retries and their back-off: the deadline below starts once the
        # request may go out, so time spent waiting for a slot is not the server's.
        async with request_slot or nullcontext():
            reply = await self._apost(body)
        return await asyncio.to_thread(self._answer, built, reply, out_dir)

    async def aclose(self) -> None:
        client, self._async_client = self._async_client, None
        if client is not None and client[0] is asyncio.get_running_loop():
            await client[1].aclose()

    def _built(self, instance: UnimInstance, media_root: Path) -> BuiltRequest:
        return build_request(
            instance,
            media_root,
            self.request_limits,
            allow_urls=self.reply_limits.allow_urls,
            max_media_bytes=self.reply_limits.max_media_bytes,
        )

    def _body(self, built: BuiltRequest) -> dict[str, Any]:
        body: dict[str, Any] = {
            **(self.settings["extra_body"] or {}),
            "model": self.model,
            "messages": built.messages,
            "temperature": self.settings["temperature"],
        }
        if self.settings["max_tokens"] is not None:
            body["max_tokens"] = self.settings["max_tokens"]
        return body

    def _answer(self, built: BuiltRequest, reply: dict[str, Any], out_dir: Path) -> Answer:
        text, audio, notes = _message_of(reply)
        if built.whole_reply:
            kept, _, cut = _clipped(text, {}, self.settings)
            noted = (*built.problems, *notes, *cut)
            return Answer(content=kept, status="partial" if noted else "ok", problems=noted)
        result = read_reply(text, out_dir, self.reply_limits, audio=audio)
        content, modal, cut = _clipped(result.content, result.modal, self.settings)
        problems = (*built.problems, *notes, *result.problems, *cut)
        status = result.status
        if status == "ok" and problems:
            status = "partial"
        return Answer(content=content, modal=modal, status=status, problems=problems)

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST the request; the parsed JSON reply. Retries transient failures.

        Runs under ``call_model``: the transport cuts each attempt's timeouts to the time left
        and refuses to start an attempt past the deadline.
        """

        url = f"{self.base_url}/chat/completions"
        attempts = self.settings["max_retries"] + 1
        last_error = ""
        for attempt in range(attempts):
            if attempt:
                limits = current_call_limits()
                pause = _pause(attempt)
                time.sleep(min(pause, limits.remaining()) if limits is not None else pause)
            transport = GuardedTransport(max_reply_bytes=self.settings["max_reply_bytes"])
            try:
                with (
                    httpx.Client(
                        transport=transport, timeout=float(self.settings["timeout_s"])
                    ) as client,
                    client.stream("POST", url, json=body, headers=_headers()) as response,
                ):
                    data = response.read()
            except httpx.HTTPError as error:
                last_error = f"{type(error).__name__}: {error}"
                continue
            parsed, last_error = _parsed(url, response.status_code, data)
            if parsed is not None:
                return parsed
        raise ModelError(f"{url} failed after {attempts} attempt(s): {last_error}")

    async def _apost(self, body: dict[str, Any]) -> dict[str, Any]:
        """``_post`` on the event loop: the same retries, under one wall-clock deadline.

        The deadline (``timeout_s``, retries and back-off included) cancels the request where
        it stands, so a server that trickles bytes or never answers costs ``timeout_s``. The
        body is read in chunks and refused past ``max_reply_bytes``, as ``GuardedTransport``
        does for ``_post``.
        """

        timeout_s = float(self.settings["timeout_s"])
        url = f"{self.base_url}/chat/completions"
        attempts = self.settings["max_retries"] + 1
        last_error = ""
        started = time.monotonic()
        try:
            async with asyncio.timeout(timeout_s) as deadline:
                for attempt in range(attempts):
                    if attempt:
                        await asyncio.sleep(_pause(attempt))
                    try:
                        data, status = await self._exchange(url, body)
                    except httpx.HTTPError as error:
                        last_error = f"{type(error).__name__}: {error}"
                        continue
                    parsed, last_error = _parsed(url, status, data)
                    if parsed is not None:
                        return parsed
        except TimeoutError:
            if not deadline.expired():
                raise
            elapsed = time.monotonic() - started
            raise ModelTimeoutError(
                f"{self.model}: the predict call ran past its {timeout_s:g} s deadline (the "
                "call's deadline); the server is too slow or not answering",
                call="predict",
                model=self.model,
                elapsed_s=elapsed,
                deadline_s=timeout_s,
            ) from None
        raise ModelError(f"{url} failed after {attempts} attempt(s): {last_error}")

    async def _exchange(self, url: str, body: dict[str, Any]) -> tuple[bytes, int]:
        """One POST: the reply body, read under the byte cap, and the status code."""
        cap = self.settings["max_reply_bytes"]
        async with self._client().stream("POST", url, json=body, headers=_headers()) as response:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > cap:
                raise _too_large(self.model, cap)
            received = bytearray()
            async for chunk in response.aiter_bytes():
                received += chunk
                if len(received) > cap:
                    raise _too_large(self.model, cap)
            return bytes(received), response.status_code

    def _client(self) -> httpx.AsyncClient:
        """The HTTP client of the running loop: one per loop, its connections re-used."""
        loop = asyncio.get_running_loop()
        if self._async_client is None or self._async_client[0] is not loop:
            # No pool limit: the runner's concurrency is the limit, and a pool smaller than it
            # (httpx's default is 100) would queue requests here instead of at the server.
            client = httpx.AsyncClient(
                timeout=float(self.settings["timeout_s"]),
                limits=httpx.Limits(max_connections=None, max_keepalive_connections=None),
            )
            self._async_client = (loop, client)
        return self._async_client[1]


def _headers() -> dict[str, str]:
    key = os.environ.get("UNIMA_LLM_API_KEY") or os.environ.get("OPENAI_API_KEY") or "none"
    return {"Authorization": f"Bearer {key}"}


def _pause(attempt: int) -> float:
    """The back-off before retry ``attempt`` (1, 2, 4 ... seconds, at most 30)."""
    return min(2.0 ** (attempt - 1), 30.0)


def _parsed(url: str, status: int, data: bytes) -> tuple[dict[str, Any] | None, str]:
    """The reply's JSON object, or ``None`` and why when the request is worth retrying.

    Raises:
        ModelError: the server refused the request (a status not worth retrying) or answered
            with something that is not a JSON object.
    """
    if status in RETRIED_STATUS:
        return None, f"HTTP {status}: {_snippet(data)}"
    if status != 200:
        raise ModelError(
            f"{url} answered HTTP {status}: {_snippet(data)}; "
            "check the model name, the key (UNIMA_LLM_API_KEY) and the request"
        )
    try:
        parsed = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelError(f"{url} answered with a body that is not JSON ({error})") from None
    if not isinstance(parsed, dict):
        raise ModelError(f"{url} answered with JSON that is not an object")
    return parsed, ""


def _too_large(model: str, cap: int) -> ReplyTooLargeError:
    return ReplyTooLargeError(
        f"{model}: the predict call: the model's reply is over the {cap}-byte cap "
        f"(max_reply_bytes={cap}) and was refused; raise max_reply_bytes if such replies are "
        "expected (large generated media)",
        max_reply_bytes=cap,
    )


def _clipped(
    content: str, modal: Mapping[str, Path], settings: dict[str, Any]
) -> tuple[str, Mapping[str, Path], list[str]]:
    """The answer text cut at ``max_content_chars``, the media still placed in it, the notes."""

    limit = settings["max_content_chars"]
    if len(content) <= limit:
        return content, modal, []
    kept = content[:limit]
    notes = [
        f"the answer text was cut at max_content_chars={limit} (it had {len(content)} characters)"
    ]
    placed = set(placeholder_tags(kept))
    dropped = [tag for tag in modal if tag not in placed]
    if dropped:
        notes.append(f"media whose placeholders were cut off were dropped: {', '.join(dropped)}")
    return kept, {tag: path for tag, path in modal.items() if tag in placed}, notes


def _message_of(reply: dict[str, Any]) -> tuple[str, bytes | None, list[str]]:
    """The assistant text, any returned audio, and notes on the reply's shape."""
    choices = reply.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise ModelError(f"the reply has no choices: {_snippet(json.dumps(reply).encode())}")
    message = choices[0].get("message") or {}
    notes = []
    if choices[0].get("finish_reason") == "length":
        notes.append("the reply was cut at max_tokens; raise max_tokens")
    content = message.get("content")
    if isinstance(content, list):
        # Some servers return content parts; the text parts are the answer.
        content = "".join(part.get("text", "") for part in content if isinstance(part, dict))
    text = content if isinstance(content, str) else ""
    audio = None
    audio_entry = message.get("audio")
    if isinstance(audio_entry, dict) and isinstance(audio_entry.get("data"), str):
        try:
            audio = base64.b64decode(audio_entry["data"], validate=True)
        except (binascii.Error, ValueError):
            notes.append("the returned audio is not valid base64; ignored")
        if not text and isinstance(audio_entry.get("transcript"), str):
            text = audio_entry["transcript"]
    return text, audio, notes


def _checked_options(options: dict[str, Any]) -> dict[str, Any]:
    settings = {name: default for name, (_, default) in OPTIONS.items()}
    for name, value in options.items():
        if name not in OPTIONS:
            close = difflib.get_close_matches(name, list(OPTIONS), n=2)
            hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise ConfigError(f"unknown option {name!r} for the openai-compatible model.{hint}")
        expected = OPTIONS[name][0]
        if isinstance(value, str):
            value = _from_text(name, value, _as_tuple(expected))
        if isinstance(value, bool) and expected is not bool and bool not in _as_tuple(expected):
            raise ConfigError(f"option {name}={value!r} must be a number, not a boolean")
        if not isinstance(value, expected):
            raise ConfigError(f"option {name}={value!r} has the wrong type")
        if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
            raise ConfigError(f"option {name}={value!r} must not be negative")
        settings[name] = value
    return settings


def _from_text(name: str, text: str, expected: tuple[type, ...]) -> Any:
    """A CLI string (``--model-option send_audio=true``) as the option's type."""
    lowered = text.strip().lower()
    if bool in expected:
        if lowered in ("true", "yes", "1", "on"):
            return True
        if lowered in ("false", "no", "0", "off"):
            return False
    if type(None) in expected and lowered in ("none", "null", ""):
        return None
    readers: list[Any] = [json.loads] if dict in expected else []
    readers += [kind for kind in (int, float) if kind in expected]
    for reader in readers:
        try:
            return reader(text)
        except ValueError:  # json.JSONDecodeError is a ValueError too
            continue
    raise ConfigError(
        f"cannot read option {name}={text!r} as {' or '.join(t.__name__ for t in expected)}"
    )


def _as_tuple(expected: type | tuple[type, ...]) -> tuple[type, ...]:
    return expected if isinstance(expected, tuple) else (expected,)


def _snippet(data: bytes) -> str:
    return data[:300].decode("utf-8", errors="replace")
