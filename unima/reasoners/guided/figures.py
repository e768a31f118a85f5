"""Recalled figures: a chart the request asks for when the inputs hold no numbers to draw.

"Compare the populations of France, Germany and Italy in a bar chart" gives no data, and the
heuristic can only draw a labelled diagram that says so (and fails the requested kind). A
language model knows such figures, so the guided reasoner asks it for them as one small JSON
object (what is measured, its unit, one value per item) and draws the chart from the reply.

The figures are the model's recall, not a source: the chart's caption, the content spec and a
sentence after the answer say so (unless every value is a number the request typed in words the
list reader did not take for data: then they are "as the request gives them"), and the answer is written with the figures in front of the
model so that its text and the chart agree. A reply is refused when it is no chart's data:
fewer than two values, a value that is not a finite number, two items with one name, a pie of
negative shares, or all values zero.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from unima.reasoners.guided.asking import Asker
from unima.reasoners.guided.questions import (
    JSON_REPLY_TOKENS,
    QUESTION_START,
    BadReply,
    Question,
)
from unima.reasoners.heuristic.content import WANTED_CHARTS, step_arguments
from unima.reasoners.heuristic.text_tools import shorten
from unima.tools.image.arguments import CHART_KINDS, ImageArguments
from unima.tools.image.fitting import MAX_CHART_VALUES
from unima.tools.image.numbers import readable_number
from unima.types import PLACEHOLDER_PATTERN, Step, WantedOutput

MAX_ITEM_CHARS = 40
CHART_LABEL_CHARS = 24
# Units a small model writes when a quantity has none.
NO_UNIT = frozenset({"", "none", "n/a", "na", "null", "unitless", "count", "number"})
# Quantities a small model names when it has no better word: no subject for a sentence.
GENERIC_QUANTITY = frozenset({"data", "value", "values", "figures", "numbers", "amount", "amounts"})
PERCENT = ("%", "percent", "per cent")  # "percentage by volume" too


# "Compare the populations of France, Germany and Italy", "Plot the heights of ...": a request
# whose only ask is the chart; one that also asks why, how or which wants the model's answer.
CHART_ONLY = re.compile(
    r"^\s*(?:please\s+)?(?:compare|plot|chart|graph|show|draw|make|create|give|list|display|"
    r"visuali[sz]e)\b",
    re.IGNORECASE,
)
MORE_THAN_FIGURES = re.compile(
    r"\b(?:explain|why|how|describe|discuss|what|which|who|analy[sz]e|summari[sz]e|tell|"
    r"write|and\s+(?:say|note))\b",
    re.IGNORECASE,
)


class FigureReply(BaseModel):
    model_config = ConfigDict(extra="ignore")

    label: str = Field(max_length=80, description="The item, as the request names it.")
    value: float = Field(description="Its value, a plain number in the unit.")


class FiguresReply(BaseModel):
    model_config = ConfigDict(extra="ignore")

    quantity: str = Field(default="", max_length=80, description="What is measured.")
    unit: str = Field(default="", max_length=40, description="The unit of every value.")
    values: list[FigureReply] = Field(min_length=2, max_length=MAX_CHART_VALUES)


@dataclass(frozen=True)
class Figures:
    """Checked figures for one chart: what they measure, their unit, one value per label."""

    quantity: str
    unit: str
    labels: list[str]
    values: list[float]
    # "recall": the model's own knowledge; "request": numbers the request typed that the
    # heuristic's list reader did not take as data, read out by the model.
    source: str = "recall"

    def amount(self, value: float) -> str:
        """One value in words with its unit: "67.8 million people", "78%", "8,848 meters"."""
        number = readable_number(value, short=False)
        if self.unit.lower().startswith(PERCENT):
            return f"{number}%"
        return f"{number} {self.unit}" if self.unit else number

    def ranked(self, kind: str) -> str:
        """The figures in a sentence's words: highest first, or in order for a line chart."""
        pairs = self.pairs(kind)
        said = [f"{label} {self.amount(value)}" for label, value in pairs]
        listed = ", ".join(said[:-1]) + f" and {said[-1]}"
        return f"{listed}{', in order' if kind == 'line_chart' else ', highest first'}"

    def pairs(self, kind: str) -> list[tuple[str, float]]:
        """(label, value) pairs, highest first; a line chart's keep their order (time)."""
        pairs = list(zip(self.labels, self.values, strict=True))
        return pairs if kind == "line_chart" else sorted(pairs, key=lambda pair: -pair[1])

    def trend(self, subject: str = "it") -> str:
        """The shape of an ordered series: "The temperature rises from 12 (6am) to a peak of 23
        (3pm), then falls to 19 (6pm)."."""
        it = subject[:1].upper() + subject[1:]
        said = [
            f"{self.amount(value)} ({label})"
            for label, value in zip(self.labels, self.values, strict=True)
        ]
        last = len(self.values) - 1
        high = self.values.index(max(self.values))
        low = self.values.index(min(self.values))
        if self.values[high] == self.values[low]:
            return f"{it} stays at {self.amount(self.values[0])} throughout."
        if 0 < high < last and low in (0, last):
            return (
                f"{it} rises from {said[0]} to a peak of {said[high]}, then falls to {said[last]}."
            )
        if 0 < low < last and high in (0, last):
            return f"{it} falls from {said[0]} to a low of {said[low]}, then rises to {said[last]}."
        if (low, high) == (0, last):
            return f"{it} rises from {said[0]} to {said[last]}."
        if (high, low) == (0, last):
            return f"{it} falls from {said[0]} to {said[last]}."
        return (
            f"{it} goes from {said[0]} to {said[last]}, with a high of {said[high]} and a low of "
            f"{said[low]}."
        )

    def comparison(self, kind: str) -> str:
        """One computed sentence: a pie's total, a line's change, a bar's highest over lowest."""
        pairs = self.pairs(kind)
        (first, start), (last, end) = pairs[0], pairs[-1]
        if kind == "pie_chart":
            return f"Together they come to {self.amount(math.fsum(self.values))}."
        if kind == "line_chart":
            change = end - start
            direction = "rises" if change > 0 else "falls" if change < 0 else "stays level"
            shift = f" by {self.amount(abs(change))}" if change else ""
            return f"From {first} to {last} it {direction}{shift}."
        if end > 0:
            return f"{first}'s is {start / end:.3g} times {last}'s."
        return ""


