"""Turn one input item into a complete ``Part``: files, PIL images, ``(bytes, mime)`` pairs.

Every file is sniffed by its bytes; its ``Part`` gets an absolute path, MIME type, sha256, size
and modality, and ``meta["format"]``. PIL images and bytes are written to ``scratch_dir`` (a
private temporary folder by default) under their sha256. ``unima.inputs.request`` builds whole requests
from these parts.

A path the caller names directly may not be a symbolic link out of its folder unless
``follow_symlinks=True`` (``unima.inputs.paths.check_link_stays_in_folder``); paths under a media root
are confined to the root instead. A name that is not UTF-8 is kept exactly in ``Part.path`` and
shown with ``\\xNN`` escapes in errors.
"""

from __future__ import annotations

import hashlib
import io
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from unima.errors import InputError
from unima.files import atomic_write_bytes, file_sha256
from unima.inputs.paths import (
    check_link_stays_in_folder,
    printable_error,
    require_regular_file,
    resolve_media_path,
    shown_path,
)
from unima.inputs.sniff import Sniffed, sniff
from unima.types import MEDIA_MODALITIES, Part, tag_modality

# Sniffed modalities a tag of each modality accepts.
TAG_ACCEPTS: dict[str, frozenset[str]] = {
    "image": frozenset({"image"}),
    "audio": frozenset({"audio"}),
    "video": frozenset({"video"}),
    "document": frozenset({"document", "image"}),
    "code": frozenset({"code"}),
    "threeD": frozenset({"threeD"}),
}


_TEXT_DOCUMENT_MIMES = {
    "text/plain",
    "text/csv",
    "text/markdown",
    "text/tab-separated-values",
    "application/pdf",
}


_CODE_MIMES = {
    "application/json",
    "application/javascript",
    "application/x-python",
    "application/x-sh",
    "application/xml",
}


_EXTENSION_FOR_FORMAT = {"jpeg": ".jpg", "tiff": ".tif", "markdown": ".md", "txt": ".txt"}


_EXTENSION_FOR_MIME = {
    "text/markdown": ".md",
    "text/x-python": ".py",
    "text/csv": ".csv",
    "text/plain": ".txt",
}


_scratch_lock = threading.Lock()


_default_scratch: Path | None = None


def part_from_item(
    item: Any,
    *,
    media_root: Path | None = None,
    scratch_dir: Path | None = None,
    tag: str | None = None,
    follow_symlinks: bool = False,
) -> Part:
    """A ``Part`` for one non-text item: a path, a ``Part``, a PIL image or a ``(bytes, mime)`` pair.

    Args:
        item: The item.
        media_root: The folder relative paths are resolved in (confined to it).
        scratch_dir: Where PIL images and bytes are written.
        tag: A placeholder tag the item must fit.
        follow_symlinks: Read a path that is a symbolic link out of its folder (refused by
            default, naming the link and its target).

    Raises:
        InputError: When the item cannot be accepted.
        UnsafePathError: For a link out of its folder or a path that leaves ``media_root``.
    """
    if isinstance(item, Part):
        return complete_part(item, follow_symlinks=follow_symlinks)
    if isinstance(item, str | Path):
        text = str(item)
        if media_root is not None and not Path(text).is_absolute():
            return part_from_file(
                resolve_media_path(media_root, Path(text).as_posix()), tag=tag, shown=text
            )
        check_link_stays_in_folder(text, follow_symlinks=follow_symlinks)
        return part_from_file(Path(text), tag=tag)
    if _is_bytes_pair(item):
        return part_from_bytes(bytes(item[0]), item[1], scratch_dir=scratch_dir, tag=tag)
    if _is_pil_image(item):
        return part_from_image(item, scratch_dir=scratch_dir, tag=tag)
    raise InputError(
        f"cannot use an input of type {type(item).__name__}; give text, a path, a PIL image, "
        "a (bytes, mime) pair or a Part",
        source=repr(item)[:80],
    )


def part_from_file(
    path: Path,
    *,
    tag: str | None = None,
    modality: str | None = None,
    hint: str | None = None,
    shown: str | None = None,
) -> Part:
    """A ``Part`` for a file, sniffed by its bytes.

    Args:
        path: The file.
        tag: A placeholder tag (``image1``); the file must fit the tag's modality.
        modality: The modality the caller requires (used when there is no tag).
        hint: A modality that only settles ambiguous cases (audio or video container ...).
        shown: How to name the file in errors (the dataset's relative path).

    Raises:
        InputError: When the file is missing, refused, or does not fit ``tag``/``modality``.
    """
    absolute = require_regular_file(Path(path), shown=shown)
    expected = _tag_modality(tag) if tag else modality
    try:
        sniffed = sniff(absolute, hint=expected or hint)
    except InputError as error:
        raise printable_error(error) from None
    checked = _checked_modality(sniffed, expected, tag, shown_path(shown or absolute))
    meta: dict[str, Any] = {"format": sniffed.format}
    if sniffed.language:
        meta["language"] = sniffed.language
    return Part(
        modality=checked,  # type: ignore[arg-type]
        tag=tag,
        path=str(absolute),
        mime=sniffed.mime,
        sha256=file_sha256(absolute),
        size_bytes=absolute.stat().st_size,
        meta=meta,
    )


