"""Forms, file uploads and WebSockets, side by side with FastAPI (the oracle).

Each app is written once (``build(fw)``, see ``tests/oracle/sidebyside.py``) and
served by asgiweb and by FastAPI; the same requests (or the same WebSocket
conversations) go to both and the answers must be equal.

A WebSocket conversation is a list of steps run on the test client's session; its
transcript (what was received, the close code and reason, the error raised on
entering) is compared.

Four differences are deliberate and allowed by the comparisons here:

- a 422's ``input`` for an uploaded file is its ``filename``, ``size`` and
  ``headers`` (docs/api.md, "Forms and files"); FastAPI dumps the object's
  attributes, the temporary file's internals included: those keys are compared;
- the 1008 close for invalid WebSocket parameters carries the error list as JSON
  text cut to 123 bytes (docs/api.md, "WebSockets"); FastAPI puts the list itself
  in the ASGI message, which a real server cannot send: the JSON must hold the
  same errors (each one's ``type`` and ``loc`` at least);
- an ``HTTPException`` before ``accept`` on a server without the ASGI WebSocket
  Denial Response extension (the TestClient among them) is a plain refusal (403)
  where FastAPI sends the response anyway (docs/websockets.md); with the extension
  (uvicorn) both send the same response;
- a binary message where text is expected (or the reverse) closes with 1003
  (docs/websockets.md) where FastAPI's handler fails with a ``KeyError``; no
  conversation here sends one.
"""

import json
from collections.abc import Callable, Sequence
from typing import Annotated, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asgiweb.exceptions import WebSocketDisconnect
from asgiweb.testclient import TestClient, WebSocketDenialResponse
from tests.harness import Peer, drive, websocket_scope
from tests.oracle.sidebyside import Call, Framework, ask, frameworks

FILE_INPUT_KEYS = ("filename", "size", "headers")


def _file_inputs_as_ours(mine: Any, reference: Any) -> Any:
    """FastAPI's 422 with each uploaded file's ``input`` cut to the keys ours shows."""
    if not (isinstance(mine, dict) and isinstance(reference, dict)):
        return reference
    detail, their_detail = mine.get("detail"), reference.get("detail")
    if not (isinstance(detail, list) and isinstance(their_detail, list)):
        return reference
    if len(detail) != len(their_detail):
        return reference
    out = []
    for error, theirs in zip(detail, their_detail, strict=True):
        given = theirs.get("input")
        if isinstance(given, dict) and "_max_mem_size" in given and "file" in given:
            assert sorted(error["input"]) == sorted(FILE_INPUT_KEYS), error
            theirs = {**theirs, "input": {key: given[key] for key in FILE_INPUT_KEYS}}
        out.append(theirs)
    return {**reference, "detail": out}


def same_answers(
    build: Callable[[Framework], Any], calls: Sequence[Call], *, headers: Sequence[str]
) -> None:
    """``sidebyside.same_answers`` allowing the documented upload ``input``."""
    ours, theirs = frameworks()
    got = ask(build(ours), calls, headers=headers)
    expected = ask(build(theirs), calls, headers=headers)
    for call, mine, reference in zip(calls, got, expected, strict=True):
        reference = {**reference, "body": _file_inputs_as_ours(mine["body"], reference["body"])}
        assert mine == reference, call


pytest.importorskip("multipart")

FORM_HEADERS = ("content-type",)


# -- forms: scalar fields ---------------------------------------------------------------


def _scalar_form_app(fw: Framework) -> Any:
    app = fw.App()
    Form = fw.Form

    @app.post("/s")
    def scalars(
        name: Annotated[str, Form()],
        count: Annotated[int, Form()] = 1,
        flag: Annotated[bool, Form()] = False,
        note: Annotated[str | None, Form()] = None,
        ratio: Annotated[float | None, Form()] = None,
    ):
        return {"name": name, "count": count, "flag": flag, "note": note, "ratio": ratio}

    @app.post("/alias")
    def aliased(
        item: Annotated[str, Form(alias="item-name")], n: Annotated[int, Form(alias="N")] = 0
    ):
        return {"item": item, "n": n}

    @app.post("/c")
    def constrained(
        code: Annotated[str, Form(min_length=2, max_length=4, pattern="^[a-z]+$")],
        n: Annotated[int, Form(ge=1, le=10)] = 5,
        x: Annotated[float, Form(gt=0, lt=1)] = 0.5,
    ):
        return {"code": code, "n": n, "x": x}

    @app.post("/l")
    def listed(
        tags: Annotated[list[str], Form()],
        nums: Annotated[list[int], Form()] = [],  # noqa: B006 (FastAPI copies it)
        maybe: Annotated[list[str] | None, Form()] = None,
    ):
        return {"tags": tags, "nums": nums, "maybe": maybe}

    @app.post("/req")
    def required_opt(value: Annotated[str | None, Form()]):
        return {"value": value}

    @app.post("/empty-default")
    def empty_default(value: Annotated[str, Form()] = "dflt", number: Annotated[int, Form()] = 7):
        return {"value": value, "number": number}

    return app


FORM_SCALAR_CALLS = [
    Call.post("/s", data={"name": "ada"}),
    Call.post("/s", data={"name": "ada", "count": "3", "flag": "yes", "note": "n", "ratio": "1.5"}),
    Call.post("/s", data={"name": "ada", "count": "x", "flag": "maybe", "ratio": "nan?"}),
    Call.post("/s", data={"name": "ada", "count": "", "flag": "", "note": ""}),
    Call.post("/s", data={"count": "2"}),
    Call.post("/s", data={"name": ""}),
    Call.post("/s", data={"name": ["a", "b"], "count": ["1", "2"]}),
    Call.post("/s", data={"name": "ada", "flag": "off"}),
    Call.post("/s", data={"name": "ada", "flag": "1"}),
    Call.post("/s", data={"name": "ada", "count": "1.0"}),
    Call.post("/s", data={"name": "ada", "count": " 4 "}),
    Call.post("/s", data={"name": "ada", "count": "4\x1f", "ratio": "\x1c1.5"}),
    Call.post("/s", data={"name": "ada", "count": " \x1f4", "ratio": "1.5\x85"}),
    Call.post("/s", data={"name": "ada", "count": "\t4\u3000", "ratio": "\xa0 2"}),
    Call.post("/s"),
    Call.post("/s", content=b"", headers={"content-type": "application/x-www-form-urlencoded"}),
    Call.post("/s", json={"name": "ada"}),
    Call.post("/s", content=b"name=ada", headers={"content-type": "text/plain"}),
    Call.post(
        "/s",
        content=b"name=%zz&count=%31",
        headers={"content-type": "application/x-www-form-urlencoded"},
    ),
    Call.post(
        "/s",
        content=b"name=a+b&note=c%20d",
        headers={"content-type": "application/x-www-form-urlencoded"},
    ),
    Call.post(
        "/s", content=b"name&count=2", headers={"content-type": "application/x-www-form-urlencoded"}
    ),
    Call.post("/s", data={"name": "ada"}, files={"count": ("c.txt", b"3")}),
    Call.post("/s", files={"name": ("n.txt", b"ada")}),
    Call.post("/s", data={"name": "ada", "count": "4"}, files={"x": ("x", b"")}),
    Call.post("/alias", data={"item-name": "pen", "N": "2"}),
    Call.post("/alias", data={"item": "pen", "n": "2"}),
    Call.post("/alias", data={"item-name": ""}),
    Call.post("/c", data={"code": "abc", "n": "10", "x": "0.1"}),
    Call.post("/c", data={"code": "a", "n": "0", "x": "1"}),
    Call.post("/c", data={"code": "abcde", "n": "11", "x": "0"}),
    Call.post("/c", data={"code": "AB1"}),
    Call.post("/l", data={"tags": ["a", "b"], "nums": ["1", "2"]}),
    Call.post("/l", data={"tags": "a"}),
    Call.post("/l", data={"tags": ["a", ""], "nums": ["1", "x", ""]}),
    Call.post("/l", data={"nums": "1"}),
    Call.post("/l", data={"tags": "", "maybe": ["p", "q"]}),
    Call.post("/l", data={"tags": "t"}, files=[("tags", ("f", b"file-tag"))]),
    Call.post("/req", data={}),
    Call.post("/req", data={"value": ""}),
    Call.post("/req", data={"value": "v"}),
    Call.post("/empty-default", data={"value": "", "number": ""}),
    Call.post("/empty-default", data={"value": "x", "number": "8"}),
    Call.post("/empty-default", files={"value": ("v", b"from-file")}),
]


