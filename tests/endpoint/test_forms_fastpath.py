"""The fast paths of the form parsers (asgiweb/formparsers.py).

- urlencoded: each chunk is decoded and split as text, unquoted only when it holds
  a ``+`` or ``%``, with the limits checked in bulk when no field can break them;
- multipart: a small body that arrived whole is split in one pass
  (``whole_body_form``) when it is laid out plainly, and handed to python-multipart
  otherwise.

The reference for the first is FastAPI (side by side); for the second, the
streaming parser over the very same body: the fast path may decline a body, never
answer it differently.
"""

# No `from __future__ import annotations`: handlers are defined inside tests.

from collections.abc import AsyncIterator
from typing import Annotated, Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import asgiweb.formparsers
from asgiweb import App, Form, HTTPException, Request, UploadFile
from asgiweb.datastructures import FormData, Headers
from asgiweb.formparsers import MultiPartException, MultiPartParser
from asgiweb.testclient import TestClient, encode_multipart
from tests.oracle.sidebyside import Call, same_answers

python_multipart = pytest.importorskip("python_multipart")


def run(coro: Any) -> Any:
    import anyio

    async def main() -> Any:
        return await coro

    return anyio.run(main)


async def chunked(body: bytes, size: int) -> AsyncIterator[bytes]:
    for i in range(0, len(body), size):
        yield body[i : i + size]
    yield b""


# -- urlencoded, side by side with FastAPI ---------------------------------------------


def build_echo(fw: Any) -> Any:
    app = fw.App()

    @app.post("/items")
    async def items(request: fw.Request) -> Any:
        form = await request.form()
        return [[key, value] for key, value in form.multi_items()]

    @app.post("/limited")
    async def limited(request: fw.Request) -> Any:
        form = await request.form(max_fields=2, max_part_size=8)
        return [[key, value] for key, value in form.multi_items()]

    @app.post("/fields")
    async def fields(
        a: Annotated[str, fw.Form()],
        b: Annotated[str | None, fw.Form()] = None,
        many: Annotated[list[str], fw.Form(alias="m")] = [],  # noqa: B006
    ) -> Any:
        return {"a": a, "b": b, "m": many}

    return app


URLENCODED = {"content-type": "application/x-www-form-urlencoded"}

URLENCODED_BODIES = [
    b"a=1&b=x+y&c=%2B%26%3D",  # '+' is a space, %-escapes are undone
    b"a=1&a=2&a=3&m=x&m=y&m=",  # repeated keys: all kept, in order
    b"a=&b=&=&&&flag",  # empty values, empty names, a key without '='
    b"a=%zz&b=%&c=%4&d=%%41",  # bad percent escapes stay as they are
    b"a=%C3%A9t%C3%A9&b=%ff%fe&c=\xe9\xff",  # UTF-8 escapes, bad UTF-8, raw bytes
    b"a=1=2=3&b==",  # '=' inside a value
    b"a+b=c+d&%61=%62",  # '+' and escapes in names too
    b"a=1;b=2",  # ';' is not a separator
    b"",
    b"&",
    b"a",
]


@pytest.mark.parametrize("body", URLENCODED_BODIES)
def test_urlencoded_items_same_as_fastapi(body: bytes) -> None:
    same_answers(
        build_echo,
        [
            Call.post("/items", content=body, headers=URLENCODED),
            Call.post("/fields", content=body, headers=URLENCODED),
        ],
    )


@pytest.mark.parametrize(
    "body",
    [
        b"a=1&b=2",  # at the limits
        b"a=1&b=2&c=3",  # one field too many
        b"a=1&&&b=2",  # empty pieces do not count
        b"a=12345678",  # name + value: 9 bytes, over max_part_size=8
        b"a=1234567",  # exactly 8
        b"long=value&b=1&c=2",  # the size error comes first
        b"abcdefghij",  # a key alone, too long
    ],
)
def test_urlencoded_limits_same_as_fastapi(body: bytes) -> None:
    same_answers(build_echo, [Call.post("/limited", content=body, headers=URLENCODED)])


