"""``app.frontend()`` / ``router.frontend()`` side by side with FastAPI 0.165.

Each app is written once (``build(fw)``, tests/oracle/sidebyside.py) over a built
folder made under ``tmp_path``; the same requests go to asgiweb and to FastAPI.
Where we differ on purpose (docs/frontend.md, "Differences from FastAPI"), the
test asserts our answer and says why.
"""

import os
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asgiweb import App, Router, WebSocket, WebSocketDisconnect
from asgiweb.testclient import TestClient
from tests.oracle.sidebyside import Call, Framework, ask, frameworks, same_answers

# ETag values are each framework's own spelling (docs/responses.md): not compared.
FILE_HEADERS = ("content-type", "content-length", "last-modified", "location")
HTML = {"accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}
NO_REDIRECTS = {"follow_redirects": False}


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    root.mkdir(parents=True, exist_ok=True)
    return root


def spa(tmp_path: Path, **files: str) -> Path:
    """A typical build: an app shell, assets, a page folder."""
    return write(
        tmp_path / "dist",
        {
            "index.html": "<!doctype html><p>shell</p>",
            "assets/app.js": "console.log('app')",
            "assets/site.css": "body { margin: 0 }",
            "about/index.html": "<p>about</p>",
            "empty/.keep": "",
            "robots.txt": "User-agent: *",
            **files,
        },
    )


def same(
    build: Callable[[Framework], Any],
    calls: list[Call | str],
    headers: tuple[str, ...] = FILE_HEADERS,
) -> list[dict[str, Any]]:
    return same_answers(build, calls, headers=headers, client_options=NO_REDIRECTS)


# -- serving files ---------------------------------------------------------------


def test_files_heads_validators_and_ranges(tmp_path: Path) -> None:
    dist = spa(tmp_path)

    def build(fw: Framework) -> Any:
        app = fw.App()
        app.frontend("/", directory=dist)
        return app

    got = same(
        build,
        [
            "/assets/app.js",
            "/assets/site.css",
            "/robots.txt",
            "/index.html",
            "/",
            Call("HEAD", "/assets/app.js"),
            Call("HEAD", "/"),
            Call.get("/assets/app.js", headers={"range": "bytes=0-6"}),
            "/assets/app.js/",  # a trailing slash on a file: still the file
            "/assets//app.js",
            "/assets/./app.js",
            "/assets/x/../app.js",
        ],
    )
    assert [a["status"] for a in got] == [200] * 7 + [206] + [200] * 4
    assert got[0]["body"] == "console.log('app')"
    assert got[0]["headers"]["content-type"] == "text/javascript; charset=utf-8"
    assert got[6]["body"] == "" and got[6]["headers"]["content-length"] == "27"
    assert got[7]["body"] == "console"
    # A validator the file still has: 304, for a file and for the SPA page.
    for fw in frameworks():
        client = TestClient(build(fw))
        for url, accept in (("/assets/app.js", "*/*"), ("/deep/link", "text/html")):
            etag = client.get(url, headers={"accept": accept}).headers["etag"]
            for tag, status in ((etag, 304), ('"other"', 200)):
                answer = client.get(url, headers={"accept": accept, "if-none-match": tag})
                assert answer.status_code == status, (fw, url, tag)
    # Past the end: 416 in both (the body is each framework's: docs/responses.md).
    for fw in frameworks():
        past = TestClient(build(fw)).get("/assets/app.js", headers={"range": "bytes=500-"})
        assert (past.status_code, past.headers["content-range"]) == (416, "bytes */18")


def test_a_folder_serves_its_index_after_a_redirect(tmp_path: Path) -> None:
    dist = spa(tmp_path)

    def build(fw: Framework) -> Any:
        app = fw.App()
        app.frontend("/", directory=dist)
        app.frontend("/guide", directory=dist / "about")
        return app

    got = same(
        build,
        [
            "/about",
            "/about?tab=2",
            "/about/",
            "/guide",
            "/guide/",
            "/empty",  # a folder without index.html: the fallback
            Call.get("/empty/", headers=HTML),
            Call("HEAD", "/about"),
        ],
    )
    assert got[0]["status"] == 307
    assert got[0]["headers"]["location"] == "http://testserver/about/"
    assert got[1]["headers"]["location"] == "http://testserver/about/?tab=2"
    assert got[2]["body"] == "<p>about</p>"
    assert got[3]["headers"]["location"] == "http://testserver/guide/"
    assert got[4]["body"] == "<p>about</p>"
    assert got[5]["status"] == 404
    assert got[6]["body"] == "<!doctype html><p>shell</p>"
    # Behind a proxy: the root path is in the location, and under it the frontend is found.
    behind = same_answers(
        build,
        ["/about", "/assets/app.js"],
        headers=FILE_HEADERS,
        client_options={"root_path": "/shop", **NO_REDIRECTS},
    )
    assert behind[0]["headers"]["location"] == "http://testserver/shop/about/"
    assert behind[1]["body"] == "console.log('app')"


# -- fallbacks -------------------------------------------------------------------

ACCEPTS = [
    "text/html",
    "application/xhtml+xml",
    "TEXT/HTML; charset=utf-8; q=0.8",
    "text/html;q=0",
    "text/html; q=0.000",
    "text/html; q=0, */*; q=1",
    "application/xhtml+xml; q=0, */*",
    "text/html; q=wat",
    'text/html; q="0"',
    "text/html; Q=0",
    "image/png, text/html;level=1;q=0.5",
    "*/*",
    "text/*",
    "application/json",
    "",
]


@pytest.mark.parametrize(
    ("fallback", "files"),
    [
        ("auto", {"index.html": "shell"}),
        ("auto", {"404.html": "gone"}),
        ("auto", {"index.html": "shell", "404.html": "gone"}),
        ("auto", {"a.txt": "a"}),
        ("index.html", {"index.html": "shell", "404.html": "gone"}),
        ("404.html", {"index.html": "shell", "404.html": "gone"}),
        (None, {"index.html": "shell", "404.html": "gone"}),
    ],
)
def test_fallbacks_for_missing_paths(tmp_path: Path, fallback: Any, files: dict[str, str]) -> None:
    dist = write(tmp_path / "dist", files)

    def build(fw: Framework) -> Any:
        app = fw.App()
        app.frontend("/", directory=dist, fallback=fallback)
        return app

    calls: list[Call | str] = [
        Call.get("/dashboard/settings", headers={"accept": accept}) for accept in ACCEPTS
    ]
    calls += [
        Call("HEAD", "/users/jane.doe", headers=HTML),
        Call.get("/assets/missing.js", headers={"accept": "*/*"}),
        Call.get("/v/1.2.3", headers=HTML),
        Call.post("/dashboard", headers=HTML),  # no fallback for other methods
        Call.put("/missing.js"),
    ]
    got = same(build, calls)
    statuses = {a["status"] for a in got}
    assert statuses <= {200, 404}
    if fallback == "404.html" or ("404.html" in files and fallback == "auto"):
        assert all(a["status"] == 404 for a in got)
        assert got[0]["body"] == "gone"
        assert got[0]["headers"]["content-type"] == "text/html; charset=utf-8"
    navigation = got[0]
    if fallback == "index.html" or (fallback == "auto" and files.keys() == {"index.html"}):
        assert navigation == {**navigation, "status": 200, "body": "shell"}
        assert got[ACCEPTS.index("*/*")]["body"] == {"detail": "Not Found"}
        assert got[ACCEPTS.index("text/html;q=0")]["status"] == 404
        assert got[ACCEPTS.index("text/html; q=wat")]["status"] == 200
    if fallback is None or files.keys() == {"a.txt"}:
        assert all(a["body"] == {"detail": "Not Found"} for a in got if a["body"])


def test_a_404_page_answers_404_even_to_a_validator(tmp_path: Path) -> None:
    """Deliberate: FastAPI answers 304 when ``If-None-Match`` matches the 404 page's
    ETag; RFC 9110 section 13.2.1 has a server ignore preconditions when the answer
    would not be 2xx, so we send the 404 page again (docs/frontend.md)."""
    dist = write(tmp_path / "dist", {"404.html": "gone"})
    app = App()
    app.frontend("/", directory=dist)
    client = TestClient(app)
    first = client.get("/missing")
    assert (first.status_code, first.text) == (404, "gone")
    again = client.get("/missing", headers={"if-none-match": first.headers["etag"]})
    assert (again.status_code, again.text) == (404, "gone")
    ranged = client.get("/missing", headers={"range": "bytes=0-1"})
    assert (ranged.status_code, ranged.text) == (404, "gone")  # as FastAPI: no range on a 404


def test_other_methods_get_405_on_files_and_404_elsewhere(tmp_path: Path) -> None:
    """405 where a file or folder index exists, else 404 (FastAPI's rule); our 405
    carries ``Allow: GET, HEAD`` (RFC 9110 section 15.5.6 requires it; FastAPI's has none)."""
    dist = spa(tmp_path)

    def build(fw: Framework) -> Any:
        app = fw.App()
        app.frontend("/", directory=dist, fallback="index.html")
        return app

    calls: list[Call | str] = [
        Call(method, path, headers=HTML)
        for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS")
        for path in ("/assets/app.js", "/", "/about/", "/empty/", "/client/route")
    ]
    got = same(build, calls, headers=("content-type",))
    assert [a["status"] for a in got[:5]] == [405, 405, 405, 404, 404]
    assert got[0]["body"] == {"detail": "Method Not Allowed"}
    response = TestClient(build(frameworks()[0])).post("/assets/app.js")
    assert response.headers["allow"] == "GET, HEAD"


# -- priority ----------------------------------------------------------------------


def test_routes_mounts_405s_and_slash_redirects_come_first(tmp_path: Path) -> None:
    dist = spa(tmp_path, **{"api/users": "file", "api/index.html": "api page", "mounted/x": "f"})
    calls: list[str] = []

    def build(fw: Framework) -> Any:
        app = fw.App()

        def recorded() -> None:
            calls.append(fw.name)

        @app.get("/api/users")
        def users():
            return {"source": "api"}

        @app.post("/api/form")
        def form():
            return "posted"

        @app.get("/api/missing")
        def missing():
            raise fw.HTTPException(404, detail="api missing")

        @app.get("/trail/")
        def trail():
            return "trail"

        app.mount("/mounted", fw.responses.PlainTextResponse("the mount"))
        router = fw.Router(dependencies=[fw.Depends(recorded)])
        router.frontend("/", directory=dist, fallback="index.html")
        app.include_router(router)
        return app

    got = same(
        build,
        [
            Call.get("/api/users", headers=HTML),
            Call.get("/api/form", headers=HTML),
            Call.get("/api/missing", headers=HTML),
            Call.get("/mounted/x", headers=HTML),
            Call.get("/spa/page", headers=HTML),
        ],
    )
    assert got[0]["body"] == {"source": "api"}
    assert got[1]["status"] == 405
    assert got[2]["body"] == {"detail": "api missing"}
    assert got[3]["body"] == "the mount"
    assert got[4]["body"] == "<!doctype html><p>shell</p>"
    assert calls == ["asgiweb", "fastapi"]  # the dependency ran for the frontend only
    # A slash redirect to a route wins too (our location is relative, FastAPI's
    # absolute: docs/api.md, "404, 405, HEAD, slash redirects").
    ours, theirs = frameworks()
    for fw in (ours, theirs):
        answer = ask(build(fw), ["/trail"], headers=("location",), client_options=NO_REDIRECTS)
        assert answer[0]["status"] == 307
        assert answer[0]["headers"]["location"].endswith("/trail/")


def test_the_most_specific_frontend_wins(tmp_path: Path) -> None:
    site = write(tmp_path / "site", {"index.html": "site", "admin/client-route": "site file"})
    admin = write(tmp_path / "admin", {"index.html": "admin", "a.js": "admin js"})
    other = write(tmp_path / "other", {"index.html": "other"})

    def build(fw: Framework) -> Any:
        app = fw.App()
        app.frontend("/", directory=site, fallback="index.html")
        app.frontend("/admin", directory=admin, fallback="index.html")
        app.frontend("/admin/", directory=other, fallback="index.html")  # a tie: first wins
        app.frontend("/app", directory=other, fallback="index.html")
        return app

    got = same(
        build,
        [
            Call.get("/admin/settings", headers=HTML),
            Call.get("/admin/client-route", headers=HTML),
            Call.post("/admin/client-route", headers=HTML),
            "/admin/a.js",
            Call.get("/administrator", headers=HTML),  # not under /admin: a whole segment
            Call.get("/application", headers=HTML),
            Call.get("/app", headers=HTML),
            Call.get("/", headers=HTML),
        ],
    )
    bodies = [a["body"] for a in got]
    assert bodies[:2] == ["admin", "admin"]
    assert got[2]["status"] == 404
    assert bodies[3:] == ["admin js", "site", "site", "", "site"]
    assert got[6]["headers"]["location"] == "http://testserver/app/"


# -- routers -----------------------------------------------------------------------


def test_router_prefixes_and_include_prefixes_join(tmp_path: Path) -> None:
    dist = spa(tmp_path)

    def build(fw: Framework) -> Any:
        child = fw.Router(prefix="/internal")
        child.frontend("/ui", directory=dist, fallback="index.html")
        child.frontend("/", directory=dist / "about", fallback=None)
        parent = fw.Router()
        parent.include_router(child, prefix="/child")
        app = fw.App()
        app.include_router(parent, prefix="/parent")
        again = fw.Router()
        again.frontend("/", directory=dist)
        app.include_router(again, prefix="/second")
        app.include_router(again, prefix="/third")
        return app

    got = same(
        build,
        [
            "/parent/child/internal/ui/assets/app.js",
            Call.get("/parent/child/internal/ui/deep/link", headers=HTML),
            "/parent/child/internal/",
            "/parent/child/internal",
            Call.get("/parent/child/internal/nothing", headers=HTML),
            "/second/robots.txt",
            "/third/robots.txt",
            "/ui/assets/app.js",
            "/parent/child/ui/assets/app.js",
        ],
    )
    assert [a["status"] for a in got] == [200, 200, 200, 307, 404, 200, 200, 404, 404]
    assert got[1]["body"] == "<!doctype html><p>shell</p>"
    assert got[2]["body"] == "<p>about</p>"


def test_dependencies_run_first_in_fastapis_order(tmp_path: Path) -> None:
    dist = spa(tmp_path)
    seen: dict[str, list[str]] = {"asgiweb": [], "fastapi": []}

    def build(fw: Framework) -> Any:
        calls = seen[fw.name]

        def record(name: str) -> Any:
            def dependency() -> None:
                calls.append(name)

            return fw.Depends(dependency)

        child = fw.Router(dependencies=[record("child")])
        child.frontend("/ui", directory=dist)
        parent = fw.Router(dependencies=[record("parent")])
        parent.include_router(child, prefix="/child", dependencies=[record("parent-include")])
        app = fw.App(dependencies=[record("app")])
        app.include_router(parent, prefix="/parent", dependencies=[record("app-include")])
        return app

    got = same(build, ["/parent/child/ui/", Call.post("/parent/child/ui/")])
    assert got[0]["body"] == "<!doctype html><p>shell</p>"
    assert seen["asgiweb"] == ["app", "app-include", "parent", "parent-include", "child"]
    assert seen["fastapi"] == seen["asgiweb"]  # and none for the POST


def test_dependencies_can_refuse_decorate_and_validate(tmp_path: Path) -> None:
    dist = spa(tmp_path)
    tasks: list[str] = []

    def build(fw: Framework) -> Any:
        def session(request: fw.Request) -> None:  # type: ignore[name-defined]
            if request.cookies.get("session") != "ok":
                raise fw.HTTPException(401, detail="log in", headers={"www-authenticate": "x"})

        def decorate(response: fw.Response, background_tasks: fw.BackgroundTasks) -> None:  # type: ignore[name-defined]
            response.headers["x-frontend"] = "yes"
            response.set_cookie("seen", "1")
            background_tasks.add_task(tasks.append, fw.name)

        def token(token: int = 0) -> None:
            pass

        router = fw.Router(dependencies=[fw.Depends(session), fw.Depends(decorate)])
        router.frontend("/", directory=dist, fallback="index.html")
        app = fw.App(dependencies=[fw.Depends(token)])
        app.include_router(router, prefix="/app")
        return app

    ok = {"cookie": "session=ok"}
    headers = (*FILE_HEADERS, "www-authenticate", "x-frontend", "set-cookie")
    got = same(
        build,
        [
            "/app/",
            Call.get("/app/", headers=ok),
            Call.get("/app/assets/app.js", headers=ok),
            Call.get("/app/dashboard", headers={**HTML, **ok}),
            Call.get("/app/missing.js", headers=ok),  # a 404: no headers from dependencies
            Call.get("/app/?token=x", headers=ok),
            Call.get("/app/about", headers=ok),
        ],
        headers=headers,
    )
    assert got[0]["status"] == 401 and got[0]["headers"]["www-authenticate"] == "x"
    assert got[1]["body"] == "<!doctype html><p>shell</p>"
    assert got[1]["headers"]["x-frontend"] == "yes"
    assert got[1]["headers"]["set-cookie"] == "seen=1; Path=/; SameSite=lax"
    assert got[2]["headers"]["x-frontend"] == "yes"
    assert got[3]["body"] == "<!doctype html><p>shell</p>"
    assert got[4]["status"] == 404 and got[4]["headers"]["x-frontend"] is None
    assert got[5]["status"] == 422
    assert got[6]["status"] == 307 and got[6]["headers"]["x-frontend"] == "yes"
    assert tasks.count("asgiweb") == tasks.count("fastapi") == 4


def test_dependency_overrides_apply(tmp_path: Path) -> None:
    dist = spa(tmp_path)
    def refusing(fw: Framework) -> Callable[[], None]:
        def refuse() -> None:
            raise fw.HTTPException(401)

        return refuse

    for fw in frameworks():
        refuse = refusing(fw)
        app = fw.App(dependencies=[fw.Depends(refuse)])
        app.frontend("/", directory=dist)
        assert TestClient(app).get("/robots.txt").status_code == 401
        app.dependency_overrides[refuse] = lambda: None
        assert TestClient(app).get("/robots.txt").text == "User-agent: *"


def test_a_bare_router_serves_its_frontends(tmp_path: Path) -> None:
    dist = spa(tmp_path)

    def build(fw: Framework) -> Any:
        router = fw.Router(prefix="/site")
        router.frontend("/", directory=dist, fallback="index.html")
        return router

    got = same(build, ["/site/assets/app.js", Call.get("/site/page", headers=HTML), "/site"])
    assert [a["status"] for a in got] == [200, 200, 307]
    # Errors: FastAPI's bare router lets its 404 escape (no exception middleware);
    # ours answers it as every router does, and serves its routes before the frontend.
    ours = build(frameworks()[0])

    @ours.get("/api")
    def api() -> str:
        return "api"

    answer = TestClient(ours).get("/site/missing.js")
    assert (answer.status_code, answer.json()) == (404, {"detail": "Not Found"})
    assert TestClient(ours).get("/site/api", headers=HTML).json() == "api"
    # Mounted in an App: the mount's root path is left out before matching.
    for fw in frameworks():
        app = fw.App()
        app.mount("/outer", build(fw))
        response = TestClient(app).get("/outer/site/page", headers=HTML)
        assert response.text == "<!doctype html><p>shell</p>"


def test_frontends_stay_out_of_routes_names_and_openapi(tmp_path: Path) -> None:
    dist = spa(tmp_path)

    def build(fw: Framework) -> Any:
        app = fw.App()

        @app.get("/api", name="read_api")
        def api():
            return {"ok": True}

        router = fw.Router()
        router.frontend("/", directory=dist)
        app.include_router(router, prefix="/app")
        app.frontend("/", directory=dist)
        return app

    for fw in frameworks():
        document = TestClient(build(fw)).get("/openapi.json").json()
        assert list(document["paths"]) == ["/api"], fw
    app = build(frameworks()[0])
    assert [route.path for route in app.routes] == ["/api"]
    assert app.url_path_for("read_api") == "/api"


def test_websockets_are_not_served_by_frontends(tmp_path: Path) -> None:
    dist = spa(tmp_path, ws="a file")
    app = App()
    app.frontend("/", directory=dist)

    @app.websocket("/ws")
    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("socket")
        await websocket.close()

    with TestClient(app).websocket_connect("/ws") as session:
        assert session.receive_text() == "socket"
    with pytest.raises(WebSocketDisconnect), TestClient(app).websocket_connect("/other"):
        pass


# -- containment -------------------------------------------------------------------

ESCAPES = [
    "/../secret.txt",
    "/%2e%2e/secret.txt",
    "/..%2fsecret.txt",
    "/%5c..%5csecret.txt",
    "/..%5csecret.txt",
    "/assets/../../secret.txt",
    "/leak.txt",
    "/%00",
    "/" + "x" * 300,
    "/assets/" + "y" * 300 + "/z",
    "/missing/" + "y" * 300,
]


@pytest.mark.parametrize("fallback", ["auto", None, "404.html"])
def test_nothing_outside_the_folder_is_served(tmp_path: Path, fallback: Any) -> None:
    dist = spa(tmp_path, **{"404.html": "gone"})
    (tmp_path / "secret.txt").write_text("secret")
    os.symlink(tmp_path / "secret.txt", dist / "leak.txt")

    def build(fw: Framework) -> Any:
        app = fw.App()
        app.frontend("/", directory=dist, fallback=fallback)
        return app

    os.symlink(dist / "assets" / "app.js", dist / "alias.js")  # a link inside: served
    calls: list[Call | str] = [Call.get(url, headers=HTML) for url in ESCAPES]
    got = same(build, [*calls, "/alias.js"])
    assert got.pop()["body"] == "console.log('app')"
    assert all(a["status"] == 404 and "secret" not in str(a["body"]) for a in got)
    # A NUL byte or a name the file system finds too long: the plain 404, no page.
    assert got[ESCAPES.index("/%00")]["body"] == {"detail": "Not Found"}
    assert got[ESCAPES.index("/" + "x" * 300)]["body"] == {"detail": "Not Found"}


def test_a_loop_of_links_is_a_404_not_a_500(tmp_path: Path) -> None:
    """Deliberate: FastAPI lets the file system's error escape (a 500); a path the
    file system refuses is our usual 404 (docs/frontend.md)."""
    dist = spa(tmp_path)
    os.symlink(dist / "b", dist / "a")
    os.symlink(dist / "a", dist / "b")
    app = App()
    app.frontend("/", directory=dist)
    response = TestClient(app).get("/a", headers=HTML)
    assert (response.status_code, response.json()) == (404, {"detail": "Not Found"})


# -- registration --------------------------------------------------------------------


def test_registration_errors_as_fastapi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = write(tmp_path / "empty", {})
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ASGIWEB_ENV", raising=False)
    monkeypatch.delenv("FASTAPI_ENV", raising=False)
    for fw in frameworks():
        for owner in (fw.App(), fw.Router()):
            with pytest.raises(AssertionError, match="fallback"):
                owner.frontend("/", directory=empty, fallback="index.htm")
            with pytest.raises(AssertionError):
                owner.frontend("", directory=empty)
            with pytest.raises(AssertionError):
                owner.frontend("app", directory=empty)
            with pytest.raises(RuntimeError, match="does not exist") as missing:
                owner.frontend("/", directory="nowhere")
            assert str(tmp_path / "nowhere") in str(missing.value)
            with pytest.raises(RuntimeError, match=r"'index\.html' does not exist") as page:
                owner.frontend("/", directory="empty", fallback="index.html")
            assert "directory 'empty'" in str(page.value) and str(empty) in str(page.value)
            owner.frontend("/", directory="nowhere", check_dir=False)


def test_missing_folder_or_page_fails_at_the_request(tmp_path: Path) -> None:
    empty = write(tmp_path / "empty", {})
    for fw in frameworks():
        app = fw.App()
        app.frontend("/", directory=tmp_path / "nowhere", check_dir=False)
        with pytest.raises(RuntimeError, match="does not exist"):
            TestClient(app).get("/asset.txt")
        app = fw.App()
        app.frontend("/", directory=empty, fallback="404.html", check_dir=False)
        with pytest.raises(RuntimeError, match=r"'404\.html' does not exist"):
            TestClient(app).get("/missing.js")
        answer = TestClient(app, raise_server_exceptions=False).get("/missing.js")
        assert answer.status_code == 500


@pytest.mark.parametrize(
    ("env", "development"),
    [
        ({"ASGIWEB_ENV": "development"}, True),
        ({"FASTAPI_ENV": "development"}, True),
        ({"ASGIWEB_ENV": "production", "FASTAPI_ENV": "development"}, False),
        ({"FASTAPI_ENV": "production"}, False),
        ({}, False),
    ],
)
def test_check_dir_auto_reads_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], development: bool
) -> None:
    """``ASGIWEB_ENV`` decides; unset, ``FASTAPI_ENV`` does (docs/frontend.md)."""
    monkeypatch.delenv("ASGIWEB_ENV", raising=False)
    monkeypatch.delenv("FASTAPI_ENV", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    missing = tmp_path / "missing"
    for register in (App().frontend, Router().frontend):
        if development:
            with pytest.warns(UserWarning, match="does not exist") as caught:
                register("/", directory=missing)
            assert caught[0].filename == __file__  # points at the call
            assert str(missing) in str(caught[0].message)
            with pytest.raises(RuntimeError, match="does not exist"):
                register("/", directory=missing, check_dir=True)
        else:
            with pytest.raises(RuntimeError, match="does not exist"):
                register("/", directory=missing)
    if development:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            write(missing, {"index.html": "later"})
            app = App()
            app.frontend("/", directory=missing, fallback="404.html")  # not checked
            with pytest.raises(RuntimeError, match=r"404\.html"):
                TestClient(app).get("/nothing")


def test_import_asgiweb_does_not_load_the_frontend_module() -> None:
    import subprocess
    import sys

    code = "import sys, asgiweb; print('asgiweb.frontend' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- properties -----------------------------------------------------------------------

SEGMENTS = st.sampled_from(
    [
        "", ".", "..", "assets", "app.js", "site.css", "about", "empty", "index.html",
        "404.html", "robots.txt", "missing", "a.b", "%2e%2e", "%2f", "%5c", "%00", "%20",
        "%3F", "caf%C3%A9", "x" * 260, "~", ";", "admin", "ui", "dist", "secret.txt",
    ]
)  # fmt: skip
ACCEPT = st.sampled_from([*ACCEPTS, "text/html, */*", "application/xhtml+xml;q=1e-3"])


@pytest.fixture(scope="module")
def property_apps(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any]]:
    root = tmp_path_factory.mktemp("frontend")
    site = spa(root)
    admin = write(root / "admin", {"index.html": "admin shell", "404.html": "admin gone"})
    (root / "secret.txt").write_text("secret")

    def build(fw: Framework) -> Any:
        app = fw.App()

        @app.get("/api/items")
        def items():
            return ["item"]

        app.frontend("/", directory=site)
        router = fw.Router(prefix="/admin")
        router.frontend("/", directory=admin, fallback="auto")
        router.frontend("/ui", directory=site, fallback="index.html")
        app.include_router(router)
        return app

    ours, theirs = frameworks()
    yield (
        TestClient(build(ours), raise_server_exceptions=False, follow_redirects=False),
        TestClient(build(theirs), raise_server_exceptions=False, follow_redirects=False),
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    segments=st.lists(SEGMENTS, min_size=0, max_size=5),
    method=st.sampled_from(["GET", "HEAD", "POST"]),
    accept=ACCEPT,
    trailing=st.booleans(),
)
def test_generated_paths_answer_as_fastapi(
    property_apps: tuple[Any, Any], segments: list[str], method: str, accept: str, trailing: bool
) -> None:
    ours, theirs = property_apps
    url = "/" + "/".join(segments) + ("/" if trailing and segments else "")
    headers = {"accept": accept}
    mine = ours.request(method, url, headers=headers)
    reference = theirs.request(method, url, headers=headers)
    assert mine.status_code < 500, url
    assert mine.status_code == reference.status_code, url
    assert mine.content == reference.content, url
    location = reference.headers.get("location")
    if location is not None and mine.status_code == 307:
        # Ours is relative for the router's slash redirects (docs/api.md).
        assert location.endswith(mine.headers["location"]), url


