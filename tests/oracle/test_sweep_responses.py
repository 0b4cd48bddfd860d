"""Responses, files, static files, templates and cookies, side by side with FastAPI.

Each app is written once (``build(fw)``, see ``tests/oracle/sidebyside.py``) and
served by asgiweb and by FastAPI 0.165 / Starlette 1.10; the same requests go to
both and the status, every value of the headers named in ``RESPONSE_HEADERS`` and
the body bytes must be equal (:func:`sweep`).

Deliberate differences are written in the docs page that owns the feature and
allowed here only by a named adjustment, or asserted in a test of their own:

- a HEAD answer has no body (Starlette leaves dropping it to the server), and
  content given with a 204 or 304 is not sent (docs/responses.md);
- orjson/ujson: the same JSON value, not the same bytes (docs/api.md);
- cookies: ``partitioned`` on every Python, a naive ``expires`` is UTC
  (docs/responses.md, "Status codes, headers and cookies");
- background: a returned response's own task and the handler's added tasks both
  run (docs/responses.md, "Background tasks");
- files (docs/responses.md, "Files"): our own etag; ``content-disposition`` with an
  ASCII fallback; 304s from ``FileResponse`` itself; an unreadable ``Range``
  ignored, a mixed set's satisfiable ranges sent, a JSON 416; a multipart
  boundary of another length;
- static files (docs/frontend.md): a ``..`` segment is 404 even when it resolves
  inside; refused paths get ``404.html`` in html mode; a redirect's ``location``
  is relative (docs/api.md);
- redirects (docs/responses.md, "Redirects"): a lone ``%`` is ``%25``, a
  non-ASCII host is IDNA-encoded.
"""

import contextlib
import datetime
import functools
import io
import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from hypothesis import HealthCheck, assume, given, settings
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
        "stream-file": lambda: r.StreamingResponse(
            io.BytesIO(b"line 1\nline 2\n"), media_type="text/plain"
        ),
        "103": lambda: r.Response(status_code=103),
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


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_json_classes_refuse_what_is_not_json() -> None:
    """Documented (docs/api.md, "Responses"): UJSONResponse refuses NaN as
    JSONResponse does, where FastAPI's writes ``NaN``, which is not JSON;
    ORJSONResponse writes ``null``, orjson's rule, as FastAPI's does."""
    from fastapi.responses import UJSONResponse as FastAPIUJSON

    from asgiweb.responses import JSONResponse, ORJSONResponse, UJSONResponse

    assert FastAPIUJSON(float("nan")).body == b"NaN"
    for cls in (JSONResponse, UJSONResponse):
        with pytest.raises(ValueError):
            cls([float("nan")])
    assert ORJSONResponse([float("nan")]).body == b"[null]"  # orjson's own rule, as FastAPI's


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


def status_parameter_app(fw: Framework) -> Any:
    """The status set on a ``Response`` parameter, with the route's class and status."""
    app = fw.App()
    r = fw.responses
    for status in (200, 201, 204, 304, 404):
        for cls in ("JSONResponse", "PlainTextResponse", "HTMLResponse"):

            def endpoint(response: fw.Response, status: int = status):
                response.status_code = status
                response.headers["x-custom"] = str(status)
                return None

            app.add_api_route(
                f"/status/{cls}/{status}",
                endpoint,
                status_code=202,
                response_class=getattr(r, cls),
                methods=["GET", "HEAD"],
            )
    return app


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_status_set_on_the_response_parameter(method: str) -> None:
    """A 204 or 304 set on the parameter: no content-length, no body (as FastAPI)."""
    calls = [
        Call(method, f"/status/{cls}/{status}")
        for status in (200, 201, 204, 304, 404)
        for cls in ("JSONResponse", "PlainTextResponse", "HTMLResponse")
    ]
    answers = sweep(status_parameter_app, calls)
    assert all(a.headers["content-length"] == [] for a in answers if a.status in (204, 304))


def headers_parameter_app(fw: Framework) -> Any:
    app = fw.App()

    @app.get("/own-type")
    def own_type(response: fw.Response):
        response.headers["content-type"] = "text/x-own"  # sent beside the class's own
        return {"a": 1}

    @app.get("/repeated")
    def repeated(response: fw.Response):
        response.headers["vary"] = "Accept"
        response.headers.append("vary", "Origin")
        response.set_cookie("a", "1")
        response.delete_cookie("b")
        return "x"

    @app.get("/deleted")
    def deleted(response: fw.Response):
        response.headers["x-custom"] = "1"
        del response.headers["x-custom"]
        return "x"

    @app.get("/redirect-by-hand")
    def redirect_by_hand(response: fw.Response):
        response.headers["location"] = "/elsewhere"
        response.status_code = 302
        return None

    @app.get("/charset", response_class=fw.responses.HTMLResponse)
    def charset(response: fw.Response):
        response.headers["Content-Type"] = "text/html; charset=latin-1"
        return "é"

    return app


def test_headers_set_on_the_response_parameter() -> None:
    calls = ["/own-type", "/repeated", "/deleted", "/redirect-by-hand", "/charset"]
    answers = sweep(headers_parameter_app, calls)
    assert answers[0].headers["content-type"] == ["application/json", "text/x-own"]


def test_response_class_file_response(site: Any) -> None:
    def build(fw: Framework) -> Any:
        app = fw.App()
        file_class = fw.responses.FileResponse

        @app.get("/file", response_class=file_class)
        def as_str():
            return str(site / "hello.txt")

        @app.get("/file-path", response_class=file_class)
        def as_path():
            return site / "hello.txt"

        return app

    sweep(build, ["/file", "/file-path"], adjust=_file_adjust)


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
# Every value both write: latin-1, control characters included (beyond it, both fail).
COOKIE_TEXT = st.characters(min_codepoint=0, max_codepoint=0xFF)
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


