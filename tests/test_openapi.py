"""The OpenAPI document and the docs pages as an app serves them (docs/openapi.md)."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import pathlib
import re
import subprocess
import sys
import textwrap
from typing import Annotated, Any

import pytest

from asgiweb import App, Query, Router
from asgiweb.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from asgiweb.openapi.utils import get_openapi
from asgiweb.params import REQUIRED
from asgiweb.responses import PlainTextResponse
from asgiweb.testclient import TestClient


@dataclasses.dataclass
class Item:
    name: str
    price: float = 0.0


def small_app(**keywords: Any) -> App:
    app = App(**keywords)

    @app.get("/items/{item_id}")
    def read_item(item_id: int, q: str | None = None) -> Item:
        return Item(name=f"item {item_id}")

    @app.post("/items", status_code=201)
    def create_item(item: Item) -> Item:
        return item

    return app


# -- the document -------------------------------------------------------------------


def test_route_keeps_the_plans_account_of_its_parameters() -> None:
    app = small_app()
    read = next(r for r in app.routes if r.name == "read_item")
    assert [(p.name, p.source, p.key, p.required) for p in read.info.params] == [
        ("item_id", "path", "item_id", True),
        ("q", "query", "q", False),
    ]
    assert read.info.params[0].default is REQUIRED
    assert read.info.response_model is Item
    create = next(r for r in app.routes if r.name == "create_item")
    assert [p.name for p in create.info.body] == ["item"]
    assert create.info.body_embedded is False


def test_served_at_openapi_url_built_once_and_cached() -> None:
    app = small_app()
    with TestClient(app) as client:
        first = client.get("/openapi.json")
        assert first.status_code == 200
        document = first.json()
        assert document["openapi"] == "3.1.0"
        assert set(document["paths"]) == {"/items/{item_id}", "/items"}
        assert app.openapi() is app.openapi_schema
        assert app.openapi() is app.openapi()
        assert client.get("/openapi.json").json() == document
        assert client.get("/docs").status_code == 200
    # Served, but app.routes stays the app's own routes.
    assert [route.path for route in app.routes] == ["/items/{item_id}", "/items"]


def test_the_docs_routes_are_not_in_the_document_and_head_is_not_an_operation() -> None:
    app = small_app()
    with TestClient(app) as client:
        document = client.get("/openapi.json").json()
    assert list(document["paths"]["/items/{item_id}"]) == ["get"]
    assert "/docs" not in document["paths"] and "/openapi.json" not in document["paths"]


def test_extending_openapi_as_fastapi_documents() -> None:
    app = small_app(title="Shop", version="1.2.3")

    def custom_openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title="Custom title",
            version="2.5.0",
            summary="Summary here",
            description="Custom description",
            routes=app.routes,
        )
        schema["info"]["x-logo"] = {"url": "https://example.com/logo.png"}
        app.openapi_schema = schema
        return schema

    app.openapi = custom_openapi  # type: ignore[method-assign]
    with TestClient(app) as client:
        document = client.get("/openapi.json").json()
    assert document["info"] == {
        "title": "Custom title",
        "version": "2.5.0",
        "summary": "Summary here",
        "description": "Custom description",
        "x-logo": {"url": "https://example.com/logo.png"},
    }
    assert "/items" in document["paths"]


def test_app_keywords_reach_the_document() -> None:
    app = small_app(
        title="Shop",
        version="9",
        summary="S",
        description="D",
        terms_of_service="https://example.com/tos",
        contact={"name": "Ops"},
        license_info={"name": "MIT"},
        openapi_tags=[{"name": "items"}],
        servers=[{"url": "https://example.com"}],
    )
    document = app.openapi()
    assert document["info"] == {
        "title": "Shop",
        "version": "9",
        "summary": "S",
        "description": "D",
        "termsOfService": "https://example.com/tos",
        "contact": {"name": "Ops"},
        "license": {"name": "MIT"},
    }
    assert document["tags"] == [{"name": "items"}]
    assert document["servers"] == [{"url": "https://example.com"}]


def test_generate_unique_id_function_of_the_app() -> None:
    app = small_app(generate_unique_id_function=lambda route: f"op-{route.name}")
    operations = app.openapi()["paths"]["/items"]["post"]
    assert operations["operationId"] == "op-create_item"


def test_duplicate_operation_ids_warn() -> None:
    app = App()
    router = Router()

    @router.get("/a", operation_id="same")
    def one() -> Any:
        return 1

    @router.get("/b", operation_id="same")
    def two() -> Any:
        return 2

    app.include_router(router)
    with pytest.warns(UserWarning, match="Duplicate Operation ID same"):
        app.openapi()


class Opaque:
    """A return type JSON Schema cannot describe."""


def test_an_undescribable_return_annotation_does_not_break_the_document() -> None:
    app = App()

    @app.get("/text", response_class=PlainTextResponse)
    def text() -> Opaque:
        return Opaque()

    @app.get("/json")
    def json_answer() -> Opaque:
        return Opaque()

    paths = app.openapi()["paths"]
    content = paths["/text"]["get"]["responses"]["200"]["content"]
    assert content == {"text/plain": {"schema": {"type": "string"}}}
    content = paths["/json"]["get"]["responses"]["200"]["content"]
    assert content == {"application/json": {"schema": {}}}


@pytest.mark.filterwarnings("ignore:The `root_path` parameter is deprecated")
@pytest.mark.parametrize(
    ("root_path", "in_servers", "servers", "expected"),
    [
        ("/api", True, None, [{"url": "/api"}]),
        ("/api", True, [{"url": "https://x"}], [{"url": "/api"}, {"url": "https://x"}]),
        ("/api", True, [{"url": "/api"}], [{"url": "/api"}]),
        ("/api", False, None, None),
        ("", True, None, None),
    ],
)
def test_root_path_in_servers_as_fastapi(
    root_path: str, in_servers: bool, servers: Any, expected: Any
) -> None:
    fastapi = pytest.importorskip("fastapi")
    answers = []
    for app in (
        App(root_path=root_path, root_path_in_servers=in_servers, servers=servers),
        fastapi.FastAPI(root_path=root_path, root_path_in_servers=in_servers, servers=servers),
    ):
        with TestClient(app) as client:
            answers.append(client.get(f"{root_path.rstrip('/')}/openapi.json").json())
    ours, theirs = answers
    assert ours.get("servers") == theirs.get("servers") == expected


# -- the pages ------------------------------------------------------------------------


def _assets(page: str) -> set[str]:
    return set(re.findall(r'(?:src|href)="([^"]+)"', page))


def _swagger_settings(page: str) -> dict[str, str]:
    """``key: value`` pairs of the SwaggerUIBundle call, quotes and spacing normalised."""
    body = page.split("SwaggerUIBundle(", 1)[1].split("})", 1)[0]
    pairs = re.findall(r'^\s*"?(\w+)"?\s*:\s*(.+?),?\s*$', body, re.MULTILINE)
    found = {key: re.sub(r"\s+", "", value).replace("'", '"') for key, value in pairs}
    # The presets list spans lines on one side and not the other: check it apart.
    del found["presets"]
    assert "presets: [" in page or "presets:[" in page.replace(" ", "")
    assert "SwaggerUIBundle.presets.apis" in body
    assert "SwaggerUIBundle.SwaggerUIStandalonePreset" in body
    return found


def test_docs_pages_have_fastapis_shape() -> None:
    """Same assets (but the favicon), same Swagger UI settings, same ReDoc element."""
    fastapi = pytest.importorskip("fastapi")
    pages = []
    for app in (App(title="Shop"), fastapi.FastAPI(title="Shop")):
        with TestClient(app) as client:
            docs = client.get("/docs")
            redoc = client.get("/redoc")
            redirect = client.get("/docs/oauth2-redirect")
        for reply in (docs, redoc, redirect):
            assert reply.status_code == 200
            assert reply.headers["content-type"] == "text/html; charset=utf-8"
        pages.append((docs.text, redoc.text, redirect.text))
    (docs, redoc, redirect), (their_docs, their_redoc, their_redirect) = pages
    favicon = re.compile(r"favicon")
    assert {a for a in _assets(docs) if not favicon.search(a)} == {
        a for a in _assets(their_docs) if not favicon.search(a)
    }
    assert {a for a in _assets(redoc) if not favicon.search(a)} == {
        a for a in _assets(their_redoc) if not favicon.search(a)
    }
    ours_settings = _swagger_settings(docs)
    assert ours_settings == _swagger_settings(their_docs)
    assert ours_settings["url"] == '"/openapi.json"'
    assert ours_settings["oauth2RedirectUrl"] == 'window.location.origin+"/docs/oauth2-redirect"'
    assert "<title>Shop - Swagger UI</title>" in docs
    assert "<title>Shop - ReDoc</title>" in redoc
    assert '<redoc spec-url="/openapi.json"></redoc>' in redoc
    assert '<div id="swagger-ui"></div>' in docs
    for page in (redirect, their_redirect):
        assert "window.opener.swaggerUIRedirectOauth2" in page


def test_swagger_ui_parameters_and_init_oauth() -> None:
    fastapi = pytest.importorskip("fastapi")
    keywords: dict[str, Any] = {
        "swagger_ui_parameters": {"deepLinking": False, "syntaxHighlight": {"theme": "obsidian"}},
        "swagger_ui_init_oauth": {"clientId": "abc", "usePkceWithAuthorizationCodeGrant": True},
        "swagger_ui_oauth2_redirect_url": "/auth/back",
    }
    pages = []
    for app in (App(**keywords), fastapi.FastAPI(**keywords)):
        with TestClient(app) as client:
            pages.append(client.get("/docs").text)
            assert client.get("/auth/back").status_code == 200
    ours, theirs = pages
    assert _swagger_settings(ours) == _swagger_settings(theirs)
    assert _swagger_settings(ours)["deepLinking"] == "false"
    oauth = re.search(r"ui\.initOAuth\((.*)\)", ours)
    assert oauth is not None
    assert json.loads(oauth.group(1)) == keywords["swagger_ui_init_oauth"]


@pytest.mark.parametrize(
    ("keywords", "answers"),
    [
        ({}, {"/openapi.json": 200, "/docs": 200, "/docs/oauth2-redirect": 200, "/redoc": 200}),
        ({"docs_url": None}, {"/openapi.json": 200, "/docs": 404, "/redoc": 200}),
        ({"docs_url": None}, {"/docs/oauth2-redirect": 404}),
        ({"redoc_url": None}, {"/openapi.json": 200, "/docs": 200, "/redoc": 404}),
        ({"openapi_url": None}, {"/openapi.json": 404, "/docs": 404, "/redoc": 404}),
        ({"swagger_ui_oauth2_redirect_url": None}, {"/docs/oauth2-redirect": 404}),
        (
            {"openapi_url": "/api/schema.json", "docs_url": "/help", "redoc_url": "/ref"},
            {"/api/schema.json": 200, "/help": 200, "/ref": 200, "/openapi.json": 404},
        ),
    ],
)
def test_each_page_turns_off_as_fastapi(keywords: dict[str, Any], answers: dict[str, int]) -> None:
    fastapi = pytest.importorskip("fastapi")
    for app in (App(**keywords), fastapi.FastAPI(**keywords)):
        with TestClient(app) as client:
            got = {path: client.get(path).status_code for path in answers}
        assert got == answers, type(app)


def test_pages_under_a_root_path_point_at_it() -> None:
    app = small_app(root_path="/api")
    with TestClient(app) as client:
        docs = client.get("/api/docs").text
        redoc = client.get("/api/redoc").text
    assert _swagger_settings(docs)["url"] == '"/api/openapi.json"'
    assert _swagger_settings(docs)["oauth2RedirectUrl"].endswith('"/api/docs/oauth2-redirect"')
    assert 'spec-url="/api/openapi.json"' in redoc


def test_page_helpers_take_their_own_asset_urls_and_escape_values() -> None:
    page = get_swagger_ui_html(
        openapi_url="/o.json",
        title="</title><script>alert(1)</script>",
        swagger_js_url="/static/swagger-ui-bundle.js",
        swagger_css_url="/static/swagger-ui.css",
        swagger_favicon_url="/static/icon.png",
        swagger_ui_parameters={"x": "</script><script>alert(2)</script>"},
    ).body.decode()
    assert _assets(page) == {
        "/static/swagger-ui-bundle.js",
        "/static/swagger-ui.css",
        "/static/icon.png",
    }
    assert "<script>alert" not in page
    redoc = get_redoc_html(
        openapi_url="/o.json", title="T", redoc_js_url="/r.js", with_google_fonts=False
    ).body.decode()
    assert "fonts.googleapis.com" not in redoc
    assert '<script src="/r.js"></script>' in redoc
    assert get_swagger_ui_oauth2_redirect_html().status_code == 200


def test_a_user_route_added_later_still_works_next_to_the_docs() -> None:
    app = small_app()
    with TestClient(app) as client:
        assert client.get("/items/3").json() == {"name": "item 3", "price": 0.0}
        assert client.head("/docs").status_code == 200
        assert client.post("/docs").status_code == 405


# -- without pydantic ---------------------------------------------------------------------

_NO_PYDANTIC_APP = """
import dataclasses, enum
from typing import Annotated
from typing_extensions import TypedDict


