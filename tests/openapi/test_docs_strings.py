"""The Swagger UI page writes its two URLs as FastAPI writes them (single-quoted
JavaScript strings: tests matching FastAPI's page text keep matching), escaped so
that no URL can end the string or the ``<script>`` element."""

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asgiweb.openapi.docs import get_swagger_ui_html
from asgiweb.testclient import TestClient
from tests.oracle.sidebyside import frameworks


def _page_fragments(fw: Any) -> list[bool]:
    app = fw.App(swagger_ui_oauth2_redirect_url="/docs/redirect")
    text = TestClient(app).get("/docs").text
    return [
        "url: '/openapi.json'" in text,
        "oauth2RedirectUrl: window.location.origin + '/docs/redirect'" in text,
    ]


def test_the_urls_are_written_as_fastapi_writes_them() -> None:
    ours, theirs = (_page_fragments(fw) for fw in frameworks())
    assert ours == theirs == [True, True]


def _literal(page: str, before: str) -> str:
    """The single-quoted JavaScript string that follows ``before`` in ``page``."""
    rest = page.split(before, 1)[1]
    assert rest[0] == "'"
    end = 1
    while rest[end] != "'":
        end += 2 if rest[end] == "\\" else 1
    return rest[1:end]


def _js_decode(inner: str) -> str:
    # The escapes written are \\, \' and \uXXXX, which Python's unicode_escape reads
    # as JavaScript does.
    return inner.encode("ascii", "backslashreplace").decode("unicode_escape")


@given(st.text(max_size=40))
def test_any_url_stays_one_string_inside_the_script(url: str) -> None:
    page = get_swagger_ui_html(
        openapi_url=url, title="t", oauth2_redirect_url=url or "/r"
    ).body.decode()
    script = page.split("<script>", 1)[1].split("</script>", 1)[0]
    for before in ("url: ", "window.location.origin + "):
        inner = _literal(script, before)
        assert not any(c in inner for c in "<>&\n\r\u2028\u2029")
        assert _js_decode(inner) == (url if before == "url: " else url or "/r")


@pytest.mark.parametrize("url", ["/a'b", "/x</script><b>", "a\\b", "line\nbreak"])
def test_awkward_urls_are_escaped(url: str) -> None:
    page = get_swagger_ui_html(openapi_url=url, title="t").body.decode()
    script = page.split("<script>", 1)[1].split("</script>", 1)[0]
    assert _js_decode(_literal(script, "url: ")) == url
