"""The host-side collector: copies what the sandbox wrote under ``outputs/`` to a host folder.

Everything under ``outputs/`` was written by untrusted code (S27): it may be a symlink to
``~/.ssh/id_rsa``, a hardlink, a FIFO that blocks a reader forever, a sparse terabyte file or a
folder loop; the code may even replace ``outputs/`` or ``.unima/`` themselves by links to host
folders. Every path below the run folder is therefore opened one component at a time with
``O_NOFOLLOW`` relative to its parent's descriptor (a link is never followed at any level). The
collector accepts regular files with one link only, checks sizes with ``fstat`` before reading,
caps both the file count and the bytes read, and parses JSON with its nesting depth bounded.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from unima.errors import InputError
from unima.tools.sandbox.records import SandboxLimits
from unima.untrusted_json import load_untrusted_json

MAX_DEPTH = 8
_OPEN_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_OPEN_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


def open_folder_beneath(base: Path, parts: Sequence[str]) -> int:
    """Open ``base/part/part/...`` as a directory without following a link at any level.

    ``base`` is a folder the host made and trusts; each of ``parts`` is opened relative to the
    descriptor of its parent with ``O_NOFOLLOW``, so a component the code replaced by a link
    fails with ``ELOOP``/``ENOTDIR`` instead of leading out of the run folder.

    Raises:
        OSError: a component is missing, a link or not a folder.
    """
    descriptor = os.open(base, _OPEN_DIRECTORY)
    try:
        for part in parts:
            if part in ("", ".", "..") or "/" in part:
                raise OSError(errno.EINVAL, f"not a single path component: {part!r}")
            child = os.open(part, _OPEN_DIRECTORY, dir_fd=descriptor)
            os.close(descriptor)
            descriptor = child
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor


def read_untrusted_file(
    name: str, max_bytes: int, *, dir_fd: int | None = None
) -> tuple[bytes | None, str]:
    """Read a regular, singly linked file of at most ``max_bytes``; else ``(None, reason)``."""
    try:
        descriptor = os.open(name, _OPEN_FILE, dir_fd=dir_fd)
    except OSError as error:
        return None, f"cannot open without following links ({error.strerror})"
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            return None, "not a regular file"
        if info.st_nlink != 1:
            return None, f"has {info.st_nlink} hard links"
        if info.st_size > max_bytes:
            return None, f"{info.st_size} bytes is over the {max_bytes}-byte limit"
        chunks = []
        remaining = max_bytes + 1
        while remaining > 0:
            chunk = os.read(descriptor, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        data = b"".join(chunks)
        if len(data) > max_bytes:
            return None, f"grew past the {max_bytes}-byte limit while read"
        return data, ""
    finally:
        os.close(descriptor)


def collect_outputs(
    base: Path, outputs: Sequence[str], destination: Path, limits: SandboxLimits
) -> tuple[dict[str, Path], list[str]]:
    """Copy the safe files under ``base/outputs...`` to ``destination``.

    Args:
        base: a folder the host made (the run folder).
        outputs: the components leading from ``base`` to the outputs folder, each opened
            without following links (``("job", "outputs")``).
        destination: the host folder receiving the copies.
        limits: the file count and size limits.

    Returns:
        The copied files by relative path, and one ``"<path>: <reason>"`` line per refused entry.
    """
    files: dict[str, Path] = {}
    skipped: list[str] = []
    try:
        root = open_folder_beneath(base, outputs)
    except OSError as error:
        reason = (
            "it or a folder above it is a link" if error.errno == errno.ELOOP else error.strerror
        )
        return files, [f"outputs/: cannot be opened without following links ({reason})"]
    try:
        _collect_folder(root, "", destination, limits, files, skipped, depth=0)
    finally:
        os.close(root)
    return files, skipped


def _collect_folder(
    folder_fd: int,
    prefix: str,
    destination: Path,
    limits: SandboxLimits,
    files: dict[str, Path],
    skipped: list[str],
    depth: int,
) -> None:
    for name in sorted(os.listdir(folder_fd)):
        relative = f"{prefix}{name}"
        try:
            info = os.stat(name, dir_fd=folder_fd, follow_symlinks=False)
        except OSError as error:
            skipped.append(f"{relative}: cannot be examined ({error.strerror})")
            continue
        if stat.S_ISDIR(info.st_mode):
            if depth + 1 >= MAX_DEPTH:
                skipped.append(f"{relative}/: nested deeper than {MAX_DEPTH} folders")
                continue
            try:
                child = os.open(name, _OPEN_DIRECTORY, dir_fd=folder_fd)
            except OSError as error:
                skipped.append(f"{relative}/: cannot be opened ({error.strerror})")
                continue
            try:
                _collect_folder(
                    child, relative + "/", destination, limits, files, skipped, depth + 1
                )
            finally:
                os.close(child)
            continue
        if not stat.S_ISREG(info.st_mode):
            kind = "a symbolic link" if stat.S_ISLNK(info.st_mode) else "not a regular file"
            skipped.append(f"{relative}: {kind}")
            continue
        if len(files) >= limits.output_files:
            skipped.append(f"{relative}: over the {limits.output_files}-file limit")
            continue
        data, reason = read_untrusted_file(name, limits.output_file_bytes, dir_fd=folder_fd)
        if data is None:
            skipped.append(f"{relative}: {reason}")
            continue
        target = destination / relative
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "xb") as handle:
                handle.write(data)
        except OSError as error:  # e.g. a caller's output folder that already holds the name
            skipped.append(f"{relative}: cannot be written to {target} ({error.strerror})")
            continue
        files[relative] = target


def read_values(base: Path, job: str, limits: SandboxLimits) -> tuple[dict[str, Any], list[str]]:
    """The JSON values the code published; problems are returned as notes, never raised.

    ``outputs/result.json`` (a JSON object) is read first and values from ``unima_result``
    (``.unima/values.json``) override its keys. Both are opened below ``base/job`` without
    following links at any level, at most ``values_bytes`` are read and documents nested deeper
    than ``values_depth`` are refused before parsing. Only JSON is parsed: nothing the sandbox
    wrote is unpickled (S38).
    """
    values: dict[str, Any] = {}
    notes: list[str] = []
    documents = (
        ("outputs/result.json", ("outputs",), "result.json"),
        ("unima_result values", (".unima",), "values.json"),
    )
    for label, folder, name in documents:
        try:
            folder_fd = open_folder_beneath(base, (job, *folder))
        except OSError as error:
            if error.errno != errno.ENOENT:
                notes.append(
                    f"{label} ignored: its folder cannot be opened without following links"
                )
            continue
        try:
            try:
                os.stat(name, dir_fd=folder_fd, follow_symlinks=False)
            except FileNotFoundError:
                continue
            except OSError as error:
                notes.append(f"{label} ignored: cannot be examined ({error.strerror})")
                continue
            data, reason = read_untrusted_file(name, limits.values_bytes, dir_fd=folder_fd)
        finally:
            os.close(folder_fd)
        if data is None:
            notes.append(f"{label} ignored: {reason}")
            continue
        try:
            document = load_untrusted_json(
                data, source=label, max_depth=limits.values_depth, max_bytes=limits.values_bytes
            )
        except InputError as error:
            notes.append(
                f"{error} ignored (limits: {limits.values_depth} levels of nesting, "
                f"{limits.values_bytes} bytes)"
            )
            continue
        if not isinstance(document, dict):
            notes.append(f"{label} ignored: a JSON object is needed, got {type(document).__name__}")
            continue
        values.update(document)
    return values, notes
