"""FileResponse: a file from disk, sent in bounded chunks, with ranges and validators.

Rules kept here (RFC 9110, RFC 6266, ASGI HTTP spec and its pathsend extension):
- The file is stat'ed once, when the response is built: a missing path or a
  directory fails there, with the path in the message.  ``content-length``,
  ``last-modified`` (RFC 9110 §8.8.2, the mtime), ``etag`` (a strong tag made
  of mtime and size) and ``accept-ranges: bytes`` come from that stat, unless
  ``headers=`` gives its own ``etag`` or ``last-modified``: conditional requests
  are judged against the validators actually sent.
- The media type is guessed from ``filename`` or the path (``mimetypes``,
  imported on first use); an unknown type is ``application/octet-stream``, as
  in Starlette, so no client is told that bytes of unknown kind are text.
- ``filename`` gives ``content-disposition`` (RFC 6266): ``filename="..."``
  with ``\\`` and ``"`` escaped; a name with non-ASCII or control characters
  also gets ``filename*=utf-8''<percent-encoded>`` (RFC 8187) after an ASCII
  fallback (``_`` for each such character), so any name gives a valid header.
- Conditional and range requests follow ``asgiweb.responses._ranges`` (304, 206 single
  part, 206 ``multipart/byteranges``, 416), for GET and HEAD of a 200 only.  A 304
  keeps the headers but the representation's metadata (RFC 9110 §15.4.5): no
  ``content-*`` or ``accept-ranges``, and ``last-modified`` only without an etag.
- HEAD sends the same headers as GET and no body.
- The body is read in ``CHUNK_SIZE`` pieces in a worker thread, one piece in
  memory at a time, whatever the file size.  When the server lists
  ``http.response.pathsend`` in ``scope["extensions"]`` and the whole file is
  sent, the server is handed the path instead.
- A client that leaves stops the reading: an ``http.disconnect`` seen by a
  watcher task (as in ``StreamingResponse``), or ``OSError`` from ``send``
  under spec 2.4.
"""

from __future__ import annotations

import os
import stat as stat_module
from collections.abc import Mapping
from typing import IO
from urllib.parse import quote

from asgiweb._concurrency import run_in_threadpool
from asgiweb._http import CHUNK_SIZE, http_date, parse_http_date, validate_header
from asgiweb.background import BackgroundTask, BackgroundTasks
from asgiweb.responses._ranges import if_range_allows, not_modified, parse_range
from asgiweb.responses.base import Response, encode_content_type
from asgiweb.responses.streaming import Watch, spec_at_least_2_4
from asgiweb.types import Receive, Scope, Send

__all__ = ["CHUNK_SIZE", "FileResponse", "content_disposition"]

# PERF: a worker-thread hop costs ~70 µs idle and far more under load, while a
# 64 KiB read costs ~12 µs; reading up to 16 chunks (1 MiB) per hop took a fresh
# 1 GiB sparse file from 6.3 s to 3.3 s in-process (the rest is the kernel
# filling the holes), with memory still bounded.
READ_AHEAD = 16
_CONDITIONAL = frozenset({b"range", b"if-range", b"if-none-match", b"if-modified-since"})
# RFC 9110 §15.4.5: a 304 carries no representation metadata but what guides a
# cache update (Last-Modified only when there is no ETag); Starlette's StaticFiles
# sends the same set.
_DROP_ON_304 = frozenset(
    {
        b"content-length",
        b"content-type",
        b"content-disposition",
        b"content-encoding",
        b"content-language",
        b"content-range",
        b"accept-ranges",
    }
)
_DROP_ON_304_WITH_ETAG = _DROP_ON_304 | {b"last-modified"}
_RFC8187_SAFE = "!#$&+-.^_`|~"
UNKNOWN_MEDIA_TYPE = "application/octet-stream"


def content_disposition(disposition_type: str, filename: str) -> str:
    """An RFC 6266 header value; both forms of the name when it is not plain ASCII."""
    escaped = filename.replace("\\", "\\\\").replace('"', '\\"')
    if filename.isascii() and filename.isprintable():
        return f'{disposition_type}; filename="{escaped}"'
    # A control character cannot go in a header, nor a non-ASCII one in the plain
    # form: "_" stands for each there, and filename* carries the real name.
    fallback = "".join(char if " " <= char <= "~" else "_" for char in escaped)
    encoded = quote(filename, safe=_RFC8187_SAFE)
    return f"{disposition_type}; filename=\"{fallback}\"; filename*=utf-8''{encoded}"