@pytest.mark.parametrize("call", FORM_SCALAR_CALLS, ids=repr)
def test_form_scalar_fields(call: Call) -> None:
    same_answers(_scalar_form_app, [call], headers=FORM_HEADERS)


# -- forms: models ----------------------------------------------------------------------


def _form_model_app(fw: Framework) -> Any:
    from pydantic import BaseModel, ConfigDict, Field

    class Login(BaseModel):
        username: str
        password: str = Field(min_length=3)
        remember: bool = False
        tags: list[str] = []

    class Strict(BaseModel):
        model_config = ConfigDict(extra="forbid")
        a: int
        b: str | None = None

    class Aliased(BaseModel):
        first_name: str = Field(alias="first-name")
        age: int = 0

    class Loose(BaseModel):
        ids: list[int] = Field(default_factory=list)
        maybe: int | None = None
        label: str = "none"
        on: bool | None = None

    app = fw.App()

    @app.post("/loose")
    def loose(data: Annotated[Loose, fw.Form()]):
        return data

    @app.post("/login")
    def login(data: Annotated[Login, fw.Form()]):
        return data

    @app.post("/strict")
    def strict(data: Annotated[Strict, fw.Form()]):
        return data

    @app.post("/aliased")
    def aliased(data: Annotated[Aliased, fw.Form()]):
        return data.model_dump()

    return app


FORM_MODEL_CALLS = [
    Call.post("/login", data={"username": "u", "password": "secret"}),
    Call.post(
        "/login", data={"username": "u", "password": "se", "remember": "on", "tags": ["a", "b"]}
    ),
    Call.post("/login", data={"username": "u"}),
    Call.post("/login", data={}),
    Call.post("/login", data={"username": "", "password": ""}),
    Call.post("/login", data={"username": "u", "password": "secret", "tags": "one", "extra": "x"}),
    Call.post("/login", data={"username": "u", "password": "secret", "remember": "nah"}),
    Call.post("/login", json={"username": "u", "password": "secret"}),
    Call.post("/login", files={"username": ("u", b"u"), "password": ("p", b"secret")}),
    Call.post("/strict", data={"a": "1"}),
    Call.post("/strict", data={"a": "1", "b": "x", "c": "3"}),
    Call.post("/strict", data={"a": "x", "zz": ""}),
    Call.post("/strict", data={"a": "1", "c": ["3", "4"]}),
    Call.post("/strict", data={"a": "1"}, files={"up": ("f.txt", b"x")}),
    Call.post("/loose"),
    Call.post("/loose", data={"ids": ["1", "2"], "maybe": "", "label": "", "on": ""}),
    Call.post("/loose", data={"ids": "x", "maybe": "y", "on": "z"}),
    Call.post("/loose", data={"ids": ["", "3"], "maybe": "4", "on": "off"}),
    Call.post("/loose", files={"ids": ("i", b"1")}),
    Call.post("/aliased", data={"first-name": "Ada", "age": "3"}),
    Call.post("/aliased", data={"first_name": "Ada"}),
]


@pytest.mark.parametrize("call", FORM_MODEL_CALLS, ids=repr)
def test_form_models(call: Call) -> None:
    same_answers(_form_model_app, [call], headers=FORM_HEADERS)


# -- files ------------------------------------------------------------------------------


def _file_app(fw: Framework) -> Any:
    app = fw.App()
    File, Form, UploadFile = fw.File, fw.Form, fw.UploadFile

    @app.post("/bytes")
    def raw(data: Annotated[bytes, File()]):
        return {"len": len(data), "head": data[:8].decode("latin-1")}

    @app.post("/upload")
    async def upload(doc: UploadFile):
        first = await doc.read(3)
        await doc.seek(0)
        whole = await doc.read()
        return {
            "filename": doc.filename,
            "content_type": doc.content_type,
            "size": doc.size,
            "first": first.decode("latin-1"),
            "len": len(whole),
            "headers": sorted((k.lower(), v) for k, v in doc.headers.items()),
        }

    @app.post("/many")
    async def many(docs: list[UploadFile]):
        return [{"filename": d.filename, "body": (await d.read()).decode("latin-1")} for d in docs]

    @app.post("/many-bytes")
    def many_bytes(blobs: Annotated[list[bytes], File()]):
        return [b.decode("latin-1") for b in blobs]

    @app.post("/optional")
    async def optional(doc: UploadFile | None = None, raw: Annotated[bytes | None, File()] = None):
        return {
            "doc": None if doc is None else doc.filename,
            "raw": None if raw is None else len(raw),
        }

    @app.post("/mixed")
    async def mixed(
        doc: Annotated[UploadFile, File()],
        note: Annotated[str, Form()],
        n: Annotated[int, Form()] = 0,
    ):
        return {
            "doc": doc.filename,
            "note": note,
            "n": n,
            "body": (await doc.read()).decode("latin-1"),
        }

    @app.post("/alias")
    async def aliased(doc: Annotated[UploadFile, File(alias="the-file")]):
        return {"doc": doc.filename}

    @app.post("/raw-form")
    async def raw_form(request: fw.Request):
        form = await request.form()
        out = []
        for key, value in form.multi_items():
            if isinstance(value, str):
                out.append([key, "str", value])
            else:
                out.append(
                    [
                        key,
                        "file",
                        value.filename,
                        value.content_type,
                        (await value.read()).decode("latin-1"),
                    ]
                )
        return out

    return app