@pytest.mark.parametrize("value", ["x\r\nSet-Cookie: admin=1", "a\x00b", "tab\there", "\x7f"])
def test_cookie_values_with_control_characters(value: str) -> None:
    """A hostile value (say, echoed from the query) is octal-escaped as FastAPI
    escapes it: 200, one header, and the value reads back whole."""

    def build(fw: Framework) -> Any:
        app = fw.App()

        @app.get("/echo")
        def echo(v: str, response: fw.Response):
            response.set_cookie("v", v)
            return "ok"

        @app.get("/read")
        def read(request: fw.Request):
            return request.cookies.get("v")

        return app

    [echoed] = sweep(build, [Call("GET", "/echo", params={"v": value})])
    assert echoed.status == 200 and len(echoed.headers["set-cookie"]) == 1
    header = echoed.headers["set-cookie"][0]
    assert header.isprintable()
    # Sent back as a browser keeps it: the quoted form, escapes and all.
    stored = header.split(";")[0]
    [read] = sweep(build, [Call("GET", "/read", headers={"cookie": stored})])
    assert json.loads(read.body) == value


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


# -- FileResponse ------------------------------------------------------------------------

CONTENT = b"0123456789abcdef"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("site")
    (root / "hello.txt").write_bytes(CONTENT)
    (root / "data.qqq").write_bytes(b"\x00\x01unknown")
    (root / "page.html").write_bytes(b"<h1>page</h1>")
    (root / "empty.txt").write_bytes(b"")
    (root / "naïve name.txt").write_bytes(b"unicode")
    (root / "dir").mkdir()
    (root / "dir" / "inner.css").write_bytes(b"body{}")
    return root


@functools.cache
def file_app(root: Any) -> Callable[[Framework], Any]:
    hello = str(root / "hello.txt")

    def build(fw: Framework) -> Any:
        FileResponse = fw.responses.FileResponse
        cases: dict[str, Callable[[], Any]] = {
            "plain": lambda: FileResponse(hello),
            "pathlike": lambda: FileResponse(root / "hello.txt"),
            "filename": lambda: FileResponse(hello, filename="report.txt"),
            "filename-space": lambda: FileResponse(hello, filename="my report.txt"),
            "filename-unicode": lambda: FileResponse(hello, filename="résumé €.txt"),
            "filename-quote": lambda: FileResponse(hello, filename='a"b.txt'),
            "filename-type": lambda: FileResponse(root / "data.qqq", filename="x.png"),
            "inline": lambda: FileResponse(
                hello, filename="x.txt", content_disposition_type="inline"
            ),
            "own-disposition": lambda: FileResponse(
                hello, filename="x.txt", headers={"content-disposition": "inline"}
            ),
            "media": lambda: FileResponse(hello, media_type="application/x-custom"),
            "media-text": lambda: FileResponse(hello, media_type="text/csv"),
            "unknown": lambda: FileResponse(root / "data.qqq"),
            "html": lambda: FileResponse(root / "page.html"),
            "css": lambda: FileResponse(root / "dir" / "inner.css"),
            "unicode-path": lambda: FileResponse(root / "naïve name.txt"),
            "status": lambda: FileResponse(hello, status_code=201),
            "headers": lambda: FileResponse(hello, headers={"x-custom": "1", "vary": "a"}),
            "own-type": lambda: FileResponse(hello, headers={"content-type": "text/x"}),
            "stat": lambda: FileResponse(hello, stat_result=os.stat(hello)),
            "empty": lambda: FileResponse(root / "empty.txt"),
        }
        app = fw.App()
        for name, make in cases.items():
            app.add_api_route(f"/f/{name}", _returning(make), methods=["GET", "HEAD", "POST"])
        return app

    return build


FILE_CASES = (
    "plain", "pathlike", "filename", "filename-space", "filename-unicode", "filename-quote",
    "filename-type", "inline", "own-disposition", "media", "media-text", "unknown", "html",
    "css", "unicode-path", "status", "headers", "own-type", "stat", "empty",
)  # fmt: skip


def disposition(value: str) -> tuple[str, str | None]:
    """(type, file name) of a content-disposition value: ``filename*`` (RFC 8187)
    when given, else ``filename`` (a quoted-string, RFC 6266)."""
    kind, _, rest = value.partition(";")
    extended = re.search(r"filename\*=utf-8''([^;\s]+)", rest, re.IGNORECASE)
    if extended:
        return kind, unquote(extended.group(1))
    plain = re.search(r'filename="((?:[^"\\]|\\.)*)"', rest)
    return kind, None if plain is None else re.sub(r"\\(.)", r"\1", plain.group(1))


def _file_adjust(call: Call, mine: Answer, theirs: Answer) -> None:
    """A file's etag is each side's own (present on both, or on neither).  Starlette
    names any file that ``quote()`` changes by ``filename*`` alone; we send the
    quoted-string ``filename`` for every ASCII name and both forms for others
    (docs/responses.md, "Files"): the same name, decoded."""
    assert bool(mine.headers["etag"]) == bool(theirs.headers["etag"]), call
    theirs.headers["etag"] = mine.headers["etag"]
    ours_cd, their_cd = mine.headers["content-disposition"], theirs.headers["content-disposition"]
    if len(ours_cd) == len(their_cd) == 1 and ours_cd != their_cd:
        assert disposition(ours_cd[0]) == disposition(their_cd[0]), call
        theirs.headers["content-disposition"] = ours_cd


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST"])
def test_file_responses(site: Any, method: str) -> None:
    calls = [Call(method, f"/f/{name}") for name in FILE_CASES]
    sweep(file_app(site), calls, adjust=_file_adjust)


