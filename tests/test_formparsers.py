"""The form parsers on their own: content-type parsing, chunking, limits, errors,
and the same result as Starlette's parsers (FastAPI's) on random forms."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asgiweb.datastructures import FormData, Headers, UploadFile
from asgiweb.formparsers import (
    FormParser,
    MultiPartException,
    MultiPartParser,
    parse_content_type,
)
from asgiweb.testclient import encode_multipart
from tests.harness import record_uploads

pytest.importorskip("python_multipart")


async def chunked(body: bytes, size: int) -> AsyncIterator[bytes]:
    for i in range(0, len(body), size):
        yield body[i : i + size]
    yield b""


def run(coro: Any) -> Any:
    import anyio

    async def main() -> Any:
        return await coro

    return anyio.run(main)


async def snapshot(form: FormData) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for key, value in form.multi_items():
        if isinstance(value, str):
            out.append((key, value))
        else:
            out.append((key, (value.filename, value.content_type, await value.read())))
            await value.close()
    return out


def test_parse_content_type() -> None:
    assert parse_content_type(None) == ("", {})
    assert parse_content_type("Multipart/Form-Data; Boundary=abc; charset=utf-8") == (
        "multipart/form-data",
        {"boundary": "abc", "charset": "utf-8"},
    )
    assert parse_content_type('multipart/form-data; boundary="a;b \\"c\\""') == (
        "multipart/form-data",
        {"boundary": 'a;b "c"'},
    )
    assert parse_content_type("application/x-www-form-urlencoded") == (
        "application/x-www-form-urlencoded",
        {},
    )


@pytest.mark.parametrize("size", [1, 2, 3, 7, 1000])
def test_urlencoded_fields_split_across_chunks(size: int) -> None:
    body = b"name=J%C3%BCrgen+K&empty=&flag&&x=1%262&name=again"
    form = run(FormParser(chunked(body, size)).parse())
    assert form.multi_items() == [
        ("name", "Jürgen K"),
        ("empty", ""),
        ("flag", ""),
        ("x", "1&2"),
        ("name", "again"),
    ]


def test_urlencoded_limits() -> None:
    with pytest.raises(
        MultiPartException, match=r"Too many fields\. Maximum number of fields is 2\."
    ):
        run(FormParser(chunked(b"a=1&b=2&c=3", 4), max_fields=2).parse())
    # A long field fails while it streams in, before it is held whole.
    with pytest.raises(MultiPartException, match=r"Field exceeded maximum size of 1KB"):
        run(FormParser(chunked(b"a=" + b"x" * 100_000, 512), max_part_size=1024).parse())
    form = run(FormParser(chunked(b"a=" + b"x" * 1023, 512), max_part_size=1024).parse())
    assert len(form["a"]) == 1023


def multipart(boundary: str, *parts: bytes, end: bool = True) -> bytes:
    body = b"".join(b"--" + boundary.encode() + b"\r\n" + part + b"\r\n" for part in parts)
    return body + (b"--" + boundary.encode() + b"--\r\n" if end else b"")


def parse_multipart(body: bytes, content_type: str, size: int = 1 << 16, **limits: Any) -> Any:
    headers = Headers({"content-type": content_type})
    return run(MultiPartParser(headers, chunked(body, size), **limits).parse())


@pytest.mark.parametrize("size", [1, 5, 64, 100_000])
def test_multipart_fields_and_files_split_across_chunks(size: int) -> None:
    body = multipart(
        "XyZ",
        b'Content-Disposition: form-data; name="title"\r\n\r\nHello\r\nworld',
        b'Content-Disposition: form-data; name="doc"; filename="a.txt"\r\n'
        b"Content-Type: text/plain\r\nX-Note: 1\r\n\r\nline1\r\n--not-the-boundary\r\n",
        b'Content-Disposition: form-data; name="title"\r\n\r\n',
    )
    form = parse_multipart(body, "multipart/form-data; boundary=XyZ", size)
    doc = form["doc"]
    assert isinstance(doc, UploadFile)
    assert doc.headers["x-note"] == "1" and doc.size == len(b"line1\r\n--not-the-boundary\r\n")
    assert run(snapshot(form)) == [
        ("title", "Hello\r\nworld"),
        ("doc", ("a.txt", "text/plain", b"line1\r\n--not-the-boundary\r\n")),
        ("title", ""),
    ]


def test_multipart_charset_and_undecodable_names() -> None:
    body = multipart(
        "b",
        'Content-Disposition: form-data; name="café"\r\n\r\nthé'.encode("latin-1"),
    )
    form = parse_multipart(body, "multipart/form-data; boundary=b; charset=latin-1")
    assert form.multi_items() == [("café", "thé")]
    # Bytes that are not UTF-8 fall back to latin-1 rather than failing.
    form = parse_multipart(body, "multipart/form-data; boundary=b")
    assert form.multi_items() == [("café", "thé")]


@pytest.mark.parametrize(
    ("body", "content_type", "limits", "message"),
    [
        (b"", "multipart/form-data", {}, "Missing boundary in multipart."),
        (b"junk\r\n", "multipart/form-data; boundary=b", {}, "Invalid multipart data."),
        (
            multipart("b", b"Content-Disposition: form-data\r\n\r\nx"),
            "multipart/form-data; boundary=b",
            {},
            'The Content-Disposition header field "name" must be provided.',
        ),
        (
            multipart("b", *[b'Content-Disposition: form-data; name="f"\r\n\r\nv'] * 3),
            "multipart/form-data; boundary=b",
            {"max_fields": 2},
            "Too many fields. Maximum number of fields is 2.",
        ),
        (
            multipart("b", b'Content-Disposition: form-data; name="f"\r\n\r\n' + b"v" * 3000),
            "multipart/form-data; boundary=b",
            {"max_part_size": 2048},
            "Part exceeded maximum size of 2KB.",
        ),
    ],
)
def test_multipart_errors(
    body: bytes, content_type: str, limits: dict[str, int], message: str
) -> None:
    with pytest.raises(MultiPartException) as info:
        parse_multipart(body, content_type, **limits)
    assert info.value.message == message


def test_a_body_cut_short_drops_the_unfinished_file(monkeypatch: pytest.MonkeyPatch) -> None:
    created = record_uploads(monkeypatch)
    body = multipart(
        "b",
        b'Content-Disposition: form-data; name="ok"; filename="1"\r\n\r\ndone',
        b'Content-Disposition: form-data; name="cut"; filename="2"\r\n\r\nhalf',
        end=False,
    )[:-2]
    form = parse_multipart(body, "multipart/form-data; boundary=b", 8)
    assert list(form) == ["ok"]
    assert [f.file.closed for f in created] == [False, True]
    run(form.close())


# -- the same answers as Starlette's parsers ------------------------------------------

names = st.text(st.characters(codec="utf-8", exclude_characters='"\r\n\\%'), max_size=8)
values = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
file_contents = st.binary(max_size=300)
parts = st.lists(
    st.one_of(
        st.tuples(st.just("field"), names, values),
        st.tuples(st.just("file"), names, st.tuples(names.filter(bool), file_contents)),
    ),
    max_size=6,
)


async def starlette_snapshot(
    parser_name: str, content_type: str, body: bytes, size: int
) -> list[tuple[str, Any]]:
    from starlette import formparsers
    from starlette.datastructures import Headers as StarletteHeaders

    stream = chunked(body, size)
    if parser_name == "multipart":
        headers = StarletteHeaders({"content-type": content_type})
        form: Any = await formparsers.MultiPartParser(headers, stream).parse()
    else:
        form = await formparsers.FormParser(StarletteHeaders({}), stream).parse()
    out: list[tuple[str, Any]] = []
    for key, value in form.multi_items():
        if isinstance(value, str):
            out.append((key, value))
        else:
            out.append((key, (value.filename, value.content_type, await value.read())))
            await value.close()
    return out


@given(parts, st.integers(min_value=1, max_value=200))
def test_multipart_same_as_starlette(items: Sequence[Any], size: int) -> None:
    pytest.importorskip("starlette")
    data = [(name, value) for kind, name, value in items if kind == "field"]
    files = [(name, value) for kind, name, value in items if kind == "file"]
    if not files:
        files = [("x", ("f", b""))]
    body, content_type = encode_multipart(data, files)
    ours = parse_multipart(body, content_type, size)
    assert run(snapshot(ours)) == run(starlette_snapshot("multipart", content_type, body, size))


@given(
    st.lists(st.tuples(values, values), max_size=8),
    st.integers(min_value=1, max_value=50),
)
def test_urlencoded_same_as_starlette(pairs: list[tuple[str, str]], size: int) -> None:
    pytest.importorskip("starlette")
    from urllib.parse import urlencode

    body = urlencode(pairs).encode()
    ours = run(FormParser(chunked(body, size)).parse())
    theirs = run(starlette_snapshot("urlencoded", "", body, size))
    assert ours.multi_items() == theirs


async def outcome(parse: Any) -> Any:
    """The parsed items, or the error message, as a comparable value."""
    from starlette.formparsers import MultiPartException as StarletteError

    try:
        form = await parse
    except (MultiPartException, StarletteError) as exc:
        return ("error", exc.message)
    out: list[tuple[str, Any]] = []
    for key, value in form.multi_items():
        if isinstance(value, str):
            out.append((key, value))
        else:
            out.append((key, (value.filename, dict(value.headers), await value.read())))
            await value.close()
    return out


@given(st.text(alphabet="ab=&%+;2Fé ", max_size=40), st.integers(min_value=1, max_value=9))
def test_raw_urlencoded_same_as_starlette(text: str, size: int) -> None:
    pytest.importorskip("starlette")
    from starlette import formparsers
    from starlette.datastructures import Headers as StarletteHeaders

    body = text.encode()

    async def both() -> tuple[Any, Any]:
        ours = await outcome(FormParser(chunked(body, size)).parse())
        theirs = await outcome(
            formparsers.FormParser(StarletteHeaders({}), chunked(body, size)).parse()
        )
        return ours, theirs

    ours, theirs = run(both())
    assert ours == theirs


@given(
    parts,
    st.lists(
        st.tuples(st.integers(min_value=0), st.sampled_from([b"", b"\r", b"\n", b"-", b"x", b";"])),
        max_size=3,
    ),
    st.integers(min_value=1, max_value=300),
)
def test_damaged_multipart_same_as_starlette(
    items: Sequence[Any], edits: list[tuple[int, bytes]], size: int
) -> None:
    """Cut or insert bytes anywhere in a valid body: the same items or the same error."""
    pytest.importorskip("starlette")
    from starlette import formparsers
    from starlette.datastructures import Headers as StarletteHeaders

    data = [(name, value) for kind, name, value in items if kind == "field"]
    files = [(name, value) for kind, name, value in items if kind == "file"] or [("x", ("f", b""))]
    body, content_type = encode_multipart(data, files)
    for position, insert in edits:
        at = position % (len(body) + 1)
        body = body[:at] + insert + body[at + (0 if insert else 1) :]

    async def both() -> tuple[Any, Any]:
        headers = Headers({"content-type": content_type})
        ours = await outcome(MultiPartParser(headers, chunked(body, size)).parse())
        starlette_headers = StarletteHeaders({"content-type": content_type})
        theirs = await outcome(
            formparsers.MultiPartParser(starlette_headers, chunked(body, size)).parse()
        )
        return ours, theirs

    ours, theirs = run(both())
    assert ours == theirs
