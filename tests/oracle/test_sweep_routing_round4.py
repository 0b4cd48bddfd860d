"""Routing and the error path side by side with FastAPI (the oracle), round four.

Each app is written once (``build(fw)``, see ``tests/oracle/sidebyside.py``) and
served by asgiweb and by FastAPI; the answers must be equal, unless a test says
the difference is deliberate (docs/api.md, "Routes" and "Errors") and asserts
asgiweb's own answer.
"""

from typing import Any
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from asgiweb import App, Router
from asgiweb.exception_handlers import request_validation_exception_handler
from asgiweb.exceptions import RequestValidationError, WebSocketDisconnect
from asgiweb.testclient import TestClient
from tests.harness import http_scope, run_asgi
from tests.oracle.sidebyside import Call, Framework, both, frameworks, same_answers

# -- endpoint_ctx on validation errors -------------------------------------------------


def located_app(fw: Framework) -> Any:
    """Each validation error's location, answered by the handlers as JSON."""
    exceptions = fw.exceptions

    def where(exc: Any) -> dict[str, Any]:
        return {
            "ctx": dict(exc.endpoint_ctx or {}),
            "attributes": [
                exc.endpoint_function,
                exc.endpoint_path,
                exc.endpoint_file,
                exc.endpoint_line,
            ],
            "tail": str(exc).splitlines()[-2:],
        }

    def install(app: Any) -> None:
        @app.exception_handler(exceptions.RequestValidationError)
        async def bad_request(request: Any, exc: Any):
            return fw.responses.JSONResponse(where(exc), status_code=422)

        @app.exception_handler(exceptions.ResponseValidationError)
        async def bad_response(request: Any, exc: Any):
            return fw.responses.JSONResponse(where(exc), status_code=500)

    app = fw.App()
    install(app)
    router = fw.Router(prefix="/r")

    @router.api_route("/users/{user_id}", methods=["GET", "POST"])
    def read_user(user_id: int):
        return user_id

    @router.get("/checked", response_model=dict[str, int])
    def checked_answer():
        return {"n": "not a number"}

    app.include_router(router, prefix="/outer")

    @app.get("/plain")
    def plain(q: int):
        return q

    sub = fw.App()
    install(sub)

    @sub.get("/deep/{n}")
    def deep(n: int):
        return n

    app.mount("/mounted", sub)
    return app


def test_validation_errors_carry_the_endpoint_location() -> None:
    answers = same_answers(
        located_app,
        [
            "/outer/r/users/x",
            Call.post("/outer/r/users/x"),
            "/outer/r/checked",
            "/plain?q=no",
            "/mounted/deep/no",
        ],
    )
    first = answers[0]["body"]
    assert first["ctx"]["function"] == "read_user"
    assert first["ctx"]["path"] == "GET /outer/r/users/{user_id}"
    assert first["ctx"]["file"] == __file__
    assert first["attributes"][0] == "read_user"
    assert first["tail"][1] == "    GET /outer/r/users/{user_id}"
    assert answers[1]["body"]["ctx"]["path"] == "POST /outer/r/users/{user_id}"
    assert answers[2]["body"]["ctx"]["function"] == "checked_answer"
    assert answers[4]["body"]["ctx"]["path"] == "GET /mounted/deep/{n}"


def test_websocket_validation_error_carries_the_endpoint_location() -> None:
    def build(fw: Framework) -> Any:
        app = fw.App()
        seen: list[Any] = []

        @app.exception_handler(fw.exceptions.WebSocketRequestValidationError)
        async def refuse(websocket: Any, exc: Any):
            seen.append(dict(exc.endpoint_ctx))
            await websocket.close(code=1008)

        @app.websocket("/ws/{n}")
        async def numbers(websocket: fw.WebSocket, n: int):
            await websocket.accept()  # pragma: no cover

        app.state.seen = seen
        return app

    found = []
    for fw in frameworks():
        app = build(fw)
        client = TestClient(app)
        with pytest.raises(WebSocketDisconnect), client.websocket_connect("/ws/x") as ws:
            ws.receive_text()
        found.append(app.state.seen)
    assert found[0] == found[1]
    assert found[0][0]["path"] == "WS /ws/{n}"
    assert found[0][0]["function"] == "numbers"


