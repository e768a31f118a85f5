"""HitEmotion's metrics as pure functions on parsed answers, every value on 0-100.

A predicted value of ``None`` is an output with no parseable final answer. The plain metrics
count it as wrong: in ``accuracy`` it is a miss; in the F1s it is a prediction of no class (it
lowers the recall of its gold class and adds to no class's precision); in ``micro_f1`` it
predicts nothing. The ``*_parsed_only`` variants drop it from the denominator, which is what the
released evaluators do, so their numbers compare with published ones.

Definitions (as in scikit-learn, with zero divisions counted as 0):

- ``accuracy``: correct / all.
- ``weighted_f1`` (WAF): per-class F1 averaged with the classes' gold supports as weights; the
  classes are those in the gold or predicted labels.
- ``macro_f1``: the unweighted mean of the same per-class F1s.
- ``micro_f1`` (MF, EMF): over sets of items per instance (labels, (target, sentiment) pairs,
  tuples): TP = items in both, precision = TP / predicted items, recall = TP / gold items,
  F1 = 2PR / (P + R). With no gold and no predicted item anywhere the prediction is exactly
  right: 100.
- ``shared_key_micro_f1``: MABSA as the released evaluator scores it, over the targets present
  in both the prediction and the ground truth only. One sentiment per target makes its micro-F1
  the share of those targets whose sentiment is right; a missed or invented target costs
  nothing, which is why the plain MF (over (target, sentiment) pairs) is the headline.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence, Set
from typing import TypeVar

Label = TypeVar("Label", bound=Hashable)


def accuracy(gold: Sequence[Label], predicted: Sequence[Label | None]) -> float | None:
    """Correct / all, on 0-100; ``None`` when there is no instance."""
    _check_lengths(gold, predicted)
    if not gold:
        return None
    correct = sum(1 for truth, guess in zip(gold, predicted, strict=True) if guess == truth)
    return _percent(correct / len(gold))


def accuracy_parsed_only(gold: Sequence[Label], predicted: Sequence[Label | None]) -> float | None:
    """Accuracy over the instances with a parsed answer (the released evaluators' way)."""
    kept_gold, kept_predicted = parsed_only(gold, predicted)
    return accuracy(kept_gold, kept_predicted)


def weighted_f1(gold: Sequence[Label], predicted: Sequence[Label | None]) -> float | None:
    """Per-class F1 weighted by gold support, on 0-100; ``None`` when there is no instance."""
    scores = _per_class_f1(gold, predicted)
    if scores is None:
        return None
    support = Counter(gold)
    return _percent(sum(score * support[label] for label, score in scores.items()) / len(gold))


def weighted_f1_parsed_only(
    gold: Sequence[Label], predicted: Sequence[Label | None]
) -> float | None:
    """WAF over the instances with a parsed answer (the released evaluators' way)."""
    kept_gold, kept_predicted = parsed_only(gold, predicted)
    return weighted_f1(kept_gold, kept_predicted)


def macro_f1(gold: Sequence[Label], predicted: Sequence[Label | None]) -> float | None:
    """The unweighted mean of the per-class F1s, on 0-100; ``None`` when there is no instance."""
    scores = _per_class_f1(gold, predicted)
    if scores is None:
        return None
    return _percent(sum(scores.values()) / len(scores))


def micro_f1(gold: Sequence[Set[Label]], predicted: Sequence[Set[Label] | None]) -> float | None:
    """Micro-F1 over per-instance sets of items, on 0-100; ``None`` when there is no instance."""
    _check_lengths(gold, predicted)
    if not gold:
        return None
    true_positives = predicted_total = gold_total = 0
    for truth, guess in zip(gold, predicted, strict=True):
        guess = guess or frozenset()
        true_positives += len(set(truth) & set(guess))
        predicted_total += len(guess)
        gold_total += len(truth)
    if predicted_total == 0 and gold_total == 0:
        return 100.0
    precision = true_positives / predicted_total if predicted_total else 0.0
    recall = true_positives / gold_total if gold_total else 0.0
    if precision + recall == 0:
        return 0.0
    return _percent(2 * precision * recall / (precision + recall))


def micro_f1_parsed_only(
    gold: Sequence[Set[Label]], predicted: Sequence[Set[Label] | None]
) -> float | None:
    """Micro-F1 over the instances with a parsed answer."""
    kept_gold, kept_predicted = parsed_only(gold, predicted)
    return micro_f1(kept_gold, kept_predicted)


def shared_key_micro_f1(
    gold: Sequence[Set[tuple[str, str]]], predicted: Sequence[Set[tuple[str, str]] | None]
) -> float | None:
    """Micro-F1 over the keys (targets) both sides name, parsed answers only; ``None`` if none."""
    _check_lengths(gold, predicted)
    right = shared = 0
    for truth, guess in zip(gold, predicted, strict=True):
        if guess is None:
            continue
        truth_values, guess_values = dict(truth), dict(guess)
        for key in truth_values.keys() & guess_values.keys():
            shared += 1
            right += truth_values[key] == guess_values[key]
    return _percent(right / shared) if shared else None


def share(flags: Sequence[bool]) -> float | None:
    """The share of true flags on 0-100 (judged accuracy, extraction rate); ``None`` if empty."""
    if not flags:
        return None
    return _percent(sum(1 for flag in flags if flag) / len(flags))


def parsed_only(
    gold: Sequence[Label], predicted: Sequence[Label | None]
) -> tuple[list[Label], list[Label]]:
    """The (gold, predicted) pairs whose prediction parsed."""
    _check_lengths(gold, predicted)
    pairs = [
        (truth, guess) for truth, guess in zip(gold, predicted, strict=True) if guess is not None
    ]
    return [truth for truth, _ in pairs], [guess for _, guess in pairs]


def _per_class_f1(
    gold: Sequence[Label], predicted: Sequence[Label | None]
) -> dict[Label, float] | None:
    _check_lengths(gold, predicted)
    if not gold:
        return None
    classes = set(gold) | {guess for guess in predicted if guess is not None}
    true_positives: Counter[Label] = Counter()
    predicted_counts: Counter[Label] = Counter(guess for guess in predicted if guess is not None)
    gold_counts: Counter[Label] = Counter(gold)
    for truth, guess in zip(gold, predicted, strict=True):
        if guess == truth:
            true_positives[truth] += 1
    scores: dict[Label, float] = {}
    for label in classes:
        precision = (
            true_positives[label] / predicted_counts[label] if predicted_counts[label] else 0.0
        )
        recall = true_positives[label] / gold_counts[label] if gold_counts[label] else 0.0
        total = precision + recall
        scores[label] = 2 * precision * recall / total if total else 0.0
    return scores


def _percent(fraction: float) -> float:
    return round(100.0 * fraction, 2)


def _check_lengths(gold: Sequence[object], predicted: Sequence[object]) -> None:
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold values but {len(predicted)} predictions")
