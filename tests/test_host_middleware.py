"""HTTPSRedirectMiddleware and TrustedHostMiddleware, answered as Starlette's own."""

from __future__ import annotations

from typing import Any

import pytest

from asgiweb import App
from asgiweb.middleware.httpsredirect import HTTPSRedirectMiddleware
from asgiweb.middleware.trustedhost import TrustedHostMiddleware
from asgiweb.testclient import TestClient


def _app(middleware: Any, **options: Any) -> App:
    app = App()
    app.add_middleware(middleware, **options)

    @app.get("/items/{name}")
    async def item(name: str) -> str:
        return name

    return app


def _starlette_app(kind: str, **options: Any) -> Any:
    starlette = pytest.importorskip("starlette")
    del starlette
    from starlette.applications import Starlette
    from starlette.middleware.httpsredirect import HTTPSRedirectMiddleware as SHTTPS
    from starlette.middleware.trustedhost import TrustedHostMiddleware as STrusted
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def item(request: Any) -> Any:
        return JSONResponse(request.path_params["name"])

    app = Starlette(routes=[Route("/items/{name}", item)])
    app.add_middleware(SHTTPS if kind == "https" else STrusted, **options)
    return app


def _answers(app: Any, base_url: str, requests: list[tuple[str, dict[str, str]]]) -> list[Any]:
    out = []
    with TestClient(app, base_url=base_url) as client:
        for path, headers in requests:
            reply = client.get(path, headers=headers, follow_redirects=False)
            out.append((reply.status_code, reply.headers.get("location"), reply.text))
    return out


HTTPS_CASES = [
    ("http://testserver", "/items/a?x=1"),
    ("http://testserver:80", "/items/a"),
    ("http://testserver:8080", "/items/a%20b"),
    ("https://testserver", "/items/a"),
]


@pytest.mark.parametrize(("base_url", "path"), HTTPS_CASES)
def test_https_redirect_as_starlette(base_url: str, path: str) -> None:
    ours = _answers(_app(HTTPSRedirectMiddleware), base_url, [(path, {})])
    theirs = _answers(_starlette_app("https"), base_url, [(path, {})])
    assert ours == theirs
    if base_url.startswith("http://"):
        assert ours[0][0] == 307 and ours[0][1].startswith("https://")


TRUSTED_REQUESTS = [
    ("/items/a", {"host": "example.com"}),
    ("/items/a", {"host": "EXAMPLE.com:8000"}),
    ("/items/a", {"host": "api.example.com"}),
    ("/items/a", {"host": "evil.com"}),
    ("/items/a", {"host": "example.com.evil.com"}),
    ("/items/a", {"host": "www.example.org"}),
    ("/items/a?q=1", {"host": "example.org"}),
    ("/items/a", {"host": ""}),
]


@pytest.mark.parametrize("www_redirect", [True, False])
def test_trusted_host_as_starlette(www_redirect: bool) -> None:
    options = {
        "allowed_hosts": ["example.com", "*.example.com", "www.example.org"],
        "www_redirect": www_redirect,
    }
    ours = _answers(
        _app(TrustedHostMiddleware, **options), "http://testserver", TRUSTED_REQUESTS
    )
    theirs = _answers(_starlette_app("trusted", **options), "http://testserver", TRUSTED_REQUESTS)
    assert ours == theirs
    assert ours[3] == (400, None, "Invalid host header")


def test_trusted_host_rejects_bad_wildcards_and_allows_any_by_default() -> None:
    with pytest.raises(ValueError, match="wildcard"):
        TrustedHostMiddleware(App(), allowed_hosts=["example.*"])
    with pytest.raises(ValueError, match="wildcard"):
        TrustedHostMiddleware(App(), allowed_hosts=["*example.com"])
    assert _answers(_app(TrustedHostMiddleware), "http://testserver", [("/items/z", {})]) == [
        (200, None, '"z"')
    ]
