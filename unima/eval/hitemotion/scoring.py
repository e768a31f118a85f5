"""Score one task: parse every output, normalise every ground truth, compute the task's metrics.

The keys a task's scores use (all on 0-100):

- label tasks: ``ACC``, ``WAF``, ``macro_F1``, and ``ACC_parsed_only``, ``WAF_parsed_only``;
- EBIA: ``ACC`` (joint: emotion and intent both right), ``emotion_ACC``, ``intent_ACC``,
  ``joint_ACC``, ``emotion_WAF``, ``intent_WAF`` and ``ACC_parsed_only``;
- DPTM, MABSA, MQE, MECPE: ``MF`` and ``MF_parsed_only``; SFA: ``EMF`` and ``EMF_parsed_only``
  (MABSA's ``MF_parsed_only`` is the released evaluator's: over the targets both sides name);
- EI, LR: ``LLM`` (share judged correct) and ``LLM_parsed_only`` (the released evaluators'
  denominator: valid-format answers only).

A missing prediction counts like an unparseable one. ``*_parsed_only`` values are what the
released evaluators compute (unparseable outputs dropped); the plain ones count them as wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from unima.errors import InputError
from unima.eval.hitemotion.answers import (
    canonical_ground_truth,
    item_options,
    judged_content,
    parse_answer,
)
from unima.eval.hitemotion.data import HitEmotionItem
from unima.eval.hitemotion.judge import judge_answers
from unima.eval.hitemotion.metrics import (
    accuracy,
    accuracy_parsed_only,
    macro_f1,
    micro_f1,
    micro_f1_parsed_only,
    share,
    shared_key_micro_f1,
    weighted_f1,
    weighted_f1_parsed_only,
)
from unima.eval.hitemotion.tasks import Task
from unima.eval.judges import Judge

MAX_UNPARSED_IDS = 20  # examples to look at, not a full list
SET_METRIC = {
    "multi_label": "MF",
    "aspect_sentiment": "MF",
    "quintuples": "MF",
    "cause_pairs": "MF",
}


@dataclass
class TaskScore:
    """A task's counts and metric values."""

    task: Task
    n: int
    n_parsed: int
    metrics: dict[str, float | None]
    problems: list[str] = field(default_factory=list)
    unjudged: int = 0
    unparsed_ids: list[str] = field(default_factory=list)

    @property
    def extraction_rate(self) -> float | None:
        return share([True] * self.n_parsed + [False] * (self.n - self.n_parsed))

    @property
    def headline(self) -> float | None:
        return self.metrics.get(self.task.headline)

    @property
    def headline_parsed_only(self) -> float | None:
        """The headline the released evaluators would print (its parsed-only form if it has one)."""
        value = self.metrics.get(f"{self.task.headline}_parsed_only")
        return value if value is not None else self.headline

    def to_json(self) -> dict[str, Any]:
        return {"n": self.n, "n_parsed": self.n_parsed, "extraction_rate": self.extraction_rate} | {
            name: value for name, value in self.metrics.items()
        }


def score_task(
    task: Task,
    items: Sequence[HitEmotionItem],
    outputs: Sequence[str | None],
    *,
    judge: Judge | None = None,
) -> TaskScore:
    """Score ``outputs`` (one per item, ``None`` for no prediction) against ``items``.

    Items whose ground truth cannot be normalised are left out and named in ``problems``.

    Raises:
        ValueError: When a judged task (EI, LR) gets no judge.
    """
    gold: list[Any] = []
    predicted: list[Any] = []
    kept: list[HitEmotionItem] = []
    problems: list[str] = []
    for item, output in zip(items, outputs, strict=True):
        options = item_options(task, item.prompt)
        try:
            truth = canonical_ground_truth(task, item.ground_truth, options=options)
        except InputError as error:
            problems.append(f"{item.source} id {item.id}: {error}; not scored")
            continue
        gold.append(truth)
        predicted.append(parse_answer(task, output, options=options))
        kept.append(item)
    n_parsed = sum(value is not None for value in predicted)
    unjudged = 0
    if task.kind in ("numbered_causes", "laughter_reason"):
        if judge is None:
            raise ValueError(f"{task.code} is judged: pass a judge")
        verdicts = judge_answers(
            judge,
            [item.prompt for item in kept],
            [judged_content(task, truth) for truth in gold],
            [None if answer is None else judged_content(task, answer) for answer in predicted],
        )
        unjudged = sum(not verdict.judged for verdict in verdicts)
        flags = [verdict.correct for verdict in verdicts]
        metrics = {
            "LLM": share(flags),
            "LLM_parsed_only": share(
                [flag for flag, answer in zip(flags, predicted, strict=True) if answer is not None]
            ),
        }
    else:
        metrics = _metrics(task, gold, predicted)
    unparsed = [item.id for item, answer in zip(kept, predicted, strict=True) if answer is None]
    return TaskScore(
        task, len(gold), n_parsed, metrics, problems, unjudged, unparsed[:MAX_UNPARSED_IDS]
    )


def _metrics(task: Task, gold: list[Any], predicted: list[Any]) -> dict[str, float | None]:
    if task.kind == "label":
        return {
            "ACC": accuracy(gold, predicted),
            "WAF": weighted_f1(gold, predicted),
            "macro_F1": macro_f1(gold, predicted),
            "ACC_parsed_only": accuracy_parsed_only(gold, predicted),
            "WAF_parsed_only": weighted_f1_parsed_only(gold, predicted),
        }
    if task.kind == "emotion_intent":
        return _emotion_intent_metrics(gold, predicted)
    name = "EMF" if task.kind == "flips" else SET_METRIC[task.kind]
    released = (
        shared_key_micro_f1(gold, predicted)
        if task.kind == "aspect_sentiment"
        else micro_f1_parsed_only(gold, predicted)
    )
    return {name: micro_f1(gold, predicted), f"{name}_parsed_only": released}


def _emotion_intent_metrics(
    gold: list[tuple[str, str]], predicted: list[tuple[str | None, str | None] | None]
) -> dict[str, float | None]:
    gold_emotions = [emotion for emotion, _ in gold]
    gold_intents = [intent for _, intent in gold]
    emotions = [pair[0] if pair else None for pair in predicted]
    intents = [pair[1] if pair else None for pair in predicted]
    joint = accuracy(gold, predicted)
    return {
        "ACC": joint,
        "ACC_parsed_only": accuracy_parsed_only(gold, predicted),
        "emotion_ACC": accuracy(gold_emotions, emotions),
        "intent_ACC": accuracy(gold_intents, intents),
        "joint_ACC": joint,
        "emotion_WAF": weighted_f1(gold_emotions, emotions),
        "intent_WAF": weighted_f1(gold_intents, intents),
    }