@given(
    st.binary(max_size=60).map(lambda raw: raw.replace(b"\x00", b"")),
    st.integers(min_value=1, max_value=64),
)
@settings(max_examples=150, deadline=None)
def test_urlencoded_any_bytes_any_chunking_same_as_unchunked(raw: bytes, size: int) -> None:
    """Chunk boundaries anywhere (inside a %-escape, a UTF-8 sequence...) change nothing;
    whole, the answer is the one the FastAPI side-by-side tests pin down."""
    alphabet = [b"a", b"=", b"&", b"%", b"+", b"2", b"f", b"\xc3", b"\xa9", b"\xff", b" "]
    body = b"".join(alphabet[byte % len(alphabet)] for byte in raw)
    whole = run(asgiweb.formparsers.FormParser(chunked(body, 1 << 16)).parse())
    pieces = run(asgiweb.formparsers.FormParser(chunked(body, size)).parse())
    assert pieces.multi_items() == whole.multi_items()
    # The reference semantics, spelled out: split on '&', then on the first '=';
    # '+' and %XX undone on the latin-1 text (escapes read as UTF-8).
    from urllib.parse import unquote_plus

    text = body.decode("latin-1")
    expected = []
    for piece in text.split("&"):
        if piece:
            name, _, value = piece.partition("=")
            expected.append((unquote_plus(name), unquote_plus(value)))
    assert whole.multi_items() == expected


def test_urlencoded_limits_across_chunks() -> None:
    parser = asgiweb.formparsers.FormParser
    body = b"&".join(b"k%d=v" % i for i in range(10))
    for size in (1, 3, 7, len(body)):
        form = run(parser(chunked(body, size), max_fields=10).parse())
        assert len(form.multi_items()) == 10
        with pytest.raises(MultiPartException, match="Too many fields"):
            run(parser(chunked(body, size), max_fields=9).parse())
        with pytest.raises(MultiPartException, match="Field exceeded maximum size of 0KB"):
            run(parser(chunked(body, size), max_part_size=2).parse())


# -- multipart: the whole-body split against python-multipart ---------------------------


class StreamingOnly(MultiPartParser):
    """Never splits the body whole: python-multipart reads every byte."""

    whole_body_max = -1


async def outcome(parser: MultiPartParser) -> Any:
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        return ("error", exc.message)
    out: list[Any] = []
    for key, value in form.multi_items():
        if isinstance(value, str):
            out.append((key, value))
        else:
            content = await value.read()
            out.append((key, value.filename, value.size, value.headers.multi_items(), content))
            assert value.file.tell() == len(content)
    await form.close()
    return out


def both_outcomes(
    body: bytes, content_type: str, size: int = 1 << 20, **limits: Any
) -> tuple[Any, Any]:
    headers = Headers({"content-type": content_type})

    async def main() -> tuple[Any, Any]:
        fast = await outcome(MultiPartParser(headers, chunked(body, size), **limits))
        slow = await outcome(StreamingOnly(headers, chunked(body, size), **limits))
        return fast, slow

    return run(main())


def took_fast_path(
    monkeypatch: pytest.MonkeyPatch, body: bytes, content_type: str, **limits: Any
) -> FormData:
    """Parse ``body``, failing the test if python-multipart is asked to."""

    async def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the streaming parser was used")

    with monkeypatch.context() as patch:
        patch.setattr(MultiPartParser, "_parse_streaming", refuse)
        headers = Headers({"content-type": content_type})
        form: FormData = run(MultiPartParser(headers, chunked(body, 1 << 20), **limits).parse())
    return form


def part(headers: list[bytes], data: bytes) -> bytes:
    return b"".join(line + b"\r\n" for line in headers) + b"\r\n" + data


def body_of(
    boundary: bytes, parts: list[bytes], *, head: bytes = b"", tail: bytes = b"\r\n"
) -> bytes:
    out = head
    for one in parts:
        out += b"--" + boundary + b"\r\n" + one + b"\r\n"
    return out + b"--" + boundary + b"--" + tail


