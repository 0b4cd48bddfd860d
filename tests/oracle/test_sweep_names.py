"""The names and signatures sweep: FastAPI 0.165's public names under asgiweb's
import paths, and the signatures both sides share (docs/api.md, "FastAPI names").

Part one: the names a migrating user imports exist and behave as FastAPI's
(side by side where an app shows it). Part two (below): the signature table.
"""

import contextlib
import importlib
import inspect
import json
import pkgutil
import subprocess
import sys
import threading
import warnings
from collections.abc import Iterator
from decimal import Decimal
from typing import Annotated, Any

import anyio
import pytest
from hypothesis import given
from hypothesis import strategies as st

import asgiweb
from asgiweb.testclient import TestClient
from asgiweb.websockets import WebSocketDisconnect
from tests.oracle.sidebyside import Call, Framework, frameworks, same_answers

fastapi = pytest.importorskip("fastapi")


# --- the name scan ------------------------------------------------------------------

# FastAPI modules the scan skips: the CLI, telemetry, logging, internals, pydantic
# models of the OpenAPI document, WSGI, the exit-stack middleware, the httpx client,
# type aliases (docs/api.md, "FastAPI names").
SKIPPED_MODULES = (
    "cli",
    "telemetry",
    "logger",
    "utils",
    "dependencies",
    "openapi.models",
    "middleware.wsgi",
    "middleware.asyncexitstack",
    "testclient",
    "types",
    "__main__",
)

# Names FastAPI's modules define or re-export that asgiweb deliberately lacks, each
# with its reason in docs/api.md ("FastAPI names"). Anything else FastAPI exposes
# (a class or function of fastapi/starlette) must exist under asgiweb's path.
ABSENT: dict[str, set[str]] = {
    "": {"FastAPI", "dependencies", "logger", "telemetry", "utils"},
    "applications": {"*"},  # FastAPI (App) and the module's own imports
    "background": {"StarletteBackgroundTasks"},
    "datastructures": {"Default", "DefaultPlaceholder", "StarletteUploadFile"},
    "encoders": {
        "PyExtraColor",
        "PydanticV1NotSupportedError",
        "generate_encoders_by_class_tuples",
        "is_pydantic_v1_model_instance",
        "isoformat",
    },
    "exception_handlers": {"is_body_allowed_for_status_code", "jsonable_encoder"},
    "exceptions": {
        "FastAPIDeprecationWarning",
        "FastAPIError",
        "PydanticV1NotSupportedError",
        "RequestErrorModel",
        "StarletteHTTPException",
        "StarletteWebSocketException",
        "WebSocketErrorModel",
    },
    "middleware": {"asyncexitstack"},
    "openapi": {"models"},
    "openapi.utils": {"*"},  # get_openapi is there; the rest are FastAPI's internals
    "param_functions": {"Example"},
    "params": {"Example", "FastAPIDeprecationWarning"},
    "responses": {"FastAPIDeprecationWarning"},
    "routing": {"*"},  # APIRouter, APIRoute, APIWebSocketRoute are checked below
    "security.api_key": {"APIKey", "APIKeyIn", "HTTPConnection", "HTTPException"},
    "security.base": {"SecurityBaseModel"},
    "security.http": {
        "HTTPBaseModel",
        "HTTPBearerModel",
        "HTTPConnection",
        "HTTPException",
    },
    "security.oauth2": {
        "HTTPConnection",
        "HTTPException",
        "OAuth2Model",
        "OAuthFlowsModel",
    },
    "security.open_id_connect_url": {
        "HTTPConnection",
        "HTTPException",
        "OpenIdConnectModel",
    },
    "sse": {"StreamingResponse"},
}


def fastapi_modules() -> list[str]:
    """The dotted names (without ``fastapi.``) of FastAPI's public modules, scanned."""
    found = [""]
    for info in pkgutil.walk_packages(fastapi.__path__, "fastapi."):
        name = info.name.removeprefix("fastapi.")
        if "._" in info.name or name.startswith("_"):
            continue
        if any(name == s or name.startswith(s + ".") for s in SKIPPED_MODULES):
            continue
        found.append(name)
    return found


def public_names(module: Any) -> list[str]:
    """Classes, functions and modules of fastapi/starlette a module exposes."""
    names = getattr(module, "__all__", None) or [n for n in dir(module) if n[0] != "_"]
    kept = []
    for name in names:
        obj = getattr(module, name, None)
        if inspect.ismodule(obj):
            home = obj.__name__
        elif inspect.isclass(obj) or inspect.isfunction(obj):
            home = getattr(obj, "__module__", "") or ""
        else:
            continue
        if home.split(".")[0] in ("fastapi", "starlette"):
            kept.append(name)
    return kept


