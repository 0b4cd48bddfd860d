"""The generated fill of a dependency graph (``dependencies._flat_filler``).

While ``app.dependency_overrides`` is empty a route's graph runs as one generated
coroutine; these tests pin what it must keep from the recursive runners, most of
them against FastAPI: the order dependencies run and report errors in, the cache,
the exit code of generators, overrides that appear (and go) after the first request.
"""

import inspect
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any, NoReturn

import anyio
import pytest
from hypothesis import given
from hypothesis import strategies as st

from asgiweb import App, Depends
from asgiweb._endpoint.dependencies import ExitAfterSend, compile_graph, compile_solver
from asgiweb.datastructures import Headers
from asgiweb.requests import Request
from asgiweb.testclient import TestClient
from tests.harness import Peer, http_scope
from tests.oracle.sidebyside import Call, Framework, same_answers

# -- the fast path is the one taken --------------------------------------------------


def test_a_graph_without_forms_gets_a_generated_solver() -> None:
    async def leaf(q: int = 0) -> int:
        return q

    async def handler(value: Annotated[int, Depends(leaf)]) -> int:
        return value

    def reject(ctx: Any) -> NoReturn:
        raise AssertionError(ctx.errors)

    root, _ = compile_graph(handler, dependencies=(), path_params={})
    solve = compile_solver(root, handler, is_async=True, reject=reject)
    assert solve.__qualname__.startswith("solve[")
    # The callables of the graph are bound by name in it, not looked up per request.
    assert leaf in solve.__globals__.values()  # type: ignore[attr-defined]


def test_any_callable_name_compiles() -> None:
    async def odd(q: int = 1) -> int:
        return q

    odd.__qualname__ = 'odd\nname"  # not a comment'
    app = App()

    @app.get("/")
    async def handler(value: Annotated[int, Depends(odd)]) -> int:
        return value

    with TestClient(app) as client:
        assert client.get("/?q=3").json() == 3


# -- one generator among plain dependencies (the benchmark's shape) -----------------


def build_one_generator(fw: Framework) -> Any:
    app = fw.App()
    events: list[Any] = []
    app.state.events = events

    class Boom(Exception):
        pass

    async def page(skip: int = 0) -> int:
        events.append(("page", skip))
        return skip

    async def token(x_token: Annotated[str, fw.Header()]) -> str:
        events.append("token")
        return x_token

    async def user(value: Annotated[str, fw.Depends(token)]) -> str:
        if value != "good":
            raise fw.HTTPException(401, "Invalid token")
        events.append("user")
        return "alice"

    async def session() -> AsyncIterator[dict[str, str]]:
        state = {"state": "open"}
        events.append("session open")
        try:
            yield state
        except fw.HTTPException as exc:
            events.append(("session saw", exc.status_code))
            raise
        except Boom as exc:
            events.append("session saw Boom")
            raise fw.HTTPException(418, "teapot") from exc
        finally:
            state["state"] = "closed"
            events.append("session closed")

    @app.get("/items/{item_id}")
    async def item(
        item_id: int,
        skip: Annotated[int, fw.Depends(page)],
        name: Annotated[str, fw.Depends(user)],
        db: Annotated[dict[str, str], fw.Depends(session)],
        fail: str | None = None,
    ) -> Any:
        events.append("handler")
        if fail == "http":
            raise fw.HTTPException(404, "no such item")
        if fail == "boom":
            raise Boom
        return {"item_id": item_id, "skip": skip, "user": name, "session": db["state"]}

    @app.get("/events")
    async def read_events() -> Any:
        found = list(events)
        events.clear()
        return found

    return app


