"""A SQLite cache of judge verdicts, so a rerun costs nothing and gives the same numbers.

Entries are keyed by (judge name, prompt hash, input hash): the judge name names the model
(``llm:gpt-4o-mini``), the prompt hash changes with the template text (or the proxy's algorithm
version), and the input hash is the sha256 of the canonical payload JSON. Unparseable replies are
cached too (a rerun must reproduce the same count of them); ``purge_unparseable`` removes them
when a fresh try is wanted. Transport failures (no reply at all) are never cached.

The same database keeps X2Caption's model captions (table ``captions``), keyed by captioner name,
caption prompt version and item key (file sha256, modality, bound): a rerun with the same
``--caption-model`` sends no media again.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from unima.errors import ConfigError
from unima.eval.judges.base import Judge, JudgeVerdict, canonical_payload, text_hash

SCHEMA = """
CREATE TABLE IF NOT EXISTS verdicts (
    judge TEXT NOT NULL,
    prompt_hash TEXT NOT NULL,
    input_hash TEXT NOT NULL,
    rubric TEXT NOT NULL,
    score REAL,
    reason TEXT NOT NULL,
    raw TEXT NOT NULL,
    parse_ok INTEGER NOT NULL,
    details TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (judge, prompt_hash, input_hash)
)
"""
CAPTIONS_SCHEMA = """
CREATE TABLE IF NOT EXISTS captions (
    captioner TEXT NOT NULL,
    version TEXT NOT NULL,
    item TEXT NOT NULL,
    caption TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (captioner, version, item)
)
"""


class JudgeCache:
    """Judge verdicts on disk (or in memory with ``path=None``). Thread-safe.

    Args:
        path: the SQLite database; its folder is created. ``None`` keeps the cache in memory
            for this process only.

    Raises:
        ConfigError: When the database cannot be opened (a folder in the way, no permission).
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        target = ":memory:"
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise ConfigError(
                    f"cannot create the folder of the judge cache {path}: {error}"
                ) from error
            target = str(path)
        self._lock = threading.Lock()
        try:
            # One connection shared under a lock: verdicts are tiny and writes are rare next to
            # judge latency, so a pool would buy nothing.
            self._connection = sqlite3.connect(target, check_same_thread=False, timeout=30.0)
            if path is not None:
                self._connection.execute("PRAGMA journal_mode=WAL")
            self._connection.execute(SCHEMA)
            self._connection.execute(CAPTIONS_SCHEMA)
            self._connection.commit()
        except sqlite3.Error as error:
            raise ConfigError(
                f"cannot open the judge cache {target}: {error}; pass another --cache path"
            ) from error

    @staticmethod
    def input_hash(payload: dict[str, Any]) -> str:
        return text_hash(canonical_payload(payload))

    def get(self, judge: str, prompt_hash: str, payload: dict[str, Any]) -> JudgeVerdict | None:
        """The cached verdict, or ``None`` on a miss."""
        with self._lock:
            row = self._connection.execute(
                "SELECT score, reason, raw, parse_ok, details FROM verdicts "
                "WHERE judge = ? AND prompt_hash = ? AND input_hash = ?",
                (judge, prompt_hash, self.input_hash(payload)),
            ).fetchone()
        if row is None:
            return None
        score, reason, raw, parse_ok, details = row
        return JudgeVerdict(
            score=score,
            reason=reason,
            raw=raw,
            parse_ok=bool(parse_ok),
            cached=True,
            details=json.loads(details),
        )

    def put(
        self,
        judge: str,
        prompt_hash: str,
        rubric: str,
        payload: dict[str, Any],
        verdict: JudgeVerdict,
    ) -> None:
        """Store ``verdict`` (ignored when it records a transport failure)."""
        if verdict.error:
            return
        with self._lock:
            self._connection.execute(
                "INSERT OR REPLACE INTO verdicts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    judge,
                    prompt_hash,
                    self.input_hash(payload),
                    rubric,
                    verdict.score,
                    verdict.reason,
                    verdict.raw,
                    int(verdict.parse_ok),
                    json.dumps(verdict.details, sort_keys=True, default=str),
                    time.time(),
                ),
            )
            self._connection.commit()

    def get_caption(self, captioner: str, version: str, key: str) -> str | None:
        """A stored X2Caption caption, or ``None`` on a miss."""
        with self._lock:
            row = self._connection.execute(
                "SELECT caption FROM captions WHERE captioner = ? AND version = ? AND item = ?",
                (captioner, version, key),
            ).fetchone()
        return None if row is None else str(row[0])

    def put_caption(self, captioner: str, version: str, key: str, caption: str) -> None:
        """Store an X2Caption caption of ``captioner`` for the item ``key``."""
        with self._lock:
            self._connection.execute(
                "INSERT OR REPLACE INTO captions VALUES (?, ?, ?, ?, ?)",
                (captioner, version, key, caption, time.time()),
            )
            self._connection.commit()

    def purge_unparseable(self, judge: str | None = None) -> int:
        """Delete cached unparseable verdicts (of ``judge``, or all); returns how many."""
        query = "DELETE FROM verdicts WHERE parse_ok = 0"
        arguments: tuple[str, ...] = ()
        if judge is not None:
            query += " AND judge = ?"
            arguments = (judge,)
        with self._lock:
            deleted = self._connection.execute(query, arguments).rowcount
            self._connection.commit()
        return deleted

    def __len__(self) -> int:
        with self._lock:
            return int(self._connection.execute("SELECT COUNT(*) FROM verdicts").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._connection.close()


class CachedJudge(Judge):
    """Wraps any judge with a ``JudgeCache``: a hit returns the stored verdict without a call.

    The wrapper shares the inner judge's counters, so ``cache_hits`` and ``judge_calls`` add up
    in one place.
    """

    def __init__(self, judge: Judge, cache: JudgeCache) -> None:
        self.inner = judge
        self.cache = cache
        self.name = judge.name
        self.counters = judge.counters

    def prompt_hash(self, rubric: str) -> str:
        return self.inner.prompt_hash(rubric)

    def label(self, rubric: str) -> str:
        return self.inner.label(rubric)

    def score(self, rubric: str, payload: dict[str, Any]) -> JudgeVerdict:
        prompt_hash = self.inner.prompt_hash(rubric)
        cached = self.cache.get(self.name, prompt_hash, payload)
        if cached is not None:
            self.counters.add("cache_hits")
            if not cached.parse_ok:
                # A reproduced unparseable reply is still one the report must count.
                self.counters.add("unparseable_replies")
            return cached
        verdict = self.inner.score(rubric, payload)
        self.cache.put(self.name, prompt_hash, rubric, payload, verdict)
        return verdict

    def describe(self) -> dict[str, Any]:
        return {**self.inner.describe(), "cache": str(self.cache.path or ":memory:")}

    def close(self) -> None:
        self.cache.close()
        self.inner.close()
