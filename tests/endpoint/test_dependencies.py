"""Depends(): the graph compiled at registration, solved per request as FastAPI solves it."""

import contextlib
import dataclasses
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import anyio
import pytest

from asgiweb import App, Depends, HTTPException, Query, Request
from asgiweb._endpoint.plan import compile_endpoint
from asgiweb.params import Depends as DependsMarker
from asgiweb.responses import JSONResponse, StreamingResponse
from asgiweb.testclient import TestClient
from tests.oracle.sidebyside import Call, Framework, same_answers


def test_depends_function_returns_marker() -> None:
    marker = Depends(len, use_cache=False, scope="function")
    assert isinstance(marker, DependsMarker)
    assert (marker.dependency, marker.use_cache, marker.scope) == (len, False, "function")
    with pytest.raises(ValueError, match="scope"):
        Depends(len, scope="session")  # type: ignore[arg-type]


# -- the same answers as FastAPI -----------------------------------------------------


def build_kinds(fw: Framework) -> Any:
    app = fw.App()

    async def common(q: str | None = None, skip: int = 0, limit: int = 100) -> dict[str, Any]:
        return {"q": q, "skip": skip, "limit": limit}

    def sync_common(token: Annotated[str, fw.Header()]) -> str:
        return token

    class Paging:
        def __init__(self, page: int = 1, size: Annotated[int, fw.Query(le=50)] = 10) -> None:
            self.page = page
            self.size = size

    class Caller:
        async def __call__(self, x_user: Annotated[str | None, fw.Header()] = None) -> str:
            return x_user or "anonymous"

    @app.get("/items/")
    async def items(commons: Annotated[dict[str, Any], fw.Depends(common)]) -> Any:
        return commons

    @app.get("/token")
    def token(value: str = fw.Depends(sync_common)) -> Any:
        return {"token": value}

    @app.get("/pages")
    async def pages(paging: Annotated[Paging, fw.Depends()]) -> Any:
        return {"page": paging.page, "size": paging.size}

    @app.get("/caller/{item_id}")
    async def caller(item_id: int, who: Annotated[str, fw.Depends(Caller())]) -> Any:
        return {"item_id": item_id, "who": who}

    return app


def test_function_class_and_callable_dependencies_match_fastapi() -> None:
    same_answers(
        build_kinds,
        [
            "/items/",
            "/items/?q=a&skip=2&limit=3",
            "/items/?skip=x&limit=y",
            "/token",
            Call("GET", "/token", headers={"token": "abc"}),
            "/pages?page=2&size=20",
            "/pages?page=x&size=99",
            "/caller/3",
            Call("GET", "/caller/x", headers={"x-user": "ann"}),
        ],
    )


def build_errors(fw: Framework) -> Any:
    app = fw.App()

    def inner(n: int, h: Annotated[int, fw.Header()]) -> int:
        return n + h

    async def outer(inner_value: int = fw.Depends(inner), m: int = 0) -> int:
        return inner_value * m

    @dataclasses.dataclass
    class Item:
        name: str
        price: float

    def body_dep(item: Item) -> Item:
        return item

    @app.post("/e/{pid}")
    async def endpoint(
        pid: int,
        z: int,
        value: int = fw.Depends(outer),
        item: Item = fw.Depends(body_dep),
        extra: Annotated[int, fw.Body()] = 1,
    ) -> Any:
        return {"pid": pid, "z": z, "value": value, "item": item, "extra": extra}

    return app


def test_errors_of_dependencies_and_handler_in_one_422_in_fastapi_order() -> None:
    answers = same_answers(
        build_errors,
        [
            Call("POST", "/e/x"),
            Call("POST", "/e/1?n=a&m=b&z=c", headers={"h": "q"}, json={"item": {"name": 1}}),
            Call(
                "POST",
                "/e/1?n=2&m=3&z=4",
                headers={"h": "5"},
                json={"item": {"name": "a", "price": 2}},
            ),
            Call(
                "POST",
                "/e/1?n=2&m=3&z=4",
                headers={"h": "5"},
                json={"item": {"name": "a", "price": 2}, "extra": 9},
            ),
        ],
    )
    assert answers[0]["status"] == 422
    assert answers[3]["body"]["value"] == 21


