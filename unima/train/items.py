"""Labelled HitEmotion items as training prompts for a text-only model (TMPO's inputs).

Each released item of the ``with_prompt`` folder becomes a ``TrainingItem``: the whole user
prompt (the level's Theory-of-Mind instruction, the question as released with its media marks
numbered, perception's description of the media, and the level's steps as the lines of a
``<think>`` block, ``unima/prompts/tmpo_chain.j2``), the canonical ground truth, the answer
options, the grounding cues of the input and the media paths.

The description of the media is what the ToM reasoner's offline path reads: each part's
perception (transcript, on-screen text, OCR, summary) plus the measured cues (prosody, colour),
and with a perception model (``perception_llm``) its caption of each input (what a face or a
scene shows, which the embedded perceivers cannot read). It is cached per item (the media
files' sha256, the question, the level, the perception model's name) under the cache folder,
because perceiving a video costs seconds and a training set is read many times.

An item whose media file is missing is skipped and counted (``ItemsRead.skipped``) unless
``require_media=False``, which keeps it and tells the model the channel is not available.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unima.bench.datasets.hitemotion.loader import harness_instance
from unima.bench.datasets.hitemotion.media import (
    default_cache,
    default_media_root,
    find_files,
    prompt_folder,
    resolve_media,
)
from unima.bench.datasets.hitemotion.records import HitEmotionRecord, read_records
from unima.errors import InputError, UnimaError, UnsafePathError
from unima.eval.hitemotion.answers import canonical_ground_truth, item_options, normalise_text
from unima.eval.hitemotion.tasks import get_task
from unima.files import atomic_write_text
from unima.inputs.request import build_request
from unima.llm.prompts import render_prompt
from unima.perception import perceive
from unima.perception.configure import resolve_perception_model
from unima.perception.vision_llm import PerceptionModel
from unima.reasoners.base import RequestView
from unima.reasoners.tom.chain import LEVEL_STEPS, STEP_QUESTIONS, STEP_TITLES
from unima.reasoners.tom.cues import perceived_cues, subject_text
from unima.reasoners.tom.reasoner import measured_evidence
from unima.types import Part, Perception, Request
from unima.version import __version__

logger = logging.getLogger(__name__)
PROMPT_TEMPLATE = "tmpo_chain"
DESCRIPTION_VERSION = 1
DESCRIPTION_FOLDER = "tmpo-descriptions"
MAX_CUES = 40
MIN_CUE_WORD = 4
LABEL_QUESTION = "the answer the steps lead to, in the question's own label words"
# The level's Theory-of-Mind framing (after the released prompts, reference notes §1.1).
LEVEL_INSTRUCTIONS = {
    1: "Reason with a first-order Theory-of-Mind chain: decode the observable cues as outward "
    "evidence of an inner state, integrate them into a hypothesis of what the subject feels "
    "now, take the subject's own perspective (not the viewer's reaction, not a stable trait), "
    "then choose the label.",
    2: "Reason with a relational Theory-of-Mind chain: infer the subject's state from the "
    "observable cues, then who or what it is directed at (an addressee, the audience, an "
    "entity) and the communicative intent it serves, then answer.",
    3: "Reason with a causal, second-order Theory-of-Mind chain: decode the cues, appraise the "
    "situation from the perspective the question names, attribute the emotion to its cause, "
    "reason about what one mind makes of another's (expectations, non-literal intent), then "
    "answer.",
}
STOPWORDS = frozenset(
    "the and that this with from have what when where which while your you are was were "
    "they them their there then than been being into onto about just like very really also "
    "will would could should shall might must does did done doing here only some more most "
    "much many such each other over under after before because these those said says "
    "that's it's there's what's person video image speaker text meme tweet utterance "
    "transcript".split()
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")


@dataclass(frozen=True)
class TrainingItem:
    """One labelled item as a training prompt.

    Attributes:
        key: stable id, ``"<task>/<item id>"``.
        task: the HitEmotion task code.
        level: 1, 2 or 3.
        prompt: the whole user prompt for a text-only model (see the module docstring).
        label: the canonical ground truth (``answers.canonical_ground_truth``).
        options: the item's answer options (the task's labels for a label task).
        cues: grounding cues present in the input (words and phrases).
        media: tag to absolute media path (for vision-language models).
    """

    key: str
    task: str
    level: int
    prompt: str
    label: Any
    options: tuple[str, ...] = ()
    cues: tuple[str, ...] = ()
    media: dict[str, str] = field(default_factory=dict)

    def to_row(self) -> dict[str, Any]:
        """The item as a dataset row (labels and media as JSON strings: their types mix)."""
        return {
            "key": self.key,
            "task": self.task,
            "level": self.level,
            "prompt": self.prompt,
            "label_json": encode_label(self.label),
            "options": list(self.options),
            "cues": list(self.cues),
            "media_json": json.dumps(self.media, sort_keys=True, ensure_ascii=False),
        }

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> TrainingItem:
        """An item back from ``to_row``'s row (extra columns such as ``completion`` ignored).

        Raises:
            InputError: a column is missing or holds the wrong type.
        """
        try:
            task = str(row["task"])
            media = json.loads(row.get("media_json") or "{}")
            if not isinstance(media, dict):
                raise TypeError("media_json is not a JSON object")
            return cls(
                key=str(row["key"]),
                task=task,
                level=int(row["level"]),
                prompt=str(row["prompt"]),
                label=decode_label(task, str(row["label_json"])),
                options=tuple(str(option) for option in row.get("options") or ()),
                cues=tuple(str(cue) for cue in row.get("cues") or ()),
                media={str(tag): str(path) for tag, path in media.items()},
            )
        except (KeyError, TypeError, ValueError) as error:
            raise InputError(
                f"not a training item row ({type(error).__name__}: {error}); expected the "
                "columns key, task, level, prompt, label_json, options, cues, media_json",
                source=str(row.get("key", "?")) if isinstance(row, dict) else None,
            ) from None


@dataclass(frozen=True)
class SkippedItem:
    """An item left out, and why."""

    key: str
    reason: str


@dataclass(frozen=True)
class ItemsRead:
    """What ``read_training_items`` made: the items, the ones skipped and the data hash."""

    items: list[TrainingItem]
    skipped: list[SkippedItem]
    data_hash: str


@dataclass(frozen=True)
class MediaDescription:
    """Perception's description of an item's media: evidence lines and grounding cues."""

    evidence: tuple[str, ...]
    cues: tuple[str, ...]


def load_training_items(
    data: Path,
    *,
    tasks: Sequence[str] = (),
    levels: Sequence[int] = (),
    media_root: Path | None = None,
    cache_dir: Path | None = None,
) -> list[TrainingItem]:
    """The labelled items of a HitEmotion release as training items (missing media skipped).

    Raises:
        InputError: the data folder holds no ``with_prompt`` files.
        ConfigError: an unknown task code, or a perception model spec that does not parse.
    """
    return read_training_items(
        data, tasks=tasks, levels=levels, media_root=media_root, cache_dir=cache_dir
    ).items


def read_training_items(
    data: Path,
    *,
    tasks: Sequence[str] = (),
    levels: Sequence[int] = (),
    media_root: Path | None = None,
    cache_dir: Path | None = None,
    require_media: bool = True,
    limit: int | None = None,
    perception_llm: Any = None,
) -> ItemsRead:
    """Training items with the skipped ones counted (see the module docstring).

    Args:
        data: the HitEmotion folder (holding ``with_prompt/``) or a ``with_prompt`` folder.
        tasks: task codes to keep (all when empty).
        levels: levels to keep (all when empty).
        media_root: the folder media paths are relative to (default: beside the prompts).
        cache_dir: where media descriptions are cached (default ``~/.cache/unima``).
        require_media: skip an item whose media is missing (else keep it, described as absent).
        limit: at most this many items (after the filters, in the release's order).
        perception_llm: a vision chat model spec (or model) that captions each input besides
            the embedded perceivers (what a face or a scene shows); ``None``: embedded only.

    Raises:
        InputError: no released files, or a level outside 1-3.
        ConfigError: an unknown task code, or a perception model spec that does not parse.
    """
    wanted_tasks = {get_task(code).code for code in tasks}
    perception_model = resolve_perception_model(perception_llm)
    bad_levels = [level for level in levels if level not in LEVEL_STEPS]
    if bad_levels:
        raise InputError(f"levels are 1, 2 or 3, not {bad_levels}")
    folder = prompt_folder(Path(data), "tom")
    root = Path(media_root) if media_root is not None else default_media_root(folder)
    cache = (cache_dir or default_cache()) / DESCRIPTION_FOLDER
    read = read_records(find_files(folder))
    skipped = [
        SkippedItem("/".join(item.key[1:]) if item.key else item.source, item.reason)
        for item in read.invalid
    ]
    items: list[TrainingItem] = []
    digest = hashlib.sha256(b"tmpo-items/v1\n")
    for record in read.records:
        if (wanted_tasks and record.task not in wanted_tasks) or (
            levels and record.level not in levels
        ):
            continue
        if limit is not None and len(items) >= limit:
            break
        key = f"{record.task}/{record.id}"
        try:
            item = training_item(
                record, root, cache, require_media=require_media, perception_model=perception_model
            )
        except UnimaError as error:
            logger.warning("TMPO item %s skipped: %s", key, error)
            skipped.append(SkippedItem(key, str(error)))
            continue
        items.append(item)
        digest.update(record.model_dump_json().encode("utf-8") + b"\n")
    return ItemsRead(items, skipped, digest.hexdigest())


def training_item(
    record: HitEmotionRecord,
    root: Path,
    cache: Path,
    *,
    require_media: bool = True,
    perception_model: PerceptionModel | None = None,
) -> TrainingItem:
    """One record as a training item.

    Raises:
        InputError: a media file is missing (with ``require_media``) or unsafe, or the ground
            truth names no usable answer.
    """
    task = get_task(record.task)
    options = item_options(task, record.prompt) or (task.labels if task.kind == "label" else ())
    label = canonical_ground_truth(task, record.ground_truth.value, options=options)
    modal: dict[str, str] = {}
    absent: list[str] = []
    for name, relative in record.media.items():
        try:
            modal[f"{name}1"] = resolve_media(root, relative).relative
        except UnsafePathError:
            raise
        except InputError as error:
            if require_media:
                raise InputError(f"{name}: {error}") from None
            absent.append(name)
    question = harness_instance(record, modal).input.content
    description = describe_media(question, modal, root, record.level, cache, perception_model)
    evidence = list(description.evidence) + [
        f"the {name} is not available; reason from the words only" for name in absent
    ]
    return TrainingItem(
        key=f"{record.task}/{record.id}",
        task=record.task,
        level=record.level,
        prompt=build_prompt(record.level, question, evidence),
        label=label,
        options=tuple(options),
        cues=description.cues,
        media={tag: str((root / relative).resolve()) for tag, relative in modal.items()},
    )


def build_prompt(level: int, question: str, evidence: Sequence[str]) -> str:
    """The student's whole prompt: the user part of ``tmpo_chain.j2`` for ``level``."""
    steps = [
        (STEP_TITLES[step], STEP_QUESTIONS.get(step, LABEL_QUESTION)) for step in LEVEL_STEPS[level]
    ]
    _, user = render_prompt(
        PROMPT_TEMPLATE,
        repair=False,
        instruction=LEVEL_INSTRUCTIONS[level],
        question=question.strip(),
        evidence=list(evidence),
        steps=steps,
    )
    return user


def teacher_system(*, repair: bool = False) -> str:
    """The teacher's system part (it does not depend on the item); ``repair`` for the second
    ask after a wrong answer."""
    system, _ = render_prompt(
        PROMPT_TEMPLATE, repair=repair, instruction="", question="", evidence=[], steps=[]
    )
    return system


def prompt_version() -> str:
    """``tmpo_chain/<sha256 of the template, 12 hex>``: changes whenever the prompt does."""
    template = Path(__file__).resolve().parent.parent / "prompts" / f"{PROMPT_TEMPLATE}.j2"
    return f"{PROMPT_TEMPLATE}/{hashlib.sha256(template.read_bytes()).hexdigest()[:12]}"


def step_titles(level: int) -> tuple[str, ...]:
    """The titles that start the think block's lines at ``level``, in order (label last)."""
    return tuple(STEP_TITLES[step] for step in LEVEL_STEPS[level])


def describe_media(
    question: str,
    modal: dict[str, str],
    root: Path,
    level: int,
    cache: Path,
    perception_model: PerceptionModel | None = None,
) -> MediaDescription:
    """Evidence lines and cues of the question's words and media, cached (module docstring);
    with ``perception_model``, each input's caption joins its summary and its words the cues."""
    request = build_request({"input": {"content": question, "modal": modal}}, media_root=root)
    model_name = perception_model.name if perception_model is not None else ""
    cache_file = cache / f"{_description_key(request, level, model_name)}.json"
    if cache_file.is_file():
        try:
            stored = json.loads(cache_file.read_text(encoding="utf-8"))
            return MediaDescription(tuple(stored["evidence"]), tuple(stored["cues"]))
        except (OSError, ValueError, KeyError, TypeError) as error:
            logger.warning(
                "unreadable description cache %s (%s); perceiving again", cache_file, error
            )
    perceptions = {}
    for part in request.parts:
        perception = _perceive(part)
        if perception_model is not None:  # a failed caption is recorded, never raised
            perception = perception_model.describe(perception, part, question)
        perceptions[part.tag or ""] = perception
    view = RequestView(request, perceptions)
    evidence = view.evidence_lines() + measured_evidence(view, level)
    description = MediaDescription(tuple(evidence), grounding_cues(view, level))
    atomic_write_text(
        cache_file,
        json.dumps({"evidence": description.evidence, "cues": description.cues}, indent=1),
    )
    return description


def grounding_cues(view: RequestView, level: int) -> tuple[str, ...]:
    """The concrete cues of the input: the affect words as written ("not happy"), the measured
    prosody and colour readings ("loud delivery", "rising pitch", "dark, cool colours"), and
    the content words of the subject's words, transcripts, on-screen text and any model
    caption."""
    found: list[str] = []
    for perceived in perceived_cues(view, level):
        state = perceived.state
        if state.cue.endswith("affect word"):
            found.append(state.evidence)
        elif state.cue == "prosody":
            found += [
                piece.strip() for piece in state.state.split(":", 1)[-1].split(";")[0].split(",")
            ]
        elif state.cue.startswith("colour"):
            found.append(state.state.split(" read ")[0])
    texts = [subject_text(view.request.text)]
    for perception in view.perceptions.values():
        texts += [perception.text, str(perception.meta.get("model_caption") or "")]
    for text in texts:
        found += [
            word
            for word in _WORD.findall(text or "")
            if len(word) >= MIN_CUE_WORD and word.lower() not in STOPWORDS
        ]
    unique: dict[str, str] = {}
    for cue in found:
        normal = normalise_text(cue)
        if normal and normal not in unique:
            unique[normal] = " ".join(cue.split())
    return tuple(list(unique.values())[:MAX_CUES])


def encode_label(label: Any) -> str:
    """A canonical label as JSON: sets become sorted lists, tuples lists."""
    return json.dumps(_jsonable(label), ensure_ascii=False, sort_keys=True)


def decode_label(task: str, text: str) -> Any:
    """``encode_label``'s JSON back in the canonical form of ``task``'s kind.

    Raises:
        ValueError: the JSON does not fit the task's kind.
    """
    kind = get_task(task).kind
    value = json.loads(text)
    if kind in ("label", "numbered_causes", "laughter_reason"):
        if not isinstance(value, str):
            raise ValueError(f"{task}'s label is a string, not {value!r}")
        return value
    if not isinstance(value, list):
        raise ValueError(f"{task}'s label is a list in JSON, not {value!r}")
    if kind == "emotion_intent":
        return tuple(value)
    if kind == "multi_label":
        return frozenset(str(item) for item in value)
    return frozenset(tuple(row) for row in value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, frozenset | set):
        return sorted((_jsonable(item) for item in value), key=lambda item: json.dumps(item))
    if isinstance(value, tuple | list):
        return [_jsonable(item) for item in value]
    return value


def _perceive(part: Part) -> Perception:
    try:
        return perceive(part)
    except InputError:
        raise
    except UnimaError as error:  # a missing perceiver: the item keeps its words
        logger.warning("perception of <%s> unavailable: %s", part.tag, error)
        return Perception(modality=part.modality, tag=part.tag, failures=(str(error),))


def _description_key(request: Request, level: int, model_name: str = "") -> str:
    # unima's version is in the key: a release whose perception reads differently perceives anew.
    header = f"tmpo-description/v{DESCRIPTION_VERSION}\n{__version__}\n{level}\n{model_name}\n"
    digest = hashlib.sha256(header.encode())
    digest.update(request.text.encode("utf-8"))
    for part in request.parts:
        digest.update(f"\n{part.tag}:{part.sha256 or part.path}".encode())
    return digest.hexdigest()
