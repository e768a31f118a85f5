"""Model adapters: one interface for every model the harness can run on UniM.

A model spec names the adapter before its first colon:

- ``unima``: the UniMA agent (options pass through to ``UniMA``; ``tools="fake"`` uses the
  zero-latency fake toolbox of ``unima.testing``);
- ``openai-compatible:BASE_URL:MODEL``: any chat MLLM behind an OpenAI-compatible API (a
  ``ServerModelAdapter``: ``--concurrency N`` keeps N of its requests in flight);
- ``transformers:PATH``: a local Hugging Face chat model folder run in-process, text only, every
  input given as what perception says of it (``unima.bench.model_transformers``);
- ``predictions:FILE``: outputs produced elsewhere, read from a ``predictions.jsonl``, validated
  and copied.

The runner builds adapters inside worker processes from ``(spec, options)``, so an adapter keeps
only that pair (plus plain data) until its first ``predict``: heavy state (the agent, an HTTP
client, a parsed predictions file) is built lazily and is never pickled.

Contract for ``predict``: every file the result names is written atomically under ``out_dir``,
named ``<tag><suffix>`` (``image2.png``); the caller owns ``out_dir`` and may clear it before a
retry. A model failure that still leaves something to score (text without media, a malformed
reply) is an ``Answer`` with ``status="partial"`` and its ``problems``; a failure with nothing to
score raises an ``UnimaError``.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from contextlib import AbstractAsyncContextManager
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from unima.bench.records import Answer
from unima.errors import ConfigError, InputError
from unima.files import atomic_copy, atomic_write_bytes
from unima.registry import Registry

if TYPE_CHECKING:
    from unima.bench.datasets.unim import UnimInstance

# The tags an answer may bind to files; ``text`` is allowed because UniM's ``output.modal`` may
# carry ``text1``-style entries.
TAG_PATTERN = re.compile(r"(?:image|audio|video|document|code|threeD|text)[0-9]{1,4}")


class ModelAdapter(ABC):
    """A model the harness can run on UniM instances.

    Subclasses set ``name`` (the spec prefix) and implement ``describe`` and ``predict``.
    ``__init__`` must stay cheap and keep only picklable values: the runner rebuilds adapters
    in worker processes with ``resolve_model(adapter.spec, **adapter.options)``.

    Args:
        spec: the full model spec (``"openai-compatible:http://host:8000/v1:MODEL"``).
        **options: adapter options (see each adapter's docstring).
    """

    name: ClassVar[str]

    def __init__(self, spec: str, **options: Any) -> None:
        self.spec = spec
        self.options = dict(options)

    @abstractmethod
    def describe(self) -> dict[str, Any]:
        """What the manifest records: the spec, the options that change answers, versions."""

    @abstractmethod
    def predict(self, instance: UnimInstance, media_root: Path, out_dir: Path) -> Answer:
        """Answer ``instance``, writing every file of the answer under ``out_dir``.

        Args:
            instance: the instance; only its input side is shown to the model.
            media_root: the dataset's media root (``DatasetLoad.root``); the instance's files
                are under ``instance.media_root(media_root)`` (``<root>/<domain>/<subdomain>``).
            out_dir: an existing, empty folder owned by this call.

        Raises:
            UnimaError: the model produced nothing that can be scored.
        """

    def close(self) -> None:  # noqa: B027  (optional hook: most adapters hold nothing)
        """Release what ``predict`` opened (clients, agents); the adapter stays usable."""

    def __getstate__(self) -> dict[str, Any]:
        # Only the spec and options cross a process boundary; lazy state is rebuilt there.
        return {"spec": self.spec, "options": self.options}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["spec"], **state["options"])  # type: ignore[misc]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.spec!r})"


class ServerModelAdapter(ModelAdapter):
    """A model behind a server, which one process can keep many instances in flight to.

    ``unima bench run --concurrency N`` runs such a model on one asyncio event loop in the
    driver (``unima.bench.async_executor``) instead of one worker process per instance in
    flight: the instance spends its time waiting on the server, which is what vLLM wants many
    of at once. ``predict`` stays the one-at-a-time path of the worker processes.
    """

    @abstractmethod
    async def apredict(
        self,
        instance: UnimInstance,
        media_root: Path,
        out_dir: Path,
        *,
        request_slot: AbstractAsyncContextManager[object] | None = None,
    ) -> Answer:
        """``predict`` on the running event loop (same arguments, contract and errors).

        Blocking work (reading the inputs, decoding and writing the answer's files) goes to a
        thread (``asyncio.to_thread``), so the loop keeps every other request moving; the
        request itself is awaited, so a deadline cancels it.

        Args:
            request_slot: held (``async with request_slot:``) around the exchange with the
                server and nothing else: the runner hands out ``--concurrency`` of them, so
                that many requests are at the server while other instances' inputs are read
                and answers written beside them. ``None``: no limit.
        """

    async def aclose(self) -> None:  # optional hook, like ``close``
        """Release what ``apredict`` opened on the running loop (its HTTP client)."""


MODELS: Registry[type[ModelAdapter]] = Registry("benchmark model")
MODELS.register("unima", "unima.bench.model_unima:UnimaModel")
MODELS.register("openai-compatible", "unima.bench.model_openai:OpenAICompatibleModel")
MODELS.register("predictions", "unima.bench.model_predictions:PredictionsModel")
MODELS.register("transformers", "unima.bench.model_transformers:TransformersModel")


def resolve_model(spec: str, **options: Any) -> ModelAdapter:
    """The adapter for a model spec.

    Args:
        spec: ``unima``, ``openai-compatible:BASE_URL:MODEL``, ``transformers:PATH`` or
            ``predictions:FILE``.
        **options: passed to the adapter (for ``unima``: ``reasoner``, ``perception_llm``,
            ``tools="fake"``, ``tool_backends`` and settings overrides).

    Raises:
        ConfigError: the spec names no known adapter or cannot be read.
    """
    if not isinstance(spec, str) or not spec.strip():
        raise ConfigError(f"the model spec must be a non-empty string, got {spec!r}")
    spec = spec.strip()
    prefix = spec.partition(":")[0]
    adapter_class = MODELS.get(prefix)
    return adapter_class(spec, **options)


def answer_path(out_dir: Path, tag: str, suffix: str) -> Path:
    """``out_dir/<tag><suffix>``, after checking that neither part can smuggle in a path.

    Raises:
        InputError: ``tag`` is not a placeholder tag or ``suffix`` not a plain file suffix.
    """
    if TAG_PATTERN.fullmatch(tag) is None:
        raise InputError(
            "not a placeholder tag (expected e.g. image1, audio2, threeD1)", source=repr(tag)
        )
    if suffix and re.fullmatch(r"\.[a-z0-9]{1,8}", suffix) is None:
        raise InputError("not a plain file suffix", source=repr(suffix))
    return out_dir / f"{tag}{suffix}"


def save_bytes(data: bytes, out_dir: Path, tag: str, suffix: str) -> Path:
    """Write ``data`` atomically to ``out_dir/<tag><suffix>``; returns the path."""
    target = answer_path(out_dir, tag, suffix)
    atomic_write_bytes(target, data)
    return target


def save_file(source: Path, out_dir: Path, tag: str, suffix: str | None = None) -> Path:
    """Copy ``source`` to ``out_dir/<tag><suffix>`` atomically; returns the new path.

    The copy goes to a temporary file in ``out_dir`` and is renamed into place, so a crash
    never leaves a partial file under its final name.
    """
    suffix = source.suffix.lower() if suffix is None else suffix
    return atomic_copy(source, answer_path(out_dir, tag, suffix))


def package_versions(*distributions: str) -> dict[str, str]:
    """Installed versions of ``distributions`` (``"absent"`` when one is not installed)."""
    versions = {}
    for distribution in distributions:
        try:
            versions[distribution] = metadata.version(distribution)
        except metadata.PackageNotFoundError:
            versions[distribution] = "absent"
    return versions