class Kind(enum.Enum):
    small = "small"
    large = "large"


@dataclasses.dataclass
class Part:
    name: str
    kind: Kind = Kind.small
    parts: list["Part"] = dataclasses.field(default_factory=list)


class Note(TypedDict):
    text: str


def build(fw):
    app = (getattr(fw, "FastAPI", None) or fw.App)(title="Parts", version="1")

    @app.post("/parts/{part_id}")
    def save(part_id: int, part: Part, note: Note, limit: Annotated[int, fw.Query(le=9)] = 3
             ) -> list[Part]:
        return []

    return app
"""


def test_the_document_needs_no_pydantic(tmp_path: pathlib.Path) -> None:
    """Built in a process where pydantic cannot be imported, the document of a
    dataclass/TypedDict/enum app is FastAPI's (built here, with pydantic)."""
    fastapi = pytest.importorskip("fastapi")
    (tmp_path / "parts_app.py").write_text(_NO_PYDANTIC_APP)
    code = textwrap.dedent(
        """
        import json, sys
        class NoPydantic:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("pydantic", "pydantic_core", "fastapi"):
                    raise ImportError("blocked: " + name)
                return None
        sys.meta_path.insert(0, NoPydantic())
        sys.path.insert(0, sys.argv[1])
        import asgiweb, parts_app
        print(json.dumps(parts_app.build(asgiweb).openapi()))
        print(sorted(m for m in sys.modules if m.startswith("pydantic")))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    document_line, modules_line = result.stdout.strip().splitlines()
    assert modules_line == "[]"
    spec = importlib.util.spec_from_file_location("parts_app", tmp_path / "parts_app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["parts_app"] = module
    try:
        spec.loader.exec_module(module)
        expected = module.build(fastapi).openapi()
    finally:
        del sys.modules["parts_app"]
    assert json.loads(document_line) == expected


def test_query_marker_documentation_reaches_the_parameter() -> None:
    app = App()

    @app.get("/search")
    def search(
        q: Annotated[str, Query(title="Words", description="What to find", deprecated=True)],
    ) -> Any:
        return []

    (parameter,) = app.openapi()["paths"]["/search"]["get"]["parameters"]
    assert parameter == {
        "name": "q",
        "in": "query",
        "required": True,
        "schema": {
            "type": "string",
            "title": "Words",
            "description": "What to find",
            "deprecated": True,
        },
        "description": "What to find",
        "deprecated": True,
    }


def test_a_users_own_route_at_a_docs_path_is_kept() -> None:
    app = App()

    @app.get("/docs")
    def my_docs() -> dict[str, str]:
        return {"mine": "yes"}

    with TestClient(app) as client:
        assert client.get("/docs").json() == {"mine": "yes"}
        assert client.get("/redoc").status_code == 200
        assert "/docs" in client.get("/openapi.json").json()["paths"]


def test_a_route_with_several_methods_takes_the_first_in_order_for_its_id() -> None:
    """FastAPI takes the first method of a set (its order varies between runs); the
    alphabetically first one is stable.  Each method is an operation of its own."""
    app = App()

    @app.api_route("/either", methods=["POST", "GET"])
    def either() -> Any:
        return {}

    with pytest.warns(UserWarning, match="Duplicate Operation ID either_either_get"):
        path = app.openapi()["paths"]["/either"]
    assert sorted(path) == ["get", "post"]
    assert {op["operationId"] for op in path.values()} == {"either_either_get"}
