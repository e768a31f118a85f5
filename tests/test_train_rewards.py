"""TMPO's four rewards on hand-made chains, each value computed by hand from the definitions in
``unima.train.rewards`` (structure 0.2 form + 0.2 one answer + 0.6 ordered steps; process 0.7
grounded share + 0.3 required-kind coverage; ...)."""

from __future__ import annotations

import pytest

from unima.errors import ConfigError
from unima.reasoners.tom.chain import ToMChain, format_answer
from unima.reasoners.tom.questions import read_question
from unima.trace.schema import MentalState
from unima.train.items import encode_label
from unima.train.rewards import (
    RewardWeights,
    consistency_reward,
    content_reward,
    process_reward,
    structure_reward,
    total_reward,
    trl_reward_functions,
)

SAD_CUES = ("so lonely", "I miss her", "quiet delivery", "flat pitch")


def chain(*lines: str, answer: str = "{'emotion': 'sad'}") -> str:
    return "<think>\n" + "\n".join(lines) + f"\n</think>\n<answer>{answer}</answer>"


SAD_CHAIN = chain(
    'Perceptual simulation [audio]: the words "so lonely" signal sadness.',
    "Mental-state hypothesis: the quiet delivery and the words converge on a sad state.",
    "Perspective-taking: from her own view she feels sad, missing her friend.",
    "Label: sad",
)


# -- structure ---------------------------------------------------------------------------


def test_structure_of_a_complete_chain_is_one() -> None:
    assert structure_reward(SAD_CHAIN, 1) == 1.0


def test_steps_out_of_order_lose_structure_reward() -> None:
    swapped = chain(
        "Mental-state hypothesis: the cues converge on sadness.",
        'Perceptual simulation: the words "so lonely".',
        "Perspective-taking: she feels sad.",
        "Label: sad",
    )
    # 4 steps, the longest run in order is 3 (hypothesis, perspective, label): 0.4 + 0.6 * 3/4.
    assert structure_reward(swapped, 1) == pytest.approx(0.85)
    reversed_chain = chain(
        "Label: sad",
        "Perspective-taking: she feels sad.",
        "Mental-state hypothesis: sadness.",
        "Perceptual simulation: lonely words.",
    )
    assert structure_reward(reversed_chain, 1) == pytest.approx(0.4 + 0.6 * 1 / 4)


def test_a_missing_step_costs_its_share() -> None:
    missing = chain(
        "Perceptual simulation: lonely words.", "Perspective-taking: she feels sad.", "Label: sad"
    )
    assert structure_reward(missing, 1) == pytest.approx(0.4 + 0.6 * 3 / 4)


def test_bad_tags_and_two_answers_lose_their_parts() -> None:
    body = SAD_CHAIN.split("<answer>")[0]
    two_answers = body + "<answer>sad</answer><answer>happy</answer>"
    # not well formed (0), not exactly one answer (0), all four steps (0.6)
    assert structure_reward(two_answers, 1) == pytest.approx(0.6)
    no_think = "<answer>sad</answer>"
    assert structure_reward(no_think, 1) == pytest.approx(0.2)  # one answer, nothing else
    trailing = SAD_CHAIN + " I hope this helps."
    assert structure_reward(trailing, 1) == pytest.approx(0.8)  # text after the answer


def test_level_three_steps_and_title_decorations() -> None:
    level3 = chain(
        "1. **Perceptual simulation**: the flat pitch.",
        "- Appraisal: a loss.",
        "* Causal attribution (text): missing her friend causes it.",
        "Second-order reasoning: listeners would read it literally.",
        "Label: sad",
    )
    assert structure_reward(level3, 3) == 1.0
    # Level 1's titles are not level 3's: only the perceptual simulation and label lines count.
    assert structure_reward(level3, 1) == pytest.approx(0.4 + 0.6 * 2 / 4)


