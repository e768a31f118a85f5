"""Load HitEmotion for the harness (``unima bench run hitemotion``).

``HitEmotionLoader`` is HitEmotion's entry in the dataset registry. It reads one prompt folder
(``with_prompt/`` or ``without_prompt/``, see ``media.prompt_folder``), checks every item's
media under the media root, and hands the runner each valid item as the harness's instance
record: key (``level1``, ``mer``, id), the prompt as the request with ``<video1>``/``<image1>``
placeholders, the media paths as its ``modal`` and ``extra`` naming the task. The reference
answer stays out of it (the evaluator reads it from the released files through
``read_records``). An item whose media is missing or unsafe is reported by key and skipped, or
stops the load with ``on_invalid="fail"``, as UniM's loader does.

Selections: ``subdomains`` are task codes (``MER``, ``sd``), ``difficulties`` levels (1-3);
``limit``, ``sample`` and ``seed`` as for UniM.
"""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, ClassVar

from pydantic import ValidationError

from unima.bench.datasets.hitemotion.media import (
    default_cache,
    default_media_root,
    find_files,
    harness_root,
    resolve_media,
)
from unima.bench.datasets.hitemotion.predictions import write_predictions
from unima.bench.datasets.hitemotion.records import (
    HitEmotionRecord,
    fingerprint,
    read_records,
)
from unima.bench.datasets.hitemotion.tasks import LEVELS, TASK_ORDER, TASKS, task_named
from unima.bench.datasets.loader import DatasetLoad, DatasetLoader, InvalidInstance, OnInvalid
from unima.bench.datasets.unim import UnimInstance
from unima.bench.records import Selection
from unima.errors import InputError

logger = logging.getLogger(__name__)

SHOWN_PROBLEMS = 10
BENCHMARK = "hitemotion"
# The release marks where media go with ``<image>`` and ``<video>``.
_MEDIA_MARK = re.compile(r"<(image|video)>")
_UNUSED_FILTERS = ("fields", "domains", "output_modalities")


class HitEmotionLoader(DatasetLoader[UnimInstance]):
    """HitEmotion (``unima bench run hitemotion``): ``load_hitemotion`` and ``select``."""

    name: ClassVar[str] = BENCHMARK

    def write_predictions(self, out: Path, rows: Iterable[Any]) -> Path:
        """HitEmotion's lines: ``{"task", "level", "id", "output"}``."""
        return write_predictions(out, rows)

    def load(
        self,
        data: Path,
        *,
        media_root: Path | None = None,
        on_invalid: OnInvalid = "skip",
        check_files: bool = True,
    ) -> DatasetLoad[UnimInstance]:
        return load_hitemotion(
            data, media_root=media_root, on_invalid=on_invalid, check_files=check_files
        )

    def select(self, instances: Sequence[UnimInstance], selection: Selection) -> list[UnimInstance]:
        return select(instances, selection)


def load_hitemotion(
    data: Path,
    *,
    media_root: Path | None = None,
    on_invalid: OnInvalid = "skip",
    check_files: bool = True,
    cache: Path | None = None,
) -> DatasetLoad[UnimInstance]:
    """Load one HitEmotion prompt folder (or one released file) for the harness.

    Args:
        data: ``with_prompt/`` or ``without_prompt/`` (holding ``level1``..``level3``), or one
            ``levelN/<Dataset>.json``.
        media_root: The folder the items' media paths are relative to; by default the folder
            holding the prompt folders.
        on_invalid: ``skip`` reports invalid items; ``fail`` raises listing them.
        check_files: Require every media file (inside the media root); without it only the
            path text is checked.
        cache: Where the harness's link folder is made (default ``~/.cache/unima``).

    Returns:
        The valid items as harness instances (sorted by level, task, id), every invalid item
        by key, path-typo corrections in ``warnings``, and a fingerprint of the records.

    Raises:
        InputError: ``data`` or the media root is missing, there are no released files, or
            ``on_invalid="fail"`` and some item is invalid.
    """
    if on_invalid not in ("skip", "fail"):
        raise InputError(f"on_invalid must be 'skip' or 'fail', got {on_invalid!r}")
    data = Path(data)
    root = Path(media_root) if media_root is not None else default_media_root(data)
    if check_files and not root.is_dir():
        raise InputError(
            "the media root is not an existing folder; pass --media-root", source=str(root)
        )
    read = read_records(find_files(data))
    invalid = list(read.invalid)
    warnings: list[InvalidInstance] = []
    instances: list[UnimInstance] = []
    kept: list[HitEmotionRecord] = []
    for record in read.records:
        source = read.sources[record.key]
        modal: dict[str, str] = {}
        remarks: list[str] = []
        problem = ""
        for name, relative in record.media.items():
            try:
                checked = resolve_media(root, relative, check_files=check_files)
            except InputError as error:
                problem = f"{name}: {error}"
                break
            modal[f"{name}1"] = checked.relative
            remarks += [checked.remark] if checked.remark else []
        if problem:
            invalid.append(InvalidInstance(record.key, source, problem))
            continue
        try:
            instances.append(harness_instance(record, modal))
        except ValidationError as error:
            message = "; ".join(item["msg"] for item in error.errors(include_url=False)[:2])
            invalid.append(InvalidInstance(record.key, source, message))
            continue
        kept.append(record)
        warnings += [InvalidInstance(record.key, source, remark) for remark in remarks]
    if on_invalid == "fail" and invalid:
        shown = "; ".join(str(item) for item in invalid[:SHOWN_PROBLEMS])
        more = (
            f"; ... and {len(invalid) - SHOWN_PROBLEMS} more"
            if len(invalid) > SHOWN_PROBLEMS
            else ""
        )
        raise InputError(f"{len(invalid)} invalid item(s): {shown}{more}", source=str(data))
    keys = {(instance.domain, instance.subdomain) for instance in instances}
    view = harness_root(root, keys, cache or default_cache()) if root.is_dir() else root
    warnings.extend(_absent_tasks(data, read.files))
    _log(warnings)
    return DatasetLoad(instances, invalid, fingerprint(kept), view, read.files, warnings)


