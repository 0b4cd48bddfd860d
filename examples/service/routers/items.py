"""CRUD on /items, with a paginated, filterable list.

Handlers that touch the database are plain ``def``: asgiweb runs them in a
worker thread, so a query never blocks the event loop. They get the connection
from the ``DB`` dependency and declare what they send with their return
annotation (``ItemOut``, ``Page``): the ``Item`` they return carries
``cost_price``, which the response model leaves out.
"""

from __future__ import annotations

from asgiweb import BackgroundTasks, Cookie, HTTPException, Query, Response, Router, status

from .. import crud
from ..deps import DB, Transaction
from ..models import ItemIn, ItemOut, ItemPatch, Page

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

router = Router(prefix="/items", tags=["items"])


def _check(item: ItemIn | ItemPatch) -> None:
    for name in ("quantity", "price", "cost_price"):
        value = getattr(item, name)
        if value is not None and value < 0:
            detail = f"{name} must not be negative"
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail)


def _not_found(item_id: int) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"item {item_id} not found")


@router.get("")
def list_items(
    db: DB,
    limit: int | None = Query(None, ge=1, le=MAX_PAGE_SIZE),
    offset: int = Query(0, ge=0),
    q: str | None = Query(None, max_length=100),
    page_size: int | None = Cookie(None),
) -> Page:
    """One page of items; ``limit`` defaults to the ``page_size`` cookie, then to 20."""
    if limit is None:
        limit = min(max(page_size or DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE)
    items, total = crud.list_items(db, limit=limit, offset=offset, q=q)
    return Page(total=total, limit=limit, offset=offset, items=list(items))


@router.post("", status_code=status.HTTP_201_CREATED)
def create_item(item: ItemIn, db: DB, tasks: BackgroundTasks) -> ItemOut:
    _check(item)
    created = crud.create_item(db, item)
    tasks.add_task(crud.record_audit, db, "create", created.id, created.name)
    return created


@router.get("/{item_id}")
def read_item(item_id: int, db: DB) -> ItemOut:
    item = crud.get_item(db, item_id)
    if item is None:
        raise _not_found(item_id)
    return item


@router.put("/{item_id}")
def replace_item(item_id: int, item: ItemIn, db: DB, tasks: BackgroundTasks) -> ItemOut:
    _check(item)
    replaced = crud.replace_item(db, item_id, item)
    if replaced is None:
        raise _not_found(item_id)
    tasks.add_task(crud.record_audit, db, "replace", item_id, replaced.name)
    return replaced


@router.patch("/{item_id}")
def patch_item(
    item_id: int, patch: ItemPatch, db: DB, session: Transaction, tasks: BackgroundTasks
) -> ItemOut:
    """The update and the read-back run in one transaction (``Transaction``)."""
    _check(patch)
    patched = crud.patch_item(session, item_id, patch)
    if patched is None:
        raise _not_found(item_id)
    tasks.add_task(crud.record_audit, db, "patch", item_id, patched.name)
    return patched


@router.delete("/{item_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_item(item_id: int, db: DB, tasks: BackgroundTasks) -> Response:
    if not crud.delete_item(db, item_id):
        raise _not_found(item_id)
    tasks.add_task(crud.record_audit, db, "delete", item_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT, background=tasks)
