"""Dependencies and security side by side with FastAPI (the oracle).

Each app is written once (``build(fw)``, see ``tests/oracle/sidebyside.py``) and
served by asgiweb and by FastAPI; the same requests go to both and the answers
(status, decoded body, ``content-type`` and ``www-authenticate``) must be equal.
Where a dependency's side effects matter (how often it ran, the order of the code
after ``yield``), the app records them in a list that a second route returns, so
the comparison stays at the HTTP level.
"""

import base64
from typing import Annotated, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.oracle.sidebyside import Call, Framework, ask, frameworks, same_answers

# -- Depends graphs ------------------------------------------------------------------


def graph_app(fw: Framework) -> Any:
    app = fw.App()
    calls: list[str] = []
    Depends, Query, Header = fw.Depends, fw.Query, fw.Header

    def counted() -> int:
        calls.append("counted")
        return len(calls)

    def uses_counted(a: Annotated[int, Depends(counted)]) -> int:
        return a

    def fresh() -> int:
        calls.append("fresh")
        return len(calls)

    @app.get("/cache")
    def cache(
        a: Annotated[int, Depends(counted)],
        b: Annotated[int, Depends(uses_counted)],
        c: Annotated[int, Depends(counted, use_cache=False)],
    ):
        return {"a": a, "b": b, "c": c, "calls": list(calls)}

    @app.get("/nocache")
    def nocache(
        a: Annotated[int, Depends(fresh, use_cache=False)],
        b: Annotated[int, Depends(fresh, use_cache=False)],
        c: Annotated[int, Depends(fresh)],
        d: Annotated[int, Depends(fresh)],
    ):
        return {"a": a, "b": b, "c": c, "d": d}

    @app.get("/reset")
    def reset():
        calls.clear()
        return "ok"

    def paging(skip: int = 0, limit: Annotated[int, Query(le=100)] = 10) -> dict[str, int]:
        return {"skip": skip, "limit": limit}

    def token(x_token: Annotated[str, Header()]) -> str:
        return x_token

    def both_subs(
        p: Annotated[dict[str, int], Depends(paging)], t: Annotated[str, Depends(token)]
    ) -> dict[str, Any]:
        return {"p": p, "t": t}

    @app.get("/subs")
    def subs(
        q: int,
        d: Annotated[dict[str, Any], Depends(both_subs)],
        z: Annotated[str, Query(min_length=2)] = "zz",
    ):
        return {"q": q, "d": d, "z": z}

    @app.get("/same-param")
    def same_param(p: Annotated[dict[str, int], Depends(paging)], skip: int = 5):
        return {"p": p, "skip": skip}

    class Pager:
        def __init__(self, q: str | None = None, page: int = 1) -> None:
            self.q = q
            self.page = page

    @app.get("/class")
    def klass(pager: Annotated[Pager, Depends(Pager)]):
        return {"q": pager.q, "page": pager.page}

    @app.get("/class-noarg")
    def class_noarg(pager: Annotated[Pager, Depends()]):
        return {"q": pager.q, "page": pager.page}

    @app.get("/class-default")
    def class_default(pager: Pager = Depends()):
        return {"q": pager.q, "page": pager.page}

    class Prefix:
        def __init__(self, prefix: str) -> None:
            self.prefix = prefix

        def __call__(self, word: str = "x") -> str:
            return self.prefix + word

    class AsyncPrefix:
        async def __call__(self, n: int) -> int:
            return n * 2

    @app.get("/instance")
    def instance(
        a: Annotated[str, Depends(Prefix("pre-"))], b: Annotated[int, Depends(AsyncPrefix())]
    ):
        return {"a": a, "b": b}

    async def async_dep(n: Annotated[int, Query(gt=0)]) -> int:
        return n + 1

    @app.post("/body-dep")
    def body_dep(
        n: Annotated[int, Depends(async_dep)],
        item: Annotated[dict[str, int], fw.Body(embed=True)],
        extra: Annotated[int, fw.Body()] = 0,
    ):
        return {"n": n, "item": item, "extra": extra}

    def body_in_dep(name: Annotated[str, fw.Body()], size: Annotated[int, fw.Body()] = 1) -> str:
        return name * size

    @app.post("/body-in-dep")
    def body_in_dep_route(s: Annotated[str, Depends(body_in_dep)], flag: bool = False):
        return {"s": s, "flag": flag}

    def uses_request(request: fw.Request) -> str:
        return request.url.path

    @app.get("/request-dep")
    def request_dep(path: Annotated[str, Depends(uses_request)]):
        return path

    def fails(n: int) -> int:
        raise fw.HTTPException(status_code=418, detail={"n": n})

    @app.get("/raises")
    def raises(a: Annotated[int, Depends(fails)], b: Annotated[int, Depends(token)]):
        return a + b

    def header_alias(
        user_agent: Annotated[str | None, Header()] = None,
        strange: Annotated[str | None, Header(convert_underscores=False)] = None,
    ) -> dict[str, Any]:
        return {"ua": user_agent, "strange": strange}

    @app.get("/headers")
    def headers(h: Annotated[dict[str, Any], Depends(header_alias)]):
        return h

    return app


def test_graphs() -> None:
    same_answers(
        graph_app,
        [
            "/reset",
            "/cache",
            "/cache",
            "/reset",
            "/nocache",
            "/subs",
            "/subs?q=x&limit=500&z=a",
            Call.get("/subs?q=1&limit=500&z=a", headers={"x-token": "t"}),
            Call.get("/subs?q=1&skip=3", headers={"x-token": "t"}),
            Call.get("/subs?q=1&skip=bad&limit=bad", headers={"x-token": "t"}),
            "/same-param?skip=7",
            "/same-param?skip=no",
            "/class",
            "/class?q=a&page=3",
            "/class?page=x",
            "/class-noarg?q=b",
            "/class-default?page=2",
            "/instance?word=y&n=4",
            "/instance",
            "/instance?n=x",
            Call.post("/body-dep?n=1", json={"item": {"a": 1}, "extra": 3}),
            Call.post("/body-dep?n=0", json={"item": {"a": "x"}}),
            Call.post("/body-dep", json={}),
            Call.post("/body-dep?n=2"),
            Call.post(
                "/body-dep?n=2", content=b"{bad", headers={"content-type": "application/json"}
            ),
            Call.post("/body-in-dep", json={"name": "ab", "size": 2}),
            Call.post("/body-in-dep?flag=maybe", json={"size": "x"}),
            Call.post("/body-in-dep", json={"name": "ab"}),
            "/request-dep",
            "/raises?n=3",
            Call.get("/raises?n=3", headers={"x-token": "1"}),
            "/raises",
            Call.get("/headers", headers={"user-agent": "me", "strange": "s"}),
        ],
    )


# -- app, router and route dependencies, overrides -----------------------------------


