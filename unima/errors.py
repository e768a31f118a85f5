"""Errors raised by unima.

Every error unima raises on purpose derives from ``UnimaError``::

    UnimaError
    ├── InputError            a request, file or dataset entry unima cannot accept
    │   └── UnsafePathError   a path that escapes its root (``..``, absolute, link out, URL)
    ├── ConfigError           a setting, backend spec or registry name that does not resolve
    │   └── MissingExtraError an optional backend whose extra is not installed
    ├── PlanError             a plan that fails validation (cycle, unknown tool, bad arguments)
    ├── ReasonerError         a reasoner reply that cannot be parsed or repaired
    ├── ToolError             a tool step that failed (``recoverable`` says if the judge may retry)
    │   └── VerificationError an artifact that was made but failed its self-check
    ├── SandboxError          the sandbox could not run code at all (not: the code failed)
    ├── ModelError            a model call that produced nothing usable (down, refused, bad HTTP)
    │   ├── ModelTimeoutError a call past its wall-clock deadline, or skipped (budget spent,
    │   │                     server already failed in this run)
    │   └── ReplyTooLargeError a reply over its byte cap, refused unread
    └── TraceError            a trace file that cannot be read

Messages name the offending value and say what to do about it.
"""

from __future__ import annotations


class UnimaError(Exception):
    """Base class of every error unima raises on purpose."""


class InputError(UnimaError):
    """An input unima cannot accept. ``source`` names the file or value at fault."""

    def __init__(self, message: str, *, source: str | None = None) -> None:
        self.source = source
        super().__init__(f"{source}: {message}" if source else message)


class UnsafePathError(InputError):
    """A path that would resolve outside the folder it must stay in."""


class ConfigError(UnimaError):
    """A setting or backend name that does not resolve."""


class MissingExtraError(ConfigError):
    """An optional backend whose dependencies are not installed."""

    def __init__(self, feature: str, extra: str, module: str) -> None:
        self.extra = extra
        super().__init__(
            f"{feature} needs the optional module {module!r}, which is not installed. "
            f'Install it with: pip install "unima[{extra}]"'
        )


class PlanError(UnimaError):
    """A plan that failed validation. ``problems`` lists every problem found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("invalid plan: " + "; ".join(self.problems))


class ReasonerError(UnimaError):
    """A reasoner reply that could not be parsed or repaired."""


class ToolError(UnimaError):
    """A tool step that failed.

    ``recoverable`` is true when retrying (possibly with repaired arguments) may succeed; the
    judge retries recoverable failures within its round budget and records terminal ones.
    """

    def __init__(self, message: str, *, tool: str = "", recoverable: bool = True) -> None:
        self.tool = tool
        self.recoverable = recoverable
        super().__init__(f"{tool}: {message}" if tool else message)


class VerificationError(ToolError):
    """An artifact was produced but failed its self-check."""


class SandboxError(UnimaError):
    """The sandbox itself could not run (not: the sandboxed code failed)."""


class ModelError(UnimaError):
    """A model call that produced nothing to score (endpoint down, refused, malformed HTTP)."""


class ModelTimeoutError(ModelError):
    """A model call that ran past its wall-clock deadline, or was not made at all.

    ``call`` and ``model`` name the call; ``elapsed_s`` and ``deadline_s`` are ``None`` for a
    call skipped because the run's budget was spent or its server had already failed.
    """

    def __init__(
        self,
        message: str,
        *,
        call: str = "",
        model: str = "",
        elapsed_s: float | None = None,
        deadline_s: float | None = None,
    ) -> None:
        self.call = call
        self.model = model
        self.elapsed_s = elapsed_s
        self.deadline_s = deadline_s
        super().__init__(message)


class ReplyTooLargeError(ModelError):
    """A model reply over its byte cap; reading stopped at ``max_reply_bytes``."""

    def __init__(self, message: str, *, max_reply_bytes: int) -> None:
        self.max_reply_bytes = max_reply_bytes
        super().__init__(message)


class TraceError(UnimaError):
    """A trace file that is missing, malformed or of an unknown schema version."""
