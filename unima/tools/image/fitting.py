"""Fitting data to a chart: a chart holds at most ``MAX_CHART_VALUES`` bars or points.

The rule lives beside the image tool whose arguments set the limit, so the reasoner that draws
a chart and the relevance check that compares it with the analysis group data the same way.
"""

from __future__ import annotations

import math

from unima.tools.image.arguments import ImageArguments


def _max_items(field: str) -> int:
    """The most items ``ImageArguments.<field>`` accepts (its ``max_length``)."""
    for constraint in ImageArguments.model_fields[field].metadata:
        limit = getattr(constraint, "max_length", None)
        if isinstance(limit, int):
            return limit
    return 64


# A chart holds this many bars or points; more data is grouped (see ``fit_chart``).
MAX_CHART_VALUES = min(_max_items("labels"), _max_items("values"))


def fit_chart(
    labels: list[str], values: list[float], limit: int = MAX_CHART_VALUES
) -> tuple[list[str], list[float], str]:
    """At most ``limit`` chart points for the data, and a sentence saying how they were made.

    Data that repeats a few labels (one row per sale, per region) becomes the mean per label;
    other data becomes groups of consecutive values, each shown as its mean and labelled with
    its first and last label. Data that fits is returned as it is, with no sentence.
    """
    count = len(values)
    if count <= limit:
        return labels, values, ""
    distinct = list(dict.fromkeys(labels))
    if len(distinct) <= limit:
        grouped: dict[str, list[float]] = {label: [] for label in distinct}
        for label, value in zip(labels, values, strict=False):
            grouped[label].append(value)
        means = [round(math.fsum(group) / len(group), 4) for group in grouped.values()]
        return (
            distinct,
            means,
            f"The chart shows the mean of each of the {len(distinct)} labels: the {count} "
            f"values repeat them, and a chart holds at most {limit} bars.",
        )
    size = math.ceil(count / limit)
    chart_labels, chart_values = [], []
    for start in range(0, count, size):
        group = values[start : start + size]
        first, last = labels[start], labels[min(start + size, count) - 1]
        chart_labels.append(first if first == last else f"{first}–{last}")
        chart_values.append(round(math.fsum(group) / len(group), 4))
    return (
        chart_labels,
        chart_values,
        f"The chart shows the {count} values as {len(chart_values)} groups of up to {size} "
        f"consecutive values, each bar the group's mean, since a chart holds at most {limit}.",
    )
