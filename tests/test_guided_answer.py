"""The guided reasoner's answer paragraph: what is kept of a small model's reply.

The replies below are the shapes the embedded 1.5B model really produced (a loop that says the
same thing in other words, a "Here's a step-by-step breakdown:" opening, a last sentence cut off
by the token limit, an answer that runs on); each test fails on the earlier check, which kept
every differently worded sentence and up to eight of them.
"""

from __future__ import annotations

import pytest

from unima.reasoners.guided.depictions import parts_question, scene_question
from unima.reasoners.guided.fallbacks import answer_diagram
from unima.reasoners.guided.questions import (
    MAX_ANSWER_SENTENCES,
    BadReply,
    answer_question,
    answer_sentences,
    check_answer,
    code_question,
    diagram_question,
    sections_question,
)
from unima.reasoners.heuristic.text_tools import core_question, subject_question


def test_a_sentence_that_rewords_an_earlier_one_is_dropped() -> None:
    reply = (
        "Tides are caused by the gravitational pull of the moon on the oceans. "
        "This creates a bulge in the water, called a tidal bulge. "
        "The tidal bulge is caused by the gravitational pull of the moon on the oceans' water. "
        "The sun's pull adds a smaller tide."
    )
    assert answer_sentences(reply) == [
        "Tides are caused by the gravitational pull of the moon on the oceans.",
        "This creates a bulge in the water, called a tidal bulge.",
        "The sun's pull adds a smaller tide.",
    ]


def test_an_opening_about_the_answer_itself_is_cut_and_what_follows_kept() -> None:
    reply = (
        "Here's a step-by-step breakdown of how this process works: Introduction: a member of "
        "Congress introduces the bill. Both chambers must pass it. The President signs it."
    )
    assert answer_sentences(reply) == [
        "Introduction: a member of Congress introduces the bill.",
        "Both chambers must pass it.",
        "The President signs it.",
    ]


def test_a_last_sentence_cut_off_by_the_token_limit_is_dropped() -> None:
    reply = "Plants take in carbon dioxide. Light splits water and releases oxygen. The Calvin cy"
    assert answer_sentences(reply) == [
        "Plants take in carbon dioxide.",
        "Light splits water and releases oxygen.",
    ]


def test_a_long_answer_stops_after_the_first_few_sentences() -> None:
    reply = " ".join(
        f"Step {number} moves the {word} along."
        for number, word in enumerate(
            ["water", "vapour", "cloud", "droplet", "river", "ocean", "ice", "snow", "soil"], 1
        )
    )
    kept = answer_sentences(reply)
    assert len(kept) == MAX_ANSWER_SENTENCES
    assert kept[0] == "Step 1 moves the water along."


def test_the_check_keeps_the_cleaned_sentences_and_refuses_nothing_left() -> None:
    check = check_answer("Why is the sky blue?")
    assert check("Air scatters blue light more than red light. The sky looks blue.") == (
        "Air scatters blue light more than red light. The sky looks blue."
    )
    with pytest.raises(BadReply, match="too short"):
        check("Here's a short explanation of why the sky is blue.")


def test_a_failed_diagram_is_drawn_from_the_answer_not_the_question() -> None:
    answer = (
        "Sunlight enters a raindrop and refracts. It reflects off the back of the raindrop. "
        "Leaving the raindrop it refracts again and disperses into colours."
    )
    labels, notes = answer_diagram(answer, "Explain how a rainbow forms.")
    assert labels[:2] == ["Raindrop", "Refracts"]
    assert not {"Rainbow", "Forms", "Explain"} & set(labels)
    assert notes == [
        "Sunlight enters a raindrop and refracts.",
        "It reflects off the back of the raindrop.",
    ]
    # An answer that adds nothing to the question's words leaves the heuristic's diagram.
    assert answer_diagram("A rainbow forms.", "Explain how a rainbow forms.") == ([], [])


def test_markdown_images_links_and_talk_of_unseen_files_are_dropped() -> None:
    check = check_answer("Explain why bread dough rises.")
    reply = (
        "Yeast in the dough eats sugar and releases carbon dioxide. The gas is trapped by "
        "gluten, so the dough rises. The diagram below shows the process of yeast fermentation. "
        "![Bread Dough Diagram](https://example.com/bread.png) In this diagram, the yeast cells "
        "are shown in the center. See [the yeast page](https://example.com/yeast) for more."
    )
    assert check(reply) == (
        "Yeast in the dough eats sugar and releases carbon dioxide. The gas is trapped by "
        "gluten, so the dough rises. See the yeast page for more."
    )


@pytest.mark.parametrize(
    ("request_text", "core"),
    [
        ("Explain why bread dough rises, with a diagram.", "Explain why bread dough rises."),
        (
            "Explain how earthquakes happen, with a diagram and a short narration.",
            "Explain how earthquakes happen.",
        ),
        (
            "Explain the separation of powers, and narrate it as a short audio clip.",
            "Explain the separation of powers.",
        ),
        (
            "Explain what makes a news source reliable, in a short report (PDF).",
            "Explain what makes a news source reliable.",
        ),
        (
            "Explain compound interest and write Python code that computes it.",
            "Explain compound interest.",
        ),
        # What the request is about stays, even when it names media.
        ("Make a 3D model of a Greek temple and explain its main parts.", None),
        ("Explain what perspective is in painting.", None),
    ],
)
def test_the_question_asked_of_the_model_leaves_out_the_file_requests(
    request_text: str, core: str | None
) -> None:
    assert core_question(request_text) == (core or request_text)


def test_every_question_caps_its_reply_tokens() -> None:
    # A looping small model must stop at a few hundred tokens, not at the call's deadline.
    questions = [
        answer_question("Why is the sky blue?"),
        diagram_question("Air scatters blue light.", "the sky"),
        sections_question(["One.", "Two."]),
        code_question(),
        scene_question("a plated omelette", "Show a picture of a plated omelette."),
        parts_question("rocket"),
    ]
    caps = [question.max_tokens for question in questions]
    assert all(cap is not None and 0 < cap <= 2000 for cap in caps), caps


@pytest.mark.parametrize(
    ("request_text", "asked"),
    [
        (
            "Make a short video about how a caterpillar becomes a butterfly.",
            "Explain how a caterpillar becomes a butterfly.",
        ),
        ("Make a 3D model of a gear and explain what gears do.", "A gear: explain what gears do."),
        (
            "Make a 3D model of a basketball hoop.",
            "Describe a basketball hoop: what it is, its main parts and what they do.",
        ),
        (
            "Write Python code that reverses a string, and explain it.",
            "Explain in words how a program that reverses a string works.",
        ),
        ("Write a short report (PDF) comparing TCP and UDP.", "Compare TCP and UDP."),
        (
            "Write a short report (PDF) with a simple recipe for pancakes.",
            "Give a simple recipe for pancakes.",
        ),
        # Questions that ask about the subject already stay as they are.
        ("Explain how a rainbow forms.", None),
        ("What is the capital of Australia?", None),
    ],
)
def test_a_making_request_is_asked_about_its_subject(request_text: str, asked: str | None) -> None:
    assert subject_question(request_text) == (asked or request_text)


def test_a_program_inside_the_prose_is_left_to_the_code_file() -> None:
    check = check_answer("Explain compound interest.")
    reply = (
        "Compound interest adds each period's interest to the principal.\n```python\n"
        "def balance(principal, rate, years):\n    return principal * (1 + rate) ** years\n```\n"
        "So the balance grows faster every year."
    )
    assert check(reply) == (
        "Compound interest adds each period's interest to the principal. "
        "So the balance grows faster every year."
    )
