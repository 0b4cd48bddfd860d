"""Hostile input: no 500 unless the handler raises, no missing answer, no unbounded cache.

Examples first (each a case that once answered 500 or nothing), with FastAPI
as the oracle where FastAPI itself answers; then a bounded hypothesis fuzz that
drives random paths, query strings, headers, cookies, Range headers and bodies
at an app with every parameter kind, through the strict ASGI checker of
tests/asgi_conformance.py.
"""

import dataclasses
import datetime as dt
import gzip
import json
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asgiweb.exceptions import RequestValidationError
from asgiweb.responses import FileResponse, Response, StreamingResponse
from asgiweb.responses import base as responses_base
from tests.asgi_conformance import check_http_messages
from tests.harness import Peer, drive, http_scope

BIG = "1" * 5000
JSON_TYPE = (b"content-type", b"application/json")
FILE_DATA = bytes(range(256)) * 40  # 10 KiB


def echo(value: Any) -> Any:
    """What the handlers send back: floats as text (NaN is valid for a float
    parameter, and JSON cannot hold it), everything else as it came."""
    return repr(value) if isinstance(value, float) else value


@dataclasses.dataclass
class Record:
    n: int
    d: dt.date | None = None
    tags: list[int] = dataclasses.field(default_factory=list)
    dec: Decimal | None = None
    inner: "Record | None" = None


def build_app(module: Any, file_path: Path) -> Any:
    """The same handlers under ``asgiweb`` or ``fastapi`` (``module`` provides the names)."""
    app = module.App() if hasattr(module, "App") else module.FastAPI()
    Q, H, C, B = module.Query, module.Header, module.Cookie, module.Body

    @app.get("/items/{item_id}")
    async def items(
        item_id: int,
        q: int | None = None,
        d: dt.date | None = None,
        when: dt.datetime | None = None,
        t: dt.time | None = None,
        td: dt.timedelta | None = None,
        dec: Decimal | None = None,
        f: float | None = None,
        b: bool | None = None,
        u: uuid.UUID | None = None,
        s: str | None = None,
        tags: Annotated[list[int], Q()] = [],  # noqa: B006
        x_n: Annotated[int | None, H()] = None,
        x_d: Annotated[dt.date | None, H()] = None,
        c: Annotated[int | None, C()] = None,
        cd: Annotated[Decimal | None, C()] = None,
    ) -> dict[str, Any]:
        values = {
            "item_id": item_id, "q": q, "d": d, "when": when, "t": t, "td": td, "dec": dec,
            "f": f, "b": b, "u": u, "s": s, "tags": tags, "x_n": x_n, "x_d": x_d, "c": c,
            "cd": cd,
        }  # fmt: skip
        return {k: echo(v) for k, v in values.items()}

    @app.post("/body")
    async def body(
        n: Annotated[int, B(embed=True)],
        f: Annotated[float, B(embed=True)] = 0.0,
        dec: Annotated[Decimal | None, B(embed=True)] = None,
        d: Annotated[dt.date | None, B(embed=True)] = None,
        td: Annotated[dt.timedelta | None, B(embed=True)] = None,
        s: Annotated[str, B(embed=True)] = "",
        raw: Annotated[bytes, B(embed=True)] = b"",
        items: Annotated[list[int], B(embed=True)] = [],  # noqa: B006
    ) -> dict[str, Any]:
        return {"n": n, "f": echo(f), "dec": dec, "d": d, "td": td, "s": s, "items": items}

    @app.post("/record")
    async def record(item: Record) -> dict[str, Any]:
        return {"n": item.n, "d": item.d, "tags": item.tags, "dec": item.dec}

    @app.put("/number")
    async def number(n: Annotated[int, B()]) -> dict[str, Any]:
        return {"n": n}

    @app.put("/any")
    async def anything(data: Annotated[Any, B()]) -> dict[str, Any]:
        return {"type": type(data).__name__}

    @app.get("/file")
    async def file() -> Any:
        return FileResponse(file_path)

    @app.get("/stream")
    async def stream() -> Any:
        async def chunks() -> Any:
            for i in range(3):
                yield f"chunk {i}\n"

        return StreamingResponse(chunks(), media_type="text/plain")

    @app.get("/media")
    async def media(t: str) -> Any:
        return Response("x", media_type=t)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("the handler's own deliberate error")

    return app


