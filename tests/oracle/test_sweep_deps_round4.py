"""Dependencies and security, round four: side by side with FastAPI 0.165 (the oracle).

Apps are written once as ``build(fw)`` (``tests/oracle/sidebyside.py``) and the same
requests go to both frameworks.  Covered here: callables behind decorators (what is
awaited, what runs in a worker thread, what is entered as a generator), type aliases
holding ``Depends``, unknown ``Annotated`` metadata, hashable markers, security
schemes on WebSocket routes, and the code after ``yield`` on cancellation.
"""

import dataclasses
import functools
import inspect
import json
import threading
from collections.abc import Callable
from typing import Annotated, Any

import anyio
import pytest

from tests.harness import drive, http_scope
from tests.oracle.sidebyside import Call, Framework, ask, frameworks, same_answers

# -- decorated callables ---------------------------------------------------------------
#
# Each dependency is a target function behind a decorator.  The decorator's own frame
# notes the thread it runs in; the async handler compares it with its own (the event
# loop's), so "awaited on the loop" versus "called in a worker thread" is part of the
# answer, as is what the handler received.


def _note_thread(seen: list[int]) -> None:
    seen.append(threading.get_ident())


def keeping(seen: list[int]) -> Callable[[Any], Any]:
    """A plain ``def`` decorator that keeps the target's identity (functools.wraps)."""

    def decorate(target: Any) -> Any:
        @functools.wraps(target)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            _note_thread(seen)
            return target(*args, **kwargs)

        return wrapper

    return decorate


def hiding(seen: list[int]) -> Callable[[Any], Any]:
    """A plain ``def`` decorator with no ``__wrapped__``: nothing shows what it calls."""

    def decorate(target: Any) -> Any:
        def wrapper() -> Any:
            _note_thread(seen)
            return target()

        return wrapper

    return decorate


def awaiting(seen: list[int]) -> Callable[[Any], Any]:
    """An ``async def`` decorator around any target that returns a value."""

    def decorate(target: Any) -> Any:
        @functools.wraps(target)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            _note_thread(seen)
            value = target(*args, **kwargs)
            return await value if inspect.isawaitable(value) else value

        return wrapper

    return decorate


async def _async_value() -> str:
    return "async"


def _sync_value() -> str:
    return "sync"


async def _async_gen() -> Any:
    yield "async gen"


def _sync_gen() -> Any:
    yield "sync gen"


class _Made:
    def __init__(self) -> None:
        self.value = "made"


class _AsyncCall:
    async def __call__(self) -> str:
        return "async call"


class _SyncCall:
    def __call__(self) -> str:
        return "sync call"


class _GenCall:
    def __call__(self) -> Any:
        yield "gen call"


TARGETS: dict[str, Any] = {
    "async": _async_value,
    "sync": _sync_value,
    "async-gen": _async_gen,
    "sync-gen": _sync_gen,
    "class": _Made,
    "async-call": _AsyncCall(),
    "sync-call": _SyncCall(),
    "gen-call": _GenCall(),
}


def relaying(seen: list[int]) -> Callable[[Any], Any]:
    """An async generator decorator around a generator function, sync or async."""

    def decorate(target: Any) -> Any:
        @functools.wraps(target)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            _note_thread(seen)
            made = target(*args, **kwargs)
            if inspect.isasyncgen(made):
                async for item in made:
                    yield item
            else:
                for item in made:
                    yield item

        return wrapper

    return decorate


DECORATORS = {"keeping": keeping, "hiding": hiding, "awaiting": awaiting, "relaying": relaying}
VALUE_TARGETS = ["async", "sync", "class", "async-call", "sync-call"]
GEN_TARGETS = ["async-gen", "sync-gen", "gen-call"]


def _shown(value: Any) -> Any:
    if isinstance(value, _Made):
        return value.value
    if isinstance(value, str | int | None):
        return value
    kind = type(value).__name__  # a coroutine or generator object handed over as is
    if inspect.iscoroutine(value):
        value.close()
    return kind