def build_levels(fw: Framework) -> Any:
    seen: list[str] = []

    def mark(label: str) -> Any:
        async def dependency(request: fw.Request) -> None:
            seen.append(label)
            request.state.seen = list(seen)

        dependency.__name__ = f"mark_{label}"
        return dependency

    app = fw.App(dependencies=[fw.Depends(mark("app"))])
    router = fw.Router(dependencies=[fw.Depends(mark("router"))])

    @router.get("/levels", dependencies=[fw.Depends(mark("route"))])
    async def levels(request: fw.Request) -> Any:
        result = list(seen)
        seen.clear()
        return result

    app.include_router(router, prefix="/r", dependencies=[fw.Depends(mark("include"))])
    return app


def test_app_include_router_and_route_dependencies_run_in_fastapi_order() -> None:
    answers = same_answers(build_levels, ["/r/levels", "/r/levels"])
    assert answers[0]["body"] == ["app", "include", "router", "route"]


def build_guard(fw: Framework) -> Any:
    async def verify_token(x_token: Annotated[str, fw.Header()]) -> None:
        if x_token != "secret":
            raise fw.HTTPException(status_code=400, detail="X-Token header invalid")

    async def verify_key(x_key: Annotated[str, fw.Header()]) -> str:
        if x_key != "key":
            raise fw.HTTPException(status_code=400, detail="X-Key header invalid")
        return x_key

    app = fw.App()

    @app.get("/guarded", dependencies=[fw.Depends(verify_token), fw.Depends(verify_key)])
    async def guarded(q: int) -> Any:
        return {"q": q}

    return app


def test_route_dependencies_raise_before_handler_parameters_are_checked() -> None:
    same_answers(
        build_guard,
        [
            "/guarded",
            Call("GET", "/guarded?q=x", headers={"x-token": "no"}),
            Call("GET", "/guarded?q=x", headers={"x-token": "secret", "x-key": "key"}),
            Call("GET", "/guarded?q=1", headers={"x-token": "secret", "x-key": "nope"}),
            Call("GET", "/guarded?q=1", headers={"x-token": "secret", "x-key": "key"}),
        ],
    )


def build_injected(fw: Framework) -> Any:
    app = fw.App()
    done: list[str] = []

    def set_header(response: fw.Response, tasks: fw.BackgroundTasks) -> str:
        response.headers["x-dep"] = "yes"
        response.status_code = 201
        tasks.add_task(done.append, "dep")
        return "ok"

    @app.get("/injected")
    async def injected(
        tasks: fw.BackgroundTasks, value: Annotated[str, fw.Depends(set_header)]
    ) -> Any:
        tasks.add_task(done.append, "handler")
        return {"value": value, "done": list(done)}

    return app


def test_response_and_background_tasks_are_shared_with_dependencies() -> None:
    calls = [Call("GET", "/injected", compare_headers=("x-dep", "content-length"))] * 2
    answers = same_answers(build_injected, calls)
    assert answers[0]["status"] == 201
    assert answers[1]["body"]["done"] == ["dep", "handler"]


# -- caching -------------------------------------------------------------------------


def test_one_call_per_request_when_cached_and_every_time_when_not() -> None:
    calls: list[str] = []

    async def counted() -> int:
        calls.append("counted")
        return len(calls)

    async def uses_it(a: int = Depends(counted)) -> int:
        return a

    async def uncached(a: int = Depends(counted, use_cache=False)) -> int:
        return a

    app = App()

    @app.get("/cached")
    async def cached(x: int = Depends(counted), y: int = Depends(uses_it)) -> Any:
        return [x, y]

    @app.get("/fresh")
    async def fresh(x: int = Depends(counted), y: int = Depends(uncached)) -> Any:
        return [x, y]

    with TestClient(app) as client:
        assert client.get("/cached").json() == [1, 1]
        assert client.get("/cached").json() == [2, 2]
        calls.clear()
        assert client.get("/fresh").json() == [1, 2]