def level_app(fw: Framework) -> Any:
    Depends, Header = fw.Depends, fw.Header
    seen: list[str] = []

    def app_level(x_app: Annotated[str | None, Header()] = None) -> None:
        seen.append(f"app:{x_app}")

    def router_level(x_key: Annotated[str, Header()]) -> None:
        seen.append("router")
        if x_key != "good":
            raise fw.HTTPException(status_code=403, detail="bad key")

    def include_level() -> None:
        seen.append("include")

    def route_level() -> str:
        seen.append("route")
        return "unused"

    def replaced() -> str:
        return "original"

    app = fw.App(dependencies=[Depends(app_level)])
    router = fw.Router(dependencies=[Depends(router_level)])

    @router.get("/r", dependencies=[Depends(route_level)])
    def r(v: Annotated[str, Depends(replaced)]):
        return {"v": v, "seen": list(seen)}

    app.include_router(router, prefix="/p", dependencies=[Depends(include_level)])

    @app.get("/seen")
    def get_seen():
        out = list(seen)
        seen.clear()
        return out

    @app.get("/plain")
    def plain(v: Annotated[str, Depends(replaced)]):
        return v

    def override(q: int = 1) -> str:
        return f"override {q}"

    @app.get("/override/on")
    def on():
        app.dependency_overrides[replaced] = override
        return "on"

    @app.get("/override/off")
    def off():
        app.dependency_overrides.clear()
        return "off"

    return app


def test_levels_and_overrides() -> None:
    same_answers(
        level_app,
        [
            "/p/r",
            "/seen",
            Call.get("/p/r", headers={"x-key": "bad", "x-app": "a"}),
            "/seen",
            Call.get("/p/r", headers={"x-key": "good"}),
            "/seen",
            "/plain",
            "/override/on",
            "/plain?q=5",
            "/plain?q=no",
            Call.get("/p/r?q=2", headers={"x-key": "good"}),
            "/override/off",
            "/plain?q=5",
            "/seen",
        ],
    )


# -- yield dependencies --------------------------------------------------------------


def yield_app(fw: Framework) -> Any:
    app = fw.App()
    Depends = fw.Depends
    log: list[str] = []

    class Boom(Exception):
        pass

    @app.exception_handler(Boom)
    def on_boom(request: Any, exc: Boom) -> Any:
        log.append("handler:Boom")
        return fw.responses.JSONResponse({"boom": str(exc)}, status_code=409)

    def outer():
        log.append("outer:enter")
        try:
            yield "o"
        except Boom as exc:
            log.append(f"outer:caught {exc}")
            raise
        finally:
            log.append("outer:exit")

    async def inner(o: Annotated[str, Depends(outer)]):
        log.append("inner:enter")
        try:
            yield o + "i"
        except Boom as exc:
            log.append(f"inner:caught {exc}")
            raise
        finally:
            log.append("inner:exit")

    @app.get("/ok")
    def ok(i: Annotated[str, Depends(inner)]):
        log.append("handler")
        return i

    @app.get("/boom")
    def boom(i: Annotated[str, Depends(inner)]):
        raise Boom("b")

    @app.get("/http")
    def http(i: Annotated[str, Depends(inner)]):
        raise fw.HTTPException(status_code=404, detail="nope", headers={"x-a": "1"})

    def converts():
        try:
            yield "c"
        except Boom as exc:
            log.append("converts")
            raise fw.HTTPException(status_code=400, detail=f"converted {exc}") from exc

    @app.get("/convert")
    def convert(c: Annotated[str, Depends(converts)]):
        raise Boom("x")

    def fails_before():
        log.append("fails_before")
        raise fw.HTTPException(status_code=401, detail="early")
        yield  # pragma: no cover

    @app.get("/early")
    def early(o: Annotated[str, Depends(outer)], f: Annotated[None, Depends(fails_before)]):
        return "never"

    def function_scoped():
        log.append("fn:enter")
        yield "f"
        log.append("fn:exit")

    @app.get("/scopes")
    def scopes(
        f: Annotated[str, Depends(function_scoped, scope="function")],
        o: Annotated[str, Depends(outer)],
    ):
        log.append("handler")
        return f + o

    @app.get("/log")
    def get_log():
        out = list(log)
        log.clear()
        return out

    return app


def test_yield_dependencies() -> None:
    same_answers(
        yield_app,
        [
            "/ok",
            "/log",
            "/boom",
            "/log",
            "/http",
            "/log",
            "/convert",
            "/log",
            "/early",
            "/log",
            "/scopes",
            "/log",
        ],
        headers=("content-type", "www-authenticate", "x-a"),
        client_options={"raise_server_exceptions": False},
    )


# -- Security and scopes -------------------------------------------------------------


def scopes_app(fw: Framework) -> Any:
    app = fw.App()
    Security, Depends = fw.Security, fw.Depends
    SecurityScopes = fw.security.SecurityScopes
    oauth = fw.security.OAuth2PasswordBearer(
        tokenUrl="token", scopes={"me": "me", "items": "items"}
    )

    def current(scopes: SecurityScopes, token: Annotated[str, Depends(oauth)]) -> dict[str, Any]:
        granted = token.split(",")
        for scope in scopes.scopes:
            if scope not in granted:
                raise fw.HTTPException(
                    status_code=401,
                    detail="Not enough permissions",
                    headers={"WWW-Authenticate": f'Bearer scope="{scopes.scope_str}"'},
                )
        return {"scopes": scopes.scopes, "str": scopes.scope_str}

    def active(u: Annotated[dict[str, Any], Security(current, scopes=["me"])]) -> dict[str, Any]:
        return u

    @app.get("/me")
    def me(u: Annotated[dict[str, Any], Security(active, scopes=["items"])]):
        return u

    @app.get("/plain")
    def plain(u: Annotated[dict[str, Any], Depends(current)]):
        return u

    @app.get("/twice")
    def twice(
        a: Annotated[dict[str, Any], Security(current, scopes=["me"])],
        b: Annotated[dict[str, Any], Security(current, scopes=["items", "me"])],
    ):
        return [a, b]

    @app.get("/route-level", dependencies=[Security(current, scopes=["admin"])])
    def route_level():
        return "ok"

    def form_dep(form: Annotated[fw.security.OAuth2PasswordRequestForm, Depends()]) -> Any:
        return {
            "username": form.username,
            "password": form.password,
            "scopes": form.scopes,
            "grant_type": form.grant_type,
            "client_id": form.client_id,
            "client_secret": form.client_secret,
        }

    @app.post("/token")
    def token(form: Annotated[Any, Depends(form_dep)]):
        return form

    @app.post("/strict")
    def strict(form: Annotated[fw.security.OAuth2PasswordRequestFormStrict, Depends()]):
        return {"username": form.username, "grant_type": form.grant_type, "scopes": form.scopes}

    return app


