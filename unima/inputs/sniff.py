"""Decide what a file is from its bytes (magic numbers), never from its name alone.

A ``.png`` that holds TIFF or a ``.mp3`` that holds PNG is common and sometimes hostile, so the
modality and format come from the first bytes. The name only matters for text, where bytes
cannot tell a CSV table from Python source: there the extension and the content decide together
(``unima.inputs.sniff_text``). glTF JSON is text too, and is recognised by its content (a
JSON object with an ``asset.version`` of ``2.x``); only a file named ``.gltf`` that fails that
test is refused instead of being read as text.

Every format must be in ``ALLOWED_FORMATS`` and under ``MAX_FILE_BYTES`` for its modality;
anything else is refused with an ``InputError`` naming the file and what was found.

Containers that may hold either audio or video are decided by bytes where that is cheap and by
the caller's ``hint`` otherwise: WebM/Matroska and MP4 are video unless ``hint="audio"`` (finding
the track types would mean parsing EBML/MP4 boxes, which is the decoder's job); Ogg is audio
unless its first page announces Theora video or ``hint="video"``.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
import zlib
from pathlib import Path

from unima.errors import InputError
from unima.inputs.formats import ALLOWED_FORMATS, MAX_FILE_BYTES, MAX_GLTF_JSON_BYTES, Sniffed
from unima.inputs.paths import require_regular_file
from unima.inputs.sniff_text import classify_text, guess_language, sniff_gltf, sniff_text

# Bounds on the ZIP central directory of OOXML files (a zip bomb is refused before any parse).
ZIP_MAX_ENTRIES = 5000
ZIP_MAX_ENTRY_BYTES = 100 * 2**20
ZIP_MAX_TOTAL_BYTES = 500 * 2**20
ZIP_MAX_RATIO = 100

SAMPLE_BYTES = 256 * 1024

_MP4_VIDEO_BRANDS = {
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"dash",
    b"M4V ", b"M4VH", b"M4VP", b"3gp4", b"3gp5", b"3gp6", b"3g2a", b"mmp4", b"msnv", b"f4v ",
}  # fmt: skip
_MP4_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P ", b"F4A "}
_QUICKTIME_ATOMS = {b"moov", b"mdat", b"wide", b"pnot"}
_BMP_HEADER_SIZES = {12, 40, 52, 56, 64, 108, 124}


def sniff(
    source: Path | str | bytes, *, name: str | None = None, hint: str | None = None
) -> Sniffed:
    """Identify a file by its content.

    Args:
        source: A path, or the file's bytes.
        name: The file name, used for text files (``.csv``, ``.py`` ...) when ``source`` is
            bytes; defaults to the path's name.
        hint: The modality the caller expects (a UniM tag's modality). It only decides cases
            the bytes leave open: audio or video containers, code or text document.

    Returns:
        The sniffed modality, MIME type and format, already checked against the allowlist.

    Raises:
        InputError: For an empty, unknown, invalid-UTF-8, too large or refused file.
    """
    if isinstance(source, bytes):
        data, size, path = source[:SAMPLE_BYTES], len(source), None
        shown = name or "<bytes>"
    else:
        path = Path(source)
        shown = str(path)
        name = name or path.name
        require_regular_file(path)  # a FIFO would block the read below, a device never end
        try:
            with path.open("rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                data = handle.read(SAMPLE_BYTES)
        except OSError as error:
            raise InputError(
                f"cannot read the file ({error.strerror or error})", source=shown
            ) from None
    if size == 0:
        raise InputError("the file is empty (0 bytes)", source=shown)
    found = _sniff_binary(data, size, hint, shown)
    if found is None and data.startswith(b"PK\x03\x04"):
        archive_source = path if path is not None else io.BytesIO(bytes(source))  # type: ignore[arg-type]
        found = _sniff_zip(archive_source, shown)
    if found is None:
        found = sniff_gltf(
            data,
            size,
            name=name or "",
            shown=shown,
            read_all=lambda: _read_all(source, MAX_GLTF_JSON_BYTES, shown),
        )
    if found is None:
        found = sniff_text(
            data, complete=size <= len(data), name=name or "", hint=hint, shown=shown
        )
    return _admit(found, size, shown)


def _read_all(source: Path | str | bytes, limit: int, shown: str) -> bytes:
    """Up to ``limit`` bytes of the whole file, for formats judged on more than the sample."""
    if isinstance(source, bytes):
        return source[:limit]
    try:
        with Path(source).open("rb") as handle:
            return handle.read(limit)
    except OSError as error:
        raise InputError(
            f"cannot read the file ({error.strerror or error})", source=shown
        ) from None


def _admit(found: Sniffed, size: int, shown: str) -> Sniffed:
    if found.modality not in ALLOWED_FORMATS:
        raise InputError(f"{found.format} files are not accepted ({found.mime})", source=shown)
    if found.format not in ALLOWED_FORMATS[found.modality]:
        allowed = ", ".join(sorted(ALLOWED_FORMATS[found.modality]))
        raise InputError(
            f"{found.format} is not an accepted {found.modality} format (accepted: {allowed})",
            source=shown,
        )
    limit = MAX_FILE_BYTES[found.modality]
    if size > limit:
        raise InputError(
            f"the {found.format} file is {size} bytes, over the {limit}-byte limit for {found.modality}",
            source=shown,
        )
    return found


def _sniff_binary(head: bytes, size: int, hint: str | None, shown: str) -> Sniffed | None:
    """Formats recognised by fixed magic bytes; ``None`` when none matches."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed("image", "image/png", "png")
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed("image", "image/jpeg", "jpeg")
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return Sniffed("image", "image/gif", "gif")
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return Sniffed("image", "image/tiff", "tiff")
    if _is_bmp(head):
        return Sniffed("image", "image/bmp", "bmp")
    if head[:4] == b"RIFF" and len(head) >= 12:
        kind = head[8:12]
        if kind == b"WEBP":
            return Sniffed("image", "image/webp", "webp")
        if kind == b"WAVE":
            return Sniffed("audio", "audio/wav", "wav")
        if kind == b"AVI ":
            return Sniffed("video", "video/x-msvideo", "avi")
        return Sniffed(
            "unknown", "application/octet-stream", f"riff-{kind.decode('latin-1').strip()}"
        )
    if head.startswith(b"fLaC"):
        return Sniffed("audio", "audio/flac", "flac")
    if head.startswith(b"OggS"):
        if b"\x80theora" in head[:512] or hint == "video":
            return Sniffed("video", "video/ogg", "ogv")
        return Sniffed("audio", "audio/ogg", "ogg")
    if head.startswith(b"ID3") or _is_mpeg_audio_frame(head):
        return Sniffed("audio", "audio/mpeg", "mp3")
    if head[4:8] == b"ftyp":
        return _sniff_iso_media(head[8:12], hint)
    if head[4:8] in _QUICKTIME_ATOMS:
        return Sniffed("video", "video/quicktime", "mov")
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        is_webm = b"webm" in head[:128]
        if hint == "audio":
            return (
                Sniffed("audio", "audio/webm", "webm")
                if is_webm
                else Sniffed("audio", "audio/x-matroska", "mka")
            )
        return (
            Sniffed("video", "video/webm", "webm")
            if is_webm
            else Sniffed("video", "video/x-matroska", "mkv")
        )
    if head.startswith(b"%PDF-"):
        return Sniffed("document", "application/pdf", "pdf")
    if head.startswith(b"glTF") and len(head) >= 12:
        version = int.from_bytes(head[4:8], "little")
        declared = int.from_bytes(head[8:12], "little")
        if version != 2:
            raise InputError(
                f"glTF binary version {version} is not accepted (only version 2)", source=shown
            )
        if declared != size:
            raise InputError(
                f"the GLB header declares {declared} bytes but the file has {size}", source=shown
            )
        return Sniffed("threeD", "model/gltf-binary", "glb")
    if head.startswith((b"ply\n", b"ply\r\n")):
        return Sniffed("threeD", "model/x-ply", "ply")
    if size >= 84 and len(head) >= 84 and 84 + 50 * int.from_bytes(head[80:84], "little") == size:
        return Sniffed("threeD", "model/stl", "stl")
    return None


def _sniff_iso_media(brand: bytes, hint: str | None) -> Sniffed:
    if brand in _MP4_AUDIO_BRANDS:
        return Sniffed("audio", "audio/mp4", "m4a")
    if brand == b"qt  ":
        return Sniffed("video", "video/quicktime", "mov")
    if brand in _MP4_VIDEO_BRANDS:
        if hint == "audio":
            return Sniffed("audio", "audio/mp4", "mp4")
        return Sniffed("video", "video/mp4", "mp4")
    # HEIC, AVIF, JPEG 2000 ... share the box layout but are not accepted.
    return Sniffed(
        "unknown", "application/octet-stream", f"iso-media-{brand.decode('latin-1').strip()}"
    )


def _is_bmp(head: bytes) -> bool:
    # "BM" alone would match text starting with "BMW"; the reserved fields and DIB header size
    # make a false match practically impossible.
    return (
        len(head) >= 18
        and head[:2] == b"BM"
        and head[6:10] == b"\x00\x00\x00\x00"
        and int.from_bytes(head[14:18], "little") in _BMP_HEADER_SIZES
    )


def _is_mpeg_audio_frame(head: bytes) -> bool:
    """An MPEG audio frame header: sync bits, valid version, layer, bitrate and sample rate."""
    if len(head) < 4 or head[0] != 0xFF or (head[1] & 0xE0) != 0xE0:
        return False
    version = (head[1] >> 3) & 0b11
    layer = (head[1] >> 1) & 0b11
    bitrate_index = head[2] >> 4
    sample_rate_index = (head[2] >> 2) & 0b11
    return (
        version != 0b01 and layer != 0 and bitrate_index not in (0, 15) and sample_rate_index != 3
    )


def check_zip(archive: zipfile.ZipFile, shown: str) -> list[str]:
    """Check an archive's central directory against the bounds; return its entry names.

    Raises:
        InputError: Too many entries, an entry or the total too large, a suspicious
            compression ratio (zip bomb), or unsafe entry names (absolute, ``..``).
    """
    entries = archive.infolist()
    if len(entries) > ZIP_MAX_ENTRIES:
        raise InputError(
            f"the ZIP archive has {len(entries)} entries, over the limit of {ZIP_MAX_ENTRIES}",
            source=shown,
        )
    total = sum(entry.file_size for entry in entries)
    compressed = sum(entry.compress_size for entry in entries)
    for entry in entries:
        if entry.file_size > ZIP_MAX_ENTRY_BYTES:
            raise InputError(
                f"ZIP entry {entry.filename!r} expands to {entry.file_size} bytes, over the limit",
                source=shown,
            )
        if entry.filename.startswith(("/", "\\")) or ".." in re.split(r"[/\\]", entry.filename):
            raise InputError(
                f"ZIP entry name {entry.filename!r} is absolute or climbs out with '..'",
                source=shown,
            )
    if total > ZIP_MAX_TOTAL_BYTES:
        raise InputError(
            f"the ZIP archive expands to {total} bytes, over the {ZIP_MAX_TOTAL_BYTES}-byte limit",
            source=shown,
        )
    if total > 10 * 2**20 and total > ZIP_MAX_RATIO * max(compressed, 1):
        raise InputError(
            f"the ZIP archive expands {total // max(compressed, 1)}:1, which looks like a zip bomb",
            source=shown,
        )
    return [entry.filename for entry in entries]


def _sniff_zip(archive_source: Path | io.BytesIO, shown: str) -> Sniffed:
    try:
        with zipfile.ZipFile(archive_source) as archive:
            names = set(check_zip(archive, shown))
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        EOFError,
        NotImplementedError,
        RuntimeError,
        zlib.error,
    ) as error:
        raise InputError(
            f"the file starts like a ZIP archive but is damaged ({error})", source=shown
        ) from None
    if "[Content_Types].xml" in names:
        if "word/document.xml" in names:
            mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            return Sniffed("document", mime, "docx")
        if "xl/workbook.xml" in names:
            return Sniffed(
                "document",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "xlsx",
            )
    raise InputError(
        "a ZIP archive that is not a DOCX or XLSX document is not accepted", source=shown
    )


__all__ = [
    "ALLOWED_FORMATS",
    "MAX_FILE_BYTES",
    "Sniffed",
    "check_zip",
    "classify_text",
    "guess_language",
    "sniff",
]
