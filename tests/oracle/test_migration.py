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


# -- 6. URL and Headers as Starlette's ------------------------------------------------------

_URLS = [
    "http://a/b?c=1",
    "https://user:pw@example.com:8443/p/q?x=1&y=2&x=3#frag",
    "/relative/path?x=&y=2",
    "",
    "ws://[::1]:9000/socket",
    "wss://h/",
    "HTTP://EXAMPLE.com:80/Path",
    "http://a/%20space?q=a%20b",
]
_URL_PARTS = [
    *("scheme", "netloc", "path", "query", "fragment"),
    *("username", "password", "hostname", "port", "is_secure"),
]
_REPLACEMENTS: list[dict[str, Any]] = [
    {"scheme": "https"},
    {"path": "/z"},
    {"query": "a=1"},
    {"fragment": "f"},
    {"netloc": "n:1"},
    {"hostname": "h"},
    {"hostname": "::1"},
    {"port": 81},
    {"port": None},
    {"username": "u"},
    {"username": "u", "password": "p"},
    {"password": "p"},
]


def _url_views(url: Any) -> list[Any]:
    views: list[Any] = [getattr(url, part) for part in _URL_PARTS]
    views += [str(url), repr(url)]
    views += [str(url.replace(**change)) for change in _REPLACEMENTS]
    views += [
        str(url.include_query_params(x=9, new="a b")),
        str(url.replace_query_params(k=1, j="2")),
        str(url.remove_query_params("x")),
        str(url.remove_query_params(["x", "y"])),
    ]
    return views


@pytest.mark.parametrize("text", _URLS)
def test_url_from_a_string_as_starlette(text: str) -> None:
    from starlette.datastructures import URL as TheirURL

    from asgiweb.datastructures import URL

    ours, theirs = URL(text), TheirURL(text)
    assert _url_views(ours) == _url_views(theirs)
    assert ours == text and ours == theirs and ours == URL(text)
    assert ours != "http://elsewhere/"


@pytest.mark.parametrize(
    "scope",
    [
        {"scheme": "https", "server": ("example.org", 443), "path": "/a b", "query_string": b"x=1"},
        {"scheme": "http", "server": ("example.org", 8080), "path": "/a?b#c\\d"},
        {"scheme": "http", "server": ("::1", 8080), "path": "/"},
        {"scheme": "ws", "server": ("h", 80), "path": "/ws"},
        {"scheme": "http", "server": None, "path": "//x", "query_string": b"q=1"},
        {"scheme": "http", "server": ("s", 80), "path": "/p", "host": b"h:1"},
        {"scheme": "https", "server": ("s", 443), "path": "/p", "host": b"Example.ORG"},
    ],
)
def test_url_from_a_scope_as_starlette(scope: dict[str, Any]) -> None:
    from starlette.datastructures import URL as TheirURL

    from asgiweb.datastructures import URL
    from asgiweb.requests import Request

    full = {"type": "http", "query_string": b"", "headers": [], **scope}
    host = full.pop("host", None)
    if host is not None:
        full["headers"] = [(b"host", host)]
    theirs = TheirURL(scope=full)
    assert _url_views(URL(scope=full)) == _url_views(theirs)
    assert _url_views(URL.from_scope(full)) == _url_views(theirs)
    assert _url_views(Request(full).url) == _url_views(theirs)


def test_url_from_parts_as_starlette() -> None:
    from starlette.datastructures import URL as TheirURL

    from asgiweb.datastructures import URL

    parts = {"scheme": "https", "netloc": "x.org", "path": "/p", "query": "a=1"}
    assert _url_views(URL(**parts)) == _url_views(TheirURL(**parts))
    assert str(URL("https", "x.org", "/p", "a=1")) == "https://x.org/p?a=1"
    with pytest.raises(TypeError):
        URL("http://a/", scope={"type": "http", "path": "/"})


_RAW_HEADERS = [
    (b"content-type", b"text/plain"),
    (b"set-cookie", b"a=1"),
    (b"x-dup", b"1"),
    (b"set-cookie", b"b=2"),
    (b"x-dup", b"2"),
]