@pytest.fixture(scope="module")
def file_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "data.bin"
    path.write_bytes(FILE_DATA)
    return path


@pytest.fixture(scope="module")
def app(file_path: Path) -> Any:
    import asgiweb

    return build_app(asgiweb, file_path)


@pytest.fixture(scope="module")
def app_with_middleware(file_path: Path) -> Any:
    import asgiweb
    from asgiweb.middleware.cors import CORSMiddleware
    from asgiweb.middleware.gzip import GZipMiddleware

    app = build_app(asgiweb, file_path)
    app.add_middleware(GZipMiddleware, minimum_size=16)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["https://a.example"],
        allow_methods=["GET", "POST"],
        allow_headers=["x-n"],
        allow_credentials=True,
    )
    return app


class Answer:
    def __init__(
        self, messages: list[Any], error: BaseException | None, extensions: dict[str, Any]
    ) -> None:
        self.messages = messages
        self.extensions = extensions
        self.error = error
        starts = [m for m in messages if m["type"] == "http.response.start"]
        self.status = starts[0]["status"] if starts else None
        self.headers = dict(starts[0]["headers"]) if starts else {}
        self.body = b"".join(
            m.get("body", b"") for m in messages if m["type"] == "http.response.body"
        )

    def json(self) -> Any:
        body = self.body
        if self.headers.get(b"content-encoding") == b"gzip":
            body = gzip.decompress(body)
        return json.loads(body)


def call(
    app: Any,
    method: str,
    path: str,
    query: bytes = b"",
    headers: list[tuple[bytes, bytes]] | None = None,
    body: bytes = b"",
    *,
    conformance: bool = True,
    extensions: dict[str, Any] | None = None,
) -> Answer:
    """One request straight through ASGI (no client-side validation), bounded in time."""
    messages: list[Any] = []
    error: list[BaseException] = []

    async def run() -> None:
        scope = http_scope(method, "/", extensions=extensions, query_string=query)
        # Any path string, and the headers exactly as given (no lower-casing).
        scope.update(
            path=path, raw_path=quote(path, safe="/%").encode("ascii"), headers=headers or []
        )
        peer = Peer(body)  # the body, then a client that stays
        try:
            # A stall is a failure, not a hang, and not an error of the app.
            await drive(app, scope, peer, timeout=10, conform=conformance)
        except TimeoutError:
            raise
        except Exception as exc:
            error.append(exc)
        finally:
            messages.extend(peer.sent)

    anyio.run(run)
    return Answer(messages, error[0] if error else None, extensions or {})


def assert_sound(answer: Answer, method: str, path: str) -> None:
    """A complete ASGI answer; a 500 only from /boom; a 4xx carries {"detail": ...}."""
    deliberate = path == "/boom"
    if answer.error is not None:
        assert deliberate, f"the app raised {answer.error!r}"
        assert isinstance(answer.error, RuntimeError)
    check_http_messages(answer.messages, {"method": method, "extensions": answer.extensions})
    assert answer.status is not None
    if answer.status >= 500:
        assert deliberate and answer.status == 500, (answer.status, answer.body[:300])
    if 400 <= answer.status < 500 and method != "HEAD":
        if method == "OPTIONS" and answer.body.startswith(b"Disallowed CORS "):
            # A refused CORS preflight is plain text in FastAPI (Starlette's middleware) too.
            assert answer.headers.get(b"content-type") == b"text/plain; charset=utf-8"
            return
        assert answer.headers.get(b"content-type") == b"application/json", answer.headers
        assert "detail" in answer.json(), answer.body[:300]


# -- examples: each answered 500 or nothing before ---------------------------------


