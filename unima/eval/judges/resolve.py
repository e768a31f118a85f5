"""``resolve_judge``: a judge from the ``--judge`` spec string."""

from __future__ import annotations

from pathlib import Path

from unima.errors import ConfigError
from unima.eval.judges.base import Judge
from unima.eval.judges.cache import CachedJudge, JudgeCache
from unima.eval.judges.proxy import ProxyJudge
from unima.llm.chat_models import chat_model_from_spec, parse_chat_spec

PROXY_SPECS = ("", "proxy")


def resolve_judge(
    spec: str | None = None, *, cache: JudgeCache | Path | None = None, timeout_s: float = 120.0
) -> Judge:
    """The judge for ``spec``, wrapped in a cache when one is given.

    Args:
        spec: ``None`` or ``"proxy"`` (the offline proxy judge), ``"openai:MODEL"`` or
            ``"openai-compatible:BASE_URL:MODEL"`` (any OpenAI-style server: vLLM, Ollama ...).
        cache: a ``JudgeCache`` or the path of its database; ``None`` caches nothing.
        timeout_s: the wall-clock deadline of one LLM judge call.

    Raises:
        ConfigError: For a spec that does not parse (the message lists the accepted forms).
        MissingExtraError: When the LLM judge's client library is not installed.
    """
    judge = _bare_judge((spec or "").strip(), timeout_s)
    if cache is None:
        return judge
    return CachedJudge(judge, cache if isinstance(cache, JudgeCache) else JudgeCache(cache))


def _bare_judge(spec: str, timeout_s: float) -> Judge:
    if spec in PROXY_SPECS:
        return ProxyJudge()
    if spec.startswith(("openai:", "openai-compatible:")):
        # langchain_core (~0.1 s to import) comes with it; only an LLM judge needs it.
        from unima.eval.judges.llm import LlmJudge

        _, _, model = parse_chat_spec(spec)
        return LlmJudge(
            chat_model_from_spec(spec, timeout_s=timeout_s, temperature=0.0),
            model_name=model,
            timeout_s=timeout_s,
        )
    raise ConfigError(
        f"unknown judge {spec!r}; use 'proxy' (offline), 'openai:MODEL' or "
        "'openai-compatible:BASE_URL:MODEL'"
    )
