"""Responses, files, static files, templates and cookies, side by side with FastAPI.

Each app is written once (``build(fw)``, see ``tests/oracle/sidebyside.py``) and
served by asgiweb and by FastAPI 0.165 / Starlette 1.10; the same requests go to
both and the status, every value of the headers named in ``RESPONSE_HEADERS`` and
the body bytes must be equal.

Differences that are deliberate are written in the docs page owning the feature and
allowed here, each by one named adjustment (see ``Allow``):

- a HEAD answer has no body (Starlette leaves dropping it to the server);
- content given with a 1xx, 204 or 304 status is not sent (docs/responses.md);
- a file's ``etag`` is our own strong tag (Starlette's is an MD5 of mtime and
  size): both are compared as "present" and the 304 paths use the tag each side sent;
- ``FileResponse`` answers conditional requests itself, a malformed or
  multi-range-overflowing ``Range`` is ignored (200) and a 416 carries a JSON
  ``detail`` (docs/responses.md, "Files");
- a multipart/byteranges boundary is random on both sides and has another length.
"""

import datetime
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asgiweb.testclient import ClientResponse, TestClient
from tests.oracle.sidebyside import Call, Framework, frameworks

RESPONSE_HEADERS = (
    "content-type",
    "content-length",
    "etag",
    "last-modified",
    "accept-ranges",
    "content-range",
    "content-disposition",
    "set-cookie",
    "location",
    "vary",
    "allow",
    "x-custom",
)
NO_REDIRECTS = {"follow_redirects": False}


@dataclass
class Answer:
    status: int
    headers: dict[str, list[str]]
    body: bytes
    extra: dict[str, Any] = field(default_factory=dict)


def answer(response: ClientResponse, names: Sequence[str] = RESPONSE_HEADERS) -> Answer:
    return Answer(
        response.status_code,
        {name: response.headers.getlist(name) for name in names},
        response.content,
    )


def exchange(app: Any, calls: Sequence[Call | str], client_options: dict[str, Any]) -> list[Answer]:
    client = TestClient(app, **client_options)
    with client:
        out = []
        for call in calls:
            c = Call("GET", call) if isinstance(call, str) else call
            out.append(answer(client.request(c.method, c.url, **c.options)))
        return out


def sweep(
    build: Callable[[Framework], Any],
    calls: Sequence[Call | str],
    *,
    client_options: dict[str, Any] | None = None,
    adjust: Callable[[Call, Answer, Answer], None] | None = None,
) -> list[Answer]:
    """Assert equal answers (status, every value of RESPONSE_HEADERS, body bytes) from
    both frameworks; ``adjust(call, ours, theirs)`` applies documented differences
    by editing FastAPI's answer (or, for random parts, both).  Returns ours."""
    ours, theirs = frameworks()
    options = {**NO_REDIRECTS, **(client_options or {})}
    got = exchange(build(ours), calls, options)
    expected = exchange(build(theirs), calls, options)
    for call, mine, reference in zip(calls, got, expected, strict=True):
        c = Call("GET", call) if isinstance(call, str) else call
        if c.method == "HEAD":
            assert mine.body == b"", c
            reference.body = b""  # the server drops it for Starlette
        if adjust is not None:
            adjust(c, mine, reference)
        assert mine == reference, c
    return got


# -- every response class, constructed with each argument ------------------------------

TEXT = "héllo wörld"


