"""The 24 HitEmotion tasks and which released file holds each.

The release names files after their source dataset (``level1/CH-SIMS.json``); the paper names
tasks (FESD). One dataset, PanoSent, appears at two levels as two tasks (``level2`` MQE,
``level3`` SFA), so a file is identified by its level folder and its name together.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from unima.errors import InputError

LEVELS = (1, 2, 3)


@dataclass(frozen=True)
class HitEmotionTask:
    """One task of the benchmark.

    Attributes:
        code: The paper's abbreviation (``MER``), the task's name in keys and predictions.
        level: The cognitive level: 1 perception, 2 understanding, 3 reasoning.
        dataset: The released file's name without ``.json`` (``MER2023``).
        name: The paper's full name of the task.
    """

    code: str
    level: int
    dataset: str
    name: str

    @property
    def file(self) -> str:
        """The file's path inside a prompt folder: ``level1/MER2023.json``."""
        return f"level{self.level}/{self.dataset}.json"


TASKS: tuple[HitEmotionTask, ...] = (
    HitEmotionTask("FESD", 1, "CH-SIMS", "Face Expression Sentiment Detection"),
    HitEmotionTask("ISA", 1, "EmoSet", "Image Sentiment Analysis"),
    HitEmotionTask("MESA", 1, "Memotion", "Meme Sentiment Analysis"),
    HitEmotionTask("MER", 1, "MER2023", "Multimodal Emotion Recognition"),
    HitEmotionTask("MSA", 1, "CH-SIMS_v2.0", "Multimodal Sentiment Analysis"),
    HitEmotionTask("OSA", 1, "CMU-MOSI", "Opinion Sentiment Analysis"),
    HitEmotionTask("SIA", 1, "CMU-MOSEI", "Sentiment Intensity Analysis"),
    HitEmotionTask("SOER", 1, "RAVDSS_song", "Song Emotion Recognition"),
    HitEmotionTask("SPER", 1, "RAVDSS_speech", "Speech Emotion Recognition"),
    HitEmotionTask("SCEA", 1, "FMSA-SC", "Stock Comment Emotion Analysis"),
    HitEmotionTask("DPTM", 2, "SemEval2021_Task6", "Detection of Persuasion Techniques in Memes"),
    HitEmotionTask("EBIA", 2, "MC-EIU", "Emotion-Based Intent Analysis"),
    HitEmotionTask("HU", 2, "UR-FUNNY", "Humor Understanding"),
    HitEmotionTask("IAVE", 2, "ImplicitAVE", "Implicit Attribute Value Extraction"),
    HitEmotionTask("MABSA", 2, "Twitter2015_2017", "Multimodal Aspect-Based Sentiment Analysis"),
    HitEmotionTask("MQE", 2, "PanoSent", "Multimodal Quintuple Extraction"),
    HitEmotionTask("MSD", 2, "MMWTWT", "Multimodal Stance Detection"),
    HitEmotionTask("MDER", 2, "MELD", "Multiparty Dialogue Emotion Recognition"),
    HitEmotionTask("EER", 3, "FilmStim", "Emotion Elicitation Reasoning"),
    HitEmotionTask("EI", 3, "EIBench", "Emotion Interpretation"),
    HitEmotionTask("LR", 3, "SMILE", "Laughter Reasoning"),
    HitEmotionTask("MECPE", 3, "ECF", "Multimodal Emotion Cause Pair Extraction"),
    HitEmotionTask("SD", 3, "MUStARD", "Sarcasm Detection"),
    HitEmotionTask("SFA", 3, "PanoSent", "Sentiment Flip Analysis"),
)
TASKS_BY_CODE: dict[str, HitEmotionTask] = {task.code: task for task in TASKS}
TASKS_BY_FILE: dict[tuple[int, str], HitEmotionTask] = {
    (task.level, task.dataset): task for task in TASKS
}
# The paper's order, used to sort instances (level, then task, then id).
TASK_ORDER: dict[str, int] = {task.code: index for index, task in enumerate(TASKS)}


def task_of_file(path: Path) -> HitEmotionTask | None:
    """The task a released file holds (``level2/PanoSent.json`` is MQE), or ``None``."""
    level = level_of_folder(path.parent.name)
    if level is None or path.suffix != ".json":
        return None
    return TASKS_BY_FILE.get((level, path.stem))


def level_of_folder(name: str) -> int | None:
    """1, 2 or 3 for a folder named ``level1`` .. ``level3``, else ``None``."""
    if name.startswith("level") and name[5:] in {"1", "2", "3"}:
        return int(name[5:])
    return None


def task_named(name: str) -> HitEmotionTask:
    """The task whose code is ``name`` (any case; ``mer`` is MER).

    Raises:
        InputError: no task has that code (the message suggests close ones).
    """
    code = name.strip().upper()
    if code in TASKS_BY_CODE:
        return TASKS_BY_CODE[code]
    close = difflib.get_close_matches(code, list(TASKS_BY_CODE), n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise InputError(f"unknown HitEmotion task {name!r}{hint} (tasks: {', '.join(TASKS_BY_CODE)})")


def task_of_key(subdomain: str) -> HitEmotionTask:
    """The task of an instance key's subdomain (keys hold the code in lower case)."""
    return task_named(subdomain)
