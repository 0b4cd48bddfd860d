from __future__ import annotations

import tempfile
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asgiweb import datastructures
from asgiweb.datastructures import URL, Headers, MutableHeaders, QueryParams, State, UploadFile


def test_headers_view_is_case_insensitive_multi_dict() -> None:
    raw = [(b"content-type", b"text/plain"), (b"x-a", b"1"), (b"X-A", b"2")]
    headers = Headers(raw=raw)
    assert headers["Content-Type"] == "text/plain"
    assert headers.get("x-a") == "1"
    assert headers.getlist("x-A") == ["1", "2"]
    assert headers.get_list("missing") == []
    assert headers.get("missing", "d") == "d"
    assert "CONTENT-TYPE" in headers and "nope" not in headers
    assert len(headers) == 2
    assert headers.raw is raw


def test_headers_are_lazy_until_asked() -> None:
    headers = Headers(raw=[(b"a", b"b")])
    assert headers._index is None
    assert headers["a"] == "b"
    assert headers._index is not None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("bad name", "x"),
        ("", "x"),
        ("x(y)", "x"),
        ("x", "a\r\nset-cookie: evil=1"),
        ("x", "a\nb"),
        ("x", "a\x00b"),
        ("x", "a\x7fb"),
        ("x-\u00e9", "v"),
    ],
)
def test_mutable_headers_reject_invalid(name: str, value: str) -> None:
    headers = MutableHeaders()
    with pytest.raises(ValueError):
        headers[name] = value
    with pytest.raises(ValueError):
        headers.append(name, value)


def test_mutable_headers_edit_raw_list_in_place() -> None:
    raw: list[tuple[bytes, bytes]] = [(b"x-a", b"1"), (b"x-a", b"2")]
    headers = MutableHeaders(raw=raw)
    headers["X-A"] = "3"
    assert raw == [(b"x-a", b"3")]
    headers.append("set-cookie", "a=1")
    headers.append("set-cookie", "b=2")
    assert headers.getlist("set-cookie") == ["a=1", "b=2"]
    del headers["set-cookie"]
    assert "set-cookie" not in headers
    assert headers.setdefault("x-a", "9") == "3"
    assert headers.setdefault("x-b", "9") == "9"
    headers["tab"] = "a\tb"
    assert headers["tab"] == "a\tb"
    with pytest.raises(KeyError):
        del headers["absent"]


def test_query_params() -> None:
    query = QueryParams(b"a=1&a=2&b=&c=%20x+y&d=%C3%A9")
    assert query["a"] == "2"
    assert query.getlist("a") == ["1", "2"]
    assert query["b"] == ""
    assert query["c"] == " x y"
    assert query["d"] == "é"
    assert "z" not in query
    assert QueryParams({"k": 1})["k"] == "1"
    assert QueryParams([("k", "1"), ("k", "2")]).getlist("k") == ["1", "2"]
    assert str(QueryParams("a=1&b=2")) == "a=1&b=2"


def test_url_from_scope() -> None:
    scope = {
        "scheme": "https",
        "server": ("example.org", 443),
        "path": "/a b",
        "query_string": b"x=1",
        "headers": [],
    }
    url = URL.from_scope(scope)
    assert str(url) == "https://example.org/a b?x=1"
    assert url.path == "/a b" and url.query == "x=1"
    scope["headers"] = [(b"host", b"h:8080")]
    assert str(URL.from_scope(scope)) == "https://h:8080/a b?x=1"


def test_state_attribute_bag() -> None:
    state = State()
    state.x = 1
    assert state.x == 1
    assert "x" in state
    del state.x
    with pytest.raises(AttributeError):
        _ = state.x


@pytest.mark.parametrize(
    "query",
    [
        "",
        "a",
        "a=",
        "=b",
        "a=1&&b=2",
        "a=1&b=2&a=3",
        "a=b=c",
        "&a=1&",
        "a=%20&b=+",
        "x=%C3%A9",
        "k;v=1",
    ],
)
def test_query_fast_path_agrees_with_parse_qsl(query: str) -> None:
    from urllib.parse import parse_qsl

    expected = parse_qsl(query, keep_blank_values=True)
    assert QueryParams(query.encode()).multi_items() == expected


@given(st.text(alphabet="ab=&%+20C3;x", max_size=24), st.sampled_from(["a", "b", "ab", "", "a b"]))
def test_query_lookup_agrees_with_parse_qsl(query: str, key: str) -> None:
    """``get``/``getlist`` read the index built straight from the bytes (no ``%`` nor
    ``+``) or from the unquoted pairs: both as parse_qsl splits the query."""
    from urllib.parse import parse_qsl

    values = [v for k, v in parse_qsl(query, keep_blank_values=True) if k == key]
    params = QueryParams(query.encode())
    assert params.getlist(key) == values
    assert params.get(key) == (values[-1] if values else None)


def test_query_get_gives_last_value_or_default() -> None:
    query = QueryParams(b"a=1&a=2")
    assert query.get("a") == "2"
    assert query.get("b") is None
    assert query.get("b", "d") == "d"


@pytest.mark.anyio
async def test_upload_file_io_uses_a_thread_only_on_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = datastructures.run_in_threadpool

    async def counting(func: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(getattr(func, "__name__", "?"))
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(datastructures, "run_in_threadpool", counting)
    spooled = tempfile.SpooledTemporaryFile(max_size=1024)  # noqa: SIM115 - closed below
    upload = UploadFile(spooled, size=0, filename="x")
    await upload.write(b"a" * 100)
    await upload.seek(0)
    assert await upload.read() == b"a" * 100
    assert calls == [] and upload.size == 100
    await upload.write(b"b" * 2000)  # rolls over to disk
    assert spooled._rolled  # type: ignore[attr-defined]
    await upload.seek(0)
    assert len(await upload.read()) == 2100
    await upload.close()
    assert calls == ["write", "seek", "read", "close"]
    assert upload.size == 2100 and spooled.closed


@pytest.mark.anyio
async def test_upload_file_without_a_spooled_file() -> None:
    # Any binary file works; it is treated as on disk (its I/O goes to a thread).
    import io

    upload = UploadFile(io.BytesIO(b"abc"), headers=Headers({"content-type": "text/plain"}))
    assert upload.content_type == "text/plain" and upload.size is None
    assert await upload.read() == b"abc"
    await upload.write(b"d")
    assert upload.size is None
    await upload.close()
    assert upload.file.closed
    assert repr(UploadFile(io.BytesIO(), filename="f")).startswith("UploadFile(filename='f'")


def test_mutable_headers_view_is_the_constructor_over_the_same_list() -> None:
    raw = [(b"content-type", b"text/plain"), (b"x-a", b"1")]
    view = MutableHeaders.view(raw)
    built = MutableHeaders(raw=list(raw))
    assert type(view) is MutableHeaders and view.raw is raw
    assert dict(view) == dict(built) and view.get("X-A") == "1"
    view["x-b"] = "2"
    del view["x-a"]
    assert raw == [(b"content-type", b"text/plain"), (b"x-b", b"2")]
    assert view["x-b"] == "2" and "x-a" not in view