def _bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def test_security_scopes_and_password_form() -> None:
    same_answers(
        scopes_app,
        [
            "/me",
            Call.get("/me", headers=_bearer("me")),
            Call.get("/me", headers=_bearer("me,items")),
            Call.get("/me", headers={"authorization": "Basic abc"}),
            Call.get("/plain", headers=_bearer("")),
            Call.get("/twice", headers=_bearer("me,items")),
            Call.get("/twice", headers=_bearer("me")),
            Call.get("/route-level", headers=_bearer("admin")),
            Call.get("/route-level", headers=_bearer("me")),
            Call.post("/token", data={"username": "u", "password": "p"}),
            Call.post(
                "/token",
                data={
                    "username": "u",
                    "password": "p",
                    "scope": " a  b ",
                    "grant_type": "password",
                    "client_id": "c",
                    "client_secret": "s",
                },
            ),
            Call.post("/token", data={"username": "u", "password": "p", "grant_type": "x"}),
            Call.post("/token", data={"password": "p"}),
            Call.post("/token"),
            Call.post("/token", json={"username": "u", "password": "p"}),
            Call.post("/strict", data={"username": "u", "password": "p"}),
            Call.post("/strict", data={"username": "u", "password": "p", "grant_type": "password"}),
        ],
    )


# -- the schemes: every Authorization header, API key places, auto_error --------------


FLOWS = {"password": {"tokenUrl": "token", "scopes": {"me": "me"}}}


def schemes_app(fw: Framework) -> Any:
    app = fw.App()
    s = fw.security
    Depends = fw.Depends
    schemes = {
        "oauth": s.OAuth2PasswordBearer(tokenUrl="token"),
        "basic": s.HTTPBasic(),
        "basic-realm": s.HTTPBasic(realm="zone"),
        "bearer": s.HTTPBearer(),
        "base": fw.sub("security.http").HTTPBase(scheme="custom"),
        "header": s.APIKeyHeader(name="x-key"),
        "query": s.APIKeyQuery(name="key"),
        "cookie": s.APIKeyCookie(name="key"),
        "oauth2": s.OAuth2(flows=FLOWS),
    }
    quiet = {
        "oauth": s.OAuth2PasswordBearer(tokenUrl="token", auto_error=False),
        "basic": s.HTTPBasic(auto_error=False),
        "basic-realm": s.HTTPBasic(realm="zone", auto_error=False),
        "bearer": s.HTTPBearer(auto_error=False),
        "base": fw.sub("security.http").HTTPBase(scheme="custom", auto_error=False),
        "header": s.APIKeyHeader(name="x-key", auto_error=False),
        "query": s.APIKeyQuery(name="key", auto_error=False),
        "cookie": s.APIKeyCookie(name="key", auto_error=False),
        "oauth2": s.OAuth2(scheme_name="quiet", auto_error=False),
    }

    def shown(value: Any) -> Any:
        if value is None or isinstance(value, str):
            return value
        return {"type": type(value).__name__, **vars(value)}

    def add(path: str, scheme: Any) -> None:
        @app.get(path)
        def route(value: Annotated[Any, Depends(scheme)]):
            return shown(value)

    for name in schemes:
        add(f"/strict/{name}", schemes[name])
        add(f"/quiet/{name}", quiet[name])
    return app


SCHEME_NAMES = (
    "oauth", "basic", "basic-realm", "bearer", "base", "header", "query", "cookie", "oauth2"
)  # fmt: skip


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


AUTH_SCHEMES = ("Bearer", "bearer", "BEARER", "Basic", "basic", "Custom", "custom", "Digest", "")
AUTH_CREDENTIALS = (
    "",
    "abc",
    "a b",
    "  padded  ",
    _b64(b"user:pass"),
    _b64(b"user:"),
    _b64(b":"),
    _b64(b"nocolon"),
    _b64(b"a:b:c"),
    _b64("ünï:cöde".encode()),
    _b64(b"user:pass").rstrip("="),
    "!!!",
    "dXNlcjpwYXNz====",
)
SEPARATORS = (" ", "  ", "\t", "")


def _auth_calls(authorization: str | None, key: str | None) -> list[Call]:
    headers: dict[str, str] = {}
    if authorization is not None:
        headers["authorization"] = authorization
    if key is not None:
        headers["x-key"] = key
    cookies = {} if key is None else {"key": key}
    query = "" if key is None else f"?key={key}"
    calls = []
    for mode in ("strict", "quiet"):
        for name in SCHEME_NAMES:
            extra: dict[str, Any] = {"headers": headers}
            if name == "cookie" and cookies:
                extra["headers"] = {**headers, "cookie": f"key={key}"}
            calls.append(Call.get(f"/{mode}/{name}{query}", **extra))
    return calls


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer ", "Bearer tok", "bearer tok", "Basic " + _b64(b"u:p"), "Token x"],
)
@pytest.mark.parametrize("key", [None, "", "k"])
def test_schemes_examples(authorization: str | None, key: str | None) -> None:
    same_answers(schemes_app, _auth_calls(authorization, key))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    scheme=st.sampled_from(AUTH_SCHEMES),
    separator=st.sampled_from(SEPARATORS),
    credentials=st.sampled_from(AUTH_CREDENTIALS),
)
def test_schemes_any_authorization(scheme: str, separator: str, credentials: str) -> None:
    """Whatever ``Authorization`` header arrives, every scheme answers as FastAPI's."""
    authorization = f"{scheme}{separator}{credentials}"
    same_answers(schemes_app, _auth_calls(authorization, None))


# -- edges: swallowed errors, errors after yield, parameter kinds in dependencies -----


