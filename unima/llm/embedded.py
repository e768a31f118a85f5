"""The embedded chat model: a GGUF run in-process by llama.cpp (xllamacpp), no server, no key.

``embedded`` runs the packaged Qwen2.5-Coder-1.5B-Instruct Q4_K_M (``unima.llm.embedded_files``
joins it from the ``embedded`` extra's parts, or ``UNIMA_EMBEDDED_MODEL_PATH`` names another
GGUF); ``gguf:PATH`` runs any local GGUF the same way. One ``EmbeddedRuntime`` per model file is
loaded on the first call and shared by every thread and every ``EmbeddedChatModel`` of the
process; calls take turns on it. Temperature 0 decodes greedily (the same prompt gives the same
reply), and an OpenAI-style ``response_format`` (``json_schema`` or ``json_object``) is enforced
token by token by llama.cpp's grammar sampler, so the reply parses.

Measured on the project's 2-core x86_64 VM (AVX2), CPython 3.11, xllamacpp 2026.10.11549, one
120-token reply to a code question (``docs/measurements/embedded_runtime.py``; peak RSS from
``resource.getrusage``, decoding speed from llama.cpp's ``timings.predicted_per_second``):

==================================  =======  =============  ============
settings (n_ctx 2048 unless said)   load s   decode tok/s   peak RSS MiB
==================================  =======  =============  ============
mmap (llama.cpp default), 2 thr.    2.0-2.2  32-35          1,823
mmap, ``no_extra_bufts`` (no rep.)  0.95     25             1,226
**read, no mmap, 2 threads**        1.9-2.9  34-35          **1,234**
read, no mmap, 1 thread             1.6-2.3  23             1,234
read, no mmap, n_ctx 4096           1.9      34             1,290
read, direct I/O                    3.3      34             1,234
read, 2 threads, 1 core busy        3.3      12             1,234
read, 1 thread, 1 core busy         1.6      23             1,233
==================================  =======  =============  ============

With mmap, llama.cpp repacks the Q4_K weights into its faster CPU layout *and* keeps the mapped
file pages resident, so RSS carries both (1.8 GiB); turning repacking off saves that memory but
costs a quarter of the speed. Reading the file instead of mapping it (``load_mode`` NONE) puts
the weights straight into the repacked buffers: the lowest peak at full speed, for about half a
second more load time, so that is what ``EmbeddedRuntime`` uses. A 4096-token context costs
56 MiB more than 2048. Two threads beat one only when both cores are idle (see
``UNIMA_EMBEDDED_THREADS``'s description); ``default_threads`` keeps one core for the rest.
"""

from __future__ import annotations

import atexit
import json
import os
import secrets
import threading
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import BaseModel, Field

from unima.errors import ConfigError, MissingExtraError, ModelError, ModelTimeoutError
from unima.llm.calls import current_call_limits
from unima.llm.embedded_files import (
    EXTRA,
    FEATURE,
    PACKAGED_MODEL,
    PACKAGED_NAME,
    default_cache_dir,
    gguf_file,
    packaged_model_file,
)
from unima.llm.messages import chat_turns


