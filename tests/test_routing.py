from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asgiweb import App, HTTPException, Router, _routetable
from asgiweb.requests import Request
from asgiweb.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from asgiweb.routing import NoMatchFound, compile_path
from asgiweb.testclient import TestClient
from tests.harness import Peer, drive, http_scope, lifespan_scope


def endpoint() -> None:
    return None


def make(*specs: tuple[str, str]) -> Router:
    router = Router()
    for method, path in specs:
        router.add_route(path, endpoint, methods=[method], name=f"{method} {path}")
    return router


def found(router: Router, path: str, method: str = "GET") -> tuple[str, dict[str, Any]]:
    route, params, allow = router.table.lookup(path, method)
    assert route is not None, (path, allow)
    assert params is not None
    return route.path, params


@pytest.mark.parametrize(
    ("template", "path", "params"),
    [
        ("/items/{id}", "/items/abc", {"id": "abc"}),
        ("/items/{id:int}", "/items/42", {"id": 42}),
        ("/items/{x:float}", "/items/4.5", {"x": 4.5}),
        ("/items/{x:float}", "/items/4", {"x": 4.0}),
        (
            "/u/{u:uuid}",
            "/u/12345678-1234-5678-1234-567812345678",
            {"u": uuid.UUID("12345678-1234-5678-1234-567812345678")},
        ),
        ("/files/{p:path}", "/files/a/b/c.txt", {"p": "a/b/c.txt"}),
        ("/files/{p:path}", "/files/", {"p": ""}),
        ("/f/{stem}.{ext}", "/f/report.pdf", {"stem": "report", "ext": "pdf"}),
        ("/a/{x}/b/{y:int}", "/a/1/b/2", {"x": "1", "y": 2}),
        ("/ünï/{x}", "/ünï/ç", {"x": "ç"}),
    ],
)
def test_converters_match_and_convert(template: str, path: str, params: dict[str, Any]) -> None:
    router = make(("GET", template))
    assert found(router, path) == (template, params)


@pytest.mark.parametrize(
    ("template", "path"),
    [
        ("/items/{id}", "/items/"),
        ("/items/{id}", "/items"),
        ("/items/{id}", "/items/a/b"),
        ("/items/{id:int}", "/items/-1"),
        ("/items/{id:int}", "/items/1.5"),
        ("/items/{x:float}", "/items/abc"),
        ("/u/{u:uuid}", "/u/not-a-uuid"),
        ("/files/{p:path}", "/files"),
    ],
)
def test_non_matching_paths_are_404(template: str, path: str) -> None:
    router = make(("GET", template))
    assert router.table.lookup(path, "GET") == (None, None, None)


def test_literal_beats_parameter_whatever_the_order() -> None:
    router = make(("GET", "/users/{id}"), ("GET", "/users/me"))
    assert found(router, "/users/me") == ("/users/me", {})
    assert found(router, "/users/5") == ("/users/{id}", {"id": "5"})


def test_literal_branch_backtracks_to_parameter() -> None:
    router = make(("GET", "/a/me/x"), ("GET", "/a/{id}/y"))
    assert found(router, "/a/me/y") == ("/a/{id}/y", {"id": "me"})


def test_first_registered_parameter_wins() -> None:
    router = make(("GET", "/p/{a:int}"), ("GET", "/p/{b}"))
    assert found(router, "/p/1") == ("/p/{a:int}", {"a": 1})
    assert found(router, "/p/x") == ("/p/{b}", {"b": "x"})


def test_405_allow_is_union_of_matching_templates() -> None:
    router = make(("GET", "/users/me"), ("DELETE", "/users/{id}"), ("POST", "/users/{id}"))
    route, _, allow = router.table.lookup("/users/me", "PUT")
    assert route is None
    assert allow == "DELETE, GET, HEAD, POST"
    # a method on the parameter route is still found for the literal path
    assert found(router, "/users/me", "DELETE") == ("/users/{id}", {"id": "me"})


def test_get_answers_head_and_explicit_head_wins() -> None:
    router = make(("GET", "/x"))
    assert found(router, "/x", "HEAD") == ("/x", {})

    def head_endpoint() -> None:
        return None

    router.add_route("/x", head_endpoint, methods=["HEAD"], name="head")
    route, _, _ = router.table.lookup("/x", "HEAD")
    assert route is not None and route.name == "head"