def edge_app(fw: Framework) -> Any:
    app = fw.App()
    Depends, Query, Header, Cookie = fw.Depends, fw.Query, fw.Header, fw.Cookie
    log: list[str] = []

    class Boom(Exception):
        pass

    def swallows():
        try:
            yield "s"
        except Boom:
            log.append("swallowed")

    @app.get("/swallow")
    def swallow(s: Annotated[str, Depends(swallows)]):
        raise Boom("x")

    def raises_after():
        yield "r"
        log.append("after")
        raise fw.HTTPException(status_code=400, detail="after yield")

    @app.get("/after-request")
    def after_request(r: Annotated[str, Depends(raises_after)]):
        return r

    @app.get("/after-function")
    def after_function(r: Annotated[str, Depends(raises_after, scope="function")]):
        return r

    def catches_http():
        try:
            yield "c"
        except fw.HTTPException as exc:
            log.append(f"saw {exc.status_code}")
            raise

    @app.get("/http-through")
    def http_through(c: Annotated[str, Depends(catches_http)]):
        raise fw.HTTPException(status_code=402, detail="pay")

    def twice():
        yield 1
        yield 2

    @app.get("/twice")
    def yields_twice(t: Annotated[int, Depends(twice)]):
        return t

    def response_dep(response: fw.Response, background: fw.BackgroundTasks) -> str:
        response.headers["x-dep"] = "yes"
        response.set_cookie("c", "v")
        response.status_code = 201
        background.add_task(log.append, "background")
        return "r"

    @app.get("/response-dep")
    def response_route(r: Annotated[str, Depends(response_dep)], response: fw.Response):
        response.headers["x-route"] = "too"
        return r

    def kinds(
        tags: Annotated[list[str], Query()] = [],  # noqa: B006
        session: Annotated[str | None, Cookie()] = None,
        x_ids: Annotated[list[int] | None, Header()] = None,
    ) -> dict[str, Any]:
        return {"tags": tags, "session": session, "ids": x_ids}

    @app.get("/kinds")
    def kinds_route(k: Annotated[dict[str, Any], Depends(kinds)]):
        return k

    def scopes_direct(scopes: fw.security.SecurityScopes) -> list[str]:
        return scopes.scopes

    @app.get("/scopes-direct")
    def direct(
        s: Annotated[list[str], fw.Security(scopes_direct, scopes=["a", "b"])],
        scopes: fw.security.SecurityScopes,
    ):
        return {"s": s, "handler": scopes.scopes}

    def needs_q(q: int) -> int:
        return q

    router = fw.Router(dependencies=[Depends(needs_q)])

    @router.get("/merged", dependencies=[Depends(needs_q, use_cache=False)])
    def merged(x_h: Annotated[int, Header()], p: int, body: Annotated[int, fw.Body()] = 0):
        return p

    app.include_router(router)

    @app.get("/log")
    def get_log():
        out = list(log)
        log.clear()
        return out

    return app


def test_edges() -> None:
    same_answers(
        edge_app,
        [
            "/swallow",
            "/log",
            "/after-request",
            "/log",
            "/after-function",
            "/log",
            "/http-through",
            "/log",
            "/twice",
            "/response-dep",
            "/log",
            "/kinds?tags=a&tags=b",
            Call.get("/kinds", headers={"x-ids": "1", "cookie": "session=s"}),
            Call.get("/kinds", headers=[("x-ids", "1"), ("x-ids", "x")]),
            "/scopes-direct",
            "/merged",
            Call.get("/merged?q=x&p=y", headers={"x-h": "z"}),
            Call.post("/merged?q=1&p=2", json="x", headers={"x-h": "3"}),
        ],
        headers=("content-type", "www-authenticate", "x-dep", "x-route", "set-cookie"),
        client_options={"raise_server_exceptions": False},
    )


def model_dep_app(fw: Framework) -> Any:
    from dataclasses import dataclass

    import pydantic

    app = fw.App()
    Depends = fw.Depends

    class Filter(pydantic.BaseModel):
        name: str
        limit: int = 10

    @dataclass
    class Point:
        x: int
        y: int = 0

    @app.get("/model")
    def model(f: Annotated[Filter, Depends()]):
        return f

    @app.get("/dataclass")
    def dc(p: Annotated[Point, Depends()]):
        return p

    return app


def test_model_and_dataclass_dependencies() -> None:
    same_answers(
        model_dep_app,
        ["/model?name=a", "/model", "/model?name=a&limit=x", "/dataclass?x=1", "/dataclass?y=z"],
    )


# -- random dependency graphs --------------------------------------------------------

# A node: (its sub-dependencies as (index of a later node, use_cache), its own query
# parameter: None, "required" or "optional", whether it is a generator).
Node = tuple[tuple[tuple[int, bool], ...], str | None, bool]


@st.composite
def graphs(draw: st.DrawFn) -> tuple[list[Node], list[tuple[int, bool]]]:
    size = draw(st.integers(1, 5))
    nodes: list[Node] = []
    for i in range(size):
        later = list(range(i + 1, size))
        subs = draw(st.lists(st.sampled_from(later), max_size=3)) if later else []
        edges = tuple((j, draw(st.booleans())) for j in subs)
        own = draw(st.sampled_from([None, "required", "optional"]))
        nodes.append((edges, own, draw(st.booleans())))
    roots = draw(
        st.lists(st.tuples(st.integers(0, size - 1), st.booleans()), min_size=1, max_size=3)
    )
    return nodes, roots


def graph_builder(nodes: list[Node], roots: list[tuple[int, bool]]) -> Any:
    """An app whose handler depends on ``roots``; every node logs its calls and exits."""

    def build(fw: Framework) -> Any:
        import inspect

        app = fw.App()
        log: list[str] = []
        made: dict[int, Any] = {}

        def make(i: int) -> Any:
            if i in made:
                return made[i]
            edges, own, generator = nodes[i]
            params = [
                inspect.Parameter(
                    f"d{k}",
                    inspect.Parameter.KEYWORD_ONLY,
                    annotation=Annotated[Any, fw.Depends(make(j), use_cache=cache)],
                )
                for k, (j, cache) in enumerate(edges)
            ]
            if own is not None:
                params.append(
                    inspect.Parameter(
                        f"q{i}",
                        inspect.Parameter.KEYWORD_ONLY,
                        annotation=int,
                        default=inspect.Parameter.empty if own == "required" else -1,
                    )
                )

            if generator:

                def node(**kwargs: Any) -> Any:
                    log.append(f"enter {i}")
                    yield [i, sorted(kwargs.items())]
                    log.append(f"exit {i}")

            else:

                def node(**kwargs: Any) -> Any:
                    log.append(f"call {i}")
                    return [i, sorted(kwargs.items())]

            node.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
            node.__name__ = f"node{i}"
            made[i] = node
            return node

        params = [
            inspect.Parameter(
                f"r{k}",
                inspect.Parameter.KEYWORD_ONLY,
                annotation=Annotated[Any, fw.Depends(make(j), use_cache=cache)],
            )
            for k, (j, cache) in enumerate(roots)
        ]

        def handler(**kwargs: Any) -> Any:
            return {"values": sorted(kwargs.items()), "log": list(log)}

        handler.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        app.get("/")(handler)

        @app.get("/log")
        def get_log():
            out = list(log)
            log.clear()
            return out

        return app

    return build


@settings(max_examples=60, deadline=None)
@given(graph=graphs(), query=st.dictionaries(st.integers(0, 4), st.sampled_from(["1", "x"])))
def test_random_graphs(
    graph: tuple[list[Node], list[tuple[int, bool]]], query: dict[int, str]
) -> None:
    """Call counts, values, exit order and merged 422s agree for any small graph."""
    nodes, roots = graph
    url = "/?" + "&".join(f"q{i}={v}" for i, v in sorted(query.items()))
    same_answers(graph_builder(nodes, roots), [url, "/log"])


# -- overrides: schemes, classes, generators, sub-dependencies of a replacement -------


