"""What the hosted tool backends share: the endpoint a spec names, its key, one client, errors.

A hosted backend's location is ``MODEL`` for ``openai`` (``generate_image=openai:gpt-image-1``,
served by api.openai.com) and ``BASE_URL:MODEL`` for ``openai-compatible``
(``synthesize_speech=openai-compatible:http://127.0.0.1:8000/v1:kokoro``: vLLM, LocalAI,
Kokoro-FastAPI, any server speaking the OpenAI Images or Audio API), read with the chat models'
``COMPATIBLE_PATTERN``. The key is ``UNIMA_TOOL_API_KEY``; ``openai`` falls back to
``OPENAI_API_KEY`` and refuses to start without a key. A compatible server is never sent
``OPENAI_API_KEY`` (it may be a third party's): it gets ``UNIMA_TOOL_API_KEY`` or a placeholder.
Replies (and linked files) over ``UNIMA_TOOL_MAX_REPLY_BYTES`` are refused unread.

``HostedModel`` holds one backend's endpoint. Its client (the ``openai`` SDK over
``unima.llm.transport.GuardedTransport``: every reply read under a byte cap) is built once per
process and endpoint through ``SHARED_MODELS``, and every request runs under
``unima.llm.calls.call_model``, so a server that trickles bytes cannot hold a step past its
deadline. HTTP and API failures become a ``ToolError`` that names the server and the fix; a
refused key (401), a forbidden request (403) and an unknown model (404) are not recoverable,
since the planner's arguments cannot change them.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from unima.errors import ConfigError, ModelTimeoutError, ReplyTooLargeError, ToolError
from unima.llm.calls import call_model
from unima.llm.chat_models import COMPATIBLE_PATTERN
from unima.tools.common import library_versions
from unima.tools.models.loading import SHARED_MODELS, LoadedModel, model_record, require_module

T = TypeVar("T")

OPENAI_BASE_URL = "https://api.openai.com/v1"
EXTRA = "openai"
KEY_SETTING = "UNIMA_TOOL_API_KEY"
# A compatible server that checks no key still needs the header to be present.
PLACEHOLDER_KEY = "not-needed"
# Generated media is large: a 1536x1024 PNG as base64 is about 4 MB, four minutes of 24 kHz
# WAV about 12 MB. Anything past this is not a picture or a clip of one step.
# The per-request timeout is the step's (``step_timeout_s``); this only bounds a request made
# with none.
CLIENT_TIMEOUT_S = 180.0
# One retry inside the SDK covers a dropped connection; more would multiply the step's wait.
MAX_RETRIES = 1
SERVER_MESSAGE_CHARACTERS = 300
PORT_AND_PATH = re.compile(r"^\d+(?:/|$)")
# Statuses a retry with other arguments cannot fix: the key, the permission, the model or route.
TERMINAL_STATUSES = {
    401: "refused the key",
    403: "refused the request as not permitted for this key",
    404: "has no such model or endpoint",
}


@dataclass(frozen=True)
class HostedClient:
    """An endpoint's clients: ``openai`` for the API, ``http`` (its transport) for downloads."""

    openai: Any
    http: Any