def test_a_duplicate_route_is_shadowed_by_the_first() -> None:
    router = make(("GET", "/x/{a}"))

    def second(b: str) -> str:
        return b

    router.add_route("/x/{b}", second, methods=["GET", "POST"], name="second")
    route, params, _ = router.table.lookup("/x/1", "GET")
    assert route is not None and route.name != "second" and params == {"a": "1"}
    route, params, _ = router.table.lookup("/x/1", "POST")
    assert route is not None and route.name == "second" and params == {"b": "1"}
    assert [r.name for r in router.routes][-1] == "second"


@pytest.mark.parametrize(
    "template",
    ["items", "/x/{a:nope}", "/x/{p:path}/y", "/x/{a}/{a}", "/x/{a", "/x/a}"],
)
def test_bad_templates_fail_at_registration(template: str) -> None:
    with pytest.raises(ValueError):
        compile_path(template)


def test_include_router_with_prefix_and_url_path_for() -> None:
    inner = Router()
    inner.add_route("/items/{item_id:int}", endpoint, methods=["GET"], name="item")
    inner.add_route("/files/{p:path}", endpoint, methods=["GET"], name="file")
    outer = Router()
    outer.include_router(inner, prefix="/v1")
    assert found(outer, "/v1/items/3") == ("/v1/items/{item_id:int}", {"item_id": 3})
    assert outer.url_path_for("item", item_id=3) == "/v1/items/3"
    assert outer.url_path_for("file", p="a/b") == "/v1/files/a/b"
    with pytest.raises(NoMatchFound):
        outer.url_path_for("item")
    with pytest.raises(NoMatchFound):
        outer.url_path_for("nope")


def test_unknown_route_option_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match="unsupported route option"):
        Router().add_route("/x", endpoint, methods=["GET"], bogus=1)
    # documentation-only keywords FastAPI users pass are accepted
    Router().add_route("/x", endpoint, methods=["GET"], tags=["a"], summary="s")


def _counting_router(
    monkeypatch: pytest.MonkeyPatch, route_count: int
) -> tuple[Router, Callable[[str], tuple[int, int, tuple[str, dict[str, Any]] | None]]]:
    """A router with ``route_count`` routes of each shape, and a lookup that reports
    (tree nodes visited, converter calls, what it found)."""
    calls = {"converter": 0, "node": 0}

    def counted(fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any) -> Any:
            calls["converter"] += 1
            return fn(*args)

        return wrapper

    for name, converter in list(_routetable.CONVERTERS.items()):
        replacement = dataclasses.replace(
            converter, match=counted(converter.match), convert=counted(converter.convert)
        )
        monkeypatch.setitem(_routetable.CONVERTERS, name, replacement)
    walk = _routetable._walk

    def counting_walk(*args: Any) -> Any:
        calls["node"] += 1
        return walk(*args)

    monkeypatch.setattr(_routetable, "_walk", counting_walk)  # recursion goes through it too
    descend = _routetable._descend

    def counting_descend(root: Any, parts: list[str], method: str) -> Any:
        calls["node"] += len(parts) + 1  # the first-choice path: one node per segment
        return descend(root, parts, method)

    monkeypatch.setattr(_routetable, "_descend", counting_descend)

    router = Router()
    for i in range(route_count):
        router.add_route(f"/static/{i}", endpoint, methods=["GET"], name=f"s{i}")
        router.add_route(f"/dyn{i}/{{id:int}}", endpoint, methods=["GET"], name=f"d{i}")
        router.add_route(f"/users/{{uid:int}}/post{i}", endpoint, methods=["GET"], name=f"u{i}")
        router.add_route(f"/files/v{i}/{{rest:path}}", endpoint, methods=["GET"], name=f"f{i}")

    def lookup(path: str) -> tuple[int, int, tuple[str, dict[str, Any]] | None]:
        calls["converter"] = calls["node"] = 0
        route, params, _ = router.table.lookup(path, "GET")
        result = None if route is None or params is None else (route.path, params)
        return calls["node"], calls["converter"], result

    return router, lookup


