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
import datetime
import json as jsonlib
import re
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from http import HTTPStatus
from types import TracebackType
from typing import Any, AnyStr, TypedDict, Unpack
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
from asgiweb.datastructures import URL, Headers, MutableHeaders, QueryParams
from asgiweb.exceptions import WebSocketDisconnect
from asgiweb.types import ASGIApp, Message, Scope
from asgiweb.websockets import DISCONNECTS_EXTENSION

__all__ = [
    "ClientRequest",
    "ClientResponse",
    "ClientURL",
    "HTTPStatusError",
    "LifespanError",
    "RequestOptions",
    "TestClient",
    "TooManyRedirects",
    "WebSocketDenialResponse",
    "WebSocketTestSession",
    "encode_multipart",
]

ParamsType = Mapping[str, Any] | Sequence[tuple[str, Any]] | str
HeaderPairs = Mapping[str, str] | Sequence[tuple[str, str]]
EventHook = Callable[..., Any]


class UseClientDefault:
    """The default of ``send(auth=...)``: the client's own ``auth``, as in httpx."""


USE_CLIENT_DEFAULT = UseClientDefault()

_REDIRECTS = (301, 302, 303, 307, 308)
_READ_SIZE = 65536  # a large body reaches the app in several messages, as from a socket
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"
_CHARSET = re.compile(r"charset=[\"']?([\w.:-]+)", re.IGNORECASE)


class RequestOptions(TypedDict, total=False):
    """Keyword arguments of every request method (``timeout`` is accepted and only
    recorded in ``request.extensions``: docs/api.md, "TestClient")."""

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
    extensions: Mapping[str, Any] | None


class BuildOptions(TypedDict, total=False):
    """Keyword arguments of ``build_request`` (httpx's: no ``auth``, no redirects)."""

    params: ParamsType | None
    headers: HeaderPairs | None
    cookies: Mapping[str, str] | None
    content: bytes | str | Iterable[bytes] | None
    data: Any
    files: Any
    json: Any
    timeout: Any
    extensions: Mapping[str, Any] | None


class LifespanError(RuntimeError):
    """The app answered ``lifespan.startup.failed`` or ``lifespan.shutdown.failed``."""


class TooManyRedirects(RuntimeError):
    """More redirects in a row than ``client.max_redirects`` (20), as httpx counts them."""

    def __init__(self, message: str, *, request: ClientRequest) -> None:
        super().__init__(message)
        self.request = request


class HTTPStatusError(Exception):
    """Raised by :meth:`ClientResponse.raise_for_status` for any answer but 2xx, as
    httpx raises it (a 3xx not followed too); ``.request`` and ``.response``."""

    def __init__(
        self, message: str, *, response: ClientResponse, request: ClientRequest | None = None
    ) -> None:
        super().__init__(message)
        self.response = response
        self.request = response.request if request is None else request


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


_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


