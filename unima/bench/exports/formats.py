"""The record layouts of the export formats (see ``unima.bench.exports`` and docs/exports.md).

Each writer turns every prediction into the target benchmark's record, copying media into the
export folder. An answer's text is cut at its placeholders into segments; a benchmark's "block"
(a text with at most one image) is made by pairing each text with the image that follows it.

Public details each layout follows, and the assumptions made where they stop:

- ISG-Bench (``Dongping-Chen/ISG`` README, "Evaluating Your Own Model"; ``ISG-eval.py``): one
  JSONL line per item with ``id``, ``Category``, ``Query``, ``Golden`` and ``output``, each a list
  of ``{"type": "text"|"image", "content": text or image path}``. ISG-eval reads ``Query`` and
  ``Golden`` from the answer line itself and joins relative image paths with ``--root``, so the
  question's and the reference's images are exported too and ``--root`` is the export folder.
  Assumed: ``Category`` is the instance's ``Category`` field when it has one, else its
  subdomain; images of the input that the request text does not place are appended after it.
- OpenING (``LanceZPF/OpenING`` ``gen_outputs/<Model>_output/<uid>.json``): per item a JSON file
  with ``meta_task_id``, ``meta_task_name``, ``subtask_id``, ``subtask_name``, ``data_id`` and
  ``conversations = [{"input": [blocks]}, {"output": [blocks]}]``, blocks ``{"text", "image"}``;
  output images ``<uid>-o-<k>.<ext>`` beside the JSON, named without a folder. The uid is
  ``MMSSDDD`` (meta task, subtask, data id) when the instance carries those OpenING fields;
  otherwise ``<domain>-<subdomain>-<id>`` and the task names are the domain and subdomain.
  Input images are copied to ``images/<uid>-i-<k>.<ext>`` and referenced as ``./images/...``
  (OpenING's input paths are relative to the benchmark folder; here that is the export folder),
  and an input block whose image follows its text ends with ``<image>``, as OpenING's inputs do.
- MMIE (``Lillianwei-h/MMIE`` README, MMIE-Eval): ``INPUT_DIR/data.json``, a JSON array of
  ``{"id", "question", "answer", "model", "gt_answer"}``, blocks ``{"text", "image": path or
  null}``, images under ``INPUT_DIR/images/<n>.<ext>``. Assumed: image paths are written relative
  to ``INPUT_DIR`` (``images/0.png``); ids are ``<domain>__<subdomain>__<id>`` because UniM ids
  repeat across subdomains.
- UniM (``unima/bench/dataset.py`` and the authors' evaluation scripts): ``predictions.jsonl``
  with ``domain``, ``subdomain``, ``id`` and ``output = {"modal", "content"}``; media under
  ``<domain folder>/<subdomain>/prediction/<id>/<tag>.<ext>`` and ``modal`` paths relative to
  ``<domain folder>/<subdomain>``, the layout the released ICS/GQ scripts resolve
  (``base_dir/<domain>/<subdomain>/<path>``). ``general_domain`` media go under
  ``general_area``, the folder name the released data uses.

Every record of ISG, OpenING and MMIE carries a ``"unima"`` object with the UniM key, the
prediction's status and ``not_exported``: the placeholders those text-and-image formats cannot
hold (audio, video, document, code, 3D) or whose file is missing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from unima.bench.datasets.unim import Prediction, Side, UnimInstance
from unima.bench.datasets.unim.names import is_file_reference
from unima.bench.exports.context import ExportContext, Writer, write_jsonl

PLACEHOLDER = re.compile(r"<(image|audio|video|document|code|threeD)(\d+)>")
DOMAIN_FOLDERS = {"general_domain": "general_area"}
OPENING_ID_FIELDS = ("meta_task_id", "subtask_id", "data_id")


def segments(content: str) -> list[tuple[str, str]]:
    """``content`` cut at its placeholders: ``("text", str)`` and ``("tag", "image1")`` items."""
    pieces: list[tuple[str, str]] = []
    position = 0
    for match in PLACEHOLDER.finditer(content):
        if match.start() > position:
            pieces.append(("text", content[position : match.start()]))
        pieces.append(("tag", match.group(1) + match.group(2)))
        position = match.end()
    if position < len(content):
        pieces.append(("text", content[position:]))
    return pieces


class SideExport:
    """One side of an answer (input, reference or prediction) as text-and-image blocks.

    Args:
        content: the side's text.
        images: image tag to its exported path (tags without a file are absent).
        unplaced_images: exported image paths the text never places (appended at the end).
    """

    def __init__(
        self, content: str, images: dict[str, str], unplaced_images: list[str] | None = None
    ) -> None:
        self.pieces = segments(content)
        self.images = images
        self.unplaced = unplaced_images or []
        self.not_exported = [
            value for kind, value in self.pieces
            if kind == "tag" and value not in images
        ]  # fmt: skip

    def _items(self) -> list[tuple[str, str]]:
        """Text items (placeholders that are not exported stay in the text) and image paths."""
        items: list[tuple[str, str]] = []
        for kind, value in self.pieces:
            if kind == "tag" and value in self.images:
                items.append(("image", self.images[value]))
            else:
                text = value if kind == "text" else f"<{value}>"
                if items and items[-1][0] == "text":
                    items[-1] = ("text", items[-1][1] + text)
                else:
                    items.append(("text", text))
        items.extend(("image", path) for path in self.unplaced)
        return [(kind, value) for kind, value in items if kind == "image" or value.strip()]

    def typed_blocks(self) -> list[dict[str, str]]:
        """ISG blocks: ``{"type": "text"|"image", "content": ...}`` in reading order."""
        return [
            {"type": kind, "content": value.strip() if kind == "text" else value}
            for kind, value in self._items()
        ]

    def paired_blocks(self, *, image_marker: bool = False) -> list[dict[str, Any]]:
        """OpenING/MMIE blocks: each text with the image that follows it (or ``None``)."""
        blocks: list[dict[str, Any]] = []
        text = ""
        for kind, value in self._items():
            if kind == "text":
                text += value
                continue
            shown = text.strip()
            if image_marker:
                shown = f"{shown} <image>".strip()
            blocks.append({"text": shown, "image": value})
            text = ""
        if text.strip():
            blocks.append({"text": text.strip(), "image": None})
        return blocks


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._") or "item"


def _uid(key: tuple[str, str, str]) -> str:
    return _safe("__".join(key))


def _instance_images(
    context: ExportContext, instance: UnimInstance, side: Side, name: Callable[[str, str], str]
) -> tuple[dict[str, str], list[str]]:
    """Copy a side's image files; (placed tag -> path, unplaced paths)."""
    placed_tags = {value for kind, value in segments(side.content) if kind == "tag"}
    images: dict[str, str] = {}
    unplaced: list[str] = []
    for tag, relative in side.modal.items():
        if not tag.startswith("image"):
            continue
        source = context.instance_file(instance, relative)
        if source is None:
            continue
        exported = context.copy(source, name(tag, source.suffix.lower()))
        if tag in placed_tags:
            images[tag] = exported
        else:
            unplaced.append(exported)
    return images, unplaced