def test_a_sentence_starting_with_a_step_name_is_no_step_line() -> None:
    prose = chain("Perceptual simulation of the words shows sadness.", "Label: sad")
    assert structure_reward(prose, 1) == pytest.approx(0.4 + 0.6 * 1 / 4)


def test_level_outside_one_to_three_is_refused() -> None:
    with pytest.raises(ConfigError, match="1, 2 or 3"):
        structure_reward(SAD_CHAIN, 4)


# -- content -----------------------------------------------------------------------------


def test_exact_label_gets_one_and_another_label_zero() -> None:
    assert content_reward(SAD_CHAIN, "MER", "sad") == 1.0
    assert content_reward(SAD_CHAIN, "MER", "happy") == 0.0
    assert content_reward("<think>x</think><answer>no idea</answer>", "MER", "sad") == 0.0


def test_half_right_multi_label_gets_its_f1() -> None:
    answer = "<think>x</think><answer>{'techniques': ['Smears', 'Doubt']}</answer>"
    assert content_reward(answer, "DPTM", frozenset({"Smears", "Slogans"})) == pytest.approx(0.5)
    one_of_two = "<think>x</think><answer>{'techniques': ['Smears']}</answer>"
    # precision 1, recall 1/2: F1 = 2/3
    assert content_reward(one_of_two, "DPTM", frozenset({"Smears", "Slogans"})) == pytest.approx(
        2 / 3
    )
    none = "<think>x</think><answer>{'techniques': []}</answer>"
    assert content_reward(none, "DPTM", frozenset()) == 1.0


def test_emotion_and_intent_score_half_each() -> None:
    answer = "<think>x</think><answer>{'emotion': 'anger', 'intent': 'agreeing'}</answer>"
    assert content_reward(answer, "EBIA", ("anger", "questioning")) == 0.5
    assert content_reward(answer, "EBIA", ("anger", "agreeing")) == 1.0


def test_free_text_answers_score_token_f1() -> None:
    reference = "The audience laughed because the cat is the boss."
    answer = "<think>x</think><answer>The audience laughed because the dog is the boss.</answer>"
    # after the shared opening: "the dog is the boss" vs "the cat is the boss": 4 of 5 words
    assert content_reward(answer, "LR", reference) == pytest.approx(0.8)


# -- process -----------------------------------------------------------------------------


def test_grounded_states_in_level_language_get_full_process_credit() -> None:
    # Three state sentences, each naming a cue (so lonely / quiet delivery / miss ...).
    grounded = chain(
        'Perceptual simulation: the words "so lonely" signal sadness.',
        "Mental-state hypothesis: the quiet delivery fits a sad mood.",
        "Perspective-taking: she feels sad because she says I miss her.",
        "Label: sad",
    )
    assert process_reward(grounded, 1, SAD_CUES) == pytest.approx(1.0)


def test_a_state_citing_a_cue_absent_from_the_input_gets_no_credit() -> None:
    invented = chain(
        "Perceptual simulation: her tearful face shows sadness.",
        "Label: sad",
    )
    assert process_reward(invented, 1, SAD_CUES) == 0.0
    # one grounded state of two: 0.7 * 1/2, and emotion (the one required kind) covered: + 0.3
    mixed = chain(
        "Perceptual simulation: her tearful face shows sadness.",
        'Mental-state hypothesis: "so lonely" says she feels sad.',
        "Label: sad",
    )
    assert process_reward(mixed, 1, SAD_CUES) == pytest.approx(0.35 + 0.3)


def test_cue_words_without_a_mental_state_are_not_counted() -> None:
    # The first sentence names a cue but attributes no state: only the second counts.
    keywords = chain(
        "Perceptual simulation: quiet delivery, flat pitch.",
        "Mental-state hypothesis: she feels sad about something.",
        "Label: sad",
    )
    assert process_reward(keywords, 1, SAD_CUES) == 0.0


