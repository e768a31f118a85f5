"""TMPO's data as TRL datasets: SFT prompt/completion pairs and GRPO prompts.

Both are conversational: the prompt is one user turn holding the item's whole prompt, so TRL
applies the model's own chat template (the template the model will meet when
``unima bench run --model transformers:PATH`` asks it). SFT rows add the gold chain as the
assistant turn (loss on it only); GRPO rows add the columns the reward functions read (``level``,
``task``, ``label_json``, ``options``, ``cues``). For a vision-language model an item's images
go in an ``images`` column; TRL puts one image slot per image before the user's text (its
``prepare_multimodal_messages``), so the turn itself stays the same text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unima.errors import InputError
from unima.eval.hitemotion.tasks import get_task
from unima.files import file_sha256
from unima.train.items import TrainingItem, read_training_items
from unima.train.trainers.config import DataSettings

REWARD_COLUMNS = ("key", "task", "level", "label_json", "options", "cues")
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif"})


@dataclass(frozen=True)
class Chain:
    """One kept gold chain: its item and the completion the model learns."""

    item: TrainingItem
    completion: str


@dataclass(frozen=True)
class Examples:
    """A stage's rows and what they were read from (for the run record)."""

    rows: list[dict[str, Any]]
    data_files: dict[str, str]
    skipped: int = 0


def read_chains(path: Path) -> list[Chain]:
    """The rows of a ``chains.jsonl`` as chains.

    Raises:
        InputError: the file is missing, a line is not JSON or not a chain row (line named),
            or it holds no rows.
    """
    if not path.is_file():
        raise InputError(
            "no chains file; make one with `unima train chains --out DIR` and set data.chains "
            "to DIR/chains.jsonl",
            source=str(path),
        )
    chains = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as error:
                raise InputError(f"line {number} is not JSON ({error})", source=str(path)) from None
            if not isinstance(row, dict) or not isinstance(row.get("completion"), str):
                raise InputError(f"line {number} has no completion string", source=str(path))
            chains.append(Chain(TrainingItem.from_row(row), row["completion"]))
    if not chains:
        raise InputError("the chains file holds no rows: nothing to train on", source=str(path))
    return chains


def sft_examples(data: DataSettings, *, vision: bool = False) -> Examples:
    """Prompt/completion rows of the gold chains, filtered by ``data.tasks`` and ``levels``.

    Raises:
        ConfigError: no ``data.chains`` configured.
        InputError: the chains are unreadable, or no row is left after the filters.
    """
    if data.chains is None:
        raise InputError("SFT needs data.chains (the chains.jsonl of `unima train chains`)")
    chains = [chain for chain in read_chains(data.chains) if _wanted(chain.item, data)]
    if data.limit is not None:
        chains = chains[: data.limit]
    if not chains:
        raise InputError(
            f"no chain left after the filters tasks={data.tasks} levels={data.levels}",
            source=str(data.chains),
        )
    rows = []
    for chain in chains:
        row = {
            "prompt": user_turn(chain.item),
            "completion": [{"role": "assistant", "content": chain.completion}],
        }
        if vision:
            row["images"] = item_images(chain.item)
        rows.append(row)
    return Examples(rows, {str(data.chains): file_sha256(data.chains)})


def grpo_examples(data: DataSettings, *, vision: bool = False) -> Examples:
    """GRPO prompts: the labelled items of ``data.hitemotion`` if given, else one per item of
    ``data.chains`` (its first row).

    Raises:
        InputError: no data configured, unreadable data, or no item left after the filters.
    """
    skipped = 0
    if data.hitemotion is not None:
        read = read_training_items(
            data.hitemotion,
            tasks=data.tasks,
            levels=data.levels,
            media_root=data.media_root,
            limit=data.limit,
        )
        items, skipped = read.items, len(read.skipped)
        files = {str(data.hitemotion): f"items:{read.data_hash}"}
        source = str(data.hitemotion)
    elif data.chains is not None:
        seen: dict[str, TrainingItem] = {}
        for chain in read_chains(data.chains):
            if _wanted(chain.item, data):
                seen.setdefault(chain.item.key, chain.item)
        items = list(seen.values())[: data.limit]
        files = {str(data.chains): file_sha256(data.chains)}
        source = str(data.chains)
    else:
        raise InputError("GRPO needs data.hitemotion (a release folder) or data.chains")
    if not items:
        raise InputError(
            f"no labelled item left after the filters tasks={data.tasks} levels={data.levels}",
            source=source,
        )
    rows = []
    for item in items:
        row = item.to_row()
        row = {column: row[column] for column in REWARD_COLUMNS}
        row["prompt"] = user_turn(item)
        if vision:
            row["images"] = item_images(item)
        rows.append(row)
    return Examples(rows, files, skipped)


def user_turn(item: TrainingItem) -> list[dict[str, Any]]:
    """The item's prompt as one user turn."""
    return [{"role": "user", "content": item.prompt}]


def image_paths(item: TrainingItem) -> list[str]:
    """The item's image files in tag order (videos and audio reach the model as perception's
    words in the prompt)."""
    return [
        path
        for _, path in sorted(item.media.items())
        if Path(path).suffix.lower() in IMAGE_SUFFIXES
    ]


def item_images(item: TrainingItem) -> list[Any]:
    """The item's images, opened as RGB PIL images (what TRL's vision collators take)."""
    from PIL import Image

    images = []
    for path in image_paths(item):
        try:
            with Image.open(path) as image:
                images.append(image.convert("RGB"))
        except OSError as error:
            raise InputError(f"cannot read the image ({error})", source=path) from None
    return images


def to_dataset(rows: Sequence[dict[str, Any]]) -> Any:
    """A ``datasets.Dataset`` of ``rows`` (in memory: nothing is cached on disk)."""
    from datasets import Dataset

    return Dataset.from_list(list(rows))


def _wanted(item: TrainingItem, data: DataSettings) -> bool:
    # get_task reads a code in any case and names an unknown one (ConfigError).
    tasks = {get_task(code).code for code in data.tasks}
    return (not tasks or item.task in tasks) and (not data.levels or item.level in data.levels)
