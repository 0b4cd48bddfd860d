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
import re
import subprocess
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
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
# models of the OpenAPI document, the exit-stack middleware, the httpx client,
# type aliases (docs/api.md, "FastAPI names").
SKIPPED_MODULES = (
    "cli",
    "telemetry",
    "logger",
    "utils",
    "dependencies",
    "openapi.models",
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


# --- part two: the signature table ---------------------------------------------------
#
# For every callable both sides have, each FastAPI parameter must be taken by ours:
# under the same name and kind (a positional parameter at the same place), with an
# equal default; or, where ours gathers keywords in ``**options`` (the route
# decorators, ``App(...)``, ``Router(...)``, the markers), by a call that passes it
# with FastAPI's default and does not raise ``TypeError``. A FastAPI default that is
# its "not given" placeholder (``Default(...)``) matches ours when ours is ``None`` or
# the same value. Anything else is a listed exception, documented in docs/api.md
# ("FastAPI names", "Signatures").


def handler() -> None:
    return None


def fastapi_default(value: Any) -> Any:
    """FastAPI's default as a value ours can be given: placeholders unwrapped, its own
    functions and classes (``generate_unique_id``, ``APIRoute``...) as None."""
    if type(value).__name__ == "DefaultPlaceholder":
        value = value.value
    module = getattr(value, "__module__", "") or ""
    if (inspect.isfunction(value) or inspect.isclass(value)) and module.startswith(
        ("fastapi", "starlette")
    ):
        return None
    return value


def route_probe(owner: Callable[[], Any], method: str) -> Callable[[str, Any], Any]:
    def probe(name: str, value: Any) -> None:
        target = owner()
        getattr(target, method)("/probe", **{name: value})(handler)

    return probe


def call_probe(make: Callable[..., Any]) -> Callable[[str, Any], Any]:
    def probe(name: str, value: Any) -> None:
        make(**{name: value})

    return probe


def add_route_probe(owner: Callable[[], Any], method: str) -> Callable[[str, Any], Any]:
    def probe(name: str, value: Any) -> None:
        getattr(owner(), method)("/probe", handler, **{name: value})

    return probe


def include_probe(owner: Callable[[], Any]) -> Callable[[str, Any], Any]:
    def probe(name: str, value: Any) -> None:
        inner = asgiweb.Router()
        inner.get("/x")(handler)
        owner().include_router(inner, **{name: value})

    return probe


def websocket_probe(owner: Callable[[], Any]) -> Callable[[str, Any], Any]:
    def probe(name: str, value: Any) -> None:
        async def ws(websocket: asgiweb.WebSocket) -> None:
            await websocket.close()

        owner().websocket("/ws", **{name: value})(ws)

    return probe


ROUTE_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def signature_pairs() -> list[tuple[str, Any, Any, Callable[[str, Any], Any] | None]]:
    """(label, ours, FastAPI's, probe for keywords ours takes through **options)."""
    import fastapi.background
    import fastapi.concurrency
    import fastapi.encoders
    import fastapi.exception_handlers
    import fastapi.exceptions
    import fastapi.openapi.docs
    import fastapi.openapi.utils
    import fastapi.param_functions
    import fastapi.responses
    import fastapi.security
    import fastapi.staticfiles
    import fastapi.templating
    import fastapi.websockets
    import starlette.middleware.cors
    import starlette.middleware.gzip
    import starlette.middleware.httpsredirect
    import starlette.middleware.sessions
    import starlette.middleware.trustedhost

    import asgiweb.background
    import asgiweb.concurrency
    import asgiweb.encoders
    import asgiweb.exception_handlers
    import asgiweb.exceptions
    import asgiweb.middleware.cors
    import asgiweb.middleware.gzip
    import asgiweb.middleware.httpsredirect
    import asgiweb.middleware.sessions
    import asgiweb.middleware.trustedhost
    import asgiweb.openapi.docs
    import asgiweb.openapi.utils
    import asgiweb.param_functions
    import asgiweb.responses
    import asgiweb.security
    import asgiweb.staticfiles
    import asgiweb.templating
    import asgiweb.websockets

    pairs: list[tuple[str, Any, Any, Callable[[str, Any], Any] | None]] = []
    owners = (
        ("App", asgiweb.App, fastapi.FastAPI),
        ("Router", asgiweb.Router, fastapi.APIRouter),
    )
    for label, ours, theirs in owners:
        pairs.append((f"{label}()", ours.__init__, theirs.__init__, call_probe(ours)))
        for method in (*ROUTE_METHODS, "api_route"):
            pairs.append(
                (
                    f"{label}.{method}",
                    getattr(ours, method, None),
                    getattr(theirs, method, None),
                    route_probe(ours, method),
                )
            )
        pairs.append(
            (
                f"{label}.add_api_route",
                ours.add_api_route,
                theirs.add_api_route,
                add_route_probe(ours, "add_api_route"),
            )
        )
        pairs.append(
            (
                f"{label}.include_router",
                ours.include_router,
                theirs.include_router,
                include_probe(ours),
            )
        )
        pairs.append(
            (f"{label}.websocket", ours.websocket, theirs.websocket, websocket_probe(ours))
        )
        for method in (
            "add_api_websocket_route",
            "websocket_route",
            "add_websocket_route",
            "add_route",
            "route",
            "mount",
            "url_path_for",
            "on_event",
            "add_event_handler",
        ):
            pairs.append(
                (
                    f"{label}.{method}",
                    getattr(ours, method, None),
                    getattr(theirs, method, None),
                    {
                        "add_route": add_route_probe(ours, method),
                        "route": route_probe(ours, method),
                    }.get(method),
                )
            )
    for method in (
        "exception_handler",
        "add_exception_handler",
        "middleware",
        "add_middleware",
        "openapi",
    ):
        pairs.append(
            (
                f"App.{method}",
                getattr(asgiweb.App, method, None),
                getattr(fastapi.FastAPI, method, None),
                None,
            )
        )

    for name in ("Query", "Path", "Header", "Cookie", "Body", "Form", "File"):
        ours_marker = getattr(asgiweb.param_functions, name)
        theirs_marker = getattr(fastapi.param_functions, name)
        pairs.append((name, ours_marker, theirs_marker, call_probe(ours_marker)))
    for name in ("Depends", "Security"):
        pairs.append(
            (
                name,
                getattr(asgiweb.param_functions, name),
                getattr(fastapi.param_functions, name),
                None,
            )
        )

    for name in (
        fastapi.responses.__all__
        if hasattr(fastapi.responses, "__all__")
        else dir(fastapi.responses)
    ):
        theirs_cls = getattr(fastapi.responses, name)
        if not (inspect.isclass(theirs_cls) and name.endswith("Response")):
            continue
        ours_cls = getattr(asgiweb.responses, name)
        pairs.append((name, ours_cls.__init__, theirs_cls.__init__, None))
    for method in ("set_cookie", "delete_cookie", "render", "init_headers"):
        pairs.append(
            (
                f"Response.{method}",
                getattr(asgiweb.responses.Response, method),
                getattr(fastapi.responses.Response, method),
                None,
            )
        )

    for name in dir(fastapi.security):
        theirs_cls = getattr(fastapi.security, name)
        if not inspect.isclass(theirs_cls) or not theirs_cls.__module__.startswith("fastapi"):
            continue
        ours_cls = getattr(asgiweb.security, name)
        pairs.append((f"security.{name}", ours_cls.__init__, model_signature(theirs_cls), None))

    middleware = (
        ("CORSMiddleware", asgiweb.middleware.cors, starlette.middleware.cors),
        ("GZipMiddleware", asgiweb.middleware.gzip, starlette.middleware.gzip),
        ("TrustedHostMiddleware", asgiweb.middleware.trustedhost, starlette.middleware.trustedhost),
        (
            "HTTPSRedirectMiddleware",
            asgiweb.middleware.httpsredirect,
            starlette.middleware.httpsredirect,
        ),
        ("SessionMiddleware", asgiweb.middleware.sessions, starlette.middleware.sessions),
    )
    for name, ours_mod, theirs_mod in middleware:
        pairs.append(
            (name, getattr(ours_mod, name).__init__, getattr(theirs_mod, name).__init__, None)
        )

    classes = (
        ("StaticFiles", asgiweb.staticfiles.StaticFiles, fastapi.staticfiles.StaticFiles),
        ("Jinja2Templates", asgiweb.templating.Jinja2Templates, fastapi.templating.Jinja2Templates),
        ("UploadFile", asgiweb.UploadFile, fastapi.UploadFile),
        ("HTTPException", asgiweb.HTTPException, fastapi.HTTPException),
        ("WebSocketException", asgiweb.WebSocketException, fastapi.WebSocketException),
        ("WebSocketDisconnect", asgiweb.WebSocketDisconnect, fastapi.WebSocketDisconnect),
        (
            "RequestValidationError",
            asgiweb.exceptions.RequestValidationError,
            fastapi.exceptions.RequestValidationError,
        ),
        (
            "ResponseValidationError",
            asgiweb.exceptions.ResponseValidationError,
            fastapi.exceptions.ResponseValidationError,
        ),
        (
            "WebSocketRequestValidationError",
            asgiweb.exceptions.WebSocketRequestValidationError,
            fastapi.exceptions.WebSocketRequestValidationError,
        ),
        (
            "ValidationException",
            asgiweb.exceptions.ValidationException,
            fastapi.exceptions.ValidationException,
        ),
        ("BackgroundTasks", asgiweb.BackgroundTasks, fastapi.BackgroundTasks),
    )
    for name, ours_cls, theirs_cls in classes:
        pairs.append((name, ours_cls.__init__, theirs_cls.__init__, None))

    methods = (
        (
            "Jinja2Templates",
            asgiweb.templating.Jinja2Templates,
            fastapi.templating.Jinja2Templates,
            ("TemplateResponse", "get_template"),
        ),
        ("BackgroundTasks", asgiweb.BackgroundTasks, fastapi.BackgroundTasks, ("add_task",)),
        ("UploadFile", asgiweb.UploadFile, fastapi.UploadFile, ("read", "write", "seek", "close")),
        (
            "Request",
            asgiweb.Request,
            fastapi.Request,
            (
                "body",
                "json",
                "form",
                "stream",
                "is_disconnected",
                "close",
                "send_push_promise",
                "url_for",
            ),
        ),
        (
            "WebSocket",
            asgiweb.WebSocket,
            fastapi.WebSocket,
            (
                "accept",
                "receive",
                "send",
                "receive_text",
                "receive_bytes",
                "receive_json",
                "send_text",
                "send_bytes",
                "send_json",
                "iter_text",
                "iter_bytes",
                "iter_json",
                "close",
                "send_denial_response",
                "url_for",
            ),
        ),
    )
    for label, ours_cls, theirs_cls, names in methods:
        for method in names:
            pairs.append(
                (
                    f"{label}.{method}",
                    getattr(ours_cls, method, None),
                    getattr(theirs_cls, method, None),
                    None,
                )
            )

    functions = (
        ("jsonable_encoder", asgiweb.encoders, fastapi.encoders),
        ("decimal_encoder", asgiweb.encoders, fastapi.encoders),
        ("get_openapi", asgiweb.openapi.utils, fastapi.openapi.utils),
        ("get_swagger_ui_html", asgiweb.openapi.docs, fastapi.openapi.docs),
        ("get_redoc_html", asgiweb.openapi.docs, fastapi.openapi.docs),
        ("get_swagger_ui_oauth2_redirect_html", asgiweb.openapi.docs, fastapi.openapi.docs),
        ("http_exception_handler", asgiweb.exception_handlers, fastapi.exception_handlers),
        (
            "request_validation_exception_handler",
            asgiweb.exception_handlers,
            fastapi.exception_handlers,
        ),
        (
            "websocket_request_validation_exception_handler",
            asgiweb.exception_handlers,
            fastapi.exception_handlers,
        ),
        ("run_in_threadpool", asgiweb.concurrency, fastapi.concurrency),
        ("iterate_in_threadpool", asgiweb.concurrency, fastapi.concurrency),
        ("contextmanager_in_threadpool", asgiweb.concurrency, fastapi.concurrency),
        ("run_until_first_complete", asgiweb.concurrency, fastapi.concurrency),
    )
    for name, ours_mod, theirs_mod in functions:
        pairs.append((name, getattr(ours_mod, name, None), getattr(theirs_mod, name), None))
    return [pair for pair in pairs if pair[2] is not None]


def model_signature(cls: Any) -> Any:
    """``cls.__init__``; for a pydantic model, its ``__init__(**data)`` as the keyword-only
    fields it takes (the security credentials are models in FastAPI, dataclasses here)."""
    fields = getattr(cls, "model_fields", None)
    if not fields:
        return cls.__init__
    params = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    for name, field in fields.items():
        default = inspect.Parameter.empty if field.is_required() else field.default
        params.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default))

    def fields_only(*args: Any, **kwargs: Any) -> None:
        return None

    fields_only.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    return fields_only