@pytest.mark.parametrize(
    "query",
    [
        f"q={BIG}", f"d={BIG}", f"when={BIG}", f"d=-{BIG}", f"when=0{BIG}", f"t={BIG}",
        f"td=P{BIG}D", f"td=PT{BIG}S", f"td={BIG}:00:00", f"td={'9' * 30} days, 1:00:00",
        f"tags=1&tags={BIG}", "d=nan", "when=inf", "td=nan", "t=-1", "t=90000",
        "q=0__1", "q=0-5", f"q=0000{BIG}",
    ],
)  # fmt: skip
def test_numbers_of_any_length_in_the_query_answer_like_fastapi(
    app: Any, file_path: Path, query: str
) -> None:
    fastapi = pytest.importorskip("fastapi")
    ours = call(app, "GET", "/items/1", query.encode())
    assert_sound(ours, "GET", "/items/1")
    theirs = call(build_app(fastapi, file_path), "GET", "/items/1", query.encode(),
                  conformance=False)  # fmt: skip
    assert (ours.status, ours.json()) == (theirs.status, theirs.json())


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        (f"/items/{BIG}", []),
        (f"/items/-{BIG}", []),
        ("/items/1", [(b"x-n", BIG.encode())]),
        ("/items/1", [(b"x-d", BIG.encode())]),
        ("/items/1", [(b"cookie", b"c=" + BIG.encode())]),
        ("/items/1", [(b"x-n", b"\xff\xfe")]),
        ("/items/1", [(b"cookie", b"c=\xff")]),
    ],
)
def test_numbers_of_any_length_in_path_header_cookie_answer_like_fastapi(
    app: Any, file_path: Path, path: str, headers: list[tuple[bytes, bytes]]
) -> None:
    fastapi = pytest.importorskip("fastapi")
    ours = call(app, "GET", path, headers=headers)
    assert_sound(ours, "GET", path)
    theirs = call(build_app(fastapi, file_path), "GET", path, headers=headers, conformance=False)
    assert (ours.status, ours.json()) == (theirs.status, theirs.json())


@pytest.mark.parametrize("query", [f"dec={BIG}", "dec=1e5000", "dec=1E999999999", f"dec={BIG}.5"])
def test_a_long_decimal_is_echoed_as_its_string(app: Any, query: str) -> None:
    # FastAPI answers 500 (int() of 5,000 digits, or float infinity).
    answer = call(app, "GET", "/items/1", query.encode())
    assert_sound(answer, "GET", "/items/1")
    assert answer.status == 200
    assert Decimal(answer.json()["dec"]) == Decimal(query.partition("=")[2])


@pytest.mark.parametrize("depth", [1_000, 5_000, 100_000])
@pytest.mark.parametrize("opener", [b"[", b'{"a":'])
def test_deep_json_is_a_400(app: Any, depth: int, opener: bytes) -> None:
    closer = b"]" if opener == b"[" else b"}"
    body = opener * depth + b"1" + closer * depth
    for path in ("/any", "/number"):
        answer = call(app, "PUT", path, headers=[JSON_TYPE], body=body)
        assert_sound(answer, "PUT", path)
        assert answer.status == 400
        assert answer.json() == {"detail": "There was an error parsing the body"}


def test_json_nested_just_below_the_limit_still_answers(app: Any) -> None:
    for depth in range(100, 1_000, 50):
        body = b"[" * depth + b"]" * depth
        for path in ("/any", "/number"):
            answer = call(app, "PUT", path, headers=[JSON_TYPE], body=body)
            assert_sound(answer, "PUT", path)
            assert answer.status in (200, 400, 422)


@pytest.mark.parametrize(
    ("body", "expected_input"),
    [
        (b'{"n": NaN}', None),
        (b'{"n": Infinity}', None),
        (b'{"n": -Infinity}', None),
        (b'{"n": 1, "dec": NaN}', None),
        (b'{"n": 1, "dec": 1e5000}', None),
        (b'{"n": "\\ud800"}', "\ud800"),
        (b'{"n": 1, "d": NaN}', None),
        (b'{"n": 1, "td": 1e300}', 1e300),
        (b'{"n": 1, "td": Infinity}', None),
        (b'{"n": 1, "raw": "\\ud800"}', "\ud800"),
        (b'{"n": 1e400}', None),
    ],
)
def test_every_422_renders(app: Any, body: bytes, expected_input: Any) -> None:
    answer = call(app, "POST", "/body", headers=[JSON_TYPE], body=body)
    assert_sound(answer, "POST", "/body")
    assert answer.status == 422
    (first,) = answer.json()["detail"]
    assert first["input"] == expected_input


