"""``ProxyJudge``: the offline default judge. No network, no LLM, deterministic.

It stands in for the paper's GPT judges and says so: every value it produces carries a judge
label starting with ``proxy:``.

- ``semantic`` (SC): cosine similarity of the prediction's and the reference's dense texts
  under all-MiniLM-L6-v2 (``unima.eval.embeddings``). A text longer than the model's window is
  cut into chunks of ``CHUNK_WORDS`` words whose unit vectors are averaged. The similarity maps
  linearly to the 1-5 scale through the anchors ``SC_ANCHORS`` (cosine 0.1 -> 1, 0.3 -> 2,
  0.5 -> 3, 0.7 -> 4, 0.9 -> 5, clipped): unrelated English texts sit near 0.0-0.15 under this
  model, close paraphrases at 0.65-0.9. Then each predicted item whose file is missing or
  unreadable (``<tagN: [missing]>``) takes away ``MISSING_ITEM_PENALTY`` (half) of the score
  above 1, in proportion: ``s - (s - 1) * 0.5 * missing share``. A prediction without any word
  scores 1.
- ``coherence`` (HC) and ``style`` (SH): the weighted structural and lexical cues of
  ``unima.eval.judges.cues``, mapped to ``1 + 4 * weighted cue mean``. Their label says
  ``structural only``: on the 58 released judged HC/SH responses their Spearman correlation with
  the judge is 0.21 (HC) and 0.05 (SH) (``docs/measurements/hcsh_proxy_correlation.py``,
  docs/metrics.md "HC / SH / ICS"), so reports keep them out of the headline tables.
- ``unim_semantic`` is scored like ``semantic`` (the proxy never reads the request), and
  ``unim_interleaved`` gives both cue scores in one verdict (``details["scores"]``).
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from typing import Any

import numpy

from unima.eval.embeddings import sentence_embedder
from unima.eval.judges.base import Judge, JudgeVerdict, check_rubric, text_hash
from unima.eval.judges.cues import (
    HC_WEIGHTS,
    SH_WEIGHTS,
    coherence_cues,
    style_cues,
    weighted,
    words,
)
from unima.eval.labels import STRUCTURAL_ONLY
from unima.eval.x2caption import MISSING_CAPTION

PROXY_VERSION = "proxy-1"
# A predicted item whose file is missing or unreadable (``<tagN: [missing]>``) takes away this
# share of the score above 1, in proportion to the share of such items: a text that only
# describes its media must not pass as one that delivers them.
MISSING_ITEM_PENALTY = 0.5
EXPANDED_ITEM = re.compile(r"<(?:image|audio|video|document|code|threeD)\d+: (.*?)>")
CUES_LABEL = f"proxy:cues-v1 ({STRUCTURAL_ONLY})"
CHUNK_WORDS = 160  # all-MiniLM-L6-v2 reads 256 word pieces; 160 words stay inside it
# (cosine similarity, 1-5 score) anchors of the SC mapping; linear between them.
SC_ANCHORS: tuple[tuple[float, float], ...] = (
    (0.1, 1.0),
    (0.3, 2.0),
    (0.5, 3.0),
    (0.7, 4.0),
    (0.9, 5.0),
)


def similarity_to_score(similarity: float) -> float:
    """Map a cosine similarity to the 1-5 scale through ``SC_ANCHORS`` (clipped at both ends)."""
    if similarity <= SC_ANCHORS[0][0]:
        return SC_ANCHORS[0][1]
    for (low_x, low_y), (high_x, high_y) in itertools.pairwise(SC_ANCHORS):
        if similarity <= high_x:
            return round(low_y + (similarity - low_x) / (high_x - low_x) * (high_y - low_y), 4)
    return SC_ANCHORS[-1][1]


class ProxyJudge(Judge):
    """The offline judge: sentence embeddings for SC, structural and lexical cues for HC/SH.

    Args:
        embedder: a ``SentenceEmbedder``; by default the process-wide all-MiniLM-L6-v2 one,
            loaded on the first SC call (HC/SH never load it).
    """

    def __init__(self, embedder: Any | None = None) -> None:
        super().__init__()
        self._embedder = embedder
        self._lock = threading.Lock()
        self.name = f"proxy:{getattr(embedder, 'name', 'all-MiniLM-L6-v2')}+cues-v1"

    @property
    def embedder(self) -> Any:
        with self._lock:
            if self._embedder is None:
                self._embedder = sentence_embedder()
            return self._embedder

    def label(self, rubric: str) -> str:
        if check_rubric(rubric) in ("semantic", "unim_semantic"):
            return f"proxy:{getattr(self._embedder, 'name', 'all-MiniLM-L6-v2')}"
        return CUES_LABEL

    def prompt_hash(self, rubric: str) -> str:
        check_rubric(rubric)
        settings = {
            "version": PROXY_VERSION,
            "rubric": rubric,
            "anchors": SC_ANCHORS,
            "chunk": CHUNK_WORDS,
            "missing_item_penalty": MISSING_ITEM_PENALTY,
            "hc": HC_WEIGHTS,
            "sh": SH_WEIGHTS,
        }
        return text_hash(json.dumps(settings, sort_keys=True))

    def score(self, rubric: str, payload: dict[str, Any]) -> JudgeVerdict:
        check_rubric(rubric)
        self.counters.add("judge_calls")
        if rubric in ("semantic", "unim_semantic"):
            return self._semantic(payload)
        if rubric == "unim_interleaved":
            coherence = self._cues_verdict("coherence", payload)
            style = self._cues_verdict("style", payload)
            return JudgeVerdict(
                score=coherence.score,
                reason=f"coherence: {coherence.reason}; style: {style.reason}",
                raw=json.dumps(
                    {"coherence": coherence.details["cues"], "style": style.details["cues"]},
                    sort_keys=True,
                ),
                details={
                    "scores": {"coherence": coherence.score, "style": style.score},
                    "cues": {
                        "coherence": coherence.details["cues"],
                        "style": style.details["cues"],
                    },
                },
            )
        return self._cues_verdict(rubric, payload)

    def _cues_verdict(self, rubric: str, payload: dict[str, Any]) -> JudgeVerdict:
        cues = coherence_cues(payload) if rubric == "coherence" else style_cues(payload)
        weights = HC_WEIGHTS if rubric == "coherence" else SH_WEIGHTS
        score = round(1.0 + 4.0 * weighted(cues, weights), 4)
        weakest = min(cues, key=lambda name: (cues[name], name))
        reason = f"weighted cues {weighted(cues, weights):.2f}; weakest cue: {weakest} ({cues[weakest]:.2f})"
        return JudgeVerdict(
            score=score, reason=reason, raw=json.dumps(cues, sort_keys=True), details={"cues": cues}
        )

    def _semantic(self, payload: dict[str, Any]) -> JudgeVerdict:
        prediction = " ".join(str(payload.get("prediction", "")).split())
        reference = " ".join(str(payload.get("reference", "")).split())
        if not words(prediction):
            return JudgeVerdict(
                score=1.0,
                reason="empty prediction",
                raw='{"similarity": 0.0}',
                details={"similarity": 0.0},
            )
        similarity = self.similarity(prediction, reference)
        items = EXPANDED_ITEM.findall(prediction)
        missing_share = (
            sum(1 for caption in items if caption == MISSING_CAPTION) / len(items) if items else 0.0
        )
        score = similarity_to_score(similarity)
        score = round(score - (score - 1.0) * MISSING_ITEM_PENALTY * missing_share, 4)
        facts = {"similarity": similarity, "missing_item_share": round(missing_share, 4)}
        return JudgeVerdict(
            score=score,
            reason=f"embedding cosine similarity {similarity:.3f}; missing items {missing_share:.0%}",
            raw=json.dumps(facts, sort_keys=True),
            details=facts,
        )

    def similarity(self, first: str, second: str) -> float:
        """Cosine similarity of two texts of any length (chunked, mean of unit vectors)."""
        if first == second:
            return 1.0
        first_vector = self._text_vector(first)
        second_vector = self._text_vector(second)
        value = float(first_vector @ second_vector)
        return round(max(-1.0, min(1.0, value)), 4)

    def _text_vector(self, text: str) -> Any:

        tokens = text.split()
        chunks = [
            " ".join(tokens[start : start + CHUNK_WORDS])
            for start in range(0, len(tokens), CHUNK_WORDS)
        ] or [""]
        vectors = [self.embedder.embed(chunk) for chunk in chunks]
        mean = numpy.mean(numpy.stack(vectors), axis=0)
        norm = float(numpy.linalg.norm(mean))
        return mean / norm if norm > 0 else mean
