"""Reading an openai-compatible model's answer: the JSON reply, its media, saved and bound.

The answer format (explained to the model by ``prompts/bench_openai.j2``) is one JSON object::

    {"content": "text with <image2> and <audio1>",
     "media": {"image2": {"data": "data:image/png;base64,..."},
               "audio1": {"base64": "UklGR...", "mime": "audio/wav"},
               "code1": {"text": "print(1)", "filename": "main.py"},
               "video1": {"url": "https://..."}}}

A media entry may also be a bare string: a ``data:`` URI, an http(s) URL, or base64. The JSON may
sit inside a fenced block or amid prose. Every item is decoded under a size cap, identified by its
bytes (``unima.inputs.sniff.sniff``, never by the claimed MIME type), checked against its
tag's modality and written to ``<tag><suffix>``. URLs are fetched only with ``allow_urls``.

Nothing here raises on a bad reply: a reply that is not the format keeps its whole text as the
content, and every rejected item is a problem in the result (status ``partial``), so a malformed
answer is still scored instead of lost.
"""

from __future__ import annotations

import base64
import binascii
import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from unima.bench.models import TAG_PATTERN, save_bytes
from unima.bench.records import Answer, AnswerStatus
from unima.errors import InputError, ReasonerError, UnimaError
from unima.inputs.sniff import sniff
from unima.llm.prompts import extract_json
from unima.types import placeholder_tags, tag_modality

DATA_URI = re.compile(r"data:(?P<mime>[\w.+-]+/[\w.+-]+)?(?P<params>(?:;[\w.+-]+=?[\w.+-]*)*),")
# Suffix per sniffed format; audio in an MP4 container is named .m4a below.
FORMAT_SUFFIX = {
    "png": ".png", "jpeg": ".jpg", "gif": ".gif", "webp": ".webp", "bmp": ".bmp",
    "tiff": ".tiff", "wav": ".wav", "mp3": ".mp3", "flac": ".flac", "ogg": ".ogg",
    "m4a": ".m4a", "mp4": ".mp4", "webm": ".webm", "mka": ".mka", "mov": ".mov",
    "avi": ".avi", "mkv": ".mkv", "ogv": ".ogv", "pdf": ".pdf", "docx": ".docx",
    "xlsx": ".xlsx", "csv": ".csv", "tsv": ".tsv", "markdown": ".md", "txt": ".txt",
    "glb": ".glb", "gltf": ".gltf", "ply": ".ply", "stl": ".stl", "obj": ".obj", "off": ".off",
}  # fmt: skip
LANGUAGE_SUFFIX = {
    "python": ".py", "javascript": ".js", "typescript": ".ts", "java": ".java", "c": ".c",
    "c++": ".cpp", "cpp": ".cpp", "go": ".go", "rust": ".rs", "ruby": ".rb", "bash": ".sh",
    "shell": ".sh", "html": ".html", "css": ".css", "sql": ".sql", "r": ".r", "matlab": ".m",
}  # fmt: skip
# What a code entry without a file name is called, so the sniffer can pick the language.
DEFAULT_CODE_NAME = "code.txt"


@dataclass(frozen=True)
class ReplyLimits:
    """Bounds on what a reply may make the harness write or fetch.

    Attributes:
        max_media_bytes: largest decoded media item.
        max_media_items: media entries read per reply (the rest are refused).
        allow_urls: fetch http(s) URLs of generated media (off: this is often an offline run).
        url_timeout_s: time limit per fetch.
    """

    max_media_bytes: int = 50 * 2**20
    max_media_items: int = 24
    allow_urls: bool = False
    url_timeout_s: float = 60.0


def read_reply(
    reply: str, out_dir: Path, limits: ReplyLimits, *, audio: bytes | None = None
) -> Answer:
    """Turn a model reply into a prediction with its media saved under ``out_dir``.

    Args:
        reply: the assistant message text.
        out_dir: where the media go, as ``<tag><suffix>``.
        limits: size and fetch bounds.
        audio: audio the endpoint returned beside the text (OpenAI audio models'
            ``message.audio.data``); it is bound to the first audio placeholder left without
            media.
    """

    problems: list[str] = []
    content, media = _parse(reply, problems)
    tags = list(dict.fromkeys(placeholder_tags(content)))
    modal: dict[str, Path] = {}
    for index, (tag, entry) in enumerate(media.items()):
        if index >= limits.max_media_items:
            problems.append(f"media beyond the first {limits.max_media_items} items were ignored")
            break
        if tag not in tags:
            problems.append(f"media {tag!r} is not a placeholder in the content; ignored")
            continue
        try:
            modal[tag] = _save_entry(tag, entry, out_dir, limits)
        except UnimaError as error:  # InputError and what sniffing refuses
            problems.append(f"<{tag}>: {error}")
    if audio is not None:
        waiting = [tag for tag in tags if tag.startswith("audio") and tag not in modal]
        if waiting:
            try:
                modal[waiting[0]] = _save_data(waiting[0], audio, None, out_dir, limits)
            except InputError as error:
                problems.append(f"<{waiting[0]}>: the returned audio: {error}")
        else:
            problems.append("the endpoint returned audio, but no audio placeholder was free")
    missing = [tag for tag in tags if tag not in modal]
    if missing:
        problems.append(f"placeholders without media: {', '.join(missing)}")
    ordered = {tag: modal[tag] for tag in tags if tag in modal}
    status: AnswerStatus = "ok"
    if not content.strip() and not ordered:
        status = "failed"
    elif problems:
        status = "partial"
    return Answer(content=content, modal=ordered, status=status, problems=tuple(problems))


