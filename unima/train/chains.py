"""Gold ToM chains from a teacher: sample, filter by the task's metric, repair once, write.

For each training item the teacher (``teacher.Teacher``) is asked for ``samples`` chains in the
level's format (``items.build_prompt``). Each reply gets the filter's verdicts (the four
rewards, ``rewards``) and one outcome:

- ``kept``: the structure is exact (well-formed tags, one answer, every step in order), the
  answer is right by the task's own metric (content 1; for EI and LR, judged by a model in the
  benchmark, a token F1 of at least ``FREE_TEXT_KEEP``), the steps argue for no other label
  than the answer, and some mental state rests on a cue of the input (process above 0, when
  the item has cues and ``require_grounding``);
- ``malformed``: the tags are not one think block then one answer block;
- ``steps``: well formed, but a step is missing or out of order;
- near-misses, well formed but ``unparsed`` (the answer does not parse for the task),
  ``wrong``, ``partly_right``, ``inconsistent`` (right, but the steps argue for another label)
  or ``ungrounded`` (right, but no mental state rests on a cue: a face the input never showed).
  A near-miss is asked once more, with its reply and feedback saying what was wrong and naming
  the correct answer (the ``tmpo_repair`` step); a repaired chain that passes is kept with
  ``repaired: true``, otherwise the repair's outcome is recorded as ``repair_<outcome>``;
- ``duplicate``: the same text as a chain already kept for the item.

``DIR/chains.jsonl`` holds one row per kept chain (the contract's columns, loadable with
``datasets.load_dataset("json", ...)``), ``DIR/rejected.jsonl`` every rejected reply with its
verdicts, ``DIR/done.jsonl`` one line per finished item, ``DIR/manifest.json`` the teacher,
prompt version, settings, data hash and counts. Each item's rows are appended with one write
and an fsync after the item is done, and ``done.jsonl`` last: a re-run skips the items done and
drops any row of an item that was not (a crash between the appends), so nothing is doubled.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unima.bench.datasets.hitemotion.media import default_cache
from unima.errors import ConfigError, InputError, ModelError
from unima.eval.hitemotion.answers import parse_answer
from unima.eval.hitemotion.tasks import get_task
from unima.files import atomic_write_text
from unima.train.completions import answer_blocks, well_formed
from unima.train.items import (
    ItemsRead,
    TrainingItem,
    encode_label,
    prompt_version,
    read_training_items,
    teacher_system,
)
from unima.train.rewards import (
    FREE_TEXT_KINDS,
    consistency_reward,
    content_reward,
    contradicts,
    process_reward,
    structure_reward,
)
from unima.train.teacher import Teacher, chat_messages, check_teacher_spec
from unima.version import __version__

logger = logging.getLogger(__name__)
MANIFEST_SCHEMA = 1
CHAINS_FILE = "chains.jsonl"
REJECTED_FILE = "rejected.jsonl"
DONE_FILE = "done.jsonl"
MANIFEST_FILE = "manifest.json"
FREE_TEXT_KEEP = 0.5
NEAR_MISSES = ("unparsed", "wrong", "partly_right", "inconsistent", "ungrounded")
SHOWN_SKIPPED = 50
# Settings that must match for a re-run to add to an output folder.
RESUME_SETTINGS = (
    "teacher",
    "prompt_version",
    "samples",
    "temperature",
    "seed",
    "require_grounding",
    "perception_llm",
)


@dataclass(frozen=True)
class ChainSettings:
    """What a chains run asks for (recorded in the manifest)."""

    teacher: str
    samples: int = 2
    temperature: float = 0.7
    seed: int = 0
    tasks: tuple[str, ...] = ()
    levels: tuple[int, ...] = ()
    limit: int | None = None
    require_grounding: bool = True
    perception_llm: str | None = None

    def __post_init__(self) -> None:
        if self.samples < 1:
            raise ConfigError(f"--samples must be at least 1, not {self.samples}")
        if self.temperature < 0:
            raise ConfigError(f"--temperature must be >= 0, not {self.temperature}")
        if self.limit is not None and self.limit < 1:
            raise ConfigError(f"--limit must be at least 1, not {self.limit}")


@dataclass(frozen=True)
class Judgement:
    """A reply's verdicts and outcome."""

    outcome: str
    verdicts: dict[str, Any]

    @property
    def kept(self) -> bool:
        return self.outcome == "kept"


