"""The service every benchmark app implements: its data, its endpoints and their right answers.

Every app answers the same requests with the same data, and every timed response is
checked against the answers defined here, so a broken endpoint cannot look fast.

The reference body of a JSON endpoint is what FastAPI's default path sends:
``json.dumps(jsonable_encoder(value), ensure_ascii=False, separators=(",", ":"),
allow_nan=False)``, UTF-8 encoded.  An app that serialises through pydantic-core (FastAPI
with a response model) writes a ``Decimal`` as a string and may spell a datetime
differently, so a body that is not byte-identical is also accepted when it decodes to
the same values (:func:`same_values`); the report says which apps are byte-identical.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

__all__ = [
    "BIG_TEXT",
    "CHUNKS",
    "CORS_ORIGIN",
    "DEPS_ANSWER",
    "ENDPOINTS",
    "EVENTS",
    "FORM_BODY",
    "FORM_FIELDS",
    "HELLO",
    "ITEM_BODY",
    "RECORDS",
    "TOKEN",
    "UPLOAD_BODY",
    "UPLOAD_CONTENT",
    "UPLOAD_TYPE",
    "USERS",
    "WS_MESSAGES",
    "Endpoint",
    "Meta",
    "Record",
    "check_response",
    "encode_records",
    "reference_json",
]

HELLO = "Hello, World!"
TZ = timezone(timedelta(hours=2))


@dataclass
class Meta:
    source: str
    released: date


@dataclass
class Record:
    id: UUID
    name: str
    created: datetime
    price: Decimal
    tags: list[str]
    meta: Meta


def _make_records() -> list[Record]:
    """Twenty records; prices alternate between whole and fractional Decimals because
    jsonable_encoder turns the first into an int and the second into a float."""
    records = []
    for i in range(20):
        price = Decimal(10 + i) if i % 4 == 0 else Decimal(f"{10 + i}.{(i * 7) % 100:02d}")
        records.append(
            Record(
                id=UUID(int=0x1234_5678_9ABC_4DEF_8123_0000_0000_0000 + i * 7919),
                name=f"record-{i:02d} é",
                created=datetime(2024, 1, 2, 3, 4, 5, (i % 3) * 125_000, tzinfo=TZ)
                + timedelta(hours=i),
                price=price,
                tags=[f"tag{i}", "common", f"group{i % 5}"],
                meta=Meta(source=f"src-{i % 3}", released=date(2023, 1 + i % 12, 1 + i)),
            )
        )
    return records


RECORDS: list[Record] = _make_records()

# 10 chunks of 1 KiB, distinct so a reordered or dropped chunk fails the check.
CHUNKS: list[bytes] = [bytes([ord("a") + i]) * 1024 for i in range(10)]

TOKEN = b"secret-token"
USERS = {"secret-token": "alice"}
# What GET /deps/5?q=x (x-token: secret-token) answers.
DEPS_ANSWER = {"item_id": 5, "q": "x", "skip": 0, "user": "alice", "session": "open"}

# Ten small events for the SSE and JSON Lines streams (each handler yields these dicts).
EVENTS: list[dict[str, Any]] = [{"n": i, "text": f"event {i}"} for i in range(10)]

# The form endpoint: a urlencoded POST with three fields read by Form() parameters.
FORM_FIELDS = {"name": "ada", "age": "36", "city": "London"}
FORM_BODY = b"name=ada&age=36&city=London"

# The upload endpoint: a small multipart POST with one file part.
UPLOAD_CONTENT = b"hello upload\n" * 8
_BOUNDARY = b"benchboundary7MA4YWxkTrZu0gW"
UPLOAD_TYPE = b"multipart/form-data; boundary=" + _BOUNDARY
UPLOAD_BODY = (
    b"--" + _BOUNDARY + b"\r\n"
    b'Content-Disposition: form-data; name="file"; filename="notes.txt"\r\n'
    b"Content-Type: text/plain\r\n\r\n" + UPLOAD_CONTENT + b"\r\n"
    b"--" + _BOUNDARY + b"--\r\n"
)

# Served through GZip: a text body well over the 500-byte threshold.
BIG_TEXT = (HELLO + " ") * 100
CORS_ORIGIN = b"https://example.com"

# The WebSocket echo: texts sent over one connection, each echoed back.
WS_MESSAGES: list[str] = [f"message {i}" for i in range(16)]

ITEM_BODY = b'{"title":"Foo","timestamp":"2024-01-02T03:04:05+02:00","description":"A thing"}'


def _decimal(value: Decimal) -> int | float:
    # jsonable_encoder's rule: no fractional exponent -> int, else float.
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= 0:
        return int(value)
    return float(value)


def encode_records(records: list[Record]) -> list[dict[str, Any]]:
    """Turn the records into plain JSON data by hand: what the raw app does per request."""
    return [
        {
            "id": str(r.id),
            "name": r.name,
            "created": r.created.isoformat(),
            "price": _decimal(r.price),
            "tags": list(r.tags),
            "meta": {"source": r.meta.source, "released": r.meta.released.isoformat()},
        }
        for r in records
    ]


def reference_json(value: Any) -> bytes:
    """Serialise plain JSON data the way FastAPI's JSONResponse does."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def _normalise_records(data: Any) -> Any:
    """Decode the values whose spelling differs between encoders (Decimal, datetime)."""
    if not isinstance(data, list):
        return data
    out = []
    for rec in data:
        if not isinstance(rec, dict) or not isinstance(rec.get("meta"), dict):
            return data
        try:
            out.append(
                {
                    **rec,
                    "id": UUID(str(rec["id"])),
                    "created": datetime.fromisoformat(str(rec["created"])),
                    "price": Decimal(str(rec["price"])),
                    "meta": {
                        **rec["meta"],
                        "released": date.fromisoformat(str(rec["meta"]["released"])),
                    },
                }
            )
        except (KeyError, ValueError):
            return data
    return out


