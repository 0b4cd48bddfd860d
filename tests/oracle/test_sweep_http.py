"""What a migrating service sees at the HTTP level, side by side with FastAPI.

Each app is written once (``build(fw)``, see ``tests/oracle/sidebyside.py``) and
served by asgiweb and by FastAPI; the same requests go to both and the answers
(status, decoded body, the headers that matter) must be equal.

Three differences are deliberate (docs/api.md, "404, 405, HEAD, slash
redirects") and :func:`same_but_documented` allows exactly those:

- a redirect's ``location`` is relative (FastAPI's is absolute, from ``host``);
- a GET route answers HEAD as GET without the body (FastAPI answers 405), so our
  HEAD is compared with FastAPI's GET, body dropped;
- a 405's ``Allow`` is the sorted union over the path's routes with HEAD for GET
  (FastAPI's lists the first route's methods in set order), so it is compared as
  a set without HEAD on paths with one route, and checked as the union elsewhere.
"""

from collections.abc import Callable, Sequence
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.oracle.sidebyside import Call, Framework, ask, frameworks

HTTP_HEADERS = ("content-type", "content-length", "allow", "location", "www-authenticate")
NO_REDIRECTS = {"follow_redirects": False}


def _normal(answer: dict[str, Any]) -> dict[str, Any]:
    headers = dict(answer["headers"])
    if headers.get("location"):
        headers["location"] = headers["location"].removeprefix("http://testserver")
    if headers.get("allow"):
        headers["allow"] = sorted(set(headers["allow"].split(", ")) - {"HEAD"})
    return {**answer, "headers": headers}


