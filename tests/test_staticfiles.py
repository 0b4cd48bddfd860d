"""StaticFiles: Starlette's answers side by side, and nothing outside the directory, ever.

Parity tests serve the same directory with ``starlette.staticfiles.StaticFiles``
mounted on FastAPI and with ours mounted on an App, through our TestClient.
Containment tests throw hostile paths (by hand and from hypothesis) and check
that every 200 is a file under the directory with the file's own bytes.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asgiweb import App, Request
from asgiweb.responses import PlainTextResponse, Response
from asgiweb.routing import NoMatchFound
from asgiweb.staticfiles import StaticFiles
from asgiweb.testclient import TestClient
from asgiweb.types import Scope
from tests.harness import Peer, http_scope, run_asgi, websocket_scope

SECRET = b"TOP-SECRET-OUTSIDE"


def make_scope(path: str = "/", method: str = "GET") -> dict[str, Any]:
    """The harness's HTTP scope for any ``path`` string, lone surrogates included."""
    scope = http_scope(method, "/", [("host", "testserver")])
    scope.update(path=path, raw_path=path.encode("utf-8", "surrogatepass"))
    return scope


def serve(app: Any, scope: dict[str, Any]) -> tuple[int, bytes]:
    """Run one request through ``app`` by hand: ``(status, body)``, bounded in time."""
    peer = run_asgi(app, scope, timeout=10)  # the client stays until the answer is complete
    return peer.status, peer.body


