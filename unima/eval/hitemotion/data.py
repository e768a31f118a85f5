"""A minimal reader of the released HitEmotion files: JSON in, one record per item out.

The release's layout is ``with_prompt/levelN/<Dataset>.json`` (ToM prompts) and
``without_prompt/levelN/<Dataset>.json`` (direct-answer prompts). Each file is a JSON list of
``{"id", "video"|"image", "conversations": [{"from": "human", "value": PROMPT},
{"from": "gpt", "value": GROUND_TRUTH}]}``. The scorer needs only ``(task, level, id)`` and the
ground truth; the harness's dataset adapter (``unima bench run hitemotion``) reuses this reader
for the prompt and the media paths too, so it stays small and pure: it opens files and returns
records, it resolves no media and loads no model.

Quirks of the release it tolerates (``/work/shared/reference/hitemotion.md`` §1.2 and §5):

- ids are strings in most files and integers in some (UR-FUNNY): every id becomes a string;
- ground truths are strings, Python-literal strings (``"{'emotion': ...}"``, lists of tuples),
  dicts or lists: they are kept as released and normalised per task by
  ``unima.eval.hitemotion.answers.normalise_ground_truth``;
- ``PanoSent.json`` is MQE under ``level2/`` and SFA under ``level3/``;
- four with-prompt files are missing from public snapshots: when ``data_dir`` holds both
  variants, a file missing from the preferred one is read from the other;
- media paths are kept exactly as written, typos included (``PanoSent/vidoes/...``): resolving
  them is the adapter's job.

Anything else that is wrong (a file that is not JSON, an item without a ground truth, a
repeated id) is reported in ``ReleaseLoad.problems`` and the rest is read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from unima.errors import InputError
from unima.eval.hitemotion.tasks import LEVELS, TASK_BY_FILE

PromptVariant = Literal["with_prompt", "without_prompt"]
VARIANTS: tuple[PromptVariant, ...] = ("with_prompt", "without_prompt")
MEDIA_KEYS = ("video", "image", "audio")
ANSWER_SPEAKERS = ("gpt", "assistant")


@dataclass(frozen=True)
class HitEmotionItem:
    """One released item.

    Attributes:
        task: the task code (``MER``).
        level: 1-3.
        id: the item's id as a string.
        ground_truth: the answer turn's value as released (string, dict or list).
        prompt: the question turn's text (with its ``<video>`` / ``<image>`` tag).
        media: ``{"video": PATH, "image": PATH}`` as written in the file, relative to a media root.
        source: the file it came from, relative to ``data_dir``.
    """

    task: str
    level: int
    id: str
    ground_truth: Any
    prompt: str
    media: dict[str, str]
    source: str

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.task, self.level, self.id)


@dataclass
class ReleaseLoad:
    """What ``read_release`` found: the items, the files read, and every problem met."""

    items: list[HitEmotionItem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def read_release(data_dir: Path, *, prefer: PromptVariant = "with_prompt") -> ReleaseLoad:
    """Read every known ``levelN/<Dataset>.json`` under ``data_dir``.

    Args:
        data_dir: the release's ``data`` folder (holding ``with_prompt/`` and/or
            ``without_prompt/``) or one variant folder (holding ``level1/`` ...).
        prefer: the variant read when a file exists in both.

    Raises:
        InputError: When ``data_dir`` holds no ``levelN`` folder in any of these places.
    """
    data_dir = Path(data_dir)
    roots = _variant_roots(data_dir, prefer)
    if not roots:
        raise InputError(
            "no HitEmotion release here: expected level1/ ... level3/ folders, or "
            "with_prompt/ and without_prompt/ folders holding them",
            source=str(data_dir),
        )
    load = ReleaseLoad()
    seen_files: set[tuple[int, str]] = set()
    for root in roots:
        for level in LEVELS:
            folder = root / f"level{level}"
            if not folder.is_dir():
                continue
            for path in sorted(folder.glob("*.json")):
                if (level, path.stem) in seen_files:
                    continue
                relative = path.relative_to(data_dir).as_posix()
                if (level, path.stem) not in TASK_BY_FILE:
                    load.problems.append(f"{relative}: not a HitEmotion file of level {level}")
                    continue
                seen_files.add((level, path.stem))
                items, problems = read_level_file(path, level, source=relative)
                load.items.extend(items)
                load.problems.extend(problems)
                load.files.append(relative)
    return load


def read_level_file(
    path: Path, level: int, *, source: str | None = None
) -> tuple[list[HitEmotionItem], list[str]]:
    """The items of one ``levelN/<Dataset>.json`` and the problems met reading it.

    Raises:
        InputError: When the file name is not a HitEmotion dataset of ``level``.
    """
    source = source or path.name
    task = TASK_BY_FILE.get((level, path.stem))
    if task is None:
        raise InputError(f"not a HitEmotion file of level {level}", source=source)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        return [], [f"{source}: cannot read ({error}); its items are not scored"]
    if not isinstance(data, list):
        return [], [f"{source}: not a JSON list of items; its items are not scored"]
    items: list[HitEmotionItem] = []
    problems: list[str] = []
    ids: set[str] = set()
    for index, raw in enumerate(data):
        item = _item(raw, task.code, level, source)
        if isinstance(item, str):
            problems.append(f"{source}[{index}]: {item}")
        elif item.id in ids:
            problems.append(f"{source}[{index}]: id {item.id!r} repeated; the first is kept")
        else:
            ids.add(item.id)
            items.append(item)
    return items, problems


def _variant_roots(data_dir: Path, prefer: PromptVariant) -> list[Path]:
    if _has_levels(data_dir):
        return [data_dir]
    order = [prefer, *(variant for variant in VARIANTS if variant != prefer)]
    return [data_dir / variant for variant in order if _has_levels(data_dir / variant)]


def _has_levels(folder: Path) -> bool:
    return any((folder / f"level{level}").is_dir() for level in LEVELS)


def _item(raw: Any, task: str, level: int, source: str) -> HitEmotionItem | str:
    """The item, or a sentence saying why ``raw`` is not one."""
    if not isinstance(raw, dict):
        return "not an object"
    identifier = raw.get("id")
    if isinstance(identifier, bool) or not isinstance(identifier, str | int):
        return f"id {identifier!r} is not a string or an integer"
    conversations = raw.get("conversations")
    if not isinstance(conversations, list):
        return "no conversations list"
    turns = [turn for turn in conversations if isinstance(turn, dict)]
    answers = [turn for turn in turns if turn.get("from") in ANSWER_SPEAKERS]
    if not answers or "value" not in answers[-1]:
        return "no answer turn (from 'gpt') holding the ground truth"
    questions = [turn for turn in turns if turn.get("from") not in ANSWER_SPEAKERS]
    prompt = questions[0].get("value", "") if questions else ""
    media = {
        key: raw[key] for key in MEDIA_KEYS if isinstance(raw.get(key), str) and raw[key].strip()
    }
    return HitEmotionItem(
        task=task,
        level=level,
        id=str(identifier),
        ground_truth=answers[-1]["value"],
        prompt=prompt if isinstance(prompt, str) else str(prompt),
        media=media,
        source=source,
    )
