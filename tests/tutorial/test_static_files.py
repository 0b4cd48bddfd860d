"""FastAPI's "Static Files" page, and the static-assets part of "Custom Docs UI
Static Assets", on asgiweb with only the imports changed, answered as FastAPI answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from asgiweb.testclient import TestClient
from tests.tutorial._pages import load, on_asgiweb

STATIC_FILES_PAGE = """\
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

app = FastAPI()

app.mount("/static", StaticFiles(directory="static"), name="static")
"""

# The page serves Swagger UI and ReDoc from the app's own /static instead of a
# CDN; the docs routes themselves need FastAPI's OpenAPI helpers, so only the
# asset serving and the ordinary route are taken here.
DOCS_ASSETS_PAGE = """\
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

app = FastAPI(docs_url=None, redoc_url=None)

app.mount("/static", StaticFiles(directory="static"), name="static")


@app.get("/users/{username}")
async def read_user(username: str):
    return {"message": f"Hello {username}"}
"""

ASSETS = {
    "styles.css": b"h1 { color: teal; }\n",
    "swagger-ui-bundle.js": b"window.SwaggerUIBundle = function () { return 1; };\n",
    "swagger-ui.css": b".swagger-ui { display: block; }\n",
    "redoc.standalone.js": b"window.Redoc = { init: function () {} };\n",
    "favicon.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
}


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "static").mkdir()
    for name, content in ASSETS.items():
        (tmp_path / "static" / name).write_bytes(content)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def both(source: str) -> tuple[TestClient, TestClient]:
    return (
        TestClient(load(on_asgiweb(source), "page_on_asgiweb")),
        TestClient(load(source, "page_on_fastapi")),
    )


def answer(client: TestClient, method: str, url: str, **kw: Any) -> tuple[Any, ...]:
    r = client.request(method, url, follow_redirects=False, **kw)
    return (
        r.status_code,
        r.content,
        r.headers.get("content-type"),
        r.headers.get("content-length"),
        r.headers.get("allow"),
    )


def test_the_port_changes_only_imports() -> None:
    ported = on_asgiweb(DOCS_ASSETS_PAGE)
    assert "from asgiweb import App as FastAPI" in ported
    assert "from asgiweb.staticfiles import StaticFiles" in ported
    changed = [
        (a, b)
        for a, b in zip(DOCS_ASSETS_PAGE.splitlines(), ported.splitlines(), strict=True)
        if a != b
    ]
    assert all(a.startswith(("from fastapi", "import fastapi")) for a, _ in changed)


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "/static/styles.css"),
        ("HEAD", "/static/styles.css"),
        ("GET", "/static/favicon.png"),
        ("GET", "/static/missing.css"),
        ("GET", "/static/../etc/passwd"),
        ("POST", "/static/styles.css"),
        ("GET", "/elsewhere"),
    ],
)
def test_static_files_page(workdir: Path, method: str, url: str) -> None:
    ours, theirs = both(STATIC_FILES_PAGE)
    assert answer(ours, method, url) == answer(theirs, method, url)


def test_static_files_page_serves_the_file(workdir: Path) -> None:
    ours, _ = both(STATIC_FILES_PAGE)
    r = ours.get("/static/styles.css")
    assert r.status_code == 200
    assert r.content == ASSETS["styles.css"]
    assert r.headers["content-type"] == "text/css; charset=utf-8"


@pytest.mark.parametrize(
    "url",
    [
        "/static/swagger-ui-bundle.js",
        "/static/swagger-ui.css",
        "/static/redoc.standalone.js",
        "/users/ada",
        "/docs",
        "/redoc",
    ],
)
def test_custom_docs_static_assets_page(workdir: Path, url: str) -> None:
    ours, theirs = both(DOCS_ASSETS_PAGE)
    assert answer(ours, "GET", url) == answer(theirs, "GET", url)


def test_custom_docs_assets_are_cacheable(workdir: Path) -> None:
    ours, _ = both(DOCS_ASSETS_PAGE)
    first = ours.get("/static/swagger-ui-bundle.js")
    assert first.headers["content-type"] == "text/javascript; charset=utf-8"
    assert first.content == ASSETS["swagger-ui-bundle.js"]
    again = ours.get(
        "/static/swagger-ui-bundle.js", headers={"if-none-match": first.headers["etag"]}
    )
    assert again.status_code == 304
    assert ours.get("/users/ada").json() == {"message": "Hello ada"}