def test_plain_bodies_take_the_fast_path_and_match(monkeypatch: pytest.MonkeyPatch) -> None:
    content = b"hello\r\n--bx not the end\r\n"
    files = [("doc", ("a.txt", content, "text/plain")), ("e", ("", b""))]
    body, content_type = encode_multipart([("title", "Hé"), ("title", "")], files)
    form = took_fast_path(monkeypatch, body, content_type)
    doc = form["doc"]
    assert isinstance(doc, UploadFile)
    assert (doc.filename, doc.size, doc.content_type) == ("a.txt", len(content), "text/plain")
    assert form.getlist("title") == ["Hé", ""]
    assert isinstance(doc.file, __import__("tempfile").SpooledTemporaryFile)
    assert not doc.file._rolled  # type: ignore[attr-defined]
    run(form.close())
    assert doc.file.closed
    fast, slow = both_outcomes(body, content_type)
    assert fast == slow


BOUNDARY = b"Bx7"
CT = "multipart/form-data; boundary=Bx7"
NAMED = b'Content-Disposition: form-data; name="f"'


@pytest.mark.parametrize(
    ("body", "limits"),
    [
        # Declined by the fast path; python-multipart's answer, error or not, stands.
        (body_of(BOUNDARY, [part([NAMED], b"v")], head=b"\r\n"), {}),  # a leading CRLF
        (body_of(BOUNDARY, [part([NAMED], b"v")], tail=b"epilogue"), {}),  # ignored
        (body_of(BOUNDARY, [part([NAMED], b"v")])[:-4], {}),  # no closing delimiter
        (body_of(BOUNDARY, [part([b"Content-Disposition: form-data"], b"v")]), {}),  # no name
        (body_of(BOUNDARY, [part([], b"v")]), {}),  # no header at all
        (body_of(BOUNDARY, [part([NAMED, b"Bad Name: x"], b"v")]), {}),
        (body_of(BOUNDARY, [part([NAMED, b"X-A:\tvalue", b"x-b:   spaced  "], b"v")]), {}),
        (body_of(BOUNDARY, [part([NAMED + b"\rX: y"], b"v")]), {}),  # a bare CR in a header
        (body_of(BOUNDARY, [part([NAMED] + [b"X-N: 1"] * 8, b"v")]), {}),  # 9 headers
        (
            body_of(BOUNDARY, [part([NAMED], b"v")]).replace(
                b"--Bx7\r\nContent", b"--Bx7 \r\nContent", 1
            ),
            {},
        ),
        (body_of(BOUNDARY, [part([b'content-disposition: FORM-DATA; NAME="f"'], b"v")]), {}),
        (
            body_of(
                BOUNDARY, [part([b"Content-Disposition: form-data; name=f; filename=a"], b"v")]
            ),
            {},
        ),
        (body_of(BOUNDARY, [part([b'Content-Disposition: form-data; name="a\\"b"'], b"v")]), {}),
        (body_of(BOUNDARY, [part([b'Content-Disposition: form-data; name="a;b"'], b"v")]), {}),
        (body_of(BOUNDARY, [part([NAMED + b'; filename="C:\\\\x\\\\y.txt"'], b"v")]), {}),
        (body_of(BOUNDARY, [part([NAMED + b"; filename*=UTF-8''x.txt"], b"v")]), {}),
        (body_of(BOUNDARY, [part([NAMED], b"v\r\n--Bx7x\r\n")]), {}),  # looks like a delimiter
        (body_of(BOUNDARY, [part([NAMED], b"v" * 9)]), {"max_part_size": 8}),
        (body_of(BOUNDARY, [part([NAMED], b"v")] * 3), {"max_fields": 2}),
        (body_of(BOUNDARY, [part([NAMED + b'; filename="x"'], b"v")] * 3), {"max_files": 2}),
        (body_of(BOUNDARY, [part([NAMED + b'; filename="x"'], b"v" * 20)]), {"max_part_size": 8}),
        (b"--Bx7--\r\n", {}),  # no part at all
        (b"", {}),
        (b"junk", {}),
    ],
)
def test_unusual_bodies_answer_as_python_multipart(body: bytes, limits: dict[str, int]) -> None:
    fast, slow = both_outcomes(body, CT, **limits)
    assert fast == slow