def override_app(fw: Framework) -> Any:
    app = fw.App()
    Depends = fw.Depends
    log: list[str] = []
    bearer = fw.security.HTTPBearer()
    oauth = fw.security.OAuth2PasswordBearer(tokenUrl="token")

    class Settings:
        def __init__(self, env: str = "prod") -> None:
            self.env = env

    def db():
        log.append("db open")
        yield "db"
        log.append("db close")

    def user(token: Annotated[str, Depends(oauth)], d: Annotated[str, Depends(db)]) -> str:
        return f"{token}@{d}"

    @app.get("/all", dependencies=[Depends(bearer)])
    def everything(
        s: Annotated[Settings, Depends()],
        u: Annotated[str, Depends(user)],
        d: Annotated[str, Depends(db)],
    ):
        return {"env": s.env, "u": u, "d": d}

    def fake_db():
        log.append("fake open")
        yield "fake"
        log.append("fake close")

    class TestSettings(Settings):
        def __init__(self, env: str = "test", debug: bool = False) -> None:
            super().__init__(env + ("!" if debug else ""))

    def fake_user(name: Annotated[str, fw.Header()], d: Annotated[str, Depends(db)]) -> str:
        return f"{name}/{d}"

    @app.get("/set/{which}")
    def set_override(which: str):
        table = {
            "bearer": (bearer, lambda: None),
            "oauth": (oauth, lambda: "tok"),
            "settings": (Settings, TestSettings),
            "db": (db, fake_db),
            "user": (user, fake_user),
        }
        key, value = table[which]
        app.dependency_overrides[key] = value
        return which

    @app.get("/clear")
    def clear():
        app.dependency_overrides.clear()
        return "cleared"

    @app.get("/log")
    def get_log():
        out = list(log)
        log.clear()
        return out

    return app


def test_overrides() -> None:
    auth = {"authorization": "Bearer abc"}
    same_answers(
        override_app,
        [
            "/all",
            Call.get("/all?env=dev", headers=auth),
            "/log",
            "/set/bearer",
            "/all",
            "/set/oauth",
            "/all?debug=1",
            "/set/settings",
            "/all?debug=1&env=x",
            "/all?debug=maybe",
            "/set/db",
            "/all",
            "/log",
            "/set/user",
            "/all",
            Call.get("/all", headers={"name": "n"}),
            "/log",
            "/clear",
            Call.get("/all", headers=auth),
            "/log",
        ],
    )


# -- the cache key: callable, scopes (when looked at or asked for), exit scope --------


def cache_key_app(fw: Framework) -> Any:
    app = fw.App()
    Depends, Security = fw.Depends, fw.Security
    calls: list[str] = []

    def plain() -> int:
        calls.append("plain")
        return len(calls)

    def gen():
        calls.append("gen")
        yield len(calls)

    def via(p: Annotated[int, Depends(plain)]) -> int:
        return p

    def via_secured(p: Annotated[int, Security(plain, scopes=["a"])]) -> int:
        return p

    @app.get("/own-scopes")
    def own_scopes(
        a: Annotated[int, Depends(plain)],
        b: Annotated[int, Security(plain, scopes=["a"])],
        c: Annotated[int, Security(plain, scopes=["a"])],
        d: Annotated[int, Security(plain, scopes=["b"])],
        e: Annotated[int, Security(plain)],
        f: Annotated[int, Security(via, scopes=["a"])],
        g: Annotated[int, Depends(via_secured)],
    ):
        return [a, b, c, d, e, f, g, list(calls)]

    @app.get("/exit-scopes")
    def exit_scopes(
        a: Annotated[int, Depends(plain)],
        b: Annotated[int, Depends(plain, scope="request")],
        c: Annotated[int, Depends(plain, scope="function")],
        d: Annotated[int, Depends(gen)],
        e: Annotated[int, Depends(gen, scope="request")],
        f: Annotated[int, Depends(gen, scope="function")],
    ):
        return [a, b, c, d, e, f, list(calls)]

    @app.get("/reset")
    def reset():
        calls.clear()
        return "ok"

    return app


def test_cache_keys() -> None:
    same_answers(cache_key_app, ["/own-scopes", "/reset", "/exit-scopes"])


# Secured graphs: an edge is (node, use_cache, Security scopes or None for Depends,
# exit scope or None); a node is (edges, whether it reads SecurityScopes, generator).
Edge = tuple[int, bool, tuple[str, ...] | None, str | None]
SecNode = tuple[tuple[Edge, ...], bool, bool]


@st.composite
def secured_graphs(draw: st.DrawFn) -> tuple[list[SecNode], list[Edge], list[Edge]]:
    size = draw(st.integers(1, 4))

    def edge(targets: list[int]) -> Edge:
        scopes = draw(st.none() | st.lists(st.sampled_from("abc"), max_size=2).map(tuple))
        scope = draw(st.sampled_from([None, "request", "function"])) if scopes is None else None
        return (draw(st.sampled_from(targets)), draw(st.booleans()), scopes, scope)

    nodes: list[SecNode] = []
    for i in range(size):
        later = list(range(i + 1, size))
        count = draw(st.integers(0, 3)) if later else 0
        edges = tuple(edge(later) for _ in range(count))
        nodes.append((edges, draw(st.booleans()), draw(st.booleans())))
    roots = [edge(list(range(size))) for _ in range(draw(st.integers(1, 3)))]
    decorator = [edge(list(range(size))) for _ in range(draw(st.integers(0, 2)))]
    return nodes, roots, decorator


def secured_builder(nodes: list[SecNode], roots: list[Edge], decorator: list[Edge]) -> Any:
    import inspect

    def build(fw: Framework) -> Any:
        app = fw.App()
        log: list[str] = []
        made: dict[int, Any] = {}

        def marker(edge: Edge) -> Any:
            j, cache, scopes, scope = edge
            if scopes is None:
                return fw.Depends(make(j), use_cache=cache, scope=scope)
            # FastAPI's Security takes no scope= (asgiweb's does, docs/api.md).
            return fw.Security(make(j), scopes=list(scopes), use_cache=cache)

        def signature(edges: tuple[Edge, ...] | list[Edge], reads: bool) -> inspect.Signature:
            kw = inspect.Parameter.KEYWORD_ONLY
            params = [
                inspect.Parameter(f"d{k}", kw, annotation=Annotated[Any, marker(e)])
                for k, e in enumerate(edges)
            ]
            if reads:
                params.append(inspect.Parameter("ss", kw, annotation=fw.security.SecurityScopes))
            return inspect.Signature(params)

        def make(i: int) -> Any:
            if i in made:
                return made[i]
            edges, reads, generator = nodes[i]

            def shown(kwargs: dict[str, Any]) -> list[Any]:
                ss = kwargs.pop("ss", None)
                return [i, None if ss is None else ss.scope_str, sorted(kwargs.items())]

            if generator:

                def node(**kwargs: Any) -> Any:
                    value = shown(kwargs)
                    log.append(f"enter {value[:2]}")
                    yield value
                    log.append(f"exit {value[:2]}")

            else:

                def node(**kwargs: Any) -> Any:
                    value = shown(kwargs)
                    log.append(f"call {value[:2]}")
                    return value

            node.__signature__ = signature(edges, reads)  # type: ignore[attr-defined]
            node.__name__ = f"node{i}"
            made[i] = node
            return node

        def handler(**kwargs: Any) -> Any:
            return {"values": sorted(kwargs.items()), "log": list(log)}

        handler.__signature__ = signature(roots, False)  # type: ignore[attr-defined]
        app.get("/", dependencies=[marker(e) for e in decorator])(handler)

        @app.get("/log")
        def get_log():
            out = list(log)
            log.clear()
            return out

        return app

    return build


