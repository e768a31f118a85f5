"""The heuristic reasoner states no wrong facts: the right column, every pair, honest refusals.

Unit tests pin the parsing rules (tables, typed lists, numbers, chart grouping); the agent tests
run the real sandbox and perception on files the tests build, with fake output tools, and check
the numbers the answer states.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pytest

from unima import Response, UniMA, load_trace
from unima.reasoners.base import RequestView
from unima.reasoners.heuristic.analysis_code import decide_analysis, question_goal
from unima.reasoners.heuristic.numbers import format_number, parse_quantity
from unima.reasoners.heuristic.perception_facts import table_series
from unima.reasoners.heuristic.tables import choose_columns
from unima.reasoners.heuristic.typed_lists import data_list
from unima.testing import fake_toolbox
from unima.tools.image.arguments import ImageArguments
from unima.tools.image.fitting import MAX_CHART_VALUES, fit_chart
from unima.trace.schema import Trace
from unima.types import Part, Perception, Request

NAMES = ["Alice", "Bob", "Carol", "Dan", "Eve", "Frank"]
SCORES = [82, 75, 91, 68, 88, 72]  # mean 79.33, argmax Carol, argmin Dan


@pytest.fixture(scope="module")
def agent() -> UniMA:
    return UniMA(tools=fake_toolbox())


def trace_of(response: Response) -> Trace:
    assert response.trace_path is not None
    return load_trace(response.trace_path)


def view_of(text: str, *perceptions: Perception) -> RequestView:
    parts = tuple(Part(modality=p.modality, tag=p.tag) for p in perceptions)
    return RequestView(Request(text=text, parts=parts), {p.tag or "": p for p in perceptions})


# -- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,200", (1200.0, "")),
        ("$1,200", (1200.0, "$")),
        ("-$150", (-150.0, "$")),
        ("\u22123.5", (-3.5, "")),
        ("45%", (45.0, "%")),
        ("12 kg", (12.0, "kg")),
        ("2.5k", (2500.0, "")),
        ("1.333", (1.333, "")),
    ],
)
def test_cells_are_read_with_separators_signs_and_units(
    text: str, expected: tuple[float, str]
) -> None:
    assert parse_quantity(text) == expected


@pytest.mark.parametrize("text", ["2024-01-05", "1.2.3", "n/a", "", "Alice"])
def test_cells_without_one_number_are_not_numbers(text: str) -> None:
    assert parse_quantity(text) is None


def test_numbers_are_shown_the_way_a_person_writes_them() -> None:
    assert [format_number(value) for value in (79.33333333, 476.0, -0.0012345, 1.0)] == [
        "79.33",
        "476",
        "-0.00123",
        "1",
    ]


# -- tables ----------------------------------------------------------------------------------


def table(header: list[str], *rows: Sequence[object]) -> list[list[str]]:
    return [header, *[[str(cell) for cell in row] for row in rows]]


def test_a_rank_column_after_the_scores_is_not_the_data() -> None:
    rows = table(
        ["Name", "Score", "Rank"],
        *[[n, s, r] for n, s, r in zip(NAMES, SCORES, [3, 4, 1, 6, 2, 5], strict=True)],
    )
    columns = choose_columns(rows)
    assert columns is not None and columns.value_name == "Score"
    assert columns.pairs() == list(zip(NAMES, map(float, SCORES), strict=True))


def test_the_column_the_question_names_is_the_data() -> None:
    rows = table(
        ["Name", "Age", "Score"],
        *[[n, 20 + i, s] for i, (n, s) in enumerate(zip(NAMES, SCORES, strict=True))],
    )
    assert choose_columns(rows, "What is the mean age?").value_name == "Age"  # type: ignore[union-attr]
    assert choose_columns(rows, "What is the mean score?").value_name == "Score"  # type: ignore[union-attr]


def test_row_numbers_name_rows_and_are_never_the_values() -> None:
    only_ids = table(["id", "score"], *[[i + 1, s] for i, s in enumerate(SCORES)])
    columns = choose_columns(only_ids)
    assert columns is not None and [value for _, value in columns.pairs()] == list(
        map(float, SCORES)
    )
    assert columns.pairs()[2] == ("id 3", 91.0)
    pandas_index = table(
        ["", "name", "score"],
        *[[i, n, s] for i, (n, s) in enumerate(zip(NAMES, SCORES, strict=True))],
    )
    assert choose_columns(pandas_index).pairs()[0] == ("Alice", 82.0)  # type: ignore[union-attr]
    assert choose_columns(table(["#", "Name"], [1, "A"], [2, "B"])) is None


def test_a_header_less_table_keeps_its_first_row_and_a_total_row_is_left_out() -> None:
    headless = [["Alice", "82"], ["Bob", "75"], ["Carol", "91"]]
    assert choose_columns(headless).pairs() == [("Alice", 82.0), ("Bob", 75.0), ("Carol", 91.0)]  # type: ignore[union-attr]
    with_total = table(["Item", "Cost"], ["Pens", "$3"], ["Paper", "$5"], ["Total", "$8"])
    columns = choose_columns(with_total)
    assert columns is not None and columns.pairs() == [("Pens", 3.0), ("Paper", 5.0)]
    assert columns.unit == "$"


def test_years_label_the_rows_of_a_time_series() -> None:
    rows = table(["Year", "Sales"], [2019, "1,200"], [2020, "1,350"], [2021, "-150"])
    assert choose_columns(rows).pairs() == [("2019", 1200.0), ("2020", 1350.0), ("2021", -150.0)]  # type: ignore[union-attr]


def test_a_document_table_gives_every_row_not_the_first_24() -> None:
    rows = table(["Name", "Score"], *[[f"P{i}", i * 2] for i in range(40)])
    perception = Perception(modality="document", tag="document1", meta={"tables": [{"rows": rows}]})
    series, name = table_series(perception, "the mean score")
    assert name == "Score" and len(series) == 40 and series[-1] == ("P39", 78.0)


# -- typed lists and what counts as data -----------------------------------------------------


def test_a_typed_list_keeps_its_last_pair_before_a_full_stop() -> None:
    found = data_list(
        "Monthly sales: Jan 12, Feb 15, Mar 9, Apr 20. Plot them as a bar chart and give the average."
    )
    assert found is not None and found.name == "Monthly sales"
    assert found.labels == ("Jan", "Feb", "Mar", "Apr") and found.values == (12.0, 15.0, 9.0, 20.0)


@pytest.mark.parametrize(
    ("text", "labels", "values"),
    [
        (
            "Revenue: North $1,200, South $950, East $2,300.",
            ("North", "South", "East"),
            (1200.0, 950.0, 2300.0),
        ),
        ("Shares: A 45%, B 30%, C 25%.", ("A", "B", "C"), (45.0, 30.0, 25.0)),
        ("Q1 10.5; Q2 12; Q3 -4", ("Q1", "Q2", "Q3"), (10.5, 12.0, -4.0)),
        ("Alice 82\nBob 75\nCarol 91\n", ("Alice", "Bob", "Carol"), (82.0, 75.0, 91.0)),
        # The words up to a linking verb introduce the list: "Jan" is the first label.
        (
            "Monthly sales were Jan 120, Feb 135, Mar 160 and Apr 150.",
            ("Jan", "Feb", "Mar", "Apr"),
            (120.0, 135.0, 160.0, 150.0),
        ),
        (
            "North America 12, Europe 15, Asia 20",
            ("North America", "Europe", "Asia"),
            (12.0, 15.0, 20.0),
        ),
        ("Bank of America 12, Wells Fargo 10", ("Bank of America", "Wells Fargo"), (12.0, 10.0)),
        (
            "Temperature: 6am 12, 9am 16, noon 21, 3 pm 23",
            ("6am", "9am", "noon", "3 pm"),
            (12.0, 16.0, 21.0, 23.0),
        ),
        (
            "Temperatures: -3.5, 2, 4.25, -1 degrees.",
            ("value 1", "value 2", "value 3", "value 4"),
            (-3.5, 2.0, 4.25, -1.0),
        ),
    ],
)
def test_typed_lists_read_separators_signs_and_units(
    text: str, labels: tuple[str, ...], values: tuple[float, ...]
) -> None:
    found = data_list(text)
    assert found is not None and found.labels == labels and found.values == values


def test_a_list_named_before_a_linking_verb_keeps_its_name() -> None:
    found = data_list("Monthly sales were Jan 120, Feb 135 and Mar 160.")
    assert found is not None and found.name == "Monthly sales" and found.introduced


@pytest.mark.parametrize(
    "question",
    [
        "Light with refractive index 1.333 enters water; explain refraction with a diagram and a 3D model",
        "What happened in 1969?",
        "Compare 1969, 1970 and 1971.",
        "Plot a chart of how 3 apples and 5 pears grow.",
    ],
)
def test_numbers_in_a_sentence_are_no_data_set(question: str) -> None:
    decision = decide_analysis(view_of(question), question)
    assert not decision.needed, decision.reason


@pytest.mark.parametrize(
    ("question", "values"),
    [
        ("Plot these values: 3, 5, 8", "[3.0, 5.0, 8.0]"),
        ("Sales: Jan 12, Feb 15, Mar 9", "[12.0, 15.0, 9.0]"),
        ("What is the mean of 4, 8 and 15?", "[4.0, 8.0, 15.0]"),
    ],
)
def test_a_list_the_request_presents_is_data(question: str, values: str) -> None:
    decision = decide_analysis(view_of(question), question)
    assert decision.needed and values in decision.code


# -- charts past their limit -----------------------------------------------------------------


def test_chart_data_past_the_limit_is_grouped_and_fits_the_chart() -> None:
    labels = [f"d{i}" for i in range(200)]
    values = [float(i) for i in range(200)]
    chart_labels, chart_values, note = fit_chart(labels, values)
    assert len(chart_values) == 50 and chart_values[0] == 1.5 and chart_labels[0] == "d0–d3"
    assert "200 values as 50 groups" in note
    ImageArguments(kind="bar_chart", title="t", labels=chart_labels, values=chart_values)
    regions = ["North", "South", "East"] * 30
    chart_labels, chart_values, note = fit_chart(regions, [float(i) for i in range(90)])
    assert chart_labels == ["North", "South", "East"] and chart_values == [43.5, 44.5, 45.5]
    assert "mean of each of the 3 labels" in note
    assert fit_chart(["a", "b"], [1.0, 2.0]) == (["a", "b"], [1.0, 2.0], "")
    assert MAX_CHART_VALUES == 64


# -- the agent, end to end ---------------------------------------------------------------------


def scores_pdf(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table

    SimpleDocTemplate(str(path), pagesize=A4).build(
        [Paragraph("Class scores", getSampleStyleSheet()["Title"]), Table([header, *rows])]
    )
    return path


def test_the_mean_of_a_pdf_score_table_skips_the_rank_column(agent: UniMA, tmp_path: Path) -> None:
    rows = [[n, str(s), str(r)] for n, s, r in zip(NAMES, SCORES, [3, 4, 1, 6, 2, 5], strict=True)]
    pdf = scores_pdf(tmp_path / "scores.pdf", ["Name", "Score", "Rank"], rows)
    response = agent.respond(["What is the mean score in <document1>?", pdf])
    assert "The mean is 79.33." in response.content
    assert "lowest = 68 (Dan), highest = 91 (Carol)" in response.content
    assert "79.333" not in response.content and "The user asks" not in response.content


def test_a_typed_list_is_charted_whole_and_averaged(agent: UniMA) -> None:
    response = agent.respond(
        "Monthly sales: Jan 12, Feb 15, Mar 9, Apr 20. Plot them as a bar chart and give the average."
    )
    trace = trace_of(response)
    chart = trace.plans[-1].nodes[0]["arguments"]
    assert chart["labels"] == ["Jan", "Feb", "Mar", "Apr"] and chart["values"] == [12, 15, 9, 20]
    assert "The mean is 14." in response.content
    assert "highest = 20 (Apr)" in response.content and "lowest = 9 (Mar)" in response.content


def test_a_list_named_before_a_verb_is_charted_under_its_name(agent: UniMA) -> None:
    response = agent.respond(
        "Monthly sales were Jan 120, Feb 135, Mar 160 and Apr 150. Show them in a bar chart."
    )
    chart = trace_of(response).plans[-1].nodes[0]["arguments"]
    assert chart["labels"] == ["Jan", "Feb", "Mar", "Apr"]
    assert chart["title"] == "Monthly sales"  # not "Them"
    assert "lowest = 120 (Jan)" in response.content


def test_a_report_is_titled_by_its_subject_and_restates_no_instruction(agent: UniMA) -> None:
    response = agent.respond("Write a short report (PDF) on the main renewable energy sources.")
    plan = trace_of(response).plans[-1]
    report = next(node for node in plan.nodes if node["tool"] == "render_document")["arguments"]
    assert report["title"] == "The main renewable energy sources"
    assert "Question" not in [section["heading"] for section in report["sections"]]
    assert re.search(r"is a PDF report with \d+ sections?\.", response.content)
    asked = agent.respond("What are the main renewable energy sources? Answer in a PDF report.")
    report = next(
        node for node in trace_of(asked).plans[-1].nodes if node["tool"] == "render_document"
    )["arguments"]
    assert report["sections"][0]["heading"] == "Question"


def test_csv_row_numbers_and_ranks_are_never_the_values(agent: UniMA, tmp_path: Path) -> None:
    csv = tmp_path / "scores.csv"
    ranks = [3, 4, 1, 6, 2, 5]
    csv.write_text(
        "No.,Name,Score,Rank\n"
        + "".join(
            f"{i},{n},{s},{r}\n"
            for i, (n, s, r) in enumerate(zip(NAMES, SCORES, ranks, strict=True), 1)
        )
    )
    response = agent.respond(["Which student has the highest score in <document1>?", csv])
    report = trace_of(response).analysis.values["report"]  # type: ignore[union-attr]
    assert report["mean"] == pytest.approx(79.3333) and report["argmax"] == "Carol"
    assert "The highest value is 91 (Carol)." in response.content


def test_a_chart_of_more_values_than_a_chart_holds_is_grouped(agent: UniMA, tmp_path: Path) -> None:
    csv = tmp_path / "daily.csv"
    csv.write_text("day,reading\n" + "".join(f"day {i},{i % 10}\n" for i in range(200)))
    response = agent.respond(["Plot the readings in <document1> as a chart.", csv])
    chart = trace_of(response).plans[-1].nodes[0]["arguments"]
    assert len(chart["values"]) == 50 and chart["labels"][0] == "day 0–day 3"
    assert "200 values as 50 groups" in response.content
    assert "count = 200, mean = 4.5" in response.content
    # The relevance check groups the analysis's 200 values by the same rule: the chart is right.
    assert response.status == "ok", response.problems
    relevance = response.artifacts["image1"].relevance
    assert relevance is not None and relevance.passed


def test_a_question_it_cannot_answer_gets_one_honest_sentence(agent: UniMA) -> None:
    response = agent.respond("What is the capital of Australia?")
    assert response.content.count(".") <= 3  # one sentence (the command names hold dots)
    assert "cannot answer this question about the capital of Australia" in response.content
    assert (
        "--llm embedded" in response.content and 'pip install "unima[embedded]"' in response.content
    )
    assert "The user asks" not in response.content and "What is the capital" not in response.content


def test_label_colon_value_items_are_a_list_after_an_introduction() -> None:
    found = data_list("Plot these values as a bar chart: North: 1, South: 2.5, East: 3.")
    assert found is not None
    assert found.labels == ("North", "South", "East") and found.values == (1.0, 2.5, 3.0)
    scores = data_list("Scores: Alice: 80, Bob: 75.")
    assert scores is not None and scores.name == "Scores" and scores.labels == ("Alice", "Bob")


def test_a_program_asked_what_it_prints_is_run_in_the_sandbox(agent: UniMA, tmp_path: Path) -> None:
    program = tmp_path / "squares.py"
    program.write_text("total = sum(n * n for n in range(1, 11))\nprint(total)\n")
    response = agent.respond(["What number does the program <code1> print?", program])
    assert "Run in the sandbox, the program printed: 385" in response.content
    analysis = trace_of(response).analysis
    assert analysis is not None and analysis.values["printed"] == "385"


def test_a_described_medium_after_and_is_not_part_of_the_question() -> None:
    from unima.reasoners.heuristic.text_tools import core_question

    assert core_question(
        "Show me a plated dish of spaghetti carbonara and a narrated 10-second clip."
    ) == ("Show me a plated dish of spaghetti carbonara.")
    # Without a describing word, "and a diagram" may be the subject itself.
    question = "Explain the difference between a chart and a diagram."
    assert core_question(question) == question


def test_a_key_term_diagram_draws_no_arrows_between_its_terms(agent: UniMA) -> None:
    response = agent.respond("Why is the sky blue? Include a diagram.")
    diagram = next(
        node["arguments"]
        for node in trace_of(response).plans[-1].nodes
        if node["arguments"].get("kind") == "diagram"
    )
    # The labels are the question's key terms, ranked, not a chain: no arrow links them.
    assert len(diagram["labels"]) >= 2 and diagram["arrows"] is False


@pytest.mark.parametrize(
    ("question", "goal"),
    [
        ("Is the patient meeting the 8000-steps goal?", 8000.0),
        ("Did sales hit the target of 10,000?", 10000.0),
        ("On how many days did she walk at least 8000 steps?", 8000.0),
        ("Is the 2.5k goal met?", 2500.0),
        ("Plot the 3 runs of 2024.", None),
        ("The minimum wage is not the question; what is the mean?", None),
    ],
)
def test_a_goal_is_read_only_where_the_question_names_one(
    question: str, goal: float | None
) -> None:
    assert question_goal(question) == goal


def test_the_values_are_counted_against_the_goal_the_question_names(agent: UniMA) -> None:
    response = agent.respond(
        "Daily steps: Mon 6500, Tue 9200, Wed 7800, Thu 10400, Fri 5400, Sat 8800, Sun 9900. "
        "Is the patient meeting the 8000-steps goal? Include a bar chart."
    )
    assert (
        "4 of 7 are at or above the goal of 8000 (3 below it: Mon, Wed, Fri), and the mean "
        "(8285.71) is above the goal." in response.content
    )
    chart = trace_of(response).plans[-1].nodes[0]["arguments"]
    assert chart["caption"].endswith("goal 8000: 4 of 7 at or above")