def decorated_app(fw: Framework, decorator: str, target: str) -> Any:
    app = fw.App()
    seen: list[int] = []
    dependency = DECORATORS[decorator](seen)(TARGETS[target])

    @app.get("/")
    async def handler(value: Any = fw.Depends(dependency)):
        return {"value": _shown(value), "on_loop": seen == [threading.get_ident()]}

    return app


@pytest.mark.parametrize(
    ("decorator", "target"),
    [
        *[("keeping", target) for target in TARGETS],
        *[("hiding", target) for target in TARGETS],
        *[("awaiting", target) for target in VALUE_TARGETS],
        *[("relaying", target) for target in GEN_TARGETS],
    ],
)
def test_decorated_dependency(decorator: str, target: str) -> None:
    same_answers(lambda fw: decorated_app(fw, decorator, target), ["/"])


class _DecoratedMethods:
    """Callable objects whose ``__call__`` is itself decorated."""

    def __init__(self, seen: list[int], kind: str) -> None:
        self.kind = kind
        self.seen = seen

    @staticmethod
    def _wrap(method: Any) -> Any:
        @functools.wraps(method)
        def wrapper(self: Any) -> Any:
            _note_thread(self.seen)
            return method(self)

        return wrapper

    @_wrap
    async def __call__(self) -> str:
        return f"method {self.kind}"


def method_app(fw: Framework) -> Any:
    app = fw.App()
    seen: list[int] = []
    instance = _DecoratedMethods(seen, "async")
    partial_of_wrapped = functools.partial(keeping(seen)(_async_value))

    @app.get("/method")
    async def method(value: Any = fw.Depends(instance)):
        mine = seen == [threading.get_ident()]
        seen.clear()
        return {"value": _shown(value), "on_loop": mine}

    @app.get("/partial")
    async def partial(value: Any = fw.Depends(partial_of_wrapped)):
        mine = seen == [threading.get_ident()]
        seen.clear()
        return {"value": _shown(value), "on_loop": mine}

    return app


def test_decorated_call_method_and_partial() -> None:
    answers = same_answers(method_app, ["/method", "/partial"])
    assert [a["body"] for a in answers] == [
        {"value": "method async", "on_loop": True},
        {"value": "async", "on_loop": True},
    ]


def decorated_handlers(fw: Framework) -> Any:
    app = fw.App()
    seen: list[int] = []
    decorate = keeping(seen)

    @app.get("/async")
    @decorate
    async def async_handler(q: int = 1):
        # A plain def wrapper around an async def: awaited on the event loop.
        return {"q": q, "on_loop": seen[-1] == threading.get_ident()}

    @app.get("/sync")
    @decorate
    def sync_handler(q: int = 1):
        return {"q": q, "in_thread": seen[-1] == threading.get_ident()}

    @app.get("/lines")
    @decorate
    def lines(n: int = 2):
        # A generator under the wrapper: streamed as JSON lines.
        for i in range(n):
            yield {"i": i}

    @app.get("/bare")
    @decorate
    async def bare():
        return "bare"

    return app


def test_decorated_handlers() -> None:
    answers = same_answers(decorated_handlers, ["/async?q=3", "/sync", "/bare"])
    assert answers[0]["body"] == {"q": 3, "on_loop": True}
    # A stream's items are compact JSON in asgiweb (docs/streaming.md): compare values.
    ours, theirs = (ask(decorated_handlers(fw), ["/lines?n=3"])[0] for fw in frameworks())
    assert ours["headers"] == theirs["headers"]
    assert ours["headers"]["content-type"] == "application/jsonl"
    lines = [[json.loads(line) for line in a["body"].splitlines()] for a in (ours, theirs)]
    assert lines[0] == lines[1] == [{"i": 0}, {"i": 1}, {"i": 2}]


# -- Annotated metadata nobody reads ---------------------------------------------------


class _OtherToolsMarker:
    """What another library might leave in ``Annotated`` (a CLI option, an ORM column):
    it even has attributes named like constraints, which mean nothing here."""

    max_length = 1
    gt = 100


