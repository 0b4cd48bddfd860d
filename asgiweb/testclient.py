"""In-process test client for any ASGI 3 application: no sockets, no httpx.

Theory of operation: the app runs on ONE event loop in a background thread (an
anyio blocking portal) for as long as the client is open (``with TestClient(app)``;
without ``with`` each request gets its own short-lived loop and no lifespan).  The
test thread drives it through the portal.  Each request is an :class:`Exchange`,
the server side of one ASGI conversation, run as a task.  Response body chunks
cross to the test thread through a zero-buffer memory stream: the test sees each
chunk as the app sends it, and the app's ``send()`` waits until the test has taken
it, so an endless stream never piles up in memory.

The server side of the conversation, and the rules it enforces, live in
``asgiweb._testserver``.

Errors: with ``raise_server_exceptions`` (the default) the app's own exception
object reaches the test, whenever it happens: before the response (from the
request call), mid-body (while reading), after the body (when the request call
returns).  Without it, an app that failed before starting gets a plain 500 and
one that failed later gives what it had sent.
"""

from __future__ import annotations

import base64
import codecs
import contextlib
import json as jsonlib
import re
import time
import zlib
from collections.abc import Iterable, Iterator, Mapping, MutableMapping, Sequence
from http import HTTPStatus
from types import TracebackType
from typing import Any, TypedDict, Unpack
from urllib.parse import SplitResult, quote, unquote, urlencode, urljoin, urlsplit

from anyio.from_thread import BlockingPortal, start_blocking_portal

from asgiweb._http import (
    RawHeaders,
    parse_http_date,
    quote_request_cookie_value,
    unquote_cookie_value,
    validate_header,
)
from asgiweb._testserver import (
    ASGI_VERSION,
    Exchange,
    LifespanRunner,
    StreamHandle,
    WebSocketExchange,
)
from asgiweb.datastructures import URL, Headers
from asgiweb.exceptions import WebSocketDisconnect
from asgiweb.types import ASGIApp, Message, Scope
from asgiweb.websockets import DISCONNECTS_EXTENSION

__all__ = [
    "ClientRequest",
    "ClientResponse",
    "HTTPStatusError",
    "LifespanError",
    "RequestOptions",
    "TestClient",
    "WebSocketDenialResponse",
    "WebSocketTestSession",
    "encode_multipart",
]

ParamsType = Mapping[str, Any] | Sequence[tuple[str, Any]] | str
HeaderPairs = Mapping[str, str] | Sequence[tuple[str, str]]

_REDIRECTS = (301, 302, 303, 307, 308)
_MAX_REDIRECTS = 20
_READ_SIZE = 65536  # a large body reaches the app in several messages, as from a socket
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"
_CHARSET = re.compile(r"charset=[\"']?([\w.:-]+)", re.IGNORECASE)


class RequestOptions(TypedDict, total=False):
    """Keyword arguments of every request method (``timeout`` is accepted and ignored)."""

    params: ParamsType | None
    headers: HeaderPairs | None
    cookies: Mapping[str, str] | None
    content: bytes | str | Iterable[bytes] | None  # an iterator is sent in several messages
    data: Any  # a mapping is sent urlencoded (or as multipart fields beside files=)
    files: Any  # sent as multipart/form-data, as httpx takes it (see encode_multipart)
    json: Any
    follow_redirects: bool | None
    auth: tuple[str | bytes, str | bytes] | None  # HTTP Basic, as httpx takes it
    timeout: Any


class LifespanError(RuntimeError):
    """The app answered ``lifespan.startup.failed`` or ``lifespan.shutdown.failed``."""


class HTTPStatusError(Exception):
    """Raised by :meth:`ClientResponse.raise_for_status` for a 4xx or 5xx answer."""

    def __init__(self, message: str, *, response: ClientResponse) -> None:
        super().__init__(message)
        self.response = response


class ClientHeaders(MutableMapping[str, str]):
    """The headers a client sends with every request (``client.headers``), as httpx
    keeps them: case-insensitive, one value a name, editable; they start as
    httpx's defaults (``accept``, ``accept-encoding``, ``connection``,
    ``user-agent: testclient``), so ``client.headers.clear()`` leaves only the
    ``host`` and body headers each request adds (docs/api.md, "TestClient")."""

    def __init__(self, headers: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        self._items: dict[str, tuple[str, str]] = {}  # lower-case name -> (name, value)
        self.update(headers)

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()][1]

    def __setitem__(self, name: str, value: str) -> None:
        self._items[name.lower()] = (name, value)

    def __delitem__(self, name: str) -> None:
        del self._items[name.lower()]

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict(self.items())!r})"

    def copy(self) -> ClientHeaders:
        return ClientHeaders(self.items())


_LENGTH_HEADERS = frozenset(("transfer-encoding", "content-length"))

DEFAULT_HEADERS = (
    ("accept", "*/*"),
    ("accept-encoding", "gzip, deflate"),
    ("connection", "keep-alive"),
    ("user-agent", "testclient"),
)