@settings(max_examples=80, deadline=None)
@given(graph=secured_graphs())
def test_random_secured_graphs(graph: tuple[list[SecNode], list[Edge], list[Edge]]) -> None:
    """Scopes seen, cache hits per scope set and exit scope, and exit order agree."""
    build = secured_builder(*graph)
    ours, theirs = frameworks()
    try:
        build(ours)
    except TypeError:
        # A request-scoped generator over a function-scoped one: refused by both.
        with pytest.raises(Exception, match="scope"):
            build(theirs)
        return
    same_answers(build, ["/", "/log"])


# -- more edges: path parameters, partials, nesting, background tasks, exit order -----


def more_app(fw: Framework) -> Any:
    import functools

    app = fw.App()
    Depends, Security = fw.Depends, fw.Security
    log: list[str] = []

    def item(item_id: int, q: int = 0) -> int:
        return item_id + q

    @app.get("/items/{item_id}")
    def get_item(i: Annotated[int, Depends(item)], item_id: str):
        return {"i": i, "raw": item_id}

    def scaled(factor: int, n: int = 1) -> int:
        return factor * n

    @app.get("/partial")
    def partial_route(v: Annotated[int, Depends(functools.partial(scaled, 3))]):
        return v

    def invalid(n: int) -> int:
        return n

    def refuses() -> None:
        log.append("refuses")
        raise fw.HTTPException(status_code=403, detail="no")

    @app.get("/mixed")
    def mixed(a: Annotated[int, Depends(invalid)], b: Annotated[None, Depends(refuses)]):
        return "never"

    @app.get("/mixed-after")
    def mixed_after(b: Annotated[None, Depends(refuses)], a: Annotated[int, Depends(invalid)]):
        return "never"

    def tag(name: str) -> Any:
        def dep() -> None:
            log.append(name)

        dep.__name__ = name
        return Depends(dep)

    inner = fw.Router(dependencies=[tag("inner-router")])

    @inner.get("/deep", dependencies=[tag("route")])
    def deep(v: Annotated[None, tag("param")]):
        return list(log)

    outer = fw.Router(dependencies=[tag("outer-router")])
    outer.include_router(inner, prefix="/in", dependencies=[tag("inner-include")])
    app.include_router(outer, prefix="/out", dependencies=[tag("outer-include")])

    def session():
        log.append("session open")
        try:
            yield "s"
        finally:
            log.append("session close")

    @app.get("/background")
    def background(s: Annotated[str, Depends(session)], tasks: fw.BackgroundTasks):
        tasks.add_task(log.append, "task")
        return s

    class Boom(Exception):
        pass

    @app.exception_handler(Boom)
    def on_boom(request: Any, exc: Boom) -> Any:
        log.append("handler")
        return fw.responses.JSONResponse({"boom": True}, status_code=500)

    def function_catches():
        try:
            yield "f"
        except Boom:
            log.append("function caught")
            raise

    @app.get("/function-boom")
    def function_boom(f: Annotated[str, Depends(function_catches, scope="function")]):
        raise Boom()

    scopes_seen = fw.security.SecurityScopes

    def reads(s: scopes_seen) -> str:
        return s.scope_str

    @app.get("/route-scopes", dependencies=[Security(reads, scopes=["r"])])
    def route_scopes(v: Annotated[str, Security(reads, scopes=["p"])]):
        return v

    @app.get("/log")
    def get_log():
        out = list(log)
        log.clear()
        return out

    return app


def test_more_edges() -> None:
    same_answers(
        more_app,
        [
            "/items/3?q=2",
            "/items/x?q=y",
            "/partial?n=2",
            "/partial?factor=5",
            "/partial?n=x",
            "/mixed",
            "/log",
            "/mixed-after",
            "/log",
            "/out/in/deep",
            "/log",
            "/background",
            "/log",
            "/function-boom",
            "/log",
            "/route-scopes",
        ],
        client_options={"raise_server_exceptions": False},
    )


def test_oauth2_flows_in_openapi() -> None:
    """``OAuth2(flows={...})`` takes FastAPI's dict and shows it as FastAPI does."""
    found = [
        ask(schemes_app(fw), ["/openapi.json"])[0]["body"]["components"] for fw in frameworks()
    ]
    assert found[0] == found[1]
    assert found[0]["securitySchemes"]["OAuth2"] == {"type": "oauth2", "flows": FLOWS}


def instance_app(fw: Framework) -> Any:
    app = fw.App()
    Depends, Form, Security = fw.Depends, fw.Form, fw.Security
    log: list[str] = []

    class Pool:
        def __init__(self, name: str) -> None:
            self.name = name

        def __call__(self, size: int = 1):
            log.append(f"{self.name} open {size}")
            yield f"{self.name}:{size}"
            log.append(f"{self.name} close")

    class AsyncPool:
        async def __call__(self):
            log.append("async open")
            yield "async"
            log.append("async close")

    @app.get("/pools")
    def pools(
        a: Annotated[str, Depends(Pool("a"))],
        b: Annotated[str, Depends(AsyncPool())],
    ):
        return [a, b]

    @app.post("/token-extra")
    def token_extra(
        form: Annotated[fw.security.OAuth2PasswordRequestForm, Depends()],
        extra: Annotated[str, Form()],
    ):
        return {"u": form.username, "extra": extra}

    key = fw.security.APIKeyHeader(name="x-key")

    @app.get("/key-scopes")
    def key_scopes(k: Annotated[str, Security(key, scopes=["k"])]):
        return k

    @app.get("/log")
    def get_log():
        out = list(log)
        log.clear()
        return out

    return app


def test_instances_forms_and_key_scopes() -> None:
    same_answers(
        instance_app,
        [
            "/pools?size=2",
            "/log",
            "/pools?size=z",
            "/log",
            Call.post("/token-extra", data={"username": "", "password": "", "extra": "e"}),
            Call.post("/token-extra", data={"username": "u"}),
            Call.post("/token-extra", files={"username": (None, "u"), "password": (None, "p")}),
            "/key-scopes",
            Call.get("/key-scopes", headers={"x-key": "k"}),
        ],
    )