def _is_multipart(answer: Answer) -> bool:
    content_type = answer.headers["content-type"]
    return bool(content_type) and content_type[0].startswith("multipart/byteranges; boundary=")


def byteranges(answer: Answer) -> list[tuple[dict[str, str], bytes]] | None:
    """A multipart/byteranges body as (part headers, lower-cased names; part body) pairs."""
    if not _is_multipart(answer):
        return None
    boundary = answer.headers["content-type"][0].split("boundary=")[1].encode()
    if not answer.body:  # HEAD
        return []
    body = answer.body
    assert body.startswith(b"--" + boundary + b"\r\n"), body
    assert body.rstrip(b"\r\n").endswith(b"--" + boundary + b"--"), body
    parts = []
    for chunk in body.split(b"--" + boundary)[1:-1]:
        head, _, content = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n"))
        parts.append(({k.lower(): v for k, v in headers.items()}, content.removesuffix(b"\r\n")))
    return parts


RANGE_416 = b'{"detail":"Range Not Satisfiable"}'


def _range_adjust(call: Call, mine: Answer, theirs: Answer) -> None:
    """Documented (docs/responses.md, "Files"): the multipart boundary is random (the
    parts compared); a 416 carries a JSON ``detail``."""
    _file_adjust(call, mine, theirs)
    ours_parts, their_parts = byteranges(mine), byteranges(theirs)
    if _is_multipart(mine) and _is_multipart(theirs):
        assert ours_parts == their_parts, call
        theirs.body = mine.body
        theirs.headers["content-type"] = mine.headers["content-type"]
        theirs.headers["content-length"] = mine.headers["content-length"]
    if theirs.status == 416:
        assert theirs.body == b"" and theirs.headers["content-type"] == [
            "text/plain; charset=utf-8"
        ]
        theirs.body = b"" if call.method == "HEAD" else RANGE_416
        theirs.headers["content-type"] = ["application/json"]
        theirs.headers["content-length"] = [str(len(RANGE_416))]


# Answered alike by both.
RANGES = (
    "bytes=0-3", "bytes=-4", "bytes=10-", "bytes=3-100", "bytes=0-0", "bytes=-100",
    "bytes=15-15", "bytes=0-1,,2-3", "bytes=0-3,2-5", " bytes = 0-3", "BYTES=0-3",
    "bytes=0-1,3-4,0-15", "bytes=0-1,4-5", "bytes=4-5,0-1", "bytes=0-1, 3-4 ,-2",
    "bytes=100-200", "bytes=16-", "bytes=-0", "bytes=00-03",
    ",".join(["bytes=0-0"] + ["1-1"] * 99),
)  # fmt: skip
# Starlette answers 400; RFC 9110 §14.2 lets a server ignore a Range it cannot
# read, and we do: 200 and the whole file (documented).
RANGES_IGNORED = (
    "bytes=5-2", "items=0-1", "bytes=abc", "bytes=", "bytes=,", "bytes=-", "bytes=1",
    "bytes=1-2-3", "bytes=-1-2", "bytes 0-1", "bytes=0x1-2",
)  # fmt: skip
# Starlette answers 416 when any range is unsatisfiable; RFC 9110 §14.1.1 calls a
# set satisfiable when one range is, and we send the ones that are (documented).
RANGES_PARTLY = ("bytes=1-2,100-200", "bytes=100-200,1-2", "bytes=16-,-3", "bytes=1-2,100-")
FILE_RANGE_URLS = ("/f/plain", "/f/unknown", "/f/empty", "/f/filename-unicode", "/f/headers")


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_file_ranges(site: Any, method: str) -> None:
    calls = [
        Call(method, url, headers={"range": spec}) for url in FILE_RANGE_URLS for spec in RANGES
    ]
    # never honoured: another status than 200, another method than GET/HEAD
    calls += [
        Call(method, "/f/status", headers={"range": "bytes=0-3"}),
        Call("POST", "/f/plain", headers={"range": "bytes=0-3"}),
    ]
    answers = sweep(file_app(site), calls, adjust=_range_adjust)
    assert {a.status for a in answers} == {200, 201, 206, 416}


@pytest.mark.parametrize("spec", RANGES_IGNORED)
def test_unreadable_ranges_are_ignored(site: Any, spec: str) -> None:
    ours, theirs = frameworks()
    call = Call("GET", "/f/plain", headers={"range": spec})
    [mine] = exchange(file_app(site)(ours), [call], {})
    [reference] = exchange(file_app(site)(theirs), [call], {})
    assert reference.status == 400
    assert (mine.status, mine.body, mine.headers["content-range"]) == (200, CONTENT, [])


@pytest.mark.parametrize("spec", RANGES_PARTLY)
def test_satisfiable_ranges_of_a_mixed_set_are_sent(site: Any, spec: str) -> None:
    ours, theirs = frameworks()
    call = Call("GET", "/f/plain", headers={"range": spec})
    [mine] = exchange(file_app(site)(ours), [call], {})
    [reference] = exchange(file_app(site)(theirs), [call], {})
    assert reference.status == 416
    wanted = {"bytes=16-,-3": (b"def", "bytes 13-15/16")}.get(spec, (b"12", "bytes 1-2/16"))
    assert (mine.status, mine.body, mine.headers["content-range"]) == (206, wanted[0], [wanted[1]])


def _validators(app: Any, url: str) -> tuple[str, str]:
    first = TestClient(app).get(url)
    return first.headers["etag"], first.headers["last-modified"]


IF_RANGE_CASES = {
    # name: (If-Range from the (etag, last-modified) first sent, honoured?)
    "etag": (lambda etag, lm: etag, True),
    "date": (lambda etag, lm: lm, True),
    "weak-etag": (lambda etag, lm: "W/" + etag, False),
    "other-etag": (lambda etag, lm: '"other"', False),
    "older-date": (lambda etag, lm: "Mon, 01 Jan 2001 00:00:00 GMT", False),
    "garbage": (lambda etag, lm: "not a validator", False),
}