def _constructed(fw: Framework) -> dict[str, Callable[[], Any]]:
    """Responses by name, each built in the handler and returned as it is."""
    r = fw.responses

    async def agen() -> Any:
        yield "a"
        yield b"b"
        yield memoryview(b"c")

    def sgen() -> Any:
        yield "é"
        yield b"\x00\xff"

    return {
        # Response: content of each type, media types, statuses, headers
        "str": lambda: r.Response(TEXT),
        "bytes": lambda: r.Response(b"\x00\x01bytes"),
        "none": lambda: r.Response(),
        "empty": lambda: r.Response(""),
        "memoryview": lambda: r.Response(memoryview(b"view")),
        "bytearray-view": lambda: r.Response(memoryview(bytearray(b"ba"))),
        "text-type": lambda: r.Response("a,b", media_type="text/csv"),
        "text-charset": lambda: r.Response(b"x", media_type="text/plain; charset=latin-1"),
        "text-Charset": lambda: r.Response(b"x", media_type="text/plain; Charset=ascii"),
        "app-type": lambda: r.Response("{}", media_type="application/json"),
        "app-charset": lambda: r.Response("{}", media_type="application/json; charset=utf-8"),
        "upper-text": lambda: r.Response("x", media_type="TEXT/plain"),
        "201": lambda: r.Response("made", status_code=201),
        "418": lambda: r.Response("pot", status_code=418, media_type="text/plain"),
        "500": lambda: r.Response("oops", status_code=500),
        "204": lambda: r.Response(status_code=204),
        "204-typed": lambda: r.Response(status_code=204, media_type="text/plain"),
        "304": lambda: r.Response(status_code=304),
        "205": lambda: r.Response(status_code=205),
        "headers": lambda: r.Response("x", headers={"X-Custom": "1", "Vary": "Accept"}),
        "own-type": lambda: r.Response(
            "x", media_type="text/html", headers={"content-type": "text/x-own"}
        ),
        "own-Type": lambda: r.Response("x", headers={"Content-Type": "image/png"}),
        "own-length-0": lambda: r.Response(b"", headers={"content-length": "0"}),
        "own-length": lambda: r.Response(b"abc", headers={"Content-Length": "3"}),
        "empty-headers": lambda: r.Response("x", headers={}),
        # PlainText / HTML
        "plain": lambda: r.PlainTextResponse(TEXT),
        "plain-bytes": lambda: r.PlainTextResponse(b"raw"),
        "plain-none": lambda: r.PlainTextResponse(None),
        "plain-as-csv": lambda: r.PlainTextResponse("a", media_type="text/csv"),
        "plain-as-json": lambda: r.PlainTextResponse("1", media_type="application/json"),
        "plain-status": lambda: r.PlainTextResponse("gone", status_code=410),
        "html": lambda: r.HTMLResponse("<b>é</b>"),
        "html-headers": lambda: r.HTMLResponse("<i>", headers={"x-custom": "h"}),
        "html-xhtml": lambda: r.HTMLResponse("<p/>", media_type="application/xhtml+xml"),
        # JSON
        "json": lambda: r.JSONResponse({"a": [1, 2.5, None, True], "é": "ü"}),
        "json-none": lambda: r.JSONResponse(None),
        "json-str": lambda: r.JSONResponse("text"),
        "json-list": lambda: r.JSONResponse([1, "two", {"three": 3}]),
        "json-status": lambda: r.JSONResponse({"e": 1}, status_code=422),
        "json-type": lambda: r.JSONResponse([1], media_type="application/problem+json"),
        "json-headers": lambda: r.JSONResponse({}, headers={"x-custom": "j"}),
        "json-float": lambda: r.JSONResponse([1e20, 1.5e-7, 0.1, -0.0, 10**30]),
        "orjson": lambda: r.ORJSONResponse({"a": "x/y", "b": [1.5, None], "é": "ü"}),
        "orjson-none": lambda: r.ORJSONResponse(None),
        "orjson-status": lambda: r.ORJSONResponse([1], status_code=201, headers={"x-custom": "o"}),
        "ujson": lambda: r.UJSONResponse({"a": "x/y", "b": [1.5, None], "é": "ü"}),
        "ujson-none": lambda: r.UJSONResponse(None),
        "ujson-type": lambda: r.UJSONResponse([1], media_type="application/x-json"),
        # Redirect
        "redirect": lambda: r.RedirectResponse("/target"),
        "redirect-301": lambda: r.RedirectResponse("/t", status_code=301),
        "redirect-302": lambda: r.RedirectResponse("/t", status_code=302),
        "redirect-303": lambda: r.RedirectResponse("/t", status_code=303),
        "redirect-308": lambda: r.RedirectResponse("/t", status_code=308),
        "redirect-headers": lambda: r.RedirectResponse("/t", headers={"x-custom": "r"}),
        "redirect-own-location": lambda: r.RedirectResponse("/t", headers={"location": "/u"}),
        "redirect-absolute": lambda: r.RedirectResponse("https://example.com/a?b=c#d"),
        "redirect-space": lambda: r.RedirectResponse("/a b/c d?q=e f"),
        "redirect-unicode": lambda: r.RedirectResponse("/café/ü?x=é"),
        "redirect-escaped": lambda: r.RedirectResponse("/a%20b/%C3%A9"),
        "redirect-reserved": lambda: r.RedirectResponse("/a;b=c/d@e!$&'()*+,?x=[1]"),
        "redirect-tilde": lambda: r.RedirectResponse('/~user/{x}|y^z`"<>\\'),
        "redirect-url": lambda: r.RedirectResponse(
            fw.mod.Request  # a URL object
            and _url(fw, "http://h/p?q=1")
        ),
        # Streaming
        "stream-async": lambda: r.StreamingResponse(agen()),
        "stream-sync": lambda: r.StreamingResponse(sgen(), media_type="text/plain"),
        "stream-list": lambda: r.StreamingResponse(["x", "y"], media_type="application/x-ndjson"),
        "stream-status": lambda: r.StreamingResponse(iter([b"z"]), status_code=202),
        "stream-headers": lambda: r.StreamingResponse(
            iter([b"abc"]), headers={"content-length": "3", "x-custom": "s"}
        ),
        "stream-charset": lambda: r.StreamingResponse(
            iter(["é"]), media_type="text/plain; charset=utf-8"
        ),
    }


