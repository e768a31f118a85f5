"""The evaluation report: per-instance scores, averages overall and by group, written to a folder.

``REPORT_DIR/report.json`` follows a versioned schema (``SCHEMA``, ``SCHEMA_VERSION``):

- ``overall``: each of the 13 metric names (``METRIC_NAMES``) to its mean on 0-100 over the
  instances it applies to, or ``null`` when it could not be computed for every one of them
  (never a mean over a subset: see ``not_computed``);
- ``overall_counts``: how many instances have a value for each name;
- ``overall_of``: how many instances each name applies to: every instance, less the declined
  ones for the ``abs`` names (``ABS_CONVENTION``: a declined instance has no ``abs`` value by
  design, docs/metrics.md "abs and rel");
- ``not_computed``: for each name with fewer values than instances it applies to,
  ``{"instances": missing, "of": applies_to, "reason": the commonest reason, "reasons":
  {reason: count}, "partial_value": the mean over the instances that have a value}``;
  ``partial_value`` is there to inspect, not to report (docs/metrics.md, "Not computed");
- ``judges``: for each name, the judges/extractors that produced its values;
- ``counts``: instances, predictions missing or declined, unusable prediction files, missing
  reference files, unparseable judge replies, metric errors, unmatched predictions;
- ``families``: each metric family asked for, whether it ran, and why not;
- ``groups``: the same means (each with ``not_computed``: name to missing count, when any) by
  field, domain (the paper's 30 domains: UniM's ``subdomain``),
  difficulty, input modality, output modality and output-modality combination;
- ``instances``: every instance's values with their judge and details.

``report.md`` renders it as tables (``unima.eval.report_markdown``); ``plots/*.png`` draw it
(``unima.eval.plots``); ``unima.eval.report_writer.write_report`` writes all three.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from unima.errors import InputError
from unima.eval.records import METRIC_NAMES, InstanceScores, MetricValue

SCHEMA = "unima.eval.report"
SCHEMA_VERSION = 1
REPORT_FILE = "report.json"
MARKDOWN_FILE = "report.md"
PLOTS_FOLDER = "plots"
TEXT_ONLY = "text"
# Grouping keys of ``groups``: name -> the group labels of one instance.
GROUPINGS: dict[str, Callable[[InstanceScores], list[str]]] = {
    "field": lambda scores: [scores.field],
    "domain": lambda scores: [scores.subdomain],
    "difficulty": lambda scores: [_difficulty_label(scores.difficulty)],
    "input_modality": lambda scores: list(scores.input_modalities) or [TEXT_ONLY],
    "output_modality": lambda scores: list(scores.output_modalities) or [TEXT_ONLY],
    "output_combination": lambda scores: ["+".join(scores.output_modalities) or TEXT_ONLY],
}
DIFFICULTY_LABELS = {1: "easy", 2: "medium", 3: "hard"}
# Names a declined instance leaves without a value by design (the abs convention); the ``rel``
# names and tau give a declined instance 0, so it counts in their denominators.
ABS_CONVENTION: frozenset[str] = frozenset(
    name for name in METRIC_NAMES if not name.endswith("_rel") and name != "tau"
)
# How many distinct reasons ``not_computed`` lists per name (the rest are summed up).
MAX_REASONS = 5


@dataclass
class FamilyStatus:
    """One metric family as the run saw it."""

    name: str
    available: bool
    reason: str = ""
    produces: tuple[str, ...] = ()
    description: dict[str, Any] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)
    errors: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "available": self.available,
            "reason": self.reason,
            "produces": list(self.produces),
            "description": self.description,
            "counters": self.counters,
            "errors": self.errors,
        }


@dataclass
class Report:
    """An evaluation report (the content of ``report.json``)."""

    overall: dict[str, float | None]
    overall_counts: dict[str, int]
    judges: dict[str, list[str]]
    counts: dict[str, int]
    families: dict[str, dict[str, Any]]
    groups: dict[str, dict[str, dict[str, Any]]]
    instances: list[InstanceScores]
    judge: str
    source: dict[str, Any] = field(default_factory=dict)
    created_at: str = ""
    schema_version: int = SCHEMA_VERSION
    overall_of: dict[str, int] = field(default_factory=dict)
    not_computed: dict[str, dict[str, Any]] = field(default_factory=dict)

    def unavailable_families(self) -> dict[str, str]:
        """Families that did not run, with the reason."""
        return {
            name: status["reason"]
            for name, status in self.families.items()
            if not status["available"]
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "schema_version": self.schema_version,
            "created_at": self.created_at,
            "judge": self.judge,
            "overall": self.overall,
            "overall_counts": self.overall_counts,
            "overall_of": self.overall_of,
            "not_computed": self.not_computed,
            "judges": self.judges,
            "counts": self.counts,
            "families": self.families,
            "source": self.source,
            "groups": self.groups,
            "instances": [scores.to_json() for scores in self.instances],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Report:
        return cls(
            overall=dict(data["overall"]),
            overall_counts=dict(data["overall_counts"]),
            judges={name: list(value) for name, value in data["judges"].items()},
            counts=dict(data["counts"]),
            families=dict(data["families"]),
            groups=data["groups"],
            instances=[InstanceScores.from_json(item) for item in data["instances"]],
            judge=data["judge"],
            source=dict(data.get("source", {})),
            created_at=data.get("created_at", ""),
            schema_version=data["schema_version"],
            # Reports written before these keys existed averaged over whatever had a value.
            overall_of=dict(data.get("overall_of", {})),
            not_computed=dict(data.get("not_computed", {})),
        )


def average(scores: Iterable[InstanceScores], name: str) -> tuple[float | None, int]:
    """The mean of ``name`` over the instances where it is not ``None``, and their number."""
    total = 0.0
    count = 0
    for item in scores:
        value = item.values.get(name)
        if value is not None and value.value is not None:
            total += value.value
            count += 1
    return (total / count if count else None), count


@dataclass(frozen=True)
class Coverage:
    """How far one metric name was computed over a set of instances.

    Attributes:
        name: the metric name.
        mean: the mean over the instances that have a value (``None`` when none has).
        count: the instances that have a value.
        of: the instances the name applies to (declined ones are left out of the ``abs``
            names, see ``ABS_CONVENTION``).
        reasons: why the others have none, reason to number of instances.
    """

    name: str
    mean: float | None
    count: int
    of: int
    reasons: dict[str, int]

    @property
    def missing(self) -> int:
        return self.of - self.count

    @property
    def value(self) -> float | None:
        """The mean rounded to 0.01, only when every instance the name applies to has one."""
        if self.mean is None or self.missing:
            return None
        return round(self.mean, 2)

    def to_json(self) -> dict[str, Any]:
        """The ``not_computed`` entry of this name."""
        ranked = sorted(self.reasons.items(), key=lambda pair: (-pair[1], pair[0]))
        reasons = dict(ranked[:MAX_REASONS])
        others = sum(count for _, count in ranked[MAX_REASONS:])
        if others:
            reasons["(other reasons)"] = others
        return {
            "instances": self.missing,
            "of": self.of,
            "reason": ranked[0][0] if ranked else "",
            "reasons": reasons,
            "partial_value": None if self.mean is None else round(self.mean, 2),
        }


def coverage(scores: Iterable[InstanceScores], name: str, absent_reason: str = "") -> Coverage:
    """The coverage of ``name`` over ``scores``.

    Args:
        scores: the instances.
        name: the metric name.
        absent_reason: why an instance has no value at all for ``name`` (its family did not
            run); the default says no family produced it.
    """
    total = 0.0
    count = 0
    of = 0
    reasons: dict[str, int] = defaultdict(int)
    for item in scores:
        value = item.values.get(name)
        if value is not None and value.value is not None:
            total += value.value
            count += 1
            of += 1
            continue
        if name in ABS_CONVENTION and item.has_prediction and not item.answered:
            continue  # declined: no abs value by design, not a failure to compute one
        of += 1
        reasons[_reason(value, absent_reason or f"no metric family produced {name}")] += 1
    return Coverage(name, total / count if count else None, count, of, dict(reasons))


def _reason(value: MetricValue | None, absent_reason: str) -> str:
    """Why one instance has no value for a name, in words."""
    if value is None:
        return absent_reason
    details = value.details
    if details.get("error_type"):  # the runner caught the family raising
        return f"{details.get('family', 'the family')} failed: {details['error_type']}: " + str(
            details.get("error", "")
        )
    if details.get("error"):
        return f"{value.judge} failed: {details['error']}"
    if details.get("parse_ok") is False:
        return f"{value.judge} gave an unparseable reply"
    if details.get("reason"):
        return str(details["reason"])
    return f"{value.judge} gave no value"


def summarise(
    scores: list[InstanceScores], absent_reasons: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The 13 means (rounded to 0.01) of a group, its instance count, and what is missing.

    A name not computed for every instance of the group it applies to has ``None`` as its
    mean, and its number of missing instances under ``not_computed``.
    """
    means: dict[str, Any] = {}
    missing: dict[str, int] = {}
    for name in METRIC_NAMES:
        covered = coverage(scores, name, (absent_reasons or {}).get(name, ""))
        means[name] = covered.value
        if covered.missing:
            missing[name] = covered.missing
    summary: dict[str, Any] = {"instances": len(scores), "metrics": means}
    if missing:
        summary["not_computed"] = missing
    return summary


