"""Every SQL statement the routes run, as small functions over a ``Database``
(or the ``Session`` of a transaction: both are ``Queries``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

from .db import Queries
from .models import Item, ItemIn, ItemPatch

COLUMNS = "id, name, quantity, price, description, cost_price"


INSERTED = "name, quantity, price, description, cost_price"


def _values(item: ItemIn) -> list[object]:
    return [item.name, item.quantity, item.price, item.description, item.cost_price]


def to_item(row: sqlite3.Row) -> Item:
    return Item(**dict(row))


def _filter(q: str | None) -> tuple[str, list[object]]:
    if not q:
        return "", []
    return " WHERE name LIKE ? ESCAPE '\\' OR description LIKE ? ESCAPE '\\'", [
        _like(q), _like(q)
    ]


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_items(db: Queries, *, limit: int, offset: int, q: str | None) -> tuple[list[Item], int]:
    where, params = _filter(q)
    total_row = db.fetch_one(f"SELECT count(*) FROM items{where}", params)
    total = int(total_row[0]) if total_row is not None else 0
    rows = db.fetch_all(
        f"SELECT {COLUMNS} FROM items{where} ORDER BY id LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    return [to_item(row) for row in rows], total


def get_item(db: Queries, item_id: int) -> Item | None:
    row = db.fetch_one(f"SELECT {COLUMNS} FROM items WHERE id = ?", [item_id])
    return None if row is None else to_item(row)


def create_item(db: Queries, item: ItemIn) -> Item:
    cursor = db.execute(
        f"INSERT INTO items ({INSERTED}) VALUES (?, ?, ?, ?, ?)", _values(item),
    )
    assert cursor.lastrowid is not None
    return Item(id=cursor.lastrowid, **asdict(item))


def create_items(db: Queries, items: list[ItemIn]) -> int:
    """Insert every item in one transaction; the number inserted."""
    return db.execute_many(
        f"INSERT INTO items ({INSERTED}) VALUES (?, ?, ?, ?, ?)", [_values(item) for item in items]
    )


def replace_item(db: Queries, item_id: int, item: ItemIn) -> Item | None:
    cursor = db.execute(
        "UPDATE items SET name = ?, quantity = ?, price = ?, description = ?, cost_price = ?"
        " WHERE id = ?",
        [*_values(item), item_id],
    )
    return Item(id=item_id, **asdict(item)) if cursor.rowcount else None


def patch_item(db: Queries, item_id: int, patch: ItemPatch) -> Item | None:
    changes = {key: value for key, value in asdict(patch).items() if value is not None}
    if changes:
        assignments = ", ".join(f"{key} = ?" for key in changes)  # keys are the dataclass fields
        db.execute(f"UPDATE items SET {assignments} WHERE id = ?", [*changes.values(), item_id])
    return get_item(db, item_id)


def delete_item(db: Queries, item_id: int) -> bool:
    return db.execute("DELETE FROM items WHERE id = ?", [item_id]).rowcount > 0


def iter_items(db: Queries, page: int = 100) -> Iterator[Item]:
    """Every item in id order, read a page at a time (keyset pagination).

    The lock is held for one page only, so a slow client downloading an export
    never blocks the other requests of this process.
    """
    last_id = 0
    while True:
        rows = db.fetch_all(
            f"SELECT {COLUMNS} FROM items WHERE id > ? ORDER BY id LIMIT ?", [last_id, page]
        )
        for row in rows:
            yield to_item(row)
        if len(rows) < page:
            return
        last_id = rows[-1]["id"]


def record_audit(db: Queries, action: str, item_id: int | None, detail: str = "") -> None:
    """One line of the audit log; routes schedule it as a background task."""
    db.execute(
        "INSERT INTO audit (action, item_id, detail) VALUES (?, ?, ?)", [action, item_id, detail]
    )


def list_audit(db: Queries, limit: int) -> list[dict[str, Any]]:
    rows = db.fetch_all(
        "SELECT id, at, action, item_id, detail FROM audit ORDER BY id DESC LIMIT ?", [limit]
    )
    return [dict(row) for row in rows]


def audit_after(db: Queries, after: int, limit: int) -> list[dict[str, Any]]:
    """The entries after id ``after``, oldest first: what a change feed sends next."""
    rows = db.fetch_all(
        "SELECT id, at, action, item_id, detail FROM audit WHERE id > ? ORDER BY id LIMIT ?",
        [after, limit],
    )
    return [dict(row) for row in rows]
