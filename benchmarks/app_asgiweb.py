"""The service in asgiweb, written the way a FastAPI user would write it.

Only the public API of ``docs/api.md`` is used: the Item body is a dataclass, handlers
return dicts and dataclasses and the default JSONResponse encodes them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from asgiweb import (
    App,
    Depends,
    Form,
    Header,
    HTTPException,
    Request,
    Response,
    UploadFile,
    WebSocket,
    WebSocketDisconnect,
)
from asgiweb.middleware.cors import CORSMiddleware
from asgiweb.middleware.gzip import GZipMiddleware
from asgiweb.responses import PlainTextResponse, StreamingResponse
from asgiweb.sse import EventSourceResponse
from benchmarks.records import BIG_TEXT, CHUNKS, EVENTS, HELLO, RECORDS, USERS, Record

__all__ = ["app", "app_cors", "app_funcmw", "app_gzip"]

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


# -- streams from a yielding handler: Server-Sent Events and JSON Lines --------------------


@app.get("/sse", response_class=EventSourceResponse)
async def sse() -> AsyncIterator[dict[str, Any]]:
    for event in EVENTS:
        yield event


@app.get("/jsonl")
async def jsonl() -> AsyncIterator[dict[str, Any]]:
    for event in EVENTS:
        yield event


# -- forms: three urlencoded fields; one file in a multipart body -------------------------


@app.post("/form")
async def form(
    name: Annotated[str, Form()], age: Annotated[str, Form()], city: Annotated[str, Form()]
) -> dict[str, str]:
    return {"name": name, "age": age, "city": city}


@app.post("/upload")
async def upload(file: UploadFile) -> dict[str, Any]:
    return {"filename": file.filename, "size": len(await file.read())}


# -- WebSocket echo -------------------------------------------------------------------------


@app.websocket("/ws")
async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    try:
        while True:
            await websocket.send_text(await websocket.receive_text())
    except WebSocketDisconnect:
        pass


# -- middleware variants: each its own app, so that ``app`` stays without middleware ------


def _plaintext_app() -> App:
    variant = App()

    @variant.get("/plaintext", response_class=PlainTextResponse)
    async def plaintext() -> str:
        return HELLO

    @variant.get("/big", response_class=PlainTextResponse)
    async def big() -> str:
        return BIG_TEXT

    return variant


app_cors = _plaintext_app()
app_cors.add_middleware(CORSMiddleware, allow_origins=["*"])

app_gzip = _plaintext_app()
app_gzip.add_middleware(GZipMiddleware)

app_funcmw = _plaintext_app()


@app_funcmw.middleware("http")
async def add_header(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    response = await call_next(request)
    response.headers["x-process"] = "1"
    return response