@pytest.mark.parametrize("case", IF_RANGE_CASES)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_if_range(site: Any, case: str, method: str) -> None:
    """Each side is asked with its own validators (the etags differ by design)."""
    make, honoured = IF_RANGE_CASES[case]
    got = []
    for fw in frameworks():
        app = file_app(site)(fw)
        if_range = make(*_validators(app, "/f/plain"))
        call = Call(method, "/f/plain", headers={"range": "bytes=2-4", "if-range": if_range})
        got.append(exchange(app, [call], {})[0])
    mine, reference = got
    if method == "HEAD":
        reference.body = b""
    _file_adjust(Call(method, "/f/plain"), mine, reference)
    assert mine == reference
    assert mine.status == (206 if honoured else 200)


NOT_MODIFIED_CASES = {
    "etag": lambda etag, lm: {"if-none-match": etag},
    "weak-etag": lambda etag, lm: {"if-none-match": "W/" + etag},
    "etag-in-list": lambda etag, lm: {"if-none-match": f'"a", {etag}'},
    "star": lambda etag, lm: {"if-none-match": "*"},
    "date": lambda etag, lm: {"if-modified-since": lm},
    "later-date": lambda etag, lm: {"if-modified-since": "Fri, 01 Jan 2100 00:00:00 GMT"},
}


@pytest.mark.parametrize("case", NOT_MODIFIED_CASES)
def test_file_response_answers_conditional_requests(site: Any, case: str) -> None:
    """Documented (docs/responses.md, "Files"): our FileResponse answers 304 itself;
    Starlette's leaves that to StaticFiles and sends the file."""
    answers = []
    for fw in frameworks():
        app = file_app(site)(fw)
        headers = NOT_MODIFIED_CASES[case](*_validators(app, "/f/plain"))
        answers.append(TestClient(app).get("/f/plain", headers=headers))
    mine, reference = answers
    assert (reference.status_code, reference.content) == (200, CONTENT)
    assert (mine.status_code, mine.content) == (304, b"")
    assert "content-length" not in mine.headers and "content-type" not in mine.headers
    assert mine.headers["etag"]


@functools.cache
def _built(build: Callable[[Framework], Any], name: str) -> Any:
    """One app per builder and framework for a property's many examples."""
    return build(Framework(name))


def _range_client(site: Any, name: str) -> TestClient:
    return TestClient(_built(file_app(site), name))


RANGE_SPEC = st.one_of(
    st.tuples(st.integers(0, 40), st.none() | st.integers(0, 40)).map(
        lambda p: f"{p[0]}-{'' if p[1] is None else p[1]}"
    ),
    st.integers(0, 40).map(lambda n: f"-{n}"),
    st.text(" ,-0123456789abx", max_size=8),
)
RANGE_HEADER = st.one_of(
    st.lists(RANGE_SPEC, min_size=1, max_size=6).map(lambda specs: "bytes=" + ",".join(specs)),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=20),
)


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(header=RANGE_HEADER, url=st.sampled_from(["/f/plain", "/f/empty", "/f/unknown"]))
def test_generated_range_headers(site: Any, header: str, url: str) -> None:
    """Never a 5xx.  A header we cannot read as a whole (a unit other than bytes, an
    item that is no range) is ignored: 200 and the whole file, where Starlette
    answers 400 or skips the item.  Otherwise, where Starlette sends bytes (200 or
    206) we send the same bytes; where it answers 416 we do too, or send the
    satisfiable ranges (see above)."""
    from asgiweb.responses._ranges import parse_range

    call = Call("GET", url, headers={"range": header})
    [mine] = exchange(_range_client(site, "asgiweb").app, [call], {})
    [reference] = exchange(_range_client(site, "fastapi").app, [call], {})
    assert mine.status in (200, 206, 416), header
    if parse_range(header, 1000) is None:
        assert mine.status == 200 and mine.headers["content-range"] == [], header
    elif reference.status in (200, 206):
        _range_adjust(call, mine, reference)
        assert mine == reference, header
    else:
        assert reference.status == 416, header
        assert mine.status in (206, 416), header


def test_missing_file_and_directory(site: Any) -> None:
    """Both answer 500 (a server error: the handler named a file that is not
    there); ours fails in the handler, when the response is built
    (docs/responses.md, "Files"), Starlette's while sending it."""

    def build(fw: Framework) -> Any:
        app = fw.App()
        FileResponse = fw.responses.FileResponse
        app.add_api_route("/missing", _returning(lambda: FileResponse(site / "nope.txt")))
        app.add_api_route("/directory", _returning(lambda: FileResponse(site / "dir")))
        return app

    for fw in frameworks():
        client = TestClient(build(fw), raise_server_exceptions=False)
        assert [client.get(url).status_code for url in ("/missing", "/directory")] == [500, 500]
    from asgiweb.responses import FileResponse

    with pytest.raises(FileNotFoundError, match=r"nope\.txt"):
        FileResponse(site / "nope.txt")
    with pytest.raises(IsADirectoryError, match="dir"):
        FileResponse(site / "dir")


def _background_task(fw: Framework) -> Any:
    if fw.name == "fastapi":
        from starlette.background import BackgroundTask

        return BackgroundTask
    return fw.sub("background").BackgroundTask


