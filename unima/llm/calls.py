"""Wall-clock deadlines, a run budget and fail-fast for every call unima makes to a model server.

httpx's ``timeout`` is per read, so a server that sends one byte every few seconds keeps a
request alive for ever, and one that never answers costs a full timeout on every call. Here:

- ``call_model`` runs one call on its own daemon thread and stops waiting at a wall-clock
  deadline that nothing the server sends can extend. The abandoned request ends soon after:
  ``unima.llm.transport.GuardedTransport`` (under every chat model unima builds) reads the
  deadline from ``current_call_limits`` and refuses to read or retry past it.
- ``ModelCallScope`` holds what the calls of one run share: a budget of model seconds, and the
  servers that already timed out or sent an oversized reply, whose later calls fail at once
  (``model_skipped``) instead of each waiting a full deadline. What ran out is reported to its
  ``on_event`` hook, which the agent points at the trace: ``model_timeout`` (call, model,
  elapsed, deadline, reason), ``model_reply_too_large`` and ``model_skipped``.

Nodes activate the run's scope around reasoner and perception calls (``scope.run``); code that
calls a model outside a run gets the per-call deadline only, or passes a scope of its own.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from unima.errors import ModelTimeoutError, ReplyTooLargeError

logger = logging.getLogger(__name__)
T = TypeVar("T")
EventHook = Callable[..., object]


@dataclass
class CallLimits:
    """What one model call may still do; shared by the waiting caller and the calling thread.

    Attributes:
        deadline: ``time.monotonic()`` value past which nothing more is read or sent.
        expired: the caller stopped waiting (the deadline passed).
        refused_bytes: the byte cap an oversized reply was refused at, or ``None``.
        max_tokens: the most tokens this call's reply needs (a short answer, a small JSON
            object), for runtimes that can stop there; ``None``: the model's own limit.
    """

    deadline: float
    expired: bool = False
    refused_bytes: int | None = None
    max_tokens: int | None = None

    def remaining(self) -> float:
        """Seconds left before the deadline (never below zero)."""
        return max(0.0, self.deadline - time.monotonic())

    def past_deadline(self) -> bool:
        return self.expired or time.monotonic() >= self.deadline


_CALL_LIMITS: contextvars.ContextVar[CallLimits | None] = contextvars.ContextVar(
    "unima_model_call_limits", default=None
)
_SCOPE: contextvars.ContextVar[ModelCallScope | None] = contextvars.ContextVar(
    "unima_model_call_scope", default=None
)


def current_call_limits() -> CallLimits | None:
    """The limits of the model call running in this thread, or ``None`` outside one."""
    return _CALL_LIMITS.get()


def current_scope() -> ModelCallScope | None:
    """The active run's scope, or ``None`` outside a run."""
    return _SCOPE.get()


