"""RedirectResponse: the Location header, the status and background tasks."""

from __future__ import annotations

import pytest

from asgiweb.background import BackgroundTask
from asgiweb.responses import (
    RedirectResponse,
)
from tests.harness import drive

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("url", "location"),
    [
        ("https://example.com/", "https://example.com/"),
        ("/items?q=1&r=a+b#frag", "/items?q=1&r=a+b#frag"),
        ("/a path/é", "/a%20path/%C3%A9"),
        ("/already%20quoted/%C3%A9", "/already%20quoted/%C3%A9"),
        ("/100%", "/100%25"),
        ("/50%off", "/50%25off"),
        ("https://user:pw@host:8080/p;x=1?a=[1]", "https://user:pw@host:8080/p;x=1?a=[1]"),
        ("https://bücher.de/straße", "https://xn--bcher-kva.de/stra%C3%9Fe"),
        ("/q?text=hello world", "/q?text=hello%20world"),
        ("/x\r\nSet-Cookie: a=b", "/x%0D%0ASet-Cookie:%20a=b"),
        ('/"quoted"<>', "/%22quoted%22%3C%3E"),
    ],
)
async def test_redirect_location_is_quoted(url: str, location: str) -> None:
    peer = await drive(RedirectResponse(url))
    assert peer.status == 307
    assert peer.header("location") == location
    assert peer.header("content-length") == "0"
    assert peer.body == b""


async def test_redirect_status_headers_and_background() -> None:
    ran: list[bool] = []
    response = RedirectResponse(
        "/next",
        status_code=302,
        headers={"cache-control": "no-store"},
        background=BackgroundTask(ran.append, True),
    )
    peer = await drive(response)
    assert peer.status == 302
    assert peer.header("location") == "/next"
    assert peer.header("cache-control") == "no-store"
    assert ran == [True]