FILE_CALLS = [
    Call.post("/bytes", files={"data": ("d.bin", b"\x00\x01hello")}),
    Call.post("/bytes", files={"data": ("d.bin", b"")}),
    Call.post("/bytes", data={"data": "as-a-field"}),
    Call.post("/bytes", data={"data": ""}),
    Call.post("/bytes", data={"other": "x"}),
    Call.post("/bytes"),
    Call.post("/bytes", json={"data": "x"}),
    Call.post("/upload", files={"doc": ("a.txt", b"hello world", "text/plain")}),
    Call.post("/upload", files={"doc": ("a.png", b"\x89PNG")}),
    Call.post("/upload", files={"doc": ("", b"nameless")}),
    Call.post("/upload", files={"doc": (None, b"no-filename")}),
    Call.post("/upload", files={"doc": ("h.txt", b"abc", "text/plain", {"X-Extra": "1"})}),
    Call.post("/upload", files={"doc": ("h.txt", b"", "text/plain")}),
    Call.post("/upload", data={"doc": "just text"}),
    Call.post("/upload", data={"doc": ""}),
    Call.post("/upload", data={"other": "x"}),
    Call.post(
        "/upload", data={"doc": "x"}, headers={"content-type": "application/x-www-form-urlencoded"}
    ),
    Call.post("/upload", files={"doc": ("a.txt", b"1")}, data={"doc": "2"}),
    Call.post("/upload", files=[("doc", ("a.txt", b"first")), ("doc", ("b.txt", b"second"))]),
    Call.post("/bytes", files=[("data", ("a", b"first")), ("data", ("b", b"second"))]),
    Call.post("/many", files=[("docs", ("a", b"1")), ("docs", ("b", b"2")), ("docs", ("c", b"3"))]),
    Call.post("/many", files=[("docs", ("a", b"1"))]),
    Call.post("/many", files=[("docs", ("a", b"1"))], data={"docs": "text"}),
    Call.post("/many", data={"docs": "text"}),
    Call.post("/many", data={"x": "y"}),
    Call.post("/many-bytes", files=[("blobs", ("a", b"1")), ("blobs", ("b", b"22"))]),
    Call.post("/many-bytes", data={"blobs": ["x", "y"]}),
    Call.post("/optional"),
    Call.post("/optional", data={"x": "1"}),
    Call.post("/optional", files={"doc": ("d", b"1"), "raw": ("r", b"22")}),
    Call.post("/optional", files={"doc": ("", b"")}),
    Call.post("/optional", data={"doc": "", "raw": ""}),
    Call.post("/optional", data={"doc": "text", "raw": "text"}),
    Call.post("/mixed", data={"note": "hi", "n": "2"}, files={"doc": ("d.txt", b"body")}),
    Call.post("/mixed", data={"note": "hi", "n": "z"}),
    Call.post("/mixed", files={"doc": ("d.txt", b"body"), "note": ("n", b"file-note")}),
    Call.post("/mixed", data={"note": "hi"}),
    Call.post("/alias", files={"the-file": ("t", b"1")}),
    Call.post("/alias", files={"doc": ("t", b"1")}),
    Call.post("/raw-form", data={"a": ["1", "2"], "b": ""}),
    Call.post(
        "/raw-form",
        data={"a": "1"},
        files=[("f", ("f.txt", b"xy", "text/plain")), ("f", ("", b""))],
    ),
    Call.post("/raw-form", json={"a": 1}),
    Call.post("/raw-form"),
]


@pytest.mark.parametrize("call", FILE_CALLS, ids=repr)
def test_files(call: Call) -> None:
    same_answers(_file_app, [call], headers=FORM_HEADERS)


# -- malformed bodies ---------------------------------------------------------------------

_MP = "multipart/form-data; boundary=xyz"

MALFORMED_CALLS = [
    Call.post("/mixed", content=b"garbage", headers={"content-type": _MP}),
    Call.post("/mixed", content=b"", headers={"content-type": _MP}),
    Call.post("/mixed", content=b"--xyz--\r\n", headers={"content-type": _MP}),
    Call.post(
        "/mixed", content=b"--xyz\r\nno-headers\r\n--xyz--\r\n", headers={"content-type": _MP}
    ),
    Call.post(
        "/mixed",
        content=b'--xyz\r\nContent-Disposition: form-data; name="note"\r\n\r\nhi\r\n',
        headers={"content-type": _MP},
    ),
    Call.post(
        "/mixed",
        content=b'--xyz\r\nContent-Disposition: form-data; name="note"\r\n\r\nhi\r\n--xyz--\r\n',
        headers={"content-type": _MP},
    ),
    Call.post(
        "/mixed",
        content=b"--xyz\r\nContent-Disposition: form-data\r\n\r\nhi\r\n--xyz--\r\n",
        headers={"content-type": _MP},
    ),
    Call.post(
        "/mixed",
        content=b"--xyz\r\nContent-Type: text/plain\r\n\r\nhi\r\n--xyz--\r\n",
        headers={"content-type": _MP},
    ),
    Call.post("/mixed", content=b"--xyz--\r\n", headers={"content-type": "multipart/form-data"}),
    Call.post(
        "/mixed", content=b"--xyz--\r\n", headers={"content-type": "multipart/form-data; boundary="}
    ),
    Call.post(
        "/mixed", content=b"note=hi", headers={"content-type": "multipart/mixed; boundary=xyz"}
    ),
    Call.post("/raw-form", content=b"garbage", headers={"content-type": _MP}),
    Call.post("/raw-form", content=b"--xyz--\r\n", headers={"content-type": "multipart/form-data"}),
    Call.post("/raw-form", content=b"a=1", headers={"content-type": "text/plain"}),
    Call.post("/bytes", content=b"garbage", headers={"content-type": _MP}),
]


@pytest.mark.parametrize("call", MALFORMED_CALLS, ids=repr)
def test_malformed_bodies(call: Call) -> None:
    same_answers(_file_app, [call], headers=FORM_HEADERS)


# -- generated form field sets ------------------------------------------------------------

_KEYS = st.sampled_from(["name", "count", "flag", "note", "ratio", "other"])
_VALUES = st.sampled_from(
    ["", "0", "1", "2", "-3", "1.5", "true", "off", "ada", " x ", "nan", "1e3"]
)
_CLIENTS: dict[str, TestClient] = {}


def _client(name: str) -> TestClient:
    if name not in _CLIENTS:
        ours, theirs = frameworks()
        fw = ours if name == "asgiweb" else theirs
        _CLIENTS[name] = TestClient(_scalar_form_app(fw), raise_server_exceptions=False)
    return _CLIENTS[name]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pairs=st.lists(st.tuples(_KEYS, _VALUES), max_size=8),
    multipart=st.booleans(),
)
def test_generated_form_fields(pairs: list[tuple[str, str]], multipart: bool) -> None:
    data: list[tuple[str, str]] = pairs
    results = []
    for name in ("asgiweb", "fastapi"):
        client = _client(name)
        if multipart:
            r = client.post("/s", data=data, files=[("zzz", ("z", b""))])
        else:
            r = client.post("/s", data=data)
        # A "nan" ratio cannot be rendered as JSON: both answer 500 in plain text.
        results.append((r.status_code, r.json() if r.status_code != 500 else r.text))
    assert results[0] == results[1], pairs


# -- WebSockets -----------------------------------------------------------------------------

Step = Callable[[Any], Any]


