"""Router lifespans, side by side with FastAPI.

A router may have a lifespan of its own (``Router(lifespan=...)``, as an
``@asynccontextmanager`` function, a bare async generator function or a bare
generator function); including it runs it inside the including router's, the
states merging with the including router's keys winning.  Each app records what
its lifespans did; a route returns that record and the request state.
"""

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from asgiweb import App, Request, Router
from asgiweb.testclient import TestClient
from tests.oracle.sidebyside import Framework, frameworks, same_answers


def lifespan_app(fw: Framework, calls: list[str]) -> Any:
    @asynccontextmanager
    async def app_lifespan(app: Any) -> AsyncIterator[dict[str, Any]]:
        calls.append("app enter")
        yield {"shared": "app", "app": 1}
        calls.append("app exit")

    async def router_lifespan(app: Any) -> AsyncIterator[dict[str, Any]]:  # bare async gen
        calls.append("router enter")
        yield {"shared": "router", "router": 2}
        calls.append("router exit")

    def inner_lifespan(app: Any) -> Iterator[None]:  # bare generator, no state
        calls.append("inner enter")
        yield None
        calls.append("inner exit")

    app = fw.App(lifespan=app_lifespan)
    router = fw.Router(prefix="/r", lifespan=router_lifespan)
    inner = fw.Router(prefix="/i", lifespan=inner_lifespan)

    @inner.get("/seen")
    def seen(request: fw.Request) -> Any:
        state = request.state
        return {
            "calls": list(calls),
            "shared": state.shared,
            "app": state.app,
            "router": state.router,
        }

    router.include_router(inner)
    app.include_router(router)
    return app


def test_included_router_lifespans_run_inside_the_apps_as_in_fastapi() -> None:
    answers = same_answers(lambda fw: lifespan_app(fw, []), ["/r/i/seen"])
    assert answers[0]["body"] == {
        "calls": ["app enter", "router enter", "inner enter"],
        "shared": "app",
        "app": 1,
        "router": 2,
    }
    records = []
    states = []
    for fw in frameworks():
        calls: list[str] = []
        with TestClient(lifespan_app(fw, calls)) as client:
            states.append(dict(client.app_state))
        records.append(calls)
    assert states[0] == states[1] == {"shared": "app", "app": 1, "router": 2}
    assert records[0] == records[1]
    assert records[0][3:] == ["inner exit", "router exit", "app exit"]


@pytest.mark.filterwarnings("ignore:on_event is deprecated")
def test_router_event_handlers_run_once_each() -> None:
    # FastAPI 0.165 runs an included router's on_startup handlers twice when the App
    # has no lifespan (once copied into the App's, once in the router's own); asgiweb
    # runs each once (docs/api.md, "Lifespan").
    calls: list[str] = []
    router = Router(on_startup=[lambda: calls.append("start")])
    router.add_event_handler("shutdown", lambda: calls.append("stop"))

    @router.on_event("startup")
    async def also() -> None:
        calls.append("also")

    app = App()
    app.include_router(router)
    app.include_router(router, prefix="/again")
    with TestClient(app):
        assert calls == ["start", "also"]
    assert calls == ["start", "also", "stop"]


def test_a_bare_router_runs_its_lifespan_and_shares_its_state() -> None:
    @asynccontextmanager
    async def lifespan(router: Any) -> AsyncIterator[dict[str, Any]]:
        yield {"db": "connected"}

    router = Router(lifespan=lifespan)

    @router.get("/db")
    def db(request: Request) -> Any:
        return request.state.db

    with TestClient(router) as client:
        assert client.get("/db").json() == "connected"


def test_a_failing_router_lifespan_fails_the_startup() -> None:
    async def broken(app: Any) -> AsyncIterator[None]:
        raise RuntimeError("no database")
        yield  # pragma: no cover

    app = App()
    app.include_router(Router(lifespan=broken))
    with pytest.raises(Exception, match="no database"), TestClient(app):
        pass