# (label, FastAPI parameter) -> why ours differs; each is documented in docs/api.md
# ("Signatures").
SIGNATURE_EXCEPTIONS: dict[tuple[str, str], str] = {
    ("App()", "max_body_size"): "a 1 MiB limit by default; FastAPI has none",
    ("Router()", "route_class"): "None stands for Route (FastAPI's default is APIRoute)",
    ("App.add_route", "route"): "add_route is add_api_route: the endpoint gets its parameters",
    ("security.OAuth2", "flows"): "flows is a plain dict (None: no flows), not a pydantic model",
    ("get_swagger_ui_html", "swagger_favicon_url"): "Swagger UI's own favicon by default",
    ("get_redoc_html", "redoc_favicon_url"): "Swagger UI's own favicon by default",
}


def positional_names(params: list[inspect.Parameter]) -> list[str]:
    return [
        p.name
        for p in params
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.name != "self"
    ]


def same_default(ours: Any, theirs: Any) -> bool:
    if theirs is inspect.Parameter.empty:
        return True  # required there: any default here takes what FastAPI code passes
    if type(theirs).__name__ == "DefaultPlaceholder":
        return ours is None or same_default(ours, theirs.value)
    if type(theirs).__name__ == "PydanticUndefinedType" or theirs is Ellipsis:
        return ours is asgiweb.params.REQUIRED or ours is Ellipsis  # a marker's "required"
    if inspect.isclass(ours) and inspect.isclass(theirs):
        # the same name, or asgiweb's class under FastAPI's name (APIRoute is Route)
        return ours.__name__ == theirs.__name__ or any(
            getattr(module, theirs.__name__, None) is ours
            for module in (asgiweb.routing, asgiweb.responses)
        )
    try:
        return bool(ours == theirs)
    except Exception:
        return False