def _normalise_item(data: Any) -> Any:
    if isinstance(data, dict) and isinstance(data.get("item"), dict):
        item = data["item"]
        try:
            stamp = datetime.fromisoformat(str(item.get("timestamp")))
        except ValueError:
            return data
        return {**data, "item": {**item, "timestamp": stamp}}
    return data


def _identity(data: Any) -> Any:
    return data


@dataclass(frozen=True)
class Endpoint:
    """One request of the service and the response it must get."""

    name: str
    method: str
    path: str
    query: str
    status: int
    content_type: str  # the media type the response's content-type must start with
    expected: bytes
    body: bytes = b""
    request_headers: tuple[tuple[bytes, bytes], ...] = ()
    normalise: Callable[[Any], Any] | None = field(default=None, compare=False)
    # Served by another app object of the same module (``app`` + "_" + variant): the
    # middleware variants, so that the plain app stays without middleware.
    variant: str = ""
    # Response headers that must be present with these values (lower-case names).
    expect_headers: tuple[tuple[bytes, bytes], ...] = ()
    gunzip: bool = False  # the body is gzip-compressed; checked after decompressing
    websocket: bool = False  # a WebSocket echo: timed per message, not per request
    # The apps that serve it (empty: all); FastAPI's model app has only the first set.
    apps: tuple[str, ...] = ()

    @property
    def target(self) -> str:
        return self.path + ("?" + self.query if self.query else "")


_JSON = (b"content-type", b"application/json")
_NEW = ("raw", "asgiweb", "fastapi")


def _sse(events: list[dict[str, Any]]) -> bytes:
    return b"".join(b"data: " + reference_json(e) + b"\n\n" for e in events)


def _jsonl(events: list[dict[str, Any]]) -> bytes:
    return b"".join(reference_json(e) + b"\n" for e in events)


