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


# File name suffixes that claim a binary or structured format, and the sniffed formats that
# honour the claim. Text suffixes (.txt, .csv, .md, .py ...) are not listed: for text the name
# and the content decide together, so they cannot disagree.
NAME_FORMATS: dict[str, frozenset[str]] = {
    suffix: frozenset(formats)
    for suffix, formats in {
        ".png": {"png"}, ".jpg": {"jpeg"}, ".jpeg": {"jpeg"}, ".gif": {"gif"},
        ".webp": {"webp"}, ".bmp": {"bmp"}, ".tif": {"tiff"}, ".tiff": {"tiff"},
        ".wav": {"wav"}, ".mp3": {"mp3"}, ".flac": {"flac"}, ".ogg": {"ogg", "ogv"},
        ".oga": {"ogg"}, ".ogv": {"ogv", "ogg"}, ".m4a": {"m4a", "mp4"},
        ".mp4": {"mp4", "m4a", "mov"}, ".m4v": {"mp4", "mov"}, ".mov": {"mov", "mp4"},
        ".avi": {"avi"}, ".webm": {"webm"}, ".mkv": {"mkv", "mka"}, ".mka": {"mka", "mkv"},
        ".pdf": {"pdf"}, ".docx": {"docx"}, ".xlsx": {"xlsx"}, ".glb": {"glb"},
        ".gltf": {"gltf"}, ".ply": {"ply"}, ".stl": {"stl"}, ".obj": {"obj"}, ".off": {"off"},
    }.items()
}  # fmt: skip
_FORMAT_WORDS = {
    "txt": "plain text", "markdown": "Markdown text", "csv": "CSV text", "tsv": "TSV text",
    "source": "source code",
}  # fmt: skip


def name_mismatch(file_name: str, file_format: str | None) -> str | None:
    """Why ``file_name`` misstates the sniffed ``file_format`` (``None`` when it does not).

    >>> name_mismatch("report.pdf", "txt")
    'the file is named .pdf but holds plain text (txt); it was read as what it holds'
    """
    suffix = file_name[file_name.rfind(".") :].lower() if "." in file_name else ""
    expected = NAME_FORMATS.get(suffix)
    if expected is None or file_format is None or file_format in expected:
        return None
    held = _FORMAT_WORDS.get(file_format, file_format.upper())
    return (
        f"the file is named {suffix} but holds {held} ({file_format}); it was read as what it holds"
    )


@dataclass(frozen=True)
class Sniffed:
    """What a file is: its modality, MIME type and format (``language`` for code only)."""

    modality: str
    mime: str
    format: str
    language: str | None = None
