"""Judges for the evaluation suite: an offline proxy and any LangChain chat model, with a cache.

- ``Judge``, ``JudgeVerdict`` (``base``): the interface; rubrics ``semantic``, ``coherence``,
  ``style``; ``to_percent`` maps 1-5 to 0-100.
- ``ProxyJudge`` (``proxy``, cues in ``cues``): the offline default, labelled ``proxy:``.
- ``LlmJudge`` (``llm``): templated rubrics (``unima/prompts/judge_*.j2``), validated JSON.
- ``JudgeCache``, ``CachedJudge`` (``cache``): SQLite, keyed by model, prompt hash and input.
- ``resolve_judge`` (``resolve``): a judge from a ``--judge`` spec.

Importing this package loads no model and no heavy library.
"""

from unima.eval.judges.base import RUBRICS, Judge, JudgeVerdict, to_percent
from unima.eval.judges.cache import CachedJudge, JudgeCache
from unima.eval.judges.resolve import resolve_judge

__all__ = [
    "RUBRICS",
    "CachedJudge",
    "Judge",
    "JudgeCache",
    "JudgeVerdict",
    "resolve_judge",
    "to_percent",
]