def _header_views(headers: Any) -> list[Any]:
    return [
        headers.items(),
        headers.keys(),
        headers.values(),
        headers.getlist("set-cookie"),
        headers.getlist("X-DUP"),
        headers.getlist("missing"),
        headers.get("Set-Cookie"),
        headers.get("x-dup"),
        "CONTENT-TYPE" in headers,
        dict(headers),
        list(headers.raw),
    ]


def test_headers_keep_every_pair_as_starlette() -> None:
    from starlette.datastructures import Headers as TheirHeaders

    from asgiweb.datastructures import Headers

    ours, theirs = Headers(raw=list(_RAW_HEADERS)), TheirHeaders(raw=list(_RAW_HEADERS))
    assert _header_views(ours) == _header_views(theirs)
    assert ours.multi_items() == theirs.items()
    assert Headers(scope={"headers": _RAW_HEADERS}).items() == theirs.items()
    given = {"X-A": "1", "Content-Type": "t"}
    assert Headers(given).items() == TheirHeaders(given).items()


@pytest.mark.parametrize(
    "edit",
    [
        lambda h: h.__setitem__("x-dup", "3"),
        lambda h: h.__delitem__("set-cookie"),
        lambda h: h.append("x-dup", "4"),
        lambda h: h.update({"x-new": "n", "Content-Type": "json"}),
        lambda h: h.setdefault("x-dup", "9"),
        lambda h: h.setdefault("x-other", "9"),
        lambda h: h.add_vary_header("accept"),
        lambda h: h.__ior__({"x-dup": "5", "x-b": "b"}),
    ],
)
def test_mutable_headers_edit_as_starlette(edit: Any) -> None:
    from starlette.datastructures import MutableHeaders as TheirMutable

    from asgiweb.datastructures import MutableHeaders

    ours, theirs = MutableHeaders(raw=list(_RAW_HEADERS)), TheirMutable(raw=list(_RAW_HEADERS))
    answer, their_answer = edit(ours), edit(theirs)
    if isinstance(answer, MutableHeaders):  # |= gives the headers themselves
        assert answer is ours
    else:
        assert answer == their_answer
    assert _header_views(ours) == _header_views(theirs)


def test_mutable_headers_or_and_mutablecopy_as_starlette() -> None:
    from starlette.datastructures import Headers as TheirHeaders
    from starlette.datastructures import MutableHeaders as TheirMutable

    from asgiweb.datastructures import Headers, MutableHeaders

    ours, theirs = MutableHeaders(raw=list(_RAW_HEADERS)), TheirMutable(raw=list(_RAW_HEADERS))
    merged, their_merged = ours | {"x-dup": "m", "x-z": "z"}, theirs | {"x-dup": "m", "x-z": "z"}
    assert isinstance(merged, MutableHeaders) and merged is not ours
    assert _header_views(merged) == _header_views(their_merged)
    assert _header_views(ours) == _header_views(theirs)  # untouched
    same = ours
    ours |= {"x-dup": "i"}
    theirs |= {"x-dup": "i"}
    assert ours is same and _header_views(ours) == _header_views(theirs)
    with pytest.raises(TypeError):
        ours | [("a", "b")]  # type: ignore[operator]
    with pytest.raises(TypeError):
        ours |= [("a", "b")]  # type: ignore[arg-type]
    frozen = Headers(raw=list(_RAW_HEADERS))
    copy, their_copy = frozen.mutablecopy(), TheirHeaders(raw=list(_RAW_HEADERS)).mutablecopy()
    copy["x-dup"] = "c"
    their_copy["x-dup"] = "c"
    assert _header_views(copy) == _header_views(their_copy)
    assert frozen.getlist("x-dup") == ["1", "2"]


# -- 3. RequestValidationError: body and str() --------------------------------------------


def test_validation_error_str_lists_the_errors_as_fastapi() -> None:
    import fastapi.exceptions

    from asgiweb.exceptions import RequestValidationError

    errors = [
        {"type": "missing", "loc": ("query", "q"), "msg": "Field required", "input": None},
        {"type": "int_parsing", "loc": ("path", "n"), "msg": "Input should be", "input": "x"},
    ]
    for some in (errors, errors[:1]):
        ours = RequestValidationError(some, body={"a": 1})
        theirs = fastapi.exceptions.RequestValidationError(some, body={"a": 1})
        assert str(ours) == str(theirs)
        assert (ours.errors(), ours.body) == (theirs.errors(), theirs.body)