class HostedModel:
    """One hosted backend's endpoint: parsed from its location, checked, called.

    Args:
        backend: ``openai`` or ``openai-compatible``.
        location: ``MODEL`` (``openai``; None: ``default_model``) or ``BASE_URL:MODEL``.
        feature: what the backend is, for messages (``"the openai image backend"``).
        default_model: the ``openai`` model when the spec names none.
        example: a model name for the example in messages.
        max_reply_bytes: replies over this many bytes are refused unread (None: the setting
            ``tool_max_reply_bytes``).

    Raises:
        ConfigError: the location cannot be read.
    """

    def __init__(
        self,
        backend: str,
        location: str | None,
        *,
        feature: str,
        default_model: str,
        example: str,
        max_reply_bytes: int | None = None,
    ) -> None:
        self.backend = backend
        self.feature = feature
        self.max_reply_bytes = max_reply_bytes
        self.base_url, self.model = parse_location(
            backend, location, feature=feature, default_model=default_model, example=example
        )

    @property
    def server(self) -> str:
        """``BASE_URL|MODEL``: which server a call goes to, as ``call_model`` keys it."""
        return f"{self.base_url}|{self.model}"

    def check_ready(self, settings: Any) -> None:
        """Raise ``MissingExtraError`` without the ``openai`` package, ``ConfigError`` without
        a key for api.openai.com."""
        require_module("openai", self.feature, EXTRA)
        self.api_key(settings)

    def api_key(self, settings: Any) -> str:
        """``UNIMA_TOOL_API_KEY``; for api.openai.com else ``OPENAI_API_KEY``; a placeholder for
        a compatible server (never the OpenAI key, which is not that server's to see)."""
        key = settings.tool_api_key or (
            os.environ.get("OPENAI_API_KEY") if self.backend == "openai" else None
        )
        if key:
            return str(key)
        if self.backend == "openai":
            raise ConfigError(
                f"{self.feature} ({self.model}) needs an OpenAI API key: set {KEY_SETTING} or "
                "OPENAI_API_KEY"
            )
        return PLACEHOLDER_KEY

    def version(self) -> str:
        """The SDK's version, the model and the server: part of the artifact cache key."""
        return f"{library_versions('openai')}; model {self.model} at {self.base_url}"

    def client(self, settings: Any) -> LoadedModel:
        """The endpoint's ``HostedClient``, built on first use and shared by every step."""
        key = self.api_key(settings)
        # The key's hash, not the key, tells clients apart: the model keys may be logged.
        key_hash = hashlib.sha256(key.encode()).hexdigest()[:12]
        cap = self.max_reply_bytes or settings.tool_max_reply_bytes
        return SHARED_MODELS.get(
            (*self._shared_prefix(), key_hash, str(cap)),
            lambda: build_client(self.base_url, key, max_reply_bytes=cap),
        )

    def close(self) -> None:
        SHARED_MODELS.close(self._shared_prefix())

    def call(self, tool: str, call: str, function: Callable[[], T], *, timeout_s: float) -> T:
        """``function()`` (one request to the endpoint) under a wall-clock deadline, its
        failures as ``ToolError``s naming the server and the fix."""
        try:
            return call_model(
                function, call=call, model=self.model, timeout_s=timeout_s, server=self.server
            )
        except ReplyTooLargeError as error:
            raise ToolError(
                f"{self.model} at {self.base_url}: {error}", tool=tool, recoverable=False
            ) from error
        except Exception as error:
            translated = self._tool_error(tool, error, timeout_s=timeout_s)
            if translated is None:  # not the server's failure: a bug, left as it is
                raise
            raise translated from error

    def download(self, loaded: LoadedModel, tool: str, url: str, *, timeout_s: float) -> bytes:
        """The file at ``url`` (an image the server links to instead of sending), read with
        the endpoint's own transport, so under the same byte cap and deadline."""
        if urlsplit(url).scheme not in ("http", "https"):
            raise ToolError(
                f"{self.model} at {self.base_url} linked its result at {url[:80]!r}, which is "
                "not an http(s) address",
                tool=tool,
                recoverable=False,
            )

        def fetch() -> bytes:
            response = loaded.value.http.get(url, timeout=timeout_s, follow_redirects=True)
            response.raise_for_status()
            return bytes(response.content)

        return self.call(tool, "download", fetch, timeout_s=timeout_s)

    def record(self, loaded: LoadedModel, seconds: float) -> dict[str, Any]:
        """The artifact's ``meta["model"]``: the model, its server, no device or dtype."""
        return {
            **model_record(
                backend=self.backend,
                model=self.model,
                revision="",
                loaded=loaded,
                seconds=seconds,
            ),
            "base_url": self.base_url,
        }

    # -- helpers -----------------------------------------------------------------------------

    def _shared_prefix(self) -> tuple[str, ...]:
        return ("hosted", self.base_url, self.model)

    def _tool_error(self, tool: str, error: Exception, *, timeout_s: float) -> ToolError | None:
        """An SDK or HTTP failure as a ``ToolError`` (what the server said, what to do);
        ``None`` for any other exception."""
        # The SDK is imported here only: this module loads without the extra installed.
        import httpx
        import openai

        where = f"{self.model} at {self.base_url}"
        if isinstance(error, ModelTimeoutError | openai.APITimeoutError | httpx.TimeoutException):
            return ToolError(
                f"{where} did not answer within {timeout_s:g} s (step_timeout_s); check that "
                "the server is up and not overloaded",
                tool=tool,
                recoverable=False,
            )
        if isinstance(error, openai.APIStatusError | httpx.HTTPStatusError):
            status = error.response.status_code
            said = _server_message(error)
            # A download's 404 is a stale link, not a missing model: only API replies count.
            if isinstance(error, openai.APIStatusError) and status in TERMINAL_STATUSES:
                fix = {
                    401: f"set {KEY_SETTING} to a key this server accepts",
                    403: "check the key's project and permissions on the server",
                    404: f"check the model name {self.model!r} and the base URL",
                }[status]
                return ToolError(
                    f"{where} {TERMINAL_STATUSES[status]} (HTTP {status}: {said}); {fix}",
                    tool=tool,
                    recoverable=False,
                )
            return ToolError(f"{where} answered HTTP {status}: {said}", tool=tool)
        if isinstance(error, openai.APIConnectionError | httpx.TransportError):
            # The SDK says 'Connection error.'; the cause says which (refused, no such host).
            return ToolError(
                f"cannot reach {where}: {error.__cause__ or error}; check that the server is "
                "running and the base URL is right",
                tool=tool,
                recoverable=False,
            )
        if isinstance(error, openai.OpenAIError | httpx.HTTPError):
            return ToolError(f"{where} failed: {error}", tool=tool)
        return None