def test_a_long_boundary_is_refused_either_way() -> None:
    boundary = "b" * 300
    body = body_of(boundary.encode(), [part([NAMED], b"v")])
    fast, slow = both_outcomes(body, f"multipart/form-data; boundary={boundary}")
    assert fast == slow == ("error", "Invalid multipart data.")


# Pieces to build bodies from: mostly plain (the fast path answers), some that only
# python-multipart can judge (the fast path must decline them).


def mostly(plain: list[Any], odd: list[Any]) -> st.SearchStrategy[Any]:
    """One of ``plain`` nineteen times in twenty, else one of ``odd``."""
    return st.integers(min_value=0, max_value=19).flatmap(
        lambda roll: st.sampled_from(odd if roll == 0 else plain)
    )


header_names = mostly(
    [b"Content-Type", b"X-Note", b"content-type", b"x-a!#$%&'*+-.^_`|~1"],
    [b"X-Bad Name", b"", b"X-\xe9", b"X;y"],
)
header_values = mostly(
    [b"text/plain", b"", b"\xe9t\xe9", b"a: b", b'"q"', b"a\tb ", b"  spaced"],
    [b"a\rb", b"\tt", b"a\nb"],
)
disposition_names = mostly(
    [b'name="f"', b'name="g"', b'name=""', b'name="\xc3\xa9"', b'name="a=b c\'"'],
    [b"name=f", b'NAME="f"', b'name="a\\"b"', b'name="a;b"', b"name*=UTF-8''x", b""],
)
filenames = mostly(
    [None, b'filename="a.txt"', b'filename=""', b'filename="\xe9.bin"'],
    [b'filename="C:\\\\d\\\\e.txt"', b"filename=x", b'filename = "s.txt"', b"filename*=x"],
)
separators = mostly([b"; ", b";"], [b" ; ", b";\t", b"; \t "])
dispositions = st.builds(
    lambda kind, sep, name, filename, trail: (
        kind + sep + name + (b"" if filename is None else sep + filename) + trail
    ),
    mostly([b"form-data", b"Form-Data"], [b"attachment", b"form-data ", b"", b"form-data\t"]),
    separators,
    disposition_names,
    filenames,
    mostly([b""], [b" ", b";", b"\t"]),
)
part_data = st.one_of(
    st.binary(max_size=40),
    mostly(
        [b"", b"\r\n", b"--", b"\r\n--B", b"\r\n-Bq"],
        [b"\r\n--Bq", b"\r\n--Bq-", b"\r\n--Bqx", b"\r\n--Bq "],
    ),
)


@st.composite
def hostile_parts(draw: st.DrawFn) -> bytes:
    headers = [b"Content-Disposition: " + draw(dispositions)]
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        name, value = draw(header_names), draw(header_values)
        headers.insert(draw(st.integers(min_value=0, max_value=len(headers))), name + b": " + value)
    if draw(st.booleans()):
        spacing = draw(mostly([b":", b":  ", b":\t"], [b" : ", b"\t:"]))
        headers = [h.replace(b": ", spacing, 1) for h in headers]
    return part(headers, draw(part_data))


def sometimes(strategy: st.SearchStrategy[Any], otherwise: Any) -> st.SearchStrategy[Any]:
    """``strategy`` one time in three, else ``otherwise``."""
    return st.integers(min_value=0, max_value=2).flatmap(
        lambda roll: strategy if roll == 0 else st.just(otherwise)
    )