def background_app(fw: Framework) -> Any:
    app = fw.App()
    log: list[str] = []
    task = _background_task(fw)
    r = fw.responses

    def stream() -> Any:
        yield b"s"

    makes: dict[str, Callable[[], Any]] = {
        "response": lambda: r.Response("x", background=task(log.append, "response")),
        "json": lambda: r.JSONResponse([1], background=task(log.append, "json")),
        "redirect": lambda: r.RedirectResponse("/a", background=task(log.append, "redirect")),
        "stream": lambda: r.StreamingResponse(stream(), background=task(log.append, "stream")),
        "204": lambda: r.Response(status_code=204, background=task(log.append, "204")),
    }
    for name, make in makes.items():
        app.add_api_route(f"/bg/{name}", _returning(make))

    @app.get("/bg/tasks")
    def with_tasks(tasks: fw.BackgroundTasks):
        tasks.add_task(log.append, "tasks")
        return "tasks"

    @app.get("/bg/tasks-and-response")
    def tasks_and_response(tasks: fw.BackgroundTasks):
        tasks.add_task(log.append, "added")  # FastAPI drops it (documented)
        return r.PlainTextResponse("own", background=task(log.append, "own"))

    @app.get("/log")
    def read_log():
        return log

    return app


def test_background_tasks() -> None:
    """Documented (docs/responses.md, "Background tasks"): a returned response's own
    task runs, then the tasks added to the handler's ``BackgroundTasks``; FastAPI
    drops the added ones."""

    def added_tasks_run(call: Call, mine: Answer, theirs: Answer) -> None:
        if call.url == "/log":
            theirs.body = json.dumps(
                [*json.loads(theirs.body), "added"], separators=(",", ":")
            ).encode()
            theirs.headers["content-length"] = [str(len(theirs.body))]

    names = ("response", "json", "redirect", "stream", "204", "tasks", "tasks-and-response")
    answers = sweep(background_app, [*(f"/bg/{n}" for n in names), "/log"], adjust=added_tasks_run)
    assert json.loads(answers[-1].body) == [
        "response", "json", "redirect", "stream", "204", "tasks", "own", "added",
    ]  # fmt: skip


# -- StaticFiles -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def static_root(tmp_path_factory: pytest.TempPathFactory) -> Any:
    top = tmp_path_factory.mktemp("static-top")
    root = top / "static"
    root.mkdir()
    (top / "secret.txt").write_bytes(b"secret")
    files = {
        "a.txt": b"alpha",
        "index.html": b"<p>index</p>",
        "404.html": b"<p>not here</p>",
        "u.qqq": b"\x00u",
        "with space.txt": b"space",
        "café.txt": b"cafe",
        "%2e%2e": b"literal",
        "sub/index.html": b"<p>sub</p>",
        "sub/b.css": b"b{}",
        "sub/deeper/c.js": b"c()",
    }
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(content)
    (root / "empty").mkdir()
    (root / "leak.txt").symlink_to(top / "secret.txt")
    (root / "inside.txt").symlink_to(root / "a.txt")
    (root / "updir").symlink_to(top)
    # a package with a "statics" folder and one with another folder name
    package = top / "pkgs" / "sweep_static_pkg"
    (package / "statics").mkdir(parents=True)
    (package / "assets").mkdir()
    (package / "__init__.py").write_text("")
    (package / "statics" / "p.txt").write_bytes(b"from package")
    (package / "statics" / "a.txt").write_bytes(b"shadowed by the directory")
    (package / "assets" / "q.txt").write_bytes(b"from assets")
    return top


@functools.cache
def static_app(top: Any) -> Callable[[Framework], Any]:
    root = top / "static"

    def build(fw: Framework) -> Any:
        StaticFiles = fw.sub("staticfiles").StaticFiles
        app = fw.App()
        app.mount("/static", StaticFiles(directory=root), name="static")
        app.mount("/site", StaticFiles(directory=str(root), html=True), name="site")
        app.mount("/follow", StaticFiles(directory=root, follow_symlink=True), name="follow")
        app.mount(
            "/pkg",
            StaticFiles(
                directory=root, packages=["sweep_static_pkg", ("sweep_static_pkg", "assets")]
            ),
            name="pkg",
        )
        app.mount("/only-pkg", StaticFiles(packages=["sweep_static_pkg"]), name="only-pkg")
        sub = fw.App()
        sub.mount("/files", StaticFiles(directory=root), name="files")

        @sub.get("/where")
        def nested_where(request: fw.Request):
            return str(request.url_for("files", path="x/y.css"))

        app.mount("/nested", sub)

        @app.get("/where")
        def where(request: fw.Request):
            urls = [
                request.url_for("static", path=path)
                for path in ("/a.txt", "a.txt", "sub/b.css", "with space.txt", "café.txt", "")
            ]
            urls.append(request.url_for("site", path="/sub/"))
            return [str(url) for url in urls]

        return app

    return build


STATIC_PATHS = (
    # files, names that need escaping, a literal "%2e%2e", directories
    "a.txt", "sub/b.css", "sub/deeper/c.js", "u.qqq", "with%20space.txt", "caf%C3%A9.txt",
    "%252e%252e", "", "sub", "sub/", "empty", "empty/", "nope", "nope/", "index.html",
    "404.html", "./a.txt", "sub/./b.css", "//a.txt", "a.txt/", "%2e/a.txt", "a.txt?x=1",
    # escapes: every one answers 404 (or 404.html) on both
    "../secret.txt", "%2e%2e/secret.txt", "..%2fsecret.txt", "..%5csecret.txt",
    ".%2e/secret.txt", "%2e%2e%2fsecret.txt", "..", "...", "%5c..%5csecret.txt",
    "\\a.txt", "%5ca.txt", "updir/secret.txt", "leak.txt", "inside.txt",
    "sub/..%2f..%2fsecret.txt", "%2F..%2Fsecret.txt", "/etc/passwd", "%2Fetc%2Fpasswd",
)  # fmt: skip
MOUNTS = ("static", "site", "follow", "pkg", "only-pkg", "nested/files")
PACKAGE_PATHS = ("p.txt", "q.txt", "a.txt", "statics/p.txt", "assets/q.txt")


