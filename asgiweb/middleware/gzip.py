"""Gzip response compression as a pure ASGI middleware.

It only wraps ``send``: no task, no memory channel, no buffering beyond the
first body message.  Rules kept here (RFC 9110 §8.4 and §12.5.3, RFC 1952,
ASGI HTTP spec):

- Compression happens only for ``http`` scopes whose ``Accept-Encoding``
  accepts ``gzip`` (or ``*`` without a gzip entry) with a non-zero q-value.
  A response that would have been compressed for such a client gets
  ``vary: Accept-Encoding`` even when this client does not accept gzip, so a
  shared cache keeps the two representations apart (RFC 9110 §12.5.5).
  Other scopes (lifespan, websocket) pass through untouched.
- A HEAD response is never touched: its ``content-length`` describes a body
  that is not there, and compressing nothing would falsify it.
- A response is left as it is when it has no body by definition (1xx, 204,
  304), is a 206 or has ``content-range`` (ranges were computed on the
  uncompressed bytes), already has ``content-encoding``, or has a content
  type in ``exclude_content_types`` (already-compressed media, and
  ``text/event-stream``, whose events must not wait in a compressor).
- ``http.response.start`` is held until the first body message, because only
  then is it known whether the body is small.  If that message is the last
  one (``more_body`` false) and shorter than ``minimum_size``, start and body
  go out unchanged.  Otherwise the start goes out with ``content-encoding:
  gzip``, ``vary: Accept-Encoding``, a strong ``etag`` made weak (the bytes
  differ from the identity representation's), and ``content-length``
  replaced by the compressed length (one message) or removed (streaming,
  or when trailers follow).  Bodies of ``thread_minimum_size`` bytes or more
  are compressed in a worker thread, so the event loop does not stall.
- Streaming bodies are compressed incrementally with one ``zlib`` stream in
  gzip framing; each message is flushed with ``Z_SYNC_FLUSH`` so a client
  sees every chunk as soon as the app sends it, and an endless stream is
  never held back.  The final message carries the gzip trailer; nothing is
  sent after it by this middleware.
- Any other message before the first body (``http.response.pathsend``,
  extensions) releases the held start unchanged and the rest of the
  response passes through; messages after the final body (trailers) pass
  through too.
"""

from __future__ import annotations

import zlib
from collections.abc import Collection

from asgiweb._concurrency import run_in_threadpool
from asgiweb._http import RawHeaders
from asgiweb.exceptions import mark_response_started
from asgiweb.middleware import add_vary
from asgiweb.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["DEFAULT_EXCLUDED_CONTENT_TYPES", "GZipMiddleware"]

DEFAULT_EXCLUDED_CONTENT_TYPES = (
    "application/grpc",
    "application/gzip",
    "application/x-gzip",
    "application/zip",
    "audio/*",
    "font/woff",
    "font/woff2",
    "image/avif",
    "image/gif",
    "image/jpeg",
    "image/png",
    "image/webp",
    "text/event-stream",
    "video/*",
)

_GZIP_WBITS = 16 + zlib.MAX_WBITS  # zlib writes the RFC 1952 header and trailer

_ACCEPT_CACHE: dict[bytes, bool] = {}
_ACCEPT_CACHE_SIZE = 256

# Responder states.
_WAITING = 0  # nothing sent yet
_HELD = 1  # http.response.start kept until the first body message
_STREAMING = 2  # compressing every body message
_PASSING = 3  # everything goes out unchanged


def accepts_gzip(accept_encoding: bytes) -> bool:
    """Whether an ``Accept-Encoding`` value allows gzip (RFC 9110 §12.5.3)."""
    value = accept_encoding.lower()
    if b"gzip" not in value and b"*" not in value:
        return False
    gzip_q: float | None = None
    star_q: float | None = None
    for item in value.split(b","):
        coding, _, params = item.partition(b";")
        coding = coding.strip()
        if coding not in (b"gzip", b"x-gzip", b"*"):
            continue
        q = 1.0
        for param in params.split(b";"):
            key, _, number = param.partition(b"=")
            if key.strip() == b"q":
                try:
                    q = float(number.strip())
                except ValueError:
                    q = 0.0
        if coding == b"*":
            star_q = q
        else:
            gzip_q = q if gzip_q is None else max(gzip_q, q)
    if gzip_q is not None:
        return gzip_q > 0
    return star_q is not None and star_q > 0