def parse_location(
    backend: str, location: str | None, *, feature: str, default_model: str, example: str
) -> tuple[str, str]:
    """(base URL, model) from a hosted backend's location.

    Raises:
        ConfigError: ``openai-compatible`` without ``BASE_URL:MODEL``, or a model name with
            spaces.
    """
    if backend == "openai":
        model = (location or default_model).strip()
        if not model or any(character.isspace() for character in model):
            raise ConfigError(
                f"{feature}: {location!r} is not a model name; give openai:MODEL, "
                f"e.g. openai:{default_model}"
            )
        return OPENAI_BASE_URL, model
    match = COMPATIBLE_PATTERN.match((location or "").strip())
    # 'http://host:8000/v1' matches as the base 'http://host' and the model '8000/v1': a URL
    # with its model left out, not a model whose name starts with a port.
    if match is None or PORT_AND_PATH.match(match.group("model")):
        raise ConfigError(
            f"{feature} needs openai-compatible:BASE_URL:MODEL, got {location!r}; e.g. "
            f"openai-compatible:http://127.0.0.1:8000/v1:{example}"
        )
    return match.group("base").rstrip("/"), match.group("model")


def build_client(base_url: str, api_key: str, *, max_reply_bytes: int) -> HostedClient:
    """The ``openai`` client of one endpoint, over a transport that caps every reply."""
    # openai and httpx come with the 'openai' extra (checked in check_ready).
    import httpx
    import openai

    from unima.llm.transport import GuardedTransport

    http = httpx.Client(
        transport=GuardedTransport(
            max_reply_bytes=max_reply_bytes, cap_name="UNIMA_TOOL_MAX_REPLY_BYTES"
        ),
        timeout=CLIENT_TIMEOUT_S,
    )
    client = openai.OpenAI(
        api_key=api_key,
        base_url=base_url,
        timeout=CLIENT_TIMEOUT_S,
        max_retries=MAX_RETRIES,
        # Typed as an httpx2 client, but the SDK takes an httpx one too (the transport is one).
        http_client=http,  # type: ignore[arg-type]
    )
    return HostedClient(openai=client, http=http)


def _server_message(error: Exception) -> str:
    """The server's own words about the failure, shortened."""
    body = getattr(error, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        message = inner.get("message") if isinstance(inner, dict) else inner
        if message:
            return str(message)[:SERVER_MESSAGE_CHARACTERS]
    return str(error)[:SERVER_MESSAGE_CHARACTERS]
