"""Read ``predictions.jsonl``: one model answer per UniM instance.

Each line is ``{"domain", "subdomain", "id", "output": {"modal": {tag: path}, "content": text},
"status"?, "error"?}``; other top-level keys (an ``input`` copied from the instance, timings) are
ignored. ``modal`` paths are relative to the folder of the predictions file (the harness writes
``media/<domain>/<subdomain>/<id>/<tag>.<ext>``). Keys are normalised like instance keys, so a
file that writes ``general_area`` matches instances loaded as ``general_domain``.

Policy, so nothing is lost silently:

- a malformed line (bad JSON, missing or mistyped fields, a bad key, an unsafe path: ``..``,
  absolute, URL, link out) is not loaded and is listed in ``PredictionsLoad.problems``; the
  instance then has no prediction, which the evaluator scores as missing;
- a line whose ``status`` is not ``ok`` may omit ``output`` (an empty answer is assumed);
- a key seen again replaces the earlier line (a resumed run appends its retry) and is counted
  in ``duplicates`` with a note in ``warnings``;
- a ``modal`` file that does not exist keeps the prediction, lists the tag in
  ``Prediction.missing`` and adds a note to ``warnings`` (missing media is the model's failure,
  for the metrics to score).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError, field_validator

from unima.bench.datasets.json_records import read_records
from unima.bench.datasets.unim.names import (
    is_file_reference,
    normalise_domain,
    normalise_id,
    normalise_subdomain,
)
from unima.bench.records import InstanceKey
from unima.errors import InputError
from unima.inputs.paths import check_relative_path_text, resolve_media_path

PREDICTIONS_FILE = "predictions.jsonl"


class Prediction(BaseModel):
    """One model answer.

    Attributes:
        domain, subdomain, id: The instance key, normalised.
        content: The answer text with its placeholders.
        modal: Tag to a path relative to the predictions file's folder (``text<n>`` and inline
            ``code<n>`` values are the text itself).
        status: ``ok``, ``partial``, ``failed`` (or another word the producer uses).
        error: Why the answer failed or is partial, if it did.
        missing: Tags whose files did not exist when the predictions were read.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    domain: str
    subdomain: str
    id: str
    content: StrictStr = ""
    modal: dict[StrictStr, StrictStr] = Field(default_factory=dict)
    status: StrictStr = "ok"
    error: StrictStr = ""
    missing: tuple[str, ...] = ()

    @field_validator("domain", mode="before")
    @classmethod
    def _normalise_domain(cls, value: object) -> str:
        return normalise_domain(value)

    @field_validator("subdomain", mode="before")
    @classmethod
    def _normalise_subdomain(cls, value: object) -> str:
        return normalise_subdomain(value)

    @field_validator("id", mode="before")
    @classmethod
    def _normalise_id(cls, value: object) -> str:
        return normalise_id(value)

    @property
    def key(self) -> InstanceKey:
        """The (domain, subdomain, id) key."""
        return (self.domain, self.subdomain, self.id)

    def file_entries(self) -> dict[str, str]:
        """The ``modal`` entries that name files."""
        return {tag: value for tag, value in self.modal.items() if is_file_reference(tag, value)}


@dataclass(frozen=True)
class PredictionsLoad(Mapping[InstanceKey, Prediction]):
    """The predictions of one file; it is also a read-only mapping from key to ``Prediction``.

    Attributes:
        predictions: Key to prediction (the last line wins for a repeated key).
        problems: One message per line that was not loaded (``file:line: reason``).
        warnings: Notes on loaded lines (repeated keys, missing media files).
        duplicates: How many lines repeated an earlier key.
        root: The folder ``modal`` paths are relative to.
    """

    predictions: dict[InstanceKey, Prediction]
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    duplicates: int = 0
    root: Path = Path(".")

    def __getitem__(self, key: InstanceKey) -> Prediction:
        return self.predictions[key]

    def __iter__(self) -> Iterator[InstanceKey]:
        return iter(self.predictions)

    def __len__(self) -> int:
        return len(self.predictions)

    def media_path(self, prediction: Prediction, tag: str) -> Path:
        """The checked absolute path of ``prediction.modal[tag]`` under ``root``.

        Raises:
            InputError: When the tag is absent or the file is missing; ``UnsafePathError`` when
                the path leaves ``root``.
        """
        if tag not in prediction.modal:
            raise InputError(
                f"the prediction has no modal entry {tag!r}", source="/".join(prediction.key)
            )
        return resolve_media_path(self.root, prediction.modal[tag])