def test_each_unrenderable_item_of_a_list_renders(app: Any) -> None:
    body = b'{"n": 1, "items": [1, NaN, "\\udfff", 2.5]}'
    answer = call(app, "POST", "/body", headers=[JSON_TYPE], body=body)
    assert_sound(answer, "POST", "/body")
    assert answer.status == 422
    detail = answer.json()["detail"]
    assert [(e["loc"], e["input"]) for e in detail] == [
        (["body", "items", 1], None),
        (["body", "items", 2], "\udfff"),
        (["body", "items", 3], 2.5),
    ]


def test_a_duration_of_thousands_of_digits_is_a_422(app: Any) -> None:
    # pydantic words some all-digit spellings differently ("invalid character in
    # hour"); what matters here is the answer.
    answer = call(app, "GET", "/items/1", f"td={BIG}".encode())
    assert_sound(answer, "GET", "/items/1")
    assert answer.status == 422
    assert answer.json()["detail"][0]["type"] == "time_delta_parsing"


def test_undecodable_text_body_is_a_422_with_replacement_characters(app: Any) -> None:
    # FastAPI answers 500 (UnicodeDecodeError in the body reader).
    answer = call(app, "PUT", "/number", headers=[(b"content-type", b"text/plain")], body=b"\xff1")
    assert_sound(answer, "PUT", "/number")
    assert answer.status == 422
    assert answer.json()["detail"][0]["input"] == "\ufffd1"


def test_a_lone_surrogate_is_echoed_as_a_json_escape(app: Any) -> None:
    answer = call(app, "POST", "/body", headers=[JSON_TYPE], body=b'{"n": 1, "s": "a\\ud800b"}')
    assert_sound(answer, "POST", "/body")
    assert answer.status == 200
    assert b'"s":"a\\ud800b"' in answer.body
    assert json.loads(answer.body)["s"] == "a\ud800b"


def test_validation_error_inputs_are_made_renderable() -> None:
    exc = RequestValidationError(
        [
            {"type": "x", "loc": ("body",), "msg": "m", "input": float("nan")},
            {"type": "x", "loc": ("body",), "msg": "m", "input": b"\xffok"},
            {"type": "x", "loc": ("body",), "msg": "m", "input": {"a": [Decimal("NaN"), 1.5]}},
            {"type": "x", "loc": ("body",), "msg": "m", "input": "plain"},
        ]
    )
    inputs = [item["input"] for item in exc.errors()]
    assert inputs == [None, "\ufffdok", {"a": [None, 1.5]}, "plain"]


@pytest.mark.parametrize(
    ("header", "status", "expected"),
    [
        (f"bytes=0-{BIG}", 206, FILE_DATA),
        (f"bytes=-{BIG}", 206, FILE_DATA),
        (f"bytes={BIG}-", 416, b'{"detail":"Range Not Satisfiable"}'),
        (f"bytes={BIG}-{BIG}", 416, b'{"detail":"Range Not Satisfiable"}'),
        (f"bytes={BIG}-1", 200, FILE_DATA),  # last < first: invalid, ignored
        (f"bytes=5-{BIG},{BIG}-", 206, FILE_DATA[5:]),
        (f"bytes={len(FILE_DATA)}-", 416, b'{"detail":"Range Not Satisfiable"}'),
    ],
)
def test_range_bounds_of_any_length(app: Any, header: str, status: int, expected: bytes) -> None:
    answer = call(app, "GET", "/file", headers=[(b"range", header.encode())])
    assert_sound(answer, "GET", "/file")
    assert answer.status == status
    assert answer.body == expected
    if status == 416:
        assert answer.headers[b"content-range"] == b"bytes */%d" % len(FILE_DATA)


