"""The service in asgiweb, written the way a FastAPI user would write it.

Only the public API of ``docs/api.md`` is used: the Item body is a dataclass, handlers
return dicts and dataclasses and the default JSONResponse encodes them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from asgiweb import App, Depends, Header, HTTPException
from asgiweb.responses import PlainTextResponse, StreamingResponse
from benchmarks.records import CHUNKS, HELLO, RECORDS, USERS, Record

__all__ = ["app"]

app = App()


@dataclass
class Item:
    title: str
    timestamp: datetime
    description: str | None = None


@app.get("/plaintext", response_class=PlainTextResponse)
async def plaintext() -> str:
    return HELLO


@app.get("/json")
async def json_endpoint() -> dict[str, str]:
    return {"message": HELLO}


@app.get("/json-sync")
def json_sync() -> dict[str, str]:
    return {"message": HELLO}


@app.get("/items/{item_id}")
async def read_item(item_id: int, q: str | None = None) -> dict[str, Any]:
    return {"item_id": item_id, "q": q}


@app.get("/encoded")
async def encoded() -> list[Record]:
    return RECORDS


@app.put("/items/{item_id}")
async def update_item(item_id: int, item: Item) -> dict[str, Any]:
    return {"item_id": item_id, "item": item}


async def _chunks() -> AsyncIterator[bytes]:
    for chunk in CHUNKS:
        yield chunk


@app.get("/stream")
async def stream() -> StreamingResponse:
    return StreamingResponse(_chunks(), media_type="application/octet-stream")


# -- dependencies: one nested, one with yield --------------------------------------------


async def pagination(q: str | None = None, skip: int = 0) -> dict[str, Any]:
    return {"q": q, "skip": skip}


async def token(x_token: Annotated[str, Header()]) -> str:
    return x_token


async def current_user(value: Annotated[str, Depends(token)]) -> str:
    user = USERS.get(value)
    if user is None:
        raise HTTPException(401, "Invalid token")
    return user


class Session:
    def __init__(self) -> None:
        self.state = "open"


async def session() -> AsyncIterator[Session]:
    opened = Session()
    try:
        yield opened
    finally:
        opened.state = "closed"


@app.get("/deps/{item_id}")
async def with_dependencies(
    item_id: int,
    page: Annotated[dict[str, Any], Depends(pagination)],
    user: Annotated[str, Depends(current_user)],
    db: Annotated[Session, Depends(session)],
) -> dict[str, Any]:
    return {**{"item_id": item_id}, **page, "user": user, "session": db.state}


# -- a response model of dataclasses -------------------------------------------------------


@app.get("/model", response_model=list[Record])
async def model() -> Any:
    return RECORDS