def test_level_two_needs_an_intention_for_full_coverage() -> None:
    cues = ("how dare you", "my messages", "loud delivery")
    emotion_only = chain(
        'Perceptual simulation: "how dare you" shows anger.',
        "Mental-state hypothesis: the loud delivery fits anger.",
        "Label: anger",
        answer="{'emotion': 'anger', 'intent': 'questioning'}",
    )
    # both grounded (0.7), emotion covered, intention not: 0.3 * 1/2
    assert process_reward(emotion_only, 2, cues) == pytest.approx(0.85)
    with_intent = emotion_only.replace(
        "Label: anger",
        "Communicative intent: asking about my messages, she means to accuse.\nLabel: anger",
    )
    assert process_reward(with_intent, 2, cues) == pytest.approx(1.0)


def test_no_think_block_or_no_states_give_zero_process() -> None:
    assert process_reward("<answer>sad</answer>", 1, SAD_CUES) == 0.0
    assert process_reward(chain("Label: sad"), 1, SAD_CUES) == 0.0


# -- consistency -------------------------------------------------------------------------


def test_reasoning_for_sad_and_answer_happy_gets_zero_consistency() -> None:
    contradicting = SAD_CHAIN.replace("<answer>{'emotion': 'sad'}", "<answer>{'emotion': 'happy'}")
    assert consistency_reward(contradicting, "MER") == 0.0
    assert consistency_reward(SAD_CHAIN, "MER") == 1.0


def test_the_label_line_does_not_count_as_reasoning() -> None:
    # The steps argue sad; only the label line and the answer say happy.
    relabelled = SAD_CHAIN.replace("Label: sad", "Label: happy").replace(
        "{'emotion': 'sad'}", "{'emotion': 'happy'}"
    )
    assert consistency_reward(relabelled, "MER") == 0.0


def test_a_negated_label_is_not_argued_for() -> None:
    negated = chain(
        "Perceptual simulation: she is sad about the news.",
        "Perspective-taking: she is not happy.",
        "Label: sad",
    )
    assert consistency_reward(negated, "MER") == 1.0


def test_emotion_and_intent_consistency_is_their_mean() -> None:
    chain_text = chain(
        "Perceptual simulation: the shouting reads as anger.",
        "Communicative intent: she is questioning him.",
        "Label: anger, questioning",
        answer="{'emotion': 'anger', 'intent': 'agreeing'}",
    )
    assert consistency_reward(chain_text, "EBIA") == 0.5


def test_multi_label_consistency_is_the_share_of_answer_parts_argued() -> None:
    chain_text = chain(
        "Perceptual simulation: the meme calls them crooks, a clear smears attack.",
        "Label: Smears, Doubt",
        answer="{'techniques': ['Smears', 'Doubt']}",
    )
    assert consistency_reward(chain_text, "DPTM") == 0.5


def test_an_nli_model_decides_consistency_when_given() -> None:
    class FakeEntailment:
        def __init__(self) -> None:
            self.calls: list[tuple[str, str]] = []

        def entail(self, premise: str, hypothesis: str) -> float:
            self.calls.append((premise, hypothesis))
            return 0.75

    nli = FakeEntailment()
    assert consistency_reward(SAD_CHAIN, "MER", nli=nli) == 0.75
    premise, hypothesis = nli.calls[0]
    assert hypothesis == "The answer is sad."
    assert "Label:" not in premise and "so lonely" in premise


# -- weights and TRL ---------------------------------------------------------------------


def test_reward_weights_defaults_order_and_checks() -> None:
    weights = RewardWeights()
    assert weights.as_list() == [0.2, 0.5, 0.2, 0.1]
    assert sum(weights.as_list()) == pytest.approx(1.0)
    with pytest.raises(ConfigError, match="process"):
        RewardWeights(process=-1)
    with pytest.raises(ConfigError, match="all 0"):
        RewardWeights(0, 0, 0, 0)