class ClientCookies(MutableMapping[str, str]):
    """Cookies by name (``client.cookies``, ``response.cookies``), with httpx's
    ``set``/``get``/``delete``/``clear`` spellings.  There is one jar per client
    and every cookie in it goes with every request: ``domain`` and ``path`` are
    accepted and not used to scope them (docs/api.md, "TestClient")."""

    def __init__(self, cookies: Mapping[str, str] | None = None) -> None:
        self._jar: dict[str, str] = dict(cookies or {})

    def __getitem__(self, name: str) -> str:
        return self._jar[name]

    def __setitem__(self, name: str, value: str) -> None:
        self._jar[name] = value

    def __delitem__(self, name: str) -> None:
        del self._jar[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._jar)

    def __len__(self) -> int:
        return len(self._jar)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._jar!r})"

    def set(self, name: str, value: str, domain: str = "", path: str = "/") -> None:
        self._jar[name] = value

    def get(  # type: ignore[override]
        self,
        name: str,
        default: str | None = None,
        domain: str | None = None,
        path: str | None = None,
    ) -> str | None:
        return self._jar.get(name, default)

    def delete(self, name: str, domain: str | None = None, path: str | None = None) -> None:
        self._jar.pop(name, None)

    def clear(self, domain: str | None = None, path: str | None = None) -> None:
        self._jar.clear()


def basic_auth(auth: tuple[str | bytes, str | bytes]) -> str:
    """The ``Authorization`` value httpx sends for ``auth=(user, password)`` (RFC 7617)."""
    user, password = (part.encode("utf-8") if isinstance(part, str) else part for part in auth)
    return "Basic " + base64.b64encode(user + b":" + password).decode("ascii")


class ClientRequest:
    """What the client sent (``response.request``), kept so redirects can replay it."""

    def __init__(
        self,
        method: str,
        url: str,
        headers: RawHeaders,
        body: list[bytes],
        replay: tuple[list[tuple[str, str]], dict[str, str], list[bytes] | None, bool],
    ) -> None:
        parts = urlsplit(url)
        self.method = method
        self.url = URL(parts.scheme, parts.netloc, parts.path, parts.query)
        self.headers = Headers(raw=headers)
        self.body = body
        self.replay = replay  # (user headers, per-request cookies, body or None, chunked)

    @property
    def content(self) -> bytes:
        return b"".join(self.body)


class ClientResponse:
    """A response as the test sees it; streamed from the app until read."""

    def __init__(
        self,
        status_code: int,
        headers: RawHeaders,
        request: ClientRequest,
        stream: StreamHandle | None = None,
        content: bytes = b"",
    ) -> None:
        self.status_code = status_code
        self.headers = Headers(raw=headers)
        self.request = request
        self.url = request.url
        self.history: list[ClientResponse] = []
        self.cookies = ClientCookies()
        self._stream = stream
        self._buffer: list[bytes] = []
        self._raw: bytes | None = None if stream is not None else content
        self._content: bytes | None = None

    def __repr__(self) -> str:
        return f"<ClientResponse [{self.status_code} {self.reason_phrase}]>"

    @property
    def reason_phrase(self) -> str:
        try:
            return HTTPStatus(self.status_code).phrase
        except ValueError:
            return ""

    @property
    def ok(self) -> bool:
        return self.status_code < 400

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    @property
    def is_error(self) -> bool:
        return self.status_code >= 400

    @property
    def is_redirect(self) -> bool:
        return self.status_code in _REDIRECTS and "location" in self.headers

    @property
    def encoding(self) -> str:
        match = _CHARSET.search(self.headers.get("content-type", ""))
        if match is not None:
            try:
                return codecs.lookup(match.group(1)).name
            except LookupError:
                pass
        return "utf-8"

    def iter_raw(self) -> Iterator[bytes]:
        """Body chunks as the app sent them, still content-encoded.

        Reading a stream that was partly iterated continues where it stopped;
        after the stream ended, the whole body comes back as one chunk.
        """
        if self._raw is not None:
            if self._raw:
                yield self._raw
            return
        stream = self._stream
        assert stream is not None
        while chunks := stream.pull():
            self._buffer.extend(chunks)
            yield from chunks
        if stream.ended or stream.closed:
            self._raw = b"".join(self._buffer)

    def iter_bytes(self) -> Iterator[bytes]:
        """Body chunks as the app sends them, with gzip/deflate content-encoding undone."""
        decoder = _decoder(self.headers.get("content-encoding", ""))
        for chunk in self.iter_raw():
            data = chunk if decoder is None else decoder.decompress(chunk)
            if data:
                yield data
        if decoder is not None and (tail := decoder.flush()):
            yield tail

    def iter_text(self) -> Iterator[str]:
        decoder = codecs.getincrementaldecoder(self.encoding)(errors="replace")
        for chunk in self.iter_bytes():
            if text := decoder.decode(chunk):
                yield text
        if tail := decoder.decode(b"", final=True):
            yield tail

    def iter_lines(self) -> Iterator[str]:
        pending = ""
        for text in self.iter_text():
            lines = (pending + text).splitlines(keepends=True)
            pending = lines.pop() if lines and not lines[-1].endswith(("\n", "\r")) else ""
            yield from (line.rstrip("\r\n") for line in lines)
        if pending:
            yield pending

    def read(self) -> bytes:
        if self._raw is None and self._stream is not None:
            self._buffer.extend(self._stream.pull(drain=True))
            self._raw = b"".join(self._buffer)
        return self.content

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()

    @property
    def content(self) -> bytes:
        if self._content is None:
            if self._raw is None:
                self.read()
            raw = self._raw or b""
            decoder = _decoder(self.headers.get("content-encoding", ""))
            self._content = raw if decoder is None else decoder.decompress(raw) + decoder.flush()
        return self._content

    @property
    def text(self) -> str:
        return self.content.decode(self.encoding, errors="replace")

    def json(self, **kwargs: Any) -> Any:
        return jsonlib.loads(self.content, **kwargs)

    def raise_for_status(self) -> ClientResponse:
        if self.status_code >= 400:
            kind = "Client" if self.status_code < 500 else "Server"
            raise HTTPStatusError(
                f"{kind} error '{self.status_code} {self.reason_phrase}' for url '{self.url}'",
                response=self,
            )
        return self


