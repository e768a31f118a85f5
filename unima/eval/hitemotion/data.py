"""The scorer's view of the released HitEmotion files: ``(task, level, id)`` and the ground truth.

Reading the files is the dataset adapter's job, and there is one reader:
``unima.bench.datasets.hitemotion.records.read_records`` (it parses items, reads ground truths
that are labels, dicts, lists or Python-literal strings into plain JSON, and reports bad items and
repeated ids). This module only picks the files to give it and flattens its records for scoring.

The release's layout is ``with_prompt/levelN/<Dataset>.json`` and
``without_prompt/levelN/<Dataset>.json``, with the same items and ground truths in both. The
harness reads one prompt folder; the scorer accepts either folder or the ``data`` folder holding
both, and then reads each file from the preferred folder and, when a public snapshot lacks it
there (EmoSet, ImplicitAVE, MMWTWT and Twitter2015_2017 have no with-prompt file), from the
other. Nothing here touches media: paths are kept as written, typos included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from unima.bench.datasets.hitemotion.records import read_records
from unima.errors import InputError
from unima.eval.hitemotion.tasks import LEVELS

PromptVariant = Literal["with_prompt", "without_prompt"]
VARIANTS: tuple[PromptVariant, ...] = ("with_prompt", "without_prompt")


@dataclass(frozen=True)
class HitEmotionItem:
    """One released item as the scorer needs it.

    Attributes:
        task: the task code (``MER``).
        level: 1-3.
        id: the item's id as a string.
        ground_truth: the answer as plain JSON (a string, a dict or a list), not yet canonical
            (``unima.eval.hitemotion.answers.canonical_ground_truth`` makes it so).
        prompt: the question turn (the EI/LR judge's request; IAVE's options are in it).
        media: the media paths as written, by field.
        source: the file and index it came from.
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
    """The items read, the files they came from, and every problem met."""

    items: list[HitEmotionItem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def read_release(data_dir: Path, *, prefer: PromptVariant = "with_prompt") -> ReleaseLoad:
    """Read every released file under ``data_dir``.

    Args:
        data_dir: the release's ``data`` folder (holding ``with_prompt/`` and/or
            ``without_prompt/``) or one prompt folder (holding ``level1/`` ...).
        prefer: the folder a file is read from when both have it.

    Raises:
        InputError: When ``data_dir`` holds no ``levelN`` folder in any of these places.
    """
    data_dir = Path(data_dir)
    files = release_files(data_dir, prefer=prefer)
    read = read_records(files)
    items = [
        HitEmotionItem(
            task=record.task,
            level=record.level,
            id=record.id,
            ground_truth=record.ground_truth.value,
            prompt=record.prompt,
            media=record.media,
            source=_relative(Path(read.sources.get(record.key, "")), data_dir),
        )
        for record in read.records
    ]
    problems = [
        f"{_relative(Path(problem.source), data_dir)}: {problem.reason}" for problem in read.invalid
    ]
    return ReleaseLoad(items, [_relative(path, data_dir) for path in read.files], problems)


def release_files(data_dir: Path, *, prefer: PromptVariant = "with_prompt") -> list[Path]:
    """The ``levelN/*.json`` files to read, one per (level, name), from the preferred folder first.

    Raises:
        InputError: When there is no ``levelN`` folder with a JSON file.
    """
    roots = [data_dir] if _has_levels(data_dir) else []
    if not roots:
        order = [prefer, *(variant for variant in VARIANTS if variant != prefer)]
        roots = [data_dir / variant for variant in order if _has_levels(data_dir / variant)]
    chosen: dict[tuple[int, str], Path] = {}
    for root in roots:
        for level in LEVELS:
            for path in sorted((root / f"level{level}").glob("*.json")):
                if path.is_file() and not path.name.startswith("."):
                    chosen.setdefault((level, path.name), path)
    if not chosen:
        raise InputError(
            "no HitEmotion release here: expected level1/ ... level3/ folders of JSON files, "
            "or with_prompt/ and without_prompt/ folders holding them",
            source=str(data_dir),
        )
    return [chosen[key] for key in sorted(chosen)]


def _has_levels(folder: Path) -> bool:
    return any((folder / f"level{level}").is_dir() for level in LEVELS)


def _relative(path: Path, root: Path) -> str:
    """``path`` (possibly ``file[index]``) relative to ``root`` when it is under it."""
    text = str(path)
    prefix = f"{root}/"
    return text[len(prefix) :] if text.startswith(prefix) else text
