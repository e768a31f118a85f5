"""Content-addressed artifact store: every file kept once, under its sha256.

Files are written atomically (temporary file, fsync, rename) so a crash never leaves a partial
artifact at a final path, and a path in a trace always names complete bytes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from unima.filenames import safe_suffix

CHUNK_SIZE = 1 << 20


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK_SIZE), b""):
            digest.update(chunk)
    return digest.hexdigest()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so readers see either the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        os.fchmod(descriptor, 0o644)  # mkstemp makes 0600; saved answers are for people to read
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_copy(source: Path, target: Path) -> Path:
    """Copy ``source`` to ``target`` through a synced temporary file and a rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=".tmp-", suffix=target.suffix
    )
    os.close(descriptor)
    try:
        shutil.copyfile(source, temporary)
        os.chmod(temporary, 0o644)
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


class ArtifactStore:
    """Stores files as ``<root>/<sha[:2]>/<sha><suffix>``.

    The suffix comes from a file a tool, a sandboxed program or a model named, so it is kept
    only when it is plain (``.png``, ``.docx``: a dot, then up to 10 letters or digits) and
    dropped otherwise: no control character or separator reaches a stored file's name.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path_for(self, sha256: str, suffix: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}{safe_suffix(suffix)}"

    def put_file(self, source: Path, suffix: str | None = None) -> tuple[Path, str, int]:
        """Copy ``source`` into the store; returns (stored path, sha256, size in bytes)."""
        source = Path(source)
        sha256 = file_sha256(source)
        target = self.path_for(sha256, suffix if suffix is not None else source.suffix.lower())
        if not target.exists():
            atomic_copy(source, target)
        return target, sha256, target.stat().st_size

    def put_bytes(self, data: bytes, suffix: str) -> tuple[Path, str, int]:
        sha256 = hashlib.sha256(data).hexdigest()
        target = self.path_for(sha256, suffix)
        if not target.exists():
            atomic_write_bytes(target, data)
        return target, sha256, len(data)
