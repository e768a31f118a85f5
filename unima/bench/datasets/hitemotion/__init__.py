"""HitEmotion: the released files, their tasks and answers, the harness loader and predictions.

Modules: ``tasks`` (the 24 tasks and their files), ``records`` (``HitEmotionRecord``, typed
ground truths, ``read_records``), ``media`` (prompt folders, media paths, the known typo),
``loader`` (``HitEmotionLoader``, the ``hitemotion`` registry entry), ``predictions``
(``predictions.jsonl`` in HitEmotion's form).
"""

from unima.bench.datasets.hitemotion.loader import HitEmotionLoader, load_hitemotion, select
from unima.bench.datasets.hitemotion.media import prompt_folder
from unima.bench.datasets.hitemotion.predictions import prediction_line, write_predictions
from unima.bench.datasets.hitemotion.records import (
    GroundTruth,
    HitEmotionRecord,
    RecordsRead,
    normalise_ground_truth,
    read_records,
)
from unima.bench.datasets.hitemotion.tasks import (
    TASKS,
    TASKS_BY_CODE,
    HitEmotionTask,
    task_named,
    task_of_file,
)

__all__ = [
    "TASKS",
    "TASKS_BY_CODE",
    "GroundTruth",
    "HitEmotionLoader",
    "HitEmotionRecord",
    "HitEmotionTask",
    "RecordsRead",
    "load_hitemotion",
    "normalise_ground_truth",
    "prediction_line",
    "prompt_folder",
    "read_records",
    "select",
    "task_named",
    "task_of_file",
    "write_predictions",
]