def _static_adjust(call: Call, mine: Answer, theirs: Answer) -> None:
    """The file's etag; a redirect's location is relative on our side (docs/api.md,
    "404, 405, HEAD, slash redirects")."""
    _file_adjust(call, mine, theirs)
    theirs.headers["location"] = [
        url.removeprefix("http://testserver") if mine_url.startswith("/") else url
        for url, mine_url in zip(theirs.headers["location"], mine.headers["location"], strict=False)
    ]


@pytest.fixture
def static_build(static_root: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.syspath_prepend(str(static_root / "pkgs"))
    return static_app(static_root)


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_static_files(static_build: Any, method: str) -> None:
    calls = [
        Call(method, f"/{mount}/{path}")
        for mount in MOUNTS
        for path in (*STATIC_PATHS, *PACKAGE_PATHS)
    ]
    calls += [Call(method, f"/{mount}") for mount in MOUNTS]
    calls += [Call("GET", "/where"), Call("GET", "/nested/where")]
    answers = sweep(static_build, calls, adjust=_static_adjust)
    assert {a.status for a in answers} == {200, 307, 404}


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_static_files_other_methods(static_build: Any, method: str) -> None:
    urls = ("/static/a.txt", "/static/nope", "/static/../secret.txt", "/site/", "/site/nope")
    answers = sweep(static_build, [Call(method, url) for url in urls], adjust=_static_adjust)
    assert {(a.status, *a.headers["allow"]) for a in answers} == {(405, "GET, HEAD")}


STATIC_CONDITIONS = {
    "etag": lambda etag, lm: {"if-none-match": etag},
    "weak-etag": lambda etag, lm: {"if-none-match": "W/" + etag},
    "in-list": lambda etag, lm: {"if-none-match": f'"x", {etag}'},
    "star": lambda etag, lm: {"if-none-match": "*"},
    "date": lambda etag, lm: {"if-modified-since": lm},
    "later": lambda etag, lm: {"if-modified-since": "Fri, 01 Jan 2100 00:00:00 GMT"},
    "earlier": lambda etag, lm: {"if-modified-since": "Mon, 01 Jan 2001 00:00:00 GMT"},
    "bad-date": lambda etag, lm: {"if-modified-since": "yesterday"},
    "other-etag-and-date": lambda etag, lm: {"if-none-match": '"x"', "if-modified-since": lm},
    "etag-and-range": lambda etag, lm: {"if-none-match": etag, "range": "bytes=0-1"},
    "if-range": lambda etag, lm: {"if-range": etag, "range": "bytes=1-2"},
    "stale-if-range": lambda etag, lm: {"if-range": '"x"', "range": "bytes=1-2"},
    "range": lambda etag, lm: {"range": "bytes=1-2,4-"},
    "range-416": lambda etag, lm: {"range": "bytes=9-"},
}


@pytest.mark.parametrize("case", STATIC_CONDITIONS)
@pytest.mark.parametrize("url", ["/static/a.txt", "/site/sub/", "/site/nope"])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_static_conditional_and_range_requests(
    static_build: Any, case: str, url: str, method: str
) -> None:
    """Each side asked with the validators it sent.  A 304 carries the etag and
    neither representation metadata nor ``last-modified`` (RFC 9110 §15.4.5)."""
    got = []
    for fw in frameworks():
        app = static_build(fw)
        first = TestClient(app).get(url)
        headers = STATIC_CONDITIONS[case](first.headers["etag"], first.headers["last-modified"])
        got.append(exchange(app, [Call(method, url, headers=headers)], {})[0])
    mine, reference = got
    if method == "HEAD":
        reference.body = b""
    _range_adjust(Call(method, url), mine, reference)
    assert mine == reference


def test_static_files_refused_paths_in_html_mode(static_build: Any) -> None:
    """Documented (docs/frontend.md): a path refused before the file system is asked
    (a NUL, a name too long) answers as any other 404, with 404.html in html mode;
    Starlette answers those with its JSON 404."""
    for url in ("/site/a.txt%00", "/site/" + "x" * 300):
        for fw in frameworks():
            response = TestClient(static_build(fw)).get(url)
            assert response.status_code == 404
            expected = b"<p>not here</p>" if fw.name == "asgiweb" else b'{"detail":"Not Found"}'
            assert response.content == expected, (fw, url)


@pytest.mark.parametrize(
    "path", ["sub/../a.txt", "sub/%2e%2e/a.txt", "a.txt/..", "sub/..", "../static/a.txt"]
)
def test_static_files_dot_segments_resolving_inside(static_build: Any, path: str) -> None:
    """Documented (docs/frontend.md): a ``..`` segment answers 404 even when it would
    resolve back inside the directory; Starlette normalises the path and serves it
    (or redirects to the directory)."""
    for mount in ("static", "site"):
        mine = TestClient(static_build(Framework("asgiweb"))).get(f"/{mount}/{path}")
        theirs = TestClient(static_build(Framework("fastapi"))).get(
            f"/{mount}/{path}", follow_redirects=False
        )
        assert mine.status_code == 404 and b"alpha" not in mine.content
        assert theirs.status_code in (200, 307, 404)


def test_static_files_directory_checks(static_root: Any) -> None:
    """A missing directory: RuntimeError at construction with ``check_dir`` (the
    default), at the first request without it; a file given as the directory too."""
    missing = static_root / "missing"
    for fw in frameworks():
        StaticFiles = fw.sub("staticfiles").StaticFiles
        with pytest.raises(RuntimeError, match="does not exist"):
            StaticFiles(directory=missing)
        for directory, message in (
            (missing, "does not exist"),
            (static_root / "secret.txt", "is not a directory"),
        ):
            app = fw.App()
            app.mount("/s", StaticFiles(directory=directory, check_dir=False))
            with pytest.raises(RuntimeError, match=message):
                TestClient(app).get("/s/a.txt")


def test_static_files_unreadable_folder(static_root: Any, tmp_path: Any) -> None:
    """Documented (docs/frontend.md): a folder without permission answers 404;
    Starlette answers 401."""
    if os.geteuid() == 0:
        pytest.skip("root reads every folder")
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "f.txt").write_bytes(b"x")
    locked.chmod(0)
    try:
        for fw, status in zip(frameworks(), (404, 401), strict=True):
            app = fw.App()
            app.mount("/s", fw.sub("staticfiles").StaticFiles(directory=tmp_path))
            assert TestClient(app).get("/s/locked/f.txt").status_code == status
    finally:
        locked.chmod(0o755)


