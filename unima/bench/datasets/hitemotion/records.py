"""HitEmotion records: one released item, its prompt, its media paths and a typed ground truth.

A released item is ``{"id", "video"|"image", "conversations": [{"from": "human", "value":
PROMPT}, {"from": "gpt", "value": GROUND_TRUTH}]}``. Ids are strings in most files and integers
in some (UR-FUNNY). Ground truths come in every shape: a label (``"negative"``), a JSON object
(``{"techniques": [...]}``), or a Python literal written as a string (``"{'emotion': 'sad'}"``,
``"[('Maya', 'Hatha Yoga', ...)]"``). ``normalise_ground_truth`` reads them all into one
``GroundTruth`` with plain JSON values (tuples become lists), so scoring never parses files.

``read_records`` reads every released file of a prompt folder (no media checks), for anyone who
needs the items and their answers: the benchmark loader and the evaluator.
"""

from __future__ import annotations

import ast
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from unima.bench.datasets.hitemotion.tasks import TASK_ORDER, HitEmotionTask, task_of_file
from unima.bench.datasets.json_records import read_records as read_json_records
from unima.bench.datasets.loader import InvalidInstance
from unima.bench.datasets.unim.names import normalise_id
from unima.bench.records import InstanceKey

GroundTruthKind = Literal["text", "object", "list"]
MEDIA_FIELDS = ("image", "video")
# Ground truths written as Python literals start with one of these (after spaces).
_LITERAL_STARTS = ("{", "[", "(")
MAX_LITERAL_CHARS = 200_000


class GroundTruth(BaseModel):
    """A ground truth in one typed form.

    Attributes:
        kind: ``text`` (a label or free text: ``value`` is a string), ``object`` (a mapping:
            DPTM, EBIA, MABSA, MSD, MECPE) or ``list`` (MQE tuples, SFA flips).
        value: The ground truth as plain JSON (tuples read as lists, keys as strings).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: GroundTruthKind
    value: str | dict[str, Any] | list[Any]

    @property
    def label(self) -> str:
        """The text of a ``text`` ground truth, stripped (``""`` for the other kinds)."""
        return self.value.strip() if isinstance(self.value, str) else ""


class HitEmotionRecord(BaseModel):
    """One HitEmotion item.

    Attributes:
        task: The task code (``MER``).
        level: 1, 2 or 3.
        dataset: The released file's dataset name (``MER2023``).
        id: The item's id, as a string.
        prompt: The human turn: the question, with ``<image>``/``<video>`` marks as released.
        image: The image path relative to the media root, as released (or ``None``).
        video: The video path relative to the media root, as released (or ``None``).
        ground_truth: The reference answer.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    task: str
    level: int = Field(ge=1, le=3)
    dataset: str
    id: str
    prompt: str
    image: str | None = None
    video: str | None = None
    ground_truth: GroundTruth

    @property
    def key(self) -> InstanceKey:
        """The harness key: (``level1``, the task code in lower case, id)."""
        return (f"level{self.level}", self.task.lower(), self.id)

    @property
    def media(self) -> dict[str, str]:
        """The media paths by field (``{"video": "MER2023/videos/x.mp4"}``)."""
        found = {"image": self.image, "video": self.video}
        return {name: path for name, path in found.items() if path is not None}

    def sort_key(self) -> tuple[int, int, int, str]:
        """Level, the paper's task order, then numeric ids before others."""
        number = int(self.id) if self.id.isdigit() else -1
        return (self.level, TASK_ORDER.get(self.task, 99), number, self.id)


def normalise_ground_truth(value: object) -> GroundTruth:
    """Read a released ground truth (label, JSON value or Python literal string).

    Raises:
        ValueError: the value is none of these (a number, ``null``, a literal of other types).
    """
    if isinstance(value, str):
        text = value.strip()
        if text.startswith(_LITERAL_STARTS) and len(text) <= MAX_LITERAL_CHARS:
            try:
                parsed = ast.literal_eval(text)
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                # Free text that happens to start with a bracket ("(laughs) ...").
                return GroundTruth(kind="text", value=value)
            if isinstance(parsed, dict | list | tuple):
                return _structured(parsed)
        return GroundTruth(kind="text", value=value)
    if isinstance(value, dict | list | tuple):
        return _structured(value)
    raise ValueError(
        f"the ground truth is a {type(value).__name__}; expected a string, object or list"
    )


def _structured(value: dict[Any, Any] | list[Any] | tuple[Any, ...]) -> GroundTruth:
    plain = _plain(value)
    if isinstance(plain, dict):
        return GroundTruth(kind="object", value=plain)
    return GroundTruth(kind="list", value=plain)


