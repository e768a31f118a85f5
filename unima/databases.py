"""SQLite files the caches keep: opened the same way everywhere.

The artifact cache and the model reply cache are each one SQLite file shared by the threads of
a process (one connection under the cache's own lock) and by concurrent processes (write-ahead
logging, a 30 s busy timeout).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from unima.errors import ConfigError

BUSY_TIMEOUT_S = 30.0


def open_database(path: Path, schema: str, *, purpose: str) -> sqlite3.Connection:
    """A connection to the SQLite file at ``path`` (created with its folder), with ``schema``
    (``CREATE TABLE IF NOT EXISTS ...``) applied.

    Raises:
        ConfigError: the folder cannot be created or the file is not a usable database; the
            message names ``purpose`` ("the artifact cache") and the path.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, check_same_thread=False, timeout=BUSY_TIMEOUT_S)
        with connection:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(schema)
    except (OSError, sqlite3.Error) as error:
        raise ConfigError(f"cannot open {purpose} at {path}: {error}") from error
    return connection