# -- Jinja2Templates ---------------------------------------------------------------------

jinja2 = pytest.importorskip("jinja2")

TEMPLATES = {
    "page.html": (
        "<a href=\"{{ url_for('item', id=id) }}\">{{ name }}</a>"
        "<link href=\"{{ url_for('static', path='/site.css') }}\">"
        "<p>{{ request.url.path }}|{{ request.query_params.get('q', '') }}</p>"
    ),
    "plain.txt": "hello {{ name }} {{ proc | default('') }}",
    "data.xml": "<v>{{ name }}</v>",
    "data.htm": "<b>{{ name }}</b>",
    "noext": "{{ name }}",
    "urls.html": "{{ url_for('item', id='a b?é') }} {{ url_for('static', path='x y/é.css') }}",
    "broken.html": "{{ missing_filter | nope }}",
    "second.html": "second {{ name }}",
}


@pytest.fixture(scope="module")
def template_dirs(tmp_path_factory: pytest.TempPathFactory) -> Any:
    first = tmp_path_factory.mktemp("templates")
    second = tmp_path_factory.mktemp("more-templates")
    for name, text in TEMPLATES.items():
        (second if name == "second.html" else first).joinpath(name).write_text(text)
    return first, second


def template_app(dirs: Any) -> Callable[[Framework], Any]:
    first, second = dirs

    def build(fw: Framework) -> Any:
        Jinja2Templates = fw.sub("templating").Jinja2Templates
        StaticFiles = fw.sub("staticfiles").StaticFiles
        task = _background_task(fw)
        log: list[str] = []

        def processor(request: Any) -> dict[str, Any]:
            return {"proc": request.headers.get("x-name", "anon")}

        templates = Jinja2Templates(directory=[first, second], context_processors=[processor])
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(first))
        own_env = Jinja2Templates(env=env)
        escaping_env = Jinja2Templates(
            env=jinja2.Environment(loader=jinja2.DictLoader(TEMPLATES), autoescape=True)
        )
        app = fw.App()
        app.mount("/static", StaticFiles(directory=first), name="static")

        @app.get("/items/{id}", name="item")
        def item(request: fw.Request, id: str, name: str = "<b>&</b>", t: str = "page.html"):
            return templates.TemplateResponse(request, t, {"id": id, "name": name})

        @app.get("/env/{t}")
        def with_env(request: fw.Request, t: str, name: str = "<i>"):
            return own_env.TemplateResponse(request, t, {"name": name, "id": 1})

        @app.get("/escaping/{t}")
        def with_escaping_env(request: fw.Request, t: str, name: str = "<i>"):
            return escaping_env.TemplateResponse(request, t, {"name": name, "id": 1})

        @app.get("/options")
        def options(request: fw.Request):
            return templates.TemplateResponse(
                request,
                "plain.txt",
                {"name": "opts"},
                status_code=201,
                headers={"x-custom": "t", "vary": "x-name"},
                media_type="text/plain",
                background=task(log.append, "rendered"),
            )

        @app.get("/keywords")
        def keywords(request: fw.Request):
            return templates.TemplateResponse(
                request=request, name="second.html", context={"name": "kw"}, status_code=404
            )

        @app.get("/no-context")
        def no_context(request: fw.Request):
            return templates.TemplateResponse(request, "plain.txt")

        @app.get("/request-in-context")
        def request_in_context(request: fw.Request):
            # the context's own "request" is kept (setdefault), processors still run
            return templates.TemplateResponse(request, "page.html", {"id": 2, "name": "n"})

        @app.get("/response-class", response_class=fw.responses.HTMLResponse)
        def response_class(request: fw.Request):
            return templates.TemplateResponse(request, "data.htm", {"name": "<rc>"})

        @app.get("/log")
        def read_log():
            return log

        return app

    return build


TEMPLATE_CALLS = [
    "/items/42", "/items/a%20b?name=%3Cscript%3E&q=%22x%22", "/items/7?t=plain.txt",
    "/items/7?t=data.xml", "/items/7?t=data.htm", "/items/7?t=noext", "/items/7?t=urls.html",
    "/items/7?t=second.html", "/env/plain.txt", "/env/page.html", "/env/data.xml",
    "/escaping/plain.txt", "/escaping/noext",
    Call("GET", "/options", headers={"x-name": "<ada>"}), "/keywords", "/no-context",
    "/request-in-context", "/response-class", "/log",
]  # fmt: skip


def test_templates(template_dirs: Any) -> None:
    answers = sweep(template_app(template_dirs), TEMPLATE_CALLS)
    assert json.loads(answers[-1].body) == ["rendered"]


@pytest.mark.parametrize("url", ["/items/1?t=missing.html", "/items/1?t=broken.html",
                                 "/env/missing.html", "/items/1?t=../outside.html"])  # fmt: skip
def test_template_errors_are_server_errors(template_dirs: Any, url: str) -> None:
    """A template that is not found or does not compile: the handler raises, 500."""
    for fw in frameworks():
        client = TestClient(template_app(template_dirs)(fw), raise_server_exceptions=False)
        assert client.get(url).status_code == 500, (fw, url)