def build_tree(base: Path) -> Path:
    """A served directory ``base/root`` with links in and out, and secrets beside it."""
    (base / "secret.txt").write_bytes(SECRET + b" file")
    (base / "outside_dir").mkdir()
    (base / "outside_dir" / "x.txt").write_bytes(SECRET + b" dir")
    (base / "rootsibling").mkdir()
    (base / "rootsibling" / "a.txt").write_bytes(SECRET + b" sibling")
    root = base / "root"
    (root / "sub").mkdir(parents=True)
    (root / "nested" / "deep").mkdir(parents=True)
    (root / "empty_dir").mkdir()
    (root / "a.txt").write_bytes(b"alpha\n")
    (root / "style.css").write_bytes(b"body { color: red }\n")
    (root / "app.js").write_bytes(b"console.log(1)\n")
    (root / "data.json").write_bytes(b'{"a": 1}\n')
    (root / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    (root / "noext").write_bytes(b"no extension\n")
    (root / "with space.txt").write_bytes(b"spaced\n")
    (root / "\u00fcn\u00ef.txt").write_bytes(b"unicode name\n")
    (root / "%2e%2e").write_bytes(b"a file literally named %2e%2e\n")
    (root / "big.bin").write_bytes(bytes(range(256)) * 400)
    (root / "sub" / "index.html").write_bytes(b"<p>sub index</p>\n")
    (root / "sub" / "b.txt").write_bytes(b"bravo\n")
    (root / "nested" / "deep" / "c.txt").write_bytes(b"charlie\n")
    (root / "404.html").write_bytes(b"<h1>custom not found</h1>\n")
    os.symlink("a.txt", root / "link_in")
    os.symlink("sub", root / "dirlink_in")
    os.symlink("../secret.txt", root / "link_out")
    os.symlink(str(base / "secret.txt"), root / "abslink_out")
    os.symlink("../outside_dir", root / "dirlink_out")
    os.symlink("../rootsibling/a.txt", root / "sibling_out")
    os.symlink("loop", root / "loop")
    os.symlink("missing-target", root / "dangling")
    return root


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tree(tmp_path_factory.mktemp("static"))


def ours(root: Path, **options: Any) -> App:
    app = App()
    app.mount("/static", StaticFiles(directory=root, **options), name="static")
    return app


def starlettes(root: Path, **options: Any) -> Any:
    from fastapi import FastAPI
    from starlette.staticfiles import StaticFiles as StarletteStaticFiles

    app = FastAPI()
    app.mount("/static", StarletteStaticFiles(directory=root, **options), name="static")
    return app


COMPARED_HEADERS = ("content-type", "content-length", "location", "allow", "content-range")


def answer(client: TestClient, method: str, url: str, **kw: Any) -> tuple[Any, ...]:
    r = client.request(method, url, follow_redirects=False, **kw)
    return (r.status_code, r.content, *(r.headers.get(h) for h in COMPARED_HEADERS))


# -- parity with Starlette -----------------------------------------------------------

PLAIN_REQUESTS = [
    ("GET", "/static/a.txt"),
    ("HEAD", "/static/a.txt"),
    ("GET", "/static/style.css"),
    ("GET", "/static/app.js"),
    ("GET", "/static/data.json"),
    ("GET", "/static/image.png"),
    ("GET", "/static/noext"),
    ("GET", "/static/with space.txt"),
    ("GET", "/static/with%20space.txt"),
    ("GET", "/static/\u00fcn\u00ef.txt"),
    ("GET", "/static/%252e%252e"),
    ("GET", "/static/sub/b.txt"),
    ("GET", "/static/nested/deep/c.txt"),
    ("GET", "/static/nested//deep/./c.txt"),
    ("GET", "/static/a.txt/"),
    ("GET", "/static/missing.txt"),
    ("HEAD", "/static/missing.txt"),
    ("GET", "/static/sub"),
    ("GET", "/static/sub/"),
    ("GET", "/static/empty_dir/"),
    ("GET", "/static/link_in"),
    ("GET", "/static/dirlink_in/b.txt"),
    ("GET", "/static/link_out"),
    ("GET", "/static/abslink_out"),
    ("GET", "/static/dirlink_out/x.txt"),
    ("GET", "/static/sibling_out"),
    ("GET", "/static/dangling"),
    ("GET", "/static/../secret.txt"),
    ("GET", "/static/%2e%2e/secret.txt"),
    ("POST", "/static/a.txt"),
    ("PUT", "/static/a.txt"),
    ("DELETE", "/static/missing.txt"),
    ("OPTIONS", "/static/a.txt"),
    ("PATCH", "/static/sub/"),
]

HTML_REQUESTS = [
    ("GET", "/static/sub"),
    ("GET", "/static/sub?x=1&y=2"),
    ("HEAD", "/static/sub"),
    ("GET", "/static/sub/"),
    ("HEAD", "/static/sub/"),
    ("GET", "/static/dirlink_in/"),
    ("GET", "/static/empty_dir/"),
    ("GET", "/static/missing.txt"),
    ("HEAD", "/static/missing.txt"),
    ("GET", "/static/a.txt"),
    ("GET", "/static/link_out"),
    ("POST", "/static/sub/"),
]


@pytest.mark.parametrize(("method", "url"), PLAIN_REQUESTS)
def test_same_answer_as_starlette(root: Path, method: str, url: str) -> None:
    assert answer(TestClient(ours(root)), method, url) == answer(
        TestClient(starlettes(root)), method, url
    )


@pytest.mark.parametrize(("method", "url"), HTML_REQUESTS)
def test_html_mode_same_answer_as_starlette(root: Path, method: str, url: str) -> None:
    assert answer(TestClient(ours(root, html=True)), method, url) == answer(
        TestClient(starlettes(root, html=True)), method, url
    )


@pytest.mark.parametrize("range_header", ["bytes=0-9", "bytes=-5", "bytes=100-", "bytes=102390-"])
def test_ranges_same_as_starlette(root: Path, range_header: str) -> None:
    headers = {"range": range_header}
    assert answer(TestClient(ours(root)), "GET", "/static/big.bin", headers=headers) == answer(
        TestClient(starlettes(root)), "GET", "/static/big.bin", headers=headers
    )


def test_unsatisfiable_range_answers_416(root: Path) -> None:
    for factory in (ours, starlettes):
        r = TestClient(factory(root)).get("/static/big.bin", headers={"range": "bytes=999999-"})
        assert (r.status_code, r.headers["content-range"]) == (416, "bytes */102400")


def test_multipart_ranges_carry_each_part(root: Path) -> None:
    r = TestClient(ours(root)).get("/static/big.bin", headers={"range": "bytes=0-1,10-11"})
    assert r.status_code == 206
    assert r.headers["content-type"].startswith("multipart/byteranges; boundary=")
    assert b"content-range: bytes 0-1/102400" in r.content
    assert b"content-range: bytes 10-11/102400" in r.content


@pytest.mark.parametrize("factory", [ours, starlettes])
def test_conditional_requests_answer_304(root: Path, factory: Any) -> None:
    client = TestClient(factory(root))
    first = client.get("/static/style.css")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert client.get("/static/style.css", headers={"if-none-match": etag}).status_code == 304
    weak = client.get("/static/style.css", headers={"if-none-match": f"W/{etag}"})
    assert weak.status_code == 304
    assert weak.content == b""
    assert client.get("/static/style.css", headers={"if-modified-since": modified}).status_code == (
        304
    )
    other = client.get("/static/style.css", headers={"if-none-match": '"other"'})
    assert other.status_code == 200
    assert other.content == first.content
    assert client.head("/static/style.css", headers={"if-none-match": etag}).status_code == 304


def test_served_file_has_validators_and_ranges(root: Path) -> None:
    r = TestClient(ours(root)).get("/static/a.txt")
    assert r.headers["accept-ranges"] == "bytes"
    assert r.headers["etag"].startswith('"')
    assert r.headers["last-modified"].endswith("GMT")
    assert "content-disposition" not in r.headers


# -- containment ---------------------------------------------------------------------

HOSTILE = [
    "/static/../secret.txt",
    "/static/../rootsibling/a.txt",
    "/static/sub/../../secret.txt",
    "/static/sub/../a.txt",  # stays inside, still refused: browsers never send '..'
    "/static/%2e%2e/secret.txt",
    "/static/%2E%2E/secret.txt",
    "/static/.%2e/secret.txt",
    "/static/%2e./secret.txt",
    "/static/..%2fsecret.txt",
    "/static/%2e%2e%2fsecret.txt",
    "/static/..%2Frootsibling%2Fa.txt",
    "/static/..%5csecret.txt",
    "/static/%2e%2e%5csecret.txt",
    "/static/..\\secret.txt",
    "/static/sub\\..\\..\\secret.txt",
    "/static/%252e%252e/secret.txt",
    "/static/%25252e%25252e/secret.txt",
    "/static/%c0%ae%c0%ae/secret.txt",
    "/static//etc/passwd",
    "/static/%2fetc%2fpasswd",
    "/static/%2F..%2Fsecret.txt",
    "/static/C:\\Windows\\win.ini",
    "/static/C:/Windows/win.ini",
    "/static/a.txt%00",
    "/static/a.txt%00.png",
    "/static/%00",
    "/static/sub%00/b.txt",
    "/static/link_out",
    "/static/abslink_out",
    "/static/dirlink_out/x.txt",
    "/static/dirlink_out/",
    "/static/sibling_out",
    "/static/loop",
    "/static/loop/x",
    "/static/dangling",
    "/static/" + "a" * 5000,
    "/static/" + "/".join(["d"] * 3000),
]


@pytest.mark.parametrize("html", [False, True])
@pytest.mark.parametrize("url", HOSTILE)
def test_hostile_paths_answer_404(root: Path, url: str, html: bool) -> None:
    r = TestClient(ours(root, html=html)).get(url, follow_redirects=False)
    assert r.status_code == 404, (url, r.status_code, r.content[:80])
    assert SECRET not in r.content
    if html:
        assert r.content == (root / "404.html").read_bytes()
    else:
        assert r.json() == {"detail": "Not Found"}


def test_dot_dot_resolving_inside_is_refused_where_starlette_serves_it(root: Path) -> None:
    # A deliberate difference: browsers resolve '..' before sending (RFC 3986 §5.2.4).
    assert TestClient(starlettes(root)).get("/static/sub/../a.txt").status_code == 200
    assert TestClient(ours(root)).get("/static/sub/../a.txt").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/static/\x00",
        "/static/a.txt\x00",
        "/static/sub/\x00/../../secret.txt",
        "/static/\udcff",
        "/static/\ud800",
        "/static/..",
        "/static/\\..\\secret.txt",
        "/static/" + "\u00e9" * 2000,
    ],
)
def test_raw_scope_paths_never_fail(root: Path, path: str) -> None:
    """Paths no HTTP client sends, straight into the ASGI app: 404, never an error."""
    status, body = serve(ours(root), make_scope(path))
    assert status == 404
    assert SECRET not in body