def test_endpoint_location_in_the_logged_error(caplog: pytest.LogCaptureFixture) -> None:
    """Without a handler of the user's, a response validation error is a 500 whose
    log names the endpoint's file, line and function."""
    app = App()

    @app.get("/wrong", response_model=int)
    def wrong_answer():
        return "x"

    response = TestClient(app, raise_server_exceptions=False).get("/wrong")
    assert response.status_code == 500
    logged = "\n".join(r.getMessage() + str(r.exc_info and r.exc_info[1]) for r in caplog.records)
    assert "wrong_answer" in logged
    assert "GET /wrong" in logged


def test_a_validation_error_raised_with_a_location_keeps_it() -> None:
    app = App()
    seen: list[Any] = []

    @app.exception_handler(RequestValidationError)
    async def keep(request: Any, exc: RequestValidationError):
        seen.append(exc.endpoint_ctx)
        return await request_validation_exception_handler(request, exc)

    @app.get("/given")
    def given():
        raise RequestValidationError([], endpoint_ctx={"path": "elsewhere"})

    assert TestClient(app).get("/given").status_code == 422
    assert seen == [{"path": "elsewhere"}]


# -- include_router ------------------------------------------------------------------


def test_a_router_cannot_include_itself() -> None:
    """FastAPI refuses with an AssertionError; asgiweb with a ValueError (docs/api.md,
    "include_router, mount"), and neither loops."""
    router = Router()

    @router.get("/a")
    def a():
        return "a"  # pragma: no cover

    with pytest.raises(ValueError, match="cannot include itself"):
        router.include_router(router)
    assert [r.path for r in router.routes] == ["/a"]


def test_include_cycles_are_refused() -> None:
    """Through other routers too (FastAPI: AssertionError, "already includes")."""
    parent, child, grandchild = Router(), Router(), Router()
    parent.include_router(child, prefix="/child")
    child.include_router(grandchild, prefix="/grandchild")
    for inner in (child, grandchild):
        with pytest.raises(ValueError, match="nor a router that includes it"):
            inner.include_router(parent, prefix="/parent")


def live_include_app(fw: Framework) -> Any:
    """Routes, WebSocket routes, mounts and routers added to a router after it was
    included: FastAPI 0.165 serves them all."""
    app = fw.App()
    api = fw.Router(prefix="/api", tags=["api"])

    @api.get("/early")
    def early():
        return "early"

    app.include_router(api, prefix="/v1")
    app.include_router(api, prefix="/v2")

    @api.get("/later/{n}", name="later")
    def later(n: int):
        return n

    @api.websocket("/socket")
    async def socket(websocket: fw.WebSocket):
        await websocket.accept()
        await websocket.send_text("later socket")
        await websocket.close()

    nested = fw.Router()
    api.include_router(nested, prefix="/nested")

    @nested.post("/deep", status_code=201)
    def deep():
        return "deep"

    @app.get("/paths")
    def paths():
        return sorted(app.openapi()["paths"])

    return app


def test_what_is_added_to_an_included_router_later_is_served() -> None:
    answers = same_answers(
        live_include_app,
        [
            "/v1/api/early",
            "/v1/api/later/3",
            "/v2/api/later/4",
            Call.post("/v1/api/nested/deep"),
            "/paths",
        ],
    )
    assert answers[1]["body"] == 3
    assert answers[3]["status"] == 201
    assert "/v2/api/nested/deep" in answers[4]["body"]
    for app in both(live_include_app):
        with TestClient(app).websocket_connect("/v2/api/socket") as ws:
            assert ws.receive_text() == "later socket"
        # The first inclusion names it, as in FastAPI.
        assert app.url_path_for("later", n=1) == "/v1/api/later/1"


def test_a_mount_added_to_an_included_router_later_is_served() -> None:
    """Under the router's prefix, as asgiweb mounts on a router (docs/api.md,
    "include_router, mount"; FastAPI's ``APIRouter.mount`` ignores the prefix)."""
    app = App()
    api = Router(prefix="/api")
    app.include_router(api, prefix="/v1")
    listing = App()

    @listing.get("/")
    def mounted():
        return "mounted later"

    api.mount("/files", listing)
    assert TestClient(app).get("/v1/api/files/").json() == "mounted later"


