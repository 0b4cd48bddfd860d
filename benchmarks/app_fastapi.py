"""The service in FastAPI, written the way FastAPI's documentation writes it, twice.

- ``app_dict``: handlers without a return type return dicts and dataclasses; FastAPI
  runs them through ``jsonable_encoder`` and ``json.dumps``.
- ``app_model``: handlers declare pydantic return types; FastAPI validates the value
  and serialises it with pydantic-core.

Both read the Item body as a pydantic model, as FastAPI's docs do.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import (
    Depends,
    FastAPI,
    Form,
    Header,
    HTTPException,
    Request,
    Response,
    UploadFile,
    WebSocket,
    WebSocketDisconnect,
)
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import PlainTextResponse, StreamingResponse
from fastapi.sse import EventSourceResponse
from pydantic import BaseModel

from benchmarks.records import BIG_TEXT, CHUNKS, EVENTS, HELLO, RECORDS, USERS, Record

__all__ = ["app_dict", "app_dict_cors", "app_dict_funcmw", "app_dict_gzip", "app_model"]


class Item(BaseModel):
    title: str
    timestamp: datetime
    description: str | None = None


class Message(BaseModel):
    message: str


class ItemQuery(BaseModel):
    item_id: int
    q: str | None = None


class ItemUpdate(BaseModel):
    item_id: int
    item: Item


class MetaModel(BaseModel):
    source: str
    released: date


class RecordModel(BaseModel):
    id: UUID
    name: str
    created: datetime
    price: Decimal
    tags: list[str]
    meta: MetaModel


# Built once, like the dataclass records the other apps return.
RECORD_MODELS = [
    RecordModel(
        id=r.id,
        name=r.name,
        created=r.created,
        price=r.price,
        tags=list(r.tags),
        meta=MetaModel(source=r.meta.source, released=r.meta.released),
    )
    for r in RECORDS
]


async def _chunks() -> AsyncIterator[bytes]:
    for chunk in CHUNKS:
        yield chunk


# -- returning dicts: the jsonable_encoder path -----------------------------------------

app_dict = FastAPI()


@app_dict.get("/plaintext", response_class=PlainTextResponse)
async def plaintext_dict():  # type: ignore[no-untyped-def]
    return HELLO


@app_dict.get("/json")
async def json_dict():  # type: ignore[no-untyped-def]
    return {"message": HELLO}


@app_dict.get("/json-sync")
def json_sync_dict():  # type: ignore[no-untyped-def]
    return {"message": HELLO}


@app_dict.get("/items/{item_id}")
async def read_item_dict(item_id: int, q: str | None = None):  # type: ignore[no-untyped-def]
    return {"item_id": item_id, "q": q}


@app_dict.get("/encoded")
async def encoded_dict():  # type: ignore[no-untyped-def]
    return RECORDS


@app_dict.put("/items/{item_id}")
async def update_item_dict(item_id: int, item: Item):  # type: ignore[no-untyped-def]
    return {"item_id": item_id, "item": item}


@app_dict.get("/stream")
async def stream_dict():  # type: ignore[no-untyped-def]
    return StreamingResponse(_chunks(), media_type="application/octet-stream")


# -- typed returns: the response-model path (pydantic-core) -----------------------------

app_model = FastAPI()


@app_model.get("/plaintext", response_class=PlainTextResponse)
async def plaintext_model() -> str:
    return HELLO


@app_model.get("/json")
async def json_model() -> Message:
    return Message(message=HELLO)


@app_model.get("/json-sync")
def json_sync_model() -> Message:
    return Message(message=HELLO)


@app_model.get("/items/{item_id}")
async def read_item_model(item_id: int, q: str | None = None) -> ItemQuery:
    return ItemQuery(item_id=item_id, q=q)


@app_model.get("/encoded")
async def encoded_model() -> list[RecordModel]:
    return RECORD_MODELS


@app_model.put("/items/{item_id}")
async def update_item_model(item_id: int, item: Item) -> ItemUpdate:
    return ItemUpdate(item_id=item_id, item=item)


@app_model.get("/stream")
async def stream_model() -> StreamingResponse:
    return StreamingResponse(_chunks(), media_type="application/octet-stream")


# -- dependencies (both apps): one nested, one with yield --------------------------------


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


async def with_dependencies(
    item_id: int,
    page: Annotated[dict[str, Any], Depends(pagination)],
    user: Annotated[str, Depends(current_user)],
    db: Annotated[Session, Depends(session)],
) -> dict[str, Any]:
    return {**{"item_id": item_id}, **page, "user": user, "session": db.state}


app_dict.get("/deps/{item_id}")(with_dependencies)
app_model.get("/deps/{item_id}")(with_dependencies)


# -- a response model: dataclasses on the dict app, pydantic models on the model app ----


@app_dict.get("/model", response_model=list[Record])
async def model_dict():  # type: ignore[no-untyped-def]
    return RECORDS


@app_model.get("/model")
async def model_model() -> list[RecordModel]:
    return RECORD_MODELS


# -- what the feature issues added (on the dict app; the model app has the first set) ----


@app_dict.get("/sse", response_class=EventSourceResponse)
async def sse_dict() -> AsyncIterable[dict[str, Any]]:
    for event in EVENTS:
        yield event


@app_dict.get("/jsonl")
async def jsonl_dict() -> AsyncIterable[dict[str, Any]]:
    for event in EVENTS:
        yield event


@app_dict.post("/form")
async def form_dict(
    name: Annotated[str, Form()], age: Annotated[str, Form()], city: Annotated[str, Form()]
) -> dict[str, str]:
    return {"name": name, "age": age, "city": city}


@app_dict.post("/upload")
async def upload_dict(file: UploadFile) -> dict[str, Any]:
    return {"filename": file.filename, "size": len(await file.read())}


@app_dict.websocket("/ws")
async def echo_dict(websocket: WebSocket) -> None:
    await websocket.accept()
    try:
        while True:
            await websocket.send_text(await websocket.receive_text())
    except WebSocketDisconnect:
        pass


def _plaintext_app() -> FastAPI:
    variant = FastAPI()

    @variant.get("/plaintext", response_class=PlainTextResponse)
    async def plaintext():  # type: ignore[no-untyped-def]
        return HELLO

    @variant.get("/big", response_class=PlainTextResponse)
    async def big():  # type: ignore[no-untyped-def]
        return BIG_TEXT

    return variant


app_dict_cors = _plaintext_app()
app_dict_cors.add_middleware(CORSMiddleware, allow_origins=["*"])

app_dict_gzip = _plaintext_app()
app_dict_gzip.add_middleware(GZipMiddleware)

app_dict_funcmw = _plaintext_app()


@app_dict_funcmw.middleware("http")
async def add_header(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    response = await call_next(request)
    response.headers["x-process"] = "1"
    return response
