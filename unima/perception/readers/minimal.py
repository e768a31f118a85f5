"""Minimal perceivers for the seven modalities: each is one reader alone, with no model.

Text and code are read (bounded), CSV is parsed into a table, PDF and DOCX text is extracted,
images give their size and mode, audio and video their duration and streams (one bounded
``ffmpeg -i`` probe), meshes their vertex and face counts. The richer perceivers registered in
``PERCEIVERS`` (OCR, speech transcription, keyframes, trimesh) build on the same readers;
``text`` stays minimal, since inline text needs nothing more.

``text`` holds the textual content found ("" for media without text); ``summary`` is one
paragraph a reasoner can quote.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from unima.errors import InputError
from unima.inputs.sniff import guess_language
from unima.perception.base import FilePerceiver, Findings, Perceiver, format_of
from unima.perception.phrasing import quote
from unima.perception.readers.code import code_summary, lexer_outline, python_outline
from unima.perception.readers.documents import describe_document
from unima.perception.readers.media import describe_audio_video, describe_image
from unima.perception.readers.meshes import describe_mesh
from unima.perception.readers.text import count_lines, read_text
from unima.types import Part, Perception


class MinimalTextPerceiver(Perceiver):
    """Inline text: counts and the text itself."""

    modality: ClassVar[str] = "text"
    backend: ClassVar[str] = "builtin"

    def perceive(self, part: Part) -> Perception:
        findings = Findings(part)
        text = part.text or ""
        if not text.strip():
            raise InputError("a text part needs non-empty text", source=part.tag or "text part")
        findings.text = text
        words = len(text.split())
        findings.meta.update(
            {"characters": len(text), "words": words, "lines": text.count("\n") + 1}
        )
        findings.summary = f"A text of {words} words: “{quote(text)}”."
        return findings.to_perception(self.backend)


class MinimalCodePerceiver(FilePerceiver):
    """Source code: language (pygments), line count, and for Python the ast outline."""

    modality: ClassVar[str] = "code"
    backend: ClassVar[str] = "pygments+ast"

    def describe(self, part: Part, path: Path, findings: Findings) -> None:
        text, truncated = read_text(path)
        findings.text = text
        language = part.meta.get("language") or guess_language(text, path.name)[0]
        lines = count_lines(path)
        findings.meta.update({"language": language, "line_count": lines, "truncated": truncated})
        if language == "Python":
            outline = python_outline(text, findings)
        else:
            outline = lexer_outline(text, path.name, findings)
        findings.meta.update(outline)
        findings.summary = code_summary(language, lines, outline)


class MinimalImagePerceiver(FilePerceiver):
    """Images: format, size, mode, frames and mean colour via Pillow (no OCR)."""

    modality: ClassVar[str] = "image"
    backend: ClassVar[str] = "pillow"

    def describe(self, part: Part, path: Path, findings: Findings) -> None:
        findings.summary = describe_image(path, findings)


class MinimalAudioPerceiver(FilePerceiver):
    """Audio: duration, codec, sample rate and channels from one bounded ffmpeg probe."""

    modality: ClassVar[str] = "audio"
    backend: ClassVar[str] = "ffmpeg-probe"

    def describe(self, part: Part, path: Path, findings: Findings) -> None:
        findings.summary = describe_audio_video(path, format_of(part), "audio", findings)


class MinimalVideoPerceiver(FilePerceiver):
    """Video: duration, size, frame rate and audio track from one bounded ffmpeg probe."""

    modality: ClassVar[str] = "video"
    backend: ClassVar[str] = "ffmpeg-probe"

    def describe(self, part: Part, path: Path, findings: Findings) -> None:
        findings.summary = describe_audio_video(path, format_of(part), "video", findings)


class MinimalDocumentPerceiver(FilePerceiver):
    """Documents: CSV/TSV tables, Markdown and plain text, PDF, DOCX, XLSX, and scanned pages."""

    modality: ClassVar[str] = "document"
    backend: ClassVar[str] = "csv+pypdf+python-docx"

    def describe(self, part: Part, path: Path, findings: Findings) -> None:
        describe_document(path, format_of(part), findings)


class MinimalMeshPerceiver(FilePerceiver):
    """3D: vertex and face counts from headers or a bounded line scan (OBJ, PLY, OFF, STL, GLB)."""

    modality: ClassVar[str] = "threeD"
    backend: ClassVar[str] = "header-scan"

    def describe(self, part: Part, path: Path, findings: Findings) -> None:
        findings.summary = describe_mesh(path, format_of(part), findings)


__all__ = [
    "MinimalAudioPerceiver",
    "MinimalCodePerceiver",
    "MinimalDocumentPerceiver",
    "MinimalImagePerceiver",
    "MinimalMeshPerceiver",
    "MinimalTextPerceiver",
    "MinimalVideoPerceiver",
]
