"""Chat models from a spec string: ``openai:MODEL``, ``openai-compatible:BASE_URL:MODEL``,
``transformers:PATH``, ``embedded`` or ``gguf:PATH``.

``openai-compatible`` serves vLLM, Ollama, llama.cpp server and any other server speaking the
OpenAI chat API. The key comes from ``UNIMA_LLM_API_KEY`` (or ``OPENAI_API_KEY``); local servers
usually accept any value. ``transformers`` runs a local Hugging Face checkpoint in-process
(see ``unima.llm.local_transformers``); everything after the first colon is its path.
``embedded`` runs the model the ``embedded`` extra ships, in-process on the CPU with no key and
no network, and ``gguf:PATH`` any local GGUF file the same way (``unima.llm.embedded``).

OpenAI models are built on ``unima.llm.transport.GuardedTransport``: replies are read under a
byte cap, and a call made through ``unima.llm.calls.call_model`` cannot be kept alive past its
wall-clock deadline by a server that trickles bytes. ``max_tokens`` is always sent.
"""

from __future__ import annotations

import importlib.util
import os
import re
from typing import Any

from unima.config import load_settings
from unima.errors import ConfigError, MissingExtraError
from unima.llm.embedded_files import (
    EXTRA,
    FEATURE,
    PACKAGED_NAME,
    check_parts_installed,
    gguf_file,
)

# scheme://host[:port][/path] then ":" then the model name (which may itself contain colons).
COMPATIBLE_PATTERN = re.compile(
    r"^(?P<base>https?://[^/:\s]+(?::\d+)?(?:/[^:\s]*)?):(?P<model>\S+)$"
)


SPEC_FORMS = (
    "'openai:MODEL', 'openai-compatible:BASE_URL:MODEL', 'transformers:PATH', "
    "'embedded' or 'gguf:PATH'"
)


def parse_chat_spec(spec: str) -> tuple[str, str | None, str]:
    """Split a chat model spec into (provider, base URL or None, model name or local path).

    ``embedded`` has no argument; its model name is the packaged model's.
    """
    if spec == "embedded":
        return "embedded", None, PACKAGED_NAME
    provider, separator, rest = spec.partition(":")
    if provider == "embedded":
        raise ConfigError(
            f"cannot read the model spec {spec!r}: 'embedded' takes no argument; "
            "run another GGUF file with 'gguf:PATH'"
        )
    if not separator or not rest:
        raise ConfigError(f"cannot read the model spec {spec!r}; use {SPEC_FORMS}")
    if provider in ("openai", "transformers", "gguf"):
        return provider, None, rest
    if provider == "openai-compatible":
        match = COMPATIBLE_PATTERN.match(rest)
        if match is None:
            raise ConfigError(
                f"cannot read {spec!r}: expected openai-compatible:BASE_URL:MODEL, "
                "e.g. openai-compatible:http://localhost:8000/v1:Qwen2.5-7B-Instruct"
            )
        return provider, match.group("base"), match.group("model")
    raise ConfigError(
        f"unknown chat model provider {provider!r} in {spec!r}; "
        "known: openai, openai-compatible, transformers, embedded, gguf"
    )


DEFAULT_MAX_TOKENS = 4096
DEFAULT_MAX_REPLY_BYTES = 4 * 2**20


def chat_model_from_spec(
    spec: str,
    *,
    timeout_s: float = 120.0,
    temperature: float = 0.0,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    max_reply_bytes: int = DEFAULT_MAX_REPLY_BYTES,
) -> Any:
    """A LangChain chat model for ``spec``.

    Args:
        spec: ``openai:MODEL``, ``openai-compatible:BASE_URL:MODEL``, ``transformers:PATH``,
            ``embedded`` or ``gguf:PATH``.
        timeout_s: the HTTP client's timeout; the wall-clock deadline of a call is set by
            ``unima.llm.calls.call_model``.
        temperature: the sampling temperature.
        max_tokens: the most tokens a reply may have, sent with every request.
        max_reply_bytes: replies over this many bytes are refused unread
            (``UNIMA_LLM_MAX_REPLY_BYTES``).
    """
    provider, base_url, model = parse_chat_spec(spec)
    if provider == "transformers":
        # torch and transformers load only for a transformers: spec (the extra).
        from unima.llm.local_transformers import TransformersChatModel

        return TransformersChatModel(model_path=model, temperature=temperature)
    if provider in ("embedded", "gguf"):
        return embedded_chat_model(
            None if provider == "embedded" else model,
            temperature=temperature,
            max_tokens=max_tokens,
        )
    from pydantic import SecretStr

    try:
        from langchain_openai import ChatOpenAI
    except ImportError as error:
        raise MissingExtraError(
            f"the {provider} chat model", "openai", "langchain_openai"
        ) from error
    # httpx comes with langchain_openai (the optional extra), so the transport loads with it.
    import httpx

    from unima.llm.transport import GuardedTransport

    http_client = httpx.Client(
        transport=GuardedTransport(
            max_reply_bytes=max_reply_bytes, cap_name="UNIMA_LLM_MAX_REPLY_BYTES"
        ),
        timeout=timeout_s,
    )
    if provider == "openai":
        key = os.environ.get("OPENAI_API_KEY")
        if not key:
            raise ConfigError(f"{spec!r} needs OPENAI_API_KEY in the environment")
        return ChatOpenAI(
            model=model,
            api_key=SecretStr(key),
            timeout=timeout_s,
            max_retries=1,
            temperature=temperature,
            max_completion_tokens=max_tokens,
            http_client=http_client,
        )
    key = os.environ.get("UNIMA_LLM_API_KEY") or os.environ.get("OPENAI_API_KEY") or "not-needed"
    return ChatOpenAI(
        model=model,
        base_url=base_url,
        api_key=SecretStr(key),
        timeout=timeout_s,
        max_retries=1,
        temperature=temperature,
        max_completion_tokens=max_tokens,
        # langchain sends max_completion_tokens; vLLM, Ollama and llama.cpp read max_tokens.
        extra_body={"max_tokens": max_tokens},
        http_client=http_client,
    )


def embedded_chat_model(
    model_path: str | None, *, temperature: float = 0.0, max_tokens: int = DEFAULT_MAX_TOKENS
) -> Any:
    """The in-process model of ``embedded`` (``model_path=None``) or ``gguf:PATH``.

    Checks now what can be checked cheaply (the extra installed, the file present), so a bad
    spec fails when the agent is built; joining the packaged file and loading wait for the
    first call.
    """
    settings = load_settings()
    if importlib.util.find_spec("xllamacpp") is None:
        raise MissingExtraError(FEATURE, EXTRA, "xllamacpp")
    if model_path is None and settings.embedded_model_path is not None:
        model_path = str(settings.embedded_model_path)
    if model_path is None:
        check_parts_installed()
    else:
        gguf_file(model_path)
    # langchain_core loads only for an embedded spec (xllamacpp itself on the first call).
    from unima.llm.embedded import EmbeddedChatModel

    return EmbeddedChatModel(
        model_path=model_path,
        cache_dir=str(settings.model_cache_dir) if settings.model_cache_dir else None,
        temperature=temperature,
        max_tokens=max_tokens,
        threads=settings.embedded_threads,
        context=settings.embedded_context,
    )
