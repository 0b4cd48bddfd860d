"""What a migrating service sees at the HTTP level, side by side with FastAPI.

Each app is written once (``build(fw)``, see ``tests/oracle/sidebyside.py``) and
served by asgiweb and by FastAPI; the same requests go to both and the answers
(status, decoded body, the headers that matter) must be equal.

Three differences are deliberate (docs/api.md, "404, 405, HEAD, slash
redirects") and :func:`same_but_documented` allows exactly those:

- a redirect's ``location`` is relative (FastAPI's is absolute, from ``host``);
- a GET route answers HEAD as GET without the body (FastAPI answers 405, or
  lets a later route or mount answer), so where FastAPI refuses a HEAD its GET
  twin gets through, our HEAD is compared with FastAPI's GET, body dropped (the
  headers compared must name ``allow``);
- a 405's ``Allow`` is the sorted union over the path's routes with HEAD for GET
  (FastAPI's lists the first route's methods in set order), so it is compared as
  a set without HEAD on paths with one route, and checked as the union elsewhere.
"""

import datetime
import decimal
import math
import re
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asgiweb.testclient import TestClient
from tests.oracle.sidebyside import Call, Framework, ask, frameworks

HTTP_HEADERS = ("content-type", "content-length", "allow", "location", "www-authenticate")
NO_REDIRECTS = {"follow_redirects": False}


def _normal(answer: dict[str, Any]) -> dict[str, Any]:
    headers = dict(answer["headers"])
    if headers.get("location"):
        headers["location"] = headers["location"].removeprefix("http://testserver")
    if headers.get("allow"):
        headers["allow"] = sorted(set(headers["allow"].split(", ")) - {"HEAD"})
    return {**answer, "headers": headers}


def same_but_documented(
    build: Callable[[Framework], Any],
    calls: Sequence[Call],
    *,
    headers: Sequence[str] = HTTP_HEADERS,
    client_options: dict[str, Any] | None = None,
    several_routes_per_path: bool = False,
) -> list[dict[str, Any]]:
    """Assert equal answers but for the documented differences; asgiweb's answers.

    ``several_routes_per_path``: our ``Allow`` need only hold FastAPI's methods.
    """
    ours, theirs = frameworks()
    heads = [c for c in calls if c.method == "HEAD"]
    options = {"headers": headers, "client_options": client_options}
    got = ask(build(ours), calls, **options)
    expected = ask(build(theirs), calls, **options)
    # FastAPI's answers to each HEAD call sent as a GET.
    as_get = iter(ask(build(theirs), [Call("GET", c.url, **c.options) for c in heads], **options))
    for call, mine, reference in zip(calls, got, expected, strict=True):
        if call.method == "HEAD":
            get = next(as_get)
            allow = (reference["headers"].get("allow") or "").split(", ")
            # FastAPI refused the HEAD (a 405, or a mount's answer behind a GET route
            # that does not take HEAD) where a GET is served.
            refused = (
                reference["status"] == 405
                and (("GET" in allow and "HEAD" not in allow) or get["status"] != 405)
            ) or (get["status"] < 400 and get["status"] != reference["status"])
            if refused:
                reference = {**get, "body": ""}  # HEAD implied by GET (documented)
        mine, reference = _normal(mine), _normal(reference)
        mine_allow, their_allow = mine["headers"]["allow"], reference["headers"]["allow"]
        if several_routes_per_path and mine_allow and their_allow:
            assert set(their_allow) <= set(mine_allow), call
            mine["headers"]["allow"] = their_allow
        assert mine == reference, call
    return got


# -- routing -------------------------------------------------------------------------

METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")
UUID = "12345678-1234-5678-1234-567812345678"


def routing_app(fw: Framework) -> Any:
    app = fw.App()

    @app.get("/one")
    def one():
        return "one"

    @app.put("/put")
    def put():
        return "put"

    @app.api_route("/multi", methods=["GET", "DELETE", "PATCH"])
    def multi():
        return "multi"

    @app.options("/opt")
    def opt():
        return "opt"

    @app.get("/items/{n:int}")
    def item(n: int):
        return n

    @app.get("/files/{p:path}")
    def files(p: str):
        return p

    @app.get("/f/{x:float}")
    def floats(x: float):
        return x

    @app.get("/u/{u:uuid}")
    def uuids(u: Any):
        return str(u)

    @app.get("/s/{s}")
    def segment(s: str):
        return s

    @app.get("/slash/")
    def slash():
        return "slash"

    @app.get("/")
    def root():
        return "root"

    router = fw.Router(prefix="/r")

    @router.get("")
    def r_bare():
        return "r"

    @router.get("/x")
    def r_x():
        return "rx"

    @router.post("/y/")
    def r_y():
        return "ry"

    app.include_router(router)
    sub = fw.App()

    @sub.get("/")
    def sub_root(request: fw.Request):
        return {"root_path": request.scope["root_path"], "url": str(request.url)}

    @sub.get("/in")
    def sub_in():
        return "in"

    @sub.get("/d/")
    def sub_d():
        return "d"

    app.mount("/sub", sub)
    return app


