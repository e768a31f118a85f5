"""The crash-safe result store of a benchmark run (reliability §2.3).

One run folder, one writer (the driver process):

- ``results.sqlite`` (WAL, ``synchronous=NORMAL``: consistent and durable across a ``kill -9``)
  holds one row per instance and is the source of truth;
- ``events.jsonl`` is an append-only audit log, one fsync'd line per state change, so a person
  (or a test) can replay what happened; a torn last line after a crash is skipped by readers;
- ``.lock`` holds an exclusive ``flock`` for the life of the run, so two harnesses never write
  one folder.

Row states: ``pending`` -> ``running`` -> ``done`` | ``failed`` | ``timeout`` | ``crashed``. A
row left ``running`` by a killed driver goes back to ``pending`` on the next open (counted in
``interruptions``, not in ``attempts``: the instance did not fail, the driver died).
``predictions.jsonl`` is regenerated from the rows, atomically, so it never holds a duplicate.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from unima.bench.manifest import now_iso
from unima.bench.records import InstanceKey
from unima.bench.work import WorkResult
from unima.errors import InputError
from unima.files import atomic_write_text

RowStatus = Literal["pending", "running", "done", "failed", "timeout", "crashed"]
FINISHED: tuple[RowStatus, ...] = ("done", "failed", "timeout", "crashed")
STORE_SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS results (
    domain TEXT NOT NULL, subdomain TEXT NOT NULL, id TEXT NOT NULL,
    position INTEGER NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    interruptions INTEGER NOT NULL DEFAULT 0,
    prediction_status TEXT NOT NULL DEFAULT '',
    content TEXT NOT NULL DEFAULT '',
    modal TEXT NOT NULL DEFAULT '{}',
    trace TEXT NOT NULL DEFAULT '',
    error TEXT NOT NULL DEFAULT '',
    problems TEXT NOT NULL DEFAULT '[]',
    seconds REAL NOT NULL DEFAULT 0,
    updated TEXT NOT NULL,
    PRIMARY KEY (domain, subdomain, id)
);
CREATE TABLE IF NOT EXISTS invalid (
    source TEXT NOT NULL, domain TEXT, subdomain TEXT, id TEXT, reason TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class ResultRow:
    """One instance's row: the columns of the ``results`` table.

    The answer (``prediction_status`` to ``problems``) is an ``Answer`` flattened into columns,
    ``modal`` and ``trace`` as paths relative to the run folder; ``from_attempt`` is the one
    conversion from an attempt's ``WorkResult``.
    """

    key: InstanceKey
    status: RowStatus
    attempts: int = 0
    interruptions: int = 0
    prediction_status: str = ""
    content: str = ""
    modal: dict[str, str] = field(default_factory=dict)
    trace: str = ""
    error: str = ""
    problems: tuple[str, ...] = ()
    seconds: float = 0.0

    @classmethod
    def from_attempt(cls, result: WorkResult, previous: ResultRow, *, retry: bool) -> ResultRow:
        """The row after ``result``: ``pending`` again when it will be ``retry``'d."""
        columns: dict[str, Any] = {}
        answer = result.answer
        if answer is not None:
            columns = {
                "prediction_status": answer.status,
                "content": answer.content,
                "modal": {tag: Path(path).as_posix() for tag, path in answer.modal.items()},
                "trace": Path(answer.trace_path).as_posix() if answer.trace_path else "",
                "problems": tuple(answer.problems),
            }
        return cls(
            key=result.key,
            status="pending" if retry else result.status,
            attempts=result.attempt,
            interruptions=previous.interruptions,
            error=result.error,
            seconds=previous.seconds + result.seconds,
            **columns,
        )