def test_follow_symlink_serves_links_pointing_outside(root: Path) -> None:
    client = TestClient(ours(root, follow_symlink=True))
    assert client.get("/static/link_out").content == SECRET + b" file"
    assert client.get("/static/dirlink_out/x.txt").content == SECRET + b" dir"
    # ... but '..' and its encodings stay refused.
    assert client.get("/static/../secret.txt").status_code == 404
    assert client.get("/static/%2e%2e/secret.txt").status_code == 404
    assert client.get("/static/loop").status_code == 404
    assert client.get("/static/dangling").status_code == 404


def test_follow_symlink_same_answers_as_starlette(root: Path) -> None:
    for url in ("/static/link_out", "/static/dirlink_out/x.txt", "/static/link_in"):
        assert answer(TestClient(ours(root, follow_symlink=True)), "GET", url) == answer(
            TestClient(starlettes(root, follow_symlink=True)), "GET", url
        )


def test_directory_given_through_a_symlink_is_served(root: Path, tmp_path: Path) -> None:
    alias = tmp_path / "alias"
    os.symlink(root, alias)
    client = TestClient(ours(alias))
    assert client.get("/static/a.txt").content == b"alpha\n"
    assert client.get("/static/link_in").content == b"alpha\n"
    assert client.get("/static/link_out").status_code == 404