def check_figures(kind: str) -> Callable[[Any], Figures]:
    """Checks for a chart's figures: 2 or more distinct items, finite values, not all zero."""

    def check(reply: Any) -> Figures:
        assert isinstance(reply, FiguresReply)
        labels = [
            " ".join(PLACEHOLDER_PATTERN.sub(" ", item.label).split()) for item in reply.values
        ]
        labels = [label.strip(" .,;:") for label in labels]
        values = [float(item.value) for item in reply.values]
        if any(not label for label in labels):
            raise BadReply("an item has no label; name every item")
        long = [label for label in labels if len(label) > MAX_ITEM_CHARS]
        if long:
            raise BadReply(
                f"the label {long[0][:60]!r} is too long; name each item in 1 to 4 words"
            )
        if len({label.lower() for label in labels}) != len(labels):
            raise BadReply("two items have the same label; give each item once")
        if not all(math.isfinite(value) for value in values):
            raise BadReply("a value is not a number; give every value as a plain number")
        if not any(values):
            raise BadReply("every value is 0; give each item's real value")
        if kind == "pie_chart" and any(value < 0 for value in values):
            raise BadReply("a pie chart shows shares, and a share cannot be negative")
        unit = " ".join(reply.unit.split())
        quantity = " ".join(reply.quantity.split())
        return Figures(
            quantity="" if quantity.lower() in GENERIC_QUANTITY else quantity,
            unit="" if unit.lower() in NO_UNIT else unit,
            labels=labels,
            values=values,
        )

    return check


def figures_question(kind: str) -> Question:
    return Question(
        "figures", "guided_figures", FiguresReply, check_figures(kind), max_tokens=JSON_REPLY_TOKENS
    )


def wants_recalled_figures(step: Step, wanted: WantedOutput | None) -> bool:
    """Whether ``step`` is a chart the request asked for that the heuristic could not draw."""
    return (
        wanted is not None
        and wanted.kind in WANTED_CHARTS
        and step.tool == "generate_image"
        and step.arguments.get("kind") not in CHART_KINDS
    )


def ask_figures(asker: Asker, step: Step, wanted: WantedOutput, request: str) -> Figures | None:
    """The model's figures for ``step``'s chart, or ``None`` when its replies were unusable."""
    kind = chart_kind(wanted)
    figures, record = asker.ask(
        figures_question(kind),
        tag=step.produces,
        step_id=step.id,
        kind=kind.replace("_", " "),
        subject=wanted.subject,
        request=shorten(request, 400),
    )
    asker.report(record)
    if not isinstance(figures, Figures):
        return None
    typed = numbers_in(request)
    if all(any(math.isclose(value, number) for number in typed) for value in figures.values):
        return dataclasses.replace(figures, source="request")
    return figures


