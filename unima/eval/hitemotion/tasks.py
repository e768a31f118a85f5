"""The 24 HitEmotion tasks as scoring data: label set, answer format and metrics of each.

Which task a released file holds, and each task's name and level, come from the dataset
adapter's table (``unima.bench.datasets.hitemotion.tasks``), the one place that maps files to
tasks; this module adds what scoring needs, from the paper's Table 1 and the released JSON files
(``/work/shared/reference/hitemotion.md`` §1.2). A task's ``kind`` says how its answer is parsed
(``unima.eval.hitemotion.answers``) and scored (``unima.eval.hitemotion.scoring``):

- ``label``: one label from ``labels`` (``{'emotion': 'label'}``, ``{'stance': ...}`` or the bare
  word); ``IAVE`` has per-item options instead of a fixed set;
- ``emotion_intent``: EBIA's ``{'emotion': ..., 'intent': ...}``;
- ``multi_label``: DPTM's ``{'techniques': [...]}``, zero or more labels;
- ``aspect_sentiment``: MABSA's ``{'target': 'sentiment', ...}``;
- ``quintuples``: MQE's list of ``(holder, target, aspect, opinion, sentiment)``;
- ``cause_pairs``: MECPE's ``{'utt': {'emotion': ..., 'cause_utterance_id': ...}}``;
- ``flips``: SFA's list of ``{'holder', 'initial_sentiment', 'flipped_sentiment', 'trigger_type'}``;
- ``numbered_causes`` (EI) and ``laughter_reason`` (LR): free text judged by a judge.

``metrics`` are the paper's metrics for the task, headline first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from unima.bench.datasets.hitemotion.tasks import TASKS_BY_CODE
from unima.errors import ConfigError

TaskKind = Literal[
    "label",
    "emotion_intent",
    "multi_label",
    "aspect_sentiment",
    "quintuples",
    "cause_pairs",
    "flips",
    "numbered_causes",
    "laughter_reason",
]
LEVELS: tuple[int, ...] = (1, 2, 3)
LEVEL_NAMES = {
    1: "Emotion Perception and Recognition",
    2: "Emotion Understanding and Analysis",
    3: "Emotion Cognition and Reasoning",
}

POLARITY = ("neutral", "negative", "positive")
RAVDESS_SONG = ("neutral", "calm", "happy", "sad", "angry", "fearful")
TRUE_FALSE = ("true", "false")
# SemEval-2021 Task 6's 22 techniques as the DPTM prompt lists them; one of them is named by three
# comma-separated words, so splitting the prompt's list on commas would make 24.
PERSUASION_TECHNIQUES = (
    "Appeal to authority",
    "Appeal to fear/prejudice",
    "Black-and-white Fallacy/Dictatorship",
    "Causal Oversimplification",
    "Doubt",
    "Exaggeration/Minimisation",
    "Flag-waving",
    "Glittering generalities (Virtue)",
    "Loaded Language",
    "Misrepresentation of Someone's Position (Straw Man)",
    "Name calling/Labeling",
    "Obfuscation, Intentional vagueness, Confusion",
    "Presenting Irrelevant Data (Red Herring)",
    "Reductio ad hitlerum",
    "Repetition",
    "Slogans",
    "Smears",
    "Thought-terminating cliché",
    "Whataboutism",
    "Bandwagon",
    "Transfer",
    "Appeal to (Strong) Emotions",
)
EBIA_EMOTIONS = ("happy", "surprise", "sad", "disgust", "anger", "fear", "neutral")
EBIA_INTENTS = (
    "questioning",
    "agreeing",
    "acknowledging",
    "encouraging",
    "consoling",
    "suggesting",
    "wishing",
    "neutral",
)
ECF_EMOTIONS = ("joy", "sadness", "anger", "disgust", "fear", "surprise", "neutral")
FLIP_TRIGGERS = (
    "Introduction of New Information",
    "Logical Argumentation",
    "Participant Feedback and Interaction",
    "Personal Experience and Self-reflection",
)

# Other spellings a model writes for a label, by the label's normalised form. A task only uses
# the entries whose target is one of its own labels, so "sad" maps to "sadness" in MELD and stays
# "sad" in MER.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "happy": ("happiness", "joy", "joyful"),
    "joy": ("happy", "happiness", "joyful"),
    "sad": ("sadness", "unhappy"),
    "sadness": ("sad",),
    "angry": ("anger", "mad"),
    "anger": ("angry",),
    "worried": ("worry", "anxious", "anxiety"),
    "surprise": ("surprised", "surprising"),
    "surprised": ("surprise",),
    "fearful": ("fear", "afraid", "scared"),
    "fear": ("fearful", "afraid", "scared"),
    "disgust": ("disgusted", "disgusting"),
    "calm": ("calmness",),
    "neutral": ("neutrality", "none"),
    "true": ("yes",),
    "false": ("no",),
    # DPTM: the short names models write for SemEval's longer technique names.
    "obfuscation intentional vagueness confusion": (
        "obfuscation",
        "intentional vagueness",
        "confusion",
    ),
    "glittering generalities virtue": ("glittering generalities",),
    "misrepresentation of someone s position straw man": ("straw man", "strawman"),
    "presenting irrelevant data red herring": ("red herring",),
    "appeal to strong emotions": ("appeal to emotions", "appeal to emotion"),
    "appeal to fear prejudice": ("appeal to fear", "appeal to prejudice"),
    "black and white fallacy dictatorship": ("black and white fallacy", "false dilemma"),
    "exaggeration minimisation": ("exaggeration", "minimisation", "exaggeration minimization"),
    "name calling labeling": ("name calling", "labeling", "name calling labelling"),
    "thought terminating cliché": ("thought terminating cliche",),
}


@dataclass(frozen=True)
class Task:
    """One HitEmotion task.

    Attributes:
        code: the paper's abbreviation (``MER``), the ``task`` of a prediction line.
        name: the paper's full name.
        level: the cognitive level, 1-3.
        datasets: the released file stems under ``levelN/`` (``MER2023`` for ``MER2023.json``).
        kind: how the answer is parsed and scored (see the module docstring).
        labels: the label set in the release's spelling; empty for open or per-item answers.
        answer_key: the key of the answer object holding the label (``emotion``, ``stance``);
            ``None`` for a bare word.
        metrics: the paper's metrics, headline first.
        secondary_labels: EBIA's intents.
    """

    code: str
    name: str
    level: int
    datasets: tuple[str, ...]
    kind: TaskKind
    metrics: tuple[str, ...]
    labels: tuple[str, ...] = ()
    answer_key: str | None = "emotion"
    secondary_labels: tuple[str, ...] = field(default=())

    @property
    def headline(self) -> str:
        """The metric the level and overall averages use."""
        return self.metrics[0]


ACC_WAF = ("ACC", "WAF")


def _task(
    code: str,
    kind: TaskKind,
    metrics: tuple[str, ...],
    labels: tuple[str, ...] = (),
    answer_key: str | None = "emotion",
    secondary_labels: tuple[str, ...] = (),
) -> Task:
    """The scoring spec of ``code``, with its name, level and file from the adapter's table."""
    identity = TASKS_BY_CODE[code]
    return Task(
        code,
        identity.name,
        identity.level,
        (identity.dataset,),
        kind,
        metrics,
        labels,
        answer_key,
        secondary_labels,
    )