ROUTING_PATHS = (
    # one route per path (several: test_allow_is_the_union_of_the_paths_routes); 404
    "/one", "/put", "/opt", "/nope", "/one/nope",
    # convertors
    "/items/3", "/items/x", "/items/-1", "/items/03", "/items/",
    "/files/a/b.txt", "/files/a%2Fb", "/files/", "/files",
    "/f/1.5", "/f/1", "/f/.5", "/f/1e3", "/f/1.", "/f/-1.0",
    f"/u/{UUID}", f"/u/{UUID.upper()}", f"/u/{UUID.replace('-', '')}", f"/u/{UUID[:-1]}z",
    f"/u/{UUID[:8]}{UUID[9:]}",
    # percent-encoding
    "/s/%20x", "/s/a%2Fb", "/s/caf%C3%A9", "/%6Fne", "/s/%25",
    # trailing slashes, with query strings
    "/one/", "/one//", "/one/?q=1&r=2", "/slash", "/slash?x=%20y", "/slash//", "//",
    # included router with a prefix
    "/r", "/r/", "/r/x", "/r/x/", "/r/y", "/r/y?z=1",
    # mounted sub-app
    "/sub", "/sub?k=v", "/sub/", "/sub/in", "/sub/in/", "/sub/d", "/sub/d?k=v", "/sub/nope",
)  # fmt: skip


def test_routing_answers_as_fastapi() -> None:
    calls = [Call(m, p) for p in ROUTING_PATHS for m in METHODS]
    answers = same_but_documented(routing_app, calls, client_options=NO_REDIRECTS)
    assert {a["status"] for a in answers} == {200, 307, 404, 405}


def test_allow_is_the_union_of_the_paths_routes() -> None:
    # FastAPI lists one route's methods; documented: ours lists every route's.
    calls = [Call.get("/multi"), Call("PATCH", "/multi"), Call.put("/multi")]
    answers = same_but_documented(routing_app, calls[:2], client_options=NO_REDIRECTS)
    assert [a["status"] for a in answers] == [200, 200]
    (ours,) = ask(routing_app(Framework("asgiweb")), calls[2:], headers=("allow",))
    assert (ours["status"], ours["headers"]["allow"]) == (405, "DELETE, GET, HEAD, PATCH")


def test_slash_redirects_keep_the_query_and_the_mount() -> None:
    answers = same_but_documented(
        routing_app,
        [Call.get("/sub?k=v"), Call.get("/sub/d?k=v"), Call.get("/one//?a=1"), Call.get("/r/y")],
        client_options=NO_REDIRECTS,
    )
    locations = [a["headers"]["location"] for a in answers]
    assert locations == ["/sub/?k=v", "/sub/d/?k=v", "/one?a=1", "/r/y/"]


def test_redirects_followed_end_at_the_same_answer() -> None:
    calls = [Call.get(p) for p in ("/sub", "/sub/d", "/one/", "/slash", "/r/x/")]
    answers = same_but_documented(routing_app, calls)
    assert answers[0]["body"] == {"root_path": "/sub", "url": "http://testserver/sub/"}


def root_path_app(fw: Framework) -> Any:
    app = routing_app(fw)
    app.root_path = "/api"  # FastAPI deprecates the keyword; the attribute is what it reads
    return app


def test_root_path_answers_as_fastapi() -> None:
    paths = ("/", "/one", "/one/", "/slash", "/sub", "/sub/", "/sub/in/", "/r/y?q=1", "/nope")
    calls = [Call(m, p) for p in paths for m in ("GET", "POST")]
    for client_root in ("", "/api"):
        options = {**NO_REDIRECTS, "root_path": client_root}
        same_but_documented(root_path_app, calls, client_options=options)
    # The root path alone: no route, a redirect to root_path + "/".
    calls = [Call.get("/api?x=1"), Call.post("/api")]
    answers = same_but_documented(root_path_app, calls, client_options=NO_REDIRECTS)
    assert [(a["status"], a["headers"]["location"]) for a in answers] == [
        (307, "/api/?x=1"),
        (307, "/api/"),
    ]


def test_without_redirect_slashes_the_twins_are_404() -> None:
    def build(fw: Framework) -> Any:
        app = routing_app(fw)
        app.router.redirect_slashes = False
        return app

    calls = [Call.get(p) for p in ("/one/", "/slash", "/sub", "/r/x/", "/one//")]
    answers = same_but_documented(build, calls, client_options=NO_REDIRECTS)
    assert {a["status"] for a in answers} == {404}


def more_routes_app(fw: Framework) -> Any:
    app = fw.App()

    @app.get("/x")
    def x():
        return "x"

    @app.get("/x/")
    def x_slash():
        return "x/"

    @app.api_route("/get-head", methods=["get", "head"])
    def get_head(request: fw.Request):
        return request.method

    @app.head("/head")
    def head():
        return fw.responses.Response(headers={"x-a": "head"})

    @app.get("/files/{stem}.{ext}")
    def stem_ext(stem: str, ext: str):
        return [stem, ext]

    @app.get("/p/{rest:path}")
    def rest(rest: str):
        return rest

    @app.get("/p2/{a}/{rest:path}")
    def a_rest(a: str, rest: str):
        return [a, rest]

    @app.get("/é/ü")
    def non_ascii():
        return "non-ascii"

    @app.get("/sp ace")
    def space():
        return "space"

    @app.get("/plus+sign")
    def plus():
        return "plus"

    @app.get("/int/{n:int}/x")
    def int_x(n: int):
        return n

    @app.get("/int/{s}/x")
    def str_x(s: str):
        return s

    @app.get("/pct/{s}")
    def pct(s: str):
        return s

    no_redirects = fw.Router(redirect_slashes=False)  # copied: the App's setting rules

    @no_redirects.get("/nr/")
    def nr():
        return "nr"

    app.include_router(no_redirects)
    mounted = fw.Router()

    @mounted.get("/q/")
    def q():
        return "q"

    app.mount("/m", mounted)
    return app


