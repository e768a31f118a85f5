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
- Every file is sniffed by its bytes (``unima.inputs.parts``: one item to one complete ``Part``).
- A file named directly (not under ``media_root``) that is a symbolic link out of its own folder
  is refused, naming the link and its target, unless ``follow_symlinks=True``.
- A file name that is not UTF-8 is kept exactly (surrogate escapes in ``Part.path``, restored
  from ``path_bytes`` when read back from JSON) and shown with ``\\xNN`` escapes.
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
  accepts an image (UniM has scanned documents as PNG). So does a list: a PNG passed with a text
  that names ``<document1>`` and no image placeholder is that document (a scanned page).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from unima.errors import InputError
from unima.filenames import shown_path
from unima.inputs.parts import (
    TAG_ACCEPTS,
    _is_bytes_pair,
    _tag_modality,
    part_from_file,
    part_from_item,
)
from unima.inputs.paths import resolve_media_path
from unima.types import (
    PLACEHOLDER_PATTERN,
    Part,
    Request,
    placeholder_tags,
)

MAX_TEXT_CHARS = 1_000_000


def build_request(
    inputs: Any,
    *,
    media_root: Path | str | None = None,
    scratch_dir: Path | str | None = None,
    follow_symlinks: bool = False,
) -> Request:
    """Turn ``inputs`` into a validated ``Request`` (see the module docstring for the rules).

    Args:
        inputs: A string, a ``Request``, a UniM instance dict, one item, or a list of items.
        media_root: The folder UniM ``modal`` paths (and relative path strings in a list) are
            resolved in; nothing outside it can be reached.
        scratch_dir: Where PIL images and ``(bytes, mime)`` pairs are written.
        follow_symlinks: Read files that are symbolic links out of the folder they sit in
            (refused by default). Paths under ``media_root`` never leave it either way.

    Raises:
        InputError: For an empty request, a missing or unreadable file, a refused format, a
            tag that does not fit its file, or a placeholder that names no input.
        UnsafePathError: For a media path that would leave ``media_root``, or a symbolic link
            out of its folder without ``follow_symlinks``.
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
            parts.append(
                part_from_item(
                    item, media_root=root, scratch_dir=scratch, follow_symlinks=follow_symlinks
                )
            )
    text = _check_text(
        "\n\n".join(piece.strip() for piece in texts if piece.strip()), allow_empty=bool(parts)
    )
    return _bind(text, _assign_tags(parts, text), kind="items", source={"kind": "items"})


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
    source["media_root"] = shown_path(root) if root is not None else None
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


def _assign_tags(parts: list[Part], text: str = "") -> list[Part]:
    used: set[str] = set()
    for part in parts:
        if part.tag is None:
            continue
        if part.tag in used:
            raise InputError(
                f"two inputs carry the same tag <{part.tag}>",
                source=shown_path(part.path or part.tag),
            )
        if _tag_modality(part.tag) != part.modality:
            raise InputError(
                f"tag <{part.tag}> does not fit a {part.modality} input",
                source=shown_path(part.path or part.tag),
            )
        used.add(part.tag)
    mentioned = list(dict.fromkeys(placeholder_tags(text)))
    tagged = []
    for part in parts:
        if part.tag is None:
            other = _other_tag_for(part, mentioned, used)
            if other is not None:  # a scanned page named <document1>: that document
                part = part.model_copy(update={"tag": other, "modality": _tag_modality(other)})
                used.add(other)
                tagged.append(part)
                continue
            number = 1
            while f"{part.modality}{number}" in used:
                number += 1
            part = part.model_copy(update={"tag": f"{part.modality}{number}"})
            used.add(part.tag)  # type: ignore[arg-type]
        tagged.append(part)
    return tagged


def _other_tag_for(part: Part, mentioned: list[str], used: set[str]) -> str | None:
    """The tag of another modality the text names for ``part`` (an image named <document1>).

    Only when the text names no free tag of the part's own modality, and names one free tag of
    a modality that accepts it (``TAG_ACCEPTS``: a document tag accepts a scanned page).
    """
    free = [tag for tag in mentioned if tag not in used]
    if any(_tag_modality(tag) == part.modality for tag in free):
        return None
    return next(
        (
            tag
            for tag in free
            if _tag_modality(tag) != part.modality
            and part.modality in TAG_ACCEPTS.get(_tag_modality(tag), frozenset())
        ),
        None,
    )


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
