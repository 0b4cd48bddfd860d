"""The SQLite connection: opened and closed by the lifespan, reached through ``get_db``.

One connection per process (each server worker runs the lifespan and so opens its
own). Plain ``def`` handlers run in worker threads, so the connection is shared
between threads and every statement holds ``Database.lock``; a file database uses
WAL mode so several worker processes can read while one writes.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from asgiweb import Request

SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL,
    quantity    INTEGER NOT NULL DEFAULT 0,
    price       REAL    NOT NULL DEFAULT 0,
    description TEXT,
    cost_price  REAL    NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS audit (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    action  TEXT    NOT NULL,
    item_id INTEGER,
    detail  TEXT    NOT NULL DEFAULT ''
);
"""
# Columns added since the first release: a database file made before gets them.
ADDED_COLUMNS = {"cost_price": "ALTER TABLE items ADD COLUMN cost_price REAL NOT NULL DEFAULT 0"}


class Queries(Protocol):
    """What ``crud`` needs: a ``Database``, or a ``Session`` inside a transaction."""

    def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]: ...

    def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None: ...

    def execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor: ...

    def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> int: ...


class Session:
    """The statements of one transaction: the lock is held and ``BEGIN`` sent already."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return self.connection.execute(sql, params).fetchall()

    def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.connection.execute(sql, params).fetchone()
        return row

    def execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        return self.connection.execute(sql, params)

    def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        self.connection.executemany(sql, rows)
        return len(rows)


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
            have = {row["name"] for row in self.connection.execute("PRAGMA table_info(items)")}
            for column, statement in ADDED_COLUMNS.items():
                if column not in have:
                    self.connection.execute(statement)

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
        with self.transaction() as session:
            return session.execute_many(sql, rows)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Hold the lock, ``BEGIN``; ``COMMIT`` at the end, ``ROLLBACK`` on an exception.

        Everything inside goes through the ``Session`` (the ``Database`` methods
        would wait for the lock this holds).
        """
        with self.lock:
            self.connection.execute("BEGIN IMMEDIATE")
            try:
                yield Session(self.connection)
            except BaseException:
                self.connection.execute("ROLLBACK")
                raise
            self.connection.execute("COMMIT")

    def close(self) -> None:
        with self.lock:
            self.connection.close()


def get_db(request: Request) -> Database:
    """The dependency giving the connection the lifespan opened for this process."""
    db: Database = request.state.db
    return db