@pytest.mark.parametrize("module", fastapi_modules())
def test_every_fastapi_name_has_an_asgiweb_home(module: str) -> None:
    theirs = importlib.import_module("fastapi" + ("." + module if module else ""))
    ours = importlib.import_module("asgiweb" + ("." + module if module else ""))
    absent = ABSENT.get(module, set())
    if "*" in absent:
        return
    missing = []
    for name in public_names(theirs):
        if name in absent or hasattr(ours, name):
            continue
        if inspect.ismodule(getattr(theirs, name)):
            # a submodule: importable under the same dotted name
            with contextlib.suppress(ImportError):
                importlib.import_module(f"{ours.__name__}.{name}")
                continue
        missing.append(name)
    assert missing == [], f"asgiweb.{module} lacks {missing}"


def test_absences_are_documented() -> None:
    with open("docs/api.md", encoding="utf-8") as f:
        text = f.read()
    section = text[text.index("## FastAPI names") :]
    for module, names in ABSENT.items():
        for name in names - {"*"}:
            spellings = (f"`{name}`", f".{name}`")  # `FastAPI` or `asgiweb.utils`
            assert any(spelling in section for spelling in spellings), (module, name)


def test_routing_aliases() -> None:
    from asgiweb import APIRouter as TopLevel
    from asgiweb.routing import (
        APIRoute,
        APIRouter,
        APIWebSocketRoute,
        Route,
        Router,
        WebSocketRoute,
    )

    assert TopLevel is APIRouter is Router
    assert APIRoute is Route and APIWebSocketRoute is WebSocketRoute
    router = APIRouter(prefix="/r")

    @router.get("/x")
    def x():
        return 1

    app = asgiweb.App()
    app.include_router(router)
    assert isinstance(app.routes[0], APIRoute)
    assert TestClient(app).get("/r/x").json() == 1


def test_param_functions_are_the_markers() -> None:
    from asgiweb import param_functions, params

    for name in ("Body", "Cookie", "File", "Form", "Header", "Path", "Query"):
        assert getattr(param_functions, name) is getattr(params, name)
        assert getattr(asgiweb, name) is getattr(params, name)


def build_param_functions(fw: Framework) -> Any:
    pf = fw.sub("param_functions")
    app = fw.App()

    @app.get("/p/{item}")
    def p(
        item: Annotated[int, pf.Path(ge=1)],
        q: Annotated[str, pf.Query(max_length=3)] = "a",
        x_h: Annotated[str | None, pf.Header()] = None,
        c: Annotated[str | None, pf.Cookie()] = None,
    ):
        return [item, q, x_h, c]

    @app.post("/b")
    def b(v: Annotated[int, pf.Body(embed=True)]):
        return v

    return app


def test_param_functions_answer_as_fastapi() -> None:
    same_answers(
        build_param_functions,
        [
            "/p/3?q=ab",
            "/p/0",
            "/p/2?q=abcd",
            Call.get("/p/2", headers={"x-h": "hh"}, cookies={"c": "cc"}),
            Call.post("/b", json={"v": 3}),
            Call.post("/b", json=3),
        ],
    )


# --- asgiweb.concurrency -------------------------------------------------------------


