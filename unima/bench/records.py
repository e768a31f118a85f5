"""The records the harness and the evaluator share: an instance key, a selection, an answer.

``Selection`` is the one description of which instances a run or an evaluation uses (the
manifest pins it as ``unima.bench.manifest.SelectionRecord``, which adds what it chose).
``Answer`` is the one record of a model's answer to an instance, from ``ModelAdapter.predict``
through the worker to the driver (the result store keeps it as columns of a
``unima.bench.store.ResultRow``, converted in ``ResultRow.from_attempt``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

InstanceKey = tuple[str, str, str]
"""(domain, subdomain, id): ids repeat across subdomains, so all three make the key."""

AnswerStatus = Literal["ok", "partial", "failed"]


class Selection(BaseModel):
    """Which instances of a dataset to use: the filters, then a seeded sample, then a limit.

    Each given filter must match and the values within one filter are alternatives; empty
    filters keep every instance (tuples are accepted where lists are declared). The dataset's loader applies it (``DatasetLoader.select``;
    for UniM, ``unima.bench.datasets.unim.select`` says how each filter matches).

    Attributes:
        fields, domains, subdomains: names, normalised by the loader (aliases accepted).
        difficulties: levels (UniM: 1, 2, 3 or ``easy``, ``medium``, ``hard``).
        input_modalities, output_modalities: keep instances that use any of these.
        limit: keep at most this many (the first by key, after sampling).
        sample: keep this many chosen by ``seed``.
        seed: the sampling seed.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    fields: list[str] = Field(default_factory=list)
    domains: list[str] = Field(default_factory=list)
    subdomains: list[str] = Field(default_factory=list)
    difficulties: list[int | str] = Field(default_factory=list)
    input_modalities: list[str] = Field(default_factory=list)
    output_modalities: list[str] = Field(default_factory=list)
    limit: int | None = None
    sample: int | None = None
    seed: int = 0


@dataclass(frozen=True)
class Answer:
    """One model answer to one instance.

    Attributes:
        content: the answer text with its ``<tagN>`` placeholders, unchanged.
        modal: placeholder tag to its file. From ``ModelAdapter.predict``: an absolute path
            inside the ``out_dir`` given to ``predict``; once the worker has published the files
            (``WorkResult.answer``): a path relative to the run folder.
        trace_path: the model's own trace file (UniMA's run trace), if it has one; absolute or
            run-folder-relative like ``modal``.
        status: ``ok``; ``partial`` when the answer is usable but something went wrong (listed in
            ``problems``); ``failed`` when the model answered but the answer is unusable.
        problems: human-readable notes on what went wrong, for the run's event log.
    """

    content: str
    modal: Mapping[str, Path] = field(default_factory=dict)
    trace_path: Path | None = None
    status: AnswerStatus = "ok"
    problems: tuple[str, ...] = ()
