"""The artifact cache: a tool step computed before is served from the store, not re-run.

The key is the sha256 of (tool, backend, backend version, the tool's code version, canonical
arguments with their defaults applied, seed, the hashes of the step's inputs). The code version
(``source_fingerprint``) is unima's version and the hash of the source of the tool's room: the
backend version names only the libraries, so without it an entry written by another version of
the tool's code (a changed writer or default) would be served for the same arguments.

Entries live in one SQLite file and hold references (path, sha256) and the verification, never
media bytes; the bytes stay in the content-addressed ``ArtifactStore``. Only verified artifacts
are cached; a hit whose file is gone or changed is dropped, and so is one whose modality, file
suffix or mime is not what the step's arguments ask for (``artifact_mismatch``).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import mimetypes
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unima.databases import open_database
from unima.filenames import safe_suffix
from unima.files import file_sha256
from unima.types import Artifact
from unima.version import __version__

# 2: the key holds the tool's code version.
CACHE_SCHEMA_VERSION = 2

# Formats whose file suffix is not ``.<format>``.
FORMAT_SUFFIXES: dict[str, tuple[str, ...]] = {
    "markdown": (".md", ".markdown"),
    "jpeg": (".jpg", ".jpeg"),
    "tiff": (".tif", ".tiff"),
    "text": (".txt",),
}


def cache_key(
    *,
    tool: str,
    backend: str,
    backend_version: str,
    code_version: str,
    arguments: dict[str, Any],
    seed: int,
    input_sha256: dict[str, str],
) -> str:
    """The cache key of one tool call; any change to what the tool sees changes the key.

    ``arguments`` are the validated arguments' dump, defaults included, so a step that leaves
    a default out and one that spells it share a key, and a changed default changes it.
    """
    document = {
        "schema": CACHE_SCHEMA_VERSION,
        "tool": tool,
        "backend": backend,
        "backend_version": backend_version,
        "code_version": code_version,
        "arguments": arguments,
        "seed": seed,
        "inputs": input_sha256,
    }
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@functools.cache
def source_fingerprint(module_name: str) -> str:
    """The code version of the module ``module_name``: unima's version and a source hash.

    The hash covers every ``.py`` file of the module's room, the package one level below its
    top package (``unima/tools/`` for ``unima.tools.document.tool``): tools share helpers within
    their room. A top-level module is hashed alone. Computed once per process, like the code
    that is loaded.
    """
    parts = module_name.split(".")
    room = ".".join(parts[:2])
    digest = hashlib.sha256(f"unima {__version__}\n".encode())
    try:
        spec = importlib.util.find_spec(room)
    except (ImportError, ValueError):  # ``__main__`` and other modules without a spec
        spec = None
    if spec is None or spec.origin is None:
        return digest.hexdigest()
    origin = Path(spec.origin)
    if spec.submodule_search_locations is not None:  # a package: all its sources
        files, base = sorted(origin.parent.rglob("*.py")), origin.parent
    else:
        files, base = [origin], origin.parent
    for path in files:
        if "__pycache__" in path.parts or not path.is_file():
            continue
        digest.update(path.relative_to(base).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _same_mime(first: str, second: str) -> bool:
    """Mimes equal up to case and an ``x-`` subtype prefix (``audio/x-wav`` is ``audio/wav``)."""

    def plain(mime: str) -> str:
        kind, _, subtype = mime.lower().partition("/")
        return f"{kind}/{subtype.removeprefix('x-')}"

    return plain(first) == plain(second)


def artifact_mismatch(artifact: Artifact, *, modality: str, arguments: dict[str, Any]) -> str:
    """Why a cached ``artifact`` is not what a step with ``arguments`` asks for, or ``""``.

    Checks the modality, the suffix a ``format`` or ``filename`` argument asks for, that the
    artifact's meta names the same format, and that its mime agrees with its suffix.
    """
    if artifact.modality != modality:
        return f"it is {artifact.modality}, the step makes {modality}"
    suffix = Path(artifact.path).suffix.lower()
    wanted_format = arguments.get("format")
    if isinstance(wanted_format, str) and wanted_format:
        wanted = FORMAT_SUFFIXES.get(wanted_format.lower(), (f".{wanted_format.lower()}",))
        if suffix not in wanted:
            return f"its file is {suffix or 'without a suffix'}, the step asks for {wanted_format}"
        made_format = artifact.meta.get("format")
        if isinstance(made_format, str) and made_format.lower() != wanted_format.lower():
            return f"it was written as {made_format}, the step asks for {wanted_format}"
    filename = arguments.get("filename")
    if isinstance(filename, str) and filename:
        wanted_suffix = safe_suffix(Path(filename).suffix)
        if wanted_suffix and suffix != wanted_suffix:
            return f"its file is {suffix or 'without a suffix'}, the step names {filename}"
    guessed, _ = mimetypes.guess_type(f"file{suffix}")
    unspecific = artifact.mime.lower() == "application/octet-stream"
    if guessed is not None and not unspecific and not _same_mime(guessed, artifact.mime):
        return f"its mime {artifact.mime} does not match its {suffix} file"
    return ""


@dataclass(frozen=True)
class PruneReport:
    entries_removed: int
    files_removed: int
    bytes_freed: int
    entries_left: int
    bytes_left: int


SCHEMA = (
    "CREATE TABLE IF NOT EXISTS entries ("
    " key TEXT PRIMARY KEY, artifact TEXT NOT NULL, sha256 TEXT NOT NULL,"
    " size_bytes INTEGER NOT NULL, created REAL NOT NULL, last_used REAL NOT NULL)"
)


class ArtifactCache:
    """A SQLite-backed map from cache keys to stored artifacts. Thread-safe."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._connection = open_database(self.path, SCHEMA, purpose="the artifact cache")

    def get(self, key: str) -> Artifact | None:
        """The cached artifact for ``key`` if its file is still intact."""
        with self._lock:
            row = self._connection.execute(
                "SELECT artifact FROM entries WHERE key = ?", (key,)
            ).fetchone()
        if row is None:
            return None
        artifact = Artifact.model_validate_json(row[0])
        path = Path(artifact.path)
        intact = (
            path.is_file()
            and path.stat().st_size == artifact.size_bytes
            and file_sha256(path) == artifact.sha256
        )
        with self._lock, self._connection:
            if not intact:
                self._connection.execute("DELETE FROM entries WHERE key = ?", (key,))
                return None
            self._connection.execute(
                "UPDATE entries SET last_used = ? WHERE key = ?", (time.time(), key)
            )
        return artifact

    def discard(self, key: str) -> None:
        """Drop the entry for ``key`` (its file stays in the store)."""
        with self._lock, self._connection:
            self._connection.execute("DELETE FROM entries WHERE key = ?", (key,))

    def put(self, key: str, artifact: Artifact) -> None:
        if artifact.verification is None or not artifact.verification.passed:
            return
        now = time.time()
        with self._lock, self._connection:
            self._connection.execute(
                "INSERT OR REPLACE INTO entries (key, artifact, sha256, size_bytes, created, last_used)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (key, artifact.model_dump_json(), artifact.sha256, artifact.size_bytes, now, now),
            )

    def stats(self) -> tuple[int, int]:
        """(entries, bytes of distinct files) in the cache."""
        with self._lock:
            entries = self._connection.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
            size = self._connection.execute(
                "SELECT COALESCE(SUM(size_bytes), 0) FROM (SELECT DISTINCT sha256, size_bytes FROM entries)"
            ).fetchone()[0]
        return int(entries), int(size)

    def prune(self, max_bytes: int) -> PruneReport:
        """Drop least recently used entries (and their files) until the cache fits ``max_bytes``.

        A file is deleted only when no remaining entry refers to it. Traces that named a
        deleted file keep its sha256, so a run can be re-made but not re-viewed.
        """
        removed_entries = removed_files = freed = 0
        with self._lock, self._connection:
            rows = self._connection.execute(
                "SELECT key, artifact, sha256, size_bytes FROM entries ORDER BY last_used ASC"
            ).fetchall()
            sizes = {sha: size for _, _, sha, size in rows}
            total = sum(sizes.values())
            references: dict[str, int] = {}
            for _, _, sha, _ in rows:
                references[sha] = references.get(sha, 0) + 1
            for key, artifact_json, sha, size in rows:
                if total <= max_bytes:
                    break
                self._connection.execute("DELETE FROM entries WHERE key = ?", (key,))
                removed_entries += 1
                references[sha] -= 1
                if references[sha] == 0:
                    path = Path(json.loads(artifact_json)["path"])
                    if path.is_file():
                        path.unlink()
                        removed_files += 1
                    freed += size
                    total -= size
            left = self._connection.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
        return PruneReport(removed_entries, removed_files, freed, int(left), total)

    def close(self) -> None:
        with self._lock:
            self._connection.close()