def _prediction_images(
    context: ExportContext, prediction: Prediction, name: Callable[[str, str], str]
) -> dict[str, str]:
    images = {}
    for tag in prediction.modal:
        if not tag.startswith("image"):
            continue
        source = context.prediction_file(prediction, tag)
        if source is not None:
            images[tag] = context.copy(source, name(tag, source.suffix.lower()))
    return images


def _unima_record(prediction: Prediction, answer: SideExport) -> dict[str, Any]:
    return {
        "domain": prediction.domain,
        "subdomain": prediction.subdomain,
        "id": prediction.id,
        "status": prediction.status,
        "not_exported": answer.not_exported,
    }


def _paired(context: ExportContext) -> list[tuple[Prediction, UnimInstance]]:
    """Predictions with their instances; a prediction without one is noted and skipped."""
    pairs = []
    for key in sorted(context.predictions):
        prediction = context.predictions[key]
        instance = context.instances.get(key)
        if instance is None:
            context.notes.append(f"{'/'.join(key)}: not in the dataset; not exported")
            continue
        pairs.append((prediction, instance))
    return pairs


def write_isg(context: ExportContext) -> Path:
    records = []
    for prediction, instance in _paired(context):
        uid = _uid(prediction.key)

        def named(prefix: str, uid: str = uid) -> Callable[[str, str], str]:
            return lambda tag, suffix: f"images/{uid}/{prefix}_{tag}{suffix}"

        query_images, query_unplaced = _instance_images(
            context, instance, instance.input, named("query")
        )
        query = SideExport(instance.input.content, query_images, query_unplaced)
        golden: list[dict[str, str]] = []
        if instance.output is not None:
            golden_images, _ = _instance_images(context, instance, instance.output, named("golden"))
            golden = SideExport(instance.output.content, golden_images).typed_blocks()
        answer = SideExport(
            prediction.content, _prediction_images(context, prediction, named("output"))
        )
        records.append(
            {
                "id": instance.id,
                "Category": str(instance.extra.get("Category") or instance.subdomain),
                "Query": query.typed_blocks(),
                "Golden": golden,
                "output": answer.typed_blocks(),
                "unima": _unima_record(prediction, answer),
            }
        )
    path = context.destination / "isg_predictions.jsonl"
    write_jsonl(path, records)
    return path


