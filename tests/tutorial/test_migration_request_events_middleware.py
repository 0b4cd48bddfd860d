"""FastAPI's "Using the Request Directly", "Events", "Middleware" and "Advanced
Middleware" pages, ported: each app runs on asgiweb and on FastAPI, answers compared."""

import gzip
import time
from contextlib import asynccontextmanager
from typing import Any

from asgiweb.testclient import TestClient
from tests.oracle.sidebyside import Call, Framework, both, compare

# -- Using the Request Directly -------------------------------------------------------


def request_directly(fw: Framework) -> Any:
    app = fw.App()
    Request = fw.mod.Request

    @app.get("/items/{item_id}")
    def read_root(item_id: str, request: Request):  # type: ignore[no-untyped-def]
        client_host = request.client.host
        return {"client_host": client_host, "item_id": item_id}

    @app.get("/details")
    async def details(request: Request):  # type: ignore[no-untyped-def]
        return {
            "method": request.method,
            "url": str(request.url),
            "path": request.url.path,
            "query": request.url.query,
            "secure": request.url.is_secure,
            "port": request.url.port,
            "client": list(request.client),
            "headers": request.headers.getlist("x-many"),
            "query_params": request.query_params.getlist("k"),
            "cookies": request.cookies,
            "route": request.scope["route"].path,
        }

    return app


def test_using_the_request_directly() -> None:
    calls = [
        Call.get("/items/foo"),
        Call.get(
            "/details?k=1&k=2",
            headers=[("x-many", "a"), ("x-many", "b")],
            cookies={"c": "hello world"},
        ),
    ]
    answers = compare(request_directly, calls)
    assert answers[0].json() == {"client_host": "testclient", "item_id": "foo"}
    assert answers[1].json()["headers"] == ["a", "b"]


# -- Events: lifespan and on_event ----------------------------------------------------


def lifespan_app(fw: Framework) -> Any:
    ml_models: dict[str, Any] = {}
    log: list[str] = []

    def fake_answer_to_everything_ml_model(x: float) -> float:
        return x * 42

    @asynccontextmanager
    async def lifespan(app: Any):  # type: ignore[no-untyped-def]
        ml_models["answer_to_everything"] = fake_answer_to_everything_ml_model
        log.append("startup")
        yield
        ml_models.clear()
        log.append("shutdown")

    app = fw.App(lifespan=lifespan)
    app.state.log = log

    @app.get("/predict")
    async def predict(x: float):  # type: ignore[no-untyped-def]
        result = ml_models["answer_to_everything"](x)
        return {"result": result}

    return app


def test_lifespan_events() -> None:
    answers = compare(lifespan_app, [Call.get("/predict?x=2")])
    assert answers[0].json() == {"result": 84.0}
    ours, theirs = both(lifespan_app)
    for app in (ours, theirs):
        with TestClient(app) as client:
            assert client.get("/predict?x=1").json() == {"result": 42.0}
        assert app.state.log == ["startup", "shutdown"]


def on_event_app(fw: Framework) -> Any:
    import warnings

    app = fw.App()
    items: dict[str, Any] = {}
    log: list[str] = []
    app.state.log = log
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)

        @app.on_event("startup")
        async def startup_event():  # type: ignore[no-untyped-def]
            items["foo"] = {"name": "Fighters"}
            items["bar"] = {"name": "Tenders"}

        @app.on_event("shutdown")
        def shutdown_event():  # type: ignore[no-untyped-def]
            log.append("Application shutdown")

    @app.get("/items/{item_id}")
    async def read_items(item_id: str):  # type: ignore[no-untyped-def]
        return items[item_id]

    return app


def test_startup_and_shutdown_events() -> None:
    answers = compare(on_event_app, [Call.get("/items/foo")])
    assert answers[0].json() == {"name": "Fighters"}
    for app in both(on_event_app):
        with TestClient(app) as client:
            client.get("/items/bar")
        assert app.state.log == ["Application shutdown"]


