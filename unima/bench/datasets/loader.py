"""The dataset role of the benchmark harness, and the registry of dataset loaders.

A benchmark dataset is read by one ``DatasetLoader``: ``load`` turns a file or folder into the
valid instances, a report of every invalid one and a fingerprint (``DatasetLoad``); ``select``
chooses the instances a ``Selection`` asks for. Loaders are registered by short name in
``DATASETS`` as ``"module:Class"`` strings, imported on first use: ``unima bench run NAME``
resolves NAME there, and an unknown name is answered with "did you mean ...".
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Generic, Literal, TypeVar

from unima.bench.records import InstanceKey, Selection
from unima.registry import Registry

OnInvalid = Literal["skip", "fail"]
InstanceT = TypeVar("InstanceT")


@dataclass(frozen=True)
class InvalidInstance:
    """An instance that was not loaded (or, in ``DatasetLoad.warnings``, loaded with a remark).

    Attributes:
        key: (domain, subdomain, id) when the record has readable ones, else ``None``.
        source: ``file:line`` or ``file[index]``.
        reason: What is wrong and, where possible, what to do.
    """

    key: InstanceKey | None
    source: str
    reason: str

    def __str__(self) -> str:
        shown = "/".join(self.key) if self.key else "no key"
        return f"{self.source} ({shown}): {self.reason}"


@dataclass(frozen=True)
class DatasetLoad(Generic[InstanceT]):
    """What a loader read.

    Attributes:
        instances: Valid instances, sorted by key (ids in numeric order).
        invalid: Every instance that was not loaded, with the reason.
        fingerprint: sha256 of the loaded instances' canonical JSON (order-independent).
        root: The media root the paths were checked against.
        files: The instance files read, in reading order.
        warnings: Loaded instances with a remark (a ``modal`` entry the content never places).
    """

    instances: list[InstanceT]
    invalid: list[InvalidInstance]
    fingerprint: str
    root: Path
    files: list[Path] = field(default_factory=list)
    warnings: list[InvalidInstance] = field(default_factory=list)


class DatasetLoader(ABC, Generic[InstanceT]):
    """A benchmark dataset: how to read it and how to choose a slice of it.

    Subclasses set ``name`` (the benchmark's short name) and implement ``load`` and ``select``;
    a subclass is registered in ``DATASETS``. ``__init__`` takes no arguments.
    """

    name: ClassVar[str]

    @abstractmethod
    def load(
        self,
        data: Path,
        *,
        media_root: Path | None = None,
        on_invalid: OnInvalid = "skip",
        check_files: bool = True,
    ) -> DatasetLoad[InstanceT]:
        """Read the instances of ``data`` (a file or a folder), reporting the invalid ones.

        Args:
            data: The dataset's instance file or folder.
            media_root: Where the instances' media are, when not the dataset's default.
            on_invalid: ``skip`` reports invalid instances; ``fail`` raises ``InputError``.
            check_files: Check that every media file exists inside its folder.
        """

    def write_predictions(self, out: Path, rows: Iterable[Any]) -> Path | None:
        """Write ``out/predictions.jsonl`` from the store's finished ``rows`` in this
        benchmark's own form, or return None to keep the harness's UniM form. The runner calls
        it before and after every run, so an interrupted run's file is in the right form."""
        return None

    @abstractmethod
    def select(self, instances: Sequence[InstanceT], selection: Selection) -> list[InstanceT]:
        """The instances ``selection`` keeps, sorted by key.

        Raises:
            InputError: A filter value the dataset does not know (with close names).
        """


DATASETS: Registry[type[DatasetLoader[Any]]] = Registry("benchmark")
DATASETS.register("unim", "unima.bench.datasets.unim.loader:UnimLoader")
DATASETS.register("hitemotion", "unima.bench.datasets.hitemotion.loader:HitEmotionLoader")


def dataset_loader(name: str) -> DatasetLoader[Any]:
    """The loader registered as ``name``.

    Raises:
        ConfigError: no benchmark has that name (the message suggests close ones).
    """
    return DATASETS.get(name)()