def same_but_documented(
    build: Callable[[Framework], Any],
    calls: Sequence[Call],
    *,
    headers: Sequence[str] = HTTP_HEADERS,
    client_options: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Assert equal answers but for the documented differences; asgiweb's answers."""
    ours, theirs = frameworks()
    reference_calls = [Call("GET", c.url, **c.options) if c.method == "HEAD" else c for c in calls]
    options = {"headers": headers, "client_options": client_options}
    got = ask(build(ours), calls, **options)
    expected = ask(build(theirs), reference_calls, **options)
    for call, mine, reference in zip(calls, got, expected, strict=True):
        if call.method == "HEAD":
            reference = {**reference, "body": ""}
        assert _normal(mine) == _normal(reference), call
    return got


# -- routing -------------------------------------------------------------------------

METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")
UUID = "12345678-1234-5678-1234-567812345678"


def routing_app(fw: Framework) -> Any:
    app = fw.App()

    @app.get("/one")
    def one():
        return "one"

    @app.put("/put")
    def put():
        return "put"

    @app.api_route("/multi", methods=["GET", "DELETE", "PATCH"])
    def multi():
        return "multi"

    @app.options("/opt")
    def opt():
        return "opt"

    @app.get("/items/{n:int}")
    def item(n: int):
        return n

    @app.get("/files/{p:path}")
    def files(p: str):
        return p

    @app.get("/f/{x:float}")
    def floats(x: float):
        return x

    @app.get("/u/{u:uuid}")
    def uuids(u: Any):
        return str(u)

    @app.get("/s/{s}")
    def segment(s: str):
        return s

    @app.get("/slash/")
    def slash():
        return "slash"

    @app.get("/")
    def root():
        return "root"

    router = fw.Router(prefix="/r")

    @router.get("")
    def r_bare():
        return "r"

    @router.get("/x")
    def r_x():
        return "rx"

    @router.post("/y/")
    def r_y():
        return "ry"

    app.include_router(router)
    sub = fw.App()

    @sub.get("/")
    def sub_root(request: fw.Request):
        return {"root_path": request.scope["root_path"], "url": str(request.url)}

    @sub.get("/in")
    def sub_in():
        return "in"

    @sub.get("/d/")
    def sub_d():
        return "d"

    app.mount("/sub", sub)
    return app


ROUTING_PATHS = (
    # one route per path (several: test_allow_is_the_union_of_the_paths_routes); 404
    "/one", "/put", "/opt", "/nope", "/one/nope",
    # convertors
    "/items/3", "/items/x", "/items/-1", "/items/03", "/items/",
    "/files/a/b.txt", "/files/a%2Fb", "/files/", "/files",
    "/f/1.5", "/f/1", "/f/.5", "/f/1e3", "/f/1.", "/f/-1.0",
    f"/u/{UUID}", f"/u/{UUID.upper()}", f"/u/{UUID.replace('-', '')}", f"/u/{UUID[:-1]}z",
    f"/u/{UUID[:8]}{UUID[9:]}",
    # percent-encoding
    "/s/%20x", "/s/a%2Fb", "/s/caf%C3%A9", "/%6Fne", "/s/%25",
    # trailing slashes, with query strings
    "/one/", "/one//", "/one/?q=1&r=2", "/slash", "/slash?x=%20y", "/slash//", "//",
    # included router with a prefix
    "/r", "/r/", "/r/x", "/r/x/", "/r/y", "/r/y?z=1",
    # mounted sub-app
    "/sub", "/sub?k=v", "/sub/", "/sub/in", "/sub/in/", "/sub/d", "/sub/d?k=v", "/sub/nope",
)  # fmt: skip


def test_routing_answers_as_fastapi() -> None:
    calls = [Call(m, p) for p in ROUTING_PATHS for m in METHODS]
    answers = same_but_documented(routing_app, calls, client_options=NO_REDIRECTS)
    assert {a["status"] for a in answers} == {200, 307, 404, 405}


def test_allow_is_the_union_of_the_paths_routes() -> None:
    # FastAPI lists one route's methods; documented: ours lists every route's.
    calls = [Call.get("/multi"), Call("PATCH", "/multi"), Call.put("/multi")]
    answers = same_but_documented(routing_app, calls[:2], client_options=NO_REDIRECTS)
    assert [a["status"] for a in answers] == [200, 200]
    (ours,) = ask(routing_app(Framework("asgiweb")), calls[2:], headers=("allow",))
    assert (ours["status"], ours["headers"]["allow"]) == (405, "DELETE, GET, HEAD, PATCH")


def test_slash_redirects_keep_the_query_and_the_mount() -> None:
    answers = same_but_documented(
        routing_app,
        [Call.get("/sub?k=v"), Call.get("/sub/d?k=v"), Call.get("/one//?a=1"), Call.get("/r/y")],
        client_options=NO_REDIRECTS,
    )
    locations = [a["headers"]["location"] for a in answers]
    assert locations == ["/sub/?k=v", "/sub/d/?k=v", "/one?a=1", "/r/y/"]


def test_redirects_followed_end_at_the_same_answer() -> None:
    calls = [Call.get(p) for p in ("/sub", "/sub/d", "/one/", "/slash", "/r/x/")]
    answers = same_but_documented(routing_app, calls)
    assert answers[0]["body"] == {"root_path": "/sub", "url": "http://testserver/sub/"}


def root_path_app(fw: Framework) -> Any:
    app = routing_app(fw)
    app.root_path = "/api"  # FastAPI deprecates the keyword; the attribute is what it reads
    return app


def test_root_path_answers_as_fastapi() -> None:
    paths = ("/", "/one", "/one/", "/slash", "/sub", "/sub/in/", "/r/y?q=1", "/nope")
    calls = [Call(m, p) for p in paths for m in ("GET", "POST")]
    for client_root in ("", "/api"):
        options = {**NO_REDIRECTS, "root_path": client_root}
        same_but_documented(root_path_app, calls, client_options=options)
    # The root path alone: no route, a redirect to root_path + "/".
    calls = [Call.get("/api?x=1"), Call.post("/api")]
    answers = same_but_documented(root_path_app, calls, client_options=NO_REDIRECTS)
    assert [(a["status"], a["headers"]["location"]) for a in answers] == [
        (307, "/api/?x=1"),
        (307, "/api/"),
    ]


def test_without_redirect_slashes_the_twins_are_404() -> None:
    def build(fw: Framework) -> Any:
        app = routing_app(fw)
        app.router.redirect_slashes = False
        return app

    calls = [Call.get(p) for p in ("/one/", "/slash", "/sub", "/r/x/", "/one//")]
    answers = same_but_documented(build, calls, client_options=NO_REDIRECTS)
    assert {a["status"] for a in answers} == {404}


SEGMENTS = ("one", "put", "opt", "items", "3", "x", "files", "f", "1.5", "u", UUID, "s", "slash",
            "r", "y", "sub", "in", "d", "%20", "")  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    parts=st.lists(st.sampled_from(SEGMENTS), min_size=1, max_size=4),
    method=st.sampled_from(("GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS")),
    query=st.sampled_from(("", "?a=1", "?a=%2F&b")),
)
def test_random_paths_get_the_same_status_allow_and_location(
    parts: list[str], method: str, query: str
) -> None:
    path = "/" + "/".join(parts) + query
    same_but_documented(routing_app, [Call(method, path)], client_options=NO_REDIRECTS)