def load_predictions(path: Path, *, check_files: bool = True) -> PredictionsLoad:
    """Read a predictions file (or the ``predictions.jsonl`` inside a run folder).

    Args:
        path: The JSONL file, or a folder holding ``predictions.jsonl``.
        check_files: Resolve each media path and note missing files in ``Prediction.missing``;
            without it only the path text is checked.

    Returns:
        The predictions, with the problems and warnings found (see the module docstring).

    Raises:
        InputError: When the file does not exist.
    """
    path = Path(path)
    if path.is_dir():
        path = path / PREDICTIONS_FILE
    if not path.is_file():
        raise InputError("the predictions file does not exist", source=str(path))
    root = path.parent
    predictions: dict[InstanceKey, Prediction] = {}
    problems: list[str] = []
    warnings: list[str] = []
    duplicates = 0
    for record in read_records(path):
        if record.problem:
            problems.append(f"{record.source}: {record.problem}")
            continue
        try:
            prediction = _parse(record.value)
            prediction = _check_paths(prediction, root, check_files)
        except (ValueError, InputError) as error:
            problems.append(f"{record.source}: {_message(error)}")
            continue
        if prediction.key in predictions:
            duplicates += 1
            warnings.append(
                f"{record.source}: repeats {'/'.join(prediction.key)}; "
                "this later line replaces the earlier one"
            )
        if prediction.missing:
            warnings.append(
                f"{record.source}: media file(s) missing for {', '.join(prediction.missing)}"
            )
        predictions[prediction.key] = prediction
    return PredictionsLoad(predictions, problems, warnings, duplicates, root)


def _parse(value: object) -> Prediction:
    if not isinstance(value, dict):
        raise ValueError(f"a prediction line must be a JSON object, got {type(value).__name__}")
    missing = [name for name in ("domain", "subdomain", "id") if name not in value]
    status = value.get("status", "ok")
    output: Any = value.get("output")
    if output is None and status == "ok":
        missing.append("output")
    if missing:
        raise ValueError(f"missing field(s): {', '.join(missing)}")
    if output is None:
        output = {}
    if not isinstance(output, dict):
        raise ValueError(f"output must be an object, got {type(output).__name__}")
    unknown = sorted(set(output) - {"modal", "content"})
    if unknown:
        raise ValueError(f"output has unknown field(s): {', '.join(map(str, unknown))}")
    fields = {
        name: value[name]
        for name in ("domain", "subdomain", "id", "status", "error")
        if name in value and value[name] is not None
    }
    return Prediction.model_validate(
        {**fields, "content": output.get("content", ""), "modal": output.get("modal") or {}}
    )


def _check_paths(prediction: Prediction, root: Path, check_files: bool) -> Prediction:
    missing = []
    for tag, relative in prediction.file_entries().items():
        check_relative_path_text(relative)
        if not check_files:
            continue
        try:
            resolve_media_path(root, relative)
        except InputError as error:
            if type(error) is not InputError:  # UnsafePathError: a link out of the folder
                raise
            missing.append(tag)
    return prediction.model_copy(update={"missing": tuple(missing)}) if missing else prediction


def _message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        parts = []
        for item in error.errors(include_url=False)[:3]:
            location = ".".join(str(part) for part in item["loc"])
            parts.append(f"{location}: {item['msg'].removeprefix('Value error, ')}")
        return "; ".join(parts)
    return str(error)[:300]