def test_the_openapi_document_follows_routes_added_after_it_was_built() -> None:
    def build(fw: Framework) -> Any:
        app = fw.App()
        router = fw.Router()
        app.include_router(router, prefix="/r")
        app.openapi()

        @app.get("/direct")
        def direct():
            return "direct"  # pragma: no cover

        @router.get("/included")
        def included():
            return "included"  # pragma: no cover

        return app

    for app in both(build):
        assert sorted(TestClient(app).get("/openapi.json").json()["paths"]) == [
            "/direct",
            "/r/included",
        ]


# -- mounts and the order of registration ----------------------------------------------


def mount_order_app(fw: Framework) -> Any:
    app = fw.App()

    @app.get("/before/inner")
    def before():
        return "route before the mount"

    def sub_app(label: str) -> Any:
        sub = fw.App()

        @sub.api_route("/inner", methods=["GET", "POST"])
        def inner():
            return label

        return sub

    app.mount("/before", sub_app("mount after the route"))
    app.mount("/after", sub_app("mount before the routes"))

    @app.get("/after/inner")
    def shadowed():
        return "route after the mount"  # pragma: no cover

    @app.get("/after/{anything}")
    def shadowed_too(anything: str):
        return anything  # pragma: no cover

    @app.get("/after")
    def the_prefix_itself():
        return "the prefix alone is not under the mount"

    @app.get("/afterwards/{x}")
    def next_door(x: str):
        return x

    return app


def test_a_mount_answers_the_paths_of_routes_added_after_it() -> None:
    answers = same_answers(
        mount_order_app,
        [
            "/before/inner",
            Call.post("/before/inner"),
            "/after/inner",
            Call.post("/after/inner"),
            "/after/other",
            "/after",
            "/afterwards/x",
        ],
    )
    assert [a["body"] for a in answers[:5]] == [
        "route before the mount",
        "mount after the route",
        "mount before the routes",
        "mount before the routes",
        {"detail": "Not Found"},
    ]


def test_shadowed_routes_are_still_listed_and_named() -> None:
    ours, theirs = both(mount_order_app)
    for app in (ours, theirs):
        assert app.url_path_for("shadowed") == "/after/inner"
        assert "/after/inner" in app.openapi()["paths"]


def test_a_root_mount_stays_behind_every_route() -> None:
    """Deliberate (docs/api.md, "include_router, mount"): in FastAPI a mount at "/"
    takes every route added after it; asgiweb serves those routes."""
    app = App()
    site = App()

    @site.get("/{page}")
    def page(page: str):
        return f"site {page}"

    app.mount("/", site)

    @app.get("/api")
    def api():
        return "api"

    client = TestClient(app)
    assert client.get("/api").json() == "api"
    assert client.get("/about").json() == "site about"


# -- url_path_for ----------------------------------------------------------------------


def converters_app(fw: Framework) -> Any:
    app = fw.App()

    @app.get("/s/{value}", name="str")
    def as_str(value: str):
        return value  # pragma: no cover

    @app.get("/i/{value:int}", name="int")
    def as_int(value: int):
        return value  # pragma: no cover

    @app.get("/f/{value:float}", name="float")
    def as_float(value: float):
        return value  # pragma: no cover

    @app.get("/p/{value:path}", name="path")
    def as_path(value: str):
        return value  # pragma: no cover

    @app.websocket("/ws/{value}", name="ws")
    async def as_ws(websocket: Any, value: str):
        await websocket.close()  # pragma: no cover

    return app


PAIR = both(converters_app)


def built(app: Any, name: str, value: Any) -> str | None:
    """The path ``url_path_for`` gives, or None where it refuses the value (asgiweb:
    ValueError, Starlette: AssertionError)."""
    try:
        return str(app.url_path_for(name, value=value))
    except (ValueError, AssertionError):
        return None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("str", "a/b"),
        ("str", ""),
        ("str", "a b?#"),
        ("str", 7),
        ("ws", "x/y"),
        ("int", -1),
        ("int", True),
        ("float", 0.1),
        ("float", 1e20),
        ("float", -0.5),
        ("float", float("nan")),
        ("float", float("inf")),
        ("path", "a/b/c"),
        ("path", "/lead"),
        ("path", ""),
    ],
)
def test_url_path_for_refuses_what_starlette_refuses(name: str, value: Any) -> None:
    ours, theirs = PAIR
    assert built(ours, name, value) == built(theirs, name, value)