def test_the_content_type_cache_is_bounded(app: Any) -> None:
    for i in range(2_000):
        answer = call(app, "GET", "/media", f"t=text/x-{i}".encode(), conformance=False)
        assert answer.status == 200
    assert len(responses_base._CONTENT_TYPES) <= responses_base._CACHE_LIMIT
    assert len(responses_base._CONTENT_TYPE_HEADERS) <= responses_base._CACHE_LIMIT


# -- the fuzz -----------------------------------------------------------------------

FIELDS = ["n", "f", "dec", "d", "td", "s", "raw", "items", "tags", "inner"]
NAMES = ["q", "d", "when", "t", "td", "dec", "f", "b", "u", "s", "tags", "zz"]
tricky_text = st.one_of(
    st.integers(min_value=1, max_value=6_000).map(lambda n: "9" * n),
    st.integers(min_value=1, max_value=6_000).map(lambda n: "-" + "0" * n + "1"),
    st.sampled_from(
        [
            "nan",
            "NaN",
            "inf",
            "-inf",
            "1e5000",
            "1E999999999",
            "0x10",
            "1_0",
            "0__1",
            "0-1",
            "P1D",
            "PT99999999999999999999S",
            "99999999999 days, 1:00:00",
            "2020-02-30",
            "2020-01-01T25:00",
            "24:00",
            "true",
            "on",
            "",
            " ",
            "\x00",
            "%",
            "%ff",
            "%ed%a0%80",
            "00000000-0000-0000-0000-00000000000g",
        ]
    ),
    st.text(alphabet="0123456789+-._ eE:TZ", max_size=12),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=12),
)
query_item = st.tuples(st.sampled_from(NAMES), tricky_text).map(
    lambda kv: f"{kv[0]}={quote(kv[1], safe='%')}"
)
query_string = st.one_of(
    st.lists(query_item, max_size=5).map(lambda items: "&".join(items).encode()),
    st.binary(max_size=30),
)
latin1_value = st.one_of(
    tricky_text.map(lambda text: text.encode("utf-8")),
    st.binary(max_size=20).map(lambda raw: raw.replace(b"\r", b"").replace(b"\n", b"")),
)
range_value = st.one_of(
    st.lists(
        st.tuples(st.one_of(st.none(), st.integers(0, 10**30), st.just(int(BIG[:40])),
                            st.just(BIG)),
                  st.one_of(st.none(), st.integers(0, 20_000), st.just(BIG))),
        min_size=1, max_size=4,
    ).map(lambda specs: "bytes=" + ",".join(
        f"{'' if a is None else a}-{'' if b is None else b}" for a, b in specs
    )),
    tricky_text.map(lambda text: "bytes=" + text),
).map(lambda text: text.encode("utf-8"))  # fmt: skip
header = st.one_of(
    st.tuples(st.sampled_from([b"x-n", b"x-d", b"if-range", b"if-none-match",
                               b"if-modified-since", b"accept-encoding", b"content-length",
                               b"origin", b"access-control-request-method",
                               b"access-control-request-headers"]),
              latin1_value),
    st.tuples(st.just(b"accept-encoding"),
              st.sampled_from([b"gzip", b"gzip;q=nan", b"gzip;q=1e999", b"br, gzip;q=0.5",
                               b"*;q=0, gzip;q=" + BIG.encode()])),
    st.tuples(st.just(b"origin"), st.sampled_from([b"https://a.example", b"null", b"\xff"])),
    st.tuples(st.just(b"cookie"),
              st.tuples(st.sampled_from(["c", "cd", "x"]), tricky_text).map(
                  lambda kv: f"{kv[0]}={kv[1]}".encode("utf-8", "surrogatepass"))),
    st.tuples(st.just(b"range"), range_value),
)  # fmt: skip
json_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(), st.text(max_size=8),
    st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=2),
)  # fmt: skip
json_value = st.recursive(
    json_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from([*FIELDS, "x"]),
                        inner, max_size=4),
    ),
    max_leaves=8,
)  # fmt: skip
json_body = st.one_of(
    json_value.map(lambda value: json.dumps(value).encode()),
    st.integers(min_value=1, max_value=3_000).map(lambda n: b"[" * n + b"]" * n),
    st.integers(min_value=4_290, max_value=4_310).map(lambda n: b'{"n": ' + b"7" * n + b"}"),
    st.binary(max_size=20),
)
content_type = st.sampled_from(
    [b"application/json", b"application/x-www-form-urlencoded", b"text/plain",
     b"application/vnd.api+json; charset=utf-8", b"\xff/\xfe"]
)  # fmt: skip
Request = tuple[str, str, bytes, list[tuple[bytes, bytes]], bytes]


