"""Outputs produced elsewhere (``--model predictions:FILE``): validated and copied, never run.

``FILE`` is a ``predictions.jsonl`` in the harness's own format (``unima.bench.datasets.unim``
``load_predictions``): one line per instance, media paths relative to the file's folder. This is
how a model that cannot run inside the harness (a GPU cluster job, a closed API batch) is put
through the same store, manifest, exports and evaluation as every other model.

For each instance the adapter looks up its (domain, subdomain, id) entry, checks every media path
with ``unima.inputs.paths.resolve_media_path`` (realpath containment in the file's folder: ``..``,
absolute paths and links out are refused) and copies the files into the output folder. A refused
or missing file is a problem of that prediction (status ``partial``), so it is scored as missing
instead of being read from outside the folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from unima.bench.datasets.unim import load_predictions
from unima.bench.datasets.unim.names import is_file_reference
from unima.bench.models import ModelAdapter, save_bytes, save_file
from unima.bench.records import Answer, AnswerStatus
from unima.errors import ConfigError, InputError
from unima.files import file_sha256
from unima.inputs.paths import resolve_media_path

if TYPE_CHECKING:
    from unima.bench.datasets.unim import InstanceKey, Prediction, UnimInstance

KNOWN_STATUSES = ("ok", "partial", "failed")


class PredictionsModel(ModelAdapter):
    """Serves the answers of a ``predictions.jsonl`` file as a model's answers."""

    name: ClassVar[str] = "predictions"

    def __init__(self, spec: str, **options: Any) -> None:
        super().__init__(spec, **options)
        if options:
            raise ConfigError(
                f"the predictions model takes no options, got {', '.join(sorted(options))}"
            )
        _, _, location = spec.partition(":")
        if not location:
            raise ConfigError(f"expected predictions:FILE, got {spec!r}")
        self.path = Path(location).expanduser().absolute()
        if self.path.is_dir():
            self.path = self.path / "predictions.jsonl"  # a run folder
        if not self.path.is_file():
            raise ConfigError(
                f"the predictions file {str(self.path)!r} does not exist; "
                "give the path of a predictions.jsonl"
            )
        self._predictions: dict[InstanceKey, Prediction] | None = None
        self._problems: list[str] = []

    @property
    def predictions(self) -> dict[InstanceKey, Prediction]:
        """The file's entries by key, read on first use."""
        if self._predictions is None:
            loaded: Any = load_predictions(self.path)
            # ``load_predictions`` returns an object with ``predictions`` and ``problems``.
            self._predictions = dict(getattr(loaded, "predictions", loaded))
            self._problems = list(getattr(loaded, "problems", []))
        return self._predictions

    def describe(self) -> dict[str, Any]:

        return {
            "adapter": self.name,
            "spec": self.spec,
            "file": str(self.path),
            "sha256": file_sha256(self.path),
            "entries": len(self.predictions),
            "file_problems": len(self._problems),
        }

    def predict(self, instance: UnimInstance, media_root: Path, out_dir: Path) -> Answer:
        prediction = self.predictions.get(instance.key)
        if prediction is None:
            raise InputError(
                f"no prediction for {'/'.join(instance.key)} in the file; "
                "check the domain, subdomain and id of its lines",
                source=str(self.path),
            )

        folder = self.path.parent
        modal: dict[str, Path] = {}
        problems: list[str] = []
        for tag, value in prediction.modal.items():
            try:
                if is_file_reference(tag, value):
                    source = resolve_media_path(folder, value)
                    modal[tag] = save_file(source, out_dir, tag)
                else:
                    # Inline text or code: the harness stores every answer item as a file.
                    modal[tag] = save_bytes(value.encode("utf-8"), out_dir, tag, ".txt")
            except InputError as error:
                problems.append(f"<{tag}>: {error}")
        status: AnswerStatus = "partial"
        if prediction.status in KNOWN_STATUSES:
            status = prediction.status  # type: ignore[assignment]  # checked just above
        if prediction.status not in KNOWN_STATUSES:
            problems.append(f"unknown status {prediction.status!r} read as partial")
        if prediction.error:
            problems.append(f"recorded error: {prediction.error}")
        if status == "ok" and problems:
            status = "partial"
        return Answer(
            content=prediction.content, modal=modal, status=status, problems=tuple(problems)
        )

    def close(self) -> None:
        self._predictions = None
