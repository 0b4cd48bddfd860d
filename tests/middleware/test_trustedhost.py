"""TrustedHostMiddleware, answered as Starlette's own."""

from __future__ import annotations

import pytest

from asgiweb import App
from asgiweb.middleware.trustedhost import TrustedHostMiddleware
from tests.middleware.helpers import answers, items_app, starlette_items_app

TRUSTED_REQUESTS = [
    ("/items/a", {"host": "example.com"}),
    ("/items/a", {"host": "EXAMPLE.com:8000"}),
    ("/items/a", {"host": "api.example.com"}),
    ("/items/a", {"host": "evil.com"}),
    ("/items/a", {"host": "example.com.evil.com"}),
    ("/items/a", {"host": "www.example.org"}),
    ("/items/a?q=1", {"host": "example.org"}),
    ("/items/a", {"host": ""}),
]


@pytest.mark.parametrize("www_redirect", [True, False])
def test_trusted_host_as_starlette(www_redirect: bool) -> None:
    options = {
        "allowed_hosts": ["example.com", "*.example.com", "www.example.org"],
        "www_redirect": www_redirect,
    }
    ours_app = items_app(TrustedHostMiddleware, **options)
    ours = answers(ours_app, "http://testserver", TRUSTED_REQUESTS)
    starlette = starlette_items_app("trustedhost", "TrustedHostMiddleware", **options)
    theirs = answers(starlette, "http://testserver", TRUSTED_REQUESTS)
    assert ours == theirs
    assert ours[3] == (400, None, "Invalid host header")


def test_trusted_host_rejects_bad_wildcards_and_allows_any_by_default() -> None:
    with pytest.raises(ValueError, match="wildcard"):
        TrustedHostMiddleware(App(), allowed_hosts=["example.*"])
    with pytest.raises(ValueError, match="wildcard"):
        TrustedHostMiddleware(App(), allowed_hosts=["*example.com"])
    assert answers(items_app(TrustedHostMiddleware), "http://testserver", [("/items/z", {})]) == [
        (200, None, '"z"')
    ]
