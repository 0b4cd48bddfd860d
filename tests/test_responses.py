"""Every response class driven as a bare ASGI app with hand-written receive/send."""

from __future__ import annotations

import dataclasses
import datetime
import json
import logging
import sys
import uuid
from decimal import Decimal
from typing import Any

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asgiweb.background import BackgroundTask, BackgroundTasks
from asgiweb.encoders import jsonable as encoders
from asgiweb.responses import (
    HTMLResponse,
    JSONResponse,
    ORJSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    UJSONResponse,
    XMLResponse,
)
from tests.harness import Message, Peer, drive, http_scope

pytestmark = pytest.mark.anyio


# --- Response and the text classes ----------------------------------------------------


async def test_response_bytes_and_headers() -> None:
    peer = await drive(Response(b"raw", media_type="application/octet-stream"))
    assert peer.status == 200
    assert peer.start["headers"] == [
        (b"content-length", b"3"),
        (b"content-type", b"application/octet-stream"),
    ]
    assert peer.body == b"raw" and peer.finished


@pytest.mark.parametrize(
    ("cls", "content", "content_type", "body"),
    [
        (PlainTextResponse, "héllo", "text/plain; charset=utf-8", "héllo".encode()),
        (HTMLResponse, "<h1>Hi</h1>", "text/html; charset=utf-8", b"<h1>Hi</h1>"),
        (JSONResponse, {"a": [1, None]}, "application/json", b'{"a":[1,null]}'),
        (XMLResponse, "<a/>", "application/xml", b"<a/>"),
        (Response, None, None, b""),
    ],
)
async def test_classes_media_types(
    cls: type[Response], content: Any, content_type: str | None, body: bytes
) -> None:
    peer = await drive(cls(content))
    assert peer.header("content-type") == content_type
    assert peer.header("content-length") == str(len(body))
    assert peer.body == body


@pytest.mark.parametrize("status", [204, 304, 101])
async def test_no_body_statuses_have_no_content_length(status: int) -> None:
    peer = await drive(Response(status_code=status))
    assert peer.status == status
    assert peer.header("content-length") is None
    assert peer.body == b""


async def test_head_gets_headers_and_no_body() -> None:
    peer = await drive(PlainTextResponse("hello"), http_scope("HEAD"))
    assert peer.header("content-length") == "5"
    assert peer.body == b"" and peer.finished


async def test_headers_are_a_mutable_case_insensitive_view() -> None:
    response = Response(b"x", headers={"X-One": "1"})
    response.headers["x-two"] = "2"
    response.headers["X-ONE"] = "uno"
    assert response.headers["x-one"] == "uno"
    peer = await drive(response)
    assert peer.header("x-one") == "uno" and peer.header("x-two") == "2"


@pytest.mark.parametrize(
    ("name", "value"),
    [("x-a", "a\r\nset-cookie: evil=1"), ("x-a", "a\nb"), ("x-a", "nul\x00"), ("bad name", "v")],
)
async def test_header_splitting_is_refused(name: str, value: str) -> None:
    with pytest.raises(ValueError):
        Response(b"", headers={name: value})
    response = Response(b"")
    with pytest.raises(ValueError):
        response.headers[name] = value


# --- cookies ---------------------------------------------------------------------------


async def test_set_cookie_every_attribute_and_several_headers() -> None:
    response = PlainTextResponse("ok")
    expires = datetime.datetime(2030, 5, 6, 7, 8, 9, tzinfo=datetime.UTC)
    response.set_cookie(
        "session",
        "abc",
        max_age=600,
        expires=expires,
        path="/app",
        domain="example.com",
        secure=True,
        httponly=True,
        samesite="strict",
    )
    response.set_cookie("theme", "dark mode")
    response.set_cookie("soon", "1", expires=60, samesite="none", secure=True)
    response.delete_cookie("old", path="/x", domain="example.com")
    peer = await drive(response)
    cookies = peer.header_list("set-cookie")
    assert cookies[0] == (
        "session=abc; Domain=example.com; expires=Mon, 06 May 2030 07:08:09 GMT; HttpOnly; "
        "Max-Age=600; Path=/app; SameSite=strict; Secure"
    )
    assert cookies[1] == 'theme="dark\\040mode"; Path=/; SameSite=lax'
    assert cookies[2].startswith("soon=1; expires=") and "SameSite=none; Secure" in cookies[2]
    assert cookies[3].startswith("old=; Domain=example.com; expires=")
    assert "Max-Age=0; Path=/x" in cookies[3]
    assert len(cookies) == 4