def absent_reasons(families: Mapping[str, FamilyStatus]) -> dict[str, str]:
    """Why each metric name may have no value at all: the family that should produce it."""
    reasons: dict[str, str] = {}
    for status in families.values():
        if status.available:
            continue
        for name in status.produces:
            reasons.setdefault(name, f"the {status.name} family did not run: {status.reason}")
    produced = {name for status in families.values() for name in status.produces}
    for name in METRIC_NAMES:
        if name not in produced:
            reasons.setdefault(name, "no metric family asked for produces it")
    return reasons


def build_report(
    scores: list[InstanceScores],
    *,
    families: Mapping[str, FamilyStatus],
    judge: str | None,
    source: dict[str, Any],
) -> Report:
    """Aggregate per-instance scores into a report."""
    overall: dict[str, float | None] = {}
    overall_counts: dict[str, int] = {}
    overall_of: dict[str, int] = {}
    not_computed: dict[str, dict[str, Any]] = {}
    judges: dict[str, set[str]] = defaultdict(set)
    reasons = absent_reasons(families)
    for name in METRIC_NAMES:
        covered = coverage(scores, name, reasons.get(name, ""))
        overall[name] = covered.value
        overall_counts[name] = covered.count
        overall_of[name] = covered.of
        if covered.missing:
            not_computed[name] = covered.to_json()
    for item in scores:
        for name, value in item.values.items():
            if value.value is not None:
                judges[name].add(value.judge)
    groups: dict[str, dict[str, dict[str, Any]]] = {}
    for grouping, labels_of in GROUPINGS.items():
        members: dict[str, list[InstanceScores]] = defaultdict(list)
        for item in scores:
            for label in labels_of(item):
                members[label].append(item)
        groups[grouping] = {label: summarise(members[label], reasons) for label in sorted(members)}
    family_json = {name: status.to_json() for name, status in families.items()}
    return Report(
        overall=overall,
        overall_counts=overall_counts,
        overall_of=overall_of,
        not_computed=not_computed,
        judges={name: sorted(judges[name]) for name in METRIC_NAMES if judges.get(name)},
        counts=_counts(scores, family_json, source),
        families=family_json,
        groups=groups,
        instances=scores,
        judge=judge or "proxy",
        source=source,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def _counts(
    scores: list[InstanceScores], families: dict[str, dict[str, Any]], source: dict[str, Any]
) -> dict[str, int]:
    unusable = 0
    missing_reference = 0
    for item in scores:
        for problem in item.problems:
            if problem.startswith("prediction "):
                unusable += 1
            elif problem.startswith("reference "):
                missing_reference += 1
    counters: dict[str, int] = defaultdict(int)
    for status in families.values():
        for name, value in status["counters"].items():
            counters[name] += int(value)
    return {
        "instances": len(scores),
        "answered": sum(item.answered for item in scores),
        "missing_predictions": sum(not item.has_prediction for item in scores),
        "declined_predictions": sum(item.has_prediction and not item.answered for item in scores),
        "unusable_prediction_files": unusable,
        "missing_reference_files": missing_reference,
        "unparseable_judge_replies": counters.pop("unparseable_replies", 0),
        "metric_errors": sum(int(status["errors"]) for status in families.values()),
        "unmatched_predictions": len(source.get("unmatched_predictions", [])),
        "invalid_instances": len(source.get("invalid_instances", [])),
        "predictions_problems": len(source.get("predictions_problems", [])),
        **{f"judge_{name}": value for name, value in sorted(counters.items())},
    }


def load_report(path: Path) -> Report:
    """Read a report folder or ``report.json``.

    Raises:
        InputError: the file is missing, is not JSON, or is not a report of a known version.
    """
    path = Path(path)
    if path.is_dir():
        path = path / REPORT_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            "no report here; give a report folder or its report.json", source=str(path)
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"cannot read the report ({error})", source=str(path)) from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise InputError(
            f"not a unima evaluation report (schema is not {SCHEMA!r})", source=str(path)
        )
    if data.get("schema_version") != SCHEMA_VERSION:
        raise InputError(
            f"report schema version {data.get('schema_version')!r} is not supported "
            f"(this unima reads version {SCHEMA_VERSION}); re-run the evaluation",
            source=str(path),
        )
    try:
        return Report.from_json(data)
    except (KeyError, TypeError, ValueError) as error:
        raise InputError(f"the report is incomplete ({error!r})", source=str(path)) from None


def _difficulty_label(level: int | None) -> str:
    return DIFFICULTY_LABELS.get(level, "unknown") if level is not None else "unknown"