MORE_PATHS = (
    "/x", "/x/", "/x//", "/get-head", "/head", "/files/a.b", "/files/a.b.c", "/files/.b",
    "/files/a.", "/p/", "/p", "/p/a/b/", "/p2/a/", "/p2/a", "/p2/a/b//c", "/%C3%A9/%C3%BC",
    "/é/ü", "/sp%20ace", "/sp ace", "/plus+sign", "/plus%2Bsign", "/int/5/x", "/int/a/x",
    "/int/5/x/", "/nr", "/nr/", "/m/q", "/m/q/", "/m", "/int/%D9%A1/x", "/int/+1/x",
    # a decoded ?, # or \ stays encoded in a redirect's location
    "/pct/%3F/", "/pct/a%23b/?q=%23", "/pct/a%5Cb/", "/pct/%E2%82%AC/",
)  # fmt: skip


def test_more_routes_answer_as_fastapi() -> None:
    calls = [Call(m, p) for p in MORE_PATHS for m in ("GET", "HEAD", "POST", "OPTIONS")]
    answers = same_but_documented(
        more_routes_app, calls, headers=(*HTTP_HEADERS, "x-a"), client_options=NO_REDIRECTS
    )
    assert {a["status"] for a in answers} == {200, 307, 404, 405}


def links_app(fw: Framework) -> Any:
    """Links made inside a mounted App, a mounted Router and the top App."""
    names = [("a", {}), ("b", {}), ("top", {}), ("subapp", {"path": "/x"}),
             ("subapp:a", {}), ("subrouter:b", {}), ("bare", {})]  # fmt: skip

    def links(request: Any) -> dict[str, str]:
        found = {"base": str(request.base_url), "url": str(request.url)}
        for name, params in names:
            try:
                found[name] = str(request.url_for(name, **params))
            except Exception as exc:  # NoMatchFound in both, under their own names
                found[name] = type(exc).__name__
        return found

    app = fw.App()
    sub = fw.App()

    @sub.get("/in", name="a")
    def a(request: fw.Request):
        return links(request)

    router = fw.Router()

    @router.get("/in", name="b")
    def b(request: fw.Request):
        return links(request)

    unnamed = fw.Router()

    @unnamed.get("/in", name="bare")
    def bare(request: fw.Request):
        return links(request)

    app.mount("/subapp", sub, name="subapp")
    app.mount("/subrouter", router, name="subrouter")
    app.mount("/unnamed", unnamed)

    @app.get("/top", name="top")
    def top(request: fw.Request):
        return links(request)

    return app


def test_links_inside_mounted_apps_are_the_outermost_apps() -> None:
    calls = [Call.get(p) for p in ("/subapp/in", "/subrouter/in", "/unnamed/in", "/top")]
    for client_root in ("", "/api"):
        answers = same_but_documented(links_app, calls, client_options={"root_path": client_root})
        assert answers[0]["body"]["base"] == f"http://testserver{client_root}/"
        assert answers[1]["body"]["subrouter:b"] == f"http://testserver{client_root}/subrouter/in"


def route_over_mount_app(fw: Framework) -> Any:
    """Routes for POST only on paths a mount also serves."""
    app = fw.App()

    @app.post("/m/x")
    def post_x():
        return "post"

    @app.post("/n/")
    def post_n():
        return "post n"

    sub = fw.App()

    @sub.get("/x")
    def get_x():
        return "mounted get"

    @sub.get("/")
    def get_root():
        return "mounted root"

    app.mount("/m", sub)
    app.mount("/n", sub)
    return app


def test_a_mount_is_not_hidden_by_a_route_for_other_methods() -> None:
    paths = ("/m/x", "/m/y", "/n/", "/n", "/n/x", "/m")
    calls = [Call(m, p) for p in paths for m in ("GET", "POST", "PUT", "HEAD")]
    answers = same_but_documented(route_over_mount_app, calls, client_options=NO_REDIRECTS)
    assert (answers[0]["status"], answers[0]["body"]) == (200, "mounted get")


SEGMENTS = ("one", "put", "opt", "items", "3", "x", "files", "f", "1.5", "u", UUID, "s", "slash",
            "r", "y", "sub", "in", "d", "%20", "")  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    parts=st.lists(st.sampled_from(SEGMENTS), min_size=1, max_size=4),
    method=st.sampled_from(("GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS")),
    query=st.sampled_from(("", "?a=1", "?a=%2F&b")),
)
def test_random_paths_get_the_same_status_allow_and_location(
    parts: list[str], method: str, query: str
) -> None:
    path = "/" + "/".join(parts) + query
    same_but_documented(routing_app, [Call(method, path)], client_options=NO_REDIRECTS)


# -- errors --------------------------------------------------------------------------