@st.composite
def requests(draw: st.DrawFn) -> Request:
    """One request, aimed at one kind of parameter most of the time."""
    kind = draw(st.sampled_from(["params", "body", "whole-body", "range", "anything"]))
    headers = draw(st.lists(header, max_size=4))
    if kind == "params":
        segment = draw(st.one_of(st.just("1"), tricky_text)).replace("/", "")
        return "GET", "/items/" + segment, draw(query_string), headers, b""
    if kind == "body":
        body = draw(st.one_of(
            st.dictionaries(st.sampled_from(FIELDS),
                            json_value, max_size=4).map(lambda v: json.dumps(v).encode()),
            json_body,
        ))  # fmt: skip
        target = draw(st.sampled_from(["/body", "/record"]))
        return "POST", target, b"", [*headers, (b"content-type", draw(content_type))], body
    if kind == "whole-body":
        target = draw(st.sampled_from(["/number", "/any"]))
        body = draw(json_body)
        return "PUT", target, b"", [*headers, (b"content-type", draw(content_type))], body
    if kind == "range":
        method = draw(st.sampled_from(["GET", "HEAD"]))
        return method, "/file", b"", [*headers, (b"range", draw(range_value))], b""
    method = draw(st.sampled_from(["GET", "POST", "PUT", "HEAD", "DELETE", "OPTIONS"]))
    target = draw(st.one_of(
        # Not /media: a control character in its media type fails in the handler itself.
        st.sampled_from(["/items/1", "/body", "/record", "/number", "/any", "/file", "/stream",
                         "/boom", "/"]),
        st.text(st.characters(exclude_categories=("Cs",)), max_size=10).map(lambda t: "/" + t),
    ))  # fmt: skip
    body = draw(json_body) if method in ("POST", "PUT") else b""
    if body:
        headers = [*headers, (b"content-type", draw(content_type))]
    return method, target, draw(query_string), headers, body


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(request=requests(), pathsend=st.booleans())
def test_fuzz_no_500_and_every_answer_is_valid_asgi(
    app: Any, app_with_middleware: Any, request: Request, pathsend: bool
) -> None:
    method, target, query, headers, body = request
    extensions = {"http.response.pathsend": {}} if pathsend else None
    for each in (app, app_with_middleware):
        answer = call(each, method, target, query, headers, body, extensions=extensions)
        assert_sound(answer, method, target)


def test_content_length_of_any_length_is_a_400() -> None:
    import asgiweb

    app = asgiweb.App()

    @app.post("/size")
    async def size(data: Annotated[Any, asgiweb.Body()]) -> dict[str, Any]:
        return {"ok": True}

    for value in (BIG.encode(), b"1e3", b"\xff"):
        headers = [JSON_TYPE, (b"content-length", value)]
        answer = call(app, "POST", "/size", headers=headers, body=b"1")
        assert_sound(answer, "POST", "/size")
        assert answer.status == 400
        assert answer.json() == {"detail": "Invalid Content-Length header"}


def test_an_int_convertor_refuses_a_segment_of_any_length() -> None:
    import asgiweb

    app = asgiweb.App()

    @app.get("/ids/{ident:int}")
    async def ident(ident: int) -> dict[str, Any]:
        return {"ident": ident}

    answer = call(app, "GET", f"/ids/{BIG}")
    assert_sound(answer, "GET", f"/ids/{BIG}")
    assert answer.status == 404
    assert answer.json() == {"detail": "Not Found"}


