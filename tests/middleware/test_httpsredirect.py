"""HTTPSRedirectMiddleware, answered as Starlette's own."""

from __future__ import annotations

import pytest

from asgiweb.middleware.httpsredirect import HTTPSRedirectMiddleware
from tests.middleware.helpers import answers, items_app, starlette_items_app

HTTPS_CASES = [
    ("http://testserver", "/items/a?x=1"),
    ("http://testserver:80", "/items/a"),
    ("http://testserver:8080", "/items/a%20b"),
    ("https://testserver", "/items/a"),
]


@pytest.mark.parametrize(("base_url", "path"), HTTPS_CASES)
def test_https_redirect_as_starlette(base_url: str, path: str) -> None:
    ours = answers(items_app(HTTPSRedirectMiddleware), base_url, [(path, {})])
    starlette = starlette_items_app("httpsredirect", "HTTPSRedirectMiddleware")
    theirs = answers(starlette, base_url, [(path, {})])
    assert ours == theirs
    if base_url.startswith("http://"):
        location = ours[0][1]
        assert ours[0][0] == 307 and location is not None and location.startswith("https://")