def test_lookup_cost_does_not_depend_on_route_count(monkeypatch: pytest.MonkeyPatch) -> None:
    # Structural check, counted rather than timed (timing lives in benchmarks/): a
    # lookup among 1,000 routes of each shape visits no more tree nodes and calls
    # no more converters than the same lookup among 10.
    _, small = _counting_router(monkeypatch, 10)
    _, large = _counting_router(monkeypatch, 1000)

    def last(template: str, count: int) -> str:
        return template.format(n=count - 1)

    shapes = [
        ("/static/{n}", None),
        ("/dyn{n}/7", ("/dyn{n}/{{id:int}}", {"id": 7})),
        ("/users/7/post{n}", ("/users/{{uid:int}}/post{n}", {"uid": 7})),
        ("/files/v{n}/a/b", ("/files/v{n}/{{rest:path}}", {"rest": "a/b"})),
        ("/nowhere{n}/x/y", None),
    ]
    for template, expected in shapes:
        small_nodes, small_converters, small_found = small(last(template, 10))
        large_nodes, large_converters, large_found = large(last(template, 1000))
        if expected is not None:
            route_template, params = expected
            assert small_found == (last(route_template, 10), params)
            assert large_found == (last(route_template, 1000), params)
            assert small_nodes > 0  # the counters do see the walk
        assert large_nodes <= small_nodes, (template, large_nodes, small_nodes)
        assert large_converters <= small_converters, (template, large_converters, small_converters)
    # the shapes with a converter do call it, so the comparison above is not vacuous
    assert small("/users/7/post9")[1] > 0 and small("/dyn9/7")[1] > 0
    static = large("/static/999")
    assert static[2] == ("/static/999", {}) and static[:2] == (0, 0)  # the static dict alone


segment = st.text(
    alphabet=st.characters(blacklist_characters="/{}", blacklist_categories=("Cs",)),
    min_size=1,
    max_size=8,
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.lists(segment, min_size=1, max_size=4), st.sampled_from(["", "int", "str"])),
        min_size=1,
        max_size=12,
        unique_by=lambda t: "/".join(t[0]),
    )
)
def test_every_route_finds_itself(specs: list[tuple[list[str], str]]) -> None:
    router = Router()
    expected = []
    for index, (parts, kind) in enumerate(specs):
        template = "/" + "/".join(parts)
        concrete = template
        if kind:
            template += "/{value:int}" if kind == "int" else "/{value}"
            concrete += f"/{index + 7}"
        try:
            router.add_route(template, endpoint, methods=["GET"], name=f"r{index}")
        except ValueError:
            continue  # the same template shape twice
        expected.append((template, concrete))
    for _template, concrete in expected:
        route, params, _ = router.table.lookup(concrete, "GET")
        assert route is not None
        # A literal registered elsewhere may legitimately shadow a parameter,
        # but whatever matched must produce this exact path again.
        assert route.url_path(**(params or {})) == concrete


def _items_router() -> Router:
    router = Router()

    @router.get("/items")
    async def items() -> list[int]:
        return [1, 2]

    @router.post("/items/{item_id:int}")
    async def update(item_id: int) -> dict[str, int]:
        return {"item_id": item_id}

    return router


# -- a bare Router serves -----------------------------------------------------------------


@pytest.mark.anyio
async def test_bare_router_answers_routes_404_405_and_redirects() -> None:
    router = _items_router()
    peer = await drive(router, http_scope("GET", "/items"))
    assert (peer.status, peer.body) == (200, b"[1,2]")
    peer = await drive(router, http_scope("GET", "/nowhere"))
    assert (peer.status, peer.body) == (404, b'{"detail":"Not Found"}')
    peer = await drive(router, http_scope("PUT", "/items"))
    assert peer.status == 405
    assert peer.header("allow") == "GET, HEAD"
    peer = await drive(router, http_scope("GET", "/items/"))
    assert (peer.status, peer.header("location")) == (307, "/items")


@pytest.mark.anyio
async def test_bare_router_serves_its_mounts_and_answers_lifespan() -> None:
    outer = Router()
    outer.mount("/v1", _items_router())
    peer = await drive(outer, http_scope("GET", "/v1/items"))
    assert (peer.status, peer.body) == (200, b"[1,2]")

    messages = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    peer = await drive(outer, lifespan_scope(), Peer(messages=messages))
    assert [m["type"] for m in peer.sent] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]


def test_bare_router_through_the_test_client() -> None:
    with TestClient(_items_router()) as client:
        assert client.post("/items/3").json() == {"item_id": 3}
        assert client.post("/items/x").status_code == 404  # no convertor accepts it


def test_mounted_router_uses_the_apps_exception_handlers() -> None:
    app = App()

    @app.exception_handler(404)
    async def not_found(request: Request, exc: HTTPException) -> Response:
        return PlainTextResponse("nothing here", status_code=404)

    app.mount("/sub", _items_router())
    with TestClient(app) as client:
        assert client.get("/sub/missing").text == "nothing here"
        assert client.get("/missing").text == "nothing here"