@pytest.mark.parametrize(
    "kwargs",
    [
        {"key": "a", "value": "v\r\nx: y"},
        {"key": "a", "samesite": "bogus"},
        {"key": "a b"},
        {"key": "a", "path": "/\n"},
    ],
)
async def test_set_cookie_rejects_bad_input(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        Response().set_cookie(**kwargs)


# --- background tasks ------------------------------------------------------------------


async def test_background_tasks_run_after_the_body_in_order() -> None:
    events: list[str] = []

    async def send(message: Message) -> None:
        events.append(message["type"])

    def sync_task(a: int, b: int = 0) -> None:
        events.append(f"sync {a} {b}")

    async def async_task(a: int, *, b: int) -> None:
        events.append(f"async {a} {b}")

    tasks = BackgroundTasks()
    tasks.add_task(sync_task, 1, b=2)
    tasks.add_task(async_task, 3, b=4)
    with anyio.fail_after(5):
        await Response(b"x", background=tasks)(http_scope(), Peer().receive, send)
    assert events == [
        "http.response.start",
        "http.response.body",
        "sync 1 2",
        "async 3 4",
    ]


async def test_single_background_task() -> None:
    ran: list[int] = []
    peer = await drive(Response(b"x", background=BackgroundTask(ran.append, 1)))
    assert peer.finished and ran == [1]


async def test_failing_background_task_is_logged_and_the_rest_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ran: list[str] = []

    async def boom() -> None:
        raise RuntimeError("boom in task")

    tasks = BackgroundTasks()
    tasks.add_task(boom)
    tasks.add_task(ran.append, "second")
    with caplog.at_level(logging.ERROR, logger="asgiweb"):
        peer = await drive(JSONResponse({"ok": True}, background=tasks))
    assert peer.body == b'{"ok":true}' and peer.finished
    assert ran == ["second"]
    assert "boom in task" in caplog.text


# --- ORJSON / UJSON ----------------------------------------------------------------------


@dataclasses.dataclass
class Record:
    id: uuid.UUID
    when: datetime.datetime
    price: Decimal
    tags: tuple[str, ...]


VALUES: list[Any] = [
    None,
    {"message": "Hello, World!"},
    [1, 2.5, "três", True, None],
    {"nested": {"list": [{"a": 1}], "empty": {}}},
    Record(
        uuid.UUID(int=7),
        datetime.datetime(2026, 1, 1, 12, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=2))),
        Decimal("1.50"),
        ("a", "b"),
    ),
    {"date": datetime.date(2026, 2, 3), "delta": datetime.timedelta(seconds=90)},
    {1: "int key", "s": {3}},
    {"big": 2**70, "neg": -(2**65)},
    "a \u2028 line separator / slash",
]


@pytest.mark.parametrize("cls", [ORJSONResponse, UJSONResponse])
@pytest.mark.parametrize("value", VALUES)
async def test_orjson_ujson_give_the_same_json(cls: type[Response], value: Any) -> None:
    expected = json.loads(JSONResponse(value).body)
    peer = await drive(cls(value))
    assert peer.header("content-type") == "application/json"
    assert json.loads(peer.body) == expected
    assert peer.header("content-length") == str(len(peer.body))


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=60)
@given(_JSON)
def test_orjson_ujson_match_jsonresponse_property(value: Any) -> None:
    expected = json.loads(JSONResponse(value).body)
    assert json.loads(ORJSONResponse(value).body) == expected
    assert json.loads(UJSONResponse(value).body) == expected


@pytest.mark.parametrize(
    ("cls", "package", "cache"),
    [(ORJSONResponse, "orjson", "_orjson"), (UJSONResponse, "ujson", "_ujson")],
)
def test_missing_package_is_named_at_construction(
    monkeypatch: pytest.MonkeyPatch, cls: type[Response], package: str, cache: str
) -> None:
    monkeypatch.setitem(sys.modules, package, None)  # makes `import package` fail
    monkeypatch.setattr(encoders, cache, None)
    with pytest.raises(ImportError, match=package) as info:
        cls({"a": 1})
    assert f"pip install {package}" in str(info.value)


# --- XMLResponse -----------------------------------------------------------------------------


async def test_xml_str_and_bytes_go_out_as_they_are() -> None:
    document = '<?xml version="1.0"?>\n<shampoo><Header>Apply</Header></shampoo>'
    peer = await drive(XMLResponse(document))
    assert peer.body == document.encode()
    assert peer.header("content-type") == "application/xml"
    assert (await drive(XMLResponse(b"<raw/>"))).body == b"<raw/>"


