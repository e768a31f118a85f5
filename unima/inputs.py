"""Build a ``Request`` from what a user or a dataset hands unima.

Accepted inputs (``build_request``):

- a ``str``: the request text, nothing attached;
- a ``Request``: returned as is;
- a UniM instance ``{"input": {"content": text, "modal": {tag: relative path}}, ...}`` with
  ``media_root=`` (every path is resolved with ``resolve_media_path``, so it cannot escape);
- one item or a list of items: strings, ``pathlib.Path``, PIL images, ``(bytes, mime)`` pairs and
  ``Part`` records.

Decisions, in one place:

- A string in a list is a file path only when it is a single line without surrounding
  whitespace and names an existing file (under ``media_root`` when given, contained there);
  every other string is text. Pass a ``Path`` to force a path, or
  ``Part(modality="text", text=...)`` to force text.
- Every file is sniffed by its bytes; its ``Part`` gets an absolute path, MIME type, sha256,
  size and modality, and ``meta["format"]``. PIL images and bytes are written to ``scratch_dir``
  (a private temporary folder by default) under their sha256.
- Tags: a part keeps a tag it already has (UniM tags, tagged ``Part`` records); every other part
  gets the next free tag of its modality (``image1``, ``image2`` ...), in order, so
  ``["Describe <image1>", Path("cat.png")]`` binds the cat to ``<image1>``.
- A placeholder in the text with no part is refused, unless its number comes after every input
  tag of its modality: UniM numbers outputs after inputs, so such a tag ("... and an <audio1>"
  with no input audio) names an output; it is listed in ``source["output_tags"]``.
- A part the text never mentions: for list inputs, unima chose the tag, so it appends
  ``(attached: <image1>)`` to the text to keep the text self-contained; a UniM instance's content
  stays verbatim and the tag is listed in ``source["unreferenced_tags"]``.
- A UniM tag must fit its file: ``image1`` must be an image, and so on; a ``document`` tag also
  accepts an image (UniM has scanned documents as PNG).
"""

from __future__ import annotations

import io
import re
import sys
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from unima.errors import InputError
from unima.paths import require_regular_file, resolve_media_path
from unima.perception.sniff import Sniffed, sniff
from unima.trace.store import atomic_write_bytes, file_sha256
from unima.types import (
    MEDIA_MODALITIES,
    PLACEHOLDER_PATTERN,
    Part,
    Request,
    placeholder_tags,
    tag_modality,
)

MAX_TEXT_CHARS = 1_000_000

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


def build_request(
    inputs: Any, *, media_root: Path | str | None = None, scratch_dir: Path | str | None = None
) -> Request:
    """Turn ``inputs`` into a validated ``Request`` (see the module docstring for the rules).

    Args:
        inputs: A string, a ``Request``, a UniM instance dict, one item, or a list of items.
        media_root: The folder UniM ``modal`` paths (and relative path strings in a list) are
            resolved in; nothing outside it can be reached.
        scratch_dir: Where PIL images and ``(bytes, mime)`` pairs are written.

    Raises:
        InputError: For an empty request, a missing or unreadable file, a refused format, a
            tag that does not fit its file, or a placeholder that names no input.
        UnsafePathError: For a media path that would leave ``media_root``.
    """
    if isinstance(inputs, Request):
        return inputs
    root = Path(media_root) if media_root is not None else None
    scratch = Path(scratch_dir) if scratch_dir is not None else None
    if isinstance(inputs, str):
        return _bind(_check_text(inputs), [], kind="text", source={"kind": "text"})
    if isinstance(inputs, Mapping):
        return _from_unim(inputs, root)
    items = (
        list(inputs)
        if isinstance(inputs, list) or (isinstance(inputs, tuple) and not _is_bytes_pair(inputs))
        else [inputs]
    )
    texts: list[str] = []
    parts: list[Part] = []
    for item in items:
        if isinstance(item, str) and not _names_file(item, root):
            texts.append(item)
        elif isinstance(item, Part) and item.modality == "text":
            texts.append(item.text or "")
        else:
            parts.append(part_from_item(item, media_root=root, scratch_dir=scratch))
    text = _check_text(
        "\n\n".join(piece.strip() for piece in texts if piece.strip()), allow_empty=bool(parts)
    )
    return _bind(text, _assign_tags(parts), kind="items", source={"kind": "items"})


def part_from_item(
    item: Any,
    *,
    media_root: Path | None = None,
    scratch_dir: Path | None = None,
    tag: str | None = None,
) -> Part:
    """A ``Part`` for one non-text item: a path, a ``Part``, a PIL image or a ``(bytes, mime)`` pair."""
    if isinstance(item, Part):
        return complete_part(item)
    if isinstance(item, str | Path):
        text = str(item)
        if media_root is not None and not Path(text).is_absolute():
            return part_from_file(
                resolve_media_path(media_root, Path(text).as_posix()), tag=tag, shown=text
            )
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
    sniffed = sniff(absolute, hint=expected or hint)
    checked = _checked_modality(sniffed, expected, tag, shown or str(absolute))
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
    import hashlib

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