def _absent_tasks(data: Path, files: Sequence[Path]) -> list[InvalidInstance]:
    """A remark for each task with no file in a prompt folder (public snapshots lack four)."""
    if not data.is_dir():
        return []
    present = {(path.parent.name, path.stem) for path in files}
    return [
        InvalidInstance(
            None, str(data / task.file), f"no file for task {task.code}: it has no items here"
        )
        for task in TASKS
        if (f"level{task.level}", task.dataset) not in present
    ]


def _log(warnings: Sequence[InvalidInstance]) -> None:
    # The runner keeps ``DatasetLoad.warnings`` to itself, so the remarks are logged here,
    # once per kind, where the loader works around them.
    typos = [item for item in warnings if item.key is not None]
    if typos:
        logger.warning(
            "%d HitEmotion media path(s) had the release's folder typo and were read with the "
            "corrected spelling, e.g. %s",
            len(typos),
            typos[0],
        )
    absent = [item.source for item in warnings if item.key is None]
    if absent:
        logger.warning(
            "HitEmotion files not found (their tasks are skipped): %s", ", ".join(absent)
        )


def harness_instance(record: HitEmotionRecord, modal: dict[str, str]) -> UnimInstance:
    """``record`` as the harness's instance: the prompt with numbered placeholders, no answer.

    A release mark whose media the item lacks (PanoSent prompts say ``<image>`` for items with
    only a video) is dropped; media the prompt never marks are placed before it.

    Raises:
        ValidationError: the prompt holds other placeholder-like marks (``<Image 1>``).
    """

    def numbered(match: re.Match[str]) -> str:
        tag = f"{match.group(1)}1"
        return f"<{tag}>" if tag in modal else ""

    content = _MEDIA_MARK.sub(numbered, record.prompt)
    unplaced = [tag for tag in modal if f"<{tag}>" not in content]
    if unplaced:
        content = "".join(f"<{tag}>\n" for tag in unplaced) + content
    return UnimInstance.model_validate(
        {
            "domain": record.key[0],
            "subdomain": record.key[1],
            "id": record.id,
            "input": {"content": content.lstrip("\n"), "modal": modal},
            "difficulty_level": record.level,
            "extra": {
                "benchmark": BENCHMARK,
                "task": record.task,
                "level": record.level,
                "dataset": record.dataset,
                # The prompt is complete and the reply is scored as text: adapters send it as
                # is and keep the whole reply (no placeholder protocol).
                "reply_format": "text",
            },
        }
    )


def select(instances: Sequence[UnimInstance], selection: Selection) -> list[UnimInstance]:
    """The instances of the selected tasks and levels, then the seeded sample, then the limit.

    Raises:
        InputError: an unknown task or level, or a filter HitEmotion has no use for.
    """
    for name in _UNUSED_FILTERS:
        if getattr(selection, name):
            raise InputError(f"HitEmotion has no {name} to filter; use tasks and levels")
    tasks = {task_named(str(name)).code.lower() for name in selection.subdomains}
    levels = {_level(value) for value in selection.difficulties}
    modalities = set(selection.input_modalities)
    chosen = [
        instance
        for instance in instances
        if (not tasks or instance.subdomain in tasks)
        and (not levels or instance.difficulty_level in levels)
        and (not modalities or instance.input_modalities & modalities)
    ]
    if selection.sample is not None and selection.sample < len(chosen):
        chosen = random.Random(selection.seed).sample(chosen, selection.sample)
    chosen.sort(key=sort_key)
    if selection.limit is not None:
        chosen = chosen[: max(selection.limit, 0)]
    return chosen


def sort_key(instance: UnimInstance) -> tuple[int, int, int, str]:
    """Level, the paper's task order, then numeric ids before others."""
    number = int(instance.id) if instance.id.isdigit() else -1
    task = TASK_ORDER.get(instance.subdomain.upper(), 99)
    return (instance.difficulty_level or 0, task, number, instance.id)


def _level(value: int | str) -> int:
    text = str(value).strip().lower().removeprefix("level")
    if text.isdigit() and int(text) in LEVELS:
        return int(text)
    raise InputError(f"HitEmotion levels are 1, 2 and 3, not {value!r}")