def unknown_metadata_app(fw: Framework) -> Any:
    app = fw.App()
    marker = _OtherToolsMarker()

    @app.get("/plain")
    async def plain(q: Annotated[str, "a note", marker]):
        return q

    @app.get("/beside")
    async def beside(q: Annotated[int, marker, fw.Query(ge=2), object()] = 5):
        return q

    def dependency(x: Annotated[int, marker] = 0) -> int:
        return x

    @app.get("/dependency")
    async def in_dependency(x: Annotated[int, "doc", fw.Depends(dependency)]):
        return x

    @app.post("/body")
    async def body(item: Annotated[dict[str, int], marker, fw.Body(embed=True)]):
        return item

    return app


def test_unknown_annotated_metadata_is_ignored() -> None:
    answers = same_answers(
        unknown_metadata_app,
        [
            "/plain?q=long text",
            "/plain",
            "/beside",
            "/beside?q=1",
            "/beside?q=300",
            "/dependency?x=300",
            "/dependency?x=no",
            Call.post("/body", json={"item": {"a": 1}}),
        ],
    )
    assert [a["status"] for a in answers] == [200, 422, 200, 422, 200, 200, 422, 200]


# -- PEP 695 type aliases --------------------------------------------------------------


def alias_app(fw: Framework) -> Any:
    alias = pytest.importorskip("typing_extensions").TypeAliasType
    app = fw.App()

    async def seven() -> int:
        return 7

    @dataclasses.dataclass
    class Item:
        name: str

    Seven = alias("Seven", Annotated[int, fw.Depends(seven)])
    Ids = alias("Ids", list[int])
    Small = alias("Small", Annotated[int, fw.Query(ge=1, le=3)])
    Named = alias("Named", Item)
    MaybeSmall = alias("MaybeSmall", Small | None)

    def doubled(v: Seven) -> int:
        return v * 2

    @app.get("/dep")
    async def dep(v: Seven, w: Annotated[int, fw.Depends(doubled)]):
        return [v, w]

    @app.get("/ids")
    async def ids(ids: Ids = fw.Query([])):
        return ids

    @app.get("/small")
    async def small(s: Small = 2):
        return s

    @app.post("/item")
    async def item(i: Named):
        return i

    @app.get("/maybe")
    async def maybe(s: MaybeSmall = None):
        return s

    return app


def test_type_aliases_are_read_as_their_value() -> None:
    same_answers(
        alias_app,
        [
            "/dep",
            "/ids?ids=1&ids=2",
            "/ids",
            "/small?s=5",
            "/small",
            Call.post("/item", json={"name": "x"}),
            Call.post("/item", json={}),
            "/maybe?s=2",
            "/maybe?s=9",
            "/maybe",
        ],
    )


# -- markers as values -----------------------------------------------------------------


def _marker_relations(fw: Framework) -> dict[str, bool]:
    def dep() -> None:
        return None

    def other() -> None:
        return None

    Depends, Security = fw.Depends, fw.Security
    plain = Depends(dep)
    bounded = Depends(dep, max_concurrency=2)
    return {
        "same": plain == Depends(dep) and hash(plain) == hash(Depends(dep)),
        "other call": plain == Depends(other),
        "no cache": plain == Depends(dep, use_cache=False),
        "scoped": Depends(dep, scope="function") == Depends(dep, scope="function"),
        "scope differs": plain == Depends(dep, scope="function"),
        "security": Security(dep) == Security(dep) and hash(Security(dep)) == hash(Security(dep)),
        "security vs depends": Security(dep) == plain,
        "security scopes": Security(dep, scopes=("a",)) == Security(dep, scopes=("a",)),
        "scopes differ": Security(dep, scopes=("a",)) == Security(dep, scopes=("b",)),
        "bounded": bounded == Depends(dep, max_concurrency=2),
        "bounded itself": bounded == bounded and hash(bounded) == hash(bounded),
        "in a set": len({Depends(dep), Depends(dep), Depends(other)}) == 2,
    }


def test_markers_are_hashable_values() -> None:
    ours, theirs = (_marker_relations(fw) for fw in frameworks())
    assert ours == theirs
    assert ours["same"] and not ours["bounded"]


# -- max_concurrency: one bound per marker object ------------------------------------