def test_one_generator_dependency_exit_code_and_errors_match_fastapi() -> None:
    good = {"x-token": "good"}
    answers = same_answers(
        build_one_generator,
        [
            Call.get("/items/3?skip=2", headers=good),
            "/events",
            Call.get("/items/3?fail=http", headers=good),
            "/events",
            Call.get("/items/3?fail=boom", headers=good),
            "/events",
            Call.get("/items/3", headers={"x-token": "bad"}),
            "/events",
            Call.get("/items/x?skip=y"),  # every error in one 422, no dependency called
            "/events",
        ],
    )
    assert answers[0]["body"] == {"item_id": 3, "skip": 2, "user": "alice", "session": "open"}
    assert answers[1]["body"] == [
        ["page", 2], "token", "user", "session open", "handler", "session closed"
    ]  # fmt: skip
    assert answers[3]["body"][-2:] == [["session saw", 404], "session closed"]
    assert (answers[4]["status"], answers[5]["body"][-2]) == (418, "session saw Boom")
    assert answers[6]["status"] == 401 and "session open" not in answers[7]["body"]
    # Dependencies whose parameters are fine still run (FastAPI solves them all).
    assert answers[8]["status"] == 422
    assert answers[9]["body"] == ["session open", "session closed"]
    assert [error["loc"] for error in answers[8]["body"]["detail"]] == [
        ["query", "skip"], ["header", "x-token"], ["path", "item_id"]
    ]  # fmt: skip


# -- overrides that appear after the first request -----------------------------------


def build_late_override(fw: Framework) -> Any:
    app = fw.App()

    async def inner(q: str = "real") -> str:
        return q

    async def outer(value: Annotated[str, fw.Depends(inner)]) -> str:
        return f"outer({value})"

    async def replacement(limit: int) -> str:
        return f"replaced({limit})"

    @app.get("/")
    async def root(
        a: Annotated[str, fw.Depends(outer)], b: Annotated[str, fw.Depends(inner)]
    ) -> Any:
        return [a, b]

    app.state.pair = (inner, replacement)
    return app


@pytest.mark.parametrize("name", ["asgiweb", "fastapi"])
def test_an_override_set_after_the_first_request_is_honoured_then_dropped(name: str) -> None:
    if name == "fastapi":
        pytest.importorskip("fastapi")
    app = build_late_override(Framework(name))
    inner, replacement = app.state.pair
    with TestClient(app) as client:
        assert client.get("/?q=x").json() == ["outer(x)", "x"]
        app.dependency_overrides[inner] = replacement
        assert client.get("/?limit=4").json() == ["outer(replaced(4))", "replaced(4)"]
        missing = client.get("/")
        assert missing.status_code == 422
        assert [e["loc"] for e in missing.json()["detail"]] == [["query", "limit"]] * 2
        app.dependency_overrides.clear()
        assert client.get("/").json() == ["outer(real)", "real"]
        app.dependency_overrides = {inner: replacement}  # a new dict, as tests often do
        assert client.get("/?limit=1").json() == ["outer(replaced(1))", "replaced(1)"]


# -- the cache ----------------------------------------------------------------------


def build_shared_cache(fw: Framework) -> Any:
    app = fw.App()
    calls: list[str] = []

    async def counted(n: int = 0) -> int:
        calls.append("counted")
        return len(calls) * 10 + n

    async def first(value: Annotated[int, fw.Depends(counted)]) -> int:
        return value

    async def second(value: Annotated[int, fw.Depends(counted)]) -> int:
        return value

    async def fresh(value: Annotated[int, fw.Depends(counted, use_cache=False)]) -> int:
        return value

    @app.get("/shared")
    async def shared(
        a: Annotated[int, fw.Depends(first)], b: Annotated[int, fw.Depends(second)]
    ) -> Any:
        found = [a, b, len(calls)]
        calls.clear()
        return found

    @app.get("/uncached-first")
    async def uncached_first(
        a: Annotated[int, fw.Depends(fresh)],
        b: Annotated[int, fw.Depends(first)],
        c: Annotated[int, fw.Depends(fresh)],
    ) -> Any:
        found = [a, b, c, len(calls)]
        calls.clear()
        return found

    return app