def _url(fw: Framework, text: str) -> Any:
    return fw.sub("datastructures").URL(text)


def constructed_app(fw: Framework) -> Any:
    app = fw.App()
    for name, make in _constructed(fw).items():
        app.add_api_route(f"/c/{name}", _returning(make), methods=["GET", "HEAD", "POST"])
    return app


def _returning(make: Callable[[], Any]) -> Callable[[], Any]:
    def endpoint():  # no return annotation: FastAPI would read it as a response model
        return make()

    return endpoint


CONSTRUCTED = tuple(_constructed(Framework("asgiweb")))


def _no_body_statuses(call: Call, mine: Answer, theirs: Answer) -> None:
    """Content with a 204/304 is not sent by us (docs/responses.md)."""
    if theirs.status in (204, 304):
        theirs.body = b""


def same_json_value(mine: Answer, theirs: Answer) -> None:
    """orjson/ujson: the same JSON value, not the same bytes (docs/api.md, "Responses":
    ujson writes ``/`` as ``\\/``, orjson spells some floats its own way)."""
    if mine.body or theirs.body:
        assert json.loads(mine.body) == json.loads(theirs.body)
        theirs.body = mine.body
    theirs.headers["content-length"] = mine.headers["content-length"]


def _constructed_adjust(call: Call, mine: Answer, theirs: Answer) -> None:
    _no_body_statuses(call, mine, theirs)
    if "ujson" in call.url or "orjson" in call.url:
        same_json_value(mine, theirs)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("method", ["GET", "HEAD", "POST"])
def test_constructed_responses(method: str) -> None:
    calls = [Call(method, f"/c/{name}") for name in CONSTRUCTED]
    sweep(constructed_app, calls, adjust=_constructed_adjust)


# -- response_class=, default_response_class=, status_code=, HEAD ------------------------

RETURNED = {
    "str": "héllo",
    "dict": {"a": 1, "b": ["x/y", None]},
    "none": None,
    "list": [1, 2.5, "é"],
    "int": 7,
}
CLASSES = ("Response", "PlainTextResponse", "HTMLResponse", "JSONResponse",
           "ORJSONResponse", "UJSONResponse")  # fmt: skip