class GZipMiddleware:
    """Compress response bodies for clients that accept gzip."""

    marks_response_start = True
    """What it raises is marked by whether its own start went out: it holds the inner
    app's start back, so an inner mark alone would be wrong (``asgiweb.middleware.
    marks_response_start``); a subclass must say so again in its own body."""

    def __init__(
        self,
        app: ASGIApp,
        minimum_size: int = 500,
        compresslevel: int = 9,
        thread_minimum_size: int | None = 128 * 1024,
        *,
        exclude_content_types: Collection[str] = DEFAULT_EXCLUDED_CONTENT_TYPES,
    ) -> None:
        if not isinstance(minimum_size, int) or minimum_size < 0:
            raise ValueError(
                f"GZipMiddleware minimum_size must be an int >= 0, not {minimum_size!r}"
            )
        if not isinstance(compresslevel, int) or not -1 <= compresslevel <= 9:
            raise ValueError(f"GZipMiddleware compresslevel must be -1..9, not {compresslevel!r}")
        self.app = app
        self.minimum_size = minimum_size
        self.compresslevel = compresslevel
        self.thread_minimum_size = thread_minimum_size
        exact: set[bytes] = set()
        prefixes: list[bytes] = []
        if isinstance(exclude_content_types, str):
            exclude_content_types = (exclude_content_types,)
        for media_type in exclude_content_types:
            # A media type's parameters (``; charset=...``) do not narrow the rule:
            # ``text/plain; charset=utf-8`` excludes every ``text/plain`` (as Starlette).
            encoded = media_type.partition(";")[0].strip().lower().encode("latin-1")
            if encoded.endswith(b"/*"):
                prefixes.append(encoded[:-1])
            else:
                exact.add(encoded)
                # gRPC's content types carry a suffix: application/grpc+proto.
                prefixes.append(encoded + b"+")
        self._excluded = frozenset(exact)
        self._excluded_prefixes = tuple(prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] == "HEAD":
            await self.app(scope, receive, send)
            return
        accept: bytes | None = None
        for name, value in scope["headers"]:
            if name == b"accept-encoding":
                accept = value if accept is None else accept + b"," + value
        gzip = False
        if accept is not None:
            # PERF: parsing costs ~1 us per request; clients send a handful of
            # distinct values, so a small cache makes it ~20 ns (timeit, 2026-11-23).
            # Only short values are kept, so the cache stays small whatever is sent.
            cached = _ACCEPT_CACHE.get(accept)
            if cached is None:
                cached = accepts_gzip(accept)
                if len(accept) <= 128:
                    if len(_ACCEPT_CACHE) >= _ACCEPT_CACHE_SIZE:
                        _ACCEPT_CACHE.clear()
                    _ACCEPT_CACHE[accept] = cached
            gzip = cached
        gzip_send = _GZipSend(self, send, gzip)
        try:
            await self.app(scope, receive, gzip_send)
        except Exception as exc:
            # The inner app's start may still be held here: what counts is whether
            # ours went out (see marks_response_start).
            mark_response_started(exc, gzip_send.started)
            raise

    def compressible(self, start: Message) -> bool:
        """Whether a response may be compressed, judged on its start message."""
        status = start.get("status", 200)
        if status < 200 or status in (204, 206, 304):
            return False
        for name, value in start.get("headers", ()):
            name = name.lower()
            if name == b"content-encoding" or name == b"content-range":
                return False
            if name == b"content-type":
                media_type = value.partition(b";")[0].strip().lower()
                if media_type in self._excluded or media_type.startswith(self._excluded_prefixes):
                    return False
        return True

    async def compress(self, compressor: zlib._Compress, body: bytes, mode: int) -> bytes:
        """Compress one message, in a worker thread when it is big.

        PERF: level 9 deflates about 20-40 MB/s on this kind of machine, so a
        128 KiB body would hold the event loop for several milliseconds; the
        thread hop costs ~0.1 ms, and zlib releases the GIL while it works.
        """
        limit = self.thread_minimum_size
        if limit is None or len(body) < limit:
            return compressor.compress(body) + compressor.flush(mode)
        def work() -> bytes:
            return compressor.compress(body) + compressor.flush(mode)

        return await run_in_threadpool(work)