def errors_app(fw: Framework) -> Any:
    app = fw.App()
    http_error = fw.HTTPException

    @app.get("/headers")
    def with_headers():
        raise http_error(401, "no", headers={"WWW-Authenticate": "Bearer", "X-A": "1"})

    @app.get("/dict")
    def dict_detail():
        raise http_error(status_code=409, detail={"code": 1, "msg": ["a"]})

    @app.get("/list")
    def list_detail():
        raise http_error(status_code=400, detail=[1, "x", None])

    @app.get("/phrase/{code:int}")
    def phrase(code: int):
        raise http_error(status_code=code)

    @app.get("/none")
    def none_detail():
        raise http_error(status_code=404, detail=None)

    @app.get("/empty")
    def empty_detail():
        raise http_error(status_code=400, detail="")

    @app.get("/plain")
    def plain():
        raise RuntimeError("boom")

    @app.get("/params/{p:int}")
    def params(
        p: int,
        a: int,
        b: str = fw.Header(),
        c: int = fw.Cookie(),
        d: list[int] = fw.Query(),
        e: float = fw.Query(gt=0),
    ):
        return [p, a, b, c, d, e]

    @app.post("/body/{p}")
    def body(p: int, q: int, x: int = fw.Body(), y: str = fw.Body(), h: int = fw.Header()):
        return [p, q, x, y, h]

    @app.post("/embed")
    def embed(x: int = fw.Body(embed=True)):
        return x

    return app


ERROR_CALLS = [
    *(Call.get(p) for p in ("/headers", "/dict", "/list", "/none", "/empty")),
    *(Call.get(f"/phrase/{code}") for code in (103, 204, 205, 304, 400, 418, 451, 500, 599)),
    Call("HEAD", "/headers"),
    # several errors at once, from every source, in FastAPI's order
    Call.get("/params/x"),
    Call.get("/params/x?a=y&d=1&d=z&e=-1", headers={"b": "ok"}, cookies={"c": "no"}),
    Call.get("/params/1?a=2&d=3&e=0.5", headers={"b": "ok"}, cookies={"c": "4"}),
    Call.post("/body/x?q=y", json={"x": "a"}, headers={"h": "k"}),
    Call.post("/body/1?q=1", json={"x": 1, "y": "s"}, headers={"h": "1"}),
    Call.post("/body/1?q=1", content=b"{bad", headers={"content-type": "application/json"}),
    Call.post("/body/1?q=1", json=[1]),
    Call.post("/body/1?q=1"),
    Call.post("/embed", json={"x": "y"}),
    Call.post("/embed", json=3),
    Call.post("/embed", content=b"x=1", headers={"content-type": "text/plain"}),
]


def test_http_errors_and_validation_errors_as_fastapi() -> None:
    answers = same_but_documented(errors_app, ERROR_CALLS, headers=(*HTTP_HEADERS, "x-a"))
    assert answers[0]["headers"]["x-a"] == "1"
    assert answers[1]["body"] == {"detail": {"code": 1, "msg": ["a"]}}
    statuses = {a["status"] for a in answers}
    assert {204, 304, 401, 409, 422, 599} <= statuses


def test_a_plain_exception_is_a_bare_500_without_debug() -> None:
    (answer,) = same_but_documented(
        errors_app, [Call.get("/plain")], client_options={"raise_server_exceptions": False}
    )
    assert (answer["status"], answer["body"]) == (500, "Internal Server Error")


class Teapot(Exception):
    pass


class Kettle(Teapot):
    pass


def handled_app(variant: str) -> Callable[[Framework], Any]:
    """An app whose exception handlers are ``variant``'s, for a fixed set of routes."""

    def build(fw: Framework) -> Any:
        app = fw.App()
        responses = fw.responses
        defaults = fw.sub("exception_handlers")
        validation_error = fw.exceptions.RequestValidationError

        def json(body: Any, status: int, headers: Any = None) -> Any:
            return responses.JSONResponse(body, status_code=status, headers=headers)

        if variant == "status codes":

            @app.exception_handler(404)
            async def not_found(request: Any, exc: Any) -> Any:
                return json({"nf": exc.detail, "path": request.url.path}, 404)

            @app.exception_handler(422)
            async def invalid(request: Any, exc: Any) -> Any:
                return json({"invalid": type(exc).__name__}, 422)

            @app.exception_handler(500)
            async def server_error(request: Any, exc: Any) -> Any:
                return json({"server": type(exc).__name__}, 500)

            @app.exception_handler(401)
            def unauthorized(request: Any, exc: Any) -> Any:
                text = f"unauthorized: {exc.detail}"
                return responses.PlainTextResponse(text, status_code=401, headers=exc.headers)

        elif variant == "classes":

            @app.exception_handler(validation_error)
            async def validation(request: Any, exc: Any) -> Any:
                return json({"errors": exc.errors(), "body": exc.body}, 400)

            @app.exception_handler(fw.BaseHTTPException)
            async def http(request: Any, exc: Any) -> Any:
                return json({"http": exc.detail}, exc.status_code, exc.headers)

            @app.exception_handler(Teapot)
            async def teapot(request: Any, exc: Any) -> Any:
                return json({"teapot": type(exc).__name__}, 418)

        elif variant == "wrapping the defaults":

            @app.exception_handler(fw.BaseHTTPException)
            async def http(request: Any, exc: Any) -> Any:
                response = await defaults.http_exception_handler(request, exc)
                response.headers["x-a"] = "wrapped"
                return response

            @app.exception_handler(validation_error)
            async def validation(request: Any, exc: Any) -> Any:
                response = await defaults.request_validation_exception_handler(request, exc)
                response.headers["x-a"] = "wrapped"
                return response

        elif variant == "Exception":

            @app.exception_handler(Exception)
            async def anything(request: Any, exc: Any) -> Any:
                return json({"error": type(exc).__name__}, 500)

        @app.get("/unauthorized")
        def unauthorized_route():
            raise fw.HTTPException(401, "no", headers={"WWW-Authenticate": "Basic"})

        @app.get("/missing")
        def missing():
            raise fw.HTTPException(404)

        @app.get("/number")
        def number(a: int):
            return a

        @app.post("/embed")
        def embed(x: int = fw.Body(embed=True)):
            return x

        @app.get("/tea")
        def tea():
            raise Kettle()

        @app.get("/boom")
        def boom():
            raise RuntimeError("x")

        @app.get("/zero")
        async def zero():
            return 1 / 0

        return app

    return build