# Content a class takes (Response and the text classes take str or None; the JSON
# classes take any JSON value).
TAKES = {
    "Response": ("str", "none"),
    "PlainTextResponse": ("str", "none"),
    "HTMLResponse": ("str", "none"),
    "JSONResponse": tuple(RETURNED),
    "ORJSONResponse": tuple(RETURNED),
    "UJSONResponse": tuple(RETURNED),
}
STATUSES = (200, 201, 202, 204, 304, 404)


def _value(key: str) -> Callable[[], Any]:
    def endpoint():  # no return annotation: FastAPI would read it as a response model
        return RETURNED[key]

    return endpoint


def response_class_app(fw: Framework) -> Any:
    app = fw.App()
    methods = ["GET", "HEAD"]
    for cls in CLASSES:
        response_class = getattr(fw.responses, cls)
        for key in TAKES[cls]:
            for status in STATUSES:
                app.add_api_route(
                    f"/rc/{cls}/{key}/{status}",
                    _value(key),
                    methods=methods,
                    response_class=response_class,
                    status_code=status,
                )
        # the same through default_response_class on an App, a Router, a sub-App
        router = fw.Router(prefix=f"/router/{cls}", default_response_class=response_class)
        for key in TAKES[cls]:
            router.add_api_route(f"/{key}", _value(key), methods=methods)
        app.include_router(router)
        sub = fw.App(default_response_class=response_class)
        for key in TAKES[cls]:
            sub.add_api_route(f"/{key}", _value(key), methods=methods)
        app.mount(f"/sub/{cls}", sub)
    # a router's default reaches a route; the route's own class wins over both defaults
    outer = fw.Router(default_response_class=fw.responses.HTMLResponse)
    inner = fw.Router(default_response_class=fw.responses.PlainTextResponse)
    inner.add_api_route("/inner", _value("str"), methods=methods)
    inner.add_api_route(
        "/inner-own", _value("dict"), methods=methods, response_class=fw.responses.JSONResponse
    )
    outer.include_router(inner, prefix="/nested")
    app.include_router(outer)

    redirect = fw.responses.RedirectResponse

    @app.api_route("/redirect-class", methods=methods, response_class=redirect)
    def redirect_class():
        return "/somewhere else/é"

    @app.api_route("/redirect-class-301", methods=methods, response_class=redirect, status_code=301)
    def redirect_class_301():
        return "https://example.com/x"

    return app


RESPONSE_CLASS_CALLS = [
    *(f"/rc/{cls}/{key}/{status}" for cls in CLASSES for key in TAKES[cls] for status in STATUSES),
    *(f"/router/{cls}/{key}" for cls in CLASSES for key in TAKES[cls]),
    *(f"/sub/{cls}/{key}" for cls in CLASSES for key in TAKES[cls]),
    "/nested/inner", "/nested/inner-own", "/redirect-class", "/redirect-class-301",
]  # fmt: skip


def _json_classes(call: Call, mine: Answer, theirs: Answer) -> None:
    if "ORJSON" in call.url or "UJSON" in call.url:
        same_json_value(mine, theirs)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_response_class_and_defaults(method: str) -> None:
    calls = [Call(method, url) for url in RESPONSE_CLASS_CALLS]
    answers = sweep(response_class_app, calls, adjust=_json_classes)
    assert {a.status for a in answers} == {*STATUSES, 301, 307}


# -- cookies -----------------------------------------------------------------------------