def _compressed_headers(start: Message, length: int | None) -> RawHeaders:
    headers: RawHeaders = []
    for name, value in start.get("headers", ()):
        lowered = name.lower()
        if lowered == b"content-length":
            continue
        if lowered == b"etag" and not value.startswith(b"W/"):
            value = b"W/" + value
        headers.append((name, value))
    headers.append((b"content-encoding", b"gzip"))
    if length is not None and not start.get("trailers", False):
        headers.append((b"content-length", str(length).encode("ascii")))
    add_vary(headers, b"Accept-Encoding")
    return headers


def _vary_headers(start: Message) -> RawHeaders:
    headers: RawHeaders = list(start.get("headers", ()))
    add_vary(headers, b"Accept-Encoding")
    return headers


class _GZipSend:
    """The ``send`` handed to the app for one response."""

    __slots__ = ("_compressor", "_gzip", "_middleware", "_send", "_start", "_state")

    def __init__(self, middleware: GZipMiddleware, send: Send, gzip: bool) -> None:
        self._middleware = middleware
        self._send = send
        self._gzip = gzip
        self._state = _WAITING
        self._start: Message | None = None
        self._compressor: zlib._Compress | None = None

    @property
    def started(self) -> bool:
        """Whether the response start may have gone out (it is passed on, or being sent)."""
        state = self._state
        return state in (_PASSING, _STREAMING)

    async def __call__(self, message: Message) -> None:
        state = self._state
        if state == _PASSING:
            await self._send(message)
        elif state == _STREAMING:
            await self._stream(message)
        elif state == _WAITING:
            if message["type"] == "http.response.start":
                if self._middleware.compressible(message):
                    self._start = message
                    self._state = _HELD
                    return
                self._state = _PASSING
            await self._send(message)  # e.g. an early hint, before the start
        else:
            await self._first_body(message)

    async def _first_body(self, message: Message) -> None:
        start = self._start
        assert start is not None
        self._start = None
        send = self._send
        if message["type"] != "http.response.body":
            self._state = _PASSING
            await send(start)
            await send(message)
            return
        body = message.get("body", b"")
        more = message.get("more_body", False)
        middleware = self._middleware
        if not more and (not body or len(body) < middleware.minimum_size):
            self._state = _PASSING
            await send(start)
            await send(message)
            return
        if not self._gzip:
            # Would have been compressed for another client: caches must know.
            self._state = _PASSING
            await send({**start, "headers": _vary_headers(start)})
            await send(message)
            return
        compressor = zlib.compressobj(middleware.compresslevel, zlib.DEFLATED, _GZIP_WBITS)
        if not more:
            data = await middleware.compress(compressor, body, zlib.Z_FINISH)
            self._state = _PASSING  # after compressing: a failure there comes before the start
            await send({**start, "headers": _compressed_headers(start, len(data))})
            await send({**message, "body": data})
            return
        self._compressor = compressor
        self._state = _STREAMING
        await send({**start, "headers": _compressed_headers(start, None)})
        await self._stream(message)

    async def _stream(self, message: Message) -> None:
        if message["type"] != "http.response.body":
            await self._send(message)
            return
        compressor = self._compressor
        assert compressor is not None
        body = message.get("body", b"")
        if message.get("more_body", False):
            data = (
                await self._middleware.compress(compressor, body, zlib.Z_SYNC_FLUSH)
                if body
                else b""
            )
        else:
            self._compressor = None
            self._state = _PASSING
            data = await self._middleware.compress(compressor, body, zlib.Z_FINISH)
        await self._send({**message, "body": data})