class ClientURL:
    """A request's or response's URL with httpx's attribute names (``response.url``,
    ``request.url``, ``client.base_url``): ``path`` is percent-decoded, ``query``,
    ``netloc``, ``raw_path`` and ``userinfo`` are bytes, ``port`` is None for the
    scheme's default, ``params`` the parsed query; it equals its string."""

    __slots__ = ("_parts", "_text")

    def __init__(self, url: str | ClientURL | URL = "") -> None:
        self._text = str(url)
        self._parts = urlsplit(self._text)

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        text = self._text
        password = self._parts.password
        if password:  # as httpx shows it: the password hidden
            userinfo = self._parts.netloc.rpartition("@")[0]
            masked = userinfo.rpartition(":")[0] + ":[secure]"
            text = text.replace(userinfo + "@", masked + "@", 1)
        return f"URL({text!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ClientURL | URL | str):
            return self._text == str(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._text)

    @property
    def scheme(self) -> str:
        return self._parts.scheme

    @property
    def host(self) -> str:
        return self._parts.hostname or ""

    @property
    def port(self) -> int | None:
        port = self._parts.port
        return None if port == _DEFAULT_PORTS.get(self.scheme) else port

    @property
    def netloc(self) -> bytes:
        host = self.host
        if ":" in host:  # an IPv6 literal keeps its brackets
            host = f"[{host}]"
        port = self.port
        return (host if port is None else f"{host}:{port}").encode("ascii")

    @property
    def userinfo(self) -> bytes:
        netloc = self._parts.netloc
        return netloc.rpartition("@")[0].encode("ascii") if "@" in netloc else b""

    @property
    def username(self) -> str:
        return unquote(self._parts.username or "")

    @property
    def password(self) -> str:
        return unquote(self._parts.password or "")

    @property
    def path(self) -> str:
        path = self._parts.path or ("/" if self.is_absolute_url else "")
        return unquote(path)

    @property
    def raw_path(self) -> bytes:
        path = self._parts.path or "/"
        query = self._parts.query
        return (f"{path}?{query}" if query else path).encode("ascii")

    @property
    def query(self) -> bytes:
        return self._parts.query.encode("ascii")

    @property
    def params(self) -> QueryParams:
        return QueryParams(self._parts.query)

    @property
    def fragment(self) -> str:
        return self._parts.fragment

    @property
    def is_absolute_url(self) -> bool:
        return bool(self._parts.scheme and self._parts.netloc)

    @property
    def is_relative_url(self) -> bool:
        return not self.is_absolute_url

    @property
    def raw_scheme(self) -> bytes:
        return self.scheme.encode("ascii")

    @property
    def raw_host(self) -> bytes:
        return self.host.encode("ascii")

    def copy_set_param(self, key: str, value: Any = None) -> ClientURL:
        """A copy whose query has ``key`` set to this one value."""
        grouped = _grouped(self.params.multi_items())
        grouped[key] = [value]
        return self.copy_with(params=_flat(grouped))

    def copy_add_param(self, key: str, value: Any = None) -> ClientURL:
        """A copy with one more value for ``key``."""
        grouped = _grouped(self.params.multi_items())
        grouped.setdefault(key, []).append(value)
        return self.copy_with(params=_flat(grouped))

    def copy_remove_param(self, key: str) -> ClientURL:
        """A copy without ``key`` in the query."""
        grouped = _grouped(self.params.multi_items())
        grouped.pop(key, None)
        return self.copy_with(params=_flat(grouped))

    def copy_merge_params(self, params: ParamsType) -> ClientURL:
        """A copy with ``params`` merged over the query: a name given replaces
        the values of that name."""
        grouped = _grouped(self.params.multi_items())
        grouped.update(_grouped(QueryParams(_encode_params(params)).multi_items()))
        return self.copy_with(params=_flat(grouped))

    def join(self, url: str | ClientURL | URL) -> ClientURL:
        return ClientURL(urljoin(self._text, str(url)))

    def copy_with(self, **parts: Any) -> ClientURL:
        """A copy with some of ``scheme host port path query fragment params``
        replaced (``path`` unquoted, as httpx takes it)."""
        unknown = parts.keys() - {"scheme", "host", "port", "path", "query", "fragment", "params"}
        if unknown:
            raise TypeError(f"Unexpected URL component(s): {', '.join(sorted(unknown))}")
        old = self._parts
        scheme = parts.get("scheme", old.scheme)
        host = parts.get("host", self.host)
        port = parts.get("port", self.port)
        if ":" in host:
            host = f"[{host}]"
        netloc = host if port is None else f"{host}:{port}"
        if userinfo := self.userinfo.decode("ascii"):
            netloc = f"{userinfo}@{netloc}"
        path = quote(parts["path"], safe=_PATH_SAFE) if "path" in parts else old.path
        query = parts.get("query", old.query)
        if isinstance(query, bytes):
            query = query.decode("ascii")
        if "params" in parts:
            query = _params_query(parts["params"])
        fragment = parts.get("fragment", old.fragment)
        text = f"{scheme}://{netloc}{path}" + (f"?{query}" if query else "")
        return ClientURL(text + (f"#{fragment}" if fragment else ""))


def _timeout_extension(timeout: Any) -> dict[str, float | None]:
    """httpx's per-request ``timeout`` extension for a number or None (the
    in-process client records it and never enforces it)."""
    if isinstance(timeout, Mapping):
        return {k: timeout.get(k) for k in ("connect", "read", "write", "pool")}
    as_dict = getattr(timeout, "as_dict", None)  # an httpx.Timeout
    if callable(as_dict):
        return dict(as_dict())
    value = None if timeout is None else float(timeout)
    return dict.fromkeys(("connect", "read", "write", "pool"), value)