@dataclass
class ChainsSummary:
    """What a run did (this run's items) and what the folder holds (all items done).

    ``failed`` names the items whose teacher call failed (a server down, a deadline): none of
    their rows is written, and a re-run asks for them again.
    """

    out: Path
    items: int = 0
    items_done_before: int = 0
    kept: int = 0
    repaired: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    skipped: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    teacher_calls: int = 0
    cached_calls: int = 0
    manifest: dict[str, Any] = field(default_factory=dict)


Progress = Callable[[str, int, int], None]


def run_chains(
    data: Path,
    out: Path,
    settings: ChainSettings,
    *,
    media_root: Path | None = None,
    cache_dir: Path | None = None,
    require_media: bool = True,
    chat_model: Any = None,
    on_item: Progress | None = None,
    on_start: Callable[[int], None] | None = None,
) -> ChainsSummary:
    """Ask the teacher for gold chains on the items of ``data``; write them under ``out``.

    Args:
        data: the HitEmotion folder (holding ``with_prompt/``).
        out: the output folder (created; a re-run resumes it).
        settings: the teacher spec, samples, temperature, seed, the item filters and the
            perception model.
        media_root: the folder media paths are relative to.
        cache_dir: where media descriptions and teacher replies are cached
            (default ``~/.cache/unima``).
        require_media: skip items whose media is missing (else describe it as absent).
        chat_model: a ready chat model for the teacher spec (tests pass a scripted one).
        on_item: called with (item key, items finished, items to do) after each item.
        on_start: called with the number of items to do, before the first.

    Raises:
        ConfigError: a bad teacher spec or setting, or ``out`` holds a run with other settings;
            raised before any item is read.
        InputError: the data folder holds no released files.
    """
    check_teacher_spec(settings.teacher)
    out = Path(out)
    version = prompt_version()
    _check_resumable(out, settings, version)
    cache = Path(cache_dir) if cache_dir is not None else default_cache()
    teacher = Teacher(
        settings.teacher,
        cache_dir=cache,
        temperature=settings.temperature,
        seed=settings.seed,
        chat_model=chat_model,
    )
    try:
        read = read_training_items(
            data,
            tasks=settings.tasks,
            levels=settings.levels,
            media_root=media_root,
            cache_dir=cache,
            require_media=require_media,
            limit=settings.limit,
            perception_llm=settings.perception_llm,
        )
        done = _recover(out)
        todo = [item for item in read.items if item.key not in done]
        summary = ChainsSummary(out, items=len(todo), items_done_before=len(done))
        summary.skipped = len(read.skipped)
        if on_start is not None:
            on_start(len(todo))
        for position, item in enumerate(todo, 1):
            record = _chains_of(item, teacher, settings, version)
            if record.failure:
                summary.failed[item.key] = record.failure
                if on_item is not None:
                    on_item(item.key, position, len(todo))
                continue
            _append(out / CHAINS_FILE, record.kept_rows)
            _append(out / REJECTED_FILE, record.rejected_rows)
            _append(out / DONE_FILE, [record.done_row])
            summary.kept += len(record.kept_rows)
            summary.repaired += sum(row["provenance"]["repaired"] for row in record.kept_rows)
            summary.rejected.update(row["outcome"] for row in record.rejected_rows)
            if on_item is not None:
                on_item(item.key, position, len(todo))
        summary.teacher_calls, summary.cached_calls = teacher.asked, teacher.cached
        summary.manifest = _write_manifest(out, settings, version, data, read)
        return summary
    finally:
        teacher.close()


@dataclass
class _ItemRecord:
    kept_rows: list[dict[str, Any]]
    rejected_rows: list[dict[str, Any]]
    done_row: dict[str, Any]
    failure: str = ""


