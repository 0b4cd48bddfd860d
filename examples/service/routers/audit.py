"""The audit log the item routes write from background tasks."""

from __future__ import annotations

from typing import Any

from asgiweb import Query, Request, Router

from .. import crud
from ..db import get_db

router = Router(prefix="/audit", tags=["audit"])


@router.get("")
def read_audit(request: Request, limit: int = Query(50, ge=1, le=500)) -> list[dict[str, Any]]:
    """The most recent entries first."""
    db = get_db(request)
    return crud.list_audit(db, limit)