UTC = datetime.UTC
WHEN = datetime.datetime(2031, 2, 3, 4, 5, 6, tzinfo=UTC)
COOKIES: dict[str, dict[str, Any]] = {
    "plain": {"key": "k", "value": "v"},
    "no-value": {"key": "k"},
    "quoted": {"key": "k", "value": 'a b,c;d"e\\f'},
    "unicode-latin1": {"key": "k", "value": "café"},
    "max-age": {"key": "k", "value": "v", "max_age": 3600},
    "max-age-0": {"key": "k", "value": "v", "max_age": 0},
    "max-age-negative": {"key": "k", "value": "v", "max_age": -1},
    "expires-datetime": {"key": "k", "value": "v", "expires": WHEN},
    "expires-int": {"key": "k", "value": "v", "expires": 60},
    "expires-str": {"key": "k", "value": "v", "expires": "Thu, 01 Jan 2032 00:00:00 GMT"},
    "path": {"key": "k", "value": "v", "path": "/sub/dir"},
    "path-none": {"key": "k", "value": "v", "path": None},
    "domain": {"key": "k", "value": "v", "domain": "example.com"},
    "domain-dot": {"key": "k", "value": "v", "domain": ".example.com"},
    "secure": {"key": "k", "value": "v", "secure": True},
    "httponly": {"key": "k", "value": "v", "httponly": True},
    "samesite-strict": {"key": "k", "value": "v", "samesite": "strict"},
    "samesite-none": {"key": "k", "value": "v", "samesite": "none", "secure": True},
    "samesite-None": {"key": "k", "value": "v", "samesite": None},
    "samesite-Strict": {"key": "k", "value": "v", "samesite": "Strict"},
    "samesite-LAX": {"key": "k", "value": "v", "samesite": "LAX"},
    "everything": {
        "key": "session",
        "value": "abc123",
        "max_age": 10,
        "expires": WHEN,
        "path": "/app",
        "domain": "example.org",
        "secure": True,
        "httponly": True,
        "samesite": "strict",
    },
}
DELETES: dict[str, dict[str, Any]] = {
    "plain": {"key": "k"},
    "path": {"key": "k", "path": "/p"},
    "domain": {"key": "k", "domain": "example.com", "secure": True, "httponly": True},
    "samesite": {"key": "k", "samesite": "strict"},
    "samesite-None": {"key": "k", "samesite": None},
}
_EXPIRES = re.compile(r"expires=([^;]+)")


def _set(response: Any, name: str) -> None:
    response.set_cookie(**COOKIES[name])


def _delete(response: Any, name: str) -> None:
    response.delete_cookie(**DELETES[name])


def cookie_app(fw: Framework) -> Any:
    app = fw.App()
    Response = fw.Response

    def on_parameter(action: Callable[[Any, str], None], name: str) -> Callable[..., Any]:
        def endpoint(response: Response):
            action(response, name)
            return {"set": name}

        return endpoint

    def on_returned(action: Callable[[Any, str], None], name: str) -> Callable[..., Any]:
        def endpoint():
            response = fw.responses.PlainTextResponse("returned")
            action(response, name)
            return response

        return endpoint

    for name in COOKIES:
        app.add_api_route(f"/set/param/{name}", on_parameter(_set, name))
        app.add_api_route(f"/set/returned/{name}", on_returned(_set, name))
    for name in DELETES:
        app.add_api_route(f"/delete/param/{name}", on_parameter(_delete, name))
        app.add_api_route(f"/delete/returned/{name}", on_returned(_delete, name))

    @app.get("/several")
    def several(response: Response):
        response.set_cookie("a", "1")
        response.set_cookie("b", "2", httponly=True)
        response.delete_cookie("c")
        response.set_cookie("a", "3", path="/other")
        return "several"

    @app.get("/several-returned")
    def several_returned(response: Response):
        response.set_cookie("from-param", "ignored")  # a returned response wins
        out = fw.responses.JSONResponse({"x": 1}, headers={"x-custom": "c"})
        out.set_cookie("a", "1")
        out.set_cookie("b", "2", max_age=5)
        return out

    @app.get("/param-and-status", status_code=201)
    def param_and_status(response: Response):
        response.set_cookie("a", "1")
        response.headers["x-custom"] = "p"
        response.status_code = 202
        return None

    return app


def _same_expires(call: Call, mine: Answer, theirs: Answer) -> None:
    """``expires`` from a number of seconds is "now + n": equal within a few seconds."""
    ours, reference = mine.headers["set-cookie"], theirs.headers["set-cookie"]
    if len(ours) != len(reference):
        return
    fixed = []
    for one, two in zip(ours, reference, strict=True):
        a, b = _EXPIRES.search(one), _EXPIRES.search(two)
        if a and b and a.group(1) != b.group(1):
            from email.utils import parsedate_to_datetime

            gap = parsedate_to_datetime(a.group(1)) - parsedate_to_datetime(b.group(1))
            assert abs(gap.total_seconds()) <= 5, (one, two)
            two = two.replace(b.group(1), a.group(1))
        fixed.append(two)
    theirs.headers["set-cookie"] = fixed