def test_a_cached_sub_dependency_shared_by_two_dependencies_matches_fastapi() -> None:
    answers = same_answers(
        build_shared_cache,
        ["/shared", "/shared?n=1", "/shared?n=x", "/uncached-first?n=2"],
    )
    assert answers[0]["body"] == [10, 10, 1]  # called once, its value in both places
    assert answers[2]["status"] == 422
    assert len(answers[2]["body"]["detail"]) == 2  # reported where it appears, as FastAPI
    # The uncached one is called for each appearance, but the second ``fresh`` is a
    # cache hit: its sub-dependencies are solved again, its value is the first one.
    assert answers[3]["body"] == [12, 12, 12, 2]


# -- the exit order of several generators, and the two scopes -----------------------


def build_exit_order(fw: Framework) -> Any:
    app = fw.App()
    events: list[str] = []

    async def async_gen() -> AsyncIterator[str]:
        events.append("async enter")
        yield "a"
        events.append("async exit")

    def sync_gen() -> Iterator[str]:
        events.append("sync enter")
        yield "s"
        events.append("sync exit")

    async def function_gen() -> AsyncIterator[str]:
        events.append("function enter")
        yield "f"
        events.append("function exit")

    async def needs_sync(value: Annotated[str, fw.Depends(sync_gen)]) -> str:
        return value + "!"

    @app.get("/order")
    async def order(
        a: Annotated[str, fw.Depends(async_gen)],
        f: Annotated[str, fw.Depends(function_gen, scope="function")],
        s: Annotated[str, fw.Depends(needs_sync)],
    ) -> Any:
        events.append("handler")
        return [a, f, s]

    @app.get("/events")
    async def read_events() -> Any:
        found = list(events)
        events.clear()
        return found

    return app


def test_generators_exit_in_fastapi_order_for_both_scopes() -> None:
    answers = same_answers(build_exit_order, ["/order", "/events"])
    assert answers[0]["body"] == ["a", "f", "s!"]
    assert answers[1]["body"] == [
        "async enter", "function enter", "sync enter", "handler",
        "function exit", "sync exit", "async exit",
    ]  # fmt: skip


# -- injected and body parameters inside the generated fill -------------------------


def build_injected(fw: Framework) -> Any:
    app = fw.App()

    async def stamp(response: fw.Response, request: fw.Request) -> str:
        response.headers["x-stamp"] = request.url.path
        return "stamped"

    def later(tasks: fw.BackgroundTasks, name: Annotated[str, fw.Body(embed=True)]) -> str:
        tasks.add_task(app.state.done.append, name)
        return name

    @app.post("/injected")
    async def injected(
        s: Annotated[str, fw.Depends(stamp)], name: Annotated[str, fw.Depends(later)]
    ) -> Any:
        return [s, name]

    @app.get("/done")
    async def done() -> Any:
        return app.state.done

    app.state.done = []
    return app


def test_injected_and_body_parameters_of_dependencies_match_fastapi() -> None:
    answers = same_answers(
        build_injected,
        [
            Call.post("/injected", json={"name": "n"}, compare_headers=("x-stamp",)),
            Call.post("/injected", json={"other": 1}),
            "/done",
        ],
    )
    assert answers[0]["body"] == ["stamped", "n"]
    assert answers[0]["headers"]["x-stamp"] == "/injected"
    assert answers[1]["status"] == 422
    assert answers[2]["body"] == ["n"]


def build_scopes(fw: Framework) -> Any:
    app = fw.App()

    async def who(scopes: fw.security.SecurityScopes) -> list[str]:
        return scopes.scopes

    async def reader(found: Annotated[list[str], fw.Security(who, scopes=["read"])]) -> Any:
        return found

    @app.get("/scopes")
    async def scoped(
        a: Annotated[Any, fw.Security(reader, scopes=["me"])],
        b: Annotated[list[str], fw.Security(who, scopes=["write"])],
    ) -> Any:
        return [a, b]

    return app


def test_security_scopes_match_fastapi() -> None:
    answers = same_answers(build_scopes, ["/scopes"])
    assert answers[0]["body"] == [["me", "read"], ["write"]]


# -- how dependencies are called -------------------------------------------------------