def shared_bound_app(fw: Framework, peak: dict[str, int]) -> Any:
    app = fw.App()

    async def limited() -> int:
        peak["now"] += 1
        peak["max"] = max(peak["max"], peak["now"])
        await anyio.sleep(0.02)
        peak["now"] -= 1
        return 1

    marker = fw.Depends(limited, max_concurrency=1)
    Limited = Annotated[int, marker]

    @app.get("/a")
    async def a(v: Limited):
        return v

    @app.get("/b", dependencies=[marker])
    async def b():
        return 1

    @app.get("/own")
    async def own(v: int = fw.Depends(limited, max_concurrency=1)):
        return v

    return app


@pytest.mark.parametrize("paths", [("/a", "/b"), ("/a", "/a"), ("/a", "/own")])
def test_one_concurrency_bound_per_marker_across_routes(paths: tuple[str, ...]) -> None:
    peaks = []
    for fw in frameworks():
        peak = {"now": 0, "max": 0}
        app = shared_bound_app(fw, peak)

        async def together(app: Any = app) -> None:
            async with anyio.create_task_group() as group:
                for path in paths:
                    group.start_soon(drive, app, http_scope(path=path), None)

        anyio.run(together)
        peaks.append(peak["max"])
    assert peaks[0] == peaks[1] == (2 if "/own" in paths else 1)


# -- a body parameter met again down the graph -----------------------------------------


def duplicates_app(fw: Framework) -> Any:
    app = fw.App(title="dups", version="1")

    @dataclasses.dataclass
    class Item:
        data: str

    def same(item: Item) -> Item:
        return item

    def other(item2: Item, q: int = 0) -> Item:
        return item2

    def nested(item: Item, inner: Annotated[Item, fw.Depends(same)]) -> list[Item]:
        return [item, inner]

    def count(q: int = 0) -> int:
        return q

    @app.post("/same")
    async def same_name(item: Item, again: Annotated[Item, fw.Depends(same)]):
        return [item, again]

    @app.post("/nested")
    async def in_nested(item: Item, both: Annotated[list[Item], fw.Depends(nested)]):
        return [item, both]

    @app.post("/embedded")
    async def embedded(
        item: Item,
        again: Annotated[Item, fw.Depends(same)],
        second: Annotated[Item, fw.Depends(other)],
    ):
        return [item, again, second]

    @app.get("/query")
    async def query(q: int = 0, again: Annotated[int, fw.Depends(count)] = 0):
        return [q, again]

    return app


def test_a_parameter_met_again_is_one_field() -> None:
    same_answers(
        duplicates_app,
        [
            "/openapi.json",
            Call.post("/same", json={"data": "a"}),
            Call.post("/same", json={"item": {"data": "a"}}),
            Call.post("/nested", json={"data": "a"}),
            Call.post("/embedded", json={"item": {"data": "a"}, "item2": {"data": "b"}}),
            Call.post("/embedded", json={"item": {"data": "a"}}),
            "/query?q=3",
        ],
    )


# -- ambiguous declarations, refused at registration -----------------------------------


def _refused(declare: Callable[[], Any]) -> bool:
    try:
        declare()
    except (TypeError, AssertionError):  # FastAPI asserts; asgiweb raises TypeError
        return True
    return False


def _ambiguous(fw: Framework) -> dict[str, bool]:
    app = fw.App()
    Depends, Path, Query = fw.Depends, fw.Path, fw.Query

    def dep() -> int:
        return 1

    def path_default_in_annotated() -> None:
        @app.get("/items/{item_id}")
        async def handler(item_id: Annotated[int, Path(default=1)]):
            return item_id

    def query_default_in_annotated() -> None:
        @app.get("/q")
        async def handler(q: Annotated[int, Query(default=1)]):
            return q

    def path_default_given() -> None:
        @app.get("/p/{item_id}")
        async def handler(item_id: int = Path(1)):
            return item_id

    def depends_twice() -> None:
        @app.get("/d")
        async def handler(v: Annotated[int, Depends(dep)] = Depends(dep)):
            return v

    def marker_and_depends() -> None:
        @app.get("/m")
        async def handler(v: Annotated[int, Query(ge=1)] = Depends(dep)):
            return v

    def default_with_equals() -> None:
        @app.get("/ok")
        async def handler(q: Annotated[int, Query(ge=1), Query(le=9)] = 3):
            return q

    return {
        f.__name__: _refused(f)
        for f in (
            path_default_in_annotated,
            query_default_in_annotated,
            path_default_given,
            depends_twice,
            marker_and_depends,
            default_with_equals,
        )
    }


