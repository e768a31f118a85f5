"""Core records shared by every part of unima.

This module imports only the modality vocabulary (``unima.modalities``) and the renderers of
``Response`` (``unima.rendering``, which sees these records only as type hints). Records that cross a boundary (tool
arguments, files on disk) are pydantic models with ``extra="forbid"``; runtime records are frozen.
Graph state and traces carry these records, which hold paths and hashes, never media bytes.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

from unima.modalities import (
    MEDIA_MODALITIES,
    MODALITIES,
    PLACEHOLDER_PATTERN,
    Modality,
    placeholder_tags,
    tag_modality,
)
from unima.rendering import response_html, response_markdown, save_response

__all__ = [
    "MEDIA_MODALITIES",
    "MODALITIES",
    "PLACEHOLDER_PATTERN",
    "Modality",
    "placeholder_tags",
    "tag_modality",
]

# Surrogate code points: how Python holds the bytes of a file name that is not UTF-8.
_SURROGATE = re.compile("[\ud800-\udfff]")


class Record(BaseModel):
    """Base for persisted records: unknown fields are an error, not silently kept."""

    model_config = ConfigDict(extra="forbid")


class FrozenRecord(Record):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Part(FrozenRecord):
    """One input of a request: a file on disk or inline text.

    ``tag`` binds the part to a placeholder in the request text (``image1``). ``meta`` holds
    perception results (size, duration, extracted text ...).

    ``path`` is the file name as Python holds it: a name that is not UTF-8 carries surrogate
    escapes (``bad\\udcff.png``), which JSON cannot store. In JSON such a part is written with
    a readable ``path`` (``bad\\xff.png``) and the exact bytes in ``path_bytes`` (base64), and
    reading it back restores the original name, so traces and responses stay valid UTF-8 and
    lossless.
    """

    modality: Modality
    tag: str | None = None
    path: str | None = None
    text: str | None = None
    mime: str | None = None
    sha256: str | None = None
    size_bytes: int | None = None
    meta: dict[str, Any] = Field(default_factory=dict)

    @model_serializer(mode="wrap")
    def _path_as_valid_json(
        self, handler: SerializerFunctionWrapHandler, info: SerializationInfo
    ) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if info.mode_is_json() and self.path is not None and _SURROGATE.search(self.path):
            try:
                raw = self.path.encode("utf-8", "surrogateescape")
            except UnicodeEncodeError:  # a lone surrogate that stands for no byte
                raw = self.path.encode("utf-8", "surrogatepass")
            data["path"] = raw.decode("utf-8", "backslashreplace")
            data["path_bytes"] = base64.b64encode(raw).decode("ascii")
        return data

    @model_validator(mode="before")
    @classmethod
    def _path_from_bytes(cls, data: Any) -> Any:
        if isinstance(data, dict) and "path_bytes" in data:
            data = dict(data)
            encoded = data.pop("path_bytes")
            if not isinstance(encoded, str):
                raise ValueError("path_bytes must be base64 text")
            raw = base64.b64decode(encoded, validate=True)
            data["path"] = raw.decode("utf-8", "surrogateescape")
        return data


class Request(FrozenRecord):
    """What the user asked: the question text (with input placeholders) and the ordered parts."""

    text: str
    parts: tuple[Part, ...] = ()
    source: dict[str, Any] = Field(default_factory=dict)

    def part_by_tag(self, tag: str) -> Part | None:
        return next((part for part in self.parts if part.tag == tag), None)


class Perception(FrozenRecord):
    """What perception understood of one part (see ``unima.perception``)."""

    modality: Modality
    tag: str | None = None
    text: str = ""
    summary: str = ""
    meta: dict[str, Any] = Field(default_factory=dict)
    backend: str = ""
    seconds: float = 0.0
    failures: tuple[str, ...] = ()


class ModalityCount(FrozenRecord):
    modality: Modality
    count: int = Field(ge=0)
    stated: bool = True
    evidence: str = ""


# What a requested item should be, when the request says: a chart kind, a drawn structure, a
# depiction of something ("a picture of the plated dish"), or a 3D model of something.
OutputKind = Literal[
    "bar_chart",
    "line_chart",
    "pie_chart",
    "scatter_chart",
    "chart",
    "diagram",
    "flowchart",
    "timeline",
    "illustration",
    "model",
]


class WantedOutput(FrozenRecord):
    """What the request wants ``count`` items of one modality to be, in its own words.

    ``kind`` is None when the request names only the medium ("an image"); ``subject`` is what
    the items show or are about ("the plated dish for a classic French omelette"), empty when
    the request does not say; ``phrase`` is the request's words for the items.
    """

    modality: Modality
    count: int = Field(default=1, ge=0)
    kind: OutputKind | None = None
    subject: str = ""
    phrase: str = ""


class OutputSpec(FrozenRecord):
    """The modalities and counts the answer must contain.

    ``counts`` maps a media modality to how many placeholders the answer needs. ``stated`` is
    true when the request said so itself, false when unima inferred the spec. ``notes`` record
    adjustments (a capped absurd count, a contradiction resolved). ``wanted`` says what the
    items should be, in the order the request names them (empty in traces written before it).
    """

    counts: dict[str, int] = Field(default_factory=dict)
    stated: bool = True
    evidence: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    explicit_tags: tuple[str, ...] = ()
    wanted: tuple[WantedOutput, ...] = ()

    def total(self) -> int:
        return sum(self.counts.values())

    def wanted_for(self, modality: str, index: int) -> WantedOutput | None:
        """What the ``index``-th item (from 0) of ``modality`` should be, if the request says."""
        position = 0
        for item in self.wanted:
            if item.modality != modality:
                continue
            if position <= index < position + item.count:
                return item
            position += item.count
        return None

    def tags(self, first_index: dict[str, int] | None = None) -> list[str]:
        """The placeholder tags this spec asks for, numbered from ``first_index`` per modality.

        UniM numbers output tags after the input tags of the same modality (input ``image1``,
        output ``image2``); ``explicit_tags`` (from "<audio1>" in the request) win when given.
        """
        if self.explicit_tags:
            return list(self.explicit_tags)
        first_index = first_index or {}
        tags: list[str] = []
        for modality in MEDIA_MODALITIES:
            start = first_index.get(modality, 1)
            tags.extend(
                f"{modality}{start + offset}" for offset in range(self.counts.get(modality, 0))
            )
        return tags


class Caption(FrozenRecord):
    """Step 1: a dense caption of the inputs, the question restated, the output spec."""

    dense_caption: str
    paraphrase: str
    output_spec: OutputSpec
    topic: str = ""
    key_terms: tuple[str, ...] = ()


class AnalysisReport(FrozenRecord):
    """Step 2: the data analysis, when the question needed one."""

    needed: bool
    reason: str = ""
    code: str = ""
    stdout: str = ""
    stderr: str = ""
    status: str = "skipped"
    values: dict[str, Any] = Field(default_factory=dict)
    figures: tuple[str, ...] = ()
    sandbox_tier: str = ""


class Step(Record):
    """One tool call in the plan. ``produces`` is the placeholder tag it makes, if any."""

    id: str
    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    depends_on: list[str] = Field(default_factory=list)
    produces: str | None = None
    description: str = ""


class Plan(Record):
    """Step 3: the answer text with placeholders, a content spec per placeholder, the tool DAG."""

    content: str
    content_specs: dict[str, str] = Field(default_factory=dict)
    steps: list[Step] = Field(default_factory=list)
    reasoner: str = ""

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)


class Verification(FrozenRecord):
    """The self-check of one artifact: passed, with measured facts and what failed."""

    passed: bool
    checks: dict[str, Any] = Field(default_factory=dict)
    problems: tuple[str, ...] = ()


class RelevanceReason(FrozenRecord):
    """Why an artifact is not relevant: a stable ``name`` (``labels_restate_question``) and a message."""

    name: str
    message: str


class Relevance(FrozenRecord):
    """Whether an artifact carries the answer, not only whether it is a valid file.

    ``verification`` says an artifact is *valid* (it decodes, is not blank, runs); relevance says
    it is *relevant* (see ``unima.relevance``): its labels, narration, scenes, sections or values
    come from the answer and what was asked. ``checks`` holds what was measured.
    """

    passed: bool
    reasons: tuple[RelevanceReason, ...] = ()
    checks: dict[str, Any] = Field(default_factory=dict)


class Artifact(FrozenRecord):
    """A generated (or received) file, stored by content hash."""

    tag: str | None = None
    modality: Modality
    path: str
    mime: str
    sha256: str
    size_bytes: int = 0
    step_id: str | None = None
    meta: dict[str, Any] = Field(default_factory=dict)
    verification: Verification | None = None
    # Absent in traces written before relevance was checked; None also means "not checked".
    relevance: Relevance | None = None


class StepResult(FrozenRecord):
    """The outcome of running one plan step (one attempt)."""

    step_id: str
    tool: str
    status: Literal["ok", "failed", "cached"]
    attempt: int = 1
    artifact: Artifact | None = None
    error: str = ""
    error_type: str = ""
    recoverable: bool = True
    backend: str = ""
    backend_version: str = ""
    started_at: float = 0.0
    seconds: float = 0.0
    output: dict[str, Any] = Field(default_factory=dict)


class CheckResult(FrozenRecord):
    """What the checker found wrong with an assembled answer (empty ``problems`` means ok)."""

    passed: bool
    problems: tuple[str, ...] = ()
    missing_tags: tuple[str, ...] = ()
    extra_tags: tuple[str, ...] = ()
    failed_steps: tuple[str, ...] = ()


class Response(Record):
    """The interleaved answer: text with placeholders, each bound to an artifact."""

    content: str
    artifacts: dict[str, Artifact] = Field(default_factory=dict)
    output_spec: OutputSpec = Field(default_factory=OutputSpec)
    trace_path: str | None = None
    run_id: str = ""
    status: Literal["ok", "partial", "failed"] = "ok"
    problems: list[str] = Field(default_factory=list)

    def to_unim(self) -> dict[str, Any]:
        """The answer in UniM's output format: ``{"modal": {tag: path}, "content": text}``."""
        ordered = [tag for tag in placeholder_tags(self.content) if tag in self.artifacts]
        return {
            "modal": {tag: self.artifacts[tag].path for tag in dict.fromkeys(ordered)},
            "content": self.content,
        }

    def to_markdown(self, media_prefix: str | None = None) -> str:
        return response_markdown(self, media_prefix=media_prefix)

    def to_html(self, media_prefix: str | None = None) -> str:
        return response_html(self, media_prefix=media_prefix)

    def save(self, directory: str | Path) -> Path:
        """Write the artifacts, ``answer.md``, ``answer.html`` and ``response.json`` to ``directory``."""
        return save_response(self, Path(directory))
