"""Charts asked for without data: the guided reasoner draws the model's recalled figures."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")
import pytest
from matplotlib.figure import Figure

from unima.reasoners.base import RequestView
from unima.reasoners.guided import GuidedReasoner
from unima.reasoners.guided.figures import (
    Figures,
    FiguresReply,
    asks_only_for_figures,
    check_figures,
)
from unima.reasoners.guided.questions import BadReply
from unima.spec.parser import output_spec_for
from unima.testing import ScriptedChatModel
from unima.tools.image import charts
from unima.tools.image.arguments import ImageArguments
from unima.tools.image.numbers import readable_number
from unima.types import AnalysisReport, Plan, Request

POPULATIONS = {
    "quantity": "population",
    "unit": "people",
    "values": [
        {"label": "France", "value": 67_848_000},
        {"label": "Germany", "value": 83_774_000},
        {"label": "Italy", "value": 60_483_000},
    ],
}
FIGURES = Figures("population", "people", ["France", "Germany", "Italy"], [67.8e6, 83.7e6, 60.8e6])


def reply(**changes: object) -> FiguresReply:
    return FiguresReply.model_validate({**POPULATIONS, **changes})


def plan_for(model: ScriptedChatModel, text: str, analysis: AnalysisReport | None = None) -> Plan:
    reasoner = GuidedReasoner(model, timeout_s=5)
    view = RequestView(Request(text=text))
    caption = reasoner.caption(view, output_spec_for(text))
    analysis = analysis or AnalysisReport(needed=False)
    return reasoner.plan(view, caption, analysis, ["image1"], feedback=[])


def image_arguments(plan: Plan) -> dict[str, object]:
    return next(step.arguments for step in plan.steps if step.produces == "image1")


# -- the checks -----------------------------------------------------------------------------


def test_good_figures_are_kept_with_generic_words_dropped() -> None:
    figures = check_figures("bar_chart")(reply(quantity="data", unit="none"))
    assert figures == Figures(
        "", "", ["France", "Germany", "Italy"], [67848000, 83774000, 60483000]
    )
    assert check_figures("bar_chart")(reply()).unit == "people"


@pytest.mark.parametrize(
    ("changes", "kind", "problem"),
    [
        (
            {"values": [{"label": "France", "value": 1}, {"label": "france", "value": 2}]},
            "bar_chart",
            "same label",
        ),
        (
            {"values": [{"label": "A", "value": 0}, {"label": "B", "value": 0}]},
            "bar_chart",
            "every value is 0",
        ),
        (
            {"values": [{"label": "A", "value": -1}, {"label": "B", "value": 3}]},
            "pie_chart",
            "negative",
        ),
        (
            {"values": [{"label": "<image1>", "value": 1}, {"label": "B", "value": 3}]},
            "bar_chart",
            "no label",
        ),
        (
            {"values": [{"label": "x" * 41, "value": 1}, {"label": "B", "value": 3}]},
            "bar_chart",
            "too long",
        ),
    ],
)
def test_replies_that_are_no_chart_data_are_refused(
    changes: dict[str, object], kind: str, problem: str
) -> None:
    with pytest.raises(BadReply, match=problem):
        check_figures(kind)(reply(**changes))


def test_a_negative_value_is_fine_on_a_bar_chart() -> None:
    values = [{"label": "Loss", "value": -3}, {"label": "Gain", "value": 5}]
    assert check_figures("bar_chart")(reply(values=values)).values == [-3, 5]


# -- the words ------------------------------------------------------------------------------


def test_figures_in_words_ranked_compared_and_totalled() -> None:
    assert FIGURES.ranked("bar_chart") == (
        "Germany 83.7 million people, France 67.8 million people and Italy 60.8 million people, "
        "highest first"
    )
    assert FIGURES.comparison("bar_chart") == "Germany's is 1.38 times Italy's."
    shares = Figures(
        "composition", "percentage by volume", ["Nitrogen", "Oxygen", "Argon"], [78, 21, 0.93]
    )
    assert shares.ranked("pie_chart") == "Nitrogen 78%, Oxygen 21% and Argon 0.93%, highest first"
    assert shares.comparison("pie_chart") == "Together they come to 99.93%."
    years = Figures("world population", "", ["1950", "2020"], [2.5e9, 7.8e9])
    assert years.ranked("line_chart") == "1950 2.5 billion and 2020 7.8 billion, in order"
    assert years.comparison("line_chart") == "From 1950 to 2020 it rises by 5.3 billion."


@pytest.mark.parametrize(
    ("value", "short", "long"),
    [
        (67_848_000, "67.8M", "67.8 million"),
        (7.8e9, "7.8B", "7.8 billion"),
        (2.1e13, "21T", "21 trillion"),
        (8848, "8848", "8848"),
        (12_500, "12,500", "12,500"),
        (0.93, "0.93", "0.93"),
        (-4_200_000, "-4.2M", "-4.2 million"),
        (0, "0", "0"),
    ],
)
def test_readable_numbers(value: float, short: str, long: str) -> None:
    assert readable_number(value) == short
    assert readable_number(value, short=False) == long


@pytest.mark.parametrize(
    ("question", "only"),
    [
        ("Compare the populations of France, Germany and Italy.", True),
        ("Plot the heights of Mount Everest, K2 and Kilimanjaro.", True),
        ("Which country is most populous: France, Germany or Italy?", False),
        ("Draw a graph of world population and explain the trend.", False),
        ("The populations of France and Italy.", False),
    ],
)
def test_a_request_that_asks_only_for_the_chart(question: str, only: bool) -> None:
    assert asks_only_for_figures(question) is only


# -- the plan -------------------------------------------------------------------------------


def test_a_chart_only_request_is_answered_by_its_figures_and_drawn_from_them() -> None:
    model = ScriptedChatModel(script={"guided_figures": json.dumps(POPULATIONS)})
    plan = plan_for(model, "Compare the populations of France, Germany and Italy in a bar chart.")

    assert [step for step, _ in model.calls] == ["guided_figures"]  # no answer asked of it
    arguments = image_arguments(plan)
    assert arguments["kind"] == "bar_chart"
    assert arguments["labels"] == ["France", "Germany", "Italy"]
    assert arguments["values"] == [67848000, 83774000, 60483000]
    assert arguments["y_label"] == "people"
    assert "recalled by the language model scripted" in str(arguments["caption"])
    assert plan.content.startswith(
        "Population, Germany 83.8 million people, France 67.8 million people and Italy 60.5 "
        "million people, highest first. Germany's is 1.39 times Italy's. These figures are the "
        "language model's recall (scripted), not taken from the inputs or a cited source"
    )
    assert (
        "<image1> is a bar chart of the populations of France, Germany and Italy: 3 values "
        "recalled by the language model" in plan.content
    )
    assert "recalled by the language model" in plan.content_specs["image1"]


def test_a_question_with_a_chart_gets_the_models_answer_written_with_the_figures() -> None:
    answer = "Germany has the largest population of the three, at about 83.8 million people."
    model = ScriptedChatModel(
        script={"guided_figures": json.dumps(POPULATIONS), "guided_answer": answer}
    )
    plan = plan_for(
        model, "Which country is most populous: France, Germany or Italy? Include a bar chart."
    )

    assert [step for step, _ in model.calls] == ["guided_figures", "guided_answer"]
    answer_prompt = str(model.calls[1][1][-1].content)
    assert "Germany 83.8 million people, France 67.8 million people and Italy" in answer_prompt
    assert plan.content.startswith(answer)
    assert "The chart shows Germany 83.8 million people, France" in plan.content
    assert "not taken from the inputs or a cited source" in plan.content
    assert image_arguments(plan)["kind"] == "bar_chart"


def test_unusable_figures_leave_the_heuristics_labelled_diagram() -> None:
    bad = json.dumps(
        {
            "quantity": "x",
            "unit": "",
            "values": [{"label": "A", "value": 0}, {"label": "B", "value": 0}],
        }
    )
    model = ScriptedChatModel(
        script={"guided_figures": bad}, default="Nothing usable here at all, sorry."
    )
    plan = plan_for(model, "Compare the populations of France, Germany and Italy in a bar chart.")

    steps = [step for step, _ in model.calls]
    assert steps[:2] == ["guided_figures", "guided_figures"]  # asked again once with the problem
    assert "every value is 0" in str(model.calls[1][1][-1].content)
    assert "guided_answer" in steps
    assert image_arguments(plan)["kind"] != "bar_chart"
    assert "recall" not in plan.content


def test_a_chart_of_the_inputs_numbers_asks_for_no_figures() -> None:
    model = ScriptedChatModel(default="A short answer about the scores that were given above.")
    analysis = AnalysisReport(
        needed=True,
        status="ok",
        values={"labels": ["Ann", "Bo", "Cy"], "values": [81.0, 77.0, 90.0]},
    )
    plan = plan_for(model, "Show the scores in <document1> in a bar chart.", analysis)
    assert "guided_figures" not in [step for step, _ in model.calls]
    assert image_arguments(plan)["values"] == [81.0, 77.0, 90.0]
    assert "recall" not in plan.content


# -- the pictures ---------------------------------------------------------------------------


def test_large_values_read_as_millions_on_bars_and_axis() -> None:
    figure = Figure()
    axes = figure.add_subplot()
    arguments = ImageArguments(
        kind="bar_chart", title="t", labels=["F", "G"], values=[67.8e6, 83.7e6]
    )
    charts._bar_chart(axes, arguments, 12)
    assert sorted(text.get_text() for text in axes.texts) == ["67.8M", "83.7M"]
    assert axes.yaxis.get_major_formatter()(8e7, 0) == "80M"


def test_thin_pie_slices_are_named_in_a_legend_not_over_each_other() -> None:
    figure = Figure()
    axes = figure.add_subplot()
    arguments = ImageArguments(
        kind="pie_chart",
        title="t",
        labels=["Nitrogen", "Oxygen", "Argon", "CO2"],
        values=[78, 21, 0.93, 0.04],
    )
    charts._pie_chart(axes, arguments, 12)
    beside = {text.get_text() for text in axes.texts} - {""}
    assert {"Nitrogen", "Oxygen"} <= beside and not {"Argon", "CO2"} & beside
    legend = axes.get_legend()
    assert legend is not None
    assert [text.get_text() for text in legend.get_texts()] == ["Argon (0.93%)", "CO2 (0.04%)"]


def test_a_title_that_is_the_request_sentence_becomes_what_the_chart_shows() -> None:
    moons = {
        "quantity": "moons",
        "unit": "none",
        "values": [
            {"label": "Mars", "value": 2},
            {"label": "Jupiter", "value": 95},
            {"label": "Saturn", "value": 146},
        ],
    }
    model = ScriptedChatModel(script={"guided_figures": json.dumps(moons)})
    plan = plan_for(model, "Chart the number of moons of Mars, Jupiter and Saturn.")
    assert image_arguments(plan)["title"] == "The number of moons of Mars, Jupiter and Saturn"
    assert plan.content_specs["image1"].startswith(
        "A bar chart of the number of moons of Mars, Jupiter and Saturn: 3 values"
    )
    assert plan.content.startswith("Moons, Saturn 146, Jupiter 95 and Mars 2, highest first.")


def test_numbers_the_request_typed_are_not_called_recall() -> None:
    # The list reader does not take this sentence for data; the model reads its numbers out.
    teams = {
        "quantity": "wins",
        "unit": "",
        "values": [{"label": "Red team", "value": 3}, {"label": "Blue team", "value": 5}],
    }
    model = ScriptedChatModel(script={"guided_figures": json.dumps(teams)})
    plan = plan_for(
        model, "Make a bar chart: the red team had 3 wins while the blue team had 5 wins."
    )
    arguments = image_arguments(plan)
    assert arguments["values"] == [3, 5]
    assert arguments["caption"] == "Figures as the request gives them."
    assert "These are the figures the request gives." in plan.content
    assert "recall" not in plan.content
    assert plan.content_specs["image1"].endswith("2 values as the request gives them.")


@pytest.mark.parametrize(
    ("values", "said"),
    [
        (
            [12, 16, 23, 19],
            "The temperature rises from 12 (6am) to a peak of 23 (noon), then falls to 19 (3pm).",
        ),
        (
            [20, 14, 11, 18],
            "The temperature falls from 20 (6am) to a low of 11 (noon), then rises to 18 (3pm).",
        ),
        ([12, 16, 19, 23], "The temperature rises from 12 (6am) to 23 (3pm)."),
        ([23, 19, 16, 12], "The temperature falls from 23 (6am) to 12 (3pm)."),
        (
            [15, 23, 11, 18],
            "The temperature goes from 15 (6am) to 18 (3pm), with a high of 23 (9am) and a low of 11 (noon).",
        ),
        ([18, 18, 18, 18], "The temperature stays at 18 throughout."),
    ],
)
def test_the_shape_of_a_series_in_words(values: list[float], said: str) -> None:
    series = Figures("", "", ["6am", "9am", "noon", "3pm"], values, "request")
    assert series.trend("the temperature") == said


def test_a_chart_of_typed_data_is_answered_by_its_shape_and_the_computed_figures() -> None:
    model = ScriptedChatModel(default="An answer the model should not have been asked for.")
    analysis = AnalysisReport(
        needed=True,
        status="ok",
        values={
            "labels": ["6am", "9am", "noon", "3pm", "6pm"],
            "values": [12.0, 16.0, 21.0, 23.0, 19.0],
            "total": 5,
            "name": "value",
            "report": {"count": 5, "mean": 18.2},
        },
    )
    plan = plan_for(
        model,
        "Make a line chart of the temperature over a day: 6am 12, 9am 16, noon 21, 3pm 23, 6pm 19.",
        analysis,
    )
    assert "guided_answer" not in [step for step, _ in model.calls]
    assert plan.content.startswith(
        "The temperature over a day rises from 12 (6am) to a peak of 23 (3pm), then falls to "
        "19 (6pm).\n\nThe analysis computed"
    )
    assert "mean = 18.2" in plan.content and "recall" not in plan.content
    asked = ScriptedChatModel(default="The warmest reading, 23, comes at 3pm on this day.")
    plan_for(
        asked,
        "When is it warmest? Temperatures: 6am 12, 9am 16, 3pm 23. Plot a line chart.",
        analysis,
    )
    assert "guided_answer" in [step for step, _ in asked.calls]  # a question wants the model


@pytest.mark.parametrize(
    "text",
    [
        "Make a pie chart of my monthly budget.",
        "Compare our sales by region in a bar chart.",
    ],
)
def test_figures_only_the_user_has_are_never_recalled(text: str) -> None:
    model = ScriptedChatModel(
        script={"guided_figures": json.dumps(POPULATIONS)},
        default="A short answer that says the request gives no figures to draw.",
    )
    plan = plan_for(model, text)
    assert "guided_figures" not in [step for step, _ in model.calls]
    assert image_arguments(plan)["kind"] not in ("bar_chart", "pie_chart")


def test_a_request_with_inputs_takes_its_figures_from_them_not_from_recall() -> None:
    from unima.types import Part, Perception

    model = ScriptedChatModel(
        script={"guided_figures": json.dumps(POPULATIONS)},
        default="A short answer about what the scanned page holds, if anything.",
    )
    reasoner = GuidedReasoner(model, timeout_s=5)
    text = "Show the figures in <image1> in a bar chart."
    view = RequestView(
        Request(text=text, parts=(Part(modality="image", tag="image1"),)),
        {"image1": Perception(modality="image", tag="image1", summary="A blurred page.")},
    )
    caption = reasoner.caption(view, output_spec_for(text, input_tags=["image1"]))
    reasoner.plan(view, caption, AnalysisReport(needed=False), ["image2"], feedback=[])
    assert "guided_figures" not in [step for step, _ in model.calls]