def override_chain_app(fw: Framework) -> Any:
    app = fw.App()
    Depends, Security = fw.Depends, fw.Security
    SecurityScopes = fw.security.SecurityScopes

    def c() -> str:
        return "c"

    def d(n: int = 0) -> str:
        return f"d{n}"

    def b(v: Annotated[str, Depends(c)]) -> str:
        return "b+" + v

    def a() -> str:
        return "a"

    def scoped(s: SecurityScopes) -> str:
        return "scoped:" + s.scope_str

    def replacement(s: SecurityScopes, v: Annotated[str, Security(c, scopes=["y"])]) -> str:
        return "replaced:" + s.scope_str + ":" + v

    def outer(v: Annotated[str, Security(scoped, scopes=["x"])]) -> str:
        return v

    @app.get("/")
    def root(
        x: Annotated[str, Depends(a)],
        y: Annotated[str, Security(outer, scopes=["w", "x"])],
    ):
        return [x, y]

    @app.get("/set/{which}")
    def set_override(which: str):
        table = {"a": (a, b), "c": (c, d), "same": (a, a), "scoped": (scoped, replacement)}
        key, value = table[which]
        app.dependency_overrides[key] = value
        return which

    return app


def test_override_chains() -> None:
    same_answers(
        override_chain_app,
        [
            "/",
            "/set/a",
            "/",
            "/set/c",
            "/?n=4",
            "/?n=x",
            "/set/same",
            "/",
            "/set/scoped",
            "/",
        ],
    )


def thrown_app(fw: Framework) -> Any:
    app = fw.App()
    Depends = fw.Depends
    log: list[str] = []

    def watcher(name: str) -> Any:
        def watch():
            log.append(f"{name} enter")
            try:
                yield name
            except Exception as exc:
                log.append(f"{name} saw {type(exc).__name__}")
                raise
            finally:
                log.append(f"{name} exit")

        watch.__name__ = name
        return watch

    first, second = watcher("first"), watcher("second")

    def refuses() -> None:
        raise fw.HTTPException(status_code=403, detail="no")

    @app.get("/invalid")
    def invalid(w: Annotated[str, Depends(first)], n: int):
        return n

    @app.get("/invalid-sub")
    def invalid_sub(
        w: Annotated[str, Depends(first)],
        v: Annotated[str, Depends(second, scope="function")],
        x: Annotated[int, fw.Header()],
    ):
        return x

    @app.get("/refused")
    def refused(
        w: Annotated[str, Depends(first)],
        v: Annotated[str, Depends(second, scope="function")],
        r: Annotated[None, Depends(refuses)],
    ):
        return "never"

    @app.get("/log")
    def get_log():
        out = list(log)
        log.clear()
        return out

    return app


def test_errors_thrown_into_generators() -> None:
    same_answers(
        thrown_app,
        ["/invalid", "/log", "/invalid?n=1", "/log", "/invalid-sub", "/log", "/refused", "/log"],
        client_options={"raise_server_exceptions": False},
    )


def partial_kinds_app(fw: Framework) -> Any:
    import functools

    app = fw.App()
    Depends = fw.Depends
    log: list[str] = []

    async def add(base: int, n: int = 1) -> int:
        return base + n

    async def agen(tag: str, k: str = "k"):
        log.append(f"{tag} open")
        yield tag + k
        log.append(f"{tag} close")

    def sgen(tag: str):
        log.append(f"{tag} open")
        yield tag
        log.append(f"{tag} close")

    @app.get("/")
    def root(
        a: Annotated[int, Depends(functools.partial(add, 10))],
        b: Annotated[str, Depends(functools.partial(agen, "async"))],
        c: Annotated[str, Depends(functools.partial(sgen, tag="sync"))],
    ):
        return [a, b, c, list(log)]

    @app.get("/log")
    def get_log():
        out = list(log)
        log.clear()
        return out

    return app


def test_partial_kinds() -> None:
    same_answers(partial_kinds_app, ["/?n=2&k=z", "/log", "/?n=q", "/log"])


# -- WebSocket routes: the same dependencies, the same refusals -----------------------


def websocket_app(fw: Framework) -> Any:
    app = fw.App()
    Depends = fw.Depends
    key = fw.security.APIKeyQuery(name="key", auto_error=False)

    def room(name: str = "lobby", size: Annotated[int, fw.Query(gt=0)] = 1) -> str:
        return f"{name}/{size}"

    @app.websocket("/ws")
    async def ws(
        websocket: fw.WebSocket,
        r: Annotated[str, Depends(room)],
        k: Annotated[str | None, Depends(key)],
    ):
        await websocket.accept()
        await websocket.send_json({"room": r, "key": k})
        await websocket.close()

    return app


def _ws_outcome(app: Any, url: str) -> Any:
    from asgiweb.testclient import TestClient
    from asgiweb.websockets import WebSocketDisconnect

    try:
        with TestClient(app).websocket_connect(url) as session:
            return ["message", session.receive_json()]
    except WebSocketDisconnect as exc:
        return ["closed", exc.code]


@pytest.mark.parametrize("url", ["/ws", "/ws?name=a&size=3&key=s", "/ws?size=0", "/ws?size=x"])
def test_websocket_dependencies(url: str) -> None:
    ours, theirs = frameworks()
    assert _ws_outcome(websocket_app(ours), url) == _ws_outcome(websocket_app(theirs), url)


def route_level_cache_app(fw: Framework) -> Any:
    Depends = fw.Depends
    log: list[str] = []

    def gen():
        log.append("enter")
        yield len(log)
        log.append("exit")

    app = fw.App(dependencies=[Depends(gen)])
    router = fw.Router(dependencies=[Depends(gen, use_cache=False)])

    @router.get("/r", dependencies=[Depends(gen)])
    def r(v: Annotated[int, Depends(gen)], w: Annotated[int, Depends(gen, scope="request")]):
        return [v, w, list(log)]

    @router.get("/twice", dependencies=[Depends(gen, use_cache=False)] * 2)
    def twice(v: Annotated[int, Depends(gen, use_cache=False)]):
        return [v, list(log)]

    app.include_router(router)
    bare = fw.Router()

    @bare.get("/bare", dependencies=[Depends(gen, use_cache=False)])
    def bare_route():
        return list(log)

    app.include_router(bare, dependencies=[Depends(gen, use_cache=False)])

    @app.get("/log")
    def get_log():
        out = list(log)
        log.clear()
        return out

    return app


def test_route_level_cache() -> None:
    """FastAPI caches ``dependencies=[...]`` markers whatever their ``use_cache`` says."""
    same_answers(route_level_cache_app, ["/r", "/log", "/twice", "/log", "/bare", "/log"])


def late_headers_app(fw: Framework) -> Any:
    app = fw.App()
    Depends = fw.Depends

    def late(response: fw.Response):
        response.headers["x-before"] = "1"
        yield "v"
        response.headers["x-after"] = "1"
        response.status_code = 202

    @app.get("/request")
    def request_scoped(v: Annotated[str, Depends(late)]):
        return v

    @app.get("/function")
    def function_scoped(v: Annotated[str, Depends(late, scope="function")]):
        return v

    return app