# -- numbers past the int digit limit never reach a 500 ------------------------------------


def test_int_segment_longer_than_the_digit_limit_is_404() -> None:
    app = App()

    @app.get("/items/{item_id:int}")
    async def read(item_id: int) -> int:
        return item_id

    with TestClient(app) as client:
        assert client.get("/items/12").json() == 12
        reply = client.get("/items/" + "9" * 5000)
        assert reply.status_code == 404
        assert reply.json() == {"detail": "Not Found"}


# -- options merge as FastAPI merges them ------------------------------------------------


def test_router_options_merge_through_include_router() -> None:
    inner = Router(
        prefix="/inner",
        tags=["inner"],
        responses={404: {"description": "inner"}},
        default_response_class=HTMLResponse,
    )

    @inner.get("/page", tags=["route"], responses={500: {"description": "route"}})
    async def page() -> str:
        return "<p>hi</p>"

    @inner.get("/plain", response_class=PlainTextResponse, deprecated=True)
    async def plain() -> str:
        return "plain"

    @inner.get("", include_in_schema=False)
    async def root() -> str:
        return "<p>root</p>"

    app = App()
    app.include_router(
        inner,
        prefix="/v1",
        tags=["v1"],
        responses={404: {"description": "include"}, 418: {"description": "include"}},
        default_response_class=JSONResponse,
    )
    routes = {route.path: route for route in app.routes}
    assert set(routes) == {"/v1/inner/page", "/v1/inner/plain", "/v1/inner"}
    page_route = routes["/v1/inner/page"]
    assert page_route.tags == ["v1", "inner", "route"]
    assert page_route.responses == {
        404: {"description": "inner"},
        418: {"description": "include"},
        500: {"description": "route"},
    }
    assert page_route.deprecated is None
    assert routes["/v1/inner/plain"].deprecated is True
    assert routes["/v1/inner"].include_in_schema is False
    assert page_route.include_in_schema is True
    with TestClient(app) as client:
        # The router's default_response_class survives being included.
        reply = client.get("/v1/inner/page")
        assert reply.headers["content-type"] == "text/html; charset=utf-8"
        assert reply.text == "<p>hi</p>"
        assert client.get("/v1/inner/plain").text == "plain"
        # @router.get("") under a prefix serves the prefix itself.
        assert client.get("/v1/inner").text == "<p>root</p>"


def test_include_router_default_response_class_applies_when_the_router_sets_none() -> None:
    inner = Router()

    @inner.get("/x")
    async def x() -> str:
        return "<b>x</b>"

    app = App()
    app.include_router(inner, default_response_class=HTMLResponse)
    with TestClient(app) as client:
        assert client.get("/x").headers["content-type"] == "text/html; charset=utf-8"


def test_api_route_spellings_and_empty_path_rules() -> None:
    app = App()

    @app.api_route("/both", methods=["GET", "POST"])
    async def both(request: Request) -> str:
        return request.method

    async def added() -> str:
        return "added"

    app.add_api_route("/added", added, methods=["PUT"])
    with TestClient(app) as client:
        assert client.get("/both").json() == "GET"
        assert client.post("/both").json() == "POST"
        assert client.put("/added").json() == "added"
    empty = Router()
    empty.get("")(added)  # no path yet: refused when included without a prefix
    with pytest.raises(ValueError, match="include its router with a prefix"):
        App().include_router(empty)


def test_unknown_options_are_type_errors() -> None:
    with pytest.raises(TypeError, match="bogus"):
        App(bogus=1)
    with pytest.raises(TypeError, match="bogus"):
        Router(bogus=1)
    with pytest.raises(TypeError, match="bogus"):
        App().include_router(Router(), bogus=1)


# -- url_path_for through mounts --------------------------------------------------------------


def test_url_path_for_reaches_into_mounts() -> None:
    app = App()
    sub = Router()

    @sub.get("/users/{user_id}", name="user")
    async def user(user_id: int) -> int:
        return user_id

    app.mount("/api", sub, name="api")
    app.mount("/static", _items_router(), name="static")
    assert app.url_path_for("api:user", user_id=3) == "/api/users/3"
    assert app.url_path_for("static", path="/css/site.css") == "/static/css/site.css"
    middle = Router()
    middle.mount("/inner", sub)
    assert middle.url_path_for("user", user_id=4) == "/inner/users/4"