def _plain(value: Any) -> Any:
    """``value`` as JSON values: tuples and sets as lists, mapping keys as strings."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, set | frozenset):
        return sorted((_plain(item) for item in value), key=str)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise ValueError(f"the ground truth holds a {type(value).__name__}, not a JSON value")


def parse_item(value: object, task: HitEmotionTask) -> HitEmotionRecord:
    """One released item of ``task``'s file as a record.

    Raises:
        ValueError: the item is not a released item (the message says which part is wrong).
    """
    if not isinstance(value, dict):
        raise ValueError(f"an item must be a JSON object, got {type(value).__name__}")
    identifier = normalise_id(value.get("id"))
    conversations = value.get("conversations")
    if not isinstance(conversations, list) or len(conversations) < 2:
        raise ValueError("conversations must be a list of the human turn and the gpt turn")
    human, answer = conversations[0], conversations[1]
    if not isinstance(human, dict) or human.get("from") != "human":
        raise ValueError("conversations[0] must be the human turn ({'from': 'human', ...})")
    if not isinstance(answer, dict) or answer.get("from") != "gpt":
        raise ValueError("conversations[1] must be the gpt turn ({'from': 'gpt', ...})")
    prompt = human.get("value")
    if not isinstance(prompt, str) or not prompt.strip():
        raise ValueError("the human turn has no prompt text")
    media: dict[str, str] = {}
    for name in MEDIA_FIELDS:
        path = value.get(name)
        if path is None:
            continue
        if not isinstance(path, str):
            raise ValueError(f"{name} must be a path string, got {type(path).__name__}")
        media[name] = path
    return HitEmotionRecord(
        task=task.code,
        level=task.level,
        dataset=task.dataset,
        id=identifier,
        prompt=prompt,
        ground_truth=normalise_ground_truth(answer.get("value")),
        **media,
    )


@dataclass(frozen=True)
class RecordsRead:
    """What ``read_records`` found.

    Attributes:
        records: The readable items, sorted (level, task, id).
        sources: Where each record came from (``file[index]``), by key.
        invalid: Files and items that could not be read, with the reason.
        files: The released files read.
    """

    records: list[HitEmotionRecord]
    sources: dict[InstanceKey, str] = field(default_factory=dict)
    invalid: list[InvalidInstance] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


def read_records(files: Iterable[Path]) -> RecordsRead:
    """Read released files (``levelN/<Dataset>.json``); no media is touched.

    A file whose level and name are not a HitEmotion task, an unreadable item or a repeated id
    is reported in ``invalid`` (with its key when the item has one) instead of stopping.
    """
    records: list[HitEmotionRecord] = []
    sources: dict[InstanceKey, str] = {}
    invalid: list[InvalidInstance] = []
    read: list[Path] = []
    for path in files:
        task = task_of_file(path)
        if task is None:
            invalid.append(
                InvalidInstance(
                    None,
                    str(path),
                    "not a HitEmotion file: expected levelN/<Dataset>.json with a released "
                    "dataset name (e.g. level1/MER2023.json)",
                )
            )
            continue
        read.append(path)
        for record, source, problem, raw_key in _items(path, task):
            if record is None:
                invalid.append(InvalidInstance(raw_key, source, problem))
            elif record.key in sources:
                invalid.append(
                    InvalidInstance(
                        record.key,
                        source,
                        f"duplicate id: first read from {sources[record.key]}; only the first "
                        "is used",
                    )
                )
            else:
                sources[record.key] = source
                records.append(record)
    records.sort(key=HitEmotionRecord.sort_key)
    return RecordsRead(records, sources, invalid, read)


def _items(
    path: Path, task: HitEmotionTask
) -> Iterator[tuple[HitEmotionRecord | None, str, str, InstanceKey | None]]:
    """(record, source, problem, key of an unreadable item when its id is readable)."""
    for item in read_json_records(path):
        if item.problem:
            yield None, item.source, item.problem, None
            continue
        try:
            yield parse_item(item.value, task), item.source, "", None
        except ValueError as error:
            yield None, item.source, str(error), _raw_key(item.value, task)


def _raw_key(value: object, task: HitEmotionTask) -> InstanceKey | None:
    """Best-effort key of an item that failed, for the report."""
    if not isinstance(value, dict):
        return None
    try:
        return (f"level{task.level}", task.code.lower(), normalise_id(value.get("id")))
    except ValueError:
        return None


def fingerprint(records: Iterable[HitEmotionRecord]) -> str:
    """sha256 over the canonical JSON of the records sorted by key (media contents not read)."""
    digest = hashlib.sha256(b"hitemotion-instances/v1\n")
    for record in sorted(records, key=HitEmotionRecord.sort_key):
        digest.update(
            json.dumps(
                record.model_dump(mode="json"),
                sort_keys=True,
                separators=(",", ":"),
                ensure_ascii=False,
            ).encode("utf-8")
        )
        digest.update(b"\n")
    return digest.hexdigest()