def signature_problems(
    label: str, ours: Any, theirs: Any, probe: Callable[[str, Any], Any] | None
) -> list[str]:
    if ours is None:
        return [f"{label}: missing"]
    mine = inspect.signature(ours).parameters
    reference = inspect.signature(theirs).parameters
    my_positional = positional_names(list(mine.values()))
    their_positional = positional_names(list(reference.values()))
    var_keyword = any(p.kind is p.VAR_KEYWORD for p in mine.values())
    var_positional = any(p.kind is p.VAR_POSITIONAL for p in mine.values())
    problems = []
    for name, param in reference.items():
        if name == "self" or (label, name) in SIGNATURE_EXCEPTIONS:
            continue
        if param.kind is param.VAR_POSITIONAL:
            if not var_positional:
                problems.append(f"{label}: no *{name}")
            continue
        if param.kind is param.VAR_KEYWORD:
            if not var_keyword:
                problems.append(f"{label}: no **{name}")
            continue
        own = mine.get(name)
        if own is None or own.kind is own.VAR_KEYWORD:
            if not var_keyword:
                problems.append(f"{label}: no parameter {name}")
            elif probe is None:
                problems.append(f"{label}: {name} only through **, and no probe says it works")
            else:
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        probe(name, fastapi_default(param.default))
                except TypeError as exc:
                    problems.append(f"{label}: {name} refused: {exc}")
            continue
        if param.kind in (param.POSITIONAL_ONLY, param.POSITIONAL_OR_KEYWORD):
            position = their_positional.index(name)
            if my_positional[position : position + 1] != [name]:
                problems.append(f"{label}: {name} is not positional #{position} here")
            if param.kind is param.POSITIONAL_OR_KEYWORD and own.kind is own.POSITIONAL_ONLY:
                problems.append(f"{label}: {name} is positional-only here")
        elif own.kind is own.POSITIONAL_ONLY:
            problems.append(f"{label}: {name} cannot be given by keyword here")
        if not same_default(own.default, param.default):
            problems.append(f"{label}: {name} defaults to {own.default!r}, not {param.default!r}")
    return problems