class EventLog:
    """Append-only JSONL: each event is one ``write`` of a whole line, then ``fsync``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        size = os.fstat(self._descriptor).st_size
        if size:
            with path.open("rb") as handle:
                handle.seek(size - 1)
                if handle.read(1) != b"\n":
                    # A torn line from a crash: end it, so the next event starts on a fresh
                    # line and only the torn one is unreadable.
                    os.write(self._descriptor, b"\n")

    def append(self, event: str, **data: Any) -> None:
        record = {"time": now_iso(), "event": event, **data}
        os.write(self._descriptor, (json.dumps(record, default=str) + "\n").encode("utf-8"))
        os.fsync(self._descriptor)

    def close(self) -> None:
        if self._descriptor >= 0:
            os.close(self._descriptor)
            self._descriptor = -1


def read_events(path: Path) -> list[dict[str, Any]]:
    """The readable events of a log; unparsable (torn) lines are skipped."""
    events: list[dict[str, Any]] = []
    if not path.exists():
        return events
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            events.append(record)
    return events


class RunLock:
    """An exclusive ``flock`` on ``<folder>/.lock``, held until ``release`` (or process death).

    Raises:
        InputError: another process holds the lock.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._handle = (self.folder / ".lock").open("a+")
        try:
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._handle.close()
            raise InputError(
                "another unima bench run is writing this folder; wait for it to finish or use "
                "another --out",
                source=str(self.folder),
            ) from None

    def release(self) -> None:
        self._handle.close()  # closing the file releases the flock

    def __enter__(self) -> RunLock:
        return self

    def __exit__(self, *exception: object) -> None:
        self.release()