def numbers_in(text: str) -> list[float]:
    """Every number written in ``text`` (``12``, ``1,200``, ``-3.5``)."""
    return [
        float(match.group().replace(",", ""))
        for match in re.finditer(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?", text)
    ]


def chart_kind(wanted: WantedOutput) -> str:
    """The chart kind drawn for ``wanted``: the one asked for, a bar chart for any chart."""
    return wanted.kind if wanted.kind in CHART_KINDS else "bar_chart"


def figures_chart(
    step: Step, wanted: WantedOutput, figures: Figures, model_name: str
) -> tuple[dict[str, Any], str]:
    """``generate_image`` arguments and the content spec for a chart of recalled figures."""
    kind = chart_kind(wanted)
    subject = chart_subject(step, wanted, figures)
    chart = ImageArguments(
        kind=kind,  # type: ignore[arg-type]  # one of CHART_KINDS, checked by chart_kind
        title=chart_title(step, subject),
        labels=[shorten(label, CHART_LABEL_CHARS) for label in figures.labels],
        values=figures.values,
        y_label=shorten(figures.unit or figures.quantity, 100),
        caption=shorten(
            f"Figures recalled by the language model {model_name}; not from a source."
            if figures.source == "recall"
            else "Figures as the request gives them.",
            300,
        ),
    )
    words = kind.replace("_", " ")
    origin = (
        "recalled by the language model, not taken from the inputs"
        if figures.source == "recall"
        else "as the request gives them"
    )
    return step_arguments(chart), shorten(
        f"A {words} of {subject}: {len(figures.values)} values {origin}.", 300
    )


def chart_title(step: Step, subject: str) -> str:
    """The heuristic's title, or the subject when that title is the request's own sentence."""
    title = str(step.arguments.get("title", ""))
    if title and not CHART_ONLY.match(title):
        return title
    return shorten(subject[:1].upper() + subject[1:], 80) if subject else title


def chart_subject(step: Step, wanted: WantedOutput, figures: Figures) -> str:
    """What the chart is of, for its spec: the request's words, else its title, else the
    quantity the model named ("the populations of France, Germany and Italy")."""
    if wanted.subject:
        return wanted.subject
    # "Chart the number of moons of ...": the title is the request's sentence; its object is
    # what the chart shows.
    title = CHART_ONLY.sub("", str(step.arguments.get("title", ""))).strip()
    if title.split()[:1] in (["The"], ["the"], ["A"], ["An"]):
        return title[0].lower() + title[1:]
    if figures.quantity or QUESTION_START.match(title):  # "Which country is most populous"
        return figures.quantity or "the recalled figures"
    return title


def recall_caveat(model_name: str, figures: Figures) -> str:
    """Where the figures come from, in a sentence."""
    if figures.source == "request":
        return "These are the figures the request gives."
    return (
        f"These figures are the language model's recall ({model_name}), not taken from the "
        "inputs or a cited source: check them before relying on them."
    )


def recall_note(model_name: str, figures: Figures, kind: str) -> str:
    """The sentences after the model's answer: the chart's figures, and where they come from."""
    return f"The chart shows {figures.ranked(kind)}. {recall_caveat(model_name, figures)}"


def data_answer(figures: Figures, kind: str, subject: str) -> str:
    """The answer to a request for a chart of data it gave: the series' shape (a line chart) or
    its ranking, said of ``subject`` ("the temperature over a day"; may be empty); the analysis
    program's figures follow it."""
    if kind == "line_chart":
        return figures.trend(subject or "it")
    named = subject[:1].upper() + subject[1:] if subject else "The figures"
    return f"{named}: {figures.ranked(kind)}."


def figures_answer(model_name: str, figures: Figures, kind: str) -> str:
    """The whole answer to a request that only asks for the chart: its figures, one computed
    comparison, and where they come from. Nothing in it is the model's wording, so the text
    cannot contradict the chart."""
    subject = figures.quantity[:1].upper() + figures.quantity[1:] if figures.quantity else ""
    lead = (
        f"{subject}, {figures.ranked(kind)}" if subject else f"The figures: {figures.ranked(kind)}"
    )
    caveat = recall_caveat(model_name, figures)
    return " ".join(filter(None, [f"{lead}.", figures.comparison(kind), caveat]))


def asks_only_for_figures(question: str) -> bool:
    """Whether ``question`` (the request without its media phrases) asks for nothing but the
    figures a chart shows ("Compare the populations of ...", "Plot the heights of ...")."""
    return bool(CHART_ONLY.match(question)) and asks_nothing_else(question)


def asks_nothing_else(text: str) -> bool:
    """Whether ``text`` holds no question and no request to explain, describe or write."""
    return "?" not in text and not MORE_THAN_FIGURES.search(text)