HANDLED_CALLS = [
    *(Call.get(p) for p in ("/unauthorized", "/missing", "/nope", "/number", "/number?a=x")),
    *(Call.get(p) for p in ("/tea", "/boom", "/zero")),
    Call.post("/embed", json={"x": "y"}),
    Call.post("/embed", content=b"{", headers={"content-type": "application/json"}),
]


VARIANTS = ("status codes", "classes", "wrapping the defaults", "Exception")


@pytest.mark.parametrize("variant", VARIANTS)
def test_exception_handlers_as_fastapi(variant: str) -> None:
    answers = same_but_documented(
        handled_app(variant),
        [*HANDLED_CALLS, Call.put("/number")],
        headers=(*HTTP_HEADERS, "x-a"),
        client_options={"raise_server_exceptions": False},
    )
    assert len({a["status"] for a in answers}) >= 3


def test_a_handler_for_our_one_http_exception_sees_the_routers_404() -> None:
    # Documented difference: asgiweb has one HTTPException class, so a handler for
    # it also answers the router's 404/405; FastAPI raises Starlette's base class
    # there, which a handler for fastapi.HTTPException does not see.
    def build(fw: Framework) -> Any:
        app = fw.App()

        @app.exception_handler(fw.HTTPException)
        async def http(request: Any, exc: Any) -> Any:
            return fw.responses.JSONResponse({"mine": exc.detail}, status_code=exc.status_code)

        return app

    ours, theirs = frameworks()
    assert ask(build(ours), ["/nope"])[0]["body"] == {"mine": "Not Found"}
    assert ask(build(theirs), ["/nope"])[0]["body"] == {"detail": "Not Found"}


# -- responses -----------------------------------------------------------------------


def responses_app(fw: Framework) -> Any:
    from pydantic import BaseModel

    class Item(BaseModel):
        name: str
        price: float | None = None
        tags: list[str] = []
        note: str = "n"

    app = fw.App()
    responses = fw.responses

    @app.post("/201", status_code=201)
    def created():
        return {"ok": 1}

    @app.delete("/204", status_code=204)
    def no_content():
        return None

    @app.get("/204-with-a-value", status_code=204)
    def no_content_value():
        return {"x": 1}

    @app.get("/304", status_code=304)
    def not_modified():
        return None

    @app.get("/202", status_code=202)
    def accepted():
        return "accepted"

    @app.get("/html", response_class=responses.HTMLResponse)
    def html():
        return "<p>hi</p>"

    @app.get("/html-bytes", response_class=responses.HTMLResponse)
    def html_bytes():
        return b"<b>x</b>"

    @app.get("/text", response_class=responses.PlainTextResponse)
    def text():
        return "plain"

    @app.get("/text-int", response_class=responses.PlainTextResponse)
    def text_int():
        return 12  # an error in both

    @app.get("/redirect", response_class=responses.RedirectResponse)
    def redirect():
        return "/one?x=1"

    @app.get("/redirect-302", response_class=responses.RedirectResponse, status_code=302)
    def redirect_302():
        return "https://example.com/a b"

    @app.get("/raw", response_class=responses.Response)
    def raw():
        return b"raw"

    @app.get("/direct", status_code=201)
    def direct():
        return responses.JSONResponse({"x": 1}, status_code=202, headers={"x-a": "d"})

    @app.get("/direct-media")
    def direct_media():
        return responses.Response("raw", media_type="text/html; charset=latin-1")

    @app.get("/direct-empty")
    def direct_empty():
        return responses.Response()

    @app.get("/direct-bytes")
    def direct_bytes():
        return responses.Response(b"\x00\x01", media_type="application/octet-stream")

    @app.get("/direct-204")
    def direct_204():
        return responses.JSONResponse(None, status_code=204)

    @app.get("/direct-304")
    def direct_304():
        return responses.JSONResponse({"a": 1}, status_code=304)

    @app.get("/stream")
    def stream():
        return responses.StreamingResponse(iter([b"a", b"b"]), media_type="text/plain")

    @app.get("/content-type-header")
    def content_type_header():
        return responses.PlainTextResponse("x", headers={"content-type": "text/csv"})

    @app.get("/exclude-none", response_model=Item, response_model_exclude_none=True)
    def exclude_none():
        return {"name": "a", "price": None, "tags": []}

    @app.get("/exclude-unset", response_model=Item, response_model_exclude_unset=True)
    def exclude_unset():
        return Item(name="a", note="n")

    @app.get("/exclude-defaults", response_model=Item, response_model_exclude_defaults=True)
    def exclude_defaults():
        return Item(name="a", price=None, tags=[], note="z")

    @app.get("/include", response_model=Item, response_model_include={"name", "tags"})
    def include():
        return Item(name="a")

    @app.get("/exclude", response_model=Item, response_model_exclude={"note"})
    def exclude():
        return Item(name="a")

    @app.get("/no-model", response_model=None)
    def no_model() -> Item:
        return responses.JSONResponse({"any": 1})  # type: ignore[return-value]

    @app.get("/annotation")
    def annotation() -> Item:
        return {"name": "a", "price": 1, "extra": 5}  # type: ignore[return-value]

    @app.get("/bad-model", response_model=Item)
    def bad_model():
        return {"price": "x"}

    @app.get("/injected", status_code=201)
    def injected(response: fw.Response):
        response.headers["x-a"] = "injected"
        response.set_cookie("k", "v", max_age=10, httponly=True, samesite="strict", path="/p",
                            domain="example.com", secure=True)  # fmt: skip
        response.status_code = 203
        return {"ok": True}

    @app.get("/injected-headers-only", status_code=201)
    def injected_headers_only(response: fw.Response):
        response.headers["x-a"] = "1"
        response.headers["content-type"] = "text/weird"
        return {"a": 1}

    @app.get("/injected-but-direct")
    def injected_but_direct(response: fw.Response):
        response.headers["x-a"] = "lost"
        response.set_cookie("k", "v")
        return responses.PlainTextResponse("direct")

    @app.get("/cookies")
    def cookies():
        response = responses.PlainTextResponse("c")
        response.set_cookie("a", "1")
        response.set_cookie("b", "2", expires=100, secure=True)
        when = datetime.datetime(2030, 1, 2, tzinfo=datetime.UTC)
        response.set_cookie("e", "x y;z", expires=when)
        response.delete_cookie("c", path="/x", domain="d.com", secure=True, httponly=True,
                               samesite="none")  # fmt: skip
        return response

    @app.get("/values")
    def values():
        return {
            "when": datetime.datetime(2020, 1, 2, 3, 4, 5),
            "amount": decimal.Decimal("1.10"),
            "id": uuid.UUID(int=1),
            "pair": (1, 2),
            "unicode": "é😀",
        }

    @app.get("/nan")
    def nan():
        return {"x": math.nan}

    router = fw.Router(prefix="/txt", default_response_class=responses.PlainTextResponse)

    @router.get("/a")
    def router_default():
        return "router default"

    app.include_router(router)
    included = fw.Router()

    @included.get("/b")
    def include_default():
        return "<i>included</i>"

    app.include_router(included, prefix="/inc", default_response_class=responses.HTMLResponse)
    return app


