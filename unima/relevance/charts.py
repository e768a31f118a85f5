"""Charts: the kind the request asked for, and the values the analysis found."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, TypeGuard

from unima.relevance.inputs import Findings, RelevanceInputs
from unima.tools.image.arguments import CHART_KINDS, ImageArguments
from unima.tools.image.fitting import MAX_CHART_VALUES, fit_chart

# Values may be rounded for display: within half a percent (or 0.005 near zero) they are the
# analysis's numbers; a chart that differs more plots other data.
RELATIVE_TOLERANCE = 0.005
ABSOLUTE_TOLERANCE = 0.005
ANY_CHART = "chart"
# The request's words for each chart kind, most specific first; "chart" or "graph" alone lets
# any chart kind do.
KIND_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("bar_chart", re.compile(r"\b(bar|column)\s*(chart|graph|plot)s?\b|\bhistograms?\b", re.I)),
    ("line_chart", re.compile(r"\bline\s*(chart|graph|plot)s?\b", re.I)),
    ("pie_chart", re.compile(r"\bpie\s*(chart|graph)?s?\b", re.I)),
    ("scatter_chart", re.compile(r"\bscatter\s*(chart|graph|plot)?s?\b|\bscatterplots?\b", re.I)),
    ("flowchart", re.compile(r"\bflow\s*charts?\b", re.I)),
    (ANY_CHART, re.compile(r"\b(chart|graph)s?\b", re.I)),
)
# What each wanted kind accepts beyond itself.
ACCEPTED: dict[str, set[str]] = {
    ANY_CHART: set(CHART_KINDS),
    "diagram": {"diagram", "flowchart", "timeline"},
}


def wanted_kinds(inputs: RelevanceInputs) -> tuple[set[str], bool]:
    """The image kinds asked for, and whether the output spec said so for this very item.

    The output spec's wanted kind for this item wins when the spec carries one (read with
    tolerance: older specs have none); otherwise the request's own words for charts are read,
    where ``"chart"`` means any chart kind. Other kinds are not read from the words.
    """
    spec = inputs.output_spec
    wanted_for = getattr(spec, "wanted_for", None)
    index = inputs.output_index()
    items: Any = getattr(spec, "wanted", None)
    if callable(wanted_for) and items and index is not None:
        item = wanted_for(inputs.artifact.modality, index)
        kind = getattr(item, "kind", None)
        return ({str(kind)} if kind else set()), True
    spec_kind = getattr(spec, "kind", None)
    if isinstance(spec_kind, str) and spec_kind:
        return {spec_kind}, True
    text = inputs.request
    kinds: set[str] = set()
    for kind, pattern in KIND_PATTERNS:
        if pattern.search(text):
            kinds.add(kind)
            text = pattern.sub(" ", text)
    return kinds, False


def accepted_kinds(wanted: str) -> set[str]:
    """The drawn kinds that are what ``wanted`` asks for (a flowchart is a diagram)."""
    return ACCEPTED.get(wanted, {wanted})


def check_chart_kind(
    arguments: ImageArguments, inputs: RelevanceInputs, findings: Findings
) -> None:
    """Fail when the image is not the kind asked for.

    With the output spec's kind for this item, a chart of another kind, or a chart where a drawn
    kind was asked, fails. From the request's words alone (several images may share them), a
    chart of another chart kind fails, and so does a non-chart when only charts were asked.
    """
    wanted, from_spec = wanted_kinds(inputs)
    findings.checks["wanted_kinds"] = sorted(wanted)
    accepted = set().union(*(accepted_kinds(kind) for kind in wanted)) if wanted else set()
    if not wanted or arguments.kind in accepted:
        return
    is_chart = arguments.kind in CHART_KINDS
    asked = " or ".join(_kind_words(kind) for kind in sorted(wanted))
    wanted_charts = wanted & (CHART_KINDS | {ANY_CHART})
    if from_spec:
        # Between drawn kinds (a diagram for "a picture") the request's words are too loose to
        # fail on; a chart where none was asked, or the wrong chart, is plainly another thing.
        if wanted_charts or is_chart:
            findings.fail(
                "chart_kind",
                f"the image is {_kind_words(arguments.kind)}, but the request asked for {asked}",
            )
        return
    if wanted_charts and (is_chart or wanted <= CHART_KINDS | {ANY_CHART}):
        asked = " or ".join(_kind_words(kind) for kind in sorted(wanted_charts))
        findings.fail(
            "chart_kind",
            f"the image is {_kind_words(arguments.kind)}, but the request asked for {asked}",
        )


def _kind_words(kind: str) -> str:
    """``kind`` for a message, with its article: "a bar chart", "an illustration"."""
    if kind == ANY_CHART:
        return "a chart"
    words = kind.replace("_", " ")
    return f"{'an' if words[:1] in 'aeiou' else 'a'} {words}"


def analysis_series(values: Mapping[str, Any]) -> tuple[list[str], list[float]] | None:
    """The one data series an analysis published, as (labels, numbers), or None.

    Read from ``values`` (with ``labels``), else the only numeric list, else the only mapping of
    names to numbers.
    """
    numbers = values.get("values")
    if _numeric_list(numbers):
        labels = values.get("labels")
        names = [str(label) for label in labels] if isinstance(labels, list) else []
        return names, [float(number) for number in numbers]
    lists = [value for value in values.values() if _numeric_list(value)]
    if len(lists) == 1:
        return [], [float(number) for number in lists[0]]
    mappings = [
        value
        for value in values.values()
        if isinstance(value, Mapping) and len(value) >= 2 and _numeric_list(list(value.values()))
    ]
    if len(mappings) == 1 and not lists:
        return [str(name) for name in mappings[0]], [float(v) for v in mappings[0].values()]
    return None


def _numeric_list(value: Any) -> TypeGuard[list[float]]:
    return (
        isinstance(value, list)
        and len(value) > 0
        and all(isinstance(item, int | float) and not isinstance(item, bool) for item in value)
    )


def check_chart_values(
    arguments: ImageArguments, inputs: RelevanceInputs, findings: Findings
) -> None:
    """Fail when the chart does not plot the analysis's values (same count, same numbers)."""
    analysis = inputs.analysis
    if analysis is None or analysis.status != "ok":
        return
    series = analysis_series(analysis.values)
    if series is None:
        findings.checks["analysis_values"] = "none published"
        return
    labels, expected = series
    findings.checks["analysis_values"] = len(expected)
    if len(expected) > MAX_CHART_VALUES:
        # More data than a chart holds: the chart must plot it grouped by the shared rule.
        names = (
            labels
            if len(labels) == len(expected)
            else [str(n) for n in range(1, len(expected) + 1)]
        )
        labels, expected, _ = fit_chart(names, expected)
        findings.checks["analysis_values_fitted"] = len(expected)
    candidates = [list(arguments.values)] if arguments.values else []
    candidates += [list(numbers) for numbers in (arguments.series or {}).values()]
    if any(_same_values(arguments.labels, plotted, labels, expected) for plotted in candidates):
        findings.checks["values_match"] = True
        return
    findings.checks["values_match"] = False
    plotted = candidates[0] if candidates else []
    if len(plotted) != len(expected):
        findings.fail(
            "chart_values",
            f"the chart plots {len(plotted)} values, the analysis found {len(expected)}",
        )
    else:
        findings.fail(
            "chart_values",
            f"the chart's values {_numbers(plotted)} are not the analysis's {_numbers(expected)}",
        )


def _same_values(
    chart_labels: Sequence[str],
    plotted: Sequence[float],
    labels: Sequence[str],
    expected: Sequence[float],
) -> bool:
    if len(plotted) != len(expected):
        return False
    chart_keys = [label.strip().lower() for label in chart_labels]
    keys = [label.strip().lower() for label in labels]
    # Matched by label when both name the same categories (a chart may sort its bars).
    if keys and len(set(keys)) == len(keys) and sorted(chart_keys) == sorted(keys):
        by_label = dict(zip(chart_keys, plotted, strict=True))
        pairs = [(by_label[key], value) for key, value in zip(keys, expected, strict=True)]
    else:
        pairs = list(zip(plotted, expected, strict=True))
    return all(
        math.isclose(a, b, rel_tol=RELATIVE_TOLERANCE, abs_tol=ABSOLUTE_TOLERANCE) for a, b in pairs
    )


def _numbers(values: Sequence[float], limit: int = 8) -> str:
    listed = ", ".join(f"{value:g}" for value in values[:limit])
    return f"[{listed}{', ...' if len(values) > limit else ''}]"
