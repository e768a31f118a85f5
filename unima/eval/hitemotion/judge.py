"""The judged tasks (EI, LR): a verdict per answer through unima's judge interface.

The released evaluators ask GPT-4o (EI) or GPT-4 (LR) whether an answer is CORRECT against the
reference. Here any ``unima.eval.judges.Judge`` scores the answer under its ``semantic`` rubric
(1-5: does the prediction satisfy the request the way the reference does) and a score of
``CORRECT_AT`` or more is a correct answer; the task's ``LLM`` value is the share correct.

Judges, by ``--judge`` spec:

- ``lexical`` (the default, ``LexicalJudge``): offline, deterministic, no model. A proxy and
  labelled so (``proxy:lexical-overlap-v1``): it measures content-word overlap with the
  reference, not whether a cause is right, so its numbers are not the paper's.
- ``proxy``: unima's embedding proxy judge (all-MiniLM-L6-v2; the ``eval`` extra).
- ``openai:MODEL`` / ``openai-compatible:URL:MODEL``: an LLM judge, the paper's kind.

Every judge is wrapped in the judge cache (``unima.eval.judges.cache``), so a rerun makes no call.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unima.eval.judges import CachedJudge, Judge, JudgeCache, JudgeVerdict, resolve_judge
from unima.eval.judges.base import check_rubric, text_hash
from unima.eval.judges.cues import content_words

LEXICAL_SPECS = ("lexical",)
LEXICAL_VERSION = "lexical-overlap-v1"
CORRECT_AT = 4.0  # "satisfies the intent with minor gaps" or better on the 1-5 rubric
# Content-word F1 with the reference at which the lexical proxy gives the top score.
LEXICAL_FULL_MARKS_F1 = 0.5


class LexicalJudge(Judge):
    """An offline stand-in for the LLM judge: content-word overlap with the reference.

    ``semantic`` score = ``1 + 4 * min(1, F1 / 0.5)`` where F1 is the harmonic mean of the shares
    of the reference's and the prediction's content words (3+ letters, no stopwords) they share.
    It only ever answers the ``semantic`` rubric.
    """

    def __init__(self) -> None:
        super().__init__()
        self.name = f"proxy:{LEXICAL_VERSION}"

    def prompt_hash(self, rubric: str) -> str:
        check_rubric(rubric)
        return text_hash(json.dumps({"version": LEXICAL_VERSION, "full": LEXICAL_FULL_MARKS_F1}))

    def score(self, rubric: str, payload: dict[str, Any]) -> JudgeVerdict:
        if check_rubric(rubric) != "semantic":
            return JudgeVerdict(
                score=None, parse_ok=False, error="the lexical judge only scores 'semantic'"
            )
        self.counters.add("judge_calls")
        reference = content_words(str(payload.get("reference", "")))
        prediction = content_words(str(payload.get("prediction", "")))
        shared = reference & prediction
        if not shared:
            overlap = 0.0
        else:
            recall = len(shared) / len(reference)
            precision = len(shared) / len(prediction)
            overlap = 2 * recall * precision / (recall + precision)
        score = round(1.0 + 4.0 * min(1.0, overlap / LEXICAL_FULL_MARKS_F1), 4)
        facts = {"content_word_f1": round(overlap, 4), "shared": len(shared)}
        return JudgeVerdict(
            score=score,
            reason=f"content-word F1 {overlap:.2f} with the reference ({len(shared)} shared)",
            raw=json.dumps(facts, sort_keys=True),
            details=facts,
        )


def make_judge(spec: str | None, *, cache: Path | None) -> Judge:
    """The judge for ``spec`` (``None``: ``lexical``), wrapped in the cache at ``cache``.

    Raises:
        ConfigError: For a spec that does not parse.
        MissingExtraError: When the judge's extra is not installed.
    """
    spec = (spec or "lexical").strip()
    if spec in LEXICAL_SPECS:
        judge: Judge = LexicalJudge()
        return CachedJudge(judge, JudgeCache(cache)) if cache is not None else judge
    return resolve_judge(spec, cache=cache)


@dataclass(frozen=True)
class JudgedAnswer:
    """One judged answer: whether it counts as correct, and the verdict behind it."""

    correct: bool
    score: float | None
    judged: bool


def judge_answers(
    judge: Judge,
    requests: Sequence[str],
    references: Sequence[str],
    answers: Sequence[str | None],
) -> list[JudgedAnswer]:
    """Judge each parsed answer; an unparsed one (``None``) is wrong without a call.

    A verdict without a score (an unparseable judge reply, a failed call) is not correct and has
    ``judged`` false, so the report can count it.
    """
    results = []
    for request, reference, answer in zip(requests, references, answers, strict=True):
        if answer is None:
            results.append(JudgedAnswer(correct=False, score=None, judged=True))
            continue
        verdict = judge.score(
            "semantic", {"request": request, "reference": reference, "prediction": answer}
        )
        correct = verdict.score is not None and verdict.score >= CORRECT_AT
        results.append(
            JudgedAnswer(correct=correct, score=verdict.score, judged=verdict.score is not None)
        )
    return results
