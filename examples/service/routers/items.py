"""CRUD on /items, with a paginated, filterable list.

Handlers that touch the database are plain ``def``: asgiweb runs them in a
worker thread, so a query never blocks the event loop.
"""

from __future__ import annotations

from asgiweb import BackgroundTasks, Cookie, HTTPException, Query, Request, Response, Router, status

from .. import crud
from ..db import get_db
from ..models import Item, ItemIn, ItemPatch, Page

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

router = Router(prefix="/items", tags=["items"])


def _check(item: ItemIn | ItemPatch) -> None:
    if item.quantity is not None and item.quantity < 0:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "quantity must not be negative")
    if item.price is not None and item.price < 0:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "price must not be negative")


def _not_found(item_id: int) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"item {item_id} not found")


@router.get("")
def list_items(
    request: Request,
    limit: int | None = Query(None, ge=1, le=MAX_PAGE_SIZE),
    offset: int = Query(0, ge=0),
    q: str | None = Query(None, max_length=100),
    page_size: int | None = Cookie(None),
) -> Page:
    """One page of items; ``limit`` defaults to the ``page_size`` cookie, then to 20."""
    db = get_db(request)
    if limit is None:
        limit = min(max(page_size or DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE)
    items, total = crud.list_items(db, limit=limit, offset=offset, q=q)
    return Page(total=total, limit=limit, offset=offset, items=items)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_item(item: ItemIn, request: Request, tasks: BackgroundTasks) -> Item:
    db = get_db(request)
    _check(item)
    created = crud.create_item(db, item)
    tasks.add_task(crud.record_audit, db, "create", created.id, created.name)
    return created


@router.get("/{item_id}")
def read_item(item_id: int, request: Request) -> Item:
    db = get_db(request)
    item = crud.get_item(db, item_id)
    if item is None:
        raise _not_found(item_id)
    return item


@router.put("/{item_id}")
def replace_item(item_id: int, item: ItemIn, request: Request, tasks: BackgroundTasks) -> Item:
    db = get_db(request)
    _check(item)
    replaced = crud.replace_item(db, item_id, item)
    if replaced is None:
        raise _not_found(item_id)
    tasks.add_task(crud.record_audit, db, "replace", item_id, replaced.name)
    return replaced


@router.patch("/{item_id}")
def patch_item(item_id: int, patch: ItemPatch, request: Request, tasks: BackgroundTasks) -> Item:
    db = get_db(request)
    _check(patch)
    patched = crud.patch_item(db, item_id, patch)
    if patched is None:
        raise _not_found(item_id)
    tasks.add_task(crud.record_audit, db, "patch", item_id, patched.name)
    return patched


@router.delete("/{item_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_item(item_id: int, request: Request, tasks: BackgroundTasks) -> Response:
    db = get_db(request)
    if not crud.delete_item(db, item_id):
        raise _not_found(item_id)
    tasks.add_task(crud.record_audit, db, "delete", item_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT, background=tasks)