def test_sub_dependencies_to_any_depth() -> None:
    def level(n: int) -> Any:
        if n == 0:

            async def base(q: int = 1) -> int:
                return q

            return base

        below = level(n - 1)

        async def step(value: int = Depends(below)) -> int:
            return value + 1

        step.__name__ = f"step{n}"
        return step

    app = App()
    deepest = level(30)

    @app.get("/deep")
    async def deep(value: int = Depends(deepest)) -> int:
        return value

    with TestClient(app) as client:
        assert client.get("/deep?q=5").json() == 35
        assert client.get("/deep?q=x").json()["detail"][0]["loc"] == ["query", "q"]


# -- yield ---------------------------------------------------------------------------


def test_yield_exit_code_runs_after_the_response_is_sent_by_default() -> None:
    events: list[str] = []

    async def session() -> AsyncIterator[str]:
        events.append("enter")
        yield "db"
        events.append("exit-request")

    def sync_session() -> Iterator[str]:
        events.append("enter-sync")
        yield "sync"
        events.append("exit-sync")

    async def scoped() -> AsyncIterator[str]:
        yield "f"
        events.append("exit-function")

    app = App()

    @app.get("/y")
    async def handler(
        a: str = Depends(session),
        b: str = Depends(sync_session),
        c: str = Depends(scoped, scope="function"),
    ) -> Any:
        events.append("handler")
        return [a, b, c]

    async def recording(scope: Any, receive: Any, send: Any) -> None:
        async def spy(message: Any) -> None:
            if message["type"] == "http.response.body":
                events.append("sent")
            await send(message)

        await app(scope, receive, spy)

    with TestClient(recording) as client:
        assert client.get("/y").json() == ["db", "sync", "f"]
    assert events == [
        "enter",
        "enter-sync",
        "handler",
        "exit-function",
        "sent",
        "exit-sync",
        "exit-request",
    ]


def test_handler_exception_reaches_generators_and_can_become_an_http_error() -> None:
    seen: list[Any] = []

    class Boom(Exception):
        pass

    async def translate() -> AsyncIterator[None]:
        try:
            yield
        except Boom as exc:
            seen.append(type(exc).__name__)
            raise HTTPException(418, "translated") from exc

    def observe() -> Iterator[None]:
        try:
            yield
        except Exception as exc:
            seen.append(("sync saw", type(exc).__name__))
            raise
        finally:
            seen.append("sync finally")

    app = App()

    @app.get("/boom", dependencies=[Depends(translate), Depends(observe)])
    async def boom() -> None:
        raise Boom

    with TestClient(app) as client:
        r = client.get("/boom")
    assert (r.status_code, r.json()) == (418, {"detail": "translated"})
    assert seen == [("sync saw", "Boom"), "sync finally", "Boom"]


def build_swallow(fw: Framework) -> Any:
    app = fw.App()

    async def swallowing() -> AsyncIterator[None]:
        with contextlib.suppress(Exception):
            yield

    @app.get("/swallow", dependencies=[fw.Depends(swallowing)])
    async def swallow() -> None:
        raise ValueError("lost")

    return app


def test_a_generator_that_swallows_the_error_is_a_server_error() -> None:
    answers = same_answers(
        build_swallow,
        [Call("GET", "/swallow", compare_headers=())],
        client_options={"raise_server_exceptions": False},  # the 500 is the answer compared
    )
    assert answers[0]["status"] == 500


def build_yield_http(fw: Framework) -> Any:
    app = fw.App()
    log: list[str] = []

    async def owner(x_user: Annotated[str, fw.Header()]) -> AsyncIterator[str]:
        log.append("open")
        try:
            yield x_user
        except fw.HTTPException:
            log.append("saw http error")
            raise
        finally:
            log.append("close")

    @app.get("/items/{item_id}")
    async def read(item_id: str, user: Annotated[str, fw.Depends(owner)]) -> Any:
        if item_id == "plumbus":
            raise fw.HTTPException(status_code=403, detail="Not the owner")
        return {"item": item_id, "user": user, "log": list(log)}

    @app.get("/log")
    async def get_log() -> Any:
        return log

    return app


