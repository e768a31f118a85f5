"""HitEmotion scoring: metrics against hand-computed values, final-answer parsing, ground truths in
every released shape, the shared sample, and ``unima eval hitemotion`` / ``compare`` end to end on
fixtures for all 24 tasks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import BaseMessage
from PIL import Image
from typer.testing import CliRunner

from unima.cli import app
from unima.eval.hitemotion.answers import (
    canonical_ground_truth,
    final_answer_text,
    item_options,
    parse_answer,
)
from unima.eval.hitemotion.data import HitEmotionItem, read_release
from unima.eval.hitemotion.judge import LexicalJudge, judge_answers, make_judge
from unima.eval.hitemotion.literals import literals_in
from unima.eval.hitemotion.metrics import (
    accuracy,
    accuracy_parsed_only,
    macro_f1,
    micro_f1,
    micro_f1_parsed_only,
    share,
    shared_key_micro_f1,
    weighted_f1,
    weighted_f1_parsed_only,
)
from unima.eval.hitemotion.predictions import read_predictions
from unima.eval.hitemotion.report import is_hitemotion_report, score_predictions
from unima.eval.hitemotion.scoring import score_task
from unima.eval.hitemotion.tasks import TASKS, get_task
from unima.eval.judges import CachedJudge, JudgeCache
from unima.eval.judges.llm import LlmJudge
from unima.testing.chat import ScriptedChatModel

SHARED_SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "data" / "hitemotion-sample"
runner = CliRunner()


# --- metrics, by hand -------------------------------------------------------------------------

GOLD = ["a", "a", "b", "c"]
PREDICTED = ["a", "b", "b", None]  # one right a, one a called b, b right, c unparseable


def test_accuracy_counts_unparseable_as_wrong_and_parsed_only_drops_it() -> None:
    assert accuracy(GOLD, PREDICTED) == 50.0  # 2 / 4
    assert accuracy_parsed_only(GOLD, PREDICTED) == 66.67  # 2 / 3
    assert accuracy([], []) is None


def test_weighted_and_macro_f1_by_hand() -> None:
    # a: P 1/1, R 1/2, F1 2/3; b: P 1/2, R 1/1, F1 2/3; c: F1 0 (its only item unparseable).
    # WAF = (2/3 * 2 + 2/3 * 1 + 0 * 1) / 4 = 0.5; macro = (2/3 + 2/3 + 0) / 3 = 0.4444.
    assert weighted_f1(GOLD, PREDICTED) == 50.0
    assert macro_f1(GOLD, PREDICTED) == 44.44
    # Parsed only: gold a a b, predicted a b b: a 2/3, b 2/3, WAF = (2/3*2 + 2/3*1) / 3.
    assert weighted_f1_parsed_only(GOLD, PREDICTED) == 66.67
    # A predicted class absent from the gold lowers macro-F1 but has no weight in WAF.
    assert weighted_f1(["a", "a"], ["a", "z"]) == 66.67  # a: P 1, R 1/2, F1 2/3
    assert macro_f1(["a", "a"], ["a", "z"]) == 33.33  # (2/3 + 0) / 2


def test_f1_agrees_with_scikit_learn_on_parsed_outputs() -> None:
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    gold = ["x", "y", "y", "z", "x", "z", "z"]
    predicted = ["x", "y", "z", "z", "y", "z", "x"]
    expected_weighted = sklearn_metrics.f1_score(gold, predicted, average="weighted")
    expected_macro = sklearn_metrics.f1_score(gold, predicted, average="macro")
    assert weighted_f1(gold, predicted) == round(100 * expected_weighted, 2)
    assert macro_f1(gold, predicted) == round(100 * expected_macro, 2)


def test_micro_f1_by_hand() -> None:
    gold = [frozenset({"x", "y"}), frozenset({"z"})]
    # TP 2 (x, z); predicted 3; gold 3: P = R = 2/3.
    assert micro_f1(gold, [frozenset({"x"}), frozenset({"z", "w"})]) == 66.67
    # The unparseable second answer predicts nothing: TP 2, predicted 2, gold 3 -> F1 0.8.
    assert micro_f1(gold, [frozenset({"x", "y"}), None]) == 80.0
    assert micro_f1_parsed_only(gold, [frozenset({"x", "y"}), None]) == 100.0
    assert micro_f1([frozenset()], [frozenset()]) == 100.0  # nothing to find, nothing claimed
    assert micro_f1([frozenset({"x"})], [frozenset({"y"})]) == 0.0
    assert share([True, False, False]) == 33.33


def test_mabsa_released_variant_scores_only_targets_both_sides_name() -> None:
    gold = [frozenset({("kyoto", "negative"), ("mayor", "neutral"), ("city", "positive")})]
    predicted = [frozenset({("kyoto", "negative"), ("mayor", "positive"), ("extra", "neutral")})]
    # Shared targets kyoto (right) and mayor (wrong): 1 / 2; city missed and extra invented are free.
    assert shared_key_micro_f1(gold, predicted) == 50.0
    # Over pairs: TP 1, predicted 3, gold 3 -> 1/3.
    assert micro_f1(gold, predicted) == 33.33
    assert shared_key_micro_f1(gold, [None]) is None


# --- the final answer only --------------------------------------------------------------------


def test_chain_of_thought_scores_the_answer_not_the_reasoning() -> None:
    mer = get_task("MER")
    reply = (
        "<think>The frown suggests {'emotion': 'sad'}; the voice is sad too.</think>"
        "<answer>{'emotion': 'happy'}</answer>"
    )
    assert parse_answer(mer, reply) == "happy"
    # No tags: the label on the last line wins over labels in earlier sentences.
    assert (
        parse_answer(mer, "The voice sounds sad and angry.\nFinal answer: surprise") == "surprise"
    )
    # The released SD evaluator took the first \btrue\b anywhere; only the answer counts here.
    sd = get_task("SD")
    assert (
        parse_answer(sd, "<think>Is it true sarcasm? true... no.</think><answer>false</answer>")
        == "false"
    )
    assert parse_answer(sd, "<think>true</think>\nFalse.") == "false"
    # An answer tag quoted inside the reasoning is reasoning too.
    assert parse_answer(mer, "<think>Format: <answer>happy</answer>.</think>\nsad") == "sad"
    assert parse_answer(mer, "<think>unfinished reasoning, happy? <answer>sad</answer>") == "sad"


def test_reasoning_without_a_final_answer_is_unparseable() -> None:
    mer = get_task("MER")
    assert parse_answer(mer, "I think the speaker is sad, not happy, overall.") is None
    assert parse_answer(mer, "<think>sad</think>") is None
    assert parse_answer(mer, "<think>the speaker is clearly sad") is None  # never closed
    assert parse_answer(mer, "<answer>excited</answer>") is None  # not one of MER's labels
    assert parse_answer(mer, "{'emotion': 'label'}") is None  # the prompt's template
    assert parse_answer(mer, None) is None
    assert final_answer_text("<think>x</think>   ") is None


def test_labels_objects_and_synonyms() -> None:
    assert parse_answer(get_task("MER"), '{"emotion": "Happiness"}') == "happy"
    assert parse_answer(get_task("MDER"), "{'emotion': 'sad'}") == "sadness"
    assert parse_answer(get_task("MESA"), "Answer: Very Positive") == "very_positive"
    assert parse_answer(get_task("SIA"), "{'emotion': 'strong negative'}") == "Strong Negative"
    assert parse_answer(get_task("MSD"), "```\n{'stance': 'refute'}\n```") == "refute"
    assert parse_answer(get_task("HU"), '<answer>{"answer": true}</answer>') == "true"
    assert parse_answer(get_task("EER"), "**Emotion:** tenderness") == "Tenderness"


def test_iave_answers_one_of_the_items_options() -> None:
    iave = get_task("IAVE")
    prompt = "What is Sleeve Style? Answer with the option from the given choices directly: 3/4 Sleeve, Long Sleeve, Sleeveless.\nAnswer:"
    options = item_options(iave, prompt)
    assert options == ("3/4 Sleeve", "Long Sleeve", "Sleeveless")
    assert parse_answer(iave, "<think>short?</think>long sleeve", options=options) == "Long Sleeve"
    assert parse_answer(iave, "Short Sleeve", options=options) is None


def test_structured_answers() -> None:
    ebia = get_task("EBIA")
    assert parse_answer(ebia, "<answer>{'emotion': 'angry', 'intent': 'questioning'}</answer>") == (
        "anger",
        "questioning",
    )
    dptm = get_task("DPTM")
    reply = "<think>{'techniques': ['Transfer']}</think>{'techniques': ['smears', 'Doubt']}"
    assert parse_answer(dptm, reply) == frozenset({"Smears", "Doubt"})
    assert parse_answer(dptm, "{'techniques': []}") == frozenset()
    short_names = (
        "{'techniques': ['straw man', 'Red Herring', 'Thought-terminating cliche', 'Hype']}"
    )
    assert parse_answer(dptm, short_names) == frozenset(
        {
            "Misrepresentation of Someone's Position (Straw Man)",
            "Presenting Irrelevant Data (Red Herring)",
            "Thought-terminating cliché",
            "hype",  # outside the taxonomy: kept, so it counts as a false positive
        }
    )
    assert parse_answer(
        get_task("MABSA"), "{'Kyoto': 'Negative', 'mayor': 'neutral'}"
    ) == frozenset({("kyoto", "negative"), ("mayor", "neutral")})
    mqe = parse_answer(get_task("MQE"), "[('Maya', 'Yoga', 'atmosphere', 'calming', 'positive')]")
    assert mqe == frozenset({("maya", "yoga", "atmosphere", "calming", "positive")})
    mecpe = parse_answer(
        get_task("MECPE"),
        "Reasoning (see utterance 3).\n{'4': {'emotion': 'joy', 'cause_utterance_id': '3'}}",
    )
    assert mecpe == frozenset({("4", "joy", "3")})
    sfa = parse_answer(
        get_task("SFA"),
        "[{'holder': 'Marcus', 'initial_sentiment': 'neutral', 'flipped_sentiment': 'positive', "
        "'trigger_type': 'logical argumentation'}]",
    )
    assert sfa == frozenset({("marcus", "neutral", "positive", "Logical Argumentation")})
    assert parse_answer(get_task("SFA"), "No flips at all ()") is None


def test_free_text_answers() -> None:
    ei = parse_answer(
        get_task("EI"),
        "1. not this draft\n<think>2. nor this</think>Final list:\n1. The cemetery.\n2. Grief.",
    )
    assert ei == "1. The cemetery.\n2. Grief."
    assert parse_answer(get_task("EI"), "The cemetery and grief.") is None
    lr = parse_answer(
        get_task("LR"),
        "<think>The audience laughed because of X?</think>Hmm. The audience laughed because of Y.",
    )
    assert lr == "The audience laughed because of Y."
    assert parse_answer(get_task("LR"), "They laughed at the joke.") is None


def test_hostile_literals_are_refused_not_crashing() -> None:
    deep = "[" * 5000 + "]" * 5000
    assert literals_in(deep) == []  # refused whole, not searched for a shallow inner list
    assert literals_in("[" * 20000) == []  # the bracket scan stops within its budget
    assert parse_answer(get_task("MQE"), deep) is None
    assert parse_answer(get_task("DPTM"), "{'techniques': [__import__('os')]}") is None


# --- ground truths in every released shape -----------------------------------------------------


@pytest.mark.parametrize(
    ("code", "shapes", "expected"),
    [
        ("MER", ["happy", "{'emotion': 'happy'}", {"emotion": "happy"}], "happy"),
        ("HU", ["true", True, "True"], "true"),
        (
            "EBIA",
            [
                "{'emotion': 'anger', 'intent': 'questioning'}",
                {"emotion": "anger", "intent": "questioning"},
            ],
            ("anger", "questioning"),
        ),
        (
            "DPTM",
            [{"techniques": ["Smears", "Doubt"]}, "{'techniques': ['Smears', 'Doubt']}"],
            frozenset({"Smears", "Doubt"}),
        ),
        (
            "MQE",
            [
                "[('Maya', 'Yoga', 'atmosphere', 'calming', 'positive', 'helped me focus')]",
                [("Maya", "Yoga", "atmosphere", "calming", "positive", "helped me focus")],
                [["Maya", "Yoga", "atmosphere", "calming", "positive", "helped me focus"]],
                ("Maya", "Yoga", "atmosphere", "calming", "positive", "helped me focus"),
            ],
            frozenset({("maya", "yoga", "atmosphere", "calming", "positive")}),
        ),
        (
            "SFA",
            [
                "[{'holder': 'Nina', 'initial_sentiment': 'negative', 'flipped_sentiment': "
                "'positive', 'trigger_type': 'Personal Experience and Self-reflection'}]",
                [
                    {
                        "holder": "Nina",
                        "initial_sentiment": "negative",
                        "flipped_sentiment": "positive",
                        "trigger_type": "Personal Experience and Self-reflection",
                    }
                ],
            ],
            frozenset(
                {("nina", "negative", "positive", "Personal Experience and Self-reflection")}
            ),
        ),
        (
            "EI",
            ["1. Weather.\n2. Time of day", ["1. Weather.", "2. Time of day"]],
            "1. Weather.\n2. Time of day",
        ),
    ],
)
def test_ground_truth_shapes_normalise_alike(code: str, shapes: list[Any], expected: Any) -> None:
    for shape in shapes:
        assert canonical_ground_truth(get_task(code), shape) == expected, shape


def test_unparseable_counts_wrong_in_acc_and_is_dropped_in_parsed_only() -> None:
    items = [
        HitEmotionItem("MER", 1, str(index), truth, "", {}, "fixture")
        for index, truth in enumerate(["happy", "sad", "angry", "neutral"])
    ]
    outputs = ["<answer>happy</answer>", "{'emotion': 'sad'}", "<answer>happy</answer>", "no idea"]
    score = score_task(get_task("MER"), items, outputs)
    assert (score.n, score.n_parsed, score.extraction_rate) == (4, 3, 75.0)
    assert score.metrics["ACC"] == 50.0
    assert score.metrics["ACC_parsed_only"] == 66.67


def test_judged_answers_go_through_the_cached_judge(tmp_path: Path) -> None:
    judge = make_judge("lexical", cache=tmp_path / "judge.sqlite")
    reference = "1. The cemetery setting.\n2. Solemn facial expression."
    first = judge_answers(judge, ["why?"] * 3, [reference] * 3, [reference, "A dog runs.", None])
    assert [answer.correct for answer in first] == [True, False, False]
    verdict = judge.score(
        "semantic", {"request": "why?", "reference": reference, "prediction": reference}
    )
    assert verdict.cached and verdict.score == 5.0
    assert LexicalJudge().name.startswith("proxy:")  # honest about being a stand-in
    judge.close()


# --- the shared sample of the real release ------------------------------------------------------


@pytest.mark.skipif(
    not SHARED_SAMPLE.is_dir(),
    reason=f"the shared HitEmotion sample is not here ({SHARED_SAMPLE}); CI clones only this repo",
)
def test_shared_sample_loads_and_every_ground_truth_normalises() -> None:
    for variant in (SHARED_SAMPLE, SHARED_SAMPLE / "with_prompt", SHARED_SAMPLE / "without_prompt"):
        load = read_release(variant)
        assert load.problems == []
        assert load.items
        for item in load.items:
            task = TASKS[item.task]
            canonical_ground_truth(task, item.ground_truth, options=item_options(task, item.prompt))
    assert {item.task for item in read_release(SHARED_SAMPLE).items} == set(TASKS)


# --- end to end on fixtures for all 24 tasks --------------------------------------------------

# Per task: (ground truth as released, a correct reply, a wrong reply).
FIXTURES: dict[str, tuple[Any, str, str]] = {
    "FESD": (
        "negative",
        "<think>positive smile?</think><answer>{'emotion': 'negative'}</answer>",
        "{'emotion': 'positive'}",
    ),
    "ISA": ("awe", "{'emotion': 'awe'}", "{'emotion': 'fear'}"),
    "MESA": ("very_positive", "very_positive", "negative"),
    "MER": (
        "worried",
        "<think>happy? sad?</think><answer>worried</answer>",
        "{'emotion': 'happy'}",
    ),
    "MSA": ("positive", "{'emotion': 'positive'}", "{'emotion': 'neutral'}"),
    "OSA": ("neutral", "Final answer: neutral", "negative"),
    "SIA": ("Strong Negative", "{'emotion': 'Strong Negative'}", "{'emotion': 'Neutral'}"),
    "SOER": ("calm", "calm", "angry"),
    "SPER": ("surprised", "{'emotion': 'surprise'}", "{'emotion': 'disgust'}"),
    "SCEA": ("weak positive", "{'emotion': 'weak positive'}", "{'emotion': 'strong negative'}"),
    "DPTM": (
        {"techniques": ["Smears", "Doubt"]},
        "{'techniques': ['Smears', 'Doubt']}",
        "{'techniques': ['Transfer']}",
    ),
    "EBIA": (
        "{'emotion': 'anger', 'intent': 'questioning'}",
        "{'emotion': 'anger', 'intent': 'questioning'}",
        "{'emotion': 'anger', 'intent': 'agreeing'}",
    ),
    "HU": ("true", "<answer>true</answer>", "false"),
    "IAVE": ("Long Sleeve", "Long Sleeve", "Sleeveless"),
    "MABSA": (
        "{'Kyoto': 'negative', 'mayor': 'neutral'}",
        "{'Kyoto': 'negative', 'mayor': 'neutral'}",
        "{'Kyoto': 'positive', 'mayor': 'positive'}",
    ),
    "MQE": (
        "[('Maya', 'Yoga', 'atmosphere', 'calming', 'positive', 'helped me focus')]",
        "[('Maya', 'Yoga', 'atmosphere', 'calming', 'positive')]",
        "[('Maya', 'Yoga', 'atmosphere', 'boring', 'negative')]",
    ),
    "MSD": ("{'stance': 'refute'}", "{'stance': 'refute'}", "{'stance': 'support'}"),
    "MDER": ("joy", "{'emotion': 'joy'}", "{'emotion': 'anger'}"),
    "EER": ("Tenderness", "{'emotion': 'Tenderness'}", "{'emotion': 'Fear'}"),
    "EI": (
        "1. The cemetery setting.\n2. Solemn facial expression.",
        "<think>maybe weather</think>1. The cemetery setting.\n2. A solemn facial expression.",
        "1. Bright sunny beach party.",
    ),
    "LR": (
        "The audience laughed because Howard mocked his own cooking.",
        "The audience laughed because Howard mocked his own cooking.",
        "The audience laughed because the lights flickered.",
    ),
    "MECPE": (
        "{'2': {'emotion': 'joy', 'cause_utterance_id': '1'}}",
        "{'2': {'emotion': 'joy', 'cause_utterance_id': '1'}}",
        "{'2': {'emotion': 'anger', 'cause_utterance_id': '1'}}",
    ),
    "SD": ("false", "<think>true?</think><answer>false</answer>", "true"),
    "SFA": (
        "[{'holder': 'Nina', 'initial_sentiment': 'negative', 'flipped_sentiment': 'positive', "
        "'trigger_type': 'Logical Argumentation'}]",
        "[{'holder': 'Nina', 'initial_sentiment': 'negative', 'flipped_sentiment': 'positive', "
        "'trigger_type': 'Logical Argumentation'}]",
        "[]",
    ),
}
UNPARSEABLE = "<think>Let me weigh the cues: maybe happy, maybe sad.</think>"
PROMPTS = {
    "IAVE": "Answer with the option from the given choices directly: Long Sleeve, Sleeveless.\nAnswer:"
}


def _write_release(root: Path) -> None:
    """``root/with_prompt/levelN/<Dataset>.json``: three items per task, the same ground truth."""
    for code, (truth, _, _) in FIXTURES.items():
        task = TASKS[code]
        items = [
            {
                "id": index if code == "HU" else str(index),  # UR-FUNNY writes integer ids
                "video": f"{task.datasets[0]}/vidoes/{index}.mp4",
                "conversations": [
                    {"from": "human", "value": PROMPTS.get(code, f"<video>\nQuestion for {code}")},
                    {"from": "gpt", "value": truth},
                ],
            }
            for index in range(3)
        ]
        path = root / "with_prompt" / f"level{task.level}" / f"{task.datasets[0]}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(items))


def _write_predictions(path: Path, *, all_correct: bool = False) -> Path:
    lines = []
    for code, (_, correct, wrong) in FIXTURES.items():
        replies = [correct] * 3 if all_correct else [correct, wrong, UNPARSEABLE]
        for index, reply in enumerate(replies):
            lines.append(
                {"task": code, "level": TASKS[code].level, "id": str(index), "output": reply}
            )
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def _png_decodes(path: Path) -> tuple[int, int]:
    with Image.open(path) as image:
        image.load()
        assert image.format == "PNG"
        return image.size


def test_cli_end_to_end_on_all_24_tasks(tmp_path: Path) -> None:
    _write_release(tmp_path / "data")
    mixed = _write_predictions(tmp_path / "mixed.jsonl")
    result = runner.invoke(
        app,
        [
            "eval", "hitemotion", "--data", str(tmp_path / "data"), "--pred", str(mixed),
            "--out", str(tmp_path / "A"), "--cache", str(tmp_path / "judge.sqlite"),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "A" / "report.json").read_text())
    assert set(report["tasks"]) == set(TASKS)
    assert set(report["levels"]) == {"1", "2", "3"}
    for code, values in report["tasks"].items():
        assert (values["n"], values["n_parsed"], values["extraction_rate"]) == (3, 2, 66.67), code
        for name in TASKS[code].metrics:
            assert name in values, (code, name)
    mer = report["tasks"]["MER"]
    assert set(mer) == {
        "n",
        "n_parsed",
        "extraction_rate",
        "ACC",
        "WAF",
        "macro_F1",
        "ACC_parsed_only",
        "WAF_parsed_only",
    }
    assert (mer["ACC"], mer["ACC_parsed_only"]) == (33.33, 50.0)
    # gold worried x3; predicted worried, happy, None: worried P 1, R 1/3, F1 0.5, weight 1.
    assert mer["WAF"] == 50.0
    ebia = report["tasks"]["EBIA"]
    assert (ebia["ACC"], ebia["emotion_ACC"], ebia["intent_ACC"], ebia["joint_ACC"]) == (
        33.33,
        66.67,
        33.33,
        33.33,
    )
    # DPTM: TP 2, predicted 3, gold 6: P 2/3, R 1/3, F1 4/9.
    assert report["tasks"]["DPTM"]["MF"] == 44.44
    assert report["tasks"]["DPTM"]["MF_parsed_only"] == 57.14  # P 2/3, R 2/4 -> 4/7
    assert report["tasks"]["SFA"]["EMF"] == 50.0  # TP 1, predicted 1, gold 3
    # MABSA, released way: shared targets of the parsed answers, 2 right of 4.
    assert report["tasks"]["MABSA"]["MF_parsed_only"] == 50.0
    assert (report["tasks"]["EI"]["LLM"], report["tasks"]["EI"]["LLM_parsed_only"]) == (33.33, 50.0)
    # LR's wrong answer shares only the required opening with the reference: judged wrong.
    assert report["tasks"]["LR"]["LLM"] == 33.33
    assert report["judge"] == "proxy:lexical-overlap-v1"
    assert report["overall"]["tasks"] == list(TASKS)
    assert report["levels"]["1"]["score"] == 33.33  # every L1 task: ACC 1 / 3
    headlines = [report["tasks"][code][TASKS[code].headline] for code in TASKS]
    assert report["overall"]["score"] == round(sum(headlines) / 24, 2)
    assert report["counts"]["missing_predictions"] == 0
    assert report["unparsed_examples"]["MER"] == ["2"]
    markdown = (tmp_path / "A" / "report.md").read_text()
    assert "## Breakpoints" in markdown and "parsed only" in markdown and "| MER |" in markdown
    for name in ("levels.png", "tasks.png"):
        width, height = _png_decodes(tmp_path / "A" / "plots" / name)
        assert width > 100 and height > 100

    perfect = _write_predictions(tmp_path / "perfect.jsonl", all_correct=True)
    second = runner.invoke(
        app,
        [
            "eval", "hitemotion", "--data", str(tmp_path / "data"), "--pred", str(perfect),
            "--out", str(tmp_path / "B"), "--cache", str(tmp_path / "judge.sqlite"), "--no-plots",
        ],
    )  # fmt: skip
    assert second.exit_code == 0, second.output
    report_b = json.loads((tmp_path / "B" / "report.json").read_text())
    assert report_b["overall"]["score"] == 100.0
    assert is_hitemotion_report(tmp_path / "B")

    compare = runner.invoke(
        app,
        [
            "eval",
            "compare",
            str(tmp_path / "A"),
            str(tmp_path / "B"),
            "--out",
            str(tmp_path / "cmp.md"),
        ],
    )
    assert compare.exit_code == 0, compare.output
    comparison = (tmp_path / "cmp.md").read_text()
    overall = report["overall"]["score"]
    assert f"| overall | score | {overall:.1f} | 100.0 | {100 - overall:+.1f} |" in comparison
    assert "| L1 MER | ACC_parsed_only | 50.0 | 100.0 | +50.0 |" in comparison
    _png_decodes(tmp_path / "cmp.png")


def test_only_tasks_with_predictions_are_scored_and_problems_are_reported(tmp_path: Path) -> None:
    _write_release(tmp_path / "data")
    lines = [
        {"task": "MER", "level": 1, "id": "0", "output": "worried"},
        {"task": "mer", "level": 1, "id": "1", "output": "worried"},
        {"task": "MER", "level": 2, "id": "2", "output": "worried"},  # wrong level
        {"task": "MER", "level": 1, "id": "99", "output": "worried"},  # not in the data
        {"task": "MER", "level": 1, "id": "0", "output": "worried", "extra": 1},  # off-contract
    ]
    path = tmp_path / "pred.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines) + "not json\n")
    loaded = read_predictions(path)
    assert len(loaded.problems) == 3
    report = score_predictions(tmp_path / "data", path)
    assert list(report["tasks"]) == ["MER"]
    assert report["tasks"]["MER"]["ACC"] == 66.67  # item 2 has no prediction: wrong
    assert report["counts"]["missing_predictions"] == 1
    assert report["counts"]["unmatched_predictions"] == 1
    assert "SD" in report["counts"]["tasks_without_predictions"]
    only = score_predictions(tmp_path / "data", path, only_predicted=True)
    assert (only["tasks"]["MER"]["n"], only["tasks"]["MER"]["ACC"]) == (2, 100.0)


def test_an_llm_judge_scores_ei_and_lr_through_the_judge_interface_with_its_cache(
    tmp_path: Path,
) -> None:
    def verdict(messages: list[BaseMessage]) -> str:
        prediction = str(messages[-1].content).split("PREDICTION:")[-1]
        if "lights" in prediction:
            return "no JSON here"  # an unparseable judge reply: not correct, and counted
        good = "cemetery" in prediction or "Howard" in prediction
        return json.dumps({"score": 5 if good else 1, "reason": "scripted"})

    _write_release(tmp_path / "data")
    predictions = _write_predictions(tmp_path / "pred.jsonl")
    model = ScriptedChatModel(script={"judge_sc": verdict}, model_name="fake-judge")
    judge = CachedJudge(LlmJudge(model), JudgeCache(tmp_path / "judge.sqlite"))
    report = score_predictions(tmp_path / "data", predictions, judge=judge, tasks=["EI", "LR"])
    assert list(report["tasks"]) == ["EI", "LR"]
    assert report["judge"] == "llm:fake-judge"
    for code in ("EI", "LR"):
        assert (report["tasks"][code]["LLM"], report["tasks"][code]["LLM_parsed_only"]) == (
            33.33,
            50.0,
        )
    assert report["counts"]["unjudged_answers"] == 1  # LR's wrong answer got no usable verdict
    calls = len(model.calls)
    assert calls == 4  # two parsed answers per task; the unparseable ones cost no call
    again = score_predictions(tmp_path / "data", predictions, judge=judge, tasks=["EI", "LR"])
    assert again["tasks"] == report["tasks"] and len(model.calls) == calls  # all from the cache
    judge.close()


def test_cli_errors_name_the_fault(tmp_path: Path) -> None:
    predictions = tmp_path / "pred.jsonl"
    predictions.write_text('{"task": "MER", "level": 1, "id": "0", "output": "happy"}\n')
    missing = runner.invoke(
        app,
        ["eval", "hitemotion", "--data", str(tmp_path / "nowhere"), "--pred", str(predictions),
         "--out", str(tmp_path / "R")],
    )  # fmt: skip
    assert missing.exit_code == 1
    assert "no HitEmotion release" in " ".join(missing.output.split())
    _write_release(tmp_path / "data")
    unknown = runner.invoke(
        app,
        ["eval", "hitemotion", "--data", str(tmp_path / "data"), "--pred", str(predictions),
         "--out", str(tmp_path / "R"), "--tasks", "MER,XYZ"],
    )  # fmt: skip
    assert unknown.exit_code == 1 and "XYZ" in unknown.output
    ok = runner.invoke(
        app,
        ["eval", "hitemotion", "--data", str(tmp_path / "data"), "--pred", str(predictions),
         "--out", str(tmp_path / "R"), "--no-plots", "--cache", str(tmp_path / "judge.sqlite")],
    )  # fmt: skip
    assert ok.exit_code == 0, ok.output
    unim = tmp_path / "unim"
    unim.mkdir()
    (unim / "report.json").write_text(json.dumps({"schema": "unima.eval.report"}))
    mixed = runner.invoke(app, ["eval", "compare", str(unim), str(tmp_path / "R")])
    assert mixed.exit_code == 1 and "not a HitEmotion report" in " ".join(mixed.output.split())