ENDPOINTS: dict[str, Endpoint] = {
    ep.name: ep
    for ep in [
        Endpoint("plaintext", "GET", "/plaintext", "", 200, "text/plain", HELLO.encode()),
        Endpoint(
            "json", "GET", "/json", "", 200, "application/json",
            reference_json({"message": HELLO}), normalise=_identity,
        ),
        Endpoint(
            "json-sync", "GET", "/json-sync", "", 200, "application/json",
            reference_json({"message": HELLO}), normalise=_identity,
        ),
        Endpoint(
            "items", "GET", "/items/5", "q=x", 200, "application/json",
            reference_json({"item_id": 5, "q": "x"}), normalise=_identity,
        ),
        Endpoint(
            "encoded", "GET", "/encoded", "", 200, "application/json",
            reference_json(encode_records(RECORDS)), normalise=_normalise_records,
        ),
        Endpoint(
            "put", "PUT", "/items/5", "", 200, "application/json",
            reference_json({"item_id": 5, "item": json.loads(ITEM_BODY)}),
            body=ITEM_BODY,
            request_headers=(_JSON, (b"content-length", str(len(ITEM_BODY)).encode())),
            normalise=_normalise_item,
        ),
        Endpoint(
            "stream", "GET", "/stream", "", 200, "application/octet-stream", b"".join(CHUNKS),
        ),
        # Three dependencies: pagination (query), the current user (nested: it needs the
        # token dependency, which reads a header) and a session opened and closed by yield.
        Endpoint(
            "deps", "GET", "/deps/5", "q=x", 200, "application/json",
            reference_json(DEPS_ANSWER), request_headers=((b"x-token", TOKEN),),
            normalise=_identity,
        ),
        # The twenty records through a response model of dataclasses (validated, then
        # encoded); FastAPI writes it with pydantic-core, hence the normalised check.
        Endpoint(
            "model", "GET", "/model", "", 200, "application/json",
            reference_json(encode_records(RECORDS)), normalise=_normalise_records,
        ),
        # -- what the feature issues added (raw, asgiweb and FastAPI's dict app) --------
        # A handler yielding ten dicts with response_class=EventSourceResponse.
        Endpoint(
            "sse", "GET", "/sse", "", 200, "text/event-stream", _sse(EVENTS), apps=_NEW,
        ),
        # A handler yielding ten dicts: JSON Lines, the default for a yielding handler.
        Endpoint(
            "jsonl", "GET", "/jsonl", "", 200, "application/jsonl", _jsonl(EVENTS), apps=_NEW,
        ),
        # Three urlencoded fields read by Form() parameters.
        Endpoint(
            "form", "POST", "/form", "", 200, "application/json", reference_json(FORM_FIELDS),
            body=FORM_BODY, normalise=_identity, apps=_NEW,
            request_headers=(
                (b"content-type", b"application/x-www-form-urlencoded"),
                (b"content-length", str(len(FORM_BODY)).encode()),
            ),
        ),
        # One small file in a multipart body, read as an UploadFile.
        Endpoint(
            "upload", "POST", "/upload", "", 200, "application/json",
            reference_json({"filename": "notes.txt", "size": len(UPLOAD_CONTENT)}),
            body=UPLOAD_BODY, normalise=_identity, apps=_NEW,
            request_headers=(
                (b"content-type", UPLOAD_TYPE),
                (b"content-length", str(len(UPLOAD_BODY)).encode()),
            ),
        ),
        # /plaintext through CORSMiddleware(allow_origins=["*"]): a simple request.
        Endpoint(
            "cors", "GET", "/plaintext", "", 200, "text/plain", HELLO.encode(),
            request_headers=((b"origin", CORS_ORIGIN),), variant="cors", apps=_NEW,
            expect_headers=((b"access-control-allow-origin", b"*"),),
        ),
        # A 1.4 KB text through GZipMiddleware (default threshold 500 bytes).
        Endpoint(
            "gzip", "GET", "/big", "", 200, "text/plain", BIG_TEXT.encode(),
            request_headers=((b"accept-encoding", b"gzip"),), variant="gzip", apps=_NEW,
            expect_headers=((b"content-encoding", b"gzip"),), gunzip=True,
        ),
        # /plaintext through an @app.middleware("http") function adding a header.
        Endpoint(
            "funcmw", "GET", "/plaintext", "", 200, "text/plain", HELLO.encode(),
            variant="funcmw", apps=_NEW, expect_headers=((b"x-process", b"1"),),
        ),
        # WebSocket echo: one connection, len(WS_MESSAGES) texts per batch unit; the
        # time quoted is per echoed message (send_text after receive_text).
        Endpoint(
            "ws", "WEBSOCKET", "/ws", "", 200, "", "\n".join(WS_MESSAGES).encode(),
            websocket=True, apps=_NEW,
        ),
    ]
}  # fmt: skip


def same_values(ep: Endpoint, body: bytes) -> bool:
    """True when ``body`` decodes to the reference's values (encoder spelling aside)."""
    if ep.normalise is None:
        return False
    try:
        got = json.loads(body)
    except ValueError:
        return False
    want = json.loads(ep.expected)
    return bool(ep.normalise(got) == ep.normalise(want))


def check_response(
    ep: Endpoint,
    status: int | None,
    content_type: str,
    body: bytes,
    headers: Any = (),
) -> str | None:
    """Return why a response is wrong, or None when it is right."""
    for name, value in ep.expect_headers:
        if (name, value) not in [(n.lower(), v) for n, v in headers]:
            return f"{ep.name}: no {name.decode()}: {value.decode()} header"
    if ep.gunzip:
        try:
            body = gzip.decompress(body)
        except (OSError, EOFError, zlib.error):
            return f"{ep.name}: body is not gzip: {body[:60]!r}"
    if status != ep.status:
        return f"{ep.name}: status {status}, expected {ep.status}; body {body[:200]!r}"
    if not content_type.startswith(ep.content_type):
        return f"{ep.name}: content-type {content_type!r}, expected {ep.content_type!r}"
    if body != ep.expected and not same_values(ep, body):
        return f"{ep.name}: body {body[:200]!r}..., expected {ep.expected[:200]!r}..."
    return None