def test_ambiguous_declarations_are_refused() -> None:
    ours, theirs = (_ambiguous(fw) for fw in frameworks())
    assert ours == theirs
    assert sum(ours.values()) == 5 and not ours["default_with_equals"]


# -- security schemes on WebSocket routes ----------------------------------------------

SCHEMES: dict[str, tuple[Callable[[Any], Any], str, dict[str, str]]] = {
    # name: (make the scheme from the framework, query string, headers with credentials)
    "http-base": (
        lambda s: functools.partial(s.sub("security.http").HTTPBase, scheme="Token"),
        "",
        {"authorization": "Token abc"},
    ),
    "basic": (lambda s: s.security.HTTPBasic, "", {"authorization": "Basic dXNlcjpwdw=="}),
    "bearer": (lambda s: s.security.HTTPBearer, "", {"authorization": "Bearer abc"}),
    "digest": (lambda s: s.security.HTTPDigest, "", {"authorization": "Digest abc"}),
    "key-query": (lambda s: functools.partial(s.security.APIKeyQuery, name="k"), "?k=abc", {}),
    "key-header": (
        lambda s: functools.partial(s.security.APIKeyHeader, name="x-k"),
        "",
        {"x-k": "abc"},
    ),
    "key-cookie": (
        lambda s: functools.partial(s.security.APIKeyCookie, name="k"),
        "",
        {"cookie": "k=abc"},
    ),
    "oauth2": (lambda s: s.security.OAuth2, "", {"authorization": "Bearer abc"}),
    "password-bearer": (
        lambda s: functools.partial(s.security.OAuth2PasswordBearer, tokenUrl="/token"),
        "",
        {"authorization": "Bearer abc"},
    ),
    "code-bearer": (
        lambda s: functools.partial(
            s.security.OAuth2AuthorizationCodeBearer, authorizationUrl="/auth", tokenUrl="/token"
        ),
        "",
        {"authorization": "Bearer abc"},
    ),
    "openid": (
        lambda s: functools.partial(s.security.OpenIdConnect, openIdConnectUrl="/oid"),
        "",
        {"authorization": "Bearer abc"},
    ),
}


def _websocket_outcomes(fw: Framework, name: str) -> list[Any]:
    from asgiweb.testclient import TestClient, WebSocketDenialResponse

    make, query, headers = SCHEMES[name]
    factory = make(fw)
    app = fw.App()
    required, optional = factory(), factory(auto_error=False)

    @app.websocket("/required")
    async def with_required(websocket: fw.WebSocket, credentials: Any = fw.Security(required)):
        await websocket.accept()
        await websocket.send_json(fw.encoders.jsonable_encoder(credentials))
        await websocket.close()

    @app.websocket("/optional")
    async def with_optional(websocket: fw.WebSocket, credentials: Any = fw.Depends(optional)):
        await websocket.accept()
        await websocket.send_json(fw.encoders.jsonable_encoder(credentials))
        await websocket.close()

    outcomes: list[Any] = []
    client = TestClient(app)
    for path, sent in [
        ("/required" + query, headers),
        ("/required", {}),
        ("/optional" + query, headers),
        ("/optional", {}),
    ]:
        try:
            with client.websocket_connect(path, headers=sent) as websocket:
                outcomes.append(("accepted", websocket.receive_json()))
        except WebSocketDenialResponse as denied:
            outcomes.append(
                ("denied", denied.status_code, denied.json(), denied.headers["www-authenticate"])
            )
    return outcomes


@pytest.mark.parametrize("name", list(SCHEMES))
def test_security_schemes_on_websocket_routes(name: str) -> None:
    ours, theirs = (_websocket_outcomes(fw, name) for fw in frameworks())
    assert ours == theirs
    assert ours[1][:3] == ("denied", 401, {"detail": "Not authenticated"})
    assert ours[3] == ("accepted", None)