def write_opening(context: ExportContext) -> Path:
    folder = context.destination / f"{_safe(context.model_name)}_output"
    folder.mkdir(parents=True, exist_ok=True)
    for prediction, instance in _paired(context):
        uid = _opening_uid(instance)
        query_images, query_unplaced = _instance_images(
            context, instance, instance.input, _counted(f"images/{uid}-i-", start=1)
        )
        query = SideExport(
            instance.input.content,
            {tag: f"./{path}" for tag, path in query_images.items()},
            [f"./{path}" for path in query_unplaced],
        )
        exported = _prediction_images(
            context, prediction, _counted(f"{folder.name}/{uid}-o-", start=0)
        )
        answer = SideExport(
            prediction.content, {tag: Path(path).name for tag, path in exported.items()}
        )
        record = {
            "meta_task_id": str(instance.extra.get("meta_task_id", "")),
            "meta_task_name": str(instance.extra.get("meta_task_name") or instance.domain),
            "subtask_id": str(instance.extra.get("subtask_id", "")),
            "subtask_name": str(instance.extra.get("subtask_name") or instance.subdomain),
            "data_id": str(instance.extra.get("data_id") or instance.id),
            "conversations": [
                {"input": query.paired_blocks(image_marker=True)},
                {"output": answer.paired_blocks()},
            ],
            "unima": _unima_record(prediction, answer),
        }
        (folder / f"{uid}.json").write_text(
            json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    return folder


def _counted(prefix: str, *, start: int) -> Callable[[str, str], str]:
    """A namer giving ``<prefix><n><suffix>`` with ``n`` counting up from ``start``."""
    counter = iter(range(start, 10**9))
    return lambda tag, suffix: f"{prefix}{next(counter)}{suffix}"


def _opening_uid(instance: UnimInstance) -> str:
    """``MMSSDDD`` from OpenING's ids when the instance has them, else a readable name."""
    values = [instance.extra.get(name) for name in OPENING_ID_FIELDS]
    if all(str(value).isdigit() for value in values):
        meta, sub, data = (int(str(value)) for value in values)
        return f"{meta:02d}{sub:02d}{data:03d}"
    return _safe(f"{instance.domain}-{instance.subdomain}-{instance.id}")


def write_mmie(context: ExportContext) -> Path:
    numbered = _counted("images/", start=0)
    records = []
    for prediction, instance in _paired(context):
        query_images, query_unplaced = _instance_images(context, instance, instance.input, numbered)
        question = SideExport(instance.input.content, query_images, query_unplaced)
        reference: list[dict[str, Any]] = []
        if instance.output is not None:
            reference_images, _ = _instance_images(context, instance, instance.output, numbered)
            reference = SideExport(instance.output.content, reference_images).paired_blocks()
        answer = SideExport(prediction.content, _prediction_images(context, prediction, numbered))
        records.append(
            {
                "id": _uid(prediction.key),
                "question": question.paired_blocks(),
                "answer": answer.paired_blocks(),
                "model": context.model_name,
                "gt_answer": reference,
                "unima": _unima_record(prediction, answer),
            }
        )
    path = context.destination / "data.json"
    path.write_text(json.dumps(records, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def write_unim(context: ExportContext) -> Path:
    records = []
    for key in sorted(context.predictions):
        prediction = context.predictions[key]
        folder = Path(
            DOMAIN_FOLDERS.get(prediction.domain, prediction.domain), prediction.subdomain
        )
        modal: dict[str, str] = {}
        for tag, value in prediction.modal.items():
            if not is_file_reference(tag, value):
                modal[tag] = value
                continue
            source = context.prediction_file(prediction, tag)
            if source is None:
                context.notes.append(f"{'/'.join(key)}: <{tag}> has no file; left out")
                continue
            relative = f"prediction/{_safe(prediction.id)}/{tag}{source.suffix.lower()}"
            context.copy(source, (folder / relative).as_posix())
            modal[tag] = relative
        record: dict[str, Any] = {
            "domain": prediction.domain,
            "subdomain": prediction.subdomain,
            "id": prediction.id,
            "output": {"modal": modal, "content": prediction.content},
        }
        if prediction.status != "ok":
            record["status"] = prediction.status
        if prediction.error:
            record["error"] = prediction.error
        records.append(record)
    path = context.destination / "predictions.jsonl"
    write_jsonl(path, records)
    return path


WRITERS: dict[str, Writer] = {
    "isg": write_isg,
    "opening": write_opening,
    "mmie": write_mmie,
    "unim": write_unim,
}