@given(
    st.lists(hostile_parts(), max_size=4),
    mostly([b""], [b"\r\n", b"\n", b"x"]),
    mostly([b"\r\n", b""], [b"--junk", b"\r\n--Bq\r\nmore", b"-", b"\r\n\r\n"]),
    sometimes(
        st.lists(
            st.tuples(
                st.integers(min_value=0),
                st.sampled_from([b"", b"\r", b"\n", b"-", b" ", b";", b'"']),
            ),
            min_size=1,
            max_size=2,
        ),
        [],
    ),
    sometimes(
        st.fixed_dictionaries(
            {},
            optional={
                "max_files": st.integers(min_value=0, max_value=3),
                "max_fields": st.integers(min_value=0, max_value=3),
                "max_part_size": st.integers(min_value=0, max_value=30),
            },
        ),
        {},
    ),
    st.sampled_from(["", "; charset=latin-1", "; charset=nope", '; charset="utf-8"']),
)
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_hostile_bodies_same_answer_as_python_multipart(
    parts: list[bytes],
    head: bytes,
    tail: bytes,
    edits: list[tuple[int, bytes]],
    limits: dict[str, int],
    charset: str,
) -> None:
    body = body_of(b"Bq", parts, head=head, tail=tail)
    for position, insert in edits:
        at = position % (len(body) + 1)
        body = body[:at] + insert + body[at + (0 if insert else 1) :]
    fast, slow = both_outcomes(body, "multipart/form-data; boundary=Bq" + charset, **limits)
    assert fast == slow


@given(
    st.binary(max_size=80).map(
        lambda raw: b"".join(
            [b"form-data", b";", b" ", b"\t", b'"', b"\\", b"=", b"name", b"filename", b"*",
             b"x", b"\xe9", b"N", b"C:", b",", b"'", b"%"][byte % 17]
            for byte in raw
        )
    )
)  # fmt: skip
@settings(max_examples=300, deadline=None)
def test_disposition_options_same_as_python_multipart(value: bytes) -> None:
    options = python_multipart.multipart.parse_options_header(value)[1]
    expected = (options.get(b"name"), options.get(b"filename"))
    assert asgiweb.formparsers.disposition_names(value, python_multipart) == expected


def pick(alphabet: list[bytes], max_size: int) -> st.SearchStrategy[bytes]:
    """Bytes strings made of the pieces in ``alphabet``."""
    return st.lists(st.sampled_from(alphabet), max_size=max_size).map(b"".join)


tricky_bytes = [b"a", b"Z", b"0", b" ", b"\t", b'"', b"\\", b";", b"=", b"\r", b"\n", b"\xe9",
                b"\x00", b":", b"-", b"*"]  # fmt: skip


@given(
    st.lists(
        st.tuples(
            st.sampled_from(
                [b"Content-Disposition", b"content-disposition", b"CONTENT-disposition"]
            ),
            st.sampled_from([b": ", b":", b":  ", b":\t", b" :"]),
            st.sampled_from([b"form-data", b"Form-Data", b"form-data ", b"formdata"]),
            pick(tricky_bytes, 6),
            st.one_of(st.none(), pick(tricky_bytes, 6)),
            st.one_of(
                st.none(),
                st.tuples(
                    st.sampled_from([b"Content-Type", b"content-type", b"Content-Typo"]),
                    st.sampled_from([b": ", b":", b":  ", b":\t"]),
                    pick([b"text/plain", *tricky_bytes], 4),
                ),
            ),
            st.binary(max_size=8),
        ),
        min_size=1,
        max_size=3,
    )
)
@settings(max_examples=400, deadline=None)
def test_browser_layout_variants_same_answer_as_python_multipart(parts: list[Any]) -> None:
    """The layout browsers send, varied slot by slot: what the one-regex reading of a
    header section accepts, python-multipart reads the same."""
    built = []
    for cd_name, colon, kind, name, filename, content_type, data in parts:
        disposition = cd_name + colon + kind + b'; name="' + name + b'"'
        if filename is not None:
            disposition += b'; filename="' + filename + b'"'
        headers = [disposition]
        if content_type is not None:
            headers.append(b"".join(content_type))
        built.append(part(headers, data))
    fast, slow = both_outcomes(body_of(b"Bq", built), "multipart/form-data; boundary=Bq")
    assert fast == slow