def default_threads() -> int:
    """2 when at least 3 cores are free to this process, else 1 (see the module's figures)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return 2 if cores >= 3 else 1


class EmbeddedRuntime:
    """One GGUF loaded into one xllamacpp ``Server``: ``load()``, ``chat(request)``, ``close()``.

    Args:
        model_path: the GGUF file.
        threads: CPU threads for prompt reading and decoding.
        context: the context window in tokens.
    """

    def __init__(self, model_path: Path, *, threads: int, context: int) -> None:
        self.model_path = model_path
        self.threads = threads
        self.context = context
        self._server: Any = None
        # llama.cpp's server context runs one request at a time; the lock also covers load/close.
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._server is not None

    def load(self) -> None:
        """Load the model if it is not loaded yet (1.5-3.5 s for the packaged one)."""
        with self._lock:
            self._load_locked()

    def _load_locked(self) -> None:
        if self._server is not None:
            return
        try:
            # A 34 MB native library, needed only by the embedded extra.
            import xllamacpp
        except ImportError as error:
            raise MissingExtraError(FEATURE, EXTRA, "xllamacpp") from error
        params = xllamacpp.CommonParams()
        params.model.path = str(self.model_path)
        params.n_ctx = self.context
        params.n_parallel = 1
        params.cpuparams.n_threads = self.threads
        params.cpuparams_batch.n_threads = self.threads
        params.warmup = False
        # The Server also listens on a random loopback port; unima calls it in-process only, so
        # an unguessable key locks other local processes out of the HTTP side.
        params.api_keys = [secrets.token_urlsafe(32)]
        params.endpoint_slots = False
        params.endpoint_props = False
        params.endpoint_metrics = False
        params.verbosity = 0  # llama.cpp's load log is 30 lines of stderr per process
        # Read, not mmap: the lowest peak RSS at full speed (figures in the module docstring).
        params.load_mode = xllamacpp.llama_load_mode.LLAMA_LOAD_MODE_NONE
        try:
            self._server = xllamacpp.Server(params)
        except Exception as error:
            raise ConfigError(
                f"llama.cpp could not load {self.model_path}: {error}; is it a GGUF file of a "
                "chat model?"
            ) from error

    def chat(self, request: dict[str, Any]) -> dict[str, Any]:
        """One OpenAI-style chat completion (loading first if needed); the reply as a dict.

        Inside ``unima.llm.calls.call_model`` the call's remaining deadline caps decoding
        (``t_max_predict_ms``), so a call its caller gave up on frees the model soon after.

        Raises:
            ModelError: llama.cpp refused the request (e.g. a prompt over the context window).
            ModelTimeoutError: The call's deadline passed while it waited for its turn.
        """
        with self._lock:
            self._load_locked()
            limits = current_call_limits()
            if limits is not None:
                if limits.past_deadline():
                    raise ModelTimeoutError(
                        f"{self.model_path.name}: the deadline passed while waiting for the "
                        "embedded model",
                        model=self.model_path.name,
                    )
                request = {**request, "t_max_predict_ms": max(1, int(limits.remaining() * 1000))}
                if limits.max_tokens is not None:
                    request["max_tokens"] = min(int(request["max_tokens"]), limits.max_tokens)
            reply = self._server.handle_chat_completions(request)
        if isinstance(reply, str):
            reply = json.loads(reply)
        if not isinstance(reply, dict):
            raise ModelError(f"{self.model_path.name}: llama.cpp replied {type(reply).__name__}")
        if "error" in reply:
            error = reply["error"]
            message = error.get("message", error) if isinstance(error, dict) else error
            hint = (
                "; raise UNIMA_EMBEDDED_CONTEXT or send a shorter prompt"
                if "context" in str(message)
                else ""
            )
            raise ModelError(f"{self.model_path.name}: {message}{hint}")
        return reply

    def close(self) -> None:
        """Free the model's memory; a later ``chat`` loads it again."""
        with self._lock:
            self._server = None


# Resolved model path -> its runtime. The first load in a process fixes its threads and
# context: a second copy of the weights would double the memory the user budgeted.
_RUNTIMES: dict[str, EmbeddedRuntime] = {}
_RUNTIMES_LOCK = threading.Lock()


def runtime_for(model_path: Path, *, threads: int, context: int) -> EmbeddedRuntime:
    """The process's runtime for ``model_path``, made (not loaded) on first request."""
    key = str(model_path.resolve())
    with _RUNTIMES_LOCK:
        runtime = _RUNTIMES.get(key)
        if runtime is None:
            runtime = _RUNTIMES[key] = EmbeddedRuntime(Path(key), threads=threads, context=context)
        return runtime


def close_runtime(model_path: Path) -> None:
    """Free the runtime of ``model_path`` if one was made; the next call makes a new one."""
    with _RUNTIMES_LOCK:
        runtime = _RUNTIMES.pop(str(model_path.resolve()), None)
    if runtime is not None:
        runtime.close()


@atexit.register
def close_all() -> None:
    """Free every loaded model (also at exit, before the interpreter tears modules down)."""
    with _RUNTIMES_LOCK:
        runtimes = list(_RUNTIMES.values())
        _RUNTIMES.clear()
    for runtime in runtimes:
        runtime.close()