RESPONSE_PATHS = (
    "/204-with-a-value", "/304", "/202", "/html", "/html-bytes", "/text", "/text-int",
    "/redirect", "/redirect-302", "/raw", "/direct", "/direct-media", "/direct-empty",
    "/direct-bytes", "/direct-204", "/direct-304", "/stream", "/content-type-header",
    "/exclude-none", "/exclude-unset", "/exclude-defaults", "/include", "/exclude", "/no-model",
    "/annotation", "/bad-model", "/injected", "/injected-headers-only", "/injected-but-direct",
    "/values", "/nan", "/txt/a", "/inc/b",
)  # fmt: skip
RESPONSE_HEADERS = (*HTTP_HEADERS, "x-a", "set-cookie", "content-encoding", "transfer-encoding")


def test_responses_and_their_head_as_fastapi() -> None:
    calls = [Call.post("/201"), Call("DELETE", "/204")]
    calls += [Call(method, p) for p in RESPONSE_PATHS for method in ("GET", "HEAD")]
    answers = same_but_documented(
        responses_app,
        calls,
        headers=RESPONSE_HEADERS,
        client_options={**NO_REDIRECTS, "raise_server_exceptions": False},
    )
    assert [a["status"] for a in answers[:2]] == [201, 204]
    by_path = dict(zip([c.url for c in calls[2::2]], answers[2::2], strict=True))
    assert by_path["/exclude-none"]["body"] == {"name": "a", "tags": [], "note": "n"}
    assert by_path["/injected"]["status"] == 203


def _cookies(response: Any) -> list[str]:
    # The expiry is "now + max_age": the clocks of two calls may differ by a second.
    dated = re.compile(r"expires=[^;]*")
    return [dated.sub("expires=...", c) for c in response.headers.get_list("set-cookie")]


def test_set_cookie_and_delete_cookie_write_what_fastapi_writes() -> None:
    ours, theirs = (TestClient(responses_app(fw)) for fw in frameworks())
    for path in ("/cookies", "/injected", "/injected-but-direct"):
        mine, reference = ours.get(path), theirs.get(path)
        assert _cookies(mine) == _cookies(reference), path
    assert len(_cookies(ours.get("/cookies"))) == 4


def raising_app(status: int, detail: Any, headers: dict[str, str] | None) -> Any:
    def build(fw: Framework) -> Any:
        app = fw.App()

        @app.get("/raise")
        def raise_it():
            raise fw.HTTPException(status, detail=detail, headers=headers)

        return app

    return build


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=6,
)
HEADER_VALUES = st.dictionaries(
    st.sampled_from(("x-a", "www-authenticate")), st.text("abc =,", max_size=4), max_size=2
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    status=st.integers(100, 599),
    detail=st.none() | JSON_VALUES,
    headers=st.none() | HEADER_VALUES,
)
def test_any_http_exception_is_answered_as_fastapi(
    status: int, detail: Any, headers: dict[str, str] | None
) -> None:
    build = raising_app(status, detail, headers)
    calls = [Call.get("/raise"), Call("HEAD", "/raise")]
    same_but_documented(build, calls, headers=(*HTTP_HEADERS, "x-a"))