@pytest.mark.parametrize(
    "label, ours, theirs, probe", signature_pairs(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_signature_matches_fastapi(label: str, ours: Any, theirs: Any, probe: Any) -> None:
    assert signature_problems(label, ours, theirs, probe) == []


def test_signature_exceptions_are_documented_and_still_needed() -> None:
    with open("docs/api.md", encoding="utf-8") as f:
        text = f.read()
    section = text[text.index("### Signatures") :]
    pairs = {label: (ours, theirs, probe) for label, ours, theirs, probe in signature_pairs()}
    for (label, name), reason in list(SIGNATURE_EXCEPTIONS.items()):
        assert reason and re.search(rf"`[^`]*\b{name}\b[^`]*`", section), (label, name)
        ours, theirs, probe = pairs[label]
        saved = SIGNATURE_EXCEPTIONS.pop((label, name))
        try:
            still = signature_problems(label, ours, theirs, probe)
        finally:
            SIGNATURE_EXCEPTIONS[(label, name)] = saved
        assert any(f" {name}" in p or f"*{name}" in p for p in still), (
            f"{label}: {name} no longer differs: drop the exception"
        )


# --- the gaps the table found, side by side -------------------------------------------


def lifespan_of(label: str, state: dict[str, Any], calls: list[str]) -> Any:
    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> Any:
        calls.append(f"{label} up")
        yield state
        calls.append(f"{label} down")

    return lifespan


def build_router_lifespans(fw: Framework, *, app_lifespan: bool) -> tuple[Any, list[str]]:
    calls: list[str] = []
    router = fw.Router(lifespan=lifespan_of("router", {"shared": "router", "r": 1}, calls))
    nested = fw.Router(lifespan=lifespan_of("nested", {"n": 2}, calls))

    @nested.get("/state")
    def state(request: fw.Request):
        return {k: getattr(request.state, k, None) for k in ("shared", "r", "n", "a")}

    router.include_router(nested)
    options = {"lifespan": lifespan_of("app", {"shared": "app", "a": 3}, calls)}
    app = fw.App(**options) if app_lifespan else fw.App()
    app.include_router(router, prefix="/v1")
    return app, calls


@pytest.mark.parametrize("app_lifespan", [True, False])
def test_included_router_lifespans_run_and_merge_as_fastapi(app_lifespan: bool) -> None:
    seen = []
    for fw in frameworks():
        app, calls = build_router_lifespans(fw, app_lifespan=app_lifespan)
        with TestClient(app) as client:
            answer = client.get("/v1/state").json()
        seen.append((answer, calls))
    assert seen[0] == seen[1]
    if app_lifespan:
        assert seen[0][0] == {"shared": "app", "r": 1, "n": 2, "a": 3}
        ups = ["app up", "router up", "nested up"]
        assert seen[0][1] == [*ups, "nested down", "router down", "app down"]


def test_router_startup_functions_run_once_per_app() -> None:
    calls: list[str] = []
    router = asgiweb.Router(
        on_startup=[lambda: calls.append("start")], on_shutdown=[lambda: calls.append("stop")]
    )
    with pytest.warns(DeprecationWarning):

        @router.on_event("startup")
        async def also() -> None:
            calls.append("async start")

    app = asgiweb.App(on_startup=[lambda: calls.append("app start")])
    app.include_router(router)
    with TestClient(app):
        assert calls == ["app start", "start", "async start"]
    assert calls[-1] == "stop" and calls.count("start") == 1  # FastAPI 0.165: twice


def build_bare_router(fw: Framework) -> Any:
    responses = fw.responses

    def listed():
        return "listed"

    fallback = responses.PlainTextResponse("fallback", status_code=418)
    router = fw.Router(
        routes=[fw.sub("routing").APIRoute("/listed", listed)],
        default=fallback,
    )

    @router.get("/decorated")
    def decorated():
        return "decorated"

    # Mounted: FastAPI's routes need the App around them (a bare APIRouter fails);
    # asgiweb's serve alone too (test_router_serves_its_own_lifespan).
    app = fw.App()
    app.mount("/r", router)
    return app


def test_router_routes_and_default_answer_as_fastapi() -> None:
    same_answers(
        build_bare_router,
        ["/r/listed", "/r/decorated", "/r/nope", Call.post("/r/listed"), "/r/listed/", "/nope"],
        lifespan=False,
    )


def test_router_serves_its_own_lifespan() -> None:
    calls: list[str] = []
    router = asgiweb.Router(
        on_startup=[lambda: calls.append("start")],
        lifespan=lifespan_of("router", {"k": "v"}, calls),
    )

    @router.get("/k")
    def k(request: asgiweb.Request):
        return request.state.k

    with TestClient(router) as client:
        assert client.get("/k").json() == "v"
    assert calls == ["start", "router up", "router down"]


def test_route_class_builds_the_routes() -> None:
    class Tagged(asgiweb.routing.Route):
        pass

    class Other(asgiweb.routing.Route):
        pass

    router = asgiweb.Router(route_class=Tagged)

    @router.get("/a")
    def a():
        return "a"

    @router.get("/b", route_class_override=Other)
    def b():
        return "b"

    assert [type(r) for r in router.routes] == [Tagged, Other]
    app = asgiweb.App()
    app.include_router(router)
    assert TestClient(app).get("/b").json() == "b"
    with pytest.raises(TypeError, match="route_class"):
        asgiweb.Router(route_class=dict)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="dependency_overrides"):
        asgiweb.Router(dependency_overrides_provider=app)


def build_include_limit(fw: Framework) -> Any:
    app = fw.App()
    router = fw.Router()

    @router.post("/b")
    def b(x: dict):
        return len(x)

    @router.post("/own", max_body_size=1000)
    def own(x: dict):
        return len(x)

    app.include_router(router, prefix="/small", max_body_size=10)
    app.include_router(router, prefix="/big")
    return app


def test_include_router_max_body_size_as_fastapi() -> None:
    body = {"k": "v" * 30}
    statuses = []
    for fw in frameworks():
        client = TestClient(build_include_limit(fw))
        statuses.append(
            [client.post(u, json=body).status_code for u in ("/small/b", "/big/b", "/small/own")]
        )
    assert statuses[0] == statuses[1] == [413, 200, 200]


def build_spellings(fw: Framework) -> Any:
    """FastAPI's and Starlette's own parameter names and positions."""
    cors = fw.sub("middleware.cors").CORSMiddleware
    gzip = fw.sub("middleware.gzip").GZipMiddleware
    app = fw.App()
    app.add_middleware(middleware_class=gzip, minimum_size=10)
    app.add_middleware(cors, ["https://a.example"], ["GET", "PUT"], ["x-a"], False, None, True)
    app.add_middleware(gzip, 20, 6, 100)

    @app.exception_handler(exc_class_or_status_code=418)
    def teapot(request: fw.Request, exc: Any):
        return fw.responses.PlainTextResponse(f"tea {exc.detail}", status_code=418)

    @app.get("/tea")
    def tea():
        raise fw.HTTPException(418, "earl grey")

    @app.get("/big")
    def big():
        return {"v": "x" * 200}

    @app.get("/forget")
    def forget(response: fw.Response):
        # partitioned=True needs Python 3.14 in Starlette: test_delete_cookie_partitioned
        response.delete_cookie("a", secure=True, samesite="none")
        return "ok"

    return app


def test_parameter_spellings_answer_as_fastapi() -> None:
    preflight = {
        "origin": "https://a.example",
        "access-control-request-method": "PUT",
        "access-control-request-private-network": "true",
    }
    cors_headers = (
        "access-control-allow-origin",
        "access-control-allow-methods",
        "access-control-allow-private-network",
        "access-control-allow-headers",
    )
    same_answers(
        build_spellings,
        [
            "/tea",
            Call("OPTIONS", "/big", headers=preflight, compare_headers=cors_headers),
            Call.get(
                "/big",
                headers={"accept-encoding": "gzip"},
                compare_headers=("content-encoding", "vary"),
            ),
            Call.get("/forget", compare_headers=("set-cookie",)),
        ],
    )


def build_websocket_urls(fw: Framework) -> Any:
    app = fw.App()

    @app.get("/items/{item_id}", name="item")
    def item(item_id: int):
        return item_id

    @app.websocket("/ws/{room}", name="room")
    async def room(websocket: fw.WebSocket, room: str):
        await websocket.accept()
        await websocket.send_json(
            {
                "http": str(websocket.url_for("item", item_id=3)),
                "ws": str(websocket.url_for("room", room="b")),
                "base": str(websocket.base_url),
            }
        )
        await websocket.close()

    @app.websocket("/deny")
    async def deny(websocket: fw.WebSocket):
        await websocket.send_denial_response(
            fw.responses.JSONResponse({"detail": "go away"}, status_code=403)
        )

    return app


def test_websocket_url_for_and_denial_as_fastapi() -> None:
    seen = []
    for fw in frameworks():
        client = TestClient(build_websocket_urls(fw))
        with client.websocket_connect("/ws/a") as ws:
            urls = ws.receive_json()
        with pytest.raises(Exception) as info, client.websocket_connect("/deny"):
            pass
        seen.append((urls, type(info.value).__name__, getattr(info.value, "status_code", None)))
    assert seen[0] == seen[1]
    assert seen[0][0] == {
        "http": "http://testserver/items/3",
        "ws": "ws://testserver/ws/b",
        "base": "ws://testserver/",
    }


def test_send_push_promise_as_starlette() -> None:
    from starlette.requests import Request as StarletteRequest

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "query_string": b"",
        "headers": [
            (b"accept", b"text/html"),
            (b"accept-language", b"en"),
            (b"user-agent", b"t"),
            (b"cookie", b"a=1"),
        ],
        "extensions": {"http.response.push": {}},
    }
    got: list[Any] = []

    async def send(message: Any) -> None:
        got.append(message)

    async def receive() -> Any:
        return {"type": "http.request", "body": b""}

    async def main() -> None:
        await asgiweb.Request(scope, receive, send).send_push_promise("/style.css")
        await StarletteRequest(scope, receive, send).send_push_promise("/style.css")
        no_push = {**scope, "extensions": {}}
        await asgiweb.Request(no_push, receive, send).send_push_promise("/x")
        await StarletteRequest(no_push, receive, send).send_push_promise("/x")

    anyio.run(main)
    assert len(got) == 2
    assert got[0]["type"] == "http.response.push" and got[0]["path"] == "/style.css"
    assert sorted(got[0]["headers"]) == sorted(got[1]["headers"])
    assert got[0] == {**got[1], "headers": got[0]["headers"]}


