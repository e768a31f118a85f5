"""File names made from untrusted text: placeholder tags, suffixes, run ids, generated names.

A tag such as ``image1`` names the copy of a file in ``media/`` or ``<page>_media/``; a run id
names ``traces/<run id>.json``; a suffix comes from a file a model or a sandbox wrote. All of
them can arrive from a request, a model's plan or a shared trace, so a tag of
``../../../dir/pwned`` or a suffix holding an escape sequence must never reach ``open()``.
Tags and run ids are checked against strict patterns (refused, naming the value); suffixes and
free names are cleaned (kept readable, never refused).
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

from unima.errors import UnsafePathError
from unima.modalities import MEDIA_MODALITIES

# ASCII digits only: ``\d`` would also take Arabic-Indic or full-width digits.
TAG_PATTERN = re.compile(rf"({'|'.join(MEDIA_MODALITIES)})([0-9]{{1,6}})")
RUN_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
SUFFIX_PATTERN = re.compile(r"\.[a-z0-9]{1,10}")
MAX_NAME_BYTES = 200

_UNSAFE_NAME_CHARACTERS = re.compile(
    r"[\x00-\x1f\x7f-\x9f/\\:*?\"<>|\u200e\u200f\u2028-\u202e\u2066-\u2069]"
)


def check_tag(tag: object) -> str:
    """Return ``tag`` if it is a placeholder tag that is safe as a file name (``image1``).

    Args:
        tag: A tag from a request, a plan, a response or a trace.

    Raises:
        UnsafePathError: When ``tag`` is not ``<modality><number>`` with a media modality and
            at most six ASCII digits (so no ``/``, ``..``, control characters or spaces).
    """
    if not isinstance(tag, str) or TAG_PATTERN.fullmatch(tag) is None:
        shown = repr(tag)[:80]
        raise UnsafePathError(
            "not a placeholder tag, so it cannot name a file; tags are a modality and a number "
            f"({', '.join(MEDIA_MODALITIES)}), e.g. image1 or threeD2",
            source=shown,
        )
    return tag


def check_run_id(run_id: object) -> str:
    """Return ``run_id`` if it is safe as a file and folder name.

    Raises:
        UnsafePathError: When the id is not 1-128 letters, digits, ``.``, ``_`` or ``-``
            starting with a letter or digit.
    """
    if not isinstance(run_id, str) or RUN_ID_PATTERN.fullmatch(run_id) is None:
        raise UnsafePathError(
            "a run id must be 1-128 letters, digits, '.', '_' or '-', starting with a letter "
            "or digit (it names the trace file and the run's work folder)",
            source=repr(run_id)[:80],
        )
    return run_id


def safe_suffix(suffix: str) -> str:
    """A file suffix (``.png``) lower-cased, or ``""`` when it is not plain letters and digits."""
    lowered = suffix.lower()
    return lowered if SUFFIX_PATTERN.fullmatch(lowered) else ""


def tag_file_name(tag: object, suffix: str = "") -> str:
    """``<tag><suffix>`` for a checked tag and a cleaned suffix (``image1.png``).

    Raises:
        UnsafePathError: When ``tag`` is not a placeholder tag (see ``check_tag``).
    """
    return f"{check_tag(tag)}{safe_suffix(suffix)}"


def safe_file_name(name: str, *, fallback: str = "file") -> str:
    """``name`` made into one harmless path component, readable where it was harmless.

    Control, bidi and path-separator characters become ``_``; the name is NFC-normalised, may
    not start with a dot (no hidden files, no ``..``), and is cut to ``MAX_NAME_BYTES`` bytes
    keeping its suffix. An empty result becomes ``fallback``.
    """
    cleaned = _UNSAFE_NAME_CHARACTERS.sub("_", unicodedata.normalize("NFC", name)).strip()
    cleaned = cleaned.lstrip(".") or fallback
    if len(cleaned.encode("utf-8")) <= MAX_NAME_BYTES:
        return cleaned
    stem, dot, tail = cleaned.rpartition(".")
    suffix = safe_suffix(f".{tail}") if dot else ""
    head = (stem if suffix else cleaned).encode("utf-8")[: MAX_NAME_BYTES - len(suffix)]
    return head.decode("utf-8", errors="ignore") + suffix


# Surrogate code points: how Python holds the bytes of a file name that is not UTF-8.
_SURROGATE_PATTERN = re.compile("[\ud800-\udfff]")


def shown_path(path: Path | str) -> str:
    """``path`` as text that is always valid UTF-8, for messages, metadata and terminals.

    Undecodable bytes of a file name (held by Python as surrogate escapes) are written as
    ``\\xNN``; every other name comes back unchanged.
    """
    return valid_utf8(os.fspath(path))


def valid_utf8(text: str) -> str:
    """``text`` with surrogate escapes written as ``\\xNN``, so it always encodes as UTF-8.

    Text that quotes an undecodable file name (a prompt, a message) would otherwise fail the
    moment it is encoded, e.g. in the JSON body of a model request.
    """
    if not _SURROGATE_PATTERN.search(text):
        return text
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that stands for no byte
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return raw.decode("utf-8", "backslashreplace")
