"""What a FastAPI or Starlette app meets on its way over (issue 17), side by side.

Each section builds the same thing with asgiweb and with FastAPI/Starlette (the
oracle, installed in the test environment) and compares the answers.
"""

import json
from typing import Any

import pytest

from asgiweb.testclient import TestClient
from asgiweb.types import Receive, Scope, Send

# -- 1. the TestClient follows redirects -------------------------------------------------


async def hop_app(scope: Scope, receive: Receive, send: Send) -> None:
    """``/to/<status>?url=<target>`` redirects; anything else echoes what arrived."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    if scope["path"].startswith("/to/"):
        status = int(scope["path"].rsplit("/", 1)[1])
        target = scope["query_string"].decode().partition("url=")[2]
        headers = [(b"location", target.encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return
    seen = {
        "method": scope["method"],
        "scheme": scope["scheme"],
        "path": scope["path"],
        "body": body.decode(),
        "headers": {k.decode(): v.decode() for k, v in scope["headers"]},
    }
    start = {"type": "http.response.start", "status": 200, "headers": []}
    await send(start)
    await send({"type": "http.response.body", "body": json.dumps(seen).encode()})


def test_redirects_are_followed_by_default_and_can_be_turned_off() -> None:
    answer = TestClient(hop_app).get("/to/307?url=/done")
    assert answer.status_code == 200 and answer.json()["path"] == "/done"
    assert [r.status_code for r in answer.history] == [307]
    kept = TestClient(hop_app).get("/to/307?url=/done", follow_redirects=False)
    assert (kept.status_code, kept.headers["location"]) == (307, "/done")
    off = TestClient(hop_app, follow_redirects=False)
    assert off.get("/to/302?url=/done").status_code == 302
    assert off.get("/to/302?url=/done", follow_redirects=True).status_code == 200


@pytest.mark.parametrize(
    ("status", "method", "then", "body"),
    [
        # httpx's rules, which Starlette's and FastAPI's TestClient inherit.
        (301, "POST", "GET", ""),
        (301, "PUT", "PUT", "data"),
        (301, "DELETE", "DELETE", "data"),
        (302, "POST", "GET", ""),
        (302, "PUT", "GET", ""),
        (302, "HEAD", "HEAD", None),
        (303, "POST", "GET", ""),
        (303, "PATCH", "GET", ""),
        (303, "HEAD", "HEAD", None),
        (307, "POST", "POST", "data"),
        (307, "PUT", "PUT", "data"),
        (308, "POST", "POST", "data"),
        (308, "PATCH", "PATCH", "data"),
    ],
)
def test_redirect_method_and_body_as_httpx(
    status: int, method: str, then: str, body: str | None
) -> None:
    answer = TestClient(hop_app).request(method, f"/to/{status}?url=/done", content=b"data")
    assert answer.request.method == then
    assert str(answer.url) == "http://testserver/done"
    if body is not None:
        seen = answer.json()
        assert (seen["method"], seen["body"]) == (then, body)
        assert ("content-length" in seen["headers"]) == (body != "")


@pytest.mark.parametrize(
    ("target", "kept"),
    [
        ("/done", True),
        ("http://testserver/done", True),
        ("http://testserver:80/done", True),
        ("https://testserver/done", True),  # http -> https on the same host: httpx keeps it
        ("https://testserver:8443/done", False),
        ("http://testserver:8080/done", False),
        ("http://other.test/done", False),
    ],
)
def test_authorization_survives_only_same_origin_redirects(target: str, kept: bool) -> None:
    client = TestClient(hop_app)
    answer = client.get(f"/to/302?url={target}", headers={"Authorization": "Bearer t"})
    assert ("authorization" in answer.json()["headers"]) is kept


def test_https_to_http_drops_authorization() -> None:
    client = TestClient(hop_app, base_url="https://testserver")
    answer = client.get("/to/302?url=http://testserver/done", headers={"Authorization": "t"})
    assert answer.json()["scheme"] == "http"
    assert "authorization" not in answer.json()["headers"]


# -- 2. request.client and scope["route"] ------------------------------------------------


def _app_pair() -> list[Any]:
    import fastapi

    import asgiweb

    return [(asgiweb, asgiweb.App), (fastapi, fastapi.FastAPI)]


def _peer_and_route_app(module: Any, make: Any) -> Any:
    app = make()
    router = getattr(module, "APIRouter", None) or module.Router
    router = router(prefix="/shop")
    Request = module.Request

    @router.get("/items/{item_id}", name="read-item")
    async def read_item(item_id: int, request: Request):  # type: ignore[no-untyped-def]
        client = request.client
        route = request.scope["route"]
        return {
            "client": [client.host, client.port, type(client).__name__, list(client)],
            "is_tuple": isinstance(client, tuple),
            "route": [route.path, route.name, "GET" in route.methods],
        }

    app.include_router(router)
    return app


def test_client_address_and_matched_route_as_fastapi() -> None:
    answers = [
        TestClient(_peer_and_route_app(module, make)).get("/shop/items/3").json()
        for module, make in _app_pair()
    ]
    assert answers[0] == answers[1]
    assert answers[0]["client"] == ["testclient", 50000, "Address", ["testclient", 50000]]
    assert answers[0]["route"][0] == "/shop/items/{item_id}"


def test_client_is_none_without_a_peer() -> None:
    from asgiweb import Request
    from asgiweb.datastructures import Address

    assert Request({"type": "http", "client": ("1.2.3.4", 5)}).client == Address("1.2.3.4", 5)
    assert Request({"type": "http"}).client is None


# -- 8. cookies are written as Starlette writes them ---------------------------------------

_PRINTABLE_ASCII = [chr(c) for c in range(0x20, 0x7F)]
_LATIN1_LETTERS = [chr(c) for c in range(0xA0, 0x100)]


def _set_cookie_both(value: str, **options: Any) -> tuple[str, str]:
    import starlette.responses

    import asgiweb.responses

    theirs = starlette.responses.Response()
    theirs.set_cookie("k", value, **options)
    ours = asgiweb.responses.Response()
    ours.set_cookie("k", value, **options)
    return ours.headers["set-cookie"], theirs.headers["set-cookie"]


@pytest.mark.parametrize("char", _PRINTABLE_ASCII + _LATIN1_LETTERS)
def test_every_printable_character_is_written_as_starlette_writes_it(char: str) -> None:
    for value in (char, f"a{char}b", char * 3, f"{char} {char}"):
        ours, theirs = _set_cookie_both(value)
        assert ours == theirs, value


@pytest.mark.parametrize(
    "value",
    ["hello world", "", "x=y=", "YWJj==/+?@()", 'say "hi"\\', "a;b,c", "{json: [1]}", "café"],
)
def test_cookie_values_and_attributes_as_starlette(value: str) -> None:
    options = {"max_age": 9, "path": "/p", "domain": "ex.org", "secure": True, "httponly": True}
    ours, theirs = _set_cookie_both(value, **options)
    assert ours == theirs


def test_hello_world_reads_back_as_written() -> None:
    import http.cookies

    from asgiweb import App, Request, Response

    app = App()

    @app.get("/set")
    def set_motto(response: Response) -> None:
        response.set_cookie("motto", "hello world")

    @app.get("/get")
    def get_motto(request: Request) -> Any:
        return request.cookies

    client = TestClient(app)
    answer = client.get("/set")
    assert answer.headers["set-cookie"] == 'motto="hello world"; Path=/; SameSite=lax'
    assert answer.cookies == {"motto": "hello world"}
    jar: http.cookies.SimpleCookie = http.cookies.SimpleCookie(answer.headers["set-cookie"])
    assert jar["motto"].value == "hello world"
    assert client.get("/get").json() == {"motto": "hello world"}


# -- 5. FileResponse judges conditions by the validators it sends -------------------------


def _file_app(response_class: Any, path: str, headers: dict[str, str]) -> Any:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await response_class(path, headers=headers)(scope, receive, send)

    return app


@pytest.fixture
def data_file(tmp_path: Any) -> str:
    path = tmp_path / "data.bin"
    path.write_bytes(bytes(range(100)))
    return str(path)


@pytest.mark.parametrize(
    "given", [{"etag": '"v1"'}, {"ETag": '"v1"'}, {"etag": '"v1"', "last-modified": "x"}]
)
def test_file_if_range_uses_the_supplied_etag_as_starlette(data_file: str, given: Any) -> None:
    import starlette.responses

    from asgiweb.responses import FileResponse

    ours = TestClient(_file_app(FileResponse, data_file, given))
    theirs = TestClient(_file_app(starlette.responses.FileResponse, data_file, given))
    computed = TestClient(_file_app(FileResponse, data_file, {})).get("/").headers["etag"]
    for if_range in ('"v1"', computed, '"other"'):
        request = {"range": "bytes=0-9", "if-range": if_range}
        a, b = ours.get("/", headers=request), theirs.get("/", headers=request)
        assert a.headers["etag"] == '"v1"'
        assert (a.status_code, a.content) == (b.status_code, b.content), if_range
        assert a.status_code == (206 if if_range == '"v1"' else 200)


def test_file_if_none_match_uses_the_supplied_etag(data_file: str) -> None:
    from asgiweb.responses import FileResponse

    client = TestClient(_file_app(FileResponse, data_file, {"etag": '"v1"'}))
    computed = TestClient(_file_app(FileResponse, data_file, {})).get("/").headers["etag"]
    assert client.get("/", headers={"if-none-match": '"v1"'}).status_code == 304
    assert client.get("/", headers={"if-none-match": 'W/"v1", "x"'}).status_code == 304
    assert client.get("/", headers={"if-none-match": computed}).status_code == 200
    assert client.get("/", headers={"if-none-match": "*"}).status_code == 304
    # The file's own validator still works when nobody replaced it.
    plain = TestClient(_file_app(FileResponse, data_file, {}))
    assert plain.get("/", headers={"if-none-match": computed}).status_code == 304


def test_file_dates_use_the_supplied_last_modified(data_file: str) -> None:
    from asgiweb.responses import FileResponse

    stamp = "Wed, 21 Oct 2015 07:28:00 GMT"
    client = TestClient(_file_app(FileResponse, data_file, {"last-modified": stamp}))
    assert client.get("/").headers["last-modified"] == stamp
    assert client.get("/", headers={"if-modified-since": stamp}).status_code == 304
    older = "Tue, 20 Oct 2015 07:28:00 GMT"
    assert client.get("/", headers={"if-modified-since": older}).status_code == 200
    ranged = {"range": "bytes=0-1", "if-range": stamp}
    assert client.get("/", headers=ranged).status_code == 206
    assert client.get("/", headers={**ranged, "if-range": older}).status_code == 200


# -- 7. jsonable_encoder: objects that claim a class through __class__ ---------------------


class ClaimingProxy:
    """A lazy proxy as ORMs and context-locals use: reports its target's class."""

    def __init__(self, target: Any) -> None:
        object.__setattr__(self, "_target", target)

    @property  # type: ignore[misc]
    def __class__(self) -> type:
        return type(self._target)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)

    def __str__(self) -> str:
        return str(self._target)

    def __iter__(self) -> Any:
        return iter(self._target)

    def __getitem__(self, key: Any) -> Any:
        return self._target[key]

    def __int__(self) -> int:
        return int(self._target)

    def __float__(self) -> float:
        return float(self._target)


