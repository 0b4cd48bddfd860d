"""The SQLite connection: opened and closed by the lifespan, reached through ``get_db``.

One connection per process (each server worker runs the lifespan and so opens its
own). Plain ``def`` handlers run in worker threads, so the connection is shared
between threads and every statement holds ``Database.lock``; a file database uses
WAL mode so several worker processes can read while one writes.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from typing import Any

from asgiweb import Request

SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL,
    quantity    INTEGER NOT NULL DEFAULT 0,
    price       REAL    NOT NULL DEFAULT 0,
    description TEXT
);
CREATE TABLE IF NOT EXISTS audit (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    action  TEXT    NOT NULL,
    item_id INTEGER,
    detail  TEXT    NOT NULL DEFAULT ''
);
"""


class Database:
    """A thread-safe wrapper over one ``sqlite3`` connection."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.connection.row_factory = sqlite3.Row
        self.lock = threading.Lock()
        with self.lock:
            self.connection.execute("PRAGMA busy_timeout = 5000")
            if path != ":memory:":
                self.connection.execute("PRAGMA journal_mode = WAL")
            self.connection.executescript(SCHEMA)

    def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self.lock:
            return self.connection.execute(sql, params).fetchall()

    def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        with self.lock:
            row: sqlite3.Row | None = self.connection.execute(sql, params).fetchone()
            return row

    def execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        """Run one writing statement in its own transaction (autocommit mode)."""
        with self.lock:
            return self.connection.execute(sql, params)

    def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        """Run ``sql`` once per row, all in one transaction: every row or none."""
        with self.lock:
            self.connection.execute("BEGIN")
            try:
                self.connection.executemany(sql, rows)
            except BaseException:
                self.connection.execute("ROLLBACK")
                raise
            self.connection.execute("COMMIT")
            return len(rows)

    def close(self) -> None:
        with self.lock:
            self.connection.close()


def get_db(request: Request) -> Database:
    """The connection the lifespan opened for this process.

    Written as a dependency would be: when ``Depends`` is available a route
    takes ``db: Database = Depends(get_db)`` instead of ``request: Request``
    and drops its ``db = get_db(request)`` line; this function stays as it is.
    """
    db: Database = request.state.db
    return db
