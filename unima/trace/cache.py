"""The artifact cache: a tool step computed before is served from the store, not re-run.

The key is the sha256 of (tool, backend, backend version, canonical arguments, seed, the hashes
of the step's inputs). Entries live in one SQLite file and hold references (path, sha256) and
the verification, never media bytes; the bytes stay in the content-addressed ``ArtifactStore``.
Only verified artifacts are cached, and a hit whose file is gone or changed is dropped.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unima.files import file_sha256
from unima.types import Artifact

CACHE_SCHEMA_VERSION = 1


def cache_key(
    *,
    tool: str,
    backend: str,
    backend_version: str,
    arguments: dict[str, Any],
    seed: int,
    input_sha256: dict[str, str],
) -> str:
    """The cache key of one tool call; any change to what the tool sees changes the key."""
    document = {
        "schema": CACHE_SCHEMA_VERSION,
        "tool": tool,
        "backend": backend,
        "backend_version": backend_version,
        "arguments": arguments,
        "seed": seed,
        "inputs": input_sha256,
    }
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class PruneReport:
    entries_removed: int
    files_removed: int
    bytes_freed: int
    entries_left: int
    bytes_left: int


class ArtifactCache:
    """A SQLite-backed map from cache keys to stored artifacts. Thread-safe."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._connection = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        with self._lock, self._connection:
            self._connection.execute("PRAGMA journal_mode=WAL")
            self._connection.execute(
                "CREATE TABLE IF NOT EXISTS entries ("
                " key TEXT PRIMARY KEY, artifact TEXT NOT NULL, sha256 TEXT NOT NULL,"
                " size_bytes INTEGER NOT NULL, created REAL NOT NULL, last_used REAL NOT NULL)"
            )

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