def _chains_of(
    item: TrainingItem, teacher: Teacher, settings: ChainSettings, version: str
) -> _ItemRecord:
    """Every sample of one item asked, judged, repaired when a near-miss, and recorded."""
    kept: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    texts: set[str] = set()
    system = teacher_system()
    for sample in range(settings.samples):
        try:
            reply = teacher.ask(chat_messages(system, [("user", item.prompt)]), sample).text.strip()
            judgement = judge(item, reply, require_grounding=settings.require_grounding)
            repaired = False
            if judgement.outcome in NEAR_MISSES:
                repair = _repair_messages(item, reply, judgement)
                reply = teacher.ask(repair, sample).text.strip()
                judgement = judge(item, reply, require_grounding=settings.require_grounding)
                repaired = True
        except ModelError as error:
            # Nothing of the item is written: a re-run asks again (answered replies are cached).
            logger.warning("teacher failed on %s sample %d: %s", item.key, sample, error)
            return _ItemRecord([], [], {}, failure=str(error))
        if judgement.kept and reply in texts:
            judgement = Judgement("duplicate", judgement.verdicts)
        if not judgement.kept:
            outcome = f"repair_{judgement.outcome}" if repaired else judgement.outcome
            rejected.append(_rejected_row(item, sample, outcome, judgement.verdicts, reply))
            continue
        texts.add(reply)
        kept.append(
            {
                **item.to_row(),
                "completion": reply,
                "provenance": {
                    "teacher": settings.teacher,
                    "prompt_version": version,
                    "sample_index": sample,
                    "verdicts": judgement.verdicts,
                    "repaired": repaired,
                },
            }
        )
    done = {
        "key": item.key,
        "kept": len(kept),
        "repaired": sum(row["provenance"]["repaired"] for row in kept),
        "rejected": dict(Counter(row["outcome"] for row in rejected)),
    }
    return _ItemRecord(kept, rejected, done)


def judge(item: TrainingItem, reply: str, *, require_grounding: bool = True) -> Judgement:
    """The filter's verdicts on one reply and its outcome (see the module docstring)."""
    task = get_task(item.task)
    structure = structure_reward(reply, item.level)
    content = content_reward(reply, item.task, item.label, item.options)
    answered = parse_answer(task, reply, options=item.options)
    process = process_reward(reply, item.level, item.cues)
    verdicts: dict[str, Any] = {
        "well_formed": well_formed(reply),
        "structure": structure,
        "content": round(content, 6),
        "process": process,
        "consistency": consistency_reward(reply, item.task, item.options),
        "contradicts": contradicts(reply, item.task, item.options),
        "answer_json": encode_label(answered) if answered is not None else "",
    }
    right = content >= FREE_TEXT_KEEP if task.kind in FREE_TEXT_KINDS else content >= 1.0
    blocks = answer_blocks(reply)
    if not verdicts["well_formed"] or len(blocks) != 1 or not blocks[0].strip():
        outcome = "malformed"
    elif structure < 1.0:
        outcome = "steps"
    elif answered is None:
        outcome = "unparsed"
    elif not right:
        outcome = "partly_right" if content > 0 else "wrong"
    elif verdicts["contradicts"]:
        outcome = "inconsistent"
    elif require_grounding and item.cues and process == 0.0:
        outcome = "ungrounded"
    else:
        outcome = "kept"
    return Judgement(outcome, verdicts)


def label_text(item: TrainingItem) -> str:
    """The correct answer as the feedback names it: the label, or the answer as JSON."""
    return item.label if isinstance(item.label, str) else encode_label(item.label)


def repair_feedback(item: TrainingItem, judgement: Judgement) -> str:
    """What the teacher is told about a near-miss: what was wrong, and the correct answer."""
    answered = judgement.verdicts.get("answer_json") or "no answer"
    problem = {
        "unparsed": "your answer is not in the form the question asks for",
        "wrong": f"your answer {answered} is wrong",
        "partly_right": f"your answer {answered} is only partly right",
        "inconsistent": f"your steps argue for another answer than your answer {answered}",
        "ungrounded": "no mental state in your chain rests on a cue of the input (quote the "
        "words, name the voice or picture readings perception gave)",
    }[judgement.outcome]
    return (
        f"{problem[0].upper()}{problem[1:]}. The correct answer is {label_text(item)}. Write the "
        "chain again in the same format: reason from the evidence in the question to that "
        "answer, step by step, and do not mention this feedback."
    )