@dataclass
class ModelCallScope:
    """The model-call limits one run shares.

    Args:
        call_timeout_s: a ceiling on every call's deadline (``None``: the caller's own).
        budget_s: total seconds the calls of the run may take (``None``: unbounded). Calls
            running at the same time each count their own seconds.
        on_event: called as ``on_event(kind, **data)`` for every call that ran out or was
            skipped (the agent records these in the trace).
    """

    call_timeout_s: float | None = None
    budget_s: float | None = None
    on_event: EventHook | None = None
    spent_s: float = 0.0
    # Server key -> why its later calls are skipped.
    failed_servers: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @contextlib.contextmanager
    def active(self) -> Iterator[ModelCallScope]:
        """Make this the scope of model calls made in this thread (and threads it starts)."""
        token = _SCOPE.set(self)
        try:
            yield self
        finally:
            _SCOPE.reset(token)

    def run(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``function(*args, **kwargs)`` with this scope active (for ``asyncio.to_thread``)."""
        with self.active():
            return function(*args, **kwargs)

    def admit(self, call: str, model: str, server: str, timeout_s: float) -> tuple[float, str]:
        """The deadline (seconds) and its reason for a new call, or ``ModelTimeoutError``.

        Raises:
            ModelTimeoutError: When the server already failed in this scope or the budget is
                spent; the call is not made.
        """
        with self._lock:
            failure = self.failed_servers.get(server)
            remaining = None if self.budget_s is None else self.budget_s - self.spent_s
        if failure is None and remaining is not None and remaining <= 0:
            failure = f"the run's model budget of {self.budget_s:g} s (llm_budget_s) is spent"
        if failure is not None:
            self.emit("model_skipped", call=call, model=model, reason=failure)
            raise ModelTimeoutError(
                f"{model}: the {call} call was not made: {failure}", call=call, model=model
            )
        deadline, reason = timeout_s, "the call's deadline (llm_timeout_s)"
        if self.call_timeout_s is not None and self.call_timeout_s < deadline:
            deadline = self.call_timeout_s
        if remaining is not None and remaining < deadline:
            deadline, reason = remaining, f"the run's model budget (llm_budget_s={self.budget_s:g})"
        return deadline, reason

    def spend(self, seconds: float) -> None:
        with self._lock:
            self.spent_s += seconds

    def mark_failed(self, server: str, why: str) -> None:
        """Skip the later calls to ``server`` in this scope."""
        with self._lock:
            self.failed_servers.setdefault(server, why)

    def emit(self, kind: str, **data: Any) -> None:
        if self.on_event is None:
            return
        try:
            self.on_event(kind, **data)
        except Exception:  # a broken hook must not turn a handled timeout into a crash
            logger.exception("the model-call event hook failed on %s", kind)


@dataclass
class _Outcome:
    done: threading.Event = field(default_factory=threading.Event)
    value: Any = None
    error: BaseException | None = None


def call_model(
    function: Callable[[], T],
    *,
    call: str,
    model: str,
    timeout_s: float,
    server: str | None = None,
    scope: ModelCallScope | None = None,
    max_tokens: int | None = None,
) -> T:
    """``function()`` (one model call), given up on at a wall-clock deadline.

    Args:
        function: the blocking call, e.g. ``lambda: chat_model.invoke(messages)``.
        call: what the call is for (``caption``, ``plan``, ``judge:semantic`` ...), for traces.
        model: the model's name, for messages and traces.
        timeout_s: the call's deadline in seconds.
        server: which server the call goes to (calls to one that failed are skipped); default
            ``model``.
        scope: the shared limits; default ``current_scope()``.
        max_tokens: the most tokens the reply needs, read by in-process runtimes through
            ``current_call_limits()`` (a small model stuck in a loop stops there, not at the
            deadline); ``None``: the model's own limit.

    Raises:
        ModelTimeoutError: The deadline passed, the scope's budget is spent, or the server
            already failed in this scope.
        ReplyTooLargeError: The reply was over its byte cap.
        Exception: Whatever ``function`` raised otherwise.
    """
    scope = scope if scope is not None else current_scope()
    server = server or model
    if scope is not None:
        deadline_s, reason = scope.admit(call, model, server, timeout_s)
    else:
        deadline_s, reason = timeout_s, "the call's deadline"
    limits = CallLimits(deadline=time.monotonic() + deadline_s, max_tokens=max_tokens)
    outcome = _Outcome()
    context = contextvars.copy_context()

    def target() -> None:
        _CALL_LIMITS.set(limits)
        try:
            outcome.value = function()
        except BaseException as error:  # handed to the waiting caller
            outcome.error = error
        finally:
            outcome.done.set()

    started = time.monotonic()
    # A daemon thread, not a pool: an abandoned call must never hold up the process's exit.
    worker = threading.Thread(
        target=context.run, args=(target,), name=f"unima-model-{call}", daemon=True
    )
    worker.start()
    finished = outcome.done.wait(deadline_s if math.isfinite(deadline_s) else None)
    elapsed = time.monotonic() - started
    if scope is not None:
        scope.spend(elapsed)
    if not finished or (outcome.error is not None and limits.past_deadline()):
        limits.expired = True
        return _ran_out(scope, server, call, model, elapsed, deadline_s, reason)
    if outcome.error is None:
        return outcome.value
    if limits.refused_bytes is not None:
        cap = limits.refused_bytes
        if scope is not None:
            scope.mark_failed(
                server, f"{model} sent a reply over {cap} bytes earlier (on the {call} call)"
            )
            scope.emit(
                "model_reply_too_large",
                call=call,
                model=model,
                elapsed_s=round(elapsed, 3),
                max_reply_bytes=cap,
            )
        refusal = _refusal_in(outcome.error)
        detail = (
            str(refusal)
            if refusal is not None
            else f"the reply is over the {cap}-byte cap (max_reply_bytes={cap}) and was refused"
        )
        raise ReplyTooLargeError(
            f"{model}: the {call} call: {detail}", max_reply_bytes=cap
        ) from outcome.error
    raise outcome.error


def _ran_out(
    scope: ModelCallScope | None,
    server: str,
    call: str,
    model: str,
    elapsed: float,
    deadline_s: float,
    reason: str,
) -> Any:
    message = (
        f"{model}: the {call} call ran past its {deadline_s:g} s deadline ({reason}); "
        "the server is too slow or not answering"
    )
    logger.warning("%s", message)
    if scope is not None:
        scope.mark_failed(server, f"{model} timed out earlier (on the {call} call)")
        scope.emit(
            "model_timeout",
            call=call,
            model=model,
            elapsed_s=round(elapsed, 3),
            deadline_s=round(deadline_s, 3),
            reason=reason,
        )
    raise ModelTimeoutError(
        message, call=call, model=model, elapsed_s=elapsed, deadline_s=deadline_s
    )


def _refusal_in(error: BaseException) -> ReplyTooLargeError | None:
    """The transport's own refusal, under whatever a client library wrapped it in."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, ReplyTooLargeError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def server_of(chat_model: Any, model: str) -> str:
    """A key for the server a chat model talks to: its base URL and model name."""
    base = getattr(chat_model, "openai_api_base", None) or getattr(chat_model, "base_url", None)
    return f"{base or ''}|{model}"
