"""The audit log the item routes write from background tasks.

It is also the service's change log: ``/changes?after=ID`` gives what happened
since the entry a client saw last, which is what a streamed change feed
(JSON Lines or server-sent events) will send as it happens.
"""

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


@router.get("/changes")
def read_changes(
    request: Request, after: int = Query(0, ge=0), limit: int = Query(100, ge=1, le=500)
) -> dict[str, Any]:
    """Entries after id ``after``, oldest first; ``last_id`` is the next ``after``."""
    db = get_db(request)
    changes = crud.audit_after(db, after, limit)
    last_id = changes[-1]["id"] if changes else after
    return {"changes": changes, "last_id": last_id}