@given(
    pick([b"a", b"B", b" ", b"\t", b";", b"=", b"\x1c", b"\xa0", b"\x85", b"\r", b"-", b"'"], 16)
)
@example(b"a b=c; d=e")
@example(b" a\x1c=\xa0b ;=c; ; =; d =\te\x85")
@settings(max_examples=300)
def test_plain_content_type_params_same_as_the_regex(raw: bytes) -> None:
    rest = raw.decode("latin-1")
    params = asgiweb.formparsers.content_type_params(rest)
    assert asgiweb.formparsers.plain_content_type_params(rest) == params


@pytest.mark.parametrize(
    "value",
    [
        b'form-data; name="f"; filename="a.txt"',
        b'form-data;name="f";filename="a.txt"',
        b'FORM-DATA ;\tname="f" ; filename=""  ',
        b'form-data; name="f", filename="x"',
        b'form-data;name="f",filename="x"',
        b'form-data, name="f"',
        b'form-data; name="f"; name="g"',
        b'form-data; name="a=b"; filename="c d"',
        b'form-data; name="\xc3\xa9"; filename="\xe9"',
        b'form-data; name="f"; filename="C:\\\\a\\\\b.txt"',
        b'form-data; name="f"; filename="\\\\srv\\x.txt"',
        b'form-data; name="a\\"b"',
        b'form-data; name="a;b"',
        b"form-data; name*=UTF-8''x; name=\"y\"",
        b"form-data; name=f",
        b'form-data; Name="f"',
        b'attachment; name="f"',
        b'form-data name="f"',
        b'form-data; name="f"; x',
        b"form-data",
        b"",
    ],
)
def test_disposition_examples_same_as_python_multipart(value: bytes) -> None:
    options = python_multipart.multipart.parse_options_header(value)[1]
    expected = (options.get(b"name"), options.get(b"filename"))
    assert asgiweb.formparsers.disposition_names(value, python_multipart) == expected


@given(
    st.lists(
        st.one_of(
            st.tuples(st.just("field"), st.text(max_size=6), st.text(max_size=20)),
            st.tuples(
                st.just("file"),
                st.text(max_size=6),
                st.tuples(st.text(min_size=1, max_size=6), st.binary(max_size=60)),
            ),
        ),
        max_size=5,
    ),
    st.integers(min_value=1, max_value=100),
)
@settings(max_examples=150, deadline=None)
def test_client_bodies_any_chunking_same_answer(items: list[Any], size: int) -> None:
    data = [(name, value) for kind, name, value in items if kind == "field"]
    files = [(name, value) for kind, name, value in items if kind == "file"] or [("x", ("f", b""))]
    body, content_type = encode_multipart(data, files)
    fast, slow = both_outcomes(body, content_type, size)
    assert fast == slow


def test_bodies_over_the_whole_body_size_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    original = MultiPartParser._parse_streaming

    async def counted(self: MultiPartParser, *args: Any) -> Any:
        calls.append(1)
        return await original(self, *args)

    monkeypatch.setattr(MultiPartParser, "_parse_streaming", counted)
    small, content_type = encode_multipart([], [("f", ("a", b"x" * 1000))])
    big, big_type = encode_multipart(
        [], [("f", ("a", b"x" * (MultiPartParser.whole_body_max + 1)))]
    )
    for body, kind in ((small, content_type), (big, big_type)):
        form = run(MultiPartParser(Headers({"content-type": kind}), chunked(body, 4096)).parse())
        upload = form["f"]
        assert isinstance(upload, UploadFile)
        assert upload.size == len(run(upload.read())) and upload.size in (
            1000,
            len(big) - len(small) + 1000,
        )
        run(form.close())
    assert calls == [1]  # only the big one


# -- through the app: the files of the fast path are closed on every path ----------------