class ClientRequest:
    """What the client sends (``response.request``, ``client.build_request(...)``),
    with httpx's ``method``, ``url``, ``headers`` (editable until sent, as a
    request hook may), ``content``, ``extensions``, ``read()``; kept so redirects
    can replay it."""

    def __init__(
        self,
        method: str,
        url: str,
        headers: RawHeaders,
        body: list[bytes],
        replay: tuple[list[tuple[str, str]], dict[str, str], list[bytes] | None, bool],
        extensions: dict[str, Any] | None = None,
    ) -> None:
        self.method = method
        self.url = ClientURL(url)
        self.headers = MutableHeaders(raw=headers)
        self.body = body
        self.replay = replay  # (user headers, per-request cookies, body or None, chunked)
        self.extensions: dict[str, Any] = {} if extensions is None else extensions

    def __repr__(self) -> str:
        return f"<Request({self.method!r}, {str(self.url)!r})>"

    @property
    def content(self) -> bytes:
        return b"".join(self.body)

    def read(self) -> bytes:
        return self.content


# The reason phrases of RFC 9110 (and RFC 2324's teapot) where Python 3.11's
# HTTPStatus still has older ones; httpx2, which Starlette's client uses, gives these.
_RFC9110_PHRASES = {
    413: "Content Too Large",
    414: "URI Too Long",
    416: "Range Not Satisfiable",
    418: "I'm a teapot",
    422: "Unprocessable Content",
}

_STATUS_KINDS = {
    1: "Informational response",
    3: "Redirect response",
    4: "Client error",
    5: "Server error",
}