def test_refusals_are_value_errors() -> None:
    ours, _ = PAIR
    with pytest.raises(ValueError, match="may not contain '/'"):
        ours.url_path_for("str", value="a/b")
    with pytest.raises(ValueError, match="negative"):
        ours.url_path_for("int", value=-3)


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.text(max_size=12), st.integers(-5, 10**6), st.floats(allow_nan=True)))
def test_url_path_for_builds_paths_that_route_back(value: Any) -> None:
    """What one refuses the other refuses, the others give the same link, and the
    link is routed back to the same route, with the value as the converter reads it."""
    ours, theirs = PAIR
    for name in ("str", "int", "float", "path"):
        try:
            kind = {"str": str, "path": str, "int": int, "float": float}[name]
            typed = kind(value)
        except (ValueError, OverflowError):
            continue
        path = built(ours, name, typed)
        if name == "float" and typed == 0:
            # -0.0: Starlette writes "/f/-0", which no route matches; asgiweb "/f/0".
            assert path == "/f/0"
        else:
            assert path == built(theirs, name, typed)
        if path is not None:
            # As a server reads the link: percent-escapes decoded (a "%" of the
            # value itself is not escaped, by Starlette either: those are left out).
            route, params, _ = ours.router.table.lookup(unquote(path), "GET")
            assert route is not None and route.name == name, path
            if name in ("str", "path") and "%" not in typed:
                assert params["value"] == typed


# -- 205 Reset Content -----------------------------------------------------------------


def reset_app(fw: Framework) -> Any:
    app = fw.App()

    @app.post("/declared", status_code=205)
    def declared():
        return {"saved": True}

    @app.post("/temporary")
    def temporary(response: fw.Response):
        response.status_code = 205
        return {"saved": True}

    @app.post("/explicit")
    def explicit():
        return fw.responses.Response(b"as given", status_code=205)

    return app


def sent(app: Any, path: str) -> tuple[int, dict[bytes, bytes], bytes]:
    """The status, headers and body bytes the app sends (no client in between)."""
    peer = run_asgi(app, http_scope("POST", path), conform=False)
    start = peer.sent[0]
    body = b"".join(m.get("body", b"") for m in peer.sent[1:])
    return start["status"], dict(start["headers"]), body


@pytest.mark.parametrize("path", ["/declared", "/temporary"])
def test_a_205_made_from_a_value_has_no_content(path: str) -> None:
    """Both send no content; FastAPI keeps the length of the dropped body
    (``content-length: 14``, a message a client waits on), asgiweb says 0
    (RFC 9110 §15.3.6; docs/api.md, "Return values")."""
    ours, theirs = both(reset_app)
    status, headers, body = sent(ours, path)
    assert (status, headers[b"content-length"], body) == (205, b"0", b"")
    status, headers, body = sent(theirs, path)
    assert (status, headers[b"content-length"], body) == (205, b"14", b"")
    assert TestClient(ours).post(path).content == b""


def test_a_205_response_returned_as_it_is_is_sent_as_it_is() -> None:
    same_answers(reset_app, [Call.post("/explicit")], headers=("content-length",))


# -- parameters no request could fill: refused at registration -------------------------


class Pair(BaseModel):
    a: int


def register(fw: Framework, path: str, annotation: Any, marker: str | None) -> Any:
    """Add a GET route with one parameter ``p`` of this annotation (with
    ``fw.<marker>()`` as its default when given); return the exception or None."""
    app = fw.App()

    def handler(p: Any = ...) -> None:
        pass  # pragma: no cover

    handler.__annotations__ = {"p": annotation}
    handler.__defaults__ = (getattr(fw, marker)(),) if marker else None
    try:
        app.get(path)(handler)
    except (TypeError, AssertionError) as exc:
        return exc
    return None