def _transcript(app: Any, url: str, steps: Sequence[Step], **connect: Any) -> list[Any]:
    """What the client saw: the handshake, each step's result, and how it ended."""
    from asgiweb.exceptions import WebSocketDisconnect

    out: list[Any] = []
    client = TestClient(app, raise_server_exceptions=False)
    try:
        with client.websocket_connect(url, **connect) as ws:
            out.append(("accepted", ws.accepted_subprotocol, sorted(ws.extra_headers)))
            for step in steps:
                try:
                    out.append(("ok", step(ws)))
                except WebSocketDisconnect as exc:
                    out.append(("closed", exc.code, exc.reason))
                    break
    except WebSocketDisconnect as exc:
        out.append(("refused", exc.code, exc.reason))
    return out


def _reason_as_ours(mine: Any, reference: Any) -> Any:
    """FastAPI's 1008 refusal with its error list as the JSON reason ours sends."""
    if not (reference[0] == "refused" and reference[1] == 1008 and isinstance(reference[2], list)):
        return reference
    assert mine[:2] == reference[:2], (mine, reference)
    reason = mine[2]
    assert isinstance(reason, str) and len(reason.encode()) <= 123, reason
    full = json.dumps(reference[2], separators=(",", ":"), ensure_ascii=False)
    short = json.dumps(
        [{"type": e["type"], "loc": e["loc"]} for e in reference[2]], separators=(",", ":")
    )
    # The whole list if it fits, else type and loc only, else a cut of those.
    assert reason in (full, short) or (len(short.encode()) > 123 and short.startswith(reason)), (
        reason
    )
    return mine


def same_conversation(
    build: Callable[[Framework], Any], url: str, steps: Sequence[Step], **connect: Any
) -> list[Any]:
    ours, theirs = frameworks()
    got = _transcript(build(ours), url, steps, **connect)
    expected = _transcript(build(theirs), url, steps, **connect)
    if got and expected:
        expected[-1] = _reason_as_ours(got[-1], expected[-1])
    assert got == expected, url
    return got


def _ws_app(fw: Framework) -> Any:
    app = fw.App()
    WebSocket = fw.WebSocket
    Depends, Query, Header, Cookie, Path = fw.Depends, fw.Query, fw.Header, fw.Cookie, fw.Path

    @app.websocket("/echo")
    async def echo(websocket: WebSocket):
        await websocket.accept()
        async for text in websocket.iter_text():
            await websocket.send_text(text.upper())

    @app.websocket("/proto")
    async def proto(websocket: WebSocket):
        offered = websocket.scope.get("subprotocols") or []
        await websocket.accept(
            subprotocol=offered[-1] if offered else None, headers=[(b"x-room", b"one")]
        )
        await websocket.send_json({"offered": offered})
        await websocket.close(4001, "bye")

    def token(t: Annotated[str, Query()]):
        return t.upper()

    @app.websocket("/p/{item}")
    async def params(
        websocket: WebSocket,
        item: Annotated[int, Path(ge=1)],
        tok: Annotated[str, Depends(token)],
        q: Annotated[int, Query()] = 0,
        x_id: Annotated[str | None, Header()] = None,
        sess: Annotated[str | None, Cookie()] = None,
        tags: Annotated[list[str], Query()] = [],  # noqa: B006 (FastAPI copies it)
    ):
        await websocket.accept()
        await websocket.send_json(
            {"item": item, "tok": tok, "q": q, "x_id": x_id, "sess": sess, "tags": tags}
        )
        await websocket.close()

    def deny(reject: Annotated[bool, Query()] = False):
        if reject:
            raise fw.WebSocketException(code=4403, reason="denied by dependency")
        return True

    @app.websocket("/guarded", dependencies=[Depends(deny)])
    async def guarded(websocket: WebSocket):
        await websocket.accept()
        await websocket.send_text("in")
        await websocket.close()

    @app.websocket("/raise-after")
    async def raise_after(websocket: WebSocket):
        await websocket.accept()
        msg = await websocket.receive_text()
        raise fw.WebSocketException(code=4000 + len(msg), reason=f"got {msg}")

    @app.websocket("/close-before")
    async def close_before(websocket: WebSocket):
        await websocket.close(code=4100, reason="nope")

    @app.websocket("/json")
    async def json_echo(websocket: WebSocket):
        await websocket.accept()
        data = await websocket.receive_json()
        await websocket.send_json({"got": data})
        raw = await websocket.receive_bytes()
        await websocket.send_bytes(raw[::-1])
        data = await websocket.receive_json(mode="binary")
        await websocket.send_json(data, mode="binary")

    @app.websocket("/disconnect")
    async def disconnect(websocket: WebSocket):
        await websocket.accept()
        try:
            while True:
                await websocket.receive_text()
        except fw.WebSocketDisconnect as exc:
            app.state.last = (exc.code, exc.reason)

    @app.websocket("/returns")
    async def returns(websocket: WebSocket):
        await websocket.accept()
        await websocket.send_text("one")

    @app.websocket("/crash")
    async def crash(websocket: WebSocket):
        await websocket.accept()
        raise ValueError("boom")

    @app.websocket("/crash-before")
    async def crash_before(websocket: WebSocket):
        raise ValueError("boom")

    @app.websocket("/state")
    async def state(websocket: WebSocket):
        before = (websocket.client_state.name, websocket.application_state.name)
        await websocket.accept()
        after = (websocket.client_state.name, websocket.application_state.name)
        await websocket.send_json(
            {
                "before": before,
                "after": after,
                "path": websocket.url.path,
                "query": str(websocket.query_params),
            }
        )
        await websocket.close(1001)

    return app


def _text(data: str) -> Step:
    def step(ws: Any) -> Any:
        ws.send_text(data)
        return ws.receive_text()

    return step


def _recv_json(ws: Any) -> Any:
    return ws.receive_json()


def _recv_text(ws: Any) -> Any:
    return ws.receive_text()


def _send(text: str) -> Step:
    def step(ws: Any) -> Any:
        ws.send_text(text)

    return step


WS_CASES: list[tuple[str, list[Step], dict[str, Any]]] = [
    ("/echo", [_text("a"), _text("bc")], {}),
    ("/echo", [], {}),
    ("/proto", [_recv_json, _recv_text], {"subprotocols": ["chat", "superchat"]}),
    ("/proto", [_recv_json, _recv_text], {}),
    (
        "/p/3?t=abc&q=2&tags=x&tags=y",
        [_recv_json, _recv_text],
        {"headers": {"x-id": "h"}, "cookies": {"sess": "c"}},
    ),
    ("/p/3?t=abc", [_recv_json, _recv_text], {}),
    ("/p/0?t=abc", [_recv_json], {}),
    ("/p/zz", [_recv_json], {}),
    ("/p/3?t=abc&q=x", [_recv_json], {}),
    ("/p/3", [_recv_json], {}),
    ("/p/0?q=bad", [_recv_json], {}),
    ("/guarded", [_recv_text, _recv_text], {}),
    ("/guarded?reject=true", [_recv_text], {}),
    ("/guarded?reject=zz", [_recv_text], {}),
    ("/raise-after", [_text("hey")], {}),
    ("/close-before", [], {}),
    ("/nowhere", [], {}),
    ("/echo/", [], {}),
    (
        "/json",
        [
            lambda ws: (ws.send_json({"a": [1, 2]}), ws.receive_json())[1],
            lambda ws: (ws.send_bytes(b"abc"), ws.receive_bytes())[1],
            lambda ws: (ws.send_json({"b": 1}, mode="binary"), ws.receive_json(mode="binary"))[1],
        ],
        {},
    ),
    ("/json", [_send("not json"), _recv_text], {}),
    ("/returns", [_recv_text, _recv_text], {}),
    ("/crash", [_recv_text], {}),
    ("/crash-before", [], {}),
    ("/state?a=1", [_recv_json, _recv_text], {}),
]