def response_format_of(value: Any) -> dict[str, Any] | None:
    """An OpenAI-style ``response_format``; a pydantic model class becomes its JSON schema."""
    if value is None or isinstance(value, dict):
        return value
    if isinstance(value, type) and issubclass(value, BaseModel):
        return {
            "type": "json_schema",
            "json_schema": {"name": value.__name__, "schema": value.model_json_schema()},
        }
    raise ConfigError(
        f"response_format must be a dict or a pydantic model class, not {type(value).__name__}"
    )


class EmbeddedChatModel(BaseChatModel):
    """A chat model run in-process from a GGUF file by llama.cpp.

    Pass ``response_format`` to ``invoke`` or ``bind`` for a reply that follows a JSON schema.
    ``close()`` frees the model for every chat model of the process that shares it.

    Args:
        model_path: the GGUF file; ``None`` runs the packaged model (joined on first use).
        cache_dir: where the packaged model is joined; ``None``: the default cache folder.
        max_tokens: the most tokens one reply may have.
        temperature: sampling temperature; ``0`` decodes greedily (deterministic).
        threads: CPU threads; ``None``: ``default_threads()``.
        context: the context window in tokens (prompt and reply together).
        seed: the sampling seed, for temperatures above 0.
    """

    model_path: str | None = None
    cache_dir: str | None = None
    max_tokens: int = Field(default=1024, gt=0)
    temperature: float = Field(default=0.0, ge=0.0)
    threads: int | None = Field(default=None, ge=1)
    context: int = Field(default=2048, ge=256)
    seed: int = 0

    @property
    def _llm_type(self) -> str:
        return "unima-embedded"

    @property
    def model_name(self) -> str:
        """``embedded:qwen2.5-coder-…`` for the packaged model, else ``gguf:FILE``."""
        if self.model_path is None:
            return f"embedded:{PACKAGED_NAME}"
        return f"gguf:{Path(self.model_path).name}"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        # The file's identity is part of the reply cache's key: a replaced file answers anew.
        return {
            "model_path": self.model_path,
            "model_file": self._file_identity(),
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "context": self.context,
        }

    def _file_identity(self) -> str:
        if self.model_path is None:
            return f"sha256:{PACKAGED_MODEL.sha256}"
        try:
            status = Path(self.model_path).stat()
        except OSError:
            return "missing"
        return f"size:{status.st_size}:mtime_ns:{status.st_mtime_ns}"

    def runtime(self) -> EmbeddedRuntime:
        """The shared runtime of this model's file (joining the packaged file if needed)."""
        if self.model_path is None:
            cache = Path(self.cache_dir) if self.cache_dir else None
            path = packaged_model_file(cache_dir=cache)
        else:
            path = gguf_file(self.model_path)
        return runtime_for(path, threads=self.threads or default_threads(), context=self.context)

    def load(self) -> EmbeddedChatModel:
        """Load the model now rather than on the first call; returns ``self``."""
        self.runtime().load()
        return self

    def close(self) -> None:
        """Free the shared model, if loaded; the next call loads it again."""
        if self.model_path is None:
            cache = Path(self.cache_dir).expanduser() if self.cache_dir else default_cache_dir()
            close_runtime(cache / PACKAGED_MODEL.file_name)
        else:
            close_runtime(Path(self.model_path).expanduser())

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        request: dict[str, Any] = {
            "messages": chat_turns(messages, "embedded"),
            "max_tokens": int(kwargs.get("max_tokens") or self.max_tokens),
            "temperature": float(kwargs.get("temperature", self.temperature)),
            "seed": self.seed,
        }
        if stop:
            request["stop"] = list(stop)
        response_format = response_format_of(kwargs.get("response_format"))
        if response_format is not None:
            request["response_format"] = response_format
        reply = self.runtime().chat(request)
        choice = reply["choices"][0]
        usage = reply.get("usage") or {}
        timings = reply.get("timings") or {}
        input_tokens = int(usage.get("prompt_tokens", 0))
        output_tokens = int(usage.get("completion_tokens", 0))
        message = AIMessage(
            content=str(choice["message"].get("content") or "").strip(),
            usage_metadata={
                "input_tokens": input_tokens,
                "output_tokens": output_tokens,
                "total_tokens": input_tokens + output_tokens,
            },
            response_metadata={
                "model_name": self.model_name,
                "finish_reason": choice.get("finish_reason"),
                "tokens_per_second": timings.get("predicted_per_second"),
                "timings": timings,
            },
        )
        return ChatResult(generations=[ChatGeneration(message=message)])