COOKIE_CALLS = [
    *(f"/set/{way}/{name}" for way in ("param", "returned") for name in COOKIES),
    *(f"/delete/{way}/{name}" for way in ("param", "returned") for name in DELETES),
    "/several", "/several-returned", "/param-and-status",
]  # fmt: skip


def test_cookies() -> None:
    answers = sweep(cookie_app, COOKIE_CALLS, adjust=_same_expires)
    assert all(a.headers["set-cookie"] for a in answers)


def _set_cookie_headers(response_cls: Any, calls: Sequence[dict[str, Any]]) -> list[str]:
    response = response_cls()
    for kwargs in calls:
        response.set_cookie(**kwargs)
    return [v.decode("latin-1") for k, v in response.raw_headers if k == b"set-cookie"]


TOKEN_CHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
# What both write: latin-1 without control characters (see test_cookie_values_...).
COOKIE_TEXT = st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f")
ATTRIBUTE_TEXT = st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters=";")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    key=st.text(TOKEN_CHARS, min_size=1, max_size=12).filter(
        lambda k: (
            k.lower()
            not in {
                "expires",
                "path",
                "comment",
                "domain",
                "max-age",
                "secure",
                "httponly",
                "version",
                "samesite",
                "partitioned",
            }
        )
    ),
    value=st.text(COOKIE_TEXT, max_size=20),
    max_age=st.none() | st.integers(-(10**6), 10**9),
    expires=st.none()
    | st.datetimes(
        min_value=datetime.datetime(1970, 1, 2),
        max_value=datetime.datetime(9999, 1, 1),
        timezones=st.just(UTC),
    )
    | st.text(ATTRIBUTE_TEXT, min_size=1, max_size=30),
    path=st.none() | st.text(ATTRIBUTE_TEXT, max_size=15),
    domain=st.none() | st.text(ATTRIBUTE_TEXT, max_size=15),
    secure=st.booleans(),
    httponly=st.booleans(),
    samesite=st.sampled_from([None, "lax", "strict", "none", "Lax", "STRICT", "None"]),
)
def test_generated_set_cookie_headers_are_starlettes(**kwargs: Any) -> None:
    from starlette.responses import Response as StarletteResponse

    from asgiweb.responses import Response

    twice = [kwargs, {**kwargs, "key": kwargs["key"] + "2"}]
    assert _set_cookie_headers(Response, twice) == _set_cookie_headers(StarletteResponse, twice)


def test_cookie_arguments_starlette_refuses_on_this_python() -> None:
    """Documented (docs/responses.md, cookies): ``partitioned`` works on every Python
    (Starlette refuses it before 3.14), on ``delete_cookie`` too; a naive ``expires``
    datetime is UTC (Starlette's formatting refuses it); a bad ``samesite`` is a
    ``ValueError`` (Starlette's an ``AssertionError``)."""
    from asgiweb.responses import Response

    response = Response()
    response.set_cookie("p", "1", partitioned=True, secure=True)
    response.delete_cookie("q", partitioned=True, secure=True)
    response.set_cookie("n", "2", expires=datetime.datetime(2031, 2, 3, 4, 5, 6), path="")
    assert response.headers.getlist("set-cookie") == [
        "p=1; Partitioned; Path=/; SameSite=lax; Secure",
        'q=""; expires=' + response.headers.getlist("set-cookie")[1].split("expires=")[1],
        "n=2; expires=Mon, 03 Feb 2031 04:05:06 GMT; SameSite=lax",
    ]
    assert (
        "Max-Age=0; Partitioned; Path=/; SameSite=lax; Secure"
        in (response.headers.getlist("set-cookie")[1])
    )
    with pytest.raises(ValueError, match="samesite"):
        response.set_cookie("s", samesite="sometimes")