class _Reader:
    """Reads slices of one file from worker threads; the file is opened by the first read."""

    __slots__ = ("file", "path")

    def __init__(self, path: str) -> None:
        self.path = path
        self.file: IO[bytes] | None = None

    def read(self, offset: int, stop: int, chunk_size: int, count: int) -> list[bytes]:
        """Up to ``count`` chunks from ``offset`` (never past ``stop``); runs in a worker thread."""
        file = self.file
        if file is None:
            file = self.file = open(self.path, "rb")  # noqa: SIM115 - closed by close()
        file.seek(offset)
        chunks = []
        for _ in range(count):
            size = min(chunk_size, stop - offset)
            if size <= 0:
                break
            chunk = file.read(size)
            if len(chunk) != size:
                raise RuntimeError(f"FileResponse: {self.path!r} changed size while being sent")
            chunks.append(chunk)
            offset += size
        return chunks

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


class FileResponse(Response):
    """A file on disk; see the module docstring for the protocol rules."""

    chunk_size = CHUNK_SIZE

    def __init__(
        self,
        path: str | os.PathLike[str],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | BackgroundTasks | None = None,
        filename: str | None = None,
        stat_result: os.stat_result | None = None,
        content_disposition_type: str = "attachment",
        method: str | None = None,
    ) -> None:
        self.path = os.fspath(path)
        self.filename = filename
        self.send_header_only = method is not None and method.upper() == "HEAD"
        if media_type is None:
            import mimetypes

            media_type = mimetypes.guess_type(filename or self.path)[0] or UNKNOWN_MEDIA_TYPE
        if stat_result is None:
            # PERF: one stat on the event loop (~2 µs on a local disk) instead of
            # a worker-thread hop (~70 µs, measured in the notes on READ_AHEAD).
            try:
                stat_result = os.stat(self.path)
            except FileNotFoundError:
                raise FileNotFoundError(f"FileResponse: no file at {self.path!r}") from None
        if not stat_module.S_ISREG(stat_result.st_mode):
            raise IsADirectoryError(f"FileResponse: {self.path!r} is not a regular file")
        self.stat_result = stat_result
        self.size = stat_result.st_size
        self.mtime = stat_result.st_mtime
        self.etag = f'"{stat_result.st_mtime_ns:x}-{stat_result.st_size:x}"'
        # Response's own init: no rendered body (b""), headers from init_headers below.
        super().__init__(None, status_code, headers, media_type, background)
        if filename is not None and all(k != b"content-disposition" for k, _ in self.raw_headers):
            self.raw_headers.append(
                validate_header(
                    "content-disposition", content_disposition(content_disposition_type, filename)
                )
            )

    def init_headers(self, headers: Mapping[str, str] | None = None) -> None:
        """Response's rules with the file's size as the length, plus its validators."""
        self.build_headers(
            headers,
            self.size,
            (
                (b"last-modified", http_date(self.mtime).encode("latin-1")),
                (b"etag", self.etag.encode("latin-1")),
                (b"accept-ranges", b"bytes"),
            ),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope.get("method", "GET")
        head = self.send_header_only or method == "HEAD"
        ranges: list[tuple[int, int]] | None = None
        if self.status_code == 200 and method in ("GET", "HEAD"):
            conditions = {k: v for k, v in scope.get("headers", ()) if k in _CONDITIONAL}
            if conditions:
                etag, last_modified = self._validators()
                if not_modified(
                    _text(conditions.get(b"if-none-match")),
                    _text(conditions.get(b"if-modified-since")),
                    etag,
                    last_modified,
                ):
                    await self._send_not_modified(send, etag)
                    await self._run_background()
                    return
                range_header = conditions.get(b"range")
                if range_header is not None and if_range_allows(
                    _text(conditions.get(b"if-range")), etag, last_modified
                ):
                    ranges = parse_range(range_header.decode("latin-1"), self.size)
        if ranges is None:
            await self._send_whole(scope, receive, send, head)
        elif not ranges:
            # A 4xx like any other: {"detail": ...} in JSON (the HEAD answer has no body).
            body = b'{"detail":"Range Not Satisfiable"}'
            await send(
                {
                    "type": "http.response.start",
                    "status": 416,
                    "headers": [
                        (b"content-range", b"bytes */%d" % self.size),
                        (b"content-length", b"%d" % len(body)),
                        (b"content-type", b"application/json"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": b"" if head else body})
        elif len(ranges) == 1:
            await self._send_single(scope, receive, send, head, *ranges[0])
        else:
            await self._send_multipart(scope, receive, send, head, ranges)
        await self._run_background()

    async def _run_background(self) -> None:
        if self.background is not None:
            await self.background()

    def _validators(self) -> tuple[str | None, float | None]:
        """The ``etag`` and ``last-modified`` this response actually sends: the
        file's own unless ``headers=`` (or a later edit) replaced or removed them.
        Conditional requests are judged against these, never against a validator
        the client was not given."""
        etag: str | None = None
        last_modified: float | None = None
        for name, value in self.raw_headers:
            if name == b"etag":
                etag = value.decode("latin-1").strip()
            elif name == b"last-modified":
                last_modified = parse_http_date(value.decode("latin-1"))
        return etag, last_modified

    async def _send_not_modified(self, send: Send, etag: str | None) -> None:
        drop = _DROP_ON_304 if etag is None else _DROP_ON_304_WITH_ETAG
        headers = [(k, v) for k, v in self.raw_headers if k not in drop]
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    async def _send_whole(self, scope: Scope, receive: Receive, send: Send, head: bool) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        if head:
            await send({"type": "http.response.body", "body": b""})
        elif "http.response.pathsend" in scope.get("extensions", {}):
            await send({"type": "http.response.pathsend", "path": os.path.abspath(self.path)})
        else:
            await self._send_parts(scope, receive, send, [(b"", 0, self.size)], b"")

    async def _send_single(
        self, scope: Scope, receive: Receive, send: Send, head: bool, start: int, stop: int
    ) -> None:
        headers = [(k, v) for k, v in self.raw_headers if k != b"content-length"]
        headers.append((b"content-length", b"%d" % (stop - start)))
        headers.append((b"content-range", b"bytes %d-%d/%d" % (start, stop - 1, self.size)))
        await send({"type": "http.response.start", "status": 206, "headers": headers})
        if head:
            await send({"type": "http.response.body", "body": b""})
        else:
            await self._send_parts(scope, receive, send, [(b"", start, stop)], b"")

    async def _send_multipart(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        head: bool,
        ranges: list[tuple[int, int]],
    ) -> None:
        import secrets

        boundary = secrets.token_hex(16).encode("ascii")
        part_type = encode_content_type(self.media_type or "text/plain", self.charset)
        parts = [
            (
                b"--%s\r\ncontent-type: %s\r\ncontent-range: bytes %d-%d/%d\r\n\r\n"
                % (boundary, part_type, start, stop - 1, self.size)
                if i == 0
                else b"\r\n--%s\r\ncontent-type: %s\r\ncontent-range: bytes %d-%d/%d\r\n\r\n"
                % (boundary, part_type, start, stop - 1, self.size),
                start,
                stop,
            )
            for i, (start, stop) in enumerate(ranges)
        ]
        trailer = b"\r\n--%s--\r\n" % boundary
        length = sum(len(head_) + stop - start for head_, start, stop in parts) + len(trailer)
        headers = [
            (k, v) for k, v in self.raw_headers if k not in (b"content-length", b"content-type")
        ]
        headers.append((b"content-type", b"multipart/byteranges; boundary=" + boundary))
        headers.append((b"content-length", b"%d" % length))
        await send({"type": "http.response.start", "status": 206, "headers": headers})
        if head:
            await send({"type": "http.response.body", "body": b""})
        else:
            await self._send_parts(scope, receive, send, parts, trailer)

    async def _send_parts(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        parts: list[tuple[bytes, int, int]],
        trailer: bytes,
    ) -> None:
        """Send each ``(prefix, start, stop)`` slice of the file, then ``trailer``, the end."""
        run_sync = run_in_threadpool
        watch = Watch(None)
        watch.start(receive)
        sending = False
        reader = _Reader(self.path)
        chunk_size = self.chunk_size
        try:
            for prefix, start, stop in parts:
                if prefix:
                    sending = True
                    await send({"type": "http.response.body", "body": prefix, "more_body": True})
                    sending = False
                offset = start
                while offset < stop:
                    if watch.disconnected:
                        return
                    chunks = await run_sync(reader.read, offset, stop, chunk_size, READ_AHEAD)
                    for chunk in chunks:
                        if watch.disconnected:
                            return
                        offset += len(chunk)
                        sending = True
                        await send({"type": "http.response.body", "body": chunk, "more_body": True})
                        sending = False
            sending = True
            await send({"type": "http.response.body", "body": trailer, "more_body": False})
        except OSError:
            # Spec 2.4: send() raising OSError means the client is gone.
            if sending and spec_at_least_2_4(scope):
                return
            raise
        finally:
            watch.stop()
            reader.close()


def _text(value: bytes | None) -> str | None:
    return None if value is None else value.decode("latin-1")