class Recorder:
    def __init__(self) -> None:
        self.files: list[UploadFile] = []

    @property
    def all_closed(self) -> bool:
        return bool(self.files) and all(f.file.closed for f in self.files)


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    record = Recorder()

    class RecordedUpload(UploadFile):
        __slots__ = ()

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            record.files.append(self)

    monkeypatch.setattr(asgiweb.formparsers, "UploadFile", RecordedUpload)
    return record


def test_small_files_closed_on_every_path(recorder: Recorder) -> None:
    app = App()
    seen: list[Any] = []

    @app.post("/ok")
    async def ok(doc: UploadFile) -> dict[str, Any]:
        seen.append(doc.file.closed)
        return {"name": doc.filename, "size": doc.size, "data": (await doc.read()).decode()}

    @app.post("/invalid")
    async def invalid(doc: UploadFile, count: Annotated[int, Form()]) -> None:
        seen.append("called")

    @app.post("/teapot")
    async def teapot(doc: UploadFile) -> None:
        raise HTTPException(418, "no")

    @app.post("/boom")
    def boom(doc: UploadFile) -> None:
        raise RuntimeError("handler bug")

    @app.post("/limit")
    async def limit(request: Request) -> None:
        await request.form(max_files=1)

    client = TestClient(app, raise_server_exceptions=False)
    one = {"doc": ("d.txt", b"small", "text/plain")}
    assert client.post("/ok", files=one).json() == {"name": "d.txt", "size": 5, "data": "small"}
    assert seen == [False]
    response = client.post("/invalid", data={"count": "many"}, files=one)
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "count"]
    assert client.post("/teapot", files=one).status_code == 418
    assert client.post("/boom", files=one).status_code == 500
    two = [("doc", ("a", b"1")), ("doc", ("b", b"2"))]
    response = client.post("/limit", files=two)
    assert response.status_code == 400
    assert response.json() == {"detail": "Too many files. Maximum number of files is 1."}
    assert seen == [False]
    assert len(recorder.files) == 4 + 1  # the /limit body went to python-multipart: 1 file made
    assert recorder.all_closed


def test_upload_endpoint_same_as_fastapi() -> None:
    def build(fw: Any) -> Any:
        app = fw.App()

        @app.post("/up")
        async def up(doc: fw.UploadFile, note: Annotated[str, fw.Form()] = "-") -> dict[str, Any]:
            return {
                "filename": doc.filename,
                "size": doc.size,
                "type": doc.content_type,
                "headers": sorted(doc.headers.items()),
                "data": (await doc.read()).decode("latin-1"),
                "note": note,
            }

        return app

    body = body_of(
        b"zz",
        [
            part([b'Content-Disposition: form-data; name="note"'], b"h\xc3\xa9"),
            part(
                [b'content-disposition: form-data; name="doc"; filename="r\xc3\xa9.txt"',
                 b"Content-Type: text/x-a", b"X-Extra:   v"],
                b"line\r\n--z not it",
            ),
        ],
    )  # fmt: skip
    typed = {"content-type": "multipart/form-data; boundary=zz"}
    calls = [
        Call.post("/up", content=body, headers=typed),
        Call.post("/up", content=body[:-6], headers=typed),
        Call.post("/up", content=b"--zz--\r\n", headers=typed),
        Call.post("/up", content=body, headers={"content-type": "multipart/form-data"}),
    ]
    same_answers(build, calls)


def test_parse_content_type_answers_repeated_values_with_fresh_dicts() -> None:
    from asgiweb.formparsers import parse_content_type

    value = 'multipart/form-data; boundary="a;b"; charset=latin-1'
    first = parse_content_type(value)
    first[1]["boundary"] = "changed"
    assert parse_content_type(value) == (
        "multipart/form-data",
        {"boundary": "a;b", "charset": "latin-1"},
    )
    assert parse_content_type("Text/Plain ; q = 1") == ("text/plain", {"q": "1"})
    assert parse_content_type(value)[1]["boundary"] == "a;b"