REFUSED = [
    ("/{p}", list[Pair], None),
    ("/{p}", tuple[int, int], None),
    ("/{p}", dict[str, int], None),
    ("/{p}", list, None),
    ("/{p}", set, None),
    ("/{p}", dict, None),
    ("/{p}", int | list[int], None),
    ("/", list[Pair], "Query"),
    ("/", tuple[Pair, Pair], "Query"),
    ("/", dict[str, int], "Query"),
    ("/", dict | None, "Query"),
    ("/", list[dict[str, int]] | None, "Query"),
]
ACCEPTED = [
    ("/{p}", int, None),
    ("/{p}", str | None, None),
    ("/", list[int], "Query"),
    ("/", list[int] | None, "Query"),
    ("/", list, "Query"),
    ("/", tuple[int, ...], "Query"),
    ("/", set[str], "Header"),
    ("/", Pair, "Query"),
    # Not checked for headers and cookies, by FastAPI either.
    ("/", list[dict[str, int]] | None, "Header"),
    ("/", dict, "Cookie"),
]


@pytest.mark.parametrize(("path", "annotation", "marker"), REFUSED)
def test_unreadable_parameters_are_refused(path: str, annotation: Any, marker: str | None) -> None:
    """FastAPI refuses with an AssertionError; asgiweb with a TypeError naming the
    parameter (docs/api.md, "Markers")."""
    ours, theirs = frameworks()
    assert isinstance(register(theirs, path, annotation, marker), AssertionError)
    refused = register(ours, path, annotation, marker)
    assert isinstance(refused, TypeError)
    assert "parameter 'p' must be" in str(refused)


@pytest.mark.parametrize(("path", "annotation", "marker"), ACCEPTED)
def test_readable_parameters_are_accepted(path: str, annotation: Any, marker: str | None) -> None:
    ours, theirs = frameworks()
    assert register(theirs, path, annotation, marker) is None
    assert register(ours, path, annotation, marker) is None


@pytest.mark.filterwarnings("ignore:Duplicate Operation ID")  # both warn alike
def test_the_apps_callbacks_come_before_every_routes() -> None:
    """``App(callbacks=...)`` documents them on every route, included ones too,
    before the router's and the route's own."""

    def build(fw: Framework) -> Any:
        hooks = {}
        for level in ("app", "router", "route"):
            hook = fw.Router()
            hook.get("/{$request.body#/url}", name=f"{level}_hook")(lambda: None)
            hooks[level] = hook.routes
        app = fw.App(callbacks=hooks["app"])
        router = fw.Router(prefix="/r", callbacks=hooks["router"])

        @router.get("/item", callbacks=hooks["route"])
        def item():
            return "item"  # pragma: no cover

        @app.get("/own")
        def own():
            return "own"  # pragma: no cover

        app.include_router(router)
        return app

    found = []
    for app in both(build):
        paths = TestClient(app).get("/openapi.json").json()["paths"]
        found.append(
            {path: list(operation["get"].get("callbacks", {})) for path, operation in paths.items()}
        )
    assert found[0] == found[1]
    assert found[0]["/r/item"] == ["app_hook", "router_hook", "route_hook"]


def empty_path_app(fw: Framework) -> Any:
    """``@router.get("")`` on a router without a prefix: its path is the include's."""
    app = fw.App()
    items = fw.Router()

    @items.get("")
    def listing():
        return ["listing"]

    @items.websocket("")
    async def feed(websocket: fw.WebSocket):
        await websocket.accept()
        await websocket.send_text("feed")
        await websocket.close()

    outer = fw.Router()
    outer.include_router(items, prefix="/items")
    app.include_router(outer)
    app.include_router(items, prefix="/again")
    return app


def test_a_route_with_an_empty_path_takes_the_prefix_it_is_included_under() -> None:
    answers = same_answers(empty_path_app, ["/items", "/again", "/items/", "/"])
    assert [a["status"] for a in answers] == [200, 200, 200, 404]
    for app in both(empty_path_app):
        with TestClient(app).websocket_connect("/again") as ws:
            assert ws.receive_text() == "feed"


def test_an_empty_path_included_without_a_prefix_is_refused() -> None:
    """FastAPI raises its FastAPIError; asgiweb a ValueError (docs/api.md)."""
    items = Router()

    @items.get("")
    def listing():
        return []  # pragma: no cover

    with pytest.raises(ValueError, match="include its router with a prefix"):
        App().include_router(items)
    later = Router()
    App().include_router(later)
    with pytest.raises(ValueError, match="include its router with a prefix"):
        later.get("")(listing)