@pytest.mark.parametrize(("url", "steps", "connect"), WS_CASES, ids=[c[0] for c in WS_CASES])
def test_websocket_conversations(url: str, steps: list[Step], connect: dict[str, Any]) -> None:
    same_conversation(_ws_app, url, steps, **connect)


def test_websocket_client_disconnect_code_reaches_the_handler() -> None:
    seen = []
    for fw in frameworks():
        app = _ws_app(fw)
        with TestClient(app).websocket_connect("/disconnect") as ws:
            ws.send_text("x")
            ws.close(4321, "leaving")
        seen.append(app.state.last)
    assert seen[0] == seen[1]


@pytest.mark.parametrize(
    "path", ["/crash-before", "/close-before", "/nowhere", "/p/0?q=bad", "/guarded?reject=true"]
)
def test_websocket_handshake_messages(path: str) -> None:
    """The raw ASGI messages before accepting: a refusal's close, or nothing at all
    when the handler fails (a real server then answers the handshake with a 500)."""
    sent = []
    for fw in frameworks():
        url, _, query = path.partition("?")
        peer = Peer(messages=[{"type": "websocket.connect"}])
        scope = websocket_scope(url, query_string=query.encode())
        try:
            anyio_run(drive, _ws_app(fw), scope, peer)
        except ValueError as exc:
            assert str(exc) == "boom"
        sent.append([(m["type"], m.get("code")) for m in peer.sent])
    assert sent[0] == sent[1]


def anyio_run(func: Callable[..., Any], *args: Any) -> Any:
    import anyio

    return anyio.run(lambda: func(*args, conform=False))


# -- second round: more shapes ------------------------------------------------------------


def _more_forms_app(fw: Framework) -> Any:
    from pydantic import BaseModel, Field

    app = fw.App()
    File, Form, UploadFile = fw.File, fw.Form, fw.UploadFile

    class WithFile(BaseModel):
        title: str
        n: int = Field(default=1, ge=0)

    @app.post("/either")
    async def either(value: Annotated[UploadFile | str, Form()]):
        if isinstance(value, str):
            return {"kind": "str", "value": value}
        return {"kind": "file", "value": value.filename}

    @app.post("/bytes-field")
    def bytes_field(raw: Annotated[bytes, Form()]):
        return {"raw": raw.decode("latin-1")}

    @app.post("/opt-list")
    def opt_list(
        ids: Annotated[list[int] | None, Form()] = None, one: Annotated[int | None, Form()] = None
    ):
        return {"ids": ids, "one": one}

    @app.post("/list-constrained")
    def list_constrained(ids: Annotated[list[int], Form(min_length=2, max_length=3)]):
        return {"ids": ids}

    @app.post("/model-and-file")
    async def model_and_file(meta: Annotated[WithFile, Form()], doc: Annotated[UploadFile, File()]):
        return {"meta": meta.model_dump(), "doc": doc.filename}

    @app.post("/opt-file-list")
    async def opt_file_list(docs: Annotated[list[UploadFile] | None, File()] = None):
        return {"docs": None if docs is None else [d.filename for d in docs]}

    @app.post("/sync-read")
    def sync_read(doc: UploadFile):
        data = doc.file.read()
        doc.file.seek(1)
        rest = doc.file.read()
        return {"data": data.decode("latin-1"), "rest": rest.decode("latin-1"), "size": doc.size}

    @app.post("/form-default-none")
    def form_default_none(
        a: Annotated[str | None, Form()] = None, b: Annotated[bool | None, Form()] = None
    ):
        return {"a": a, "b": b}

    @app.put("/charset")
    async def charset(request: fw.Request):
        form = await request.form()
        return {key: value for key, value in form.items() if isinstance(value, str)}

    return app


_LATIN1_MP = b'--b\r\nContent-Disposition: form-data; name="caf\xe9"\r\n\r\nd\xe9j\xe0\r\n--b--\r\n'

MORE_FORM_CALLS = [
    Call.post("/either", data={"value": "text"}),
    Call.post("/either", files={"value": ("v.txt", b"file")}),
    Call.post("/either", data={}),
    Call.post("/bytes-field", data={"raw": "abc"}),
    Call.post("/bytes-field", files={"raw": ("r", b"from-file")}),
    Call.post("/bytes-field", data={"raw": ""}),
    Call.post("/opt-list"),
    Call.post("/opt-list", data={"ids": ["1", "2"], "one": "3"}),
    Call.post("/opt-list", data={"ids": ["1", "x"], "one": ""}),
    Call.post("/opt-list", data={"ids": "", "one": "x"}),
    Call.post("/list-constrained", data={"ids": ["1", "2"]}),
    Call.post("/list-constrained", data={"ids": ["1"]}),
    Call.post("/list-constrained", data={"ids": ["1", "2", "3", "4"]}),
    Call.post("/model-and-file", data={"title": "t", "n": "2"}, files={"doc": ("d", b"1")}),
    Call.post("/model-and-file", data={"title": "t", "n": "-1"}, files={"doc": ("d", b"1")}),
    Call.post("/model-and-file", data={"n": "2"}),
    Call.post("/opt-file-list"),
    Call.post("/opt-file-list", files=[("docs", ("a", b"1")), ("docs", ("b", b"2"))]),
    Call.post("/opt-file-list", files=[("docs", ("", b""))]),
    Call.post("/opt-file-list", data={"docs": "text"}),
    Call.post("/sync-read", files={"doc": ("s.txt", b"hello")}),
    Call.post("/form-default-none", data={"a": "", "b": ""}),
    Call.post("/form-default-none", data={"a": "x", "b": "true"}),
    Call.post("/form-default-none", data={"b": "nope"}),
    Call.put(
        "/charset",
        content=_LATIN1_MP,
        headers={"content-type": "multipart/form-data; boundary=b; charset=latin-1"},
    ),
    Call.put(
        "/charset",
        content=_LATIN1_MP,
        headers={"content-type": "multipart/form-data; boundary=b; charset=no-such"},
    ),
    Call.put(
        "/charset",
        content="é=ü&x=%E9".encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    ),
    Call.put(
        "/charset",
        content=b'--b\r\nContent-Disposition: form-data; name="k"\r\n\r\n\xff\xfe\r\n--b--\r\n',
        headers={"content-type": "multipart/form-data; boundary=b"},
    ),
    Call.put(
        "/charset",
        content=b'--"q"\r\nContent-Disposition: form-data; name="k"\r\n\r\nv\r\n--"q"--\r\n',
        headers={"content-type": 'multipart/form-data; boundary="\\"q\\""'},
    ),
    Call.put(
        "/charset",
        content=b"--b\r\nContent-Disposition: form-data; name=k\r\n\r\nv\r\n--b--\r\n",
        headers={"content-type": "multipart/form-data; boundary=b"},
    ),
    Call.put(
        "/charset",
        content=(
            b"--b\r\ncontent-disposition: form-data; name=\"k\"; filename*=utf-8''x\r\n"
            b"\r\nv\r\n--b--\r\n"
        ),
        headers={"content-type": "Multipart/Form-Data; Boundary=b"},
    ),
]