# -- Middleware -----------------------------------------------------------------------


def process_time_app(fw: Framework) -> Any:
    app = fw.App()
    Request = fw.mod.Request

    @app.middleware("http")
    async def add_process_time_header(request: Request, call_next):  # type: ignore[no-untyped-def]
        start_time = time.perf_counter()
        response = await call_next(request)
        process_time = time.perf_counter() - start_time
        response.headers["X-Process-Time"] = str(process_time)
        return response

    @app.middleware("http")
    async def outer(request: Request, call_next):  # type: ignore[no-untyped-def]
        response = await call_next(request)
        response.headers["X-Order"] = response.headers.get("X-Order", "") + "outer"
        return response

    @app.get("/items/{item_id}")
    async def read(item_id: int):  # type: ignore[no-untyped-def]
        return {"item_id": item_id}

    return app


def test_middleware_adds_a_header() -> None:
    calls = [Call.get("/items/1"), Call.get("/items/x"), Call.get("/missing")]
    answers = compare(process_time_app, calls, headers=("content-type", "x-order"))
    for answer in answers:
        assert float(answer.headers["x-process-time"]) >= 0


# -- Advanced Middleware --------------------------------------------------------------


def https_redirect_app(fw: Framework) -> Any:
    app = fw.App()
    app.add_middleware(fw.sub("middleware.httpsredirect").HTTPSRedirectMiddleware)

    @app.get("/")
    async def main():  # type: ignore[no-untyped-def]
        return {"message": "Hello World"}

    return app


def test_https_redirect_middleware() -> None:
    calls = [
        Call.get("/?a=1", follow_redirects=False),
        Call.get("/"),  # followed to https://testserver/
    ]
    answers = compare(https_redirect_app, calls, headers=("content-type", "location"))
    assert answers[0].status_code == 307
    assert answers[0].headers["location"] == "https://testserver/?a=1"
    assert answers[1].json() == {"message": "Hello World"}
    assert str(answers[1].url) == "https://testserver/"


def trusted_host_app(fw: Framework) -> Any:
    app = fw.App()
    app.add_middleware(
        fw.sub("middleware.trustedhost").TrustedHostMiddleware,
        allowed_hosts=["example.com", "*.example.com"],
    )

    @app.get("/")
    async def main():  # type: ignore[no-untyped-def]
        return {"message": "Hello World"}

    return app


def test_trusted_host_middleware() -> None:
    calls = [
        Call.get("http://example.com/"),
        Call.get("http://api.example.com/"),
        Call.get("http://evil.com/"),
        Call.get("/"),
    ]
    answers = compare(trusted_host_app, calls)
    assert [a.status_code for a in answers] == [200, 200, 400, 400]


def gzip_app(fw: Framework) -> Any:
    app = fw.App()
    app.add_middleware(fw.sub("middleware.gzip").GZipMiddleware, minimum_size=1000, compresslevel=5)

    @app.get("/")
    async def main():  # type: ignore[no-untyped-def]
        return "somebigcontent" * 100

    @app.get("/small")
    async def small():  # type: ignore[no-untyped-def]
        return "tiny"

    return app


def test_gzip_middleware() -> None:
    gz = {"accept-encoding": "gzip"}
    calls = [
        Call.get("/", headers=gz),
        Call.get("/small", headers=gz),
        Call.get("/", headers={"accept-encoding": "identity"}),
    ]
    names = ("content-type", "content-encoding", "vary")
    answers = compare(gzip_app, calls, headers=names)
    assert answers[0].headers["content-encoding"] == "gzip"
    assert "content-encoding" not in answers[1].headers
    ours, _ = both(gzip_app)
    with TestClient(ours).stream("GET", "/", headers=gz) as response:
        raw = b"".join(response.iter_raw())
    assert gzip.decompress(raw) == b'"' + b"somebigcontent" * 100 + b'"'
