"""Minimal perceivers for the seven modalities: file facts and what can be read cheaply.

They need no model: text and code are read (bounded), CSV is parsed into a table, PDF and DOCX
text is extracted, images give their size and mode, audio and video their duration and streams
(one bounded ``ffmpeg -i`` probe), meshes their vertex and face counts. Richer perceivers (OCR,
speech transcription, keyframes, trimesh) replace these through ``PERCEIVERS`` later.

``text`` holds the textual content found ("" for media without text until OCR or ASR exists);
``summary`` is one paragraph a reasoner can quote. Heavy imports (Pillow, pypdf, python-docx,
pygments) happen inside ``perceive``.
"""

from __future__ import annotations

from typing import ClassVar

from unima.errors import InputError
from unima.inputs.sniff import guess_language
from unima.perception.base import Findings, Perceiver, file_facts, part_path
from unima.perception.minimal.code import code_summary, lexer_outline, python_outline
from unima.perception.minimal.common import count_lines, format_of, quote, read_text
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


class MinimalCodePerceiver(Perceiver):
    """Source code: language (pygments), line count, and for Python the ast outline."""

    modality: ClassVar[str] = "code"
    backend: ClassVar[str] = "pygments+ast"

    def perceive(self, part: Part) -> Perception:
        findings = Findings(part)
        findings.meta.update(file_facts(part))
        path = part_path(part)
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
        return findings.to_perception(self.backend)


class MinimalImagePerceiver(Perceiver):
    """Images: format, size, mode, frames and mean colour via Pillow (no OCR yet)."""

    modality: ClassVar[str] = "image"
    backend: ClassVar[str] = "pillow"

    def perceive(self, part: Part) -> Perception:
        from unima.perception.minimal.media import describe_image

        findings = Findings(part)
        findings.meta.update(file_facts(part))
        findings.summary = describe_image(part_path(part), findings)
        return findings.to_perception(self.backend)


class MinimalAudioPerceiver(Perceiver):
    """Audio: duration, codec, sample rate and channels from one bounded ffmpeg probe."""

    modality: ClassVar[str] = "audio"
    backend: ClassVar[str] = "ffmpeg-probe"

    def perceive(self, part: Part) -> Perception:
        from unima.perception.minimal.media import describe_audio_video

        findings = Findings(part)
        findings.meta.update(file_facts(part))
        findings.summary = describe_audio_video(part_path(part), format_of(part), "audio", findings)
        return findings.to_perception(self.backend)


class MinimalVideoPerceiver(Perceiver):
    """Video: duration, size, frame rate and audio track from one bounded ffmpeg probe."""

    modality: ClassVar[str] = "video"
    backend: ClassVar[str] = "ffmpeg-probe"

    def perceive(self, part: Part) -> Perception:
        from unima.perception.minimal.media import describe_audio_video

        findings = Findings(part)
        findings.meta.update(file_facts(part))
        findings.summary = describe_audio_video(part_path(part), format_of(part), "video", findings)
        return findings.to_perception(self.backend)


class MinimalDocumentPerceiver(Perceiver):
    """Documents: CSV/TSV tables, Markdown and plain text, PDF, DOCX, XLSX, and scanned pages."""

    modality: ClassVar[str] = "document"
    backend: ClassVar[str] = "csv+pypdf+python-docx"

    def perceive(self, part: Part) -> Perception:
        from unima.perception.minimal import documents

        findings = Findings(part)
        findings.meta.update(file_facts(part))
        documents.describe_document(part_path(part), format_of(part), findings)
        return findings.to_perception(self.backend)


class MinimalMeshPerceiver(Perceiver):
    """3D: vertex and face counts from headers or a bounded line scan (OBJ, PLY, OFF, STL, GLB)."""

    modality: ClassVar[str] = "threeD"
    backend: ClassVar[str] = "header-scan"

    def perceive(self, part: Part) -> Perception:
        from unima.perception.minimal.meshes import describe_mesh

        findings = Findings(part)
        findings.meta.update(file_facts(part))
        findings.summary = describe_mesh(part_path(part), format_of(part), findings)
        return findings.to_perception(self.backend)


__all__ = [
    "MinimalAudioPerceiver",
    "MinimalCodePerceiver",
    "MinimalDocumentPerceiver",
    "MinimalImagePerceiver",
    "MinimalMeshPerceiver",
    "MinimalTextPerceiver",
    "MinimalVideoPerceiver",
]