_TASKS = (
    # Level 1: Emotion Perception and Recognition
    _task("FESD", "label", ACC_WAF, POLARITY),
    _task(
        "ISA",
        "label",
        ACC_WAF,
        (
            "amusement",
            "anger",
            "awe",
            "contentment",
            "disgust",
            "excitement",
            "fear",
            "sadness",
        ),
    ),
    _task(
        "MESA",
        "label",
        ACC_WAF,
        ("very_positive", "positive", "neutral", "negative", "very_negative"),
    ),
    _task(
        "MER",
        "label",
        ACC_WAF,
        ("happy", "sad", "neutral", "angry", "worried", "surprise"),
    ),
    _task("MSA", "label", ACC_WAF, POLARITY),
    _task("OSA", "label", ACC_WAF, POLARITY),
    _task(
        "SIA",
        "label",
        ACC_WAF,
        (
            "Strong Negative",
            "Moderate Negative",
            "Slight Negative",
            "Neutral",
            "Slight Positive",
            "Moderate Positive",
            "Strong Positive",
        ),
    ),
    _task("SOER", "label", ACC_WAF, RAVDESS_SONG),
    _task(
        "SPER",
        "label",
        ACC_WAF,
        (*RAVDESS_SONG, "surprised", "disgust"),
    ),
    _task(
        "SCEA",
        "label",
        ACC_WAF,
        ("weak negative", "strong negative", "neutral", "weak positive", "strong positive"),
    ),
    # Level 2: Emotion Understanding and Analysis
    _task(
        "DPTM",
        "multi_label",
        ("MF",),
        PERSUASION_TECHNIQUES,
        answer_key="techniques",
    ),
    _task(
        "EBIA",
        "emotion_intent",
        ("ACC",),
        EBIA_EMOTIONS,
        secondary_labels=EBIA_INTENTS,
    ),
    _task("HU", "label", ACC_WAF, TRUE_FALSE, None),
    _task(
        "IAVE",
        "label",
        ACC_WAF,
        answer_key=None,
    ),
    _task(
        "MABSA",
        "aspect_sentiment",
        ("MF",),
        POLARITY,
        None,
    ),
    _task("MQE", "quintuples", ("MF",)),
    _task(
        "MSD",
        "label",
        ("ACC",),
        ("support", "refute", "comment", "unrelated"),
        "stance",
    ),
    _task(
        "MDER",
        "label",
        ACC_WAF,
        ("neutral", "surprise", "fear", "sadness", "joy", "disgust", "anger"),
    ),
    # Level 3: Emotion Cognition and Reasoning
    _task(
        "EER",
        "label",
        ACC_WAF,
        ("Amusement", "Anger", "Disgust", "Fear", "Neutral", "Sadness", "Tenderness"),
    ),
    _task("EI", "numbered_causes", ("LLM",)),
    _task("LR", "laughter_reason", ("LLM",)),
    _task(
        "MECPE",
        "cause_pairs",
        ("MF",),
        ECF_EMOTIONS,
    ),
    _task("SD", "label", ACC_WAF, TRUE_FALSE, None),
    _task("SFA", "flips", ("EMF",), POLARITY),
)

TASKS: dict[str, Task] = {task.code: task for task in _TASKS}
TASK_CODES: tuple[str, ...] = tuple(TASKS)
# (level, file stem) -> task: PanoSent is MQE at level 2 and SFA at level 3.
TASK_BY_FILE: dict[tuple[int, str], Task] = {
    (task.level, stem): task for task in _TASKS for stem in task.datasets
}


def get_task(code: str) -> Task:
    """The task named ``code`` (case-insensitive).

    Raises:
        ConfigError: For an unknown code; the message lists the known ones.
    """
    task = TASKS.get(code.strip().upper())
    if task is None:
        raise ConfigError(f"unknown HitEmotion task {code!r}; known: {', '.join(TASK_CODES)}")
    return task


def tasks_of_level(level: int) -> list[Task]:
    """The level's tasks in the paper's order."""
    return [task for task in _TASKS if task.level == level]