def part_from_bytes(
    data: bytes, mime: str, *, scratch_dir: Path | None = None, tag: str | None = None
) -> Part:
    """Write ``data`` to the scratch folder and make a ``Part``; the bytes must match ``mime``."""
    if not isinstance(mime, str):
        raise InputError(
            "the MIME type of a (bytes, mime) pair must be a string", source=repr(mime)
        )
    declared = _mime_modality(mime)
    name = "input" + _EXTENSION_FOR_MIME.get(mime.split(";")[0].strip().lower(), "")
    sniffed = sniff(data, name=name, hint=declared)
    if declared is not None and sniffed.modality != declared:
        raise InputError(
            f"declared as {mime} ({declared}) but the bytes are {sniffed.format} ({sniffed.modality})",
            source=f"<{len(data)} bytes>",
        )
    digest = hashlib.sha256(data).hexdigest()
    extension = _EXTENSION_FOR_FORMAT.get(sniffed.format, f".{sniffed.format}")
    if sniffed.format == "source":
        extension = Path(name).suffix or ".txt"
    target = (scratch_dir or _scratch()) / f"{digest}{extension}"
    if not target.exists():
        atomic_write_bytes(target, data)
    return part_from_file(target, tag=tag, hint=sniffed.modality)


def part_from_image(image: Any, *, scratch_dir: Path | None = None, tag: str | None = None) -> Part:
    """Save a PIL image as PNG in the scratch folder and make a ``Part`` of it."""
    buffer = io.BytesIO()
    try:
        image.save(buffer, format="PNG")
    except (OSError, ValueError, KeyError):
        # Modes PNG cannot store (CMYK, YCbCr, LAB, HSV, F): convert, keeping any alpha.
        buffer = io.BytesIO()
        image.convert("RGBA" if "A" in image.getbands() else "RGB").save(buffer, format="PNG")
    return part_from_bytes(buffer.getvalue(), "image/png", scratch_dir=scratch_dir, tag=tag)


def complete_part(part: Part, *, follow_symlinks: bool = False) -> Part:
    """Check a caller-made ``Part`` and fill in its file facts (mime, sha256, size, format).

    A part whose file facts are all filled in was made by ``part_from_file`` (or vouched for
    by its maker) and is only checked to still be a regular file; any other part is read like a
    path the caller named, so a symbolic link out of its folder is refused unless
    ``follow_symlinks``.
    """
    if part.modality == "text":
        if not (part.text or "").strip():
            raise InputError("a text part needs non-empty text", source=part.tag or "text part")
        return part
    if not part.path:
        raise InputError(
            f"a {part.modality} part needs a local file path (URLs are not fetched)",
            source=part.tag or part.modality,
        )
    if part.mime and part.sha256 and part.size_bytes is not None and "format" in part.meta:
        require_regular_file(Path(part.path))
        return part
    check_link_stays_in_folder(part.path, follow_symlinks=follow_symlinks)
    fresh = part_from_file(Path(part.path), tag=part.tag, modality=part.modality)
    return fresh.model_copy(update={"meta": {**part.meta, **fresh.meta}})


def _checked_modality(sniffed: Sniffed, expected: str | None, tag: str | None, shown: str) -> str:
    if expected is None:
        return sniffed.modality
    if expected not in TAG_ACCEPTS:
        raise InputError(
            f"{expected!r} is not a media modality ({', '.join(MEDIA_MODALITIES)})", source=shown
        )
    if sniffed.modality not in TAG_ACCEPTS[expected]:
        claimed = f"tagged <{tag}> ({expected})" if tag else f"expected {expected}"
        raise InputError(
            f"{claimed} but the file is {sniffed.format} ({sniffed.modality}, {sniffed.mime})",
            source=shown,
        )
    return expected


def _tag_modality(tag: str) -> str:
    try:
        return tag_modality(tag)
    except (ValueError, TypeError):
        raise InputError(
            f"{tag!r} is not a placeholder tag; use a modality and a number, e.g. image1 ({', '.join(MEDIA_MODALITIES)})",
            source=repr(tag),
        ) from None


def _mime_modality(mime: str) -> str | None:
    """The modality a declared MIME type claims; ``None`` when it claims nothing."""
    essence = mime.split(";")[0].strip().lower()
    if essence in ("", "application/octet-stream"):
        return None
    major = essence.split("/")[0]
    if major in ("image", "audio", "video"):
        return major
    if major == "model":
        return "threeD"
    if essence in _TEXT_DOCUMENT_MIMES or "officedocument" in essence:
        return "document"
    if major == "text" or essence in _CODE_MIMES:
        return "code"
    raise InputError(
        f"MIME type {mime!r} is not accepted; give an image, audio, video, document, code or 3D type",
        source=mime,
    )


def _is_bytes_pair(item: Any) -> bool:
    return (
        isinstance(item, tuple)
        and len(item) == 2
        and isinstance(item[0], bytes | bytearray | memoryview)
        and isinstance(item[1], str)
    )


def _is_pil_image(item: Any) -> bool:
    # Only true if the caller already imported Pillow, so this check never imports it.
    image_module = sys.modules.get("PIL.Image")
    return image_module is not None and isinstance(item, image_module.Image)


def _scratch() -> Path:
    global _default_scratch
    with _scratch_lock:
        if _default_scratch is None:
            _default_scratch = Path(tempfile.mkdtemp(prefix="unima-inputs-"))
        return _default_scratch
