"""Content-addressed artifact store: every file kept once, under its sha256.

Files are written atomically (``unima.files``) so a crash never leaves a partial artifact at a
final path, and a path in a trace always names complete bytes.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from unima.filenames import safe_suffix
from unima.files import atomic_copy, atomic_write_bytes, file_sha256


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
