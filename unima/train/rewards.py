"""TMPO's four rewards: structure, content, process and consistency, each on 0 to 1.

GRPO maximises R = mu1*R_structure + mu2*R_content + mu3*R_process + mu4*R_consistency
(HitEmotion's TMPO; the paper's definitions and weights are unpublished, reference notes §3).
These are unima's definitions, each a plain function with hand-computed tests:

- ``structure_reward``: 0.2 when the completion is exactly one ``<think>`` block then one
  ``<answer>`` block, 0.2 when it has exactly one non-empty answer, and 0.6 times the share of
  the level's steps whose title lines appear in order (the longest run of steps in the level's
  order, over the number of steps): a missing step costs 0.6/n, a step out of place as much.
- ``content_reward``: the task's own metric on this one item (``unima.eval.hitemotion``): 1 for
  the exact label; the mean of the two fields for EBIA (emotion, intent); the F1 of the
  answer's set against the label's for multi-label and tuple tasks (two empty sets: 1); for EI
  and LR, whose metric is an LLM judge, the token F1 against the reference. No parseable
  answer: 0.
- ``process_reward``: over the sentences of the think block (the label line left out) that
  attribute a mental state in the level's language (``mental_states.state_kinds``), 0.7 times
  the share grounded in a cue of the input, plus 0.3 times the share of the level's required
  kinds (emotion; + intention at level 2; + belief at level 3) that some grounded sentence
  attributes. A chain attributing nothing, or only ungrounded states, gets 0.
- ``consistency_reward``: whether the reasoning (the think block before its label line) argues
  for the answer it gives: for a label task, 1 when the last label it names equals the
  answered one, else 0 (SD and HU: what its last mention of sarcasm or humour affirms, "not
  sarcastic" arguing "false"; EBIA: the mean over emotion and intent); for set, tuple and free-text
  answers, the share of the answer's parts that the reasoning names. With an NLI model
  (``EntailmentModel``), the probability that the reasoning entails "The answer is X." instead.

``RewardWeights`` holds the documented default weights; ``trl_reward_functions`` wraps the four
as TRL ``GRPOTrainer`` reward functions (named, so TRL logs ``rewards/<name>/mean``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from unima.errors import ConfigError
from unima.eval.hitemotion.answers import judged_content, normalise_text, parse_answer
from unima.eval.hitemotion.tasks import Task, get_task
from unima.reasoners.tom.chain import LEVEL_STEPS
from unima.train.completions import (
    answer_blocks,
    completion_text,
    reasoning_text,
    sentences,
    step_lines,
    think_block,
    well_formed,
)
from unima.train.items import decode_label
from unima.train.mental_states import (
    REQUIRED_KINDS,
    YES_NO_CONCEPTS,
    argued_truth,
    grounded,
    last_label,
    mentions,
    state_kinds,
)

FORM_SHARE = 0.2
ONE_ANSWER_SHARE = 0.2
STEPS_SHARE = 0.6
GROUNDED_SHARE = 0.7
COVERAGE_SHARE = 0.3
SET_KINDS = ("multi_label", "aspect_sentiment", "quintuples", "cause_pairs", "flips")
FREE_TEXT_KINDS = ("numbered_causes", "laughter_reason")
REWARD_NAMES = ("structure", "content", "process", "consistency")


class EntailmentModel(Protocol):
    """An NLI model: how probable it is that ``premise`` entails ``hypothesis`` (0 to 1)."""

    def entail(self, premise: str, hypothesis: str) -> float: ...


@dataclass(frozen=True)
class RewardWeights:
    """The weights mu1..mu4 of R (TRL's ``GRPOConfig(reward_weights=...)``).

    Defaults: content 0.5, because a right answer is the goal and the only reward checked
    against the ground truth; structure 0.2 and process 0.2, the chain's form and its grounding
    (what TMPO adds over answer-only GRPO, equal so neither dominates the other); consistency
    0.1, small because its rule reading (the last label named) is the noisiest signal and
    content already pays for the answer. They sum to 1, so R stays on 0 to 1.
    """

    structure: float = 0.2
    content: float = 0.5
    process: float = 0.2
    consistency: float = 0.1

    def __post_init__(self) -> None:
        for name in REWARD_NAMES:
            value = getattr(self, name)
            if not isinstance(value, int | float) or value < 0:
                raise ConfigError(f"reward weight {name} must be a number >= 0, not {value!r}")
        if sum(self.as_list()) <= 0:
            raise ConfigError("the reward weights are all 0; give at least one a positive weight")

    def as_list(self) -> list[float]:
        """The weights in TRL's order: structure, content, process, consistency."""
        return [float(getattr(self, name)) for name in REWARD_NAMES]


def structure_reward(completion: Any, level: int) -> float:
    """How well ``completion`` follows the level's format (module docstring), 0 to 1."""
    text = completion_text(completion)
    steps = LEVEL_STEPS[_level(level)]
    score = FORM_SHARE if well_formed(text) else 0.0
    answers = answer_blocks(text)
    if len(answers) == 1 and answers[0].strip():
        score += ONE_ANSWER_SHARE
    think = think_block(text)
    if think is not None:
        order = {step: position for position, step in enumerate(steps)}
        seen: list[int] = []
        for line in step_lines(think, level):
            if line.step and order[line.step] not in seen:
                seen.append(order[line.step])
        score += STEPS_SHARE * _longest_increasing(seen) / len(steps)
    return round(score, 6)


def content_reward(completion: Any, task: str, label: Any, options: Sequence[str] = ()) -> float:
    """Whether the answer is right by ``task``'s own metric (module docstring), 0 to 1."""
    spec = get_task(task)
    predicted = parse_answer(spec, completion_text(completion), options=options)
    if predicted is None:
        return 0.0
    if spec.kind == "label":
        return 1.0 if predicted == label else 0.0
    if spec.kind == "emotion_intent":
        matches = [bool(guess == truth) for guess, truth in zip(predicted, label, strict=True)]
        return sum(matches) / 2
    if spec.kind in FREE_TEXT_KINDS:
        return _token_f1(judged_content(spec, str(predicted)), judged_content(spec, str(label)))
    return _set_f1(set(predicted), set(label))


def process_reward(completion: Any, level: int, cues: Sequence[str]) -> float:
    """How well the chain's mental states are grounded (module docstring), 0 to 1."""
    think = think_block(completion_text(completion))
    if think is None:
        return 0.0
    level = _level(level)
    attributed = grounded_count = 0
    covered: set[str] = set()
    for sentence in sentences(reasoning_text(think, level)):
        kinds = state_kinds(sentence, level)
        if not kinds:
            continue
        attributed += 1
        if grounded(sentence, cues):
            grounded_count += 1
            covered |= kinds
    if attributed == 0:
        return 0.0
    required = REQUIRED_KINDS[level]
    coverage = len(covered & required) / len(required)
    return round(GROUNDED_SHARE * grounded_count / attributed + COVERAGE_SHARE * coverage, 6)


def consistency_reward(
    completion: Any,
    task: str,
    options: Sequence[str] = (),
    nli: EntailmentModel | None = None,
) -> float:
    """Whether the reasoning argues for the answer given (module docstring), 0 to 1."""
    spec = get_task(task)
    text = completion_text(completion)
    think = think_block(text)
    answered = parse_answer(spec, text, options=options)
    if think is None or answered is None:
        return 0.0
    reasoning = reasoning_text(think, spec.level)
    if not reasoning.strip():
        return 0.0
    if nli is not None:
        probability = float(nli.entail(reasoning, f"The answer is {_spoken(answered)}."))
        return min(1.0, max(0.0, probability))
    argued = argued_label(reasoning, spec, options)
    if spec.kind == "label":
        return 1.0 if argued == answered else 0.0
    if spec.kind == "emotion_intent":
        right = [
            bool(value is not None and value == guess)
            for value, guess in zip(argued, answered, strict=True)
        ]
        return sum(right) / 2
    parts = _answer_parts(spec, answered)
    if not parts:
        return 1.0 if spec.kind in SET_KINDS else 0.0  # "none" needs no argument
    return sum(mentions(reasoning, part) for part in parts) / len(parts)


def argued_label(reasoning: str, task: Task, options: Sequence[str] = ()) -> Any:
    """The label ``reasoning`` argues for: for a label task the last label of the set it
    names (SD and HU: what its last mention of sarcasm or humour affirms), ``None`` when it
    names none; for EBIA the (emotion, intent) pair, each ``None`` when not named; ``None``
    for the other kinds."""
    if task.kind == "label":
        argued = None
        if task.code in YES_NO_CONCEPTS:
            argued = argued_truth(reasoning, YES_NO_CONCEPTS[task.code])
        return argued if argued is not None else last_label(reasoning, options or task.labels)
    if task.kind == "emotion_intent":
        return (last_label(reasoning, task.labels), last_label(reasoning, task.secondary_labels))
    return None


def contradicts(completion: Any, task: str, options: Sequence[str] = ()) -> bool:
    """Whether the reasoning argues for a label other than the one answered (a label or an
    EBIA field it names and the answer differs on); naming no label is no contradiction."""
    spec = get_task(task)
    text = completion_text(completion)
    think = think_block(text)
    answered = parse_answer(spec, text, options=options)
    if think is None or answered is None:
        return False
    argued = argued_label(reasoning_text(think, spec.level), spec, options)
    if spec.kind == "label":
        return argued is not None and argued != answered
    if spec.kind == "emotion_intent":
        return any(
            value is not None and value != guess
            for value, guess in zip(argued, answered, strict=True)
        )
    return False


def total_reward(
    completion: Any,
    *,
    level: int,
    task: str,
    label: Any,
    options: Sequence[str] = (),
    cues: Sequence[str] = (),
    weights: RewardWeights | None = None,
    nli: EntailmentModel | None = None,
) -> float:
    """R = sum of weight * reward, divided by the weights' sum (0 to 1)."""
    weights = weights or RewardWeights()
    values = [
        structure_reward(completion, level),
        content_reward(completion, task, label, options),
        process_reward(completion, level, cues),
        consistency_reward(completion, task, options, nli),
    ]
    mus = weights.as_list()
    return sum(mu * value for mu, value in zip(mus, values, strict=True)) / sum(mus)


def trl_reward_functions(
    nli: EntailmentModel | None = None,
) -> list[Callable[..., list[float]]]:
    """The four rewards as TRL ``GRPOTrainer`` reward functions, in the order structure,
    content, process, consistency.

    Each is called ``f(prompts, completions, *, level, task, label_json, options, cues, **_)``
    with one value per completion in each column (TRL passes the dataset's columns), and its
    ``__name__`` is the reward's name, so TRL logs ``rewards/<name>/mean``.
    """

    def structure(
        prompts: Any, completions: Sequence[Any], *, level: Sequence[int], **_: Any
    ) -> list[float]:
        return [
            structure_reward(completion, int(lv))
            for completion, lv in zip(completions, level, strict=True)
        ]

    def content(
        prompts: Any,
        completions: Sequence[Any],
        *,
        task: Sequence[str],
        label_json: Sequence[str],
        options: Sequence[Sequence[str]],
        **_: Any,
    ) -> list[float]:
        return [
            content_reward(completion, code, decode_label(code, label), tuple(choices or ()))
            for completion, code, label, choices in zip(
                completions, task, label_json, options, strict=True
            )
        ]

    def process(
        prompts: Any,
        completions: Sequence[Any],
        *,
        level: Sequence[int],
        cues: Sequence[Sequence[str]],
        **_: Any,
    ) -> list[float]:
        return [
            process_reward(completion, int(lv), tuple(found or ()))
            for completion, lv, found in zip(completions, level, cues, strict=True)
        ]

    def consistency(
        prompts: Any,
        completions: Sequence[Any],
        *,
        task: Sequence[str],
        options: Sequence[Sequence[str]],
        **_: Any,
    ) -> list[float]:
        return [
            consistency_reward(completion, code, tuple(choices or ()), nli)
            for completion, code, choices in zip(completions, task, options, strict=True)
        ]

    return [structure, content, process, consistency]


def _level(level: int) -> int:
    if level not in LEVEL_STEPS:
        raise ConfigError(f"a ToM level is 1, 2 or 3, not {level!r}")
    return level


def _longest_increasing(values: Sequence[int]) -> int:
    """Length of the longest strictly increasing subsequence (n is at most six)."""
    best = [1] * len(values)
    for index in range(len(values)):
        for earlier in range(index):
            if values[earlier] < values[index]:
                best[index] = max(best[index], best[earlier] + 1)
    return max(best, default=0)


def _set_f1(predicted: set[Any], truth: set[Any]) -> float:
    if not predicted and not truth:
        return 1.0
    right = len(predicted & truth)
    if right == 0:
        return 0.0
    precision, recall = right / len(predicted), right / len(truth)
    return 2 * precision * recall / (precision + recall)


def _token_f1(predicted: str, truth: str) -> float:
    """SQuAD-style token F1 of two texts (counts of shared words)."""
    guess, gold = normalise_text(predicted).split(), normalise_text(truth).split()
    if not guess or not gold:
        return float(guess == gold)
    remaining = list(gold)
    shared = 0
    for word in guess:
        if word in remaining:
            remaining.remove(word)
            shared += 1
    if shared == 0:
        return 0.0
    precision, recall = shared / len(guess), shared / len(gold)
    return 2 * precision * recall / (precision + recall)


def _answer_parts(task: Task, answered: Any) -> list[str]:
    """The words-bearing parts of a structured or free-text answer, for consistency."""
    if task.kind in FREE_TEXT_KINDS:
        words = normalise_text(judged_content(task, str(answered))).split()
        return [word for word in dict.fromkeys(words) if len(word) >= 4]
    parts: list[str] = []
    for element in answered:
        values = element if isinstance(element, tuple) else (element,)
        parts += [str(value) for value in values if value and str(value).strip()]
    return list(dict.fromkeys(parts))


def _spoken(answered: Any) -> str:
    if isinstance(answered, str):
        return answered
    if isinstance(answered, tuple):
        return " and ".join(str(value) for value in answered if value)
    return ", ".join(
        sorted(
            " ".join(map(str, item)) if isinstance(item, tuple) else str(item) for item in answered
        )
    )