async def test_xml_data_is_serialised_and_escaped() -> None:
    peer = await drive(XMLResponse({"note": {"@to": 'A "B"', "body": "<script>"}}, status_code=201))
    assert peer.status == 201
    assert peer.body == (
        b'<?xml version="1.0" encoding="utf-8"?>\n'
        b'<note to="A &quot;B&quot;"><body>&lt;script&gt;</body></note>'
    )


def test_xml_invalid_name_raises() -> None:
    with pytest.raises(ValueError, match="not a valid XML"):
        XMLResponse({"bad name": 1})


# --- RedirectResponse -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "location"),
    [
        ("https://example.com/", "https://example.com/"),
        ("/items?q=1&r=a+b#frag", "/items?q=1&r=a+b#frag"),
        ("/a path/é", "/a%20path/%C3%A9"),
        ("/already%20quoted/%C3%A9", "/already%20quoted/%C3%A9"),
        ("/100%", "/100%25"),
        ("/50%off", "/50%25off"),
        ("https://user:pw@host:8080/p;x=1?a=[1]", "https://user:pw@host:8080/p;x=1?a=[1]"),
        ("https://bücher.de/straße", "https://xn--bcher-kva.de/stra%C3%9Fe"),
        ("/q?text=hello world", "/q?text=hello%20world"),
        ("/x\r\nSet-Cookie: a=b", "/x%0D%0ASet-Cookie:%20a=b"),
        ('/"quoted"<>', "/%22quoted%22%3C%3E"),
    ],
)
async def test_redirect_location_is_quoted(url: str, location: str) -> None:
    peer = await drive(RedirectResponse(url))
    assert peer.status == 307
    assert peer.header("location") == location
    assert peer.header("content-length") == "0"
    assert peer.body == b""


async def test_redirect_status_headers_and_background() -> None:
    ran: list[bool] = []
    response = RedirectResponse(
        "/next",
        status_code=302,
        headers={"cache-control": "no-store"},
        background=BackgroundTask(ran.append, True),
    )
    peer = await drive(response)
    assert peer.status == 302
    assert peer.header("location") == "/next"
    assert peer.header("cache-control") == "no-store"
    assert ran == [True]


# --- the custom-response recipe ----------------------------------------------------------


class IndentedJSON(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json.dumps(content, indent=2).encode("utf-8")


async def test_subclass_overriding_render() -> None:
    peer = await drive(IndentedJSON({"a": 1}, status_code=202))
    assert peer.status == 202
    assert peer.body == b'{\n  "a": 1\n}'
    assert peer.header("content-type") == "application/json"
    assert peer.header("content-length") == str(len(peer.body))


# --- through App and TestClient ------------------------------------------------------------


def test_render_subclass_as_route_and_default_response_class() -> None:
    from asgiweb import App
    from asgiweb.testclient import TestClient

    app = App(default_response_class=IndentedJSON)

    @app.get("/default")
    async def default() -> dict[str, int]:
        return {"a": 1}

    @app.get("/text", response_class=PlainTextResponse, status_code=201)
    async def text() -> str:
        return "plain"

    with TestClient(app) as client:
        response = client.get("/default")
        assert response.content == b'{\n  "a": 1\n}'
        assert response.headers["content-type"] == "application/json"
        head = client.head("/default")
        assert head.content == b"" and head.headers["content-length"] == str(len(b'{\n  "a": 1\n}'))
        text_response = client.get("/text")
        assert text_response.status_code == 201 and text_response.text == "plain"


def test_background_tasks_parameter_runs_after_the_response() -> None:
    from asgiweb import App
    from asgiweb.testclient import TestClient

    done: list[str] = []
    app = App()

    def write_log(message: str, suffix: str = "") -> None:
        done.append(message + suffix)

    async def notify(who: str) -> None:
        done.append(f"notified {who}")

    @app.post("/send/{email}")
    async def send_notification(email: str, background_tasks: BackgroundTasks) -> dict[str, str]:
        background_tasks.add_task(write_log, "sent to ", suffix=email)
        background_tasks.add_task(notify, email)
        return {"message": "Notification sent in the background"}

    with TestClient(app) as client:
        response = client.post("/send/a@b.c")
    assert response.json() == {"message": "Notification sent in the background"}
    assert done == ["sent to a@b.c", "notified a@b.c"]
