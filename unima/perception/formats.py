"""The accepted formats: what a sniffed file is, and the allowlist and size caps per modality."""

from __future__ import annotations

from dataclasses import dataclass

# The formats unima accepts per modality; a format not listed here is refused.
ALLOWED_FORMATS: dict[str, frozenset[str]] = {
    "image": frozenset({"png", "jpeg", "gif", "webp", "bmp", "tiff"}),
    "audio": frozenset({"wav", "mp3", "flac", "ogg", "m4a", "mp4", "webm", "mka"}),
    "video": frozenset({"mp4", "mov", "avi", "webm", "mkv", "ogv"}),
    "document": frozenset({"pdf", "docx", "xlsx", "csv", "tsv", "markdown", "txt"}),
    "code": frozenset({"source"}),
    "threeD": frozenset({"glb", "gltf", "ply", "stl", "obj", "off"}),
}

# Largest accepted file per modality (reliability notes §3.4).
MAX_FILE_BYTES: dict[str, int] = {
    "image": 50 * 2**20,
    "audio": 200 * 2**20,
    "video": 2 * 2**30,
    "document": 100 * 2**20,
    "code": 10 * 2**20,
    "threeD": 500 * 2**20,
}

# A glTF JSON file (``.gltf``) is parsed whole by the sniffer, the header scan and trimesh, so it
# has its own, lower cap; its external ``.bin`` buffers fall under ``MAX_FILE_BYTES["threeD"]``.
# The JSON chunk of a GLB is capped lower still (16 MiB): its geometry lives in the binary chunk.
MAX_GLTF_JSON_BYTES = 64 * 2**20


@dataclass(frozen=True)
class Sniffed:
    """What a file is: its modality, MIME type and format (``language`` for code only)."""

    modality: str
    mime: str
    format: str
    language: str | None = None
