"""Jinja2Templates: the same pages as FastAPI's (Starlette's) Jinja2Templates renders."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import jinja2
import pytest

from asgiweb import App, Request
from asgiweb.background import BackgroundTasks
from asgiweb.encoders import MissingDependencyError
from asgiweb.responses import HTMLResponse
from asgiweb.staticfiles import StaticFiles
from asgiweb.templating import Jinja2Templates
from asgiweb.testclient import TestClient
from tests.harness import http_scope

PAGE = """<title>{{ title }}</title>
<link href="{{ url_for('static', path='/site.css') }}" rel="stylesheet">
<a href="{{ url_for('show_item', item_id=item_id) }}">item {{ item_id }}</a>
<p>{{ request.url.path }} {{ request.method }}</p>
<p>{{ note }}</p>
{% if user %}<p>{{ user }}</p>{% endif %}
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text(PAGE)
    (tmp_path / "templates" / "plain.txt").write_text("hello {{ name }}")
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "site.css").write_text("p { margin: 0 }")
    return tmp_path


def build(framework: str, site: Path, **template_options: Any) -> Any:
    if framework == "asgiweb":
        app: Any = App()
        templates: Any = Jinja2Templates(directory=site / "templates", **template_options)
        request_class: Any = Request
        static: Any = StaticFiles
    else:
        from fastapi import FastAPI
        from fastapi import Request as FastAPIRequest
        from fastapi.staticfiles import StaticFiles as StarletteStaticFiles
        from fastapi.templating import Jinja2Templates as StarletteTemplates

        app = FastAPI()
        templates = StarletteTemplates(directory=site / "templates", **template_options)
        request_class = FastAPIRequest
        static = StarletteStaticFiles
    app.mount("/static", static(directory=site / "static"), name="static")

    async def show_item(request: Any, item_id: int, note: str = "<b>bold</b>") -> Any:
        return templates.TemplateResponse(
            request=request,
            name="page.html",
            context={"title": "Item", "item_id": item_id, "note": note},
        )

    async def teapot(request: Any) -> Any:
        return templates.TemplateResponse(
            request,
            "plain.txt",
            {"name": "tea"},
            status_code=418,
            headers={"x-kind": "pot"},
            media_type="text/plain",
        )

    for handler in (show_item, teapot):
        handler.__annotations__["request"] = request_class
    app.get("/items/{item_id}", response_class=HTMLResponse)(show_item)
    app.get("/teapot")(teapot)
    return app


def answers(framework: str, site: Path, url: str, **options: Any) -> tuple[Any, ...]:
    r = TestClient(build(framework, site, **options), root_path="").get(url)
    return r.status_code, r.text, r.headers["content-type"], r.headers.get("x-kind")


@pytest.mark.parametrize("url", ["/items/7", "/items/7?note=<script>alert(1)</script>", "/teapot"])
def test_same_pages_as_fastapi(site: Path, url: str) -> None:
    assert answers("asgiweb", site, url) == answers("fastapi", site, url)


def test_page_content(site: Path) -> None:
    status, text, content_type, _ = answers("asgiweb", site, "/items/7?note=<i>x</i>")
    assert (status, content_type) == (200, "text/html; charset=utf-8")
    assert 'href="http://testserver/static/site.css"' in text
    assert 'href="http://testserver/items/7"' in text
    assert "<p>/items/7 GET</p>" in text
    assert "&lt;i&gt;x&lt;/i&gt;" in text  # autoescaped


def test_context_processors_same_as_fastapi(site: Path) -> None:
    def user(request: Any) -> dict[str, str]:
        return {"user": f"visitor of {request.url.path}"}

    ours = answers("asgiweb", site, "/items/3", context_processors=[user])
    assert "<p>visitor of /items/3</p>" in ours[1]
    assert ours == answers("fastapi", site, "/items/3", context_processors=[user])


def test_url_for_honours_root_path(site: Path) -> None:
    r = TestClient(build("asgiweb", site), root_path="/app").get("/items/1")
    assert 'href="http://testserver/app/static/site.css"' in r.text
    assert 'href="http://testserver/app/items/1"' in r.text


def test_response_keeps_template_and_context(site: Path) -> None:
    templates = Jinja2Templates(directory=site / "templates")
    tasks = BackgroundTasks()
    request = Request(http_scope())
    response = templates.TemplateResponse(request, "plain.txt", {"name": "x"}, background=tasks)
    assert response.template.name == "plain.txt"  # type: ignore[attr-defined]
    assert response.context == {"name": "x", "request": request}  # type: ignore[attr-defined]
    assert response.body == b"hello x"
    assert response.background is not None


def test_env_and_several_directories(site: Path, tmp_path: Path) -> None:
    other = tmp_path / "more"
    other.mkdir()
    (other / "extra.html").write_text("extra {{ 1 + 1 }}")
    templates = Jinja2Templates(directory=[site / "templates", other])
    assert templates.get_template("extra.html").render() == "extra 2"
    env = jinja2.Environment(loader=jinja2.DictLoader({"x.html": "{{ url_for is defined }}"}))
    assert Jinja2Templates(env=env).get_template("x.html").render() == "True"
    with pytest.raises(ValueError, match="either 'directory' or 'env'"):
        Jinja2Templates()
    with pytest.raises(ValueError, match="either 'directory' or 'env'"):
        Jinja2Templates(directory=other, env=env)


def test_template_errors_reach_the_handler(site: Path) -> None:
    app = App()
    templates = Jinja2Templates(directory=site / "templates")

    @app.get("/")
    async def missing(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(request, "nope.html")

    with pytest.raises(jinja2.TemplateNotFound):
        TestClient(app).get("/")
    r = TestClient(app, raise_server_exceptions=False).get("/")
    assert r.status_code == 500
    with pytest.raises(jinja2.TemplateNotFound):
        templates.get_template("../outside.html")


def test_old_call_style_is_a_clear_error(site: Path) -> None:
    templates = Jinja2Templates(directory=site / "templates")
    with pytest.raises(TypeError, match="request first"):
        templates.TemplateResponse("page.html", {"request": None})  # type: ignore[arg-type]


def test_missing_jinja2_names_the_extra(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "jinja2", None)
    with pytest.raises(MissingDependencyError, match=r"asgiweb\[jinja2\]") as info:
        Jinja2Templates(directory=site / "templates")
    assert isinstance(info.value, ImportError)