def test_sync_dependencies_run_in_a_worker_thread_and_async_ones_on_the_loop() -> None:
    threads: dict[str, int] = {}

    def sync_dep() -> None:
        threads["sync"] = threading.get_ident()

    def sync_gen_dep() -> Iterator[None]:
        threads["sync gen"] = threading.get_ident()
        yield
        threads["sync gen exit"] = threading.get_ident()

    async def async_dep() -> None:
        threads["async"] = threading.get_ident()

    app = App()

    @app.get("/", dependencies=[Depends(sync_dep), Depends(sync_gen_dep), Depends(async_dep)])
    async def handler() -> Any:
        threads["handler"] = threading.get_ident()
        return "ok"

    with TestClient(app) as client:
        assert client.get("/").json() == "ok"
    assert threads["async"] == threads["handler"]
    assert threads["handler"] not in (
        threads["sync"], threads["sync gen"], threads["sync gen exit"]
    )  # fmt: skip


def test_a_generator_that_never_yields_is_an_error_naming_it() -> None:
    async def nothing_async() -> AsyncIterator[None]:
        if False:
            yield

    def nothing_sync() -> Iterator[None]:
        if False:
            yield

    app = App()

    @app.get("/async", dependencies=[Depends(nothing_async)])
    async def a() -> None:
        return None

    @app.get("/sync", dependencies=[Depends(nothing_sync)])
    async def s() -> None:
        return None

    with TestClient(app) as client:
        with pytest.raises(RuntimeError, match="nothing_async returned without yielding"):
            client.get("/async")
        with pytest.raises(RuntimeError, match="nothing_sync returned without yielding"):
            client.get("/sync")
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/async").status_code == 500


# -- the exit step of a single async generator, run without unwind ------------------


def test_a_single_generator_whose_exit_code_awaits_runs_it_to_the_end() -> None:
    events: list[str] = []

    async def slow_exit() -> AsyncIterator[str]:
        yield "v"
        await anyio.sleep(0.01)  # the exit step suspends: it is driven on, shielded
        await anyio.sleep(0)
        events.append("closed")

    app = App()

    @app.get("/")
    async def handler(value: Annotated[str, Depends(slow_exit)]) -> Any:
        return value

    with TestClient(app) as client:
        assert client.get("/").json() == "v"
        assert events == ["closed"]


@pytest.mark.parametrize("suspends", [False, True])
def test_a_single_generator_that_yields_twice_is_an_error(suspends: bool) -> None:
    async def twice() -> AsyncIterator[str]:
        yield "first"
        if suspends:
            await anyio.sleep(0)
        yield "second"

    app = App()

    @app.get("/")
    async def handler(value: Annotated[str, Depends(twice)]) -> Any:
        return value

    with TestClient(app) as client, pytest.raises(RuntimeError, match="yielded more than once"):
        client.get("/")


def test_a_single_generator_raising_in_its_exit_code_reaches_the_server() -> None:
    async def broken() -> AsyncIterator[str]:
        yield "v"
        raise LookupError("exit failed")

    app = App()

    @app.get("/")
    async def handler(value: Annotated[str, Depends(broken)]) -> Any:
        return value

    with TestClient(app) as client, pytest.raises(LookupError, match="exit failed"):
        client.get("/")


# -- the header a dependency reads: Headers.get before any index is built ------------

_NAMES = st.sampled_from([b"x-token", b"X-Token", b"host", b"\xc0b", b"\xe0b", b"accept", b"a"])


@given(
    raw=st.lists(st.tuples(_NAMES, st.binary(max_size=4)), max_size=6),
    key=st.sampled_from(["x-token", "X-TOKEN", "host", "\xc0b", "\xe0B", "a", "\u0130", ""]),
)
def test_a_first_header_lookup_answers_as_the_index_does(
    raw: list[tuple[bytes, bytes]], key: str
) -> None:
    fresh = Headers(raw=raw)
    indexed = Headers(raw=raw)
    assert indexed.getlist(key) is not None  # builds the index
    assert fresh.get(key) == indexed.get(key)
    assert fresh.get(key, "missing") == indexed.get(key, "missing")