@pytest.mark.parametrize("safe", [True, False])
def test_jsonable_encoder_sqlalchemy_safe(safe: bool) -> None:
    from fastapi.encoders import jsonable_encoder as theirs

    from asgiweb.encoders import jsonable_encoder as ours

    class Row:
        def __init__(self) -> None:
            self._sa_instance_state = "state"
            self.name = "row"

    data = {"_sa": 1, "_sample": 2, "rows": [Row()], "nested": {"_sa_x": {"keep": 1}}}
    assert ours(data, sqlalchemy_safe=safe) == theirs(data, sqlalchemy_safe=safe)
    assert ours(data) == theirs(data)  # the default drops them, as FastAPI's does


def test_delete_cookie_partitioned() -> None:
    response = asgiweb.Response()
    response.delete_cookie("a", secure=True, samesite="none", partitioned=True)
    expected = asgiweb.Response()
    expected.set_cookie("a", max_age=0, expires=0, secure=True, samesite="none", partitioned=True)
    assert response.headers.getlist("set-cookie") == expected.headers.getlist("set-cookie")
    assert "Partitioned" in response.headers["set-cookie"]


def build_limited(fw: Framework, record: dict[str, Any]) -> Any:
    """Dependencies bounded by ``max_concurrency``: each records how many of its runs
    overlapped at most (a generator's run lasts until its exit code)."""

    def tracker(name: str) -> tuple[Any, Any]:
        record[name] = {"now": 0, "most": 0}

        def enter() -> None:
            entry = record[name]
            entry["now"] += 1
            entry["most"] = max(entry["most"], entry["now"])

        def leave() -> None:
            record[name]["now"] -= 1

        return enter, leave

    enter_a, leave_a = tracker("async")
    enter_s, leave_s = tracker("sync")
    enter_g, leave_g = tracker("gen")

    async def limited_async() -> str:
        enter_a()
        await anyio.sleep(0.02)
        leave_a()
        return "a"

    def limited_sync() -> str:
        enter_s()
        import time

        time.sleep(0.01)
        leave_s()
        return "s"

    async def limited_gen() -> Any:
        enter_g()
        try:
            yield "g"
        finally:
            await anyio.sleep(0.01)
            leave_g()

    app = fw.App()

    @app.get("/")
    async def route(
        a: Annotated[str, fw.Depends(limited_async, max_concurrency=2)],
        s: Annotated[str, fw.Depends(limited_sync, max_concurrency=1)],
        g: Annotated[str, fw.Depends(limited_gen, max_concurrency=1)],
    ):
        await anyio.sleep(0.01)
        return a + s + g

    return app


def test_depends_max_concurrency_as_fastapi() -> None:
    from tests.harness import Peer, http_scope

    results = []
    for fw in frameworks():
        record: dict[str, Any] = {}
        app = build_limited(fw, record)
        peers = [Peer() for _ in range(6)]

        async def main(app: Any, peers: list[Peer]) -> None:
            with anyio.fail_after(10):
                async with anyio.create_task_group() as group:
                    for peer in peers:
                        group.start_soon(app, http_scope(), peer.receive, peer.send)

        anyio.run(main, app, peers)
        bodies = [peer.body for peer in peers]
        results.append((bodies, {k: (v["most"], v["now"]) for k, v in record.items()}))
    assert results[0] == results[1]
    assert results[0] == ([b'"asg"'] * 6, {"async": (2, 0), "sync": (1, 0), "gen": (1, 0)})


def test_depends_max_concurrency_is_validated() -> None:
    for fw in frameworks():
        for bad in (0, -1, 1.5, "2"):
            with pytest.raises(ValueError, match="max_concurrency"):
                fw.Depends(handler, max_concurrency=bad)
