"""FastAPI's "Templates" page on asgiweb with only the imports changed, answered as
FastAPI answers it."""

from __future__ import annotations

from pathlib import Path

import pytest

from asgiweb.testclient import TestClient
from tests.tutorial._pages import load, on_asgiweb

TEMPLATES_PAGE = """\
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

app = FastAPI()

app.mount("/static", StaticFiles(directory="static"), name="static")


templates = Jinja2Templates(directory="templates")


@app.get("/items/{id}", response_class=HTMLResponse)
async def read_item(request: Request, id: str):
    return templates.TemplateResponse(
        request=request, name="item.html", context={"id": id}
    )
"""

ITEM_TEMPLATE = """\
<html>
<head>
    <title>One item</title>
    <link href="{{ url_for('static', path='/styles.css') }}" rel="stylesheet">
</head>
<body>
    <h1><a href="{{ url_for('read_item', id=id) }}">Item ID: {{ id }}</a></h1>
</body>
</html>
"""


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "styles.css").write_text("h1 {\n    color: green;\n}\n")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "item.html").write_text(ITEM_TEMPLATE)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def clients(root_path: str = "") -> tuple[TestClient, TestClient]:
    return (
        TestClient(load(on_asgiweb(TEMPLATES_PAGE), "templates_on_asgiweb"), root_path=root_path),
        TestClient(load(TEMPLATES_PAGE, "templates_on_fastapi"), root_path=root_path),
    )


@pytest.mark.parametrize("root_path", ["", "/proxy"])
@pytest.mark.parametrize(
    "url", ["/items/foo", "/items/<b>x</b>", "/items/caf%C3%A9", "/static/styles.css", "/nope"]
)
def test_templates_page(workdir: Path, root_path: str, url: str) -> None:
    ours, theirs = clients(root_path)
    a, b = ours.get(url), theirs.get(url)
    assert (a.status_code, a.text, a.headers["content-type"]) == (
        b.status_code,
        b.text,
        b.headers["content-type"],
    )


def test_templates_page_content(workdir: Path) -> None:
    ours, _ = clients()
    r = ours.get("/items/foo")
    assert r.status_code == 200
    assert '<h1><a href="http://testserver/items/foo">Item ID: foo</a></h1>' in r.text
    assert 'href="http://testserver/static/styles.css"' in r.text
    css = ours.get("/static/styles.css")
    assert b"color: green;" in css.content
    assert css.headers["content-type"] == "text/css; charset=utf-8"