MEDIA = st.sampled_from(
    ["text/html", "TEXT/Html", "application/xhtml+xml", "*/*", "text/*", "image/png", "",
     "text", "text/html/x", "text/ html", "q=0"]
)  # fmt: skip
PARAMETER = st.sampled_from(
    ["q=0", "q=0.0", "q=1", "q=0.5", "Q=0", 'q="0"', "q=<0>", "q=", "q", "q=abc", "q=-1",
     "q=nan", "q=1e-9", " q = 0 ", "level=1", 'x="a;q=0"', 'x="a,q=0"', "charset=utf-8", ""]
)  # fmt: skip
ITEM = st.builds(
    lambda media, params, space: (";" + space).join([media, *params]),
    MEDIA,
    st.lists(PARAMETER, max_size=3),
    st.sampled_from(["", " ", "  "]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items=st.lists(ITEM, min_size=1, max_size=4), separator=st.sampled_from([",", ", ", " ,"]))
def test_generated_accept_values_decide_as_fastapi(
    property_apps: tuple[Any, Any], items: list[str], separator: str
) -> None:
    """The SPA page goes to the same requests as under FastAPI (``/admin/ui`` serves
    its index.html to navigation requests, else the 404)."""
    ours, theirs = property_apps
    headers = {"accept": separator.join(items)}
    mine = ours.get("/admin/ui/some/page", headers=headers)
    reference = theirs.get("/admin/ui/some/page", headers=headers)
    assert (mine.status_code, mine.content) == (reference.status_code, reference.content), headers
