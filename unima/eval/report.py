"""The evaluation report: per-instance scores, averages overall and by group, written to a folder.

``REPORT_DIR/report.json`` follows a versioned schema (``SCHEMA``, ``SCHEMA_VERSION``):

- ``overall``: each of the 13 metric names (``METRIC_NAMES``) to its mean over the instances
  whose value for that name is not ``null``, on 0-100 (``null`` when no instance has one);
- ``overall_counts``: how many instances each mean is over;
- ``judges``: for each name, the judges/extractors that produced its values;
- ``counts``: instances, predictions missing or declined, unusable prediction files, missing
  reference files, unparseable judge replies, metric errors, unmatched predictions;
- ``families``: each metric family asked for, whether it ran, and why not;
- ``groups``: the same means by field, domain (the paper's 30 domains: UniM's ``subdomain``),
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
from unima.eval.records import METRIC_NAMES, InstanceScores

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


def summarise(scores: list[InstanceScores]) -> dict[str, Any]:
    """The 13 means (rounded to 0.01) of a group and its instance count."""
    means: dict[str, Any] = {}
    for name in METRIC_NAMES:
        mean, _ = average(scores, name)
        means[name] = None if mean is None else round(mean, 2)
    return {"instances": len(scores), "metrics": means}


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
    judges: dict[str, set[str]] = defaultdict(set)
    for name in METRIC_NAMES:
        mean, count = average(scores, name)
        overall[name] = None if mean is None else round(mean, 2)
        overall_counts[name] = count
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
        groups[grouping] = {label: summarise(members[label]) for label in sorted(members)}
    family_json = {name: status.to_json() for name, status in families.items()}
    return Report(
        overall=overall,
        overall_counts=overall_counts,
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
