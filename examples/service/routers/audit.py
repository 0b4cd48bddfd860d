"""The audit log the item routes write from background tasks.

It is also the service's change log: ``/changes?after=ID`` gives what happened
since the entry a client saw last, and ``/feed`` streams the same entries as
server-sent events while they happen.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import anyio.to_thread

from asgiweb import Header, Query, Router
from asgiweb.sse import EventSourceResponse, ServerSentEvent

from .. import crud
from ..deps import DB, SettingsDep
from ..models import AuditEntry, Changes
from ..settings import bounded_poll

router = Router(prefix="/audit", tags=["audit"])

FEED_BATCH = 100
RETRY_MS = 2000  # how long a browser's EventSource waits before it reconnects


@router.get("")
def read_audit(db: DB, limit: int = Query(50, ge=1, le=500)) -> list[AuditEntry]:
    """The most recent entries first."""
    return [AuditEntry(**entry) for entry in crud.list_audit(db, limit)]


@router.get("/changes")
def read_changes(
    db: DB, after: int = Query(0, ge=0), limit: int = Query(100, ge=1, le=500)
) -> Changes:
    """Entries after id ``after``, oldest first; ``last_id`` is the next ``after``."""
    changes = [AuditEntry(**entry) for entry in crud.audit_after(db, after, limit)]
    return Changes(changes=changes, last_id=changes[-1].id if changes else after)


@router.get("/feed", response_class=EventSourceResponse)
async def feed(
    db: DB,
    settings: SettingsDep,
    after: int = Query(0, ge=0),
    last_event_id: int | None = Header(None, ge=0),
) -> AsyncIterator[ServerSentEvent]:
    """Every entry after ``after``, then each new one as it is written, for ever.

    Each event's ``id`` is the entry's id, so a browser that reconnects sends
    the last one it saw as ``Last-Event-ID`` and the feed resumes after it (the
    header wins over ``after``). While there is nothing new the database is
    asked again every ``settings.feed_poll`` seconds (bounded: never a busy
    loop, never minutes); the stream ends when the client goes away.
    """
    last = after if last_event_id is None else last_event_id
    pause = bounded_poll(settings.feed_poll)
    first = True
    while True:
        entries = await anyio.to_thread.run_sync(crud.audit_after, db, last, FEED_BATCH)
        for entry in entries:
            last = int(entry["id"])
            yield ServerSentEvent(data=entry, id=str(last), retry=RETRY_MS if first else None)
            first = False
        if len(entries) < FEED_BATCH:
            await anyio.sleep(pause)
