"""The perceiver role: turn one input ``Part`` into a ``Perception``.

A perceiver handles one modality with one backend (``ImagePerceiver``: Pillow and RapidOCR;
``MinimalImagePerceiver``: Pillow alone). ``unima.perception.perceive`` picks the perceiver
registered for the part's modality, times it and records its backend, so a perceiver only has to
describe the file. A perceiver of files subclasses ``FilePerceiver``, which starts every
perception with the file's facts, and writes only ``describe``.

Contract for implementers:

- Raise ``InputError`` when the input itself is unacceptable (undecodable, a decompression bomb,
  a DOCTYPE in OOXML): that propagates to the caller.
- Record anything else that goes wrong in a step as a failure (``Findings.fail``) and go on with
  the other steps, so the agent still gets a partial perception. ``perceive`` also turns an
  unexpected exception into a partial perception, as a last resort.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from unima.errors import InputError
from unima.filenames import shown_path
from unima.inputs.sniff import sniff
from unima.types import Part, Perception


class Perceiver(ABC):
    """Describes parts of one modality.

    Attributes:
        modality: The modality this perceiver handles (``"image"``).
        backend: A short name of what does the work (``"pillow"``, ``"rapidocr"``), recorded in
            every perception and trace.
    """

    modality: ClassVar[str]
    backend: ClassVar[str]

    @abstractmethod
    def perceive(self, part: Part) -> Perception:
        """Describe ``part``; raise ``InputError`` only when the input itself is unacceptable."""


class FilePerceiver(Perceiver):
    """A perceiver of parts backed by a file: every perception starts with the file's facts.

    ``perceive`` makes the ``Findings``, fills in ``file_facts`` and resolves the path, then
    hands over to ``describe``, which states only what this perceiver adds.
    """

    def perceive(self, part: Part) -> Perception:
        findings = Findings(part)
        findings.meta.update(file_facts(part))
        self.describe(part, part_path(part), findings)
        return findings.to_perception(self.backend)

    @abstractmethod
    def describe(self, part: Part, path: Path, findings: Findings) -> None:
        """Fill ``findings`` (text, summary, meta, failures) for the file of ``part`` at ``path``.

        Raises:
            InputError: When the file itself is unacceptable.
        """


@dataclass
class Findings:
    """What a perceiver gathered so far; ``to_perception`` makes the frozen record."""

    part: Part
    text: str = ""
    summary: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def fail(self, step: str, error: BaseException | str) -> None:
        """Record that ``step`` failed; the perceiver goes on with its other steps."""
        detail = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
        self.failures.append(f"{step}: {detail}"[:500])

    def to_perception(self, backend: str) -> Perception:
        return Perception(
            modality=self.part.modality,
            tag=self.part.tag,
            text=self.text,
            summary=self.summary,
            meta=self.meta,
            backend=backend,
            failures=tuple(self.failures),
        )


def part_path(part: Part) -> Path:
    """The file of a media part.

    Raises:
        InputError: When the part has no path or the file is gone.
    """
    if not part.path:
        raise InputError(
            f"a {part.modality} part needs a file path", source=part.tag or part.modality
        )
    path = Path(part.path)
    if not path.is_file():
        raise InputError("the part's file does not exist (any more)", source=shown_path(path))
    return path


def format_of(part: Part) -> str:
    """The sniffed format of a part (``meta["format"]``, or sniffed again when missing)."""
    return str(part.meta.get("format") or sniff(part_path(part)).format)


def file_facts(part: Part) -> dict[str, Any]:
    """File metadata every perception carries: name, size, sha256, MIME type and format."""
    path = part_path(part)
    sha256 = part.sha256
    if sha256 is None:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        sha256 = digest.hexdigest()
    facts: dict[str, Any] = {
        "file_name": shown_path(path.name),
        "size_bytes": part.size_bytes if part.size_bytes is not None else path.stat().st_size,
        "sha256": sha256,
        "mime": part.mime,
        "format": part.meta.get("format"),
    }
    if part.meta.get("language"):
        facts["language"] = part.meta["language"]
    return facts


def partial_perception(
    part: Part, backend: str, error: BaseException, seconds: float = 0.0
) -> Perception:
    """The perception of a part whose perceiver crashed: file facts (when readable) and the failure."""
    findings = Findings(part)
    try:
        findings.meta.update(file_facts(part))
    except (InputError, OSError) as facts_error:
        findings.fail("file facts", facts_error)
    findings.fail("perceive", error)
    name = findings.meta.get("file_name") or part.tag or part.modality
    findings.summary = f"A {part.modality} input ({name}) that could not be fully perceived."
    return findings.to_perception(backend).model_copy(update={"seconds": seconds})