def test_http_exception_inside_yield_dependency_matches_fastapi() -> None:
    same_answers(
        build_yield_http,
        [
            Call("GET", "/items/portal-gun", headers={"x-user": "rick"}),
            Call("GET", "/items/plumbus", headers={"x-user": "rick"}),
            "/items/plumbus",
            "/log",
        ],
    )


def test_exit_code_runs_when_the_client_disconnects_mid_stream() -> None:
    events: list[str] = []

    async def resource() -> AsyncIterator[str]:
        events.append("open")
        try:
            yield "r"
        finally:
            events.append("closed")

    app = App()

    @app.get("/stream")
    async def stream(value: str = Depends(resource)) -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(1000):
                yield b"x" * 10
                await anyio.sleep(0)

        return StreamingResponse(chunks())

    async def run() -> None:
        messages = [{"type": "http.request", "body": b"", "more_body": False}]
        sent: list[Any] = []

        async def receive() -> Any:
            if messages:
                return messages.pop()
            await anyio.sleep(0.01)
            return {"type": "http.disconnect"}

        async def send(message: Any) -> None:
            sent.append(message)
            if len(sent) > 3:
                raise OSError("connection lost")

        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": "/stream",
            "raw_path": b"/stream",
            "root_path": "",
            "query_string": b"",
            "headers": [],
            "server": ("test", 80),
            "client": ("test", 1),
        }
        with anyio.fail_after(5):
            with contextlib.suppress(OSError):
                await app(scope, receive, send)

    anyio.run(run)
    assert events == ["open", "closed"]


def test_request_scope_may_not_depend_on_function_scope() -> None:
    async def short() -> AsyncIterator[int]:
        yield 1

    async def long(value: int = Depends(short, scope="function")) -> AsyncIterator[int]:
        yield value

    async def handler(value: int = Depends(long)) -> int:
        return value

    with pytest.raises(TypeError, match='scope "request" cannot depend on'):
        compile_endpoint(handler, path_params={}, response_class=JSONResponse, status_code=None)


# -- overrides -----------------------------------------------------------------------


def build_overrides(fw: Framework) -> Any:
    app = fw.App()

    async def common(q: str | None = None) -> dict[str, Any]:
        return {"q": q, "source": "real"}

    async def override(limit: int) -> dict[str, Any]:
        return {"limit": limit, "source": "override"}

    @app.get("/users/")
    async def users(commons: Annotated[dict[str, Any], fw.Depends(common)]) -> Any:
        return commons

    app.state.pair = (common, override)
    return app


def test_dependency_overrides_are_read_per_request() -> None:
    for framework in ("asgiweb", "fastapi"):
        if framework == "fastapi":
            pytest.importorskip("fastapi")
        app = build_overrides(Framework(framework))
        common, override = app.state.pair
        with TestClient(app) as client:
            assert client.get("/users/?q=a").json() == {"q": "a", "source": "real"}
            app.dependency_overrides[common] = override
            assert client.get("/users/?limit=3").json() == {"limit": 3, "source": "override"}
            r = client.get("/users/")
            assert r.status_code == 422
            assert r.json()["detail"][0]["loc"] == ["query", "limit"]
            app.dependency_overrides.clear()
            assert client.get("/users/").json() == {"q": None, "source": "real"}


def test_override_of_a_nested_and_route_level_dependency() -> None:
    async def real() -> str:
        raise HTTPException(401)

    async def middle(value: str = Depends(real)) -> str:
        return "middle:" + value

    app = App()

    @app.get("/n", dependencies=[Depends(real)])
    async def nested(value: str = Depends(middle)) -> str:
        return value

    with TestClient(app) as client:
        assert client.get("/n").status_code == 401
        app.dependency_overrides[real] = lambda: "fake"
        assert client.get("/n").json() == "middle:fake"