def _decoder(encoding: str) -> zlib._Decompress | None:
    """A zlib decompressor for a gzip/deflate body, or None for any other encoding.

    The client offers ``accept-encoding: gzip, deflate`` as real clients do, so
    it undoes them as httpx does: ``wbits | 32`` accepts gzip and zlib framing.
    """
    if encoding.strip().lower() in ("gzip", "x-gzip", "deflate"):
        return zlib.decompressobj(zlib.MAX_WBITS | 32)
    return None


def _parse_set_cookie(header: str) -> tuple[str, str, bool] | None:
    """``(name, value, expired)`` from one set-cookie header, None if it has no name.

    The value is what follows ``name=`` up to the first ``;``, with RFC 6265
    surrounding double quotes removed.  ``max-age`` wins over ``expires``.
    """
    pair, *attributes = header.split(";")
    name, sep, value = pair.partition("=")
    name, value = name.strip(), value.strip()
    if not sep or not name:
        return None
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = unquote_cookie_value(value[1:-1])
    max_age: bool | None = None
    expires: bool | None = None
    for attribute in attributes:
        key, _, raw = attribute.partition("=")
        key, raw = key.strip().lower(), raw.strip()
        if key == "max-age":
            with contextlib.suppress(ValueError):
                max_age = int(raw) <= 0
        elif key == "expires":
            when = parse_http_date(raw)
            if when is not None:
                expires = when <= time.time()
    expired = max_age if max_age is not None else bool(expires)
    return name, value, expired


def _origin(scheme: str, host: str | None, port: int | None) -> tuple[str, str, int | None]:
    return scheme, host or "", port or {"http": 80, "https": 443}.get(scheme)


def _keeps_credentials(source: URL, target: SplitResult) -> bool:
    """Whether ``Authorization`` survives a redirect: same origin (scheme, host,
    port), or the upgrade of a default-port http URL to https on the same host."""
    before = urlsplit(str(source))
    old = _origin(before.scheme, before.hostname, before.port)
    new = _origin(target.scheme, target.hostname, target.port)
    return old == new or (old == ("http", new[1], 80) and new[0] == "https" and new[2] == 443)


def _pairs(headers: HeaderPairs | None) -> list[tuple[str, str]]:
    if headers is None:
        return []
    items = headers.items() if isinstance(headers, Mapping) else headers
    return [(str(k).lower(), str(v)) for k, v in items]