def injected_app(fw: Framework) -> Any:
    app = fw.App()

    def sets_headers(response: fw.Response):
        response.headers["x-a"] = "dependency"
        response.set_cookie("d", "1")
        response.status_code = 202
        return 1

    def around(response: fw.Response):
        response.headers["x-b"] = "before"
        yield 1
        response.headers["x-c"] = "after the answer"

    @app.get("/dependency")
    def dependency(response: fw.Response, value: int = fw.Depends(sets_headers)):
        response.set_cookie("h", "2")
        response.headers.append("x-multi", "1")
        response.headers.append("x-multi", "2")
        return value

    @app.get("/yield")
    def with_yield(value: int = fw.Depends(around)):
        return value

    @app.get("/then-raise")
    def then_raise(response: fw.Response):
        response.headers["x-a"] = "lost"
        response.set_cookie("t", "1")
        raise fw.HTTPException(400, "the injected headers are not on this answer")

    @app.get("/status-none", status_code=201)
    def status_none(response: fw.Response):
        response.status_code = None
        return 1

    @app.get("/deleted", status_code=201)
    def deleted(response: fw.Response):
        response.delete_cookie("gone")
        return {}

    return app


def test_an_injected_response_in_dependencies_as_fastapi() -> None:
    paths = ("/dependency", "/yield", "/then-raise", "/status-none", "/deleted")
    ours, theirs = (TestClient(injected_app(fw)) for fw in frameworks())
    dated = re.compile(r"expires=[^;]*")

    def every_header(response: Any) -> list[tuple[str, str]]:
        pairs = response.headers.items()
        return sorted((name, dated.sub("expires=...", value)) for name, value in pairs)

    for path in paths:
        mine, reference = ours.get(path), theirs.get(path)
        assert (mine.status_code, mine.content) == (reference.status_code, reference.content), path
        assert every_header(mine) == every_header(reference), path
    assert ours.get("/dependency").headers.get_list("x-multi") == ["1", "2"]


class Unmapped(Exception):
    pass


def rethrowing_app(fw: Framework) -> Any:
    """Handlers that raise: an HTTPException from a handler is answered once more."""
    app = fw.App()
    json = fw.responses.JSONResponse

    class Specific(fw.HTTPException):
        pass

    @app.exception_handler(404)
    async def by_status(request: Any, exc: Any) -> Any:
        return json({"by": "404", "detail": exc.detail}, status_code=404)

    @app.exception_handler(fw.BaseHTTPException)
    async def by_class(request: Any, exc: Any) -> Any:
        if exc.status_code == 499:
            raise fw.HTTPException(498, "raised again")
        return json({"by": "class", "detail": exc.detail}, status_code=exc.status_code)

    @app.exception_handler(Specific)
    async def specific(request: Any, exc: Any) -> Any:
        return json({"by": "Specific"}, status_code=exc.status_code)

    @app.exception_handler(Teapot)
    async def to_http(request: Any, exc: Any) -> Any:
        raise fw.HTTPException(409, "from the handler", headers={"x-a": "1"})

    @app.exception_handler(ValueError)
    def sync_to_unmapped(request: Any, exc: Any) -> Any:
        raise Unmapped()

    @app.get("/status")
    def status():
        raise fw.HTTPException(404, "route")

    @app.get("/specific/{code:int}")
    def specific_route(code: int):
        raise Specific(code)

    @app.get("/teapot")
    def teapot():
        raise Kettle()

    @app.get("/value")
    def value():
        raise ValueError()

    @app.get("/twice")
    def twice():
        raise fw.HTTPException(499)

    return app


def test_handlers_by_precedence_and_handlers_that_raise_as_fastapi() -> None:
    paths = ("/status", "/specific/404", "/specific/410", "/teapot", "/value", "/twice", "/nope")
    calls = [*(Call.get(p) for p in paths), Call.post("/status")]
    answers = same_but_documented(
        rethrowing_app,
        calls,
        headers=(*HTTP_HEADERS, "x-a"),
        client_options={"raise_server_exceptions": False},
    )
    assert answers[3] == {
        "status": 409,
        "body": {"by": "class", "detail": "from the handler"},
        "headers": {**answers[3]["headers"], "x-a": None},  # the handler drops headers
    }
    # ValueError's handler raises an unhandled error: 500; 499's raises a 498,
    # which the same handler answers on the second look-up.
    assert [answers[4]["status"], answers[5]["status"]] == [500, 498]


def mounted_errors_app(fw: Framework) -> Any:
    """Errors raised in a mounted App or Router: a mounted Router's reach the outer
    App's handlers; a mounted App answers its own (its 500 for an unhandled one)."""
    app = fw.App()
    json = fw.responses.JSONResponse

    @app.exception_handler(Teapot)
    async def teapot(request: Any, exc: Any) -> Any:
        return json({"outer": "teapot"}, status_code=418)

    @app.exception_handler(fw.BaseHTTPException)
    async def http(request: Any, exc: Any) -> Any:
        return json({"outer": exc.detail}, status_code=exc.status_code)

    sub = fw.App()
    router = fw.Router()
    for owner, name in ((sub, "sub app"), (router, "router")):

        @owner.get("/tea")
        def tea():
            raise Teapot()

        @owner.get("/http")
        def http_error(name: str = name):
            raise fw.HTTPException(400, name)

    app.mount("/s", sub)
    app.mount("/r", router)
    return app