class ClientResponse:
    """A response as the test sees it; streamed from the app until read.

    httpx's names and meanings: ``is_redirect`` is any 3xx (``has_redirect_location``
    is what a client follows), ``raise_for_status()`` raises for anything but 2xx,
    ``elapsed`` is known once the body was read or the response closed."""

    def __init__(
        self,
        status_code: int,
        headers: RawHeaders,
        request: ClientRequest,
        stream: StreamHandle | None = None,
        content: bytes = b"",
        started: float | None = None,
    ) -> None:
        self.status_code = status_code
        self.headers = Headers(raw=headers)
        self.request = request
        self.url = request.url
        self.history: list[ClientResponse] = []
        self.next_request: ClientRequest | None = None  # a redirect not followed
        self.cookies = ClientCookies()
        self.http_version = "HTTP/1.1"  # what an HTTP/1.1 server would have answered
        self.extensions: dict[str, Any] = {"http_version": b"HTTP/1.1"}
        self._stream = stream
        self._buffer: list[bytes] = []
        self._raw: bytes | None = None if stream is not None else content
        self._content: bytes | None = None
        self._encoding: str | None = None
        self._text: str | None = None
        self._downloaded = 0 if stream is not None else len(content)
        self._started = time.perf_counter() if started is None else started
        self._elapsed: datetime.timedelta | None = None
        self._on_close: contextlib.ExitStack | None = None  # what close() also ends
        if stream is None:
            self._stop_clock()

    def __repr__(self) -> str:
        return f"<ClientResponse [{self.status_code} {self.reason_phrase}]>"

    def _stop_clock(self) -> None:
        if self._elapsed is None:
            self._elapsed = datetime.timedelta(seconds=time.perf_counter() - self._started)

    @property
    def elapsed(self) -> datetime.timedelta:
        """Time from sending the request to the end of the body (read or closed)."""
        if self._elapsed is None:
            raise RuntimeError(
                "'.elapsed' may only be accessed after the response has been read or closed."
            )
        return self._elapsed

    @property
    def num_bytes_downloaded(self) -> int:
        """Body bytes received so far, before content-decoding."""
        return self._downloaded

    @property
    def is_closed(self) -> bool:
        return self._stream is None or self._stream.closed

    @property
    def is_stream_consumed(self) -> bool:
        return self._raw is not None and self._stream is not None

    @property
    def reason_phrase(self) -> str:
        phrase = _RFC9110_PHRASES.get(self.status_code)
        if phrase is not None:
            return phrase
        try:
            return HTTPStatus(self.status_code).phrase
        except ValueError:
            return ""

    @property
    def ok(self) -> bool:
        return self.status_code < 400

    @property
    def is_informational(self) -> bool:
        return 100 <= self.status_code < 200

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    @property
    def is_redirect(self) -> bool:
        return 300 <= self.status_code < 400

    @property
    def is_client_error(self) -> bool:
        return 400 <= self.status_code < 500

    @property
    def is_server_error(self) -> bool:
        return 500 <= self.status_code < 600

    @property
    def is_error(self) -> bool:
        return 400 <= self.status_code < 600

    @property
    def has_redirect_location(self) -> bool:
        return self.status_code in _REDIRECTS and "location" in self.headers

    @property
    def charset_encoding(self) -> str | None:
        """The ``charset`` of the ``Content-Type`` header, lower-cased; None without one."""
        match = _CHARSET.search(self.headers.get("content-type", ""))
        return None if match is None else match.group(1).lower()

    @property
    def encoding(self) -> str:
        """The charset if Python knows it, else ``utf-8``; settable before ``text``."""
        if self._encoding is None:
            charset = self.charset_encoding
            if charset is not None:
                try:
                    codecs.lookup(charset)
                except LookupError:
                    charset = None
            self._encoding = charset or "utf-8"
        return self._encoding

    @encoding.setter
    def encoding(self, value: str) -> None:
        if self._text is not None:
            raise ValueError("Setting encoding after `text` has been accessed is not allowed.")
        self._encoding = value

    @property
    def links(self) -> dict[str | None, dict[str, str]]:
        """The ``Link`` header (RFC 8288) by ``rel`` (or by URL when a link has none)."""
        header = self.headers.get("link")
        if header is None:
            return {}
        return {link.get("rel") or link.get("url"): link for link in parse_links(header)}

    def iter_raw(self, chunk_size: int | None = None) -> Iterator[bytes]:
        """Body chunks as the app sent them (or cut to ``chunk_size`` bytes, the
        last one shorter), still content-encoded.

        Reading a stream that was partly iterated continues where it stopped;
        after the stream ended, the whole body comes back as one chunk.
        """
        return _rechunk(self._raw_chunks(), chunk_size, b"")

    def _raw_chunks(self) -> Iterator[bytes]:
        if self._raw is not None:
            if self._raw:
                yield self._raw
            return
        stream = self._stream
        assert stream is not None
        while chunks := stream.pull():
            self._buffer.extend(chunks)
            self._downloaded += sum(map(len, chunks))
            yield from chunks
        if stream.ended or stream.closed:
            self._raw = b"".join(self._buffer)
            self._stop_clock()

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        """Body chunks as the app sends them (or cut to ``chunk_size`` bytes), with
        gzip/deflate content-encoding undone."""
        return _rechunk(self._decoded_chunks(), chunk_size, b"")

    def _decoded_chunks(self) -> Iterator[bytes]:
        decoder = _decoder(self.headers.get("content-encoding", ""))
        for chunk in self.iter_raw():
            data = chunk if decoder is None else decoder.decompress(chunk)
            if data:
                yield data
        if decoder is not None and (tail := decoder.flush()):
            yield tail

    def iter_text(self, chunk_size: int | None = None) -> Iterator[str]:
        """The body decoded with ``encoding`` (cut to ``chunk_size`` characters)."""
        return _rechunk(self._text_chunks(), chunk_size, "")

    def _text_chunks(self) -> Iterator[str]:
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
            chunks = self._stream.pull(drain=True)
            self._buffer.extend(chunks)
            self._downloaded += sum(map(len, chunks))
            self._raw = b"".join(self._buffer)
            self._stop_clock()
        return self.content

    def close(self) -> None:
        try:
            if self._stream is not None:
                self._stream.close()
        finally:
            self._stop_clock()
            on_close, self._on_close = self._on_close, None
            if on_close is not None:
                on_close.close()

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
        if self._text is None:
            self._text = self.content.decode(self.encoding, errors="replace")
        return self._text

    def json(self, **kwargs: Any) -> Any:
        return jsonlib.loads(self.content, **kwargs)

    def raise_for_status(self) -> ClientResponse:
        """Raise :class:`HTTPStatusError` for any status but 2xx, as httpx does."""
        if self.is_success:
            return self
        kind = _STATUS_KINDS.get(self.status_code // 100, "Invalid status code")
        lines = [f"{kind} '{self.status_code} {self.reason_phrase}' for url '{self.url}'"]
        if self.has_redirect_location:
            lines.append(f"Redirect location: '{self.headers['location']}'")
        lines.append(
            "For more information check: "
            f"https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/{self.status_code}"
        )
        raise HTTPStatusError("\n".join(lines), response=self)


def _rechunk(pieces: Iterator[AnyStr], size: int | None, empty: AnyStr) -> Iterator[AnyStr]:
    """``pieces`` as they come, or regrouped into ``size``-long chunks (the last shorter)."""
    if size is None:
        yield from pieces
        return
    if size < 1:
        raise ValueError("chunk_size must be a positive number.")
    pending = empty
    for piece in pieces:
        pending += piece
        while len(pending) >= size:
            yield pending[:size]
            pending = pending[size:]
    if pending:
        yield pending


def parse_links(header: str) -> list[dict[str, str]]:
    """The links of a ``Link`` header value (RFC 8288), each a dict with ``url``
    and its parameters, parsed as httpx parses them: links split at a comma
    before ``<``, parameters at ``;``, quotes and spaces stripped."""
    strip = " '\""
    header = header.strip(strip)
    links: list[dict[str, str]] = []
    if not header:
        return links
    for item in re.split(", *<", header):
        target, _, params = item.partition(";")
        link = {"url": target.strip("<> '\"")}
        for param in params.split(";") if params else ():
            key, sep, value = param.partition("=")
            if not sep or "=" in value:
                break
            link[key.strip(strip)] = value.strip(strip)
        links.append(link)
    return links


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


def _keeps_credentials(source: ClientURL, target: SplitResult) -> bool:
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


def _grouped(items: Iterable[tuple[str, Any]]) -> dict[str, list[Any]]:
    """Values by name, names in order of first appearance (httpx's QueryParams)."""
    grouped: dict[str, list[Any]] = {}
    for key, value in items:
        grouped.setdefault(key, []).append(value)
    return grouped


def _flat(grouped: Mapping[str, list[Any]]) -> list[tuple[str, Any]]:
    return [(key, value) for key, values in grouped.items() for value in values]


def _params_query(params: ParamsType) -> str:
    """A query string from ``params`` as httpx writes one: a name's values
    together, in order of the name's first appearance, urlencoded."""
    return urlencode(_flat(_grouped(QueryParams(_encode_params(params)).multi_items())))


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
    """Drive an ASGI 3 app from synchronous test code, in-process.

    The arguments are Starlette's TestClient's, in its order; ``params``,
    ``timeout``, ``event_hooks`` and ``trust_env`` are httpx's client options
    (keyword-only here; attributes on both clients).
    """

    __test__ = False  # not a pytest test class, whatever its name says
    disconnect_grace = 1.0  # seconds an app gets to stop after the client leaves

    def __init__(
        self,
        app: ASGIApp,
        base_url: str = "http://testserver",
        raise_server_exceptions: bool = True,
        root_path: str = "",
        backend: str = "asyncio",
        backend_options: dict[str, Any] | None = None,
        cookies: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        follow_redirects: bool = True,
        client: tuple[str, int] = ("testclient", 50000),
        *,
        extensions: Mapping[str, Any] | None = None,
        params: ParamsType | None = None,
        timeout: Any = 5.0,
        event_hooks: Mapping[str, Sequence[EventHook]] | None = None,
        trust_env: bool = True,
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
        self.max_redirects = 20  # httpx's default
        self.client = client
        self.extensions = dict(extensions or {})
        self.params = params
        self.timeout = timeout
        self.event_hooks = event_hooks or {}
        self._trust_env = trust_env
        self.backend = backend
        self.backend_options = backend_options
        self._closed = False
        self._portal: BlockingPortal | None = None
        self._stack: contextlib.ExitStack | None = None
        self._state: dict[str, Any] = {}

    # -- httpx's client attributes -------------------------------------------------

    @property
    def base_url(self) -> ClientURL:
        """The URL relative request URLs are joined to, ending with ``/`` as httpx keeps it."""
        return self._base_url

    @base_url.setter
    def base_url(self, url: str | ClientURL) -> None:
        text = str(url)
        if urlsplit(text).path not in ("", "/") and not text.endswith("/"):
            text += "/"
        self._base_url = ClientURL(text)

    @property
    def params(self) -> QueryParams:
        """Query parameters sent with every request, merged under the request's own."""
        return self._params

    @params.setter
    def params(self, params: ParamsType | None) -> None:
        self._params = QueryParams("" if params is None else _encode_params(params))

    @property
    def event_hooks(self) -> dict[str, list[EventHook]]:
        """httpx's hooks: each ``request`` hook is called with every request just
        before it is sent (each redirect hop too), each ``response`` hook with
        every response once its headers arrived, before its body is read."""
        return self._event_hooks

    @event_hooks.setter
    def event_hooks(self, hooks: Mapping[str, Sequence[EventHook]]) -> None:
        self._event_hooks = {
            "request": list(hooks.get("request", ())),
            "response": list(hooks.get("response", ())),
        }

    @property
    def trust_env(self) -> bool:
        """Accepted for httpx's sake; an in-process client reads no proxy or cert settings."""
        return self._trust_env

    @property
    def is_closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Close the client, as httpx's ``close()``: later requests raise RuntimeError.
        An open ``with`` block still runs the lifespan shutdown when it ends."""
        self._closed = True

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

    def _merge_params(self, params: ParamsType | None) -> str | None:
        """The query string a request gets, as httpx makes it: the client's params
        with the request's merged over them (a name given there replaces the
        client's values), grouped by name, replacing the URL's own query string;
        None when neither was given, which keeps the URL's."""
        if params is None and not self._params:
            return None
        grouped = _grouped(self._params.multi_items())
        if params:
            grouped.update(_grouped(QueryParams(_encode_params(params)).multi_items()))
        return urlencode(_flat(grouped))

    def _prepare(
        self,
        method: str,
        url: str,
        query_string: str | None,
        headers: list[tuple[str, str]],
        cookies: dict[str, str],
        body: list[bytes] | None,
        content_type: str | None,
        chunked: bool,
        extensions: dict[str, Any] | None = None,
    ) -> ClientRequest:
        parts = urlsplit(url)
        if not parts.scheme:
            base = urlsplit(str(self._base_url))
            path = base.path.rstrip("/") + "/" + parts.path.lstrip("/")
            parts = base._replace(path=path, query=parts.query)
        if parts.port is not None and parts.port == _DEFAULT_PORTS.get(parts.scheme):
            parts = parts._replace(netloc=parts.netloc.rpartition(":")[0])  # as httpx drops it
        query = parts.query if query_string is None else query_string
        path = quote(parts.path or "/", safe=_PATH_SAFE)
        query = quote(query, safe=_QUERY_SAFE)
        full = f"{parts.scheme}://{parts.netloc}{path}" + (f"?{query}" if query else "")
        if parts.fragment:  # kept in the URL (as httpx keeps it), never sent
            full += f"#{parts.fragment}"

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
        replay = (headers, cookies, body, chunked)
        return ClientRequest(method, full, raw, body or [], replay, extensions)

    def _scope(self, request: ClientRequest) -> Scope:
        parts = urlsplit(str(request.url))
        scheme = parts.scheme or "http"
        port = parts.port or (443 if scheme in ("https", "wss") else 80)
        root = self.root_path
        raw_path = parts.path or "/"
        path = unquote(raw_path)
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
            "client": self.client,
            "root_path": root,
            "path": root_prefix + path,
            "raw_path": (root_prefix + raw_path).encode("ascii"),
            "query_string": parts.query.encode("ascii"),
            "headers": list(request.headers.raw),
            "extensions": dict(self.extensions),
            "state": dict(self._state) if self._portal is not None else {},
        }

    def _open(self, portal: BlockingPortal, request: ClientRequest) -> ClientResponse:
        """Start the app on one request; return once it has started its response."""
        started = time.perf_counter()
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
            return ClientResponse(
                500, headers, request, content=b"Internal Server Error", started=started
            )
        stream = StreamHandle(portal, exchange, self.raise_server_exceptions, self.disconnect_grace)
        response = ClientResponse(
            exchange.status, exchange.headers, request, stream, started=started
        )
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
        return self._prepare(
            method, url, None, headers, cookies, body, content_type, chunked, request.extensions
        )

    def _send(self, portal: BlockingPortal, request: ClientRequest, follow: bool) -> ClientResponse:
        history: list[ClientResponse] = []
        while True:
            for request_hook in self._event_hooks["request"]:
                request_hook(request)
            response = self._open(portal, request)
            try:
                for response_hook in self._event_hooks["response"]:
                    response_hook(response)
            except BaseException:
                response.close()
                raise
            response.history = list(history)
            if not response.has_redirect_location:
                return response
            if not follow:
                response.next_request = self._redirect(request, response)
                return response
            try:
                response.read()
            finally:
                response.close()
            history.append(response)
            if len(history) > self.max_redirects:
                raise TooManyRedirects(
                    f"Exceeded maximum allowed redirects ({self.max_redirects}).",
                    request=request,
                )
            request = self._redirect(request, response)

    def build_request(
        self, method: str, url: str | ClientURL, **options: Unpack[BuildOptions]
    ) -> ClientRequest:
        """The request ``client.request(...)`` would send, not sent yet (httpx's
        ``build_request``): the client's headers, cookies and params merged in,
        ``headers`` still editable; send it with :meth:`send`."""
        unknown = options.keys() - BuildOptions.__annotations__.keys()
        if unknown:
            raise TypeError(f"Unexpected request option(s): {', '.join(sorted(unknown))}")
        o = options
        body, content_type, chunked = _encode_body(
            o.get("content"), o.get("data"), o.get("json"), o.get("files")
        )
        headers, cookies = _pairs(o.get("headers")), dict(o.get("cookies") or {})
        extensions = dict(o.get("extensions") or {})
        if "timeout" not in extensions:
            extensions["timeout"] = _timeout_extension(o.get("timeout", self.timeout))
        query = self._merge_params(o.get("params"))
        return self._prepare(
            method.upper(),
            str(url),
            query,
            headers,
            cookies,
            body,
            content_type,
            chunked,
            extensions,
        )

    def send(
        self,
        request: ClientRequest,
        *,
        stream: bool = False,
        auth: tuple[str | bytes, str | bytes] | UseClientDefault | None = USE_CLIENT_DEFAULT,
        follow_redirects: bool | None = None,
    ) -> ClientResponse:
        """Send a built request (httpx's ``send``).  With ``stream=True`` the
        response comes back unread: read or iterate it, then ``close()`` it."""
        if self._closed:
            raise RuntimeError("Cannot send a request, as the client has been closed.")
        if isinstance(auth, UseClientDefault):
            auth = self.auth
        if auth is not None:
            value = basic_auth(auth)
            request.headers["authorization"] = value
            headers, cookies, body, chunked = request.replay
            request.replay = (
                _override(headers, [("authorization", value)]),
                cookies,
                body,
                chunked,
            )
        follow = self.follow_redirects if follow_redirects is None else follow_redirects
        with contextlib.ExitStack() as stack:
            portal = stack.enter_context(self._portal_scope())
            response = self._send(portal, request, follow)
            response._on_close = stack.pop_all()  # the portal lives as long as the response
        if not stream:
            try:
                response.read()
            finally:
                response.close()
        return response

    def _request(
        self, method: str, url: str, options: RequestOptions, stream: bool
    ) -> ClientResponse:
        unknown = options.keys() - RequestOptions.__annotations__.keys()
        if unknown:
            raise TypeError(f"Unexpected request option(s): {', '.join(sorted(unknown))}")
        build: BuildOptions = {
            k: v for k, v in options.items() if k not in ("auth", "follow_redirects")
        }  # type: ignore[assignment]
        request = self.build_request(method, url, **build)
        return self.send(
            request,
            stream=stream,
            auth=options.get("auth", USE_CLIENT_DEFAULT),
            follow_redirects=options.get("follow_redirects"),
        )

    @contextlib.contextmanager
    def stream(
        self, method: str, url: str, **options: Unpack[RequestOptions]
    ) -> Iterator[ClientResponse]:
        """Send a request and yield its response unread; iterate it as it streams.

        Leaving the block disconnects the client if the body was not read to the
        end, so the app's next ``receive()`` returns ``http.disconnect``.
        """
        response = self._request(method, url, options, stream=True)
        try:
            yield response
        finally:
            response.close()

    def websocket_connect(
        self,
        url: str,
        subprotocols: Sequence[str] | None = None,
        *,
        headers: HeaderPairs | None = None,
        params: ParamsType | None = None,
        cookies: Mapping[str, str] | None = None,
    ) -> WebSocketTestSession:
        """A WebSocket session to use in a ``with`` block (see ``WebSocketTestSession``).

        As with Starlette's client, a closed client refuses, the client's params
        apply, and the request hooks see the handshake request."""
        if self._closed:
            raise RuntimeError("Cannot send a request, as the client has been closed.")
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
            self._merge_params(params),
            _override(extra, _pairs(headers)),
            dict(cookies or {}),
            None,
            None,
            False,
        )
        for request_hook in self._event_hooks["request"]:
            request_hook(request)
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
        return self._request(method, url, options, stream=False)

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
