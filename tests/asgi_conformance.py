"""A strict checker of the ASGI HTTP rules an application must keep when it sends.

``checked(app)`` wraps an ASGI app: each ``http`` call's ``send`` goes through
a state machine that raises :class:`ASGIViolation` (an ``AssertionError``) on
the first message that breaks the rules, and remembers it, so that a violation
the app swallowed (a broad ``except``) is raised again when the call returns.
``check_http_messages(messages)`` runs the same machine over a list that was
already collected.

The rules (ASGI spec, HTTP connection scope, versions 2.0-2.5):

- every message is a ``dict`` whose ``type`` is one of ``http.response.start``,
  ``http.response.body``, ``http.response.trailers``, ``http.response.pathsend``;
  other keys are the ones the spec lists for that type, with the spec's types;
- ``http.response.start`` comes exactly once, first: ``status`` an ``int`` in
  100-599, ``headers`` a list of 2-tuples of ``bytes``, names lowercase tokens
  (RFC 9110 §5.1), values free of CR, LF and NUL, ``trailers`` a ``bool``;
- then ``http.response.body`` messages (``body`` ``bytes``, ``more_body``
  ``bool``) until one with ``more_body`` false; nothing is sent after that;
- ``http.response.pathsend`` only with that extension in the scope, instead of
  the body, with an absolute ``path``; it ends the response;
- ``http.response.trailers`` only with that extension in the scope and when
  the start said ``trailers: True``, after the final body, until one with
  ``more_trailers`` false.

Beyond the ASGI messages, two HTTP rules that a server cannot repair: a
``content-length`` header must match the body sent (not for HEAD), and 1xx,
204 and 304 answers carry no body.

When the call returns normally the response must be complete, unless the app
was told the client left (``http.disconnect`` from ``receive`` or ``OSError``
from ``send``).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from typing import Any

__all__ = ["ASGIViolation", "HTTPResponseChecker", "check_http_messages", "checked"]

Message = MutableMapping[str, Any]
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9a-z]+\Z")
_BAD_VALUE = re.compile(rb"[\r\n\x00]")

_KEYS: dict[str, dict[str, tuple[type, ...]]] = {
    "http.response.start": {"status": (int,), "headers": (list, tuple), "trailers": (bool,)},
    "http.response.body": {"body": (bytes,), "more_body": (bool,)},
    "http.response.trailers": {"headers": (list, tuple), "more_trailers": (bool,)},
    "http.response.pathsend": {"path": (str,)},
}


class ASGIViolation(AssertionError):
    """An ASGI HTTP rule was broken by the application."""


class HTTPResponseChecker:
    """The state of one HTTP response; ``feed`` each sent message in order."""

    def __init__(self, scope: Mapping[str, Any] | None = None) -> None:
        scope = scope if scope is not None else {}
        extensions = scope.get("extensions") or {}
        self.pathsend_allowed = "http.response.pathsend" in extensions
        self.trailers_allowed = "http.response.trailers" in extensions
        self.head = scope.get("method") == "HEAD"
        self.messages: list[Message] = []
        self.status: int | None = None
        self.started = False
        self.body_done = False
        self.trailers_expected = False
        self.complete = False
        self.content_length: int | None = None
        self.body_length = 0

    def fail(self, text: str) -> None:
        raise ASGIViolation(f"{text} (messages so far: {self._summary()})")

    def _summary(self) -> str:
        return ", ".join(
            str(m.get("type")) if isinstance(m, Mapping) else repr(m) for m in self.messages
        )

    def feed(self, message: Any) -> None:
        if not isinstance(message, Mapping):
            self.fail(f"a message must be a dict, got {type(message).__name__}")
        kind = message.get("type")
        if kind not in _KEYS:
            self.fail(f"unknown message type {kind!r}")
        self.messages.append(message)
        allowed = _KEYS[kind]
        for key, value in message.items():
            if key == "type":
                continue
            if key not in allowed:
                self.fail(f"{kind}: unknown key {key!r}")
            if type(value) not in allowed[key]:
                expected = " or ".join(t.__name__ for t in allowed[key])
                self.fail(f"{kind}: {key!r} must be {expected}, got {type(value).__name__}")
        if self.complete:
            self.fail(f"{kind} sent after the response was complete")
        if kind == "http.response.start":
            self._start(message)
        elif kind == "http.response.body":
            self._body(message)
        elif kind == "http.response.pathsend":
            self._pathsend(message)
        else:
            self._trailers(message)

    def _check_headers(self, kind: str, headers: Iterable[Any]) -> list[tuple[bytes, bytes]]:
        checked: list[tuple[bytes, bytes]] = []
        for item in headers:
            if type(item) is not tuple or len(item) != 2:
                self.fail(f"{kind}: each header must be a 2-tuple, got {item!r}")
            name, value = item
            if type(name) is not bytes or type(value) is not bytes:
                self.fail(f"{kind}: header name and value must be bytes, got {item!r}")
            if not _TOKEN.match(name):
                self.fail(f"{kind}: header name {name!r} is not a lowercase token")
            if _BAD_VALUE.search(value):
                self.fail(f"{kind}: header value {value!r} holds CR, LF or NUL")
            checked.append((name, value))
        return checked

    def _start(self, message: Mapping[str, Any]) -> None:
        if self.started:
            self.fail("a second http.response.start")
        self.started = True
        status = message.get("status")
        if status is None:
            self.fail("http.response.start without a status")
        assert isinstance(status, int)
        if not 100 <= status <= 599:
            self.fail(f"status {status} is outside 100-599")
        self.status = status
        headers = message.get("headers", [])
        if type(headers) is not list:
            self.fail("http.response.start: headers must be a list")
        lengths = [
            v
            for n, v in self._check_headers("http.response.start", headers)
            if n == b"content-length"
        ]
        if len(set(lengths)) > 1:
            self.fail(f"conflicting content-length headers {lengths!r}")
        if lengths:
            if not lengths[0].isdigit():
                self.fail(f"content-length {lengths[0]!r} is not a number")
            self.content_length = int(lengths[0])
        if message.get("trailers", False):
            if not self.trailers_allowed:
                self.fail("trailers: True without the http.response.trailers extension")
            self.trailers_expected = True

    def _need_start(self, kind: str) -> None:
        if not self.started:
            self.fail(f"{kind} before http.response.start")

    def _body(self, message: Mapping[str, Any]) -> None:
        self._need_start("http.response.body")
        if self.body_done:
            self.fail("http.response.body after the final body")
        body = message.get("body", b"")
        self.body_length += len(body)
        status = self.status or 200
        if body and (status < 200 or status in (204, 304)):
            self.fail(f"a {status} answer carries a body")
        if not message.get("more_body", False):
            self.body_done = True
            self._check_length()
            self.complete = not self.trailers_expected

    def _check_length(self) -> None:
        status = self.status or 200
        if self.head or status < 200 or status in (204, 304):
            return
        if self.content_length is not None and self.content_length != self.body_length:
            self.fail(
                f"content-length {self.content_length} but {self.body_length} body bytes sent"
            )

    def _pathsend(self, message: Mapping[str, Any]) -> None:
        if not self.pathsend_allowed:
            self.fail("http.response.pathsend without the extension in the scope")
        self._need_start("http.response.pathsend")
        if self.body_done or self.body_length:
            self.fail("http.response.pathsend after body messages")
        path = message.get("path")
        if not isinstance(path, str) or not path.startswith("/"):
            self.fail(f"http.response.pathsend path must be absolute, got {path!r}")
        self.body_done = True
        self.complete = not self.trailers_expected

    def _trailers(self, message: Mapping[str, Any]) -> None:
        if not self.trailers_allowed:
            self.fail("http.response.trailers without the extension in the scope")
        if not self.trailers_expected:
            self.fail("http.response.trailers but the start did not announce trailers")
        if not self.body_done:
            self.fail("http.response.trailers before the final body")
        headers = message.get("headers", [])
        self._check_headers("http.response.trailers", headers)
        if not message.get("more_trailers", False):
            self.complete = True


def check_http_messages(
    messages: Iterable[Any],
    scope: Mapping[str, Any] | None = None,
    *,
    complete: bool = True,
) -> HTTPResponseChecker:
    """Check a list of sent messages; with ``complete`` they must end the response."""
    checker = HTTPResponseChecker(scope)
    for message in messages:
        checker.feed(message)
    if complete and not checker.complete:
        checker.fail("the response is not complete")
    return checker


def checked(app: ASGIApp) -> ASGIApp:
    """``app`` with every ``http`` call's messages checked as they are sent."""

    async def wrapper(scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http":
            await app(scope, receive, send)
            return
        checker = HTTPResponseChecker(scope)
        violations: list[ASGIViolation] = []
        told_gone = False

        async def checked_receive() -> Message:
            nonlocal told_gone
            message = await receive()
            if message.get("type") == "http.disconnect":
                told_gone = True
            return message

        async def checked_send(message: Message) -> None:
            nonlocal told_gone
            try:
                checker.feed(message)
            except ASGIViolation as exc:
                violations.append(exc)
                raise
            try:
                await send(message)
            except OSError:
                told_gone = True
                raise

        await app(scope, checked_receive, checked_send)
        if violations:
            raise violations[0]
        if not checker.complete and not told_gone:
            checker.fail("the app returned without completing the response")

    return wrapper