# -- RedirectResponse: generated URLs ----------------------------------------------------

URL_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x2FF), max_size=16)


@settings(max_examples=500, deadline=None)
@given(
    prefix=st.sampled_from(["", "/", "https://example.com/", "http://h:8000", "//h/", "mailto:"]),
    rest=URL_TEXT.filter(lambda text: "%" not in text),
)
def test_generated_redirect_locations_are_starlettes(prefix: str, rest: str) -> None:
    """With an ASCII host and no ``%``, ``location`` is Starlette's, character for
    character."""
    from starlette.responses import RedirectResponse as StarletteRedirect

    from asgiweb.responses import RedirectResponse

    url = prefix + rest
    with contextlib.suppress(ValueError):
        assume(urlsplit(url).netloc.isascii())  # a non-ASCII host: the case below
    ours = RedirectResponse(url).headers["location"]
    assert ours == StarletteRedirect(url).headers["location"], url


@settings(max_examples=500, deadline=None)
@given(prefix=st.sampled_from(["", "http://", "//", "https://u@"]), rest=URL_TEXT)
def test_generated_redirect_locations_are_ascii(prefix: str, rest: str) -> None:
    """Documented (docs/responses.md, "Redirects"): any string gives an ASCII
    ``location`` (never an error); a ``%`` that starts no escape is ``%25`` and a
    non-ASCII host is IDNA-encoded, where Starlette keeps the ``%`` and
    percent-encodes the host."""
    from asgiweb.responses import RedirectResponse

    location = RedirectResponse(prefix + rest).headers["location"]
    assert location.isascii() and location.isprintable()
    assert re.search(r"%(?![0-9A-Fa-f]{2})", location) is None


@pytest.mark.parametrize(
    ("url", "location"),
    [
        ("/100%", "/100%25"),
        ("/a%2Fb%zz", "/a%2Fb%25zz"),
        ("http://bücher.de/straße?q=ü#é", "http://xn--bcher-kva.de/stra%C3%9Fe?q=%C3%BC#%C3%A9"),
        ("http://é/p?", "http://xn--9ca/p?"),
        ("//é/#", "//xn--9ca/#"),
        ("http://[é", "http://[%C3%A9"),
    ],
)
def test_redirect_location_documented_cases(url: str, location: str) -> None:
    from asgiweb.responses import RedirectResponse

    assert RedirectResponse(url).headers["location"] == location


# -- generated file names and static paths -----------------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    filename=st.text(st.characters(codec="utf-8"), min_size=1, max_size=20),
    kind=st.sampled_from(["attachment", "inline"]),
)
def test_generated_filenames(site: Any, filename: str, kind: str) -> None:
    """Any name (an uploaded file's, say) gives a valid header naming the same file
    as Starlette's (decoded), never an error."""
    from starlette.responses import FileResponse as StarletteFileResponse

    from asgiweb.responses import FileResponse

    path = site / "hello.txt"
    ours = FileResponse(path, filename=filename, content_disposition_type=kind)
    value = ours.headers["content-disposition"]
    assert value.isascii() and value.isprintable()
    theirs = StarletteFileResponse(path, filename=filename, content_disposition_type=kind)
    assert disposition(value) == disposition(theirs.headers["content-disposition"])
    assert disposition(value) == (kind, filename)


STATIC_SEGMENT = st.one_of(
    st.sampled_from(
        ["a.txt", "sub", "b.css", "deeper", "c.js", "..", ".", "", "%2e%2e", ".%2e", "%2e",
         "%2f", "%5c", "%00", "\\", "..\\", "updir", "leak.txt", "inside.txt", "secret.txt",
         "static", "index.html", "%252e%252e", "caf%C3%A9.txt", "with%20space.txt", "~",
         "%", "%zz", "%c3", ";", "?", "#"]
    ),
    st.text(st.characters(min_codepoint=0x21, max_codepoint=0x24F, exclude_characters="/?#%"),
            max_size=6),
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    segments=st.lists(STATIC_SEGMENT, max_size=6),
    mount=st.sampled_from(["static", "site", "follow"]),
    slash=st.booleans(),
)
def test_generated_static_paths(
    static_build: Any, segments: list[str], mount: str, slash: bool
) -> None:
    """Never a 5xx, never the secret beside the directory (but through the links
    ``follow`` trusts); what we serve, Starlette serves alike; what Starlette
    serves we serve too unless the path holds a dot segment (documented above)."""
    url = f"/{mount}/" + "/".join(segments) + ("/" if slash else "")
    call = Call("GET", url)
    [mine] = exchange(_built(static_build, "asgiweb"), [call], {})
    [reference] = exchange(_built(static_build, "fastapi"), [call], {})
    assert mine.status in (200, 307, 404), url
    if mine.body == b"secret":
        assert mount == "follow" and {"updir", "leak.txt"} & set(segments), url
    if mine.status != 404:
        _static_adjust(call, mine, reference)
        assert mine == reference, url
    elif reference.status in (200, 307):
        decoded = unquote("/".join(segments))
        assert ".." in decoded.split("/"), url


def test_templates_need_a_directory_or_an_env(template_dirs: Any) -> None:
    """Both or neither is refused at construction (ours a ValueError, Starlette's an
    AssertionError)."""
    env = jinja2.Environment()
    for fw in frameworks():
        Jinja2Templates = fw.sub("templating").Jinja2Templates
        with pytest.raises((ValueError, AssertionError)):
            Jinja2Templates()
        with pytest.raises((ValueError, AssertionError)):
            Jinja2Templates(directory=template_dirs[0], env=env)
        # an env of one's own keeps its setting and gets url_for
        assert "url_for" in Jinja2Templates(env=env).env.globals
