"""Responses: each one is an ASGI app that sends itself.

Rules kept here (ASGI HTTP spec, RFC 9110):
- one ``http.response.start``, then body messages, the last with
  ``more_body`` false; nothing is sent after it;
- ``content-length`` is computed from the rendered body except for 1xx, 204
  and 304, which carry no body;
- a HEAD request gets the same status and headers as GET and an empty body;
- text media types get ``; charset=utf-8`` unless they name a charset.

A subclass changes ``media_type`` and/or ``render(content) -> bytes``; nothing
else is needed (this is FastAPI's custom-response recipe).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from asgiweb._foreign import loaded_class
from asgiweb._http import validate_header
from asgiweb.background import BackgroundTask, BackgroundTasks, as_background
from asgiweb.datastructures import MutableHeaders
from asgiweb.responses._cookies import build_set_cookie
from asgiweb.types import Message, Receive, Scope, Send

__all__ = [
    "PURE_RENDERS",
    "AnswerMessages",
    "HTMLResponse",
    "PlainTextResponse",
    "Response",
    "answer_messages",
    "encode_content_type",
    "pure_render",
    "response_types",
    "send_answer",
]

_NO_BODY_STATUSES = frozenset({204, 304})
# PERF: the content-type header value depends only on (media_type, charset);
# caching its encoded form saves a format+encode per response (bench: plaintext).
# Bounded: a media type may come from the request (both caches stop growing).
_CONTENT_TYPES: dict[tuple[str, str], bytes] = {}
_CACHE_LIMIT = 256


_CONTENT_TYPE_HEADERS: dict[str, tuple[bytes, bytes]] = {}  # utf-8 only, by media type


def encode_content_type(media_type: str, charset: str) -> bytes:
    key = (media_type, charset)
    value = _CONTENT_TYPES.get(key)
    if value is None:
        text = media_type
        if media_type.startswith("text/") and "charset=" not in media_type.lower():
            text = f"{media_type}; charset={charset}"
        validate_header("content-type", text)
        value = text.encode("latin-1")
        if len(_CONTENT_TYPES) < _CACHE_LIMIT:
            _CONTENT_TYPES[key] = value
        if charset == "utf-8" and len(_CONTENT_TYPE_HEADERS) < _CACHE_LIMIT:
            _CONTENT_TYPE_HEADERS[media_type] = (b"content-type", value)
    return value


PURE_RENDERS: set[Callable[..., bytes]] = set()
"""``render`` methods that read nothing of the response but the content and the
class's ``charset`` (see :func:`pure_render`)."""


def response_types() -> tuple[type[Response], ...]:
    """The classes whose instances a handler's return value is sent as, not
    encoded: ours, and Starlette's when it is loaded (a migrated app still
    returning ``fastapi.responses.JSONResponse``, or a library's response such as
    an SSE package built on Starlette; docs/api.md, "Responses").  Decided when a
    route is registered: Starlette is never imported here.  Its responses are ASGI
    apps with ``raw_headers``, ``background`` and ``status_code`` as ours."""
    foreign: Any = loaded_class("starlette.responses", "Response")
    return (Response,) if foreign is None else (Response, foreign)


def pure_render(method: Callable[[Any, Any], bytes]) -> Callable[[Any, Any], bytes]:
    """Mark a ``render`` method as reading only its content and the class's charset:
    a subclass that keeps it can be answered with :func:`answer_messages`."""
    PURE_RENDERS.add(method)
    return method