def test_permission_and_os_errors_answer_404(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    client = TestClient(ours(root))
    assert client.get("/static/a.txt").status_code == 200  # the directory check is done

    def refuse(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        raise PermissionError(errno.EACCES, "Permission denied", path)

    monkeypatch.setattr(os, "lstat", refuse)
    monkeypatch.setattr(os, "stat", refuse)
    r = client.get("/static/a.txt")
    assert r.status_code == 404
    assert r.json() == {"detail": "Not Found"}


# Hypothesis: random paths from a hostile alphabet, straight into the app and through
# the client (percent-encoded forms); every 200 must be a file under the directory.

_TOKENS = [
    "a.txt", "sub", "b.txt", "index.html", "nested", "deep", "c.txt", "404.html",
    "link_in", "link_out", "dirlink_in", "dirlink_out", "abslink_out", "sibling_out",
    "loop", "dangling", "x.txt", "secret.txt", "rootsibling", "outside_dir", "..", ".",
    "/", "//", "\\", "\x00", ":", "C:", "~", " ", "\u00fcn\u00ef.txt", "with space.txt",
    "%2e", "%2E", "%2f", "%2F", "%5c", "%5C", "%00", "%25", "%252e", "%c0%ae", "%", "?",
    "#", ";", "etc", "passwd",
]  # fmt: skip
_NAMES = [t for t in _TOKENS if t.isidentifier() or "." in t.strip(".") or t in (".", "..")]
# Mostly real names joined by '/' (so many answers are 200s worth checking), with
# hostile tokens glued in; and free-form strings from the whole alphabet.
_segment = st.sampled_from(_NAMES) | st.lists(st.sampled_from(_TOKENS), max_size=3).map("".join)
_structured = st.lists(_segment, min_size=1, max_size=4).map("/".join)
_freeform = st.lists(st.sampled_from(_TOKENS) | st.text(max_size=6), max_size=10).map("".join)
_VALID = [
    "a.txt", "sub/b.txt", "nested/deep/c.txt", "sub/", "link_in", "dirlink_in/b.txt",
    "with space.txt", "\u00fcn\u00ef.txt", "404.html", "style.css", "sub/index.html",
]  # fmt: skip


def _insert(path: str, at: int, token: str) -> str:
    return path[:at] + token + path[at:]


# A served path with one token (often hostile, sometimes harmless) put in somewhere.
_mutated = st.sampled_from(_VALID).flatmap(
    lambda p: st.builds(
        _insert, st.just(p), st.integers(0, len(p)), st.sampled_from(["", "/", "./", *_TOKENS])
    )
)
_SEGMENTS = ["", ".", "..", "%2e", "%2e%2e", "%2E.", "sub/..", "%00", "\\", "%5c", "%2f", "C:"]
# A served path with one whole segment added at a '/' boundary.
_boundary = st.sampled_from(_VALID).flatmap(
    lambda p: st.builds(
        _insert,
        st.just(p),
        st.sampled_from([0, *(i + 1 for i, c in enumerate(p) if c == "/")]),
        st.sampled_from(_SEGMENTS).map(lambda seg: seg + "/"),
    )
)
_paths = _boundary | _mutated | _structured | _freeform


def expected_file(root: Path, decoded: str) -> Path:
    """The file a 200 for the decoded route path may legitimately carry."""
    segments = [s for s in decoded.split("/") if s not in ("", ".")]
    target = root.joinpath(*segments)
    if target.is_dir():
        target = target / "index.html"
    return target


def check_answer(root: Path, decoded: str, status: int, body: bytes) -> None:
    assert status in (200, 304, 307, 404), (decoded, status, body[:80])
    assert SECRET not in body, decoded
    if status == 200:
        target = expected_file(root, decoded)
        real, real_root = os.path.realpath(target), os.path.realpath(root)
        assert real.startswith(real_root + os.sep), (decoded, real)
        assert target.is_file(), decoded
        assert body == target.read_bytes(), decoded
    elif status == 404:
        assert body == (root / "404.html").read_bytes()


@pytest.fixture(scope="module")
def html_app(root: Path) -> App:
    return ours(root, html=True)


@pytest.fixture(scope="module")
def general_html_app(root: Path) -> App:
    """The same app forced off the one-directory fast path, onto the general lookup."""
    static = StaticFiles(directory=root, html=True)
    static._posix_single = None
    app = App()
    app.mount("/static", static)
    return app


@settings(max_examples=300)
@given(tail=_paths)
def test_property_raw_paths_serve_only_files_inside(root: Path, html_app: App, tail: str) -> None:
    status, body = serve(html_app, make_scope("/static/" + tail))
    check_answer(root, tail, status, body)


@settings(max_examples=200)
@given(tail=_paths)
def test_property_general_lookup_serves_only_files_inside(
    root: Path, general_html_app: App, tail: str
) -> None:
    status, body = serve(general_html_app, make_scope("/static/" + tail))
    check_answer(root, tail, status, body)


@pytest.fixture(scope="module")
def html_client(html_app: App) -> Iterator[TestClient]:
    with TestClient(html_app) as client:
        yield client


@settings(max_examples=300)
@given(tail=_paths)
def test_property_encoded_urls_serve_only_files_inside(
    root: Path, html_client: TestClient, tail: str
) -> None:
    url_tail = tail.replace("?", "%3F").replace("#", "%23")
    r = html_client.get("/static/" + url_tail, follow_redirects=False)
    check_answer(root, unquote(url_tail), r.status_code, r.content)


# -- configuration, packages, subclassing ----------------------------------------------


def test_missing_directory_fails_at_construction(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="does not exist"):
        StaticFiles(directory=tmp_path / "nope")


def test_missing_directory_without_check_fails_loudly_on_first_request(tmp_path: Path) -> None:
    app = ours(tmp_path / "nope", check_dir=False)
    with pytest.raises(RuntimeError, match="does not exist"):
        TestClient(app).get("/static/a.txt")
    (tmp_path / "file").write_text("x")
    app = ours(tmp_path / "file", check_dir=False)
    with pytest.raises(RuntimeError, match="is not a directory"):
        TestClient(app).get("/static/a.txt")


def test_packages_serve_their_statics_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "h4_static_pkg"
    (package / "statics").mkdir(parents=True)
    (package / "assets").mkdir()
    (package / "__init__.py").write_text("")
    (package / "statics" / "p.txt").write_text("from statics")
    (package / "assets" / "q.txt").write_text("from assets")
    own = tmp_path / "own"
    own.mkdir()
    (own / "p.txt").write_text("directory wins")
    monkeypatch.syspath_prepend(str(tmp_path))
    app = App()
    app.mount(
        "/s",
        StaticFiles(directory=own, packages=["h4_static_pkg", ("h4_static_pkg", "assets")]),
    )
    client = TestClient(app)
    assert client.get("/s/p.txt").text == "directory wins"
    assert client.get("/s/q.txt").text == "from assets"
    assert client.get("/s/../own/p.txt").status_code == 404
    with pytest.raises(RuntimeError, match="could not be found"):
        StaticFiles(packages=["h4_no_such_package_anywhere"])
    with pytest.raises(RuntimeError, match="could not be found"):
        StaticFiles(packages=[("h4_static_pkg", "nope")])
    sys.modules.pop("h4_static_pkg", None)


def test_get_response_override_adds_headers(root: Path) -> None:
    class CachedStaticFiles(StaticFiles):
        async def get_response(self, path: str, scope: Scope) -> Response:
            response = await super().get_response(path, scope)
            response.headers["cache-control"] = "public, max-age=3600"
            return response

    app = App()
    app.mount("/static", CachedStaticFiles(directory=root))
    client = TestClient(app)
    r = client.get("/static/a.txt")
    assert r.headers["cache-control"] == "public, max-age=3600"
    again = client.get("/static/a.txt", headers={"if-none-match": r.headers["etag"]})
    assert again.status_code == 304
    assert again.headers["cache-control"] == "public, max-age=3600"
    assert client.get("/static/missing").status_code == 404


def test_errors_go_through_the_apps_exception_handlers(root: Path) -> None:
    def not_found(request: Request, exc: Exception) -> Response:
        return PlainTextResponse(f"no {request.url.path}", status_code=404)

    app = App(exception_handlers={404: not_found})
    app.mount("/static", StaticFiles(directory=root))
    r = TestClient(app).get("/static/nope.txt")
    assert (r.status_code, r.text) == (404, "no /static/nope.txt")


def test_bare_staticfiles_answers_without_an_app(root: Path) -> None:
    client = TestClient(StaticFiles(directory=root))
    assert client.get("/a.txt").content == b"alpha\n"
    assert client.get("/../secret.txt").json() == {"detail": "Not Found"}
    r = client.post("/a.txt")
    assert (r.status_code, r.headers["allow"]) == (405, "GET, HEAD")


def test_root_path_is_honoured(root: Path) -> None:
    client = TestClient(ours(root, html=True), root_path="/api")
    assert client.get("/static/a.txt").content == b"alpha\n"
    r = client.get("/static/sub", follow_redirects=False)
    assert r.headers["location"] == "http://testserver/api/static/sub/"
    assert client.get("/static/sub/").content == b"<p>sub index</p>\n"


def test_websocket_scope_is_closed(root: Path) -> None:
    peer = Peer(messages=[{"type": "websocket.connect"}])
    run_asgi(StaticFiles(directory=root), websocket_scope("/a.txt"), peer)
    assert peer.sent == [{"type": "websocket.close", "code": 1000, "reason": ""}]


# -- url_for and base_url -------------------------------------------------------------


def url_app(factory: Any, root: Path) -> Any:
    from fastapi import Request as FastAPIRequest
    from fastapi.staticfiles import StaticFiles as StarletteStaticFiles

    app = factory()
    request_class: Any = Request if factory is App else FastAPIRequest

    async def read_item(request: Any, item_id: int) -> dict[str, str]:
        return {
            "static": str(request.url_for("static", path="/css/site.css")),
            "static_plain": str(request.url_for("static", path="a.txt")),
            "item": str(request.url_for("read_item", item_id=item_id + 1)),
            "base": str(request.base_url),
        }

    read_item.__annotations__["request"] = request_class
    app.get("/items/{item_id}")(read_item)
    cls = StaticFiles if factory is App else StarletteStaticFiles
    app.mount("/static", cls(directory=root), name="static")
    return app


@pytest.mark.parametrize("root_path", ["", "/api"])
@pytest.mark.parametrize("base_url", ["http://testserver", "https://example.org:8443"])
def test_url_for_same_as_fastapi(root: Path, root_path: str, base_url: str) -> None:
    from fastapi import FastAPI

    got = [
        TestClient(url_app(factory, root), root_path=root_path, base_url=base_url)
        .get("/items/41")
        .json()
        for factory in (App, FastAPI)
    ]
    assert got[0] == got[1]
    assert got[0]["static"] == f"{base_url}{root_path}/static/css/site.css"
    assert got[0]["item"] == f"{base_url}{root_path}/items/42"
    assert got[0]["base"] == f"{base_url}{root_path}/"


def test_url_for_unknown_name_raises(root: Path) -> None:
    app = url_app(App, root)

    @app.get("/bad")
    async def bad(request: Request) -> str:
        return str(request.url_for("nope"))

    with pytest.raises(NoMatchFound):
        TestClient(app).get("/bad")


def test_url_for_without_an_app_is_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match="url_for"):
        Request(make_scope()).url_for("static", path="x")


def test_static_benchmark_runs_and_checks_its_answers() -> None:
    # In a process of its own: the benchmark collects garbage before every batch,
    # which in the test run's own process (every earlier test's objects alive)
    # would take most of the time.
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_static", "--quick"],
        capture_output=True,
        text=True,
        timeout=50,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert done.returncode == 0, done.stderr
    table = done.stdout
    assert "| asgiweb StaticFiles |" in table
    assert "| asgiweb FileResponse handler |" in table
    assert "error" not in table


@pytest.mark.parametrize("root_path", ["", "/api"])
def test_url_for_inside_a_mounted_app_same_as_fastapi(root_path: str) -> None:
    from fastapi import FastAPI
    from fastapi import Request as FastAPIRequest

    def build(factory: Any, request_class: Any) -> Any:
        inner, outer = factory(), factory()

        async def where(request: Any) -> dict[str, str]:
            return {"here": str(request.url_for("where")), "base": str(request.base_url)}

        where.__annotations__["request"] = request_class
        inner.get("/where", name="where")(where)
        outer.mount("/sub", inner)
        return outer

    got = [
        TestClient(build(factory, request_class), root_path=root_path).get("/sub/where").json()
        for factory, request_class in ((App, Request), (FastAPI, FastAPIRequest))
    ]
    assert got[0]["here"] == got[1]["here"] == f"http://testserver{root_path}/sub/where"


def test_mounted_at_the_root_behind_the_routes(root: Path) -> None:
    from asgiweb.routing import Mount

    app = App(routes=[Mount("/", StaticFiles(directory=root, html=True), name="site")])

    @app.get("/api/ping")
    async def ping() -> dict[str, bool]:
        return {"pong": True}

    client = TestClient(app)
    assert client.get("/api/ping").json() == {"pong": True}
    assert client.get("/a.txt").content == b"alpha\n"
    assert client.get("/sub/").content == b"<p>sub index</p>\n"
    r = client.get("/../secret.txt")
    assert r.status_code == 404
    assert SECRET not in r.content


# -- through a real server: uvicorn decodes the request target itself -------------------

SERVER_APP = """\
import os

from asgiweb import App
from asgiweb.staticfiles import StaticFiles

app = App()
app.mount("/static", StaticFiles(directory=os.environ["ASGIWEB_STATIC_ROOT"]), name="static")
"""

RAW_TARGETS = [
    "/static/../secret.txt",
    "/static/./../secret.txt",
    "/static/%2e%2e/secret.txt",
    "/static/%2E%2E/%2E%2E/secret.txt",
    "/static/..%2fsecret.txt",
    "/static/%2e%2e%5csecret.txt",
    "/static/..\\secret.txt",
    "/static/a.txt%00",
    "/static/%00/../secret.txt",
    "/static/link_out",
    "/static/dirlink_out/x.txt",
    "/static/%c0%ae%c0%ae/secret.txt",
    "/static/" + "%2e%2e/" * 40 + "etc/passwd",
    "/static/" + "x" * 6000,
]


@pytest.mark.parametrize("http", ["h11", "httptools"])
def test_real_server_serves_only_inside(tmp_path: Path, http: str) -> None:
    try:
        from tests.e2e import serverutil
    except ImportError:  # the layout before the tests/e2e folder
        from tests import serverutil  # type: ignore[no-redef]
    Client, http_implementations, run_server = (
        serverutil.Client,
        serverutil.http_implementations,
        serverutil.run_server,
    )

    if http not in http_implementations():
        pytest.skip(f"{http} is not installed")
    (tmp_path / "tree").mkdir()
    tree = build_tree(tmp_path / "tree")
    (tmp_path / "static_server_app.py").write_text(SERVER_APP)
    env = {"ASGIWEB_STATIC_ROOT": str(tree)}
    with run_server("static_server_app:app", app_dir=tmp_path, http=http, env=env) as server:
        with Client(server.port) as client:
            ok = client.request("GET", "/static/a.txt")
            assert (ok.status, ok.body) == (200, b"alpha\n")
            part = client.request("GET", "/static/big.bin", headers=[("range", "bytes=2-5")])
            assert (part.status, part.body) == (206, bytes([2, 3, 4, 5]))
            literal = client.request("GET", "/static/%252e%252e")
            assert literal.body == b"a file literally named %2e%2e\n"
        for target in RAW_TARGETS:
            with Client(server.port) as client:
                reply = client.request("GET", target)
            assert reply.status == 404, (target, reply.status)
            assert SECRET not in reply.body, target
            assert b"root:" not in reply.body, target


@pytest.mark.parametrize("url", ["/static/%2e%2e/secret.txt", "/static/a%00", "/static/..%5c"])
def test_refused_path_on_a_fresh_app_is_not_the_directory(tmp_path: Path, url: str) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("home page")
    from asgiweb.staticfiles import REFUSED

    assert StaticFiles(directory=site).lookup_path(REFUSED) == ("", None)
    for _ in range(2):  # the first request of a fresh app, then a later one
        client = TestClient(ours(site, html=True))
        r = client.get(url, follow_redirects=False)
        assert (r.status_code, r.json()) == (404, {"detail": "Not Found"})
        assert client.get("/static/").text == "home page"


def test_kept_responses_follow_the_file_and_are_never_shared(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    page = site / "page.txt"
    page.write_bytes(b"first")

    class Extra(StaticFiles):
        async def get_response(self, path: str, scope: Scope) -> Response:
            response = await super().get_response(path, scope)
            response.raw_headers.append((b"x-extra", b"1"))
            response.headers["x-set"] = "1"
            return response

    app = App()
    app.mount("/static", Extra(directory=site))
    client = TestClient(app)
    for _ in range(3):
        r = client.get("/static/page.txt")
        assert r.headers.getlist("x-extra") == ["1"]
        assert r.headers.getlist("x-set") == ["1"]
        assert r.content == b"first"
    etag = r.headers["etag"]

    page.write_bytes(b"second, longer")
    r = client.get("/static/page.txt")
    assert (r.content, r.headers["content-length"]) == (b"second, longer", "14")
    assert r.headers["etag"] != etag

    stat = page.stat()
    page.write_bytes(b"third, longer!")  # same size: the modification time tells
    os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    r = client.get("/static/page.txt")
    assert r.content == b"third, longer!"

    secret = tmp_path / "secret.txt"
    secret.write_bytes(SECRET)
    page.unlink()
    os.symlink(secret, page)  # a served file swapped for a link out: refused at once
    r = client.get("/static/page.txt")
    assert r.status_code == 404
    assert SECRET not in r.content