@pytest.mark.parametrize("call", MORE_FORM_CALLS, ids=repr)
def test_more_form_shapes(call: Call) -> None:
    same_answers(_more_forms_app, [call], headers=FORM_HEADERS)


def _more_ws_app(fw: Framework) -> Any:
    app = fw.App()
    WebSocket, Depends = fw.WebSocket, fw.Depends
    log: list[Any] = []
    app.state.log = log

    async def with_cleanup():
        log.append("enter")
        try:
            yield "dep"
        finally:
            log.append("exit")

    @app.websocket("/yield")
    async def yielding(websocket: WebSocket, dep: Annotated[str, Depends(with_cleanup)]):
        await websocket.accept()
        await websocket.send_text(dep)
        await websocket.close()

    @app.websocket("/iter")
    async def iterate(websocket: WebSocket):
        await websocket.accept()
        got = []
        async for item in websocket.iter_json():
            got.append(item)
            if len(got) == 2:
                break
        await websocket.send_json(got)
        async for raw in websocket.iter_bytes():
            await websocket.send_bytes(raw + b"!")

    @app.websocket("/after-close")
    async def after_close(websocket: WebSocket):
        await websocket.accept()
        await websocket.close(4002)
        try:
            await websocket.send_text("late")
        except RuntimeError as exc:
            log.append(str(exc))

    @app.websocket("/receive-before-accept")
    async def receive_before_accept(websocket: WebSocket):
        try:
            await websocket.receive_text()
        except RuntimeError as exc:
            log.append(str(exc))
        await websocket.accept()
        await websocket.send_text("ok")

    @app.websocket("/handled")
    async def handled(websocket: WebSocket):
        await websocket.accept()
        raise KeyError("k")

    @app.exception_handler(KeyError)
    async def on_key_error(websocket: WebSocket, exc: KeyError):
        await websocket.close(code=4500, reason="handled " + str(exc))

    @app.websocket("/exc-reason")
    async def exc_reason(websocket: WebSocket):
        await websocket.accept()
        raise fw.WebSocketException(code=1008)

    @app.websocket("/double-accept")
    async def double_accept(websocket: WebSocket):
        await websocket.accept()
        try:
            await websocket.accept()
        except RuntimeError as exc:
            log.append(str(exc))
        await websocket.send_text("still")

    @app.websocket("/receive-after-disconnect")
    async def receive_after_disconnect(websocket: WebSocket):
        await websocket.accept()
        try:
            await websocket.receive_text()
        except fw.WebSocketDisconnect as exc:
            log.append(["disconnect", exc.code, exc.reason])
        for again in (websocket.receive_text, websocket.receive):
            try:
                await again()
            except RuntimeError as exc:
                log.append(str(exc))
        log.append([websocket.client_state.name, websocket.application_state.name])

    @app.websocket("/bad-mode")
    async def bad_mode(websocket: WebSocket):
        await websocket.accept()
        for call in (websocket.receive_json, websocket.iter_json):
            try:
                result = call(mode="xml")
                if hasattr(result, "__anext__"):
                    await result.__anext__()
                else:
                    await result
            except (RuntimeError, TypeError) as exc:
                log.append(str(exc))
        try:
            await websocket.send_json({}, mode="xml")
        except RuntimeError as exc:
            log.append(str(exc))
        await websocket.close(reason=None)

    router = fw.Router(prefix="/r")

    @router.websocket("/{name}")
    async def in_router(websocket: WebSocket, name: str):
        await websocket.accept()
        await websocket.send_text(f"hi {name}")
        await websocket.close()

    app.include_router(router)
    return app


def _log(app: Any) -> Any:
    return list(app.state.log)


MORE_WS_CASES: list[tuple[str, list[Step]]] = [
    ("/yield", [_recv_text, _recv_text]),
    (
        "/iter",
        [
            lambda ws: ws.send_json(1),
            lambda ws: (ws.send_json({"b": 2}), ws.receive_json())[1],
            lambda ws: (ws.send_bytes(b"x"), ws.receive_bytes())[1],
            lambda ws: ws.close(4001),
        ],
    ),
    ("/after-close", [_recv_text]),
    ("/receive-before-accept", [_recv_text]),
    ("/handled", [_recv_text]),
    ("/exc-reason", [_recv_text]),
    ("/double-accept", [_recv_text]),
    ("/r/ada", [_recv_text, _recv_text]),
    ("/receive-after-disconnect", [lambda ws: ws.close(4444, "gone")]),
    ("/bad-mode", [_recv_text]),
    ("/r/", []),
]


@pytest.mark.parametrize(("url", "steps"), MORE_WS_CASES, ids=[c[0] for c in MORE_WS_CASES])
def test_more_websocket_conversations(url: str, steps: list[Step]) -> None:
    logs = []
    transcripts = []
    for fw in frameworks():
        app = _more_ws_app(fw)
        transcripts.append(_transcript(app, url, steps))
        logs.append(_log(app))
    assert transcripts[0] == transcripts[1]
    assert logs[0] == logs[1]


# -- third round: limits, odd content types, WebSocket parameters and errors ---------------


def _limits_app(fw: Framework) -> Any:
    # asgiweb's whole-body limit (1 MiB by default, 413: docs/api.md) is lifted to
    # reach the multipart limits FastAPI shares.
    app = fw.App(max_body_size=None) if fw.name == "asgiweb" else fw.App()
    Form = fw.Form

    @app.post("/one")
    def one(a: Annotated[str, Form()] = "-"):
        return {"a": len(a)}

    @app.get("/get-form")
    def get_form(a: Annotated[str, Form()]):
        return {"a": a}

    @app.post("/limited")
    async def limited(request: fw.Request):
        form = await request.form(max_files=1, max_fields=2)
        return sorted(form.keys())

    return app


def _many_fields(n: int) -> bytes:
    return "&".join(f"k{i}=v" for i in range(n)).encode()


def _multipart(parts: Sequence[tuple[str, str | None, bytes]]) -> bytes:
    out = b""
    for name, filename, body in parts:
        disp = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += f"--b\r\nContent-Disposition: {disp}\r\n\r\n".encode() + body + b"\r\n"
    return out + b"--b--\r\n"


_MPB = {"content-type": "multipart/form-data; boundary=b"}
_URLENC = {"content-type": "application/x-www-form-urlencoded"}