def test_total_reward_is_the_weighted_mean() -> None:
    contradicting = SAD_CHAIN.replace("<answer>{'emotion': 'sad'}", "<answer>{'emotion': 'happy'}")
    structure = structure_reward(contradicting, 1)
    process = process_reward(contradicting, 1, SAD_CUES)
    expected = 0.2 * structure + 0.5 * 0.0 + 0.2 * process + 0.1 * 0.0
    value = total_reward(contradicting, level=1, task="MER", label="sad", cues=SAD_CUES)
    assert value == pytest.approx(expected)


def test_trl_reward_functions_read_the_dataset_columns() -> None:
    functions = trl_reward_functions()
    assert [function.__name__ for function in functions] == [
        "structure",
        "content",
        "process",
        "consistency",
    ]
    happy = SAD_CHAIN.replace("<answer>{'emotion': 'sad'}", "<answer>{'emotion': 'happy'}")
    completions = [
        SAD_CHAIN,
        [{"role": "assistant", "content": happy}],  # a conversational completion
    ]
    columns = {
        "level": [1, 1],
        "task": ["MER", "MER"],
        "label_json": [encode_label("sad"), encode_label("sad")],
        "options": [["happy", "sad", "neutral"], ["happy", "sad", "neutral"]],
        "cues": [list(SAD_CUES), list(SAD_CUES)],
        "key": ["MER/1", "MER/1"],  # other columns are ignored
    }
    values = {
        function.__name__: function(["p", "p"], completions, **columns) for function in functions
    }
    assert values["structure"] == [1.0, 1.0]
    assert values["content"] == [1.0, 0.0]
    assert values["process"][0] == process_reward(SAD_CHAIN, 1, SAD_CUES)
    assert values["consistency"] == [1.0, 0.0]


def test_trl_reward_functions_decode_structured_labels() -> None:
    content = trl_reward_functions()[1]
    answer = "<think>x</think><answer>{'techniques': ['Smears', 'Doubt']}</answer>"
    label = encode_label(frozenset({"Smears", "Slogans"}))
    assert content(["p"], [answer], task=["DPTM"], label_json=[label], options=[[]]) == [0.5]


def test_the_tom_reasoners_own_chain_format_scores_full_structure() -> None:
    # The ToM reasoning mode writes its plans with ``format_answer``: the same format.
    question = read_question(
        "The person in video says: I feel so lonely. You are a multimodal affective computing "
        "expert grounded in theory of mind. Provide your reasoning following the steps above, "
        "then choose exactly one label from: happy, sad, neutral, and output exactly "
        "{'emotion': 'label'}."
    )
    assert question is not None and question.level == 1
    states = tuple(
        MentalState(level=1, step=step, cue=cue, modality="text", state=state, confidence=0.5)
        for step, cue, state in (
            ("perceptual_simulation", 'affect word "so lonely"', "'lonely' signals sadness"),
            ("mental_state_hypothesis", "1 cue", "an unpleasant state; words name sadness"),
            ("perspective_taking", "the subject's view", "she feels sad now"),
            ("label", "the options", "sad"),
        )
    )
    text = format_answer(question, ToMChain(1, states, {"emotion": "sad"}, 0.5, "perception"))
    assert structure_reward(text, 1) == 1.0
    assert content_reward(text, "MER", "sad") == 1.0
    assert consistency_reward(text, "MER") == 1.0


def test_true_false_tasks_read_the_concept_the_chain_argues() -> None:
    sarcastic = chain(
        "Perceptual simulation: 'oh great, another meeting' with a flat voice.",
        "Second-order reasoning: she does not mean it; she is being sarcastic.",
        "Label: true",
        answer="true",
    )
    assert consistency_reward(sarcastic, "SD") == 1.0
    assert consistency_reward(sarcastic.replace("<answer>true", "<answer>false"), "SD") == 0.0
    sincere = sarcastic.replace("she is being sarcastic", "she isn't sarcastic at all")
    assert consistency_reward(sincere.replace("<answer>true", "<answer>false"), "SD") == 1.0
    funny = chain("Perceptual simulation: the punchline is not funny.", answer="false")
    assert consistency_reward(funny, "HU") == 1.0
