"""The host-side collector: copies what the sandbox wrote under ``outputs/`` to a host folder.

Everything under ``outputs/`` was written by untrusted code (S27): it may be a symlink to
``~/.ssh/id_rsa``, a hardlink, a FIFO that blocks a reader forever, a sparse terabyte file or a
folder loop. The collector walks with directory file descriptors and ``O_NOFOLLOW`` (a link is
never followed, not even in a parent), accepts regular files with one link only, checks sizes
with ``fstat`` before reading and caps both the file count and the bytes read.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

from unima.tools.sandbox.records import SandboxLimits

MAX_DEPTH = 8
_OPEN_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_OPEN_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


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
    outputs: Path, destination: Path, limits: SandboxLimits
) -> tuple[dict[str, Path], list[str]]:
    """Copy the safe files under ``outputs`` to ``destination``.

    Returns:
        The copied files by relative path, and one ``"<path>: <reason>"`` line per refused entry.
    """
    files: dict[str, Path] = {}
    skipped: list[str] = []
    try:
        root = os.open(outputs, _OPEN_DIRECTORY)
    except OSError as error:
        return files, [f"outputs/: cannot be opened ({error.strerror})"]
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


def read_values(
    values_file: Path, result_file: Path, limits: SandboxLimits
) -> tuple[dict[str, Any], list[str]]:
    """The JSON values the code published; problems are returned as notes, never raised.

    ``outputs/result.json`` (a JSON object) is read first and values from ``unima_result``
    override its keys. Only JSON is parsed: nothing the sandbox wrote is unpickled (S38).
    """
    values: dict[str, Any] = {}
    notes: list[str] = []
    for label, path in (("outputs/result.json", result_file), ("unima_result values", values_file)):
        if not os.path.lexists(path):
            continue
        data, reason = read_untrusted_file(str(path), limits.values_bytes)
        if data is None:
            notes.append(f"{label} ignored: {reason}")
            continue
        try:
            document = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            notes.append(f"{label} ignored: not valid JSON ({error})")
            continue
        if not isinstance(document, dict):
            notes.append(f"{label} ignored: a JSON object is needed, got {type(document).__name__}")
            continue
        values.update(document)
    return values, notes
