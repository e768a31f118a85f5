"""HitEmotion scoring: any model's ``predictions.jsonl`` against the released files.

- ``tasks``: the 24 tasks as data (code, level, released file, labels, answer format, metrics);
- ``data``: which released files to score, read through the dataset adapter's reader
  (``unima.bench.datasets.hitemotion.read_records``);
- ``predictions``: the ``{"task", "level", "id", "output"}`` line contract;
- ``answers`` (with ``literals``): the final answer of an output and the canonical ground truth;
- ``metrics``: ACC, WAF, macro-F1, micro-F1 and their parsed-only forms, as pure functions;
- ``judge``: EI and LR through unima's judge interface, with an offline lexical proxy;
- ``scoring``: one task's metrics; ``report``: ``score_predictions`` and ``write_report``;
- ``markdown``, ``plots``, ``compare``: ``report.md``, the PNGs, two reports side by side.

Importing this package imports no heavy library (matplotlib loads only to draw the plots).
"""

from unima.eval.hitemotion.report import (
    evaluate_hitemotion,
    is_hitemotion_report,
    load_report,
    score_predictions,
    write_report,
)
from unima.eval.hitemotion.tasks import TASKS, Task

__all__ = [
    "TASKS",
    "Task",
    "evaluate_hitemotion",
    "is_hitemotion_report",
    "load_report",
    "score_predictions",
    "write_report",
]