def test_errors_in_mounted_apps_as_fastapi() -> None:
    paths = ("/s/tea", "/s/http", "/s/nope", "/r/tea", "/r/http", "/r/nope")
    calls = [*(Call.get(p) for p in paths), Call.post("/s/tea"), Call.post("/r/tea")]
    answers = same_but_documented(
        mounted_errors_app, calls, client_options={"raise_server_exceptions": False}
    )
    assert (answers[0]["status"], answers[3]["body"]) == (500, {"outer": "teapot"})


# Route tables drawn at random: literals are registered before parameters at the
# same place, so the documented precedence rule never comes into play.  A template
# may be drawn twice, for the same method or another: the first route registered
# answers, in both frameworks.
TEMPLATES = (
    "/", "/a", "/a/", "/a/b", "/a/{x}", "/a/{x}/c", "/a/{n:int}/d", "/b/{p:path}",
    "/c/{f:float}", "/c/{u:uuid}/", "/d/{s}.{e}", "/e/", "/e/{x}/",
)  # fmt: skip
REQUEST_PATHS = (
    "/", "//", "/a", "/a/", "/a//", "/a/b", "/a/b/", "/a/z", "/a/z/", "/a/z/c", "/a/z/c/",
    "/a/7/d", "/a/7/d/", "/a/x/d", "/b", "/b/", "/b/q/r", "/c/1.5", "/c/1.5/", f"/c/{UUID}",
    f"/c/{UUID}/", "/d/f.txt", "/d/f.txt/", "/d/f", "/e", "/e/", "/e/z", "/e/z/", "/nope",
)  # fmt: skip


def _specificity(template: str) -> tuple[int, ...]:
    # Literal segments first, place by place: the order both frameworks agree on.
    return tuple(1 if "{" in part else 0 for part in template.split("/"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    table=st.lists(
        st.tuples(st.sampled_from(TEMPLATES), st.sampled_from(("GET", "POST", "PUT"))),
        min_size=1,
        max_size=6,
    ),
    redirect_slashes=st.booleans(),
    mount=st.sampled_from((None, "/a", "/b", "/e")),
    requests=st.lists(
        st.tuples(st.sampled_from(("GET", "POST", "HEAD")), st.sampled_from(REQUEST_PATHS)),
        min_size=1,
        max_size=8,
    ),
)
def test_random_route_tables_route_as_fastapi(
    table: list[tuple[str, str]],
    redirect_slashes: bool,
    mount: str | None,
    requests: list[tuple[str, str]],
) -> None:
    table.sort(key=lambda item: _specificity(item[0]))

    def build(fw: Framework) -> Any:
        app = fw.App(redirect_slashes=redirect_slashes)
        for index, (template, method) in enumerate(table):

            def endpoint(request: fw.Request, index: int = index) -> Any:
                return [index, request.path_params]

            app.add_api_route(template, endpoint, methods=[method], name=f"r{index}")
        if mount is not None:
            sub = fw.App()
            sub.add_api_route("/", lambda: "sub root", methods=["GET"])
            sub.add_api_route("/z", lambda: "sub z", methods=["POST"])
            app.mount(mount, sub)
        return app

    calls = [Call(method, path) for method, path in requests]
    same_but_documented(build, calls, client_options=NO_REDIRECTS, several_routes_per_path=True)


def nested_models_app(fw: Framework) -> Any:
    from pydantic import BaseModel, Field

    class Inner(BaseModel):
        a: int = 1
        b: str | None = None

    class Outer(BaseModel):
        name: str = Field(alias="Name", default="x")
        inner: Inner = Inner()
        items: list[Inner] = []

    app = fw.App()

    @app.get("/unset-dict", response_model=Outer, response_model_exclude_unset=True)
    def unset_dict():
        return {"Name": "n", "inner": {"b": "z"}, "items": [{}]}

    @app.get("/unset-model", response_model=Outer, response_model_exclude_unset=True)
    def unset_model():
        return Outer(Name="n", inner=Inner(b=None))

    @app.get("/defaults", response_model=Outer, response_model_exclude_defaults=True)
    def defaults():
        return Outer(inner=Inner(a=2), items=[Inner(), Inner(b="q")])

    @app.get("/none", response_model=Outer, response_model_exclude_none=True)
    def none():
        return Outer(items=[Inner()])

    @app.get("/no-alias", response_model=Outer, response_model_by_alias=False)
    def no_alias():
        return {"Name": "n"}

    @app.get("/include", response_model=Outer, response_model_include={"inner": {"a"}})
    def include():
        return Outer()

    @app.get("/exclude", response_model=Outer, response_model_exclude=["items"])
    def exclude():
        return Outer()

    @app.get(
        "/mixed",
        response_model=Outer,
        response_model_exclude_unset=True,
        response_model_exclude_none=True,
        response_model_by_alias=False,
    )
    def mixed():
        return {"inner": {"a": 1, "b": None}}

    return app


def test_response_model_options_on_nested_models_as_fastapi() -> None:
    paths = ("/unset-dict", "/unset-model", "/defaults", "/none", "/no-alias", "/include",
             "/exclude", "/mixed")  # fmt: skip
    answers = same_but_documented(nested_models_app, [Call.get(p) for p in paths])
    assert answers[0]["body"] == {"Name": "n", "inner": {"b": "z"}, "items": [{}]}