class ResultStore:
    """The rows and event log of one run folder (hold its ``RunLock``). A context manager.

    Args:
        folder: the run folder (``--out``); created if missing.
        durable: ``synchronous=FULL`` (survives power loss) instead of ``NORMAL``.

    Raises:
        InputError: the database is damaged or of another schema version.
    """

    def __init__(self, folder: Path, *, durable: bool = False) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.database = self._open_database(durable)
        self.events = EventLog(self.folder / "events.jsonl")

    def _open_database(self, durable: bool) -> sqlite3.Connection:
        path = self.folder / "results.sqlite"
        database = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            database.execute("PRAGMA busy_timeout=30000")
            database.execute("PRAGMA journal_mode=WAL")
            database.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
            check = database.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise InputError(
                    f"the result database failed its integrity check ({check}); "
                    "use a new --out folder",
                    source=str(path),
                )
            database.executescript(_SCHEMA)
            version = database.execute(
                "SELECT value FROM meta WHERE name='schema_version'"
            ).fetchone()
            if version is None:
                database.execute(
                    "INSERT INTO meta VALUES ('schema_version', ?)", (str(STORE_SCHEMA_VERSION),)
                )
            elif int(version[0]) != STORE_SCHEMA_VERSION:
                raise InputError(
                    f"result database schema {version[0]} is not {STORE_SCHEMA_VERSION}",
                    source=str(path),
                )
        except sqlite3.DatabaseError as error:
            database.close()
            raise InputError(f"unreadable result database ({error})", source=str(path)) from None
        except BaseException:
            database.close()
            raise
        return database

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exception: object) -> None:
        self.close()

    def close(self) -> None:
        self.events.close()
        self.database.close()

    # -- setting up a run ------------------------------------------------------------------

    def recover_interrupted(self) -> int:
        """Put rows a killed driver left ``running`` back to ``pending``; returns how many."""
        with self._transaction():
            cursor = self.database.execute(
                "UPDATE results SET status='pending', interruptions=interruptions+1, updated=? "
                "WHERE status='running'",
                (now_iso(),),
            )
        return cursor.rowcount

    def add_pending(self, keys: list[InstanceKey]) -> int:
        """Insert a ``pending`` row for each key not yet in the store; returns how many."""
        with self._transaction():
            start = self.database.execute("SELECT COALESCE(MAX(position), -1) FROM results")
            position = start.fetchone()[0] + 1
            added = 0
            for key in keys:
                cursor = self.database.execute(
                    "INSERT OR IGNORE INTO results (domain, subdomain, id, position, status, "
                    "updated) VALUES (?, ?, ?, ?, 'pending', ?)",
                    (*key, position, now_iso()),
                )
                added += cursor.rowcount
                position += cursor.rowcount
        return added

    def replace_invalid(self, problems: list[tuple[str, InstanceKey | None, str]]) -> None:
        """Record the dataset's invalid entries (source, key or ``None``, reason)."""
        with self._transaction():
            self.database.execute("DELETE FROM invalid")
            self.database.executemany(
                "INSERT INTO invalid VALUES (?, ?, ?, ?, ?)",
                [
                    (source, *(key or (None, None, None)), reason)
                    for source, key, reason in problems
                ],
            )

    def reopen_failed(self) -> int:
        """Give failed, timed-out and crashed rows a fresh attempt budget (``--retry-failed``)."""
        with self._transaction():
            cursor = self.database.execute(
                "UPDATE results SET status='pending', attempts=0, updated=? "
                "WHERE status IN ('failed', 'timeout', 'crashed')",
                (now_iso(),),
            )
        return cursor.rowcount

    # -- the run ---------------------------------------------------------------------------

    def mark_running(self, key: InstanceKey, attempt: int) -> None:
        with self._transaction():
            self.database.execute(
                "UPDATE results SET status='running', updated=? "
                "WHERE domain=? AND subdomain=? AND id=?",
                (now_iso(), *key),
            )
        self.events.append("start", key=list(key), attempt=attempt)

    def record(self, row: ResultRow, event: str | None = None) -> None:
        """Update ``row`` (its files must already be in place), then log ``event``.

        ``event`` defaults to the row's status; a failed attempt that will be retried is stored
        as ``pending`` and logged as ``retry``.
        """
        with self._transaction():
            self.database.execute(
                "UPDATE results SET status=?, attempts=?, prediction_status=?, content=?, "
                "modal=?, trace=?, error=?, problems=?, seconds=?, updated=? "
                "WHERE domain=? AND subdomain=? AND id=?",
                (
                    row.status,
                    row.attempts,
                    row.prediction_status,
                    row.content,
                    json.dumps(row.modal, sort_keys=True),
                    row.trace,
                    row.error,
                    json.dumps(list(row.problems)),
                    row.seconds,
                    now_iso(),
                    *row.key,
                ),
            )
        self.events.append(
            event or row.status,
            key=list(row.key),
            attempt=row.attempts,
            seconds=round(row.seconds, 3),
            **({"error": row.error} if row.error else {}),
        )

    def release(self, key: InstanceKey) -> None:
        """Put a ``running`` row back to ``pending`` (the driver stopped it, not the model)."""
        with self._transaction():
            self.database.execute(
                "UPDATE results SET status='pending', interruptions=interruptions+1, updated=? "
                "WHERE domain=? AND subdomain=? AND id=? AND status='running'",
                (now_iso(), *key),
            )

    # -- reading ---------------------------------------------------------------------------

    def rows(self, statuses: tuple[str, ...] | None = None) -> Iterator[ResultRow]:
        """The rows in insertion order, optionally only those in ``statuses``."""
        query = (
            "SELECT domain, subdomain, id, status, attempts, interruptions, prediction_status, "
            "content, modal, trace, error, problems, seconds FROM results"
        )
        parameters: tuple[str, ...] = ()
        if statuses is not None:
            query += f" WHERE status IN ({', '.join('?' * len(statuses))})"
            parameters = statuses
        for record in self.database.execute(query + " ORDER BY position", parameters):
            yield ResultRow(
                key=(record[0], record[1], record[2]),
                status=record[3],
                attempts=record[4],
                interruptions=record[5],
                prediction_status=record[6],
                content=record[7],
                modal=json.loads(record[8]),
                trace=record[9],
                error=record[10],
                problems=tuple(json.loads(record[11])),
                seconds=record[12],
            )

    def counts(self) -> dict[str, int]:
        counts = dict(self.database.execute("SELECT status, COUNT(*) FROM results GROUP BY status"))
        counts["invalid"] = self.database.execute("SELECT COUNT(*) FROM invalid").fetchone()[0]
        return counts

    def invalid(self) -> list[tuple[str, InstanceKey | None, str]]:
        found = []
        for source, domain, subdomain, identifier, reason in self.database.execute(
            "SELECT source, domain, subdomain, id, reason FROM invalid"
        ):
            key = (domain, subdomain, identifier) if identifier is not None else None
            found.append((source, key, reason))
        return found

    def write_predictions(self, path: Path | None = None) -> Path:
        """Regenerate ``predictions.jsonl`` from the finished rows (atomic replace)."""
        path = path or self.folder / "predictions.jsonl"
        lines = []
        for row in self.rows(FINISHED):
            line: dict[str, Any] = {
                "domain": row.key[0],
                "subdomain": row.key[1],
                "id": row.key[2],
                "output": {"modal": row.modal, "content": row.content},
                "status": row.prediction_status if row.status == "done" else "failed",
            }
            if row.error:
                line["error"] = row.error
            lines.append(json.dumps(line, ensure_ascii=False) + "\n")
        atomic_write_text(path, "".join(lines))
        return path

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        # isolation_level=None leaves transactions to us: BEGIN IMMEDIATE takes the write lock
        # up front, so a transaction never fails half-way on a lock upgrade.
        self.database.execute("BEGIN IMMEDIATE")
        try:
            yield self.database
        except BaseException:
            self.database.execute("ROLLBACK")
            raise
        self.database.execute("COMMIT")