def test_response_changed_after_yield() -> None:
    same_answers(
        late_headers_app,
        ["/request", "/function"],
        headers=("content-type", "x-before", "x-after"),
    )


# -- Depends beside markers: which one wins, which pairs are refused -----------------


def _one() -> int:
    return 1


def _two() -> int:
    return 2


def _marker_variants(fw: Framework) -> dict[str, Any]:
    D, Q = fw.Depends, fw.Query

    def last_depends(x: Annotated[int, D(_one), D(_two)]):
        return x

    def query_then_depends(x: Annotated[int, Q(), D(_one)]):
        return x

    def depends_then_query(x: Annotated[int, D(_one), Q(gt=6)]):
        return x

    def depends_with_plain_default(x: Annotated[int, D(_one)] = 3):
        return x

    def depends_twice(x: Annotated[int, D(_one)] = D(_two)):
        return x

    def query_and_depends_default(x: Annotated[int, Q()] = D(_two)):
        return x

    return {
        "last_depends": last_depends,
        "query_then_depends": query_then_depends,
        "depends_then_query": depends_then_query,
        "depends_with_plain_default": depends_with_plain_default,
        "depends_twice": depends_twice,
        "query_and_depends_default": query_and_depends_default,
    }


@pytest.mark.parametrize("variant", list(_marker_variants(Framework("asgiweb"))))
def test_depends_beside_markers(variant: str) -> None:
    outcomes = []
    for fw in frameworks():
        app = fw.App()
        try:
            app.get("/")(_marker_variants(fw)[variant])
        except (TypeError, AssertionError):
            outcomes.append("refused at registration")
            continue
        outcomes.append(ask(app, ["/?x=5", "/?x=7"]))
    assert outcomes[0] == outcomes[1]


def shared_body_app(fw: Framework) -> Any:
    app = fw.App()
    Depends, Body = fw.Depends, fw.Body

    def dep(item: dict[str, int]) -> dict[str, int]:
        return item

    @app.post("/same-name")
    def same_name(d: Annotated[dict[str, int], Depends(dep)], item: dict[str, int]):
        return {"d": d, "item": item}

    def dep_scalar(a: Annotated[int, Body()]) -> int:
        return a

    @app.post("/same-scalar")
    def same_scalar(d: Annotated[int, Depends(dep_scalar)], a: Annotated[str, Body()]):
        return {"d": d, "a": a}

    return app


def test_body_shared_between_dependency_and_handler() -> None:
    same_answers(
        shared_body_app,
        [
            Call.post("/same-name", json={"x": 1}),
            Call.post("/same-name", json={"item": {"x": 1}}),
            Call.post("/same-name", json={"x": "y"}),
            Call.post("/same-scalar", json=3),
            Call.post("/same-scalar", json={"a": 3}),
            Call.post("/same-scalar", json={"a": "z"}),
            Call.post("/same-scalar"),
        ],
    )


def test_schemes_repeated_credentials() -> None:
    """Repeated headers, cookies and query keys: the same one is taken as in FastAPI."""
    calls = []
    for mode in ("strict", "quiet"):
        calls += [
            Call.get(f"/{mode}/header", headers=[("x-key", ""), ("x-key", "k")]),
            Call.get(f"/{mode}/header", headers=[("x-key", "a"), ("x-key", "b")]),
            Call.get(f"/{mode}/cookie", headers={"cookie": "key=a; key=b"}),
            Call.get(f"/{mode}/cookie", headers={"cookie": "key=; key=b"}),
            Call.get(f"/{mode}/cookie", headers={"cookie": 'key="a b"'}),
            Call.get(f"/{mode}/query?key=&key=b"),
            Call.get(f"/{mode}/query?key=a&key=b"),
            Call.get(
                f"/{mode}/oauth", headers=[("authorization", "Bearer a"), ("authorization", "x")]
            ),
            Call.get(
                f"/{mode}/basic", headers=[("authorization", "x"), ("authorization", "Basic Og==")]
            ),
        ]
    same_answers(schemes_app, calls)


def dataclass_factory_app(fw: Framework) -> Any:
    from dataclasses import dataclass, field

    app = fw.App()

    @dataclass
    class Page:
        size: int = field(default_factory=lambda: 5)
        name: str | None = None

    @app.get("/")
    def page(p: Annotated[Page, fw.Depends()]):
        return p

    return app


def test_dataclass_default_factory() -> None:
    """A deliberate difference (docs/api.md, Dependencies): with the field left out,
    asgiweb lets the dataclass run its ``default_factory``; FastAPI 0.165 passes a copy
    of the dataclass's internal placeholder, which the instance keeps (``{}`` in JSON)."""
    same_answers(dataclass_factory_app, ["/?size=2&name=n", "/?size=x"])
    ours, theirs = frameworks()
    assert ask(dataclass_factory_app(ours), ["/"])[0]["body"] == {"size": 5, "name": None}
    assert ask(dataclass_factory_app(theirs), ["/"])[0]["body"] == {"size": {}, "name": None}


def model_fields_app(fw: Framework) -> Any:
    import pydantic

    app = fw.App()

    class Filter(pydantic.BaseModel):
        name: str = pydantic.Field(alias="q")
        limit: int = pydantic.Field(10, le=100)
        tags: list[str] = []

    @app.get("/")
    def filtered(f: Annotated[Filter, fw.Depends()]):
        return f.model_dump()

    return app


def test_model_fields_under_depends() -> None:
    same_answers(
        model_fields_app,
        ["/?q=a", "/?name=a", "/?q=a&limit=500", "/?q=a&limit=x"],
        client_options={"raise_server_exceptions": False},
    )


def streaming_exit_app(fw: Framework) -> Any:
    app = fw.App()
    log: list[str] = []

    def dep():
        log.append("enter")
        yield "v"
        log.append("exit")

    def body():
        log.append("stream")
        yield b"a"
        log.append("stream end")
        yield b"b"

    @app.get("/request")
    def request_scoped(v: Annotated[str, fw.Depends(dep)]):
        return fw.responses.StreamingResponse(body())

    @app.get("/function")
    def function_scoped(v: Annotated[str, fw.Depends(dep, scope="function")]):
        return fw.responses.StreamingResponse(body())

    @app.get("/log")
    def get_log():
        out = list(log)
        log.clear()
        return out

    return app


def test_exit_around_a_streamed_body() -> None:
    """A request-scoped exit waits for the stream's end; a function-scoped one does not."""
    answers = same_answers(streaming_exit_app, ["/request", "/log", "/function", "/log"])
    assert answers[1]["body"][-1] == "exit" and answers[3]["body"][1] == "exit"
