"""Arithmetic a question states in words: worked out and shown, or left alone.

A wrong number is worse than none, so the negative cases matter as much as the positive ones:
a question with two amounts, no percentage cue, or a number that is part of a word ("3D") gets
no arithmetic answer.
"""

from __future__ import annotations

import pytest

from unima import UniMA
from unima.reasoners.heuristic.reasoner import NO_ANSWER_START
from unima.reasoners.heuristic.word_problems import word_problem_answer
from unima.testing import fake_toolbox


@pytest.mark.parametrize(
    ("question", "result"),
    [
        ("A jacket costs 80 dollars and is 25% off. What is the sale price in dollars?", "60"),
        ("A $1,200 laptop is discounted 10 percent. What does it cost?", "1080"),
        ("A meal costs $40 plus a 15% tip. What is the total?", "46"),
        ("A town of 5000 people increased by 3%. How many people now?", "5150"),
        ("The price of 250 euros was reduced by 12.5%. What is it now?", "218.75"),
        ("What is 15% of 240?", "36"),
        ("What is 12 * 7?", "84"),
        ("What is 15 plus 27 divided by 3?", "24"),
        ("Compute (3 + 4) x 5", "35"),
        ("What is 2 to the power of 10?", "1024"),
        ("What is 9 squared minus 1?", "80"),
        ("How much is 1,500 - 250.5?", "1249.5"),
    ],
)
def test_a_stated_calculation_is_worked_out(question: str, result: str) -> None:
    answer = word_problem_answer(question)
    assert answer.rstrip(".").endswith(result) or f" {result} " in answer, answer


@pytest.mark.parametrize(
    "question",
    [
        "Why is the sky blue?",
        "Explain how 3D printing works with 20% infill.",
        "A shirt costs 20 dollars and trousers 50 dollars; both are 10% off. What is the total?",
        "Prices were 10% higher in 2020 than in 2019 and 5% lower in 2021.",
        "What is 2 ** 100000?",
        "What is 1/0?",
        "What is 42?",
        "What is the 25% quantile of the heights?",
        "Sales rose 5% last year; what drove it?",
    ],
)
def test_no_arithmetic_is_guessed(question: str) -> None:
    assert word_problem_answer(question) == ""


def test_the_heuristic_answers_a_discount_question_with_its_working() -> None:
    agent = UniMA(tools=fake_toolbox())
    response = agent.respond("A jacket costs 80 dollars and is 25% off. What is the sale price?")
    assert "leaves 60 dollars" in response.content
    assert "takes away 20 dollars" in response.content
    assert NO_ANSWER_START not in response.content
