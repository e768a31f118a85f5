"""Response Structure Integrity: the strict (StS) and lenient (LeS) structure scores.

The paper (UniM, §"Response Structure Integrity") scores "whether a model adheres to
task-defined structural requirements regarding modality types and item quantities, regardless of
semantic or logical correctness", from placeholder counts and modality types only. It publishes
no formula; the definitions below follow its text and are documented with worked examples in
``docs/metrics.md``.

Per instance, with ``R`` the reference's media items (the ``output.modal`` tags of the six media
modalities) and ``P`` the prediction's *placed* items (the distinct ``<tagN>`` placeholders of its
text, except mentions of input items the prediction does not bind to a file):

- an item of ``P`` is *valid* when the prediction's ``modal`` binds it to a file that exists, is a
  regular file and lies inside the predictions folder, or binds a ``code*`` tag to the code itself
  (``"code1": "def f(): ..."``: inline code is content, not a missing path);
- a placeholder naming one of the request's input items that the prediction does not bind
  (``As <image1> shows``) is a reference to that input, not an item of ``P``;
- **StS** is 100 when every item of ``P`` is valid and the count per modality of ``P`` equals that
  of ``R``; otherwise 0. A missing, extra or miscounted tag, or a tag without a usable file, fails.
- **LeS** is the share of ``R``'s modality types that ``P`` covers with at least one valid item,
  times 100. When ``R`` has no media item, LeS (like StS) is 100 if ``P`` is empty, else 0.

``abs`` and ``rel`` follow ``unima.eval.records.abs_rel``: an instance the model declined (failed
or empty prediction) is left out of ``abs`` and scores 0 in ``rel``; an instance without any
prediction scores 0 in both; an answered instance's ``rel`` is its ``abs`` weighted by its
supporting rate (the share of the reference's items it supports with usable ones), so a missing
item costs LeS^rel more than LeS^abs, while a strict match (every item there) keeps StS^rel =
StS^abs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from unima.eval.records import InstanceContext, Metric, MetricValue, abs_rel
from unima.types import PLACEHOLDER_PATTERN

JUDGE_NAME = "structure"


@dataclass(frozen=True)
class StructureCheck:
    """The structural comparison of one prediction with its reference.

    Attributes:
        reference_counts: items per modality in the reference.
        predicted_counts: placed items per modality in the prediction (valid or not).
        unbound_tags: placed tags the prediction's ``modal`` does not bind to any file.
        unusable_tags: placed tags bound to a file that is missing or outside the root.
        unplaced_tags: tags bound to a file but never placed in the text (not counted).
        strict: whether the structure matches exactly (StS).
        coverage: the share of the reference's modality types covered by valid items (LeS).
    """

    reference_counts: dict[str, int]
    predicted_counts: dict[str, int]
    unbound_tags: tuple[str, ...]
    unusable_tags: tuple[str, ...]
    unplaced_tags: tuple[str, ...]
    strict: bool
    coverage: float

    @property
    def missing_modalities(self) -> dict[str, int]:
        """Items per modality the prediction lacks compared with the reference."""
        return {
            modality: count - self.predicted_counts.get(modality, 0)
            for modality, count in self.reference_counts.items()
            if count > self.predicted_counts.get(modality, 0)
        }

    @property
    def extra_modalities(self) -> dict[str, int]:
        """Items per modality the prediction has beyond the reference."""
        return {
            modality: count - self.reference_counts.get(modality, 0)
            for modality, count in self.predicted_counts.items()
            if count > self.reference_counts.get(modality, 0)
        }

    def details(self) -> dict[str, Any]:
        return {
            "reference": self.reference_counts,
            "predicted": self.predicted_counts,
            "missing": self.missing_modalities,
            "extra": self.extra_modalities,
            "unbound_tags": list(self.unbound_tags),
            "unusable_tags": list(self.unusable_tags),
            "unplaced_tags": list(self.unplaced_tags),
        }


def media_tags(tags: Iterable[str]) -> list[str]:
    """The tags of ``tags`` that name one of the six media modalities (``text1`` is dropped)."""
    return [tag for tag in tags if _modality(tag) is not None]


def check_structure(
    reference_tags: Iterable[str],
    content: str,
    files: Mapping[str, bool],
    input_tags: Collection[str] = (),
) -> StructureCheck:
    """Compare a prediction's structure with its reference's.

    Args:
        reference_tags: the reference's output item tags (``output.modal`` keys); tags that are
            not media placeholders (``text1``) are ignored.
        content: the prediction's text with its ``<tagN>`` placeholders.
        files: the prediction's bound tags, each mapped to whether its file is usable (exists,
            is a regular file, stays inside the predictions folder).
        input_tags: the instance's input tags. A placed tag that names an input item and that
            the prediction does not bind is a mention of the input ("as <image1> shows"), not a
            generated item.

    Returns:
        The comparison, with ``strict`` (StS) and ``coverage`` (LeS) decided.
    """
    reference_counts = Counter(
        modality for modality in map(_modality, reference_tags) if modality is not None
    )
    placed: list[str] = []
    seen: set[str] = set()
    for match in PLACEHOLDER_PATTERN.finditer(content):
        tag = match.group(1) + match.group(2)
        if tag in seen or (tag in input_tags and tag not in files):
            continue
        seen.add(tag)
        placed.append(tag)
    predicted_counts = Counter(map(_modality, placed))
    unbound = tuple(tag for tag in placed if tag not in files)
    unusable = tuple(tag for tag in placed if tag in files and not files[tag])
    unplaced = tuple(tag for tag in files if tag not in seen and _modality(tag) is not None)
    valid_types = {_modality(tag) for tag in placed if files.get(tag, False)}
    strict = not unbound and not unusable and predicted_counts == reference_counts
    if reference_counts:
        coverage = len(valid_types & reference_counts.keys()) / len(reference_counts)
    else:
        coverage = 1.0 if not placed else 0.0
    return StructureCheck(
        reference_counts=dict(reference_counts),
        predicted_counts=dict(predicted_counts),  # type: ignore[arg-type]
        unbound_tags=unbound,
        unusable_tags=unusable,
        unplaced_tags=unplaced,
        strict=strict,
        coverage=coverage,
    )


class StructureMetric(Metric):
    """StS and LeS, each ``abs`` and ``rel``, from placeholder counts and modality types."""

    name = "structure"
    dimension = "structure"
    produces = ("StS_abs", "StS_rel", "LeS_abs", "LeS_rel")

    def score(self, context: InstanceContext) -> list[MetricValue]:
        output = context.instance.output
        if output is None:
            return self._values(None, None, {"reason": "the instance has no reference output"})
        if not context.answered:
            strict_abs, strict_rel = abs_rel(None, context)
            return [
                MetricValue(name, value, JUDGE_NAME, {"reason": _unanswered_reason(context)})
                for name, value in (
                    ("StS_abs", strict_abs),
                    ("StS_rel", strict_rel),
                    ("LeS_abs", strict_abs),
                    ("LeS_rel", strict_rel),
                )
            ]
        prediction = context.prediction
        assert prediction is not None  # answered implies a prediction
        files = {tag: path is not None for tag, path in context.predicted_items().items()}
        check = check_structure(
            output.modal.keys(), prediction.content, files, context.instance.input.modal.keys()
        )
        strict_abs, strict_rel = abs_rel(100.0 if check.strict else 0.0, context)
        lenient_abs, lenient_rel = abs_rel(100.0 * check.coverage, context)
        details = check.details()
        return [
            MetricValue("StS_abs", strict_abs, JUDGE_NAME, details),
            MetricValue("StS_rel", strict_rel, JUDGE_NAME, details),
            MetricValue("LeS_abs", lenient_abs, JUDGE_NAME, details),
            MetricValue("LeS_rel", lenient_rel, JUDGE_NAME, details),
        ]

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "judge": JUDGE_NAME}

    def _values(
        self, strict: float | None, lenient: float | None, details: dict[str, Any]
    ) -> list[MetricValue]:
        return [
            MetricValue("StS_abs", strict, JUDGE_NAME, details),
            MetricValue("StS_rel", strict, JUDGE_NAME, details),
            MetricValue("LeS_abs", lenient, JUDGE_NAME, details),
            MetricValue("LeS_rel", lenient, JUDGE_NAME, details),
        ]


def _unanswered_reason(context: InstanceContext) -> str:
    prediction = context.prediction
    if prediction is None:
        return "no prediction for this instance"
    if prediction.status == "failed":
        return f"the prediction failed: {prediction.error or 'no error given'}"
    return "the prediction is empty (no text and no items)"


def _modality(tag: str) -> str | None:
    match = PLACEHOLDER_PATTERN.fullmatch(f"<{tag}>")
    return match.group(1) if match is not None else None
