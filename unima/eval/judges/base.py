"""The judge interface: one rubric, one payload, one verdict.

A judge scores a payload (texts the evaluation suite built from an instance) under a rubric.
The ``unima`` protocol (``--protocol unima``) uses three:

- ``semantic`` (SC): intent-aware agreement of a prediction with the reference, 1-5;
  payload ``{"request", "reference", "prediction"}`` (dense texts: placeholders expanded to
  ``<tag: caption>``).
- ``coherence`` (HC): cross-modal semantic and structural consistency of one response, 1-5;
- ``style`` (SH): consistency of writing style, tone and media presentation, 1-5; both with
  payload ``{"request", "content", "response", "items"}`` where ``content`` is the raw text with
  placeholders, ``response`` the dense text and ``items`` a list of
  ``{"tag", "modality", "caption", "present"}`` (``present`` false: the file is missing).

The official protocol (``--protocol unim``, the default; the released UniM code) uses two:

- ``unim_semantic`` (SC): the captioned prediction against the captioned reference, **without
  the request**, 1-5; payload ``{"reference", "prediction"}``.
- ``unim_interleaved`` (HC and SH): **one** call on the captioned response alone (no request, no
  reference, no item list), two 1-5 scores; payload ``{"response", "content", "items"}``
  (``content`` and ``items`` feed the offline proxy's cues; an LLM judge sees ``response``
  only). The verdict's ``score`` is the coherence score, and ``details["scores"]`` holds both
  (``{"coherence": c, "style": s}``; ``paired_scores``).

Every judge is deterministic for a given payload or says why not (an LLM at temperature 0 is
as close as a remote model gets; the cache in ``unima.eval.judges.cache`` makes reruns exact).
"""

from __future__ import annotations

import hashlib
import json
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Literal

from unima.errors import ConfigError

Rubric = Literal["semantic", "coherence", "style", "unim_semantic", "unim_interleaved"]
RUBRICS: tuple[str, ...] = ("semantic", "coherence", "style", "unim_semantic", "unim_interleaved")
# A rubric whose one verdict carries several scores, and their names (``details["scores"]``).
PAIRED_RUBRICS: dict[str, tuple[str, ...]] = {"unim_interleaved": ("coherence", "style")}

# The template (unima/prompts/<name>.j2) that carries each rubric for LLM judges.
RUBRIC_TEMPLATES: dict[str, str] = {
    "semantic": "judge_sc",
    "coherence": "judge_hc",
    "style": "judge_sh",
    "unim_semantic": "judge_sc_unim",
    "unim_interleaved": "judge_ics_unim",
}

SCALE_LOW, SCALE_HIGH = 1.0, 5.0


@dataclass(frozen=True)
class JudgeVerdict:
    """What a judge said about one payload.

    Attributes:
        score: the raw score on the rubric's 1-5 scale; ``None`` when the judge gave no usable
            score (then ``parse_ok`` is false or ``error`` says why).
        reason: the judge's short justification (or the proxy's cue breakdown in words).
        raw: the judge's reply as received (the proxy: its JSON cue record).
        parse_ok: whether the reply parsed and validated.
        error: a transport failure (no reply at all); empty otherwise. Never cached.
        cached: whether the verdict came from the cache.
        details: structured facts behind the score (the proxy's cues, similarities).
    """

    score: float | None
    reason: str = ""
    raw: str = ""
    parse_ok: bool = True
    error: str = ""
    cached: bool = False
    details: dict[str, Any] = field(default_factory=dict)


def to_percent(score: float | None) -> float | None:
    """Map a 1-5 judge score to 0-100: ``(s - 1) / 4 * 100``, rounded to 2 decimals."""
    if score is None:
        return None
    clipped = min(SCALE_HIGH, max(SCALE_LOW, float(score)))
    return round((clipped - SCALE_LOW) / (SCALE_HIGH - SCALE_LOW) * 100.0, 2)


def paired_scores(verdict: JudgeVerdict, rubric: str) -> dict[str, float | None]:
    """The named scores of a paired rubric's verdict (``None`` each when there are none).

    Raises:
        ConfigError: When ``rubric`` is not a paired rubric.
    """
    if rubric not in PAIRED_RUBRICS:
        raise ConfigError(f"rubric {rubric!r} gives one score; paired: {', '.join(PAIRED_RUBRICS)}")
    stored = verdict.details.get("scores") or {}
    return {
        name: (float(stored[name]) if stored.get(name) is not None else None)
        for name in PAIRED_RUBRICS[rubric]
    }


def canonical_payload(payload: dict[str, Any]) -> str:
    """The payload as canonical JSON (sorted keys, no spaces): the cache's input key."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_rubric(rubric: str) -> str:
    """``rubric`` if it is known.

    Raises:
        ConfigError: For an unknown rubric name.
    """
    if rubric not in RUBRICS:
        raise ConfigError(f"unknown judge rubric {rubric!r}; known: {', '.join(RUBRICS)}")
    return rubric


class JudgeCounters:
    """Thread-safe run-wide counts: calls, cache hits, unparseable replies, failed calls."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {
            "judge_calls": 0,
            "cache_hits": 0,
            "unparseable_replies": 0,
            "failed_calls": 0,
        }

    def add(self, name: str, amount: int = 1) -> None:
        with self._lock:
            self._counts[name] = self._counts.get(name, 0) + amount

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)


class Judge(ABC):
    """Scores payloads under a rubric. Implementations must be thread-safe.

    ``name`` identifies the model (``proxy:...``, ``llm:...``): it is the cache key's model part
    and goes into every ``MetricValue.judge``.
    """

    name: str

    def __init__(self) -> None:
        self.counters = JudgeCounters()

    @abstractmethod
    def score(self, rubric: str, payload: dict[str, Any]) -> JudgeVerdict:
        """Score ``payload`` under ``rubric`` (``semantic``, ``coherence`` or ``style``)."""

    @abstractmethod
    def prompt_hash(self, rubric: str) -> str:
        """A hash of what decides the verdict besides the input (template text, algorithm version).

        Changing a template or the proxy's algorithm changes the hash, so stale cache entries
        are never reused.
        """

    def label(self, rubric: str) -> str:
        """The judge label for values scored under ``rubric`` (``MetricValue.judge``)."""
        return self.name

    def describe(self) -> dict[str, Any]:
        """What a report records about this judge."""
        return {"name": self.name, "prompt_hashes": {r: self.prompt_hash(r)[:12] for r in RUBRICS}}

    def close(self) -> None:  # noqa: B027 - an optional hook: most judges hold nothing
        """Release resources (the cache wrapper closes its database)."""