# -- registration errors ----------------------------------------------------------------


def test_cycle_is_a_type_error_naming_the_chain() -> None:
    def first(value: Any = None) -> Any:
        return value

    def second(value: Any = Depends(first)) -> Any:
        return value

    first.__defaults__ = (Depends(second),)
    # ``first`` now depends on ``second``, which depends on ``first``.
    app = App()
    with pytest.raises(
        TypeError, match=r"dependency cycle: .*handler -> .*first -> .*second -> .*first"
    ):

        @app.get("/cycle")
        async def handler(value: Any = Depends(first)) -> Any:
            return value


def test_unresolvable_parameter_names_the_chain() -> None:
    class Opaque:
        pass

    def needs(thing: Opaque) -> None:
        return None

    def middle(x: None = Depends(needs)) -> None:
        return None

    app = App()
    with pytest.raises(TypeError, match=r"handler -> .*middle -> .*needs: parameter 'thing'"):

        @app.get("/bad")
        async def handler(x: None = Depends(middle)) -> None:
            return None


def test_depends_without_callable_needs_a_class_annotation() -> None:
    app = App()
    with pytest.raises(TypeError, match="Depends\\(\\) without a dependency"):

        @app.get("/bad")
        async def handler(x: Any = Depends()) -> None:
            return None


def test_dependencies_list_must_hold_markers() -> None:
    app = App()
    with pytest.raises(TypeError, match="dependencies"):

        @app.get("/bad", dependencies=[len])
        async def handler() -> None:
            return None


def test_handler_without_parameters_still_runs_route_dependencies() -> None:
    hits: list[int] = []

    async def count(n: Annotated[int, Query()] = 1) -> None:
        hits.append(n)

    app = App()

    @app.get("/bare", dependencies=[Depends(count)])
    async def bare() -> str:
        return "ok"

    with TestClient(app) as client:
        assert client.get("/bare?n=4").json() == "ok"
        assert client.get("/bare?n=x").status_code == 422
    assert hits == [4]


def test_dependency_reads_request_and_body() -> None:
    async def raw(request: Request) -> bytes:
        return await request.body()

    app = App()

    @app.post("/raw")
    async def handler(data: bytes = Depends(raw)) -> Any:
        return {"len": len(data)}

    with TestClient(app) as client:
        assert client.post("/raw", content=b"abcd").json() == {"len": 4}


def test_override_may_map_a_dependency_to_itself_and_shares_its_cache() -> None:
    calls: list[int] = []

    async def counted() -> int:
        calls.append(1)
        return len(calls)

    async def replacement() -> int:
        calls.append(100)
        return 100

    app = App()

    @app.get("/same")
    async def same(a: int = Depends(counted), b: int = Depends(counted)) -> list[int]:
        return [a, b]

    with TestClient(app) as client:
        app.dependency_overrides[counted] = counted
        assert client.get("/same").json() == [1, 1]
        app.dependency_overrides[counted] = replacement
        assert client.get("/same").json() == [100, 100]
    assert calls == [1, 100]


def build_shared_errors(fw: Framework) -> Any:
    app = fw.App()

    def needs(n: int) -> int:
        return n

    def mid(a: Annotated[int, fw.Depends(needs)], m: int) -> int:
        return a + m

    @app.get("/twice")
    async def twice(
        a: Annotated[int, fw.Depends(needs)],
        b: Annotated[int, fw.Depends(mid)],
        c: Annotated[int, fw.Depends(needs)],
    ) -> Any:
        return [a, b, c]

    return app


def test_a_shared_dependency_reports_its_errors_where_it_appears_as_fastapi_does() -> None:
    answers = same_answers(build_shared_errors, ["/twice", "/twice?n=1", "/twice?n=1&m=2"])
    assert len(answers[0]["body"]["detail"]) == 4  # n three times (once per appearance), m once