def _claimed_values() -> list[Any]:
    import datetime
    import decimal
    import enum
    import ipaddress
    import pathlib
    import uuid

    class Colour(enum.Enum):
        RED = "red"

    return [
        uuid.UUID(int=5),
        datetime.date(2020, 1, 2),
        datetime.datetime(2020, 1, 2, 3, 4, 5),
        datetime.time(1, 2),
        datetime.timedelta(seconds=90),
        decimal.Decimal("1.5"),
        decimal.Decimal("30"),
        Colour.RED,
        pathlib.PurePosixPath("/a/b"),
        ipaddress.ip_address("10.0.0.1"),
        b"bytes",
        {"k": uuid.UUID(int=1)},
        [1, uuid.UUID(int=2)],
    ]


@pytest.mark.parametrize("value", _claimed_values(), ids=lambda v: type(v).__name__)
def test_proxy_claiming_a_class_encodes_as_in_fastapi(value: Any) -> None:
    from fastapi.encoders import jsonable_encoder as theirs

    from asgiweb.encoders import jsonable_encoder
    from asgiweb.encoders.jsonable import render_json

    proxy = ClaimingProxy(value)
    assert isinstance(proxy, type(value)) and type(proxy) is ClaimingProxy
    expected = theirs(proxy)
    assert jsonable_encoder(proxy) == expected == jsonable_encoder(value)
    assert jsonable_encoder({"v": [proxy]}) == {"v": [expected]}
    wire = json.dumps({"v": expected}, ensure_ascii=False, separators=(",", ":"))
    assert render_json({"v": proxy}) == wire.encode()


def test_an_ordinary_unknown_object_still_goes_through_vars() -> None:
    from fastapi.encoders import jsonable_encoder as theirs

    from asgiweb.encoders import jsonable_encoder

    class Plain:
        def __init__(self) -> None:
            self.a = 1

    assert jsonable_encoder(Plain()) == theirs(Plain()) == {"a": 1}