def _parse(reply: str, problems: list[str]) -> tuple[str, dict[str, Any]]:
    """The content and the media entries, or the whole reply as content when it is not JSON."""

    try:
        answer = extract_json(reply)
    except ReasonerError:
        problems.append("the reply is not the JSON answer format; its text is kept as the answer")
        return reply.strip(), {}
    if not isinstance(answer, dict) or not isinstance(answer.get("content"), str):
        problems.append('the reply JSON has no "content" string; its text is kept as the answer')
        return reply.strip(), {}
    media = answer.get("media", {})
    if not isinstance(media, dict):
        problems.append(f'"media" must be an object of tag -> item, not {type(media).__name__}')
        media = {}
    valid = {}
    for tag, entry in media.items():
        if not isinstance(tag, str) or TAG_PATTERN.fullmatch(tag) is None or tag.startswith("text"):
            problems.append(f"media key {str(tag)[:40]!r} is not a placeholder tag; ignored")
        else:
            valid[tag] = entry
    return answer["content"], valid


def _save_entry(tag: str, entry: Any, out_dir: Path, limits: ReplyLimits) -> Path:
    """Decode one media entry and save it; raises ``InputError`` saying what is wrong."""
    if isinstance(entry, str):
        entry = _classify_string(entry)
    if not isinstance(entry, dict):
        raise InputError(f"a media item must be an object or a string, not {type(entry).__name__}")
    kinds = [key for key in ("data", "base64", "text", "url") if key in entry]
    if len(kinds) != 1:
        raise InputError('a media item needs exactly one of "data", "base64", "text", "url"')
    kind, value = kinds[0], entry[kinds[0]]
    if not isinstance(value, str):
        raise InputError(f'"{kind}" must be a string')
    filename = entry.get("filename") if isinstance(entry.get("filename"), str) else None
    if kind == "data":
        data = _decode_data_uri(value, limits)
    elif kind == "base64":
        data = _decode_base64(value, limits)
    elif kind == "text":
        data = value.encode("utf-8")
        _check_size(len(data), limits)
        filename = filename or (DEFAULT_CODE_NAME if tag.startswith("code") else "document.txt")
    else:
        data = _fetch(value, limits)
    return _save_data(tag, data, filename, out_dir, limits)


def _classify_string(value: str) -> dict[str, str]:
    stripped = value.strip()
    if stripped.startswith("data:"):
        return {"data": stripped}
    if re.match(r"https?://", stripped, re.IGNORECASE):
        return {"url": stripped}
    return {"base64": stripped}


def _save_data(
    tag: str, data: bytes, filename: str | None, out_dir: Path, limits: ReplyLimits
) -> Path:

    _check_size(len(data), limits)
    modality = tag_modality(tag)
    name = Path(filename).name if filename else None
    found = sniff(data, name=name, hint=modality)
    if found.modality != modality:
        raise InputError(
            f"the item is {found.modality} ({found.mime}), but the placeholder needs {modality}"
        )
    return save_bytes(data, out_dir, tag, _suffix(found.format, modality, name, found.language))


def _suffix(file_format: str, modality: str, name: str | None, language: str | None) -> str:
    if modality == "audio" and file_format == "mp4":
        return ".m4a"
    if file_format in FORMAT_SUFFIX:
        return FORMAT_SUFFIX[file_format]
    given = Path(name).suffix.lower() if name else ""
    if re.fullmatch(r"\.[a-z0-9]{1,8}", given) and given != ".txt":
        return given
    return LANGUAGE_SUFFIX.get((language or "").lower(), ".txt")


def _check_size(size: int, limits: ReplyLimits) -> None:
    if size > limits.max_media_bytes:
        raise InputError(f"the item is over the {limits.max_media_bytes}-byte limit")
    if size == 0:
        raise InputError("the item is empty")


def _decode_base64(value: str, limits: ReplyLimits) -> bytes:
    compact = "".join(value.split())
    # Refuse before decoding: the encoded form is 4/3 of the bytes.
    _check_size(len(compact) * 3 // 4 - 2, limits)
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        try:
            return base64.urlsafe_b64decode(compact)
        except (binascii.Error, ValueError) as error:
            raise InputError(f"the base64 data does not decode ({error})") from None


def _decode_data_uri(value: str, limits: ReplyLimits) -> bytes:
    match = DATA_URI.match(value.strip())
    if match is None:
        raise InputError(f"not a data: URI: {value[:40]!r}")
    payload = value.strip()[match.end() :]
    if ";base64" in match.group("params").lower():
        return _decode_base64(payload, limits)
    _check_size(len(payload), limits)
    return urllib.parse.unquote_to_bytes(payload)


def _fetch(url: str, limits: ReplyLimits) -> bytes:
    """The bytes at an http(s) URL, read in chunks and refused past the size cap."""
    if not limits.allow_urls:
        raise InputError(
            f"the media URL {url[:80]!r} was not fetched: URLs are off (option allow_urls=True)"
        )
    if urllib.parse.urlsplit(url).scheme.lower() not in ("http", "https"):
        raise InputError(f"only http and https URLs are fetched, not {url[:80]!r}")

    received = bytearray()
    try:
        with (
            httpx.Client(timeout=limits.url_timeout_s, follow_redirects=True) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code != 200:
                raise InputError(f"fetching {url[:80]!r} answered HTTP {response.status_code}")
            for chunk in response.iter_bytes():
                received.extend(chunk)
                if len(received) > limits.max_media_bytes:
                    raise InputError(
                        f"{url[:80]!r} is over the {limits.max_media_bytes}-byte limit"
                    )
    except httpx.HTTPError as error:
        raise InputError(f"fetching {url[:80]!r} failed: {error}") from None
    return bytes(received)