def test_concurrency_module_loads_no_asyncio() -> None:
    code = (
        "import sys, asgiweb, asgiweb.concurrency, asgiweb.exception_handlers, "
        "asgiweb.security.utils, asgiweb.security.open_id_connect_url, asgiweb.routing; "
        "bad = {'asyncio', 'starlette', 'fastapi', 'pydantic'} & set(sys.modules); "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_iterate_in_threadpool_matches_starlette() -> None:
    from fastapi.concurrency import iterate_in_threadpool as theirs

    from asgiweb.concurrency import iterate_in_threadpool as ours

    loop_thread = threading.get_ident()

    def numbers() -> Iterator[tuple[int, bool]]:
        for i in range(5):
            yield i, threading.get_ident() != loop_thread

    async def collect(fn: Any) -> list[Any]:
        return [item async for item in fn(numbers())]

    got = anyio.run(collect, ours)
    assert got == anyio.run(collect, theirs)
    assert got == [(i, True) for i in range(5)]  # each next() ran off the loop's thread

    def failing() -> Iterator[int]:
        yield 1
        raise KeyError("boom")

    async def fail(fn: Any) -> list[int]:
        return [item async for item in fn(failing())]

    for fn in (ours, theirs):
        with pytest.raises(KeyError):
            anyio.run(fail, fn)


class Recorder:
    """A sync context manager that records its calls and the threads they ran on."""

    def __init__(self, suppress: bool = False, fail_enter: bool = False) -> None:
        self.calls: list[Any] = []
        self.suppress = suppress
        self.fail_enter = fail_enter

    def __enter__(self) -> str:
        self.calls.append(("enter", threading.current_thread() is threading.main_thread()))
        if self.fail_enter:
            raise OSError("no")
        return "value"

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> bool:
        self.calls.append(("exit", kind and kind.__name__))
        return self.suppress


@pytest.mark.parametrize("case", ["ok", "raises", "suppressed", "enter-fails"], ids=lambda c: c)
def test_contextmanager_in_threadpool_matches_fastapi(case: str) -> None:
    from fastapi.concurrency import contextmanager_in_threadpool as theirs

    from asgiweb.concurrency import contextmanager_in_threadpool as ours

    def run(fn: Any) -> tuple[list[Any], str]:
        cm = Recorder(suppress=case == "suppressed", fail_enter=case == "enter-fails")

        async def main() -> str:
            async with fn(cm) as value:
                if case in ("raises", "suppressed"):
                    raise ValueError(value)
            return "done"

        try:
            outcome = anyio.run(main)
        except Exception as exc:
            outcome = type(exc).__name__
        return cm.calls, outcome

    got = run(ours)
    assert got == run(theirs)
    expected_outcome = {"ok": "done", "raises": "ValueError", "suppressed": "done"}
    assert got[1] == expected_outcome.get(case, "OSError")
    assert got[0][0] == ("enter", False)  # __enter__ ran in a worker thread


def test_contextmanager_in_threadpool_exits_when_cancelled() -> None:
    from asgiweb.concurrency import contextmanager_in_threadpool

    cm = Recorder()

    async def main() -> None:
        with anyio.move_on_after(0.05):
            async with contextmanager_in_threadpool(cm):
                await anyio.sleep(5)

    anyio.run(main)
    assert cm.calls == [("enter", False), ("exit", "CancelledError")]


def test_run_until_first_complete_cancels_the_rest() -> None:
    from asgiweb.concurrency import run_until_first_complete

    seen: list[str] = []

    async def quick(name: str) -> None:
        await anyio.sleep(0)
        seen.append(name)

    async def slow(name: str) -> None:
        try:
            await anyio.sleep(5)
            seen.append(name)
        except anyio.get_cancelled_exc_class():
            seen.append(f"{name} cancelled")
            raise

    async def main() -> None:
        with anyio.fail_after(2), pytest.warns(DeprecationWarning):
            await run_until_first_complete((slow, {"name": "slow"}), (quick, {"name": "quick"}))

    anyio.run(main)
    assert seen == ["quick", "slow cancelled"]


# --- exception handlers and exceptions --------------------------------------------


def build_wrapped_handlers(fw: Framework) -> Any:
    """Handlers of the user's own that log and then call the framework's defaults."""
    eh = fw.sub("exception_handlers")
    app = fw.App()
    log: list[str] = []

    async def on_http(request: Any, exc: Any) -> Any:
        log.append(f"http {exc.status_code}")
        return await eh.http_exception_handler(request, exc)

    async def on_validation(request: Any, exc: Any) -> Any:
        log.append(f"422 {len(exc.errors())} {exc.body!r}")
        return await eh.request_validation_exception_handler(request, exc)

    async def on_ws_validation(websocket: Any, exc: Any) -> None:
        log.append(f"ws {len(exc.errors())}")
        await eh.websocket_request_validation_exception_handler(websocket, exc)

    app.add_exception_handler(fw.BaseHTTPException, on_http)
    app.add_exception_handler(fw.exceptions.RequestValidationError, on_validation)
    app.add_exception_handler(fw.exceptions.WebSocketRequestValidationError, on_ws_validation)

    @app.get("/teapot")
    def teapot():
        raise fw.HTTPException(418, {"tea": "earl grey"}, headers={"x-pot": "1"})

    @app.get("/empty")
    def empty():
        raise fw.HTTPException(304)

    @app.post("/items")
    def items(n: Annotated[int, fw.Body(embed=True)], q: int = 0):
        return n

    @app.get("/log")
    def read_log():
        return log

    @app.websocket("/ws")
    async def ws(websocket: fw.WebSocket, n: int):
        await websocket.accept()
        await websocket.send_json(n)
        await websocket.close()

    return app


def test_wrapped_default_handlers_answer_as_fastapi() -> None:
    answers = same_answers(
        build_wrapped_handlers,
        [
            Call.get("/teapot", compare_headers=("content-type", "x-pot")),
            "/empty",
            "/nope",
            Call.post("/items?q=x", json={"n": "y"}),
            Call.post("/items", content=b"{bad", headers={"content-type": "application/json"}),
            "/log",
        ],
    )
    assert answers[-1]["body"] == [
        "http 418",
        "http 304",
        "http 404",
        "422 2 {'n': 'y'}",
        "422 1 '{bad'",
    ]


def test_websocket_validation_handler_closes_with_1008_as_fastapi() -> None:
    for fw in frameworks():
        client = TestClient(build_wrapped_handlers(fw))
        with client.websocket_connect("/ws?n=4") as ws:
            assert ws.receive_json() == 4
        with pytest.raises(WebSocketDisconnect) as info, client.websocket_connect("/ws?n=x"):
            pass
        assert info.value.code == 1008, fw
        assert client.get("/log").json() == ["ws 1"], fw
        if fw.name == "asgiweb":
            reason = json.loads(info.value.reason)
            assert reason[0]["type"] == "int_parsing" and reason[0]["loc"] == ["query", "n"]


def test_validation_exceptions_share_fastapis_base() -> None:
    ours, theirs = frameworks()
    for fw in (ours, theirs):
        ex = fw.exceptions
        for cls in (
            ex.RequestValidationError,
            ex.ResponseValidationError,
            ex.WebSocketRequestValidationError,
        ):
            assert issubclass(cls, ex.ValidationException)
        errors = [{"type": "missing", "loc": ("query", "q"), "msg": "Field required"}]
        ctx = {"function": "read", "path": "GET /items", "file": "app.py", "line": 7}
        for cls in (ex.RequestValidationError, ex.ResponseValidationError):
            plain = cls(errors, body={"a": 1})
            assert (plain.errors(), plain.body, plain.endpoint_ctx) == (errors, {"a": 1}, None)
        located = ex.WebSocketRequestValidationError(errors, endpoint_ctx=ctx)
        assert located.endpoint_function == "read" and located.endpoint_line == 7
    # str() is FastAPI's, with and without the endpoint's location
    for ctx_given in (None, {"path": "GET /x"}, ctx, {"function": "f", "file": "a.py"}):
        for name in ("RequestValidationError", "ResponseValidationError"):
            mine = getattr(ours.exceptions, name)(errors, endpoint_ctx=ctx_given)
            reference = getattr(theirs.exceptions, name)(errors, endpoint_ctx=ctx_given)
            assert str(mine) == str(reference)
        assert str(ours.exceptions.ValidationException([])) == str(
            theirs.exceptions.ValidationException([])
        )


def test_dependency_scope_error_is_raised_at_registration() -> None:
    from asgiweb.exceptions import DependencyScopeError

    for fw in frameworks():

        def per_call():
            yield 1

        def per_request(v: Annotated[int, fw.Depends(per_call, scope="function")]):
            yield v

        app = fw.App()
        with pytest.raises(fw.exceptions.DependencyScopeError):

            @app.get("/")
            def route(v: Annotated[int, fw.Depends(per_request)]):
                return v

    assert issubclass(DependencyScopeError, TypeError)


def test_websocket_exception_and_http_exception_attributes() -> None:
    for fw in frameworks():
        exc = fw.WebSocketException(1008, "policy")
        assert (exc.code, exc.reason) == (1008, "policy")
        assert fw.WebSocketException(1000).reason == ""
        http = fw.HTTPException(404, headers={"a": "b"})
        assert (http.status_code, http.detail, http.headers) == (404, "Not Found", {"a": "b"})


# --- encoders ---------------------------------------------------------------------


@given(
    st.one_of(
        st.decimals(allow_nan=False, allow_infinity=False, places=None),
        st.sampled_from([Decimal("NaN"), Decimal("Infinity"), Decimal("-0"), Decimal("1E+3")]),
    )
)
def test_decimal_encoder_matches_fastapi(value: Decimal) -> None:
    from fastapi.encoders import decimal_encoder as theirs

    from asgiweb.encoders import decimal_encoder as ours

    with contextlib.suppress(ValueError, OverflowError):
        expected = theirs(value)
        got = ours(value)
        assert type(got) is type(expected)
        assert got == expected or (got != got and expected != expected)


# Deprecation noise of FastAPI's modules is not ours to judge here.
warnings.filterwarnings("ignore", category=DeprecationWarning, module="fastapi")
