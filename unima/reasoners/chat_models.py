"""Chat models from a spec string: ``openai:MODEL``, ``openai-compatible:BASE_URL:MODEL`` or
``transformers:PATH``.

``openai-compatible`` serves vLLM, Ollama, llama.cpp server and any other server speaking the
OpenAI chat API. The key comes from ``UNIMA_LLM_API_KEY`` (or ``OPENAI_API_KEY``); local servers
usually accept any value. ``transformers`` runs a local Hugging Face checkpoint in-process
(see ``unima.reasoners.local_transformers``); everything after the first colon is its path.
"""

from __future__ import annotations

import os
import re
from typing import Any

from unima.errors import ConfigError, MissingExtraError

# scheme://host[:port][/path] then ":" then the model name (which may itself contain colons).
COMPATIBLE_PATTERN = re.compile(
    r"^(?P<base>https?://[^/:\s]+(?::\d+)?(?:/[^:\s]*)?):(?P<model>\S+)$"
)


def parse_chat_spec(spec: str) -> tuple[str, str | None, str]:
    """Split a chat model spec into (provider, base URL or None, model name or local path)."""
    provider, separator, rest = spec.partition(":")
    if not separator or not rest:
        raise ConfigError(
            f"cannot read the model spec {spec!r}; use 'openai:MODEL', "
            "'openai-compatible:BASE_URL:MODEL' or 'transformers:PATH'"
        )
    if provider in ("openai", "transformers"):
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
        "known: openai, openai-compatible, transformers"
    )


def chat_model_from_spec(spec: str, *, timeout_s: float = 120.0, temperature: float = 0.0) -> Any:
    """A LangChain chat model for ``spec``."""
    provider, base_url, model = parse_chat_spec(spec)
    if provider == "transformers":
        from unima.reasoners.local_transformers import TransformersChatModel

        return TransformersChatModel(model_path=model, temperature=temperature)
    from pydantic import SecretStr

    try:
        from langchain_openai import ChatOpenAI
    except ImportError as error:
        raise MissingExtraError(
            f"the {provider} chat model", "openai", "langchain_openai"
        ) from error
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
        )
    key = os.environ.get("UNIMA_LLM_API_KEY") or os.environ.get("OPENAI_API_KEY") or "not-needed"
    return ChatOpenAI(
        model=model,
        base_url=base_url,
        api_key=SecretStr(key),
        timeout=timeout_s,
        max_retries=1,
        temperature=temperature,
    )
