"""The guided reasoner's answer paragraph: what is kept of a small model's reply.

The replies below are the shapes the embedded 1.5B model really produced (a loop that says the
same thing in other words, a "Here's a step-by-step breakdown:" opening, a last sentence cut off
by the token limit, an answer that runs on); each test fails on the earlier check, which kept
every differently worded sentence and up to eight of them.
"""

from __future__ import annotations

import pytest

from unima.reasoners.guided.fallbacks import answer_diagram
from unima.reasoners.guided.questions import (
    MAX_ANSWER_SENTENCES,
    BadReply,
    answer_sentences,
    check_answer,
)


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