@pytest.mark.parametrize(
    "tp",
    [int, float, bool, Decimal, dt.date, dt.datetime, dt.time, dt.timedelta, uuid.UUID, bytes,
     str, int | None],
)  # fmt: skip
@pytest.mark.parametrize("text", ["\ud800", "1\udfff", "\udbff"])
def test_lone_surrogates_get_pydantic_error_types(tp: Any, text: str) -> None:
    pydantic = pytest.importorskip("pydantic")
    from asgiweb._validation.compiler import compile_converter
    from asgiweb._validation.scalars import Invalid

    try:
        pydantic.TypeAdapter(tp).validate_python(text)
    except pydantic.ValidationError as exc:
        expected = exc.errors()[0]["type"]
    else:
        expected = "ok"
    try:
        compile_converter(tp)(text)
    except Invalid as exc:
        got = exc.errors[0]["type"]
    else:
        got = "ok"
    assert got == expected


def test_a_lone_surrogate_for_an_int_is_a_rendered_string_unicode_422(app: Any) -> None:
    answer = call(app, "POST", "/body", headers=[JSON_TYPE], body=b'{"n": "\\ud800"}')
    assert_sound(answer, "POST", "/body")
    assert answer.status == 422
    assert answer.json()["detail"] == [
        {
            "type": "string_unicode",
            "loc": ["body", "n"],
            "msg": "Input should be a valid string, unable to parse raw data as a unicode string",
            "input": "\ud800",
        }
    ]


@pytest.mark.parametrize("kind", ["async-generator", "list"])
def test_a_never_awaiting_stream_yields_to_the_loop_and_stops_for_a_gone_client(kind: str) -> None:
    """In process, as uvicorn behaves for a gone client under spec 2.3: ``send()``
    returns at once and ``receive()`` says ``http.disconnect``."""
    import time

    from asgiweb.responses.streaming import YIELD_AFTER

    ended: list[float] = []
    chunk = b"x" * 4096

    async def endless() -> Any:
        stop = time.monotonic() + 10
        try:
            while time.monotonic() < stop:
                yield chunk
        finally:
            ended.append(time.monotonic())

    content: Any = endless() if kind == "async-generator" else [chunk] * 3_000_000

    async def main() -> tuple[float, float]:
        gaps: list[float] = []
        done = anyio.Event()

        async def ticker() -> None:
            last = time.monotonic()
            while not done.is_set():
                await anyio.sleep(0)
                now = time.monotonic()
                gaps.append(now - last)
                last = now

        async def receive() -> dict[str, Any]:
            await anyio.sleep(0.05)  # the client leaves 50 ms into the body
            return {"type": "http.disconnect"}

        async def send(message: Any) -> None:
            pass

        started = time.monotonic()
        async with anyio.create_task_group() as group:
            group.start_soon(ticker)
            with anyio.fail_after(5):
                await StreamingResponse(content)(http_scope(), receive, send)
            done.set()
        return time.monotonic() - started, max(gaps, default=float("inf"))

    took, worst_gap = anyio.run(main)
    assert took < 2.0, f"the stream ran {took:.1f} s after the client left"
    # Other tasks ran at least every YIELD_AFTER plus one chunk (generous for a busy machine).
    assert worst_gap < YIELD_AFTER + 0.1, worst_gap
    if kind == "async-generator":
        assert ended, "the generator's finally did not run"


@pytest.mark.parametrize("renderer", ["render_json", "render_orjson", "render_ujson"])
def test_every_json_renderer_escapes_a_lone_surrogate(renderer: str) -> None:
    from asgiweb import encoders

    if renderer != "render_json":
        pytest.importorskip(renderer.removeprefix("render_"))
    body = getattr(encoders, renderer)({"k\udc00": ["a\ud800b", "\U0001f600"]})
    assert json.loads(body) == {"k\udc00": ["a\ud800b", "\U0001f600"]}
    body.decode("utf-8")  # strict: valid UTF-8 throughout