def _repair_messages(item: TrainingItem, reply: str, judgement: Judgement) -> list[Any]:
    return chat_messages(
        teacher_system(repair=True),
        [("user", item.prompt), ("assistant", reply), ("user", repair_feedback(item, judgement))],
    )


def _rejected_row(
    item: TrainingItem, sample: int, outcome: str, verdicts: dict[str, Any], reply: str
) -> dict[str, Any]:
    return {
        "key": item.key,
        "task": item.task,
        "sample_index": sample,
        "outcome": outcome,
        "verdicts": verdicts,
        "reply": reply,
    }


def _append(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    """Append ``rows`` as JSON lines with one write, then fsync: a crash leaves whole lines
    or at most one cut-off last line, which ``_read_lines`` drops."""
    if not rows:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    data = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode("utf-8")
    with path.open("ab") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _read_lines(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue  # a line cut off by a crash: its item is not done, and is asked again
        if isinstance(row, dict) and "key" in row:
            rows.append(row)
    return rows


def _recover(out: Path) -> set[str]:
    """The keys of the items done; rows of items not done are dropped from the row files."""
    done = {row["key"] for row in _read_lines(out / DONE_FILE)}
    for name in (CHAINS_FILE, REJECTED_FILE, DONE_FILE):
        path = out / name
        if not path.is_file():
            continue
        rows = [row for row in _read_lines(path) if row["key"] in done]
        text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        if text != path.read_text(encoding="utf-8"):
            atomic_write_text(path, text)
    return done


def _check_resumable(out: Path, settings: ChainSettings, version: str) -> None:
    manifest_path = out / MANIFEST_FILE
    if not manifest_path.is_file():
        if out.exists() and not out.is_dir():
            raise ConfigError(f"--out {out} is a file; give a folder")
        return
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ConfigError(f"cannot read {manifest_path} ({error}); give another --out") from None
    wanted = {**_settings_record(settings), "prompt_version": version}
    changed = [
        f"{name} {manifest.get(name)!r} -> {wanted[name]!r}"
        for name in RESUME_SETTINGS
        if manifest.get(name) != wanted[name]
    ]
    if changed:
        raise ConfigError(
            f"{out} holds chains made with other settings ({'; '.join(changed)}); "
            "give another --out, or the same settings to resume"
        )


def _settings_record(settings: ChainSettings) -> dict[str, Any]:
    return {
        "teacher": settings.teacher,
        "samples": settings.samples,
        "temperature": settings.temperature,
        "seed": settings.seed,
        "tasks": list(settings.tasks),
        "levels": list(settings.levels),
        "limit": settings.limit,
        "require_grounding": settings.require_grounding,
        "perception_llm": settings.perception_llm,
    }


def _write_manifest(
    out: Path, settings: ChainSettings, version: str, data: Path, read: ItemsRead
) -> dict[str, Any]:
    """The manifest over everything the folder holds (this run's items and earlier ones)."""
    done = _read_lines(out / DONE_FILE)
    rejected: Counter[str] = Counter()
    for row in done:
        rejected.update(row.get("rejected") or {})
    manifest = {
        "schema": MANIFEST_SCHEMA,
        **_settings_record(settings),
        "prompt_version": version,
        "data": str(Path(data).resolve()),
        "data_hash": read.data_hash,
        "unima_version": __version__,
        "written": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "counts": {
            "items_done": len(done),
            "items_with_a_chain": sum(1 for row in done if row.get("kept")),
            "kept": sum(int(row.get("kept", 0)) for row in done),
            "repaired": sum(int(row.get("repaired", 0)) for row in done),
            "rejected": dict(sorted(rejected.items())),
            "items_skipped": len(read.skipped),
        },
        "skipped": [
            {"key": item.key, "reason": item.reason} for item in read.skipped[:SHOWN_SKIPPED]
        ],
    }
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / MANIFEST_FILE, json.dumps(manifest, indent=1, ensure_ascii=False))
    return manifest


def read_chains(out: Path) -> list[dict[str, Any]]:
    """The kept chains of an output folder, as rows.

    Raises:
        InputError: the folder has no ``chains.jsonl``.
    """
    path = Path(out) / CHAINS_FILE
    if not path.is_file():
        raise InputError("no chains.jsonl here; run unima train chains first", source=str(out))
    return _read_lines(path)