class Response:
    """Bytes or text with a status code and headers."""

    media_type: str | None = None
    charset: str = "utf-8"

    def __init__(
        self,
        content: Any = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | BackgroundTasks | None = None,
    ) -> None:
        self.status_code = status_code
        if media_type is not None:
            self.media_type = media_type
        self.background = None if background is None else as_background(background)
        self.body = self.render(content)
        self.init_headers(headers)

    @pure_render
    def render(self, content: Any) -> bytes:
        # PERF: exact-type checks first; str is what text responses carry.
        kind = type(content)
        if kind is str:
            return content.encode(self.charset)  # type: ignore[no-any-return]
        if kind is bytes or content is None:
            return content or b""
        if isinstance(content, str):
            return content.encode(self.charset)
        if isinstance(content, bytes | bytearray | memoryview):
            return bytes(content)
        raise TypeError(
            f"{type(self).__name__} content must be bytes or str, not {type(content).__name__}; "
            "use JSONResponse for data"
        )

    def init_headers(self, headers: Mapping[str, str] | None = None) -> None:
        """Build the raw header list: the user's headers, then length and type if missing.

        A subclass whose length or defaults differ overrides this with one call to
        :meth:`build_headers`, the single place the merge rules live.
        """
        self._headers: MutableHeaders | None = None
        status = self.status_code
        media_type = self.media_type
        if headers is None:
            # PERF: the common case, no user headers: one list literal from a
            # cached content-type pair (bench: plaintext, json).
            if media_type is None:
                content_type = None
            else:
                content_type = _CONTENT_TYPE_HEADERS.get(media_type)
                if content_type is None or self.charset != "utf-8":
                    content_type = (b"content-type", encode_content_type(media_type, self.charset))
            if status >= 200 and status not in _NO_BODY_STATUSES:
                length = (b"content-length", b"%d" % len(self.body))
                self.raw_headers = [length] if content_type is None else [length, content_type]
            else:
                self.raw_headers = [] if content_type is None else [content_type]
            return
        has_body = status >= 200 and status not in _NO_BODY_STATUSES
        self.build_headers(headers, len(self.body) if has_body else None)

    def build_headers(
        self,
        headers: Mapping[str, str] | None,
        content_length: int | None,
        defaults: Iterable[tuple[bytes, bytes]] = (),
    ) -> None:
        """Set ``raw_headers``: the user's headers (validated), then whatever of
        ``content-length`` (``None``: none, the length is not known up front),
        ``content-type`` (from ``media_type``) and ``defaults`` they did not set."""
        self._headers = None
        raw = [] if headers is None else [validate_header(k, v) for k, v in headers.items()]
        names = {name for name, _ in raw}
        if content_length is not None and b"content-length" not in names:
            raw.append((b"content-length", b"%d" % content_length))
        media_type = self.media_type
        if media_type is not None and b"content-type" not in names:
            raw.append((b"content-type", encode_content_type(media_type, self.charset)))
        raw.extend(item for item in defaults if item[0] not in names)
        self.raw_headers = raw

    @property
    def headers(self) -> MutableHeaders:
        """A case-insensitive, validating view that edits ``raw_headers`` in place."""
        headers = self._headers
        if headers is None:
            headers = self._headers = MutableHeaders.view(self.raw_headers)
        return headers

    def set_cookie(
        self,
        key: str,
        value: str = "",
        max_age: int | None = None,
        expires: datetime | str | int | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = "lax",
        partitioned: bool = False,
    ) -> None:
        self.headers.append(
            "set-cookie",
            build_set_cookie(
                key,
                value,
                max_age=max_age,
                expires=expires,
                path=path,
                domain=domain,
                secure=secure,
                httponly=httponly,
                samesite=samesite,
                partitioned=partitioned,
            ),
        )

    def delete_cookie(
        self,
        key: str,
        path: str = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = "lax",
        partitioned: bool = False,
    ) -> None:
        self.set_cookie(
            key,
            max_age=0,
            expires=0,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
            partitioned=partitioned,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        status = self.status_code
        if scope.get("method") == "HEAD" or status < 200 or status in _NO_BODY_STATUSES:
            await send({"type": "http.response.body", "body": b""})
        else:
            await send({"type": "http.response.body", "body": self.body})
        if self.background is not None:
            await self.background()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} status_code={self.status_code}>"


AnswerMessages = tuple[Message, Message]
"""The ``http.response.start`` and ``http.response.body`` messages of a whole answer."""


async def send_answer(messages: AnswerMessages, scope: Scope, send: Send) -> None:
    """Send a whole answer's two messages as ``Response.__call__`` sends its own: a
    HEAD request gets the start and an empty body.  (The router inlines this for
    its own answers, PERF: benchmarks/compare.py plaintext.)"""
    start, body = messages
    await send(start)
    await send({"type": "http.response.body", "body": b""} if scope["method"] == "HEAD" else body)


def answer_messages(cls: type[Response]) -> Callable[[Any], AnswerMessages] | None:
    """The two messages ``cls(content)`` would send for a GET, built without the
    Response object; decided at registration, None when that cannot be known.

    When ``cls`` keeps Response's own ``__init__``, ``init_headers`` and ``__call__``,
    encodes UTF-8 and renders with a :func:`pure_render` method, ``cls(content)``
    is status 200 with no background task and headers content-length then
    content-type, and its ``__call__`` sends exactly these two messages.  The
    router sends them itself, with no Response object and no ``__call__``
    coroutine, and for HEAD swaps the body message for an empty one as
    ``__call__`` does (PERF: benchmarks/inprocess.py "plaintext", "json", "items",
    about 0.4 us each).  ``render`` raises what it raises for ``cls(content)``.
    """
    if not (
        cls.__init__ is Response.__init__
        and cls.init_headers is Response.init_headers
        and cls.__call__ is Response.__call__
        and cls.charset == "utf-8"
        and cls.render in PURE_RENDERS
    ):
        return None
    render = object.__new__(cls).render  # reads only the content and the class's charset
    media_type = cls.media_type
    if media_type is None:

        def messages_untyped(content: Any) -> AnswerMessages:
            body = render(content)
            length = (b"content-length", b"%d" % len(body))
            start = {"type": "http.response.start", "status": 200, "headers": [length]}
            return start, {"type": "http.response.body", "body": body}

        return messages_untyped
    content_type = (b"content-type", encode_content_type(media_type, "utf-8"))
    if cls.render is Response.render:

        def text_messages(content: Any) -> AnswerMessages:
            # PERF: str, what a text route returns, encoded here as render() would.
            body = content.encode("utf-8") if content.__class__ is str else render(content)
            headers = [(b"content-length", b"%d" % len(body)), content_type]
            start = {"type": "http.response.start", "status": 200, "headers": headers}
            return start, {"type": "http.response.body", "body": body}

        return text_messages

    def messages(content: Any) -> AnswerMessages:
        body = render(content)
        headers = [(b"content-length", b"%d" % len(body)), content_type]
        start = {"type": "http.response.start", "status": 200, "headers": headers}
        return start, {"type": "http.response.body", "body": body}

    return messages


class PlainTextResponse(Response):
    media_type = "text/plain"


class HTMLResponse(Response):
    media_type = "text/html"