def test_a_parameter_name_source_code_would_not_spell_is_still_passed() -> None:
    async def odd(**kwargs: Any) -> Any:
        return kwargs

    # NFKC would turn the ligature into "file" in source code; the call must not.
    odd.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter("\ufb01le", inspect.Parameter.KEYWORD_ONLY, default="d")]
    )
    app = App()

    @app.get("/")
    async def handler(value: Annotated[Any, Depends(odd)]) -> Any:
        return value

    with TestClient(app) as client:
        assert client.get("/", params={"\ufb01le": "x"}).json() == {"\ufb01le": "x"}
        assert client.get("/").json() == {"\ufb01le": "d"}


# -- a graph's data answer sent as its two messages, the exit code after them ---------


def build_exit_after_messages(fw: Framework) -> Any:
    app = fw.App()
    events: list[str] = []

    async def session() -> AsyncIterator[str]:
        events.append("open")
        try:
            yield "db"
        except Exception as exc:
            events.append(f"saw {type(exc).__name__}")
            raise
        finally:
            events.append("closed")

    def with_header(response: fw.Response) -> str:  # type: ignore[name-defined]
        response.headers["x-dep"] = "set"
        return "hdr"

    @app.get("/items/{item_id}")
    async def item(item_id: int, db: Annotated[str, fw.Depends(session)]) -> Any:
        events.append("handler")
        return {"item_id": item_id, "db": db}

    @app.get("/events")
    def seen() -> Any:
        found = list(events)
        events.clear()
        return found

    app.state.pair = (session, with_header)
    return app


def test_a_graph_answer_as_messages_matches_fastapi_and_head_gets_no_body() -> None:
    answers = same_answers(build_exit_after_messages, [Call.get("/items/3"), "/events"])
    assert answers[0]["body"] == {"item_id": 3, "db": "db"}
    assert answers[1]["body"] == ["open", "handler", "closed"]
    # HEAD (answered for GET routes, unlike FastAPI: docs/api.md): GET's headers, no body.
    with TestClient(build_exit_after_messages(Framework("asgiweb"))) as client:
        get, head = client.get("/items/4"), client.head("/items/4")
        assert (head.status_code, head.headers, head.content) == (200, get.headers, b"")
        assert client.get("/events").json() == ["open", "handler", "closed"] * 2


def test_a_graph_answer_as_messages_is_the_plan_s_and_a_failed_send_reaches_the_exit() -> None:
    app = build_exit_after_messages(Framework("asgiweb"))
    peer = Peer(disconnect_when_done=True)

    async def failing_send(message: dict[str, Any]) -> None:
        await peer.send(message)
        if message["type"] == "http.response.body":
            raise OSError("connection reset")

    scope = http_scope("GET", "/items/5")

    async def main() -> None:
        with pytest.raises(OSError):
            await app(scope, peer.receive, failing_send)

    anyio.run(main)
    route = scope["route"]
    assert peer.status == 200
    with TestClient(app) as client:
        assert client.get("/events").json() == ["open", "handler", "saw OSError", "closed"]
        # The plan's answer: the two messages inside the exit wrapper, no Response.
        request = Request(http_scope("GET", "/items/6"), path_params={"item_id": 6})
        answer = anyio.run(route.handle, request)
        assert isinstance(answer, ExitAfterSend) and isinstance(answer.inner, tuple)
        anyio.run(answer.exit_context.request_exits.pop()[0].aclose)


def test_an_override_injecting_a_response_still_shapes_the_answer() -> None:
    app = build_exit_after_messages(Framework("asgiweb"))
    session, with_header = app.state.pair
    app.dependency_overrides[session] = with_header
    with TestClient(app) as client:
        r = client.get("/items/7")
        assert r.json() == {"item_id": 7, "db": "hdr"} and r.headers["x-dep"] == "set"
        head = client.head("/items/7")
        assert head.content == b"" and head.headers["x-dep"] == "set"