LIMIT_CALLS = [
    Call.post("/one", content=_multipart([("a", None, b"x" * (1024 * 1024 + 1))]), headers=_MPB),
    Call.post("/one", content=_multipart([("a", None, b"x" * (1024 * 1024))]), headers=_MPB),
    Call.post("/one", content=_multipart([("a", "f", b"x" * (1024 * 1024 + 1))]), headers=_MPB),
    Call.post(
        "/one", content=_multipart([(f"k{i}", None, b"v") for i in range(1001)]), headers=_MPB
    ),
    Call.post(
        "/one", content=_multipart([(f"k{i}", "f", b"v") for i in range(1001)]), headers=_MPB
    ),
    Call.post(
        "/one", content=_multipart([(f"k{i}", None, b"v") for i in range(1000)]), headers=_MPB
    ),
    Call.post("/one", content=_many_fields(1001), headers=_URLENC),
    Call.post(
        "/one",
        content=b"a=x",
        headers={"content-type": "application/x-www-form-urlencoded; charset=utf-8"},
    ),
    Call.post(
        "/one", content=b"a=x", headers={"content-type": "APPLICATION/X-WWW-FORM-URLENCODED"}
    ),
    Call.post(
        "/one", content=b"a=x", headers={"content-type": "application/x-www-form-urlencodedx"}
    ),
    Call.post("/one", content=b"a=x"),
    Call.post("/one", content=b"\xff=\xfe", headers=_URLENC),
    Call.post("/one", content=b"a=1&a=22", headers=_URLENC),
    Call.post("/one", content=b"a=1;a=22", headers=_URLENC),
    Call.post("/one", content=b"&&a=xyz&&", headers=_URLENC),
    Call("GET", "/get-form", content=b"a=x", headers=_URLENC),
    Call("GET", "/get-form"),
    Call.post("/limited", content=_multipart([("a", None, b"1"), ("b", None, b"2")]), headers=_MPB),
    Call.post(
        "/limited",
        content=_multipart([("a", None, b"1"), ("b", None, b"2"), ("c", None, b"3")]),
        headers=_MPB,
    ),
    Call.post("/limited", content=_multipart([("a", "x", b"1"), ("b", "y", b"2")]), headers=_MPB),
    Call.post("/limited", content=b"a=1&b=2&c=3", headers=_URLENC),
]


@pytest.mark.parametrize("call", LIMIT_CALLS, ids=lambda c: f"{c.method} {c.url} #{id(c) % 997}")
def test_form_limits_and_content_types(call: Call) -> None:
    same_answers(_limits_app, [call], headers=FORM_HEADERS)


def _ws_params_app(fw: Framework) -> Any:
    app = fw.App()
    WebSocket, Depends, Header, Cookie, Query = (
        fw.WebSocket,
        fw.Depends,
        fw.Header,
        fw.Cookie,
        fw.Query,
    )

    def peer(websocket: WebSocket):
        return websocket.headers.get("x-peer", "none")

    @app.websocket("/h")
    async def headers(
        websocket: WebSocket,
        user_agent: Annotated[str, Header()] = "ua?",
        x_token: Annotated[str, Header(alias="X-Token")] = "",
        x_list: Annotated[list[str], Header()] = [],  # noqa: B006
        p: Annotated[str, Depends(peer)] = "",
        c: Annotated[int, Cookie(alias="c-id")] = 0,
        q: Annotated[str, Query(alias="item-q", min_length=2)] = "qq",
    ):
        await websocket.accept()
        await websocket.send_json(
            {"ua": user_agent, "token": x_token, "list": x_list, "p": p, "c": c, "q": q}
        )
        await websocket.close()

    @app.websocket("/http-exc")
    async def http_exc(websocket: WebSocket):
        raise fw.HTTPException(status_code=403, detail="no")

    def forbid():
        raise fw.HTTPException(
            status_code=401, detail="who?", headers={"www-authenticate": "Bearer"}
        )

    @app.websocket("/http-exc-dep", dependencies=[Depends(forbid)])
    async def http_exc_dep(websocket: WebSocket):
        await websocket.accept()  # pragma: no cover

    @app.websocket("/http-exc-204")
    async def http_exc_204(websocket: WebSocket):
        raise fw.HTTPException(status_code=204)

    class Teapot(Exception):
        pass

    @app.exception_handler(Teapot)
    async def on_teapot(conn: Any, exc: Teapot):
        return fw.responses.PlainTextResponse("short and stout", status_code=418)

    @app.websocket("/handler-response")
    async def handler_response(websocket: WebSocket):
        raise Teapot()

    @app.websocket("/handler-response-after")
    async def handler_response_after(websocket: WebSocket):
        await websocket.accept()
        raise Teapot()

    @app.websocket("/http-exc-after")
    async def http_exc_after(websocket: WebSocket):
        await websocket.accept()
        raise fw.HTTPException(status_code=403, detail="no")

    @app.websocket("/proto-unoffered")
    async def proto_unoffered(websocket: WebSocket):
        await websocket.accept(subprotocol="other")
        await websocket.close()

    @app.websocket("/long-reason")
    async def long_reason(websocket: WebSocket):
        await websocket.accept()
        await websocket.close(code=4000, reason="é" * 10)

    return app


WS_PARAM_CASES: list[tuple[str, list[Step], dict[str, Any]]] = [
    ("/h", [_recv_json, _recv_text], {}),
    (
        "/h?item-q=abc",
        [_recv_json, _recv_text],
        {
            "headers": [("x-token", "t"), ("x-list", "a"), ("x-list", "b"), ("x-peer", "pp")],
            "cookies": {"c-id": "7"},
        },
    ),
    ("/h?item-q=a", [_recv_json], {"cookies": {"c-id": "x"}}),
    ("/h?q=a", [_recv_json, _recv_text], {"headers": {"user-agent": "me"}}),
    ("/proto-unoffered", [_recv_text], {"subprotocols": ["a"]}),
    ("/long-reason", [_recv_text], {}),
]


@pytest.mark.parametrize(
    ("url", "steps", "connect"), WS_PARAM_CASES, ids=[c[0] for c in WS_PARAM_CASES]
)
def test_websocket_parameters(url: str, steps: list[Step], connect: dict[str, Any]) -> None:
    same_conversation(_ws_params_app, url, steps, **connect)


@pytest.mark.parametrize(
    "path", ["/http-exc", "/http-exc-dep", "/handler-response", "/http-exc-204"]
)
def test_http_errors_refuse_with_a_denial_response(path: str) -> None:
    """An HTTPException before accept (or an exception handler's Response) refuses
    the handshake with that HTTP response, through the ASGI WebSocket Denial
    Response extension (uvicorn offers it), as FastAPI does."""
    sent = []
    for fw in frameworks():
        peer = Peer(messages=[{"type": "websocket.connect"}])
        scope = websocket_scope(path, extensions={"websocket.http.response": {}})
        anyio_run(drive, _ws_params_app(fw), scope, peer)
        sent.append(peer.sent)
    assert sent[0] == sent[1]
    assert sent[0][0]["type"] == "websocket.http.response.start"


def test_http_exception_without_the_denial_extension_is_a_refusal() -> None:
    """Documented difference (docs/websockets.md): FastAPI sends the denial
    response even to a server that does not offer the extension (which then
    fails the handshake with a 500); asgiweb refuses it (HTTP 403).  The TestClient
    offers the extension, as Starlette's does: the refusal is a
    WebSocketDenialResponse, also a WebSocketDisconnect (code 1000)."""
    peer = Peer(messages=[{"type": "websocket.connect"}])
    anyio_run(drive, _ws_params_app(frameworks()[0]), websocket_scope("/http-exc"), peer)
    assert peer.sent == [{"type": "websocket.close", "code": 1000, "reason": ""}]
    with (
        pytest.raises(WebSocketDisconnect) as info,
        TestClient(_ws_params_app(frameworks()[0])).websocket_connect("/http-exc"),
    ):
        pass  # pragma: no cover
    assert getattr(info.value, "code", None) == 1000
    assert isinstance(info.value, WebSocketDenialResponse)