def complete_part(part: Part) -> Part:
    """Check a caller-made ``Part`` and fill in its file facts (mime, sha256, size, format)."""
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
    fresh = part_from_file(Path(part.path), tag=part.tag, modality=part.modality)
    return fresh.model_copy(update={"meta": {**part.meta, **fresh.meta}})


def _from_unim(instance: Mapping[str, Any], root: Path | None) -> Request:
    label = "UniM instance " + "/".join(
        str(instance[key]) for key in ("domain", "subdomain", "id") if key in instance
    )
    request_input = instance.get("input")
    if not isinstance(request_input, Mapping):
        raise InputError('needs an "input" object with "content" and "modal"', source=label)
    content = request_input.get("content", "")
    modal = request_input.get("modal") or {}
    if not isinstance(content, str) or not isinstance(modal, Mapping):
        raise InputError(
            '"input.content" must be a string and "input.modal" an object', source=label
        )
    if modal and root is None:
        raise InputError(
            "has media files; pass media_root= (the folder its modal paths are relative to)",
            source=label,
        )
    mentioned = list(dict.fromkeys(placeholder_tags(content)))
    order = [tag for tag in mentioned if tag in modal] + [
        tag for tag in modal if tag not in mentioned
    ]
    parts = []
    for tag in order:
        relative = modal[tag]
        try:
            modality = _tag_modality(tag)
            resolved = resolve_media_path(root, relative)  # type: ignore[arg-type]  # root is set when modal is
            parts.append(part_from_file(resolved, tag=tag, hint=modality, shown=str(relative)))
        except InputError as error:
            raise type(error)(str(error), source=f"{label} <{tag}>") from None
    source = {
        "kind": "unim",
        **{
            key: instance[key]
            for key in ("domain", "subdomain", "id", "difficulty_level")
            if key in instance
        },
    }
    source["media_root"] = str(root) if root is not None else None
    return _bind(
        _check_text(content, allow_empty=bool(parts), shown=label),
        parts,
        kind="unim",
        source=source,
    )


def _bind(text: str, parts: list[Part], *, kind: str, source: dict[str, Any]) -> Request:
    """Check placeholders against parts, then note or append unreferenced tags."""
    by_tag = {part.tag: part for part in parts}
    highest: dict[str, int] = {}
    for part in parts:
        modality, number = _split_tag(part.tag or "")
        highest[modality] = max(highest.get(modality, 0), number)
    mentioned = list(dict.fromkeys(placeholder_tags(text)))
    output_tags = []
    for tag in mentioned:
        if tag in by_tag:
            continue
        modality, number = _split_tag(tag)
        if number <= highest.get(modality, 0):
            given = ", ".join(f"<{part.tag}>" for part in parts if part.modality == modality)
            raise InputError(
                f"the text refers to <{tag}> but no such input was given (inputs: {given})",
                source=source.get("id", kind),
            )
        output_tags.append(tag)
    unreferenced = [part.tag for part in parts if part.tag not in mentioned]
    if unreferenced and kind == "items":
        text = (
            (text + "\n\n" if text else "")
            + "(attached: "
            + ", ".join(f"<{tag}>" for tag in unreferenced)
            + ")"
        )
    elif unreferenced:
        source["unreferenced_tags"] = unreferenced
    if output_tags:
        source["output_tags"] = output_tags
    return Request(text=text, parts=tuple(parts), source=source)


def _assign_tags(parts: list[Part]) -> list[Part]:
    used: set[str] = set()
    for part in parts:
        if part.tag is None:
            continue
        if part.tag in used:
            raise InputError(
                f"two inputs carry the same tag <{part.tag}>", source=part.path or part.tag
            )
        if _tag_modality(part.tag) != part.modality:
            raise InputError(
                f"tag <{part.tag}> does not fit a {part.modality} input",
                source=part.path or part.tag,
            )
        used.add(part.tag)
    tagged = []
    for part in parts:
        if part.tag is None:
            number = 1
            while f"{part.modality}{number}" in used:
                number += 1
            part = part.model_copy(update={"tag": f"{part.modality}{number}"})
            used.add(part.tag)  # type: ignore[arg-type]
        tagged.append(part)
    return tagged


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


def _split_tag(tag: str) -> tuple[str, int]:
    match = PLACEHOLDER_PATTERN.fullmatch(f"<{tag}>")
    return (match.group(1), int(match.group(2))) if match else ("", 0)


def _check_text(text: str, *, allow_empty: bool = False, shown: str = "request text") -> str:
    if len(text) > MAX_TEXT_CHARS:
        raise InputError(
            f"the request text has {len(text)} characters, over the limit of {MAX_TEXT_CHARS}",
            source=shown,
        )
    if not text.strip() and not allow_empty:
        raise InputError("the request is empty: give some text or at least one file", source=shown)
    return text


def _names_file(text: str, root: Path | None) -> bool:
    """Whether a string in a list is a file path (single line, no padding, an existing file)."""
    if not text or text != text.strip() or re.search(r"[\r\n\t\x00]", text) or len(text) > 4096:
        return False
    if PLACEHOLDER_PATTERN.search(text):
        return False
    candidate = Path(text)
    if root is not None and not candidate.is_absolute():
        candidate = root / candidate
    try:
        return candidate.is_file()
    except (OSError, ValueError):
        return False


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