def _override(base: list[tuple[str, str]], extra: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Headers named in ``extra`` replace every same-named one in ``base``."""
    names = {name for name, _ in extra}
    return [item for item in base if item[0] not in names] + extra


def _query_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _encode_params(params: ParamsType) -> str:
    if isinstance(params, str):
        return params
    items = params.items() if isinstance(params, Mapping) else params
    pairs: list[tuple[str, str]] = []
    for key, value in items:
        values = value if isinstance(value, list | tuple) else [value]
        pairs.extend((str(key), _query_value(v)) for v in values)
    return urlencode(pairs)


def _encode_body(
    content: bytes | str | Iterable[bytes] | None, data: Any, json: Any, files: Any = None
) -> tuple[list[bytes] | None, str | None, bool]:
    """``(chunks, content-type, chunked)`` for the body arguments given."""
    if files:
        if content is not None or json is not None:
            raise TypeError("files= goes with data= only, not with content= or json=.")
        body, content_type = encode_multipart(data or {}, files)
        return _split(body), content_type, False
    if sum(x is not None for x in (content, data, json)) > 1:
        raise TypeError("Pass at most one of content=, data= and json=.")
    if isinstance(data, str | bytes):
        content, data = data, None
    if isinstance(content, str):
        content = content.encode()
    if isinstance(content, bytes | bytearray | memoryview):
        return _split(bytes(content)), None, False
    if content is not None:
        chunks = list(content)
        if not all(isinstance(chunk, bytes) for chunk in chunks):
            raise TypeError("An iterator body must yield bytes.")
        return chunks, None, True
    if data is not None:
        form = _encode_params(data).encode()
        return _split(form), "application/x-www-form-urlencoded", False
    if json is not None:
        text = jsonlib.dumps(json, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        return _split(text.encode()), "application/json", False
    return None, None, False


def _quote_disposition(value: str) -> str:
    # RFC 7578 section 4.2: a quoted-string; browsers percent-escape the double
    # quote and line breaks in names and filenames.
    return value.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def _field_bytes(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    return _query_value(value).encode()


def _file_part(name: str, value: Any) -> tuple[list[str], bytes]:
    """The part headers and the content of one ``files=`` entry."""
    import mimetypes  # only when a test sends files

    content_type: str | None = None
    extra: Mapping[str, str] = {}
    if isinstance(value, tuple):
        filename, fileobj = value[0], value[1]
        if len(value) > 2:
            content_type = value[2]
        if len(value) > 3:
            extra = value[3]
    else:
        fileobj = value
        raw_name = getattr(value, "name", None)
        filename = raw_name.rsplit("/", 1)[-1] if isinstance(raw_name, str) else "upload"
    if isinstance(fileobj, str):
        content = fileobj.encode()
    elif isinstance(fileobj, bytes | bytearray | memoryview):
        content = bytes(fileobj)
    else:
        read = fileobj.read()
        content = read.encode() if isinstance(read, str) else bytes(read)
    disposition = f'form-data; name="{_quote_disposition(name)}"'
    if filename is not None:
        disposition += f'; filename="{_quote_disposition(filename)}"'
        if content_type is None:
            content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    headers = [f"Content-Disposition: {disposition}"]
    headers.extend(f"{k}: {v}" for k, v in extra.items())
    if content_type is not None and not any(k.lower() == "content-type" for k in extra):
        headers.append(f"Content-Type: {content_type}")
    return headers, content


def encode_multipart(data: Any, files: Any) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body (RFC 7578): the ``data`` fields, then ``files``.

    ``files`` is a mapping or a list of ``(name, value)`` pairs (a list may repeat
    a name); a value is a file object, bytes, or ``(filename, file_or_bytes[,
    content_type[, headers]])``, as httpx takes it.
    """
    import secrets  # only when a test sends files

    boundary = secrets.token_hex(16)
    dash = f"--{boundary}\r\n".encode()
    out: list[bytes] = []
    fields = data.items() if isinstance(data, Mapping) else data
    for key, value in fields:
        for item in value if isinstance(value, list | tuple) else [value]:
            head = f'Content-Disposition: form-data; name="{_quote_disposition(str(key))}"'
            out += [dash, head.encode(), b"\r\n\r\n", _field_bytes(item), b"\r\n"]
    entries = files.items() if isinstance(files, Mapping) else files
    for key, value in entries:
        headers, content = _file_part(str(key), value)
        out += [dash, "\r\n".join(headers).encode(), b"\r\n\r\n", content, b"\r\n"]
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


class WebSocketDenialResponse(ClientResponse, WebSocketDisconnect):
    """The HTTP response an app refused a WebSocket handshake with (the ASGI
    WebSocket Denial Response extension, which the TestClient offers as
    Starlette's does), raised by ``websocket_connect``'s ``with``: a response
    (``status_code``, ``headers``, ``json()``...) and a ``WebSocketDisconnect``
    (code 1000), so either ``except`` catches it."""

    def __init__(
        self, status_code: int, headers: RawHeaders, request: ClientRequest, content: bytes
    ) -> None:
        ClientResponse.__init__(self, status_code, headers, request, content=content)
        WebSocketDisconnect.__init__(self, 1000, "")

    def __str__(self) -> str:
        return f"the WebSocket handshake was refused with HTTP {self.status_code}"


def _split(body: bytes) -> list[bytes]:
    """Cut a body into the pieces a real server's socket reads would deliver."""
    return [body[i : i + _READ_SIZE] for i in range(0, len(body), _READ_SIZE)] or [b""]


class WebSocketTestSession:
    """The test's end of one WebSocket connection (``client.websocket_connect(...)``).

    Entering the ``with`` block sends the handshake and waits for the app's
    answer: ``websocket.accept`` (``accepted_subprotocol`` and
    ``extra_headers`` are then set), or ``websocket.close`` before accepting,
    raised as ``WebSocketDisconnect(code, reason)`` (a real client would see
    HTTP 403).  A close from the app is raised as ``WebSocketDisconnect`` by
    the next ``receive_*``; an app that returns without closing counts as a
    close with 1000, one that raised re-raises its error here (with
    ``raise_server_exceptions``, else a close with 1011).  Leaving the block
    closes with 1000 if nobody closed yet, and waits for the app to end.
    """

    __test__ = False

    def __init__(
        self, client: TestClient, scope: Scope, request: ClientRequest | None = None
    ) -> None:
        self.client = client
        self.scope = scope
        self.request = request  # the handshake, for a WebSocketDenialResponse
        self.accepted_subprotocol: str | None = None
        self.extra_headers: list[tuple[bytes, bytes]] = []
        self._stack: contextlib.ExitStack | None = None
        self._portal: BlockingPortal | None = None
        self._exchange: WebSocketExchange | None = None
        self._closed = False  # by this side
        self._ended = False  # the app closed or returned
        self._reported = False

    def __enter__(self) -> WebSocketTestSession:
        with contextlib.ExitStack() as stack:
            portal = self._portal = stack.enter_context(self.client._portal_scope())
            exchange = self._exchange = portal.call(WebSocketExchange, self.client.app, self.scope)
            portal.start_task_soon(exchange.run)
            stack.callback(self._finish)
            portal.call(exchange.to_app, {"type": "websocket.connect"})
            message = self._next()
            if message["type"] == "websocket.close":
                raise WebSocketDisconnect(message.get("code", 1000), message.get("reason", ""))
            if message["type"] == "websocket.http.response.start":
                raise self._denial(message)
            if message["type"] != "websocket.accept":
                raise RuntimeError(
                    f"Expected 'websocket.accept' or 'websocket.close', got {message['type']!r}."
                )
            self.accepted_subprotocol = message.get("subprotocol")
            self.extra_headers = list(message.get("headers") or ())
            self._stack = stack.pop_all()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        stack, self._stack = self._stack, None
        if stack is None:
            return
        try:
            if not self._closed and not self._ended:
                self.close(1000)
        finally:
            if exc_type is None:
                stack.close()
            else:
                with contextlib.suppress(Exception):  # the block's own error comes first
                    stack.close()

    def _denial(self, start: Message) -> WebSocketDenialResponse:
        """The refusal the app started with ``start``: its body messages read to the end."""
        body: list[bytes] = []
        while True:
            message = self._next()
            if message["type"] != "websocket.http.response.body":
                raise RuntimeError(
                    "Expected 'websocket.http.response.body', but the app sent "
                    f"{message['type']!r}."
                )
            body.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        request = self.request
        if request is None:
            url = f"{self.scope.get('scheme', 'ws')}://testserver{self.scope.get('path', '/')}"
            request = ClientRequest("GET", url, [], [], ([], {}, None, False))
        headers = list(start.get("headers") or ())
        return WebSocketDenialResponse(start["status"], headers, request, b"".join(body))

    def _finish(self) -> None:
        portal, exchange = self._portal, self._exchange
        assert portal is not None and exchange is not None
        if not self._closed:
            self._closed = True
            portal.call(exchange.to_app, {"type": "websocket.disconnect", "code": 1000})
        if not portal.call(exchange.finish, self.client.disconnect_grace):
            raise RuntimeError(
                f"The WebSocket app did not stop within {2 * self.client.disconnect_grace}s "
                "of the client leaving, even when cancelled."
            )
        self._report()
        # A WebSocketDisconnect the app's handler left uncaught (the router ends it
        # quietly and reports it here): raised once the session ends, as Starlette's
        # TestClient raises it (docs/websockets.md).
        disconnects = self.scope["extensions"].get(DISCONNECTS_EXTENSION)
        if disconnects and self.client.raise_server_exceptions and not self._reported:
            self._reported = True
            raise disconnects[0]

    def _report(self) -> None:
        exchange = self._exchange
        assert exchange is not None
        error = exchange.error
        if error is not None and self.client.raise_server_exceptions and not self._reported:
            self._reported = True
            raise error

    def _next(self, timeout: float | None = None) -> Message:
        """The app's next message; an app that returned gives a synthetic close."""
        portal, exchange = self._portal, self._exchange
        assert portal is not None and exchange is not None
        if self._ended:
            raise RuntimeError("The app has already closed this WebSocket.")
        message = portal.call(exchange.from_app, timeout)
        if message is None:
            self._ended = True
            self._report()
            code = 1011 if exchange.error is not None else 1000
            return {"type": "websocket.close", "code": code, "reason": ""}
        if message["type"] == "websocket.close":
            self._ended = True
        return message

    # -- sending ---------------------------------------------------------------------

    def send(self, message: Message) -> None:
        """Send a raw ASGI message to the app (``websocket.receive``/``websocket.disconnect``)."""
        portal, exchange = self._portal, self._exchange
        if portal is None or exchange is None:
            raise RuntimeError("The WebSocket session is not open (use it in a with block).")
        if self._closed:
            raise RuntimeError("This WebSocket session has already been closed.")
        if message.get("type") == "websocket.disconnect":
            self._closed = True
        portal.call(exchange.to_app, message)

    def send_text(self, data: str) -> None:
        self.send({"type": "websocket.receive", "text": data})

    def send_bytes(self, data: bytes) -> None:
        self.send({"type": "websocket.receive", "bytes": data})

    def send_json(self, data: Any, mode: str = "text") -> None:
        text = jsonlib.dumps(data, separators=(",", ":"), ensure_ascii=False)
        if mode == "text":
            self.send_text(text)
        elif mode == "binary":
            self.send_bytes(text.encode("utf-8"))
        else:
            raise RuntimeError('The "mode" argument should be "text" or "binary".')

    def close(self, code: int = 1000, reason: str | None = None) -> None:
        """Close from the client side: the app's next ``receive()`` is a disconnect."""
        self.send({"type": "websocket.disconnect", "code": code, "reason": reason or ""})

    # -- receiving -------------------------------------------------------------------

    def receive(self, timeout: float | None = None) -> Message:
        """The app's next ASGI message (``timeout`` seconds at most, if given)."""
        return self._next(timeout)

    def _data(self, timeout: float | None) -> Message:
        message = self._next(timeout)
        if message["type"] == "websocket.close":
            raise WebSocketDisconnect(message.get("code", 1000), message.get("reason", ""))
        if message["type"] == "websocket.http.response.start":
            raise self._denial(message)  # as Starlette's client raises it, at any point
        return message

    def receive_text(self, timeout: float | None = None) -> str:
        text: str | None = self._data(timeout).get("text")
        if text is None:
            raise TypeError("Expected a text message, got a binary one.")
        return text

    def receive_bytes(self, timeout: float | None = None) -> bytes:
        data: bytes | None = self._data(timeout).get("bytes")
        if data is None:
            raise TypeError("Expected a binary message, got a text one.")
        return data

    def receive_json(self, mode: str = "text", timeout: float | None = None) -> Any:
        if mode == "text":
            return jsonlib.loads(self.receive_text(timeout))
        if mode == "binary":
            return jsonlib.loads(self.receive_bytes(timeout).decode("utf-8"))
        raise RuntimeError('The "mode" argument should be "text" or "binary".')


class TestClient:
    """Drive an ASGI 3 app from synchronous test code, in-process."""

    __test__ = False  # not a pytest test class, whatever its name says
    disconnect_grace = 1.0  # seconds an app gets to stop after the client leaves

    def __init__(
        self,
        app: ASGIApp,
        raise_server_exceptions: bool = True,
        base_url: str = "http://testserver",
        root_path: str = "",
        cookies: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        follow_redirects: bool = True,
        *,
        extensions: Mapping[str, Any] | None = None,
        backend: str = "asyncio",
        backend_options: dict[str, Any] | None = None,
    ) -> None:
        self.app = app
        self.raise_server_exceptions = raise_server_exceptions
        self.base_url = base_url
        self.root_path = root_path
        self.cookies = ClientCookies(cookies)
        self.headers = ClientHeaders(DEFAULT_HEADERS)
        self.headers.update(headers or {})
        self.auth: tuple[str | bytes, str | bytes] | None = None  # httpx's client.auth
        self.follow_redirects = follow_redirects
        self.extensions = dict(extensions or {})
        self.backend = backend
        self.backend_options = backend_options
        self._portal: BlockingPortal | None = None
        self._stack: contextlib.ExitStack | None = None
        self._state: dict[str, Any] = {}

    # -- lifespan -------------------------------------------------------------------

    @property
    def app_state(self) -> dict[str, Any]:
        """The lifespan state the app gave its server (Starlette's TestClient's name):
        what the lifespan yielded, inside a ``with`` block."""
        return self._state

    def __enter__(self) -> TestClient:
        if self._stack is not None:
            raise RuntimeError("This TestClient is already open.")
        with contextlib.ExitStack() as stack:
            portal = stack.enter_context(start_blocking_portal(self.backend, self.backend_options))
            self._portal, self._state = portal, {}
            stack.callback(setattr, self, "_portal", None)
            lifespan = portal.call(LifespanRunner, self.app, self._state)
            portal.start_task_soon(lifespan.run)
            if self._lifespan_event(portal, lifespan, "startup"):
                stack.callback(self._lifespan_event, portal, lifespan, "shutdown")
            self._stack = stack.pop_all()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        stack, self._stack = self._stack, None
        if stack is not None:
            stack.__exit__(exc_type, exc, tb)

    def _lifespan_event(self, portal: BlockingPortal, lifespan: LifespanRunner, event: str) -> bool:
        """Run one lifespan step; False when the app turned out not to speak lifespan."""
        reply = portal.call(lifespan.ask, event)
        kind = None if reply is None else reply.get("type")
        if kind != "lifespan.startup.complete":  # the conversation is over: let the app end
            portal.call(lifespan.stop, self.disconnect_grace)
        if reply is None:  # the app returned or raised instead of answering
            if lifespan.error is not None and self.raise_server_exceptions:
                raise lifespan.error
            return False
        if kind == f"lifespan.{event}.failed":
            raise LifespanError(reply.get("message", "")) from lifespan.error
        if kind != f"lifespan.{event}.complete":
            raise RuntimeError(f"Expected 'lifespan.{event}.complete', but the app sent {kind!r}.")
        if lifespan.error is not None and self.raise_server_exceptions:
            raise lifespan.error
        return True

    @contextlib.contextmanager
    def _portal_scope(self) -> Iterator[BlockingPortal]:
        if self._portal is not None:
            yield self._portal
        else:
            with start_blocking_portal(self.backend, self.backend_options) as portal:
                yield portal

    # -- requests -------------------------------------------------------------------

    def _prepare(
        self,
        method: str,
        url: str,
        params: ParamsType | None,
        headers: list[tuple[str, str]],
        cookies: dict[str, str],
        body: list[bytes] | None,
        content_type: str | None,
        chunked: bool,
    ) -> ClientRequest:
        parts = urlsplit(url)
        if not parts.scheme:
            base = urlsplit(self.base_url)
            path = base.path.rstrip("/") + "/" + parts.path.lstrip("/")
            parts = base._replace(path=path, query=parts.query)
        query = parts.query
        if params is not None:  # as httpx: params replace the URL's own query string
            query = _encode_params(params)
        path = quote(parts.path or "/", safe=_PATH_SAFE)
        query = quote(query, safe=_QUERY_SAFE)
        full = f"{parts.scheme}://{parts.netloc}{path}" + (f"?{query}" if query else "")

        # httpx's order: host (and an empty body's length) first, then the client's
        # headers overridden by the request's, then the body's own headers unless given.
        merged = _override(_pairs(self.headers), headers)
        names = {name for name, _ in merged}
        lead = [] if "host" in names else [("host", parts.netloc)]
        tail = []
        if body is not None:
            if chunked:
                tail.append(("transfer-encoding", "chunked"))
            elif "transfer-encoding" not in names:
                tail.append(("content-length", str(sum(map(len, body)))))
            if content_type is not None:
                tail.append(("content-type", content_type))
        elif method in ("POST", "PUT", "PATCH") and not names & _LENGTH_HEADERS:
            lead.append(("content-length", "0"))
        merged = lead + merged + [item for item in tail if item[0] not in names]
        jar = {**self.cookies, **cookies}
        if jar:
            cookie = "; ".join(f"{k}={quote_request_cookie_value(v)}" for k, v in jar.items())
            given = [v for k, v in merged if k == "cookie"]
            merged = _override(merged, [("cookie", "; ".join([*given, cookie]))])
        raw = [validate_header(name, value) for name, value in merged]
        return ClientRequest(method, full, raw, body or [], (headers, cookies, body, chunked))

    def _scope(self, request: ClientRequest) -> Scope:
        url = request.url
        scheme = url.scheme or "http"
        parts = urlsplit(str(url))
        port = parts.port or (443 if scheme in ("https", "wss") else 80)
        root = self.root_path
        path = unquote(url.path)
        raw_path = url.path
        # A URL already under the root path names the whole path, as with
        # Starlette's client (docs/testing.md); any other is put under it.
        under = bool(root) and (path == root or path.startswith(root + "/"))
        root_prefix = "" if under else root
        return {
            "type": "http",
            "asgi": dict(ASGI_VERSION),
            "http_version": "1.1",
            "method": request.method,
            "scheme": scheme,
            "server": (parts.hostname or "testserver", port),
            "client": ("testclient", 50000),
            "root_path": root,
            "path": root_prefix + path,
            "raw_path": (root_prefix + raw_path).encode("ascii"),
            "query_string": url.query.encode("ascii"),
            "headers": list(request.headers.raw),
            "extensions": dict(self.extensions),
            "state": dict(self._state) if self._portal is not None else {},
        }

    def _open(self, portal: BlockingPortal, request: ClientRequest) -> ClientResponse:
        """Start the app on one request; return once it has started its response."""
        pathsend = "http.response.pathsend" in self.extensions
        _, exchange = portal.start_task(
            Exchange.serve, self.app, self._scope(request), request.body, pathsend
        )
        if not exchange.started:  # the app returned or raised before starting a response
            portal.call(exchange.finish, self.disconnect_grace)
            if self.raise_server_exceptions:
                if exchange.error is not None:
                    raise exchange.error
                raise RuntimeError("The app returned without sending 'http.response.start'.")
            headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"21")]
            return ClientResponse(500, headers, request, content=b"Internal Server Error")
        stream = StreamHandle(portal, exchange, self.raise_server_exceptions, self.disconnect_grace)
        response = ClientResponse(exchange.status, exchange.headers, request, stream)
        for header in response.headers.getlist("set-cookie"):
            parsed = _parse_set_cookie(header)
            if parsed is None:
                continue
            name, value, expired = parsed
            if expired:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = response.cookies[name] = value
        return response

    def _redirect(self, request: ClientRequest, response: ClientResponse) -> ClientRequest:
        url = urljoin(str(request.url), response.headers["location"])
        headers, cookies, body, chunked = request.replay
        method = request.method
        content_type = None
        status = response.status_code
        # httpx's rules (what Starlette's TestClient follows): 303 and 302 turn
        # anything but HEAD into GET, 301 turns only POST into GET; 307/308 replay
        # the method and the body.
        if (status in (302, 303) and method != "HEAD") or (status == 301 and method == "POST"):
            method, body, chunked = "GET", None, False
            dropped = ("content-type", "content-length", "transfer-encoding")
            headers = [item for item in headers if item[0] not in dropped]
        elif body is not None:
            content_type = request.headers.get("content-type")
        if not _keeps_credentials(request.url, urlsplit(url)):
            headers = [item for item in headers if item[0] != "authorization"]
        return self._prepare(method, url, None, headers, cookies, body, content_type, chunked)

    def _send(self, portal: BlockingPortal, request: ClientRequest, follow: bool) -> ClientResponse:
        history: list[ClientResponse] = []
        while True:
            response = self._open(portal, request)
            if not (follow and response.is_redirect):
                response.history = history
                return response
            try:
                response.read()
            finally:
                response.close()
            history.append(response)
            if len(history) >= _MAX_REDIRECTS:
                raise RuntimeError(f"Exceeded {_MAX_REDIRECTS} redirects (last: {request.url}).")
            request = self._redirect(request, response)

    @contextlib.contextmanager
    def stream(
        self, method: str, url: str, **options: Unpack[RequestOptions]
    ) -> Iterator[ClientResponse]:
        """Send a request and yield its response unread; iterate it as it streams.

        Leaving the block disconnects the client if the body was not read to the
        end, so the app's next ``receive()`` returns ``http.disconnect``.
        """
        unknown = options.keys() - RequestOptions.__annotations__.keys()
        if unknown:
            raise TypeError(f"Unexpected request option(s): {', '.join(sorted(unknown))}")
        o = options
        body, content_type, chunked = _encode_body(
            o.get("content"), o.get("data"), o.get("json"), o.get("files")
        )
        headers, cookies = _pairs(o.get("headers")), dict(o.get("cookies") or {})
        auth = o.get("auth", self.auth)
        if auth is not None:
            headers = _override(headers, [("authorization", basic_auth(auth))])
        request = self._prepare(
            method.upper(), url, o.get("params"), headers, cookies, body, content_type, chunked
        )
        follow = o.get("follow_redirects")
        follow = self.follow_redirects if follow is None else follow
        with contextlib.ExitStack() as stack:
            portal = stack.enter_context(self._portal_scope())
            response = self._send(portal, request, follow)
            stack.callback(response.close)
            yield response

    def websocket_connect(
        self,
        url: str,
        subprotocols: Sequence[str] | None = None,
        *,
        headers: HeaderPairs | None = None,
        params: ParamsType | None = None,
        cookies: Mapping[str, str] | None = None,
    ) -> WebSocketTestSession:
        """A WebSocket session to use in a ``with`` block (see ``WebSocketTestSession``)."""
        extra = [
            ("connection", "upgrade"),
            ("upgrade", "websocket"),
            ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
            ("sec-websocket-version", "13"),
        ]
        if subprotocols:
            extra.append(("sec-websocket-protocol", ", ".join(subprotocols)))
        request = self._prepare(
            "GET",
            url,
            params,
            _override(extra, _pairs(headers)),
            dict(cookies or {}),
            None,
            None,
            False,
        )
        scope = self._scope(request)
        scheme = "wss" if scope["scheme"] in ("https", "wss") else "ws"
        del scope["method"]
        scope.update(
            type="websocket",
            scheme=scheme,
            subprotocols=list(subprotocols or ()),
            asgi={"version": "3.0", "spec_version": "2.4"},
        )
        scope["extensions"][DISCONNECTS_EXTENSION] = []
        # The ASGI WebSocket Denial Response extension, offered as Starlette's
        # TestClient offers it: a refusal with a response raises WebSocketDenialResponse.
        scope["extensions"].setdefault("websocket.http.response", {})
        return WebSocketTestSession(self, scope, request)

    def request(self, method: str, url: str, **options: Unpack[RequestOptions]) -> ClientResponse:
        with self.stream(method, url, **options) as response:
            response.read()
        return response

    def get(self, url: str, **options: Unpack[RequestOptions]) -> ClientResponse:
        return self.request("GET", url, **options)

    def head(self, url: str, **options: Unpack[RequestOptions]) -> ClientResponse:
        return self.request("HEAD", url, **options)

    def options(self, url: str, **options: Unpack[RequestOptions]) -> ClientResponse:
        return self.request("OPTIONS", url, **options)

    def delete(self, url: str, **options: Unpack[RequestOptions]) -> ClientResponse:
        return self.request("DELETE", url, **options)

    def post(self, url: str, **options: Unpack[RequestOptions]) -> ClientResponse:
        return self.request("POST", url, **options)

    def put(self, url: str, **options: Unpack[RequestOptions]) -> ClientResponse:
        return self.request("PUT", url, **options)

    def patch(self, url: str, **options: Unpack[RequestOptions]) -> ClientResponse:
        return self.request("PATCH", url, **options)
