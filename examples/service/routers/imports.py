"""Items imported from CSV, in the format the CSV export writes.

Two ways in, one ``import_csv``: ``POST /imports/items`` takes a form upload
(``multipart/form-data`` with a ``file`` field: what an ``<input type="file">``
sends; needs ``asgiweb[forms]``), and ``POST /imports/items.csv`` takes the CSV
as the request body (``Content-Type: text/csv``: what ``curl --data-binary``
sends). Either way the rows go in one transaction: all of them or none.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import anyio.to_thread

from asgiweb import BackgroundTasks, HTTPException, Request, Router, UploadFile, status

from .. import crud
from ..db import Database
from ..deps import DB
from ..models import Imported, ItemIn

router = Router(prefix="/imports", tags=["imports"])

MAX_IMPORT_BYTES = 5 * 1024 * 1024
UNPROCESSABLE = status.HTTP_422_UNPROCESSABLE_CONTENT


def _error(row: int, column: str, kind: str, msg: str, value: object) -> dict[str, Any]:
    return {"type": kind, "loc": ["body", row, column], "msg": msg, "input": value}


def parse_items(text: str) -> list[ItemIn]:
    """Rows with a ``name`` and optional ``quantity``, ``price``, ``description``
    (an ``id`` column is ignored); every bad cell is reported, as a 422 would."""
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or "name" not in reader.fieldnames:
        raise HTTPException(UNPROCESSABLE, "the CSV needs a name column")
    items: list[ItemIn] = []
    errors: list[dict[str, Any]] = []
    for number, row in enumerate(reader, start=1):
        name = (row.get("name") or "").strip()
        if not name:
            errors.append(_error(number, "name", "missing", "Field required", name))
        quantity = _number(row, "quantity", int, number, errors)
        price = _number(row, "price", float, number, errors)
        description = row.get("description") or None
        items.append(ItemIn(name=name, quantity=int(quantity), price=price,
                            description=description))
    if errors:
        raise HTTPException(UNPROCESSABLE, errors)
    return items


def _number(
    row: dict[str, str | None], column: str, kind: type[int] | type[float], number: int,
    errors: list[dict[str, Any]],
) -> float:
    raw = (row.get(column) or "").strip()
    if not raw:
        return 0
    try:
        value = kind(raw)
    except ValueError:
        if kind is int:
            msg = "Input should be a valid integer, unable to parse string as an integer"
            errors.append(_error(number, column, "int_parsing", msg, raw))
        else:
            msg = "Input should be a valid number, unable to parse string as a number"
            errors.append(_error(number, column, "float_parsing", msg, raw))
        return 0
    if value < 0:
        errors.append(_error(number, column, "greater_than_equal",
                             "Input should be greater than or equal to 0", raw))
    return value


async def import_csv(data: bytes, db: Database, tasks: BackgroundTasks) -> Imported:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise HTTPException(UNPROCESSABLE, "the CSV must be UTF-8") from None
    items = parse_items(text)
    # The handlers are async (they await the body); the inserts go to a worker thread.
    count = await anyio.to_thread.run_sync(crud.create_items, db, items)
    tasks.add_task(crud.record_audit, db, "import", None, f"{count} items")
    return Imported(imported=count)


@router.post("/items", status_code=status.HTTP_201_CREATED, max_body_size=MAX_IMPORT_BYTES)
async def upload_items(file: UploadFile, db: DB, tasks: BackgroundTasks) -> Imported:
    """A CSV file sent from a form (``multipart/form-data``, field ``file``)."""
    return await import_csv(await file.read(), db, tasks)


@router.post("/items.csv", status_code=status.HTTP_201_CREATED, max_body_size=MAX_IMPORT_BYTES)
async def import_items(request: Request, db: DB, tasks: BackgroundTasks) -> Imported:
    """The CSV as the request body (``Content-Type: text/csv``)."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "text/csv":
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "send the CSV as text/csv")
    return await import_csv(await request.body(), db, tasks)
