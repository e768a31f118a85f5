"""``GuardedTransport``: the httpx transport under every model client unima builds.

It enforces, below the client library (the OpenAI SDK retries and wraps errors), what httpx's
per-read timeout cannot:

- a byte cap on every reply: a declared ``Content-Length`` over the cap is refused before the
  body is read, and a body is read in chunks and refused at the first chunk past the cap, so
  an oversized reply never sits whole in memory;
- the wall-clock deadline of the ``unima.llm.calls.call_model`` call it runs under: each
  request's connect, read and write timeouts are cut to the time left, a chunk that arrives past
  the deadline is refused, and no request (an SDK retry) starts after it.

A refusal is recorded in the call's ``CallLimits``, so ``call_model`` reports the real cause
even when the client library turned the exception into its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx

from unima.errors import ReplyTooLargeError
from unima.llm.calls import CallLimits, current_call_limits

TIMEOUT_KEYS = ("connect", "read", "write", "pool")


class GuardedTransport(httpx.BaseTransport):
    """An httpx transport with a reply byte cap and the current call's deadline.

    Args:
        max_reply_bytes: the largest reply body read.
        cap_name: the setting or option that sets the cap, named in the refusal.
        transport: the transport that does the I/O (default: ``httpx.HTTPTransport()``).
    """

    def __init__(
        self,
        *,
        max_reply_bytes: int,
        cap_name: str = "max_reply_bytes",
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.max_reply_bytes = max_reply_bytes
        self.cap_name = cap_name
        self._inner = transport or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        limits = current_call_limits()
        if limits is not None:
            if limits.refused_bytes is not None:  # a retry after an oversized reply
                raise self._too_large(limits)
            if limits.past_deadline():
                raise httpx.ReadTimeout("the model call is past its deadline", request=request)
            remaining = limits.remaining()
            given = request.extensions.get("timeout") or {}
            request.extensions["timeout"] = {
                key: remaining if given.get(key) is None else min(given[key], remaining)
                for key in TIMEOUT_KEYS
            }
        response = self._inner.handle_request(request)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_reply_bytes:
            response.close()
            raise self._too_large(limits)
        return httpx.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_GuardedStream(response.stream, self, limits, request),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._inner.close()

    def _too_large(self, limits: CallLimits | None) -> ReplyTooLargeError:
        if limits is not None:
            limits.refused_bytes = self.max_reply_bytes
        return ReplyTooLargeError(
            f"the model's reply is over the {self.max_reply_bytes}-byte cap "
            f"({self.cap_name}={self.max_reply_bytes}) and was refused; raise {self.cap_name} "
            "if such replies are expected (large generated media)",
            max_reply_bytes=self.max_reply_bytes,
        )


class _GuardedStream(httpx.SyncByteStream):
    """A response body read under the byte cap and the call's deadline."""

    def __init__(
        self,
        inner: Any,
        transport: GuardedTransport,
        limits: CallLimits | None,
        request: httpx.Request,
    ) -> None:
        self._inner = inner
        self._transport = transport
        self._limits = limits
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        received = 0
        for chunk in self._inner:
            received += len(chunk)
            if received > self._transport.max_reply_bytes:
                raise self._transport._too_large(self._limits)
            if self._limits is not None and self._limits.past_deadline():
                # Trickled bytes keep each read under the read timeout; the deadline does not move.
                raise httpx.ReadTimeout(
                    "the model call ran past its deadline while reading the reply",
                    request=self._request,
                )
            yield chunk

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if close is not None:
            close()
