"""Score a HitEmotion ``predictions.jsonl`` against the released files and write the report.

``REPORT/report.json`` (schema ``unima.eval.hitemotion``, version 1):

- ``tasks.<TASK>``: ``n``, ``n_parsed``, ``extraction_rate`` and the task's metrics under the keys
  of ``unima.eval.hitemotion.scoring`` (``ACC``, ``WAF``, ``macro_F1``, ``MF``, ``EMF``, ``LLM``,
  EBIA's ``emotion_ACC`` / ``intent_ACC`` / ``joint_ACC``, and the ``*_parsed_only`` forms);
- ``levels.<1|2|3>`` and ``overall``: ``score`` (the mean of the tasks' headline metrics, the
  first of each task's paper metrics), ``score_parsed_only`` (the same with the released
  evaluators' denominators), the means of ``ACC`` and ``WAF`` over the tasks that have them,
  the mean ``extraction_rate``, ``n`` and the ``tasks`` averaged;
- ``headlines``: each task's headline metric name; ``judge``: the EI/LR judge;
- ``counts`` and ``problems``: instances, predictions missing or unmatched, lines and items
  that could not be read; ``unparsed_examples``: per task, ids of outputs with no final answer.

All values are on 0-100. A task with no prediction at all is left out (named in
``counts.tasks_without_predictions``): scoring a run of two tasks must not average 22 zeros in.
With ``only_predicted`` the instances without a prediction are left out too (a ``--limit`` run);
otherwise each counts as an unparseable answer.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from unima.errors import InputError
from unima.eval.hitemotion.data import HitEmotionItem, read_release
from unima.eval.hitemotion.judge import make_judge
from unima.eval.hitemotion.markdown import render_markdown
from unima.eval.hitemotion.predictions import read_predictions
from unima.eval.hitemotion.scoring import TaskScore, score_task
from unima.eval.hitemotion.tasks import LEVELS, TASK_CODES, TASKS, get_task
from unima.eval.judges import Judge
from unima.files import atomic_write_text

SCHEMA = "unima.eval.hitemotion"
SCHEMA_VERSION = 1
REPORT_FILE = "report.json"
MARKDOWN_FILE = "report.md"
PLOTS_FOLDER = "plots"
AVERAGED = ("ACC", "WAF")


def score_predictions(
    data_dir: Path,
    predictions_jsonl: Path,
    *,
    judge: str | Judge | None = None,
    cache: Path | None = None,
    tasks: Iterable[str] = (),
    only_predicted: bool = False,
) -> dict[str, Any]:
    """The report (the content of ``report.json``) for a predictions file.

    Args:
        data_dir: the released files (see ``unima.eval.hitemotion.data.read_release``).
        predictions_jsonl: the predictions (or the run folder holding ``predictions.jsonl``).
        judge: the EI/LR judge: a ``Judge`` or a spec (``None``: the offline lexical proxy).
        cache: the judge cache database; ``None`` caches in memory for this run only.
        tasks: only these task codes (default: every task with a prediction).
        only_predicted: score only the instances that have a prediction.

    Raises:
        InputError: The data or predictions cannot be read.
        ConfigError: An unknown task code or judge spec.
    """
    release = read_release(Path(data_dir))
    loaded = read_predictions(Path(predictions_jsonl))
    wanted = {get_task(code).code for code in tasks}
    by_task: dict[str, list[HitEmotionItem]] = defaultdict(list)
    for item in release.items:
        by_task[item.task].append(item)
    dataset_keys = {item.key for item in release.items}
    predicted_tasks = {key[0] for key in loaded.predictions}
    scored: dict[str, TaskScore] = {}
    missing: dict[str, int] = {}
    owned_judge = not isinstance(judge, Judge)
    judge_object: Judge | None = judge if isinstance(judge, Judge) else None
    try:
        for code in TASK_CODES:
            if (wanted and code not in wanted) or code not in predicted_tasks:
                continue
            items = by_task.get(code, [])
            outputs = [_output(loaded.predictions.get(item.key)) for item in items]
            present = [item.key in loaded.predictions for item in items]
            if only_predicted:
                items = [item for item, has in zip(items, present, strict=True) if has]
                outputs = [output for output, has in zip(outputs, present, strict=True) if has]
            missing[code] = 0 if only_predicted else present.count(False)
            if not items:
                continue
            if TASKS[code].kind in ("numbered_causes", "laughter_reason") and judge_object is None:
                judge_object = make_judge(judge if isinstance(judge, str) else None, cache=cache)
            scored[code] = score_task(TASKS[code], items, outputs, judge=judge_object)
    finally:
        if owned_judge and judge_object is not None:
            judge_object.close()
    unmatched = sorted(key for key in loaded.predictions if key not in dataset_keys)
    problems = [*release.problems, *loaded.problems]
    for score in scored.values():
        problems.extend(score.problems)
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": {
            "data": str(Path(data_dir).resolve()),
            "predictions": str(Path(predictions_jsonl).resolve()),
            "files": release.files,
            "only_predicted": only_predicted,
        },
        "judge": _judge_name(judge, judge_object),
        "headlines": {code: TASKS[code].headline for code in scored},
        "tasks": {code: score.to_json() for code, score in scored.items()},
        "levels": {
            str(level): _average([score for score in scored.values() if score.task.level == level])
            for level in LEVELS
        },
        "overall": _average(list(scored.values())),
        "counts": {
            "instances": sum(score.n for score in scored.values()),
            "parsed": sum(score.n_parsed for score in scored.values()),
            "predictions": len(loaded.predictions),
            "missing_predictions": sum(missing.values()),
            "missing_by_task": {code: count for code, count in missing.items() if count},
            "unmatched_predictions": len(unmatched),
            "repeated_prediction_lines": loaded.repeated,
            "unjudged_answers": sum(score.unjudged for score in scored.values()),
            "tasks_without_predictions": [
                code for code in TASK_CODES if code not in scored and (not wanted or code in wanted)
            ],
        },
        "problems": problems,
        "unmatched_predictions": [list(key) for key in unmatched[:100]],
        "unparsed_examples": {
            code: score.unparsed_ids for code, score in scored.items() if score.unparsed_ids
        },
    }


def write_report(report: dict[str, Any], out: Path, *, plots: bool = True) -> Path:
    """Write ``report.json``, ``report.md`` and (when ``plots``) ``plots/*.png`` under ``out``.

    Returns:
        The path of ``report.json``.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / REPORT_FILE
    atomic_write_text(path, json.dumps(report, indent=1, allow_nan=False) + "\n")
    atomic_write_text(out / MARKDOWN_FILE, render_markdown(report))
    if plots:
        # matplotlib: ~0.25 s to import, and only a report drawn with plots needs it.
        from unima.eval.hitemotion.plots import draw_plots

        draw_plots(report, out / PLOTS_FOLDER)
    return path


def evaluate_hitemotion(
    data_dir: Path,
    predictions_jsonl: Path,
    out: Path,
    *,
    judge: str | None = None,
    cache: Path | None = None,
    tasks: Sequence[str] = (),
    only_predicted: bool = False,
    plots: bool = True,
) -> dict[str, Any]:
    """``score_predictions`` then ``write_report``: what ``unima eval hitemotion`` runs."""
    report = score_predictions(
        data_dir,
        predictions_jsonl,
        judge=judge,
        cache=cache,
        tasks=tasks,
        only_predicted=only_predicted,
    )
    write_report(report, out, plots=plots)
    return report


def is_hitemotion_report(path: Path) -> bool:
    """Whether ``path`` (a report folder or its ``report.json``) is a HitEmotion report."""
    path = Path(path)
    if path.is_dir():
        path = path / REPORT_FILE
    try:
        with path.open(encoding="utf-8") as handle:
            head = handle.read(4096)
    except (OSError, UnicodeDecodeError):
        return False
    return f'"schema": "{SCHEMA}"' in head or f'"schema":"{SCHEMA}"' in head


def load_report(path: Path) -> dict[str, Any]:
    """Read a HitEmotion report folder or ``report.json``.

    Raises:
        InputError: The file is missing, not JSON, or not a HitEmotion report of this version.
    """
    path = Path(path)
    if path.is_dir():
        path = path / REPORT_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            "no report here; give a report folder or its report.json", source=str(path)
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"cannot read the report ({error})", source=str(path)) from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise InputError(f"not a HitEmotion report (schema is not {SCHEMA!r})", source=str(path))
    if data.get("schema_version") != SCHEMA_VERSION:
        raise InputError(
            f"HitEmotion report schema version {data.get('schema_version')!r} is not supported "
            f"(this unima reads version {SCHEMA_VERSION}); re-run the evaluation",
            source=str(path),
        )
    return data


def _output(prediction: Any) -> str | None:
    return None if prediction is None else prediction.output


def _average(scores: list[TaskScore]) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "tasks": [score.task.code for score in scores],
        "n": sum(score.n for score in scores),
        "score": _mean(score.headline for score in scores),
        "score_parsed_only": _mean(score.headline_parsed_only for score in scores),
    }
    for name in AVERAGED:
        summary[name] = _mean(score.metrics.get(name) for score in scores)
    summary["extraction_rate"] = _mean(score.extraction_rate for score in scores)
    return summary


def _mean(values: Iterable[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    return round(sum(present) / len(present), 2) if present else None


def _judge_name(spec: str | Judge | None, judge: Judge | None) -> str | None:
    if judge is not None:
        return judge.name
    return None if spec is None or isinstance(spec, Judge) else spec