@pytest.mark.parametrize("path", ["/http-exc-after", "/handler-response-after"])
def test_http_errors_after_accept(path: str) -> None:
    """Once accepted, an HTTP error closes the connection with 1011 (the ASGI spec
    allows a denial response only before accept).  FastAPI still sends its denial
    response when the extension is offered (as the TestClient offers it), which the
    TestClient reports as a WebSocketDenialResponse (code 1000); without the
    extension the two answered alike (docs/websockets.md)."""
    mine, theirs = (_transcript(_ws_params_app(fw), path, [_recv_text]) for fw in frameworks())
    assert mine == [("accepted", None, []), ("closed", 1011, "")]
    assert theirs == [("accepted", None, []), ("closed", 1000, "")]


# -- through a real server: what a client sees of a refused handshake ---------------------

_SERVED_APP = """
from tests.oracle.sidebyside import Framework
from tests.oracle.test_sweep_forms_ws import _ws_app, _ws_params_app

fw = Framework({name!r})
app = fw.App()
app.mount("/a", _ws_app(fw))
app.mount("/b", _ws_params_app(fw))
"""


def _handshake_status(port: int, path: str) -> tuple[int, Any, bytes]:
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    try:
        with connect(f"ws://127.0.0.1:{port}{path}", open_timeout=5, close_timeout=5):
            return (101, None, b"")
    except InvalidStatus as exc:
        response = exc.response
        return (response.status_code, response.headers.get("www-authenticate"), response.body)


def test_refused_handshakes_through_uvicorn(tmp_path: Any) -> None:
    """uvicorn (which offers the Denial Response extension) in front of both apps:
    an HTTPException is the HTTP answer, a failing handler a 500, a refusal a 403."""
    pytest.importorskip("websockets")
    from tests.e2e.serverutil import run_server

    paths = ["/b/http-exc-dep", "/b/http-exc", "/a/crash-before", "/a/close-before", "/a/p/0"]
    seen = {}
    for name in ("asgiweb", "fastapi"):
        (tmp_path / f"served_{name}.py").write_text(_SERVED_APP.format(name=name))
        with run_server(f"served_{name}:app", app_dir=tmp_path) as server:
            seen[name] = [_handshake_status(server.port, path) for path in paths]
    assert seen["asgiweb"] == seen["fastapi"]
    assert [status for status, _, _ in seen["asgiweb"]] == [401, 403, 500, 403, 403]
    assert seen["asgiweb"][0][1:] == ("Bearer", b'{"detail":"who?"}')


# -- fourth round: generated multipart bodies, form reading twice, custom WS handlers ------

_PART_NAMES = st.sampled_from(["doc", "docs", "note", "n", "raw", "blobs", "x"])
_PART = st.tuples(
    _PART_NAMES,
    st.sampled_from(["field", "file", "empty-file", "nameless-file"]),
    st.sampled_from([b"", b"1", b"abc", b"\xc3\xa9t\xc3\xa9", b"-2"]),
)
_FILE_CLIENTS: dict[str, TestClient] = {}


def _file_client(name: str) -> TestClient:
    if name not in _FILE_CLIENTS:
        fw = dict(zip(("asgiweb", "fastapi"), frameworks(), strict=True))[name]
        _FILE_CLIENTS[name] = TestClient(_file_app(fw))
    return _FILE_CLIENTS[name]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    parts=st.lists(_PART, max_size=6),
    path=st.sampled_from(["/mixed", "/optional", "/many", "/many-bytes", "/bytes", "/raw-form"]),
)
def test_generated_multipart_bodies(parts: list[tuple[str, str, bytes]], path: str) -> None:
    data = [(name, body.decode()) for name, kind, body in parts if kind == "field"]
    files: list[tuple[str, Any]] = []
    for name, kind, body in parts:
        if kind == "file":
            files.append((name, ("f.txt", body, "text/plain")))
        elif kind == "empty-file":
            files.append((name, ("", b"", "application/octet-stream")))
        elif kind == "nameless-file":
            files.append((name, (None, body)))
    if not files:
        files.append(("unused", ("u", b"")))
    answers = []
    for name in ("asgiweb", "fastapi"):
        r = _file_client(name).post(path, data=data, files=files)
        answers.append({"status": r.status_code, "body": r.json()})
    mine, reference = answers
    reference["body"] = _file_inputs_as_ours(mine["body"], reference["body"])
    assert mine == reference, (path, parts)


def _reading_app(fw: Framework) -> Any:
    app = fw.App()

    @app.post("/twice")
    async def twice(request: fw.Request):
        first = await request.form()
        second = await request.form()
        try:
            await request.body()
            body = "read"
        except RuntimeError:  # the stream went to the form parser (messages differ)
            body = "RuntimeError"
        return {"same": first is second, "keys": list(second.keys()), "body": body}

    @app.post("/form-then-param")
    async def form_then_param(request: fw.Request, a: Annotated[str, fw.Form()]):
        form = await request.form()
        return {"a": a, "again": form.get("a")}

    def custom_validation(fw_: Any) -> Any:
        async def handler(websocket: Any, exc: Any):
            await websocket.close(code=4422, reason=f"{len(exc.errors())} bad")

        return handler

    app.add_exception_handler(fw.exceptions.WebSocketRequestValidationError, custom_validation(fw))

    @app.websocket("/ws/{n}")
    async def typed(websocket: fw.WebSocket, n: int, q: Annotated[int, fw.Query()]):
        await websocket.accept()
        await websocket.send_json([n, q])
        await websocket.close()

    @app.websocket("/conv/{n:int}")
    async def converted(websocket: fw.WebSocket, n: int):
        await websocket.accept()
        await websocket.send_json(n)

    return app


READING_CALLS = [
    Call.post("/twice", data={"a": "1", "b": "2"}),
    Call.post("/twice", data={"a": "1"}, files={"f": ("f", b"xyz")}),
    Call.post("/twice", json={"a": 1}),
    Call.post("/form-then-param", data={"a": "v"}),
    Call.post("/form-then-param", files={"a": ("a", b"file")}),
]


@pytest.mark.parametrize("call", READING_CALLS, ids=repr)
def test_reading_the_form_twice(call: Call) -> None:
    same_answers(_reading_app, [call], headers=FORM_HEADERS)


READING_WS_CASES: list[tuple[str, list[Step]]] = [
    ("/ws/1?q=2", [_recv_json, _recv_text]),
    ("/ws/x?q=y", [_recv_json]),
    ("/ws/1", [_recv_json]),
    ("/conv/5", [_recv_json, _recv_text]),
    ("/conv/x", []),
]


@pytest.mark.parametrize(("url", "steps"), READING_WS_CASES, ids=[c[0] for c in READING_WS_CASES])
def test_custom_websocket_validation_handler(url: str, steps: list[Step]) -> None:
    same_conversation(_reading_app, url, steps)
