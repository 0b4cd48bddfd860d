"""The incoming HTTP request, read lazily from the ASGI scope.

Nothing is parsed until asked for: headers, query string and cookies are
parsed on first access and cached; the body is read once and cached.

Body rules (ASGI HTTP spec): ``http.request`` messages carry the body in
order and the last one has ``more_body`` false; an ``http.disconnect`` while
reading means the client is gone (:class:`ClientDisconnect`).  The size limit
is checked up front against ``content-length`` (a 413 without reading a byte)
and again while reading, so a chunked body cannot exceed it either.
"""

from __future__ import annotations

import json
from collections.abc import (
    AsyncGenerator,
    Generator,
    ItemsView,
    Iterator,
    KeysView,
    Mapping,
    ValuesView,
)
from contextlib import aclosing
from types import TracebackType
from typing import TYPE_CHECKING, Any

from asgiweb._foreign import also_theirs
from asgiweb._http import unquote_cookie_value
from asgiweb.datastructures import (
    URL,
    Address,
    FormData,
    Headers,
    QueryParams,
    State,
    query_params_of,
)
from asgiweb.exceptions import ClientDisconnect, HTTPException
from asgiweb.formparsers import (
    FormParser,
    MultiPartException,
    MultiPartParser,
    multipart_settings,
    parse_content_type,
    require_multipart,
    whole_body_form,
)
from asgiweb.types import Message, Receive, Scope, Send

if TYPE_CHECKING:
    from asgiweb.applications import App

__all__ = ["FormCall", "FormData", "HTTPConnection", "Request", "request_class_for"]


async def _no_receive() -> Message:
    raise RuntimeError("this Request was built without a receive channel")


async def _no_send(message: Message) -> None:
    raise RuntimeError("this Request was built without a send channel")


def parse_cookie_header(header: str) -> dict[str, str]:
    """Parse a ``Cookie`` request header (RFC 6265 §5.4) leniently, as browsers send it.

    Pairs are split on ``;``; a pair without ``=`` is a value with an empty
    name (as browsers do); surrounding whitespace and one pair of double
    quotes around the value are removed. Later duplicates win.
    """
    cookies: dict[str, str] = {}
    for chunk in header.split(";"):
        if "=" in chunk:
            key, value = chunk.split("=", 1)
        else:
            key, value = "", chunk
        key, value = key.strip(), value.strip()
        if not (key or value):
            continue  # checked before unquoting, as Starlette checks: '""' is a cookie
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = unquote_cookie_value(value[1:-1])
        cookies[key] = value
    return cookies


# The request headers a server push copies into the pushed request (what the
# response to it is negotiated on), as Starlette's.
_PUSHED_HEADERS = frozenset(
    (b"accept", b"accept-encoding", b"accept-language", b"cache-control", b"user-agent")
)

_JSON_OPENERS = (b"{", b"[")


class _Unset:
    __slots__ = ()


_UNSET: Any = _Unset()


# The last multipart Content-Type value a form was read with, its charset and
# boundary (multipart_settings) and the python_multipart module (require_multipart);
# a tuple, replaced whole.  Starts with a value no header equals.
_last_multipart: tuple[object, str, bytes, Any] = (object(), "", b"", None)


class HTTPConnection:
    """What a ``Request`` and a ``WebSocket`` share: the scope and its lazy views.

    As Starlette's, a connection is also a read-only mapping over its scope
    (``request["path"]``, ``request.get("root_path")``, ``in``, ``keys()``...); it
    equals only itself.  It is registered as a ``Mapping`` rather than derived
    from one: an ABC subclass would change the class's metaclass on the path that
    builds a Request per request, for nothing a handler needs.

    Subclasses list their own ``__slots__`` and set every slot here in their own
    ``__init__`` (PERF: no ``super().__init__`` call on the request path).
    """

    __slots__ = ("_cookies", "_headers", "_query_params", "_state", "_url", "path_params", "scope")

    scope: Scope
    path_params: dict[str, Any]
    _headers: Headers | None
    _query_params: QueryParams | None
    _cookies: dict[str, str] | None
    _url: URL | None
    _state: State | None

    def __init__(self, scope: Scope, path_params: dict[str, Any] | None = None) -> None:
        self.scope = scope
        self.path_params = {} if path_params is None else path_params
        self._headers = None
        self._query_params = None
        self._cookies = None
        self._url = None
        self._state = None

    def __getitem__(self, key: str) -> Any:
        return self.scope[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.scope)

    def __len__(self) -> int:
        return len(self.scope)

    def __contains__(self, key: object) -> bool:
        return key in self.scope

    def get(self, key: str, default: Any = None) -> Any:
        return self.scope.get(key, default)

    def keys(self) -> KeysView[str]:
        return self.scope.keys()

    def values(self) -> ValuesView[Any]:
        return self.scope.values()

    def items(self) -> ItemsView[str, Any]:
        return self.scope.items()

    @property
    def url(self) -> URL:
        url = self._url
        if url is None:
            url = self._url = URL.from_scope(self.scope)
        return url

    @property
    def headers(self) -> Headers:
        headers = self._headers
        if headers is None:
            headers = self._headers = Headers(raw=self.scope.get("headers") or [])
        return headers

    @property
    def query_params(self) -> QueryParams:
        query = self._query_params
        if query is None:
            query = self._query_params = query_params_of(self.scope.get("query_string", b""))
        return query

    @property
    def cookies(self) -> dict[str, str]:
        """The cookies of every ``Cookie`` header line (HTTP/2 may split them over
        several, RFC 9113 section 8.2.3), later pairs winning, as in Starlette."""
        cookies = self._cookies
        if cookies is None:
            cookies = {}
            # One pass over the raw lines, no header index built (the Cookie()
            # parameters read this): the lines named Cookie, in any case, in order.
            for name, value in self.scope.get("headers") or ():
                if len(name) == 6 and (name == b"cookie" or name.lower() == b"cookie") and value:
                    if cookies:
                        cookies.update(parse_cookie_header(value.decode("latin-1")))
                    else:
                        cookies = parse_cookie_header(value.decode("latin-1"))
            self._cookies = cookies
        return cookies

    @property
    def client(self) -> Address | None:
        """The peer's ``Address(host, port)`` from the scope, None when the server gave none."""
        client = self.scope.get("client")
        return None if client is None else Address(client[0], client[1])

    @property
    def state(self) -> State:
        """Per-connection state; starts as a copy of what the lifespan yielded."""
        state = self._state
        if state is None:
            state = self._state = State(self.scope.setdefault("state", {}))
        return state

    @property
    def app(self) -> App | None:
        return self.scope.get("app")

    # -- URLs for named routes and mounts (docs/frontend.md) -------------------------

    @property
    def base_url(self) -> URL:
        """Scheme and host of this request with the app's root path, ending in ``/``."""
        scope = self.scope
        root: str = scope.get("app_root_path", scope.get("root_path", ""))
        url = self.url
        return URL(url.scheme, url.netloc, root if root.endswith("/") else root + "/", "")

    @property
    def session(self) -> dict[str, Any]:
        """The session dict (a WebSocket's too); needs
        ``asgiweb.middleware.sessions.SessionMiddleware``."""
        session: dict[str, Any] | None = self.scope.get("session")
        if session is None:
            raise AssertionError("SessionMiddleware must be installed to access request.session")
        mark = getattr(session, "mark_accessed", None)
        if mark is not None:
            mark()
        return session

    def url_for(self, name: str, /, **path_params: Any) -> URL:
        """The absolute URL of the route or mount ``name`` (``url_for("static", path=...)``).

        Names are looked up in ``scope["router"]``, else in the app serving the
        request; the URL starts with :attr:`base_url`.
        """
        scope = self.scope
        app: Any = scope.get("app")
        provider: Any = scope.get("router") or app
        if provider is None:
            raise RuntimeError(
                "Request.url_for needs the App or Router serving the request in scope['app']"
            )
        base = self.base_url
        root = base.path
        if getattr(app, "_asgiweb_names", False) and not getattr(provider, "_asgiweb_names", False):
            # An asgiweb app mounted in another framework's app, whose router cannot
            # read asgiweb's routes: the app serving the request knows its own
            # names, under the path it is mounted at (docs/routing.md).
            provider = app
            root = scope.get("root_path", "")
        path: str = provider.url_path_for(name, **path_params)
        scheme = base.scheme
        if scope["type"] == "websocket":
            # As in Starlette: from a WebSocket, a WebSocket route's URL is ws/wss
            # and any other http/https.
            router = getattr(provider, "router", provider)
            is_websocket = getattr(router, "is_websocket_route", None)
            secure = scheme in ("wss", "https")
            if is_websocket is not None and is_websocket(name):
                scheme = "wss" if secure else "ws"
            else:
                scheme = "https" if secure else "http"
        # Read back from its text, as Starlette's: the parts are what the text says
        # (a "?" that a path parameter brought in starts the query).
        return URL(f"{scheme}://{base.netloc}{root.rstrip('/')}{path}")

    @property
    def auth(self) -> Any:
        """What an authentication middleware put in ``scope["auth"]`` (Starlette's
        ``AuthenticationMiddleware`` is one); without one an ``AssertionError``."""
        if "auth" not in self.scope:
            raise AssertionError(
                "AuthenticationMiddleware must be installed to access request.auth"
            )
        return self.scope["auth"]

    @property
    def user(self) -> Any:
        """What an authentication middleware put in ``scope["user"]``; without one an
        ``AssertionError``."""
        if "user" not in self.scope:
            raise AssertionError(
                "AuthenticationMiddleware must be installed to access request.user"
            )
        return self.scope["user"]


Mapping.register(HTTPConnection)


class Request(HTTPConnection):
    """One HTTP request. ``path_params`` is filled in by the router."""

    __slots__ = (
        "_body_read",
        "_form",
        "_json",
        "_receive",
        "_received",
        "_send",
        "_stream_consumed",
        "disconnected",
        "max_body_size",
    )

    def __init__(
        self,
        scope: Scope,
        receive: Receive = _no_receive,
        send: Send = _no_send,
        path_params: dict[str, Any] | None = None,
        max_body_size: int | None = None,
    ) -> None:
        # PERF: parsed views start as None, not as unset slots: a first access
        # that raises AttributeError costs ~0.45 us, more than the assignments.
        self.scope = scope
        self._receive = receive
        self._send = send
        self.path_params = {} if path_params is None else path_params
        self.max_body_size = max_body_size
        self._headers = None
        self._query_params = None
        self._cookies = None
        self._url = None
        self._state = None
        self._json: Any = _UNSET
        # Not ``_body``: a subclass may keep its own there (FastAPI's docs' GzipRequest
        # checks ``hasattr(self, "_body")`` before reading; docs/api.md, "Routes").
        self._body_read: bytes | None = None
        self._form: FormData | None = None
        self._stream_consumed = False
        self.disconnected = False

    # -- request line and metadata -------------------------------------------------

    @property
    def method(self) -> str:
        method: str = self.scope["method"]
        return method

    @property
    def receive(self) -> Receive:
        return self._receive

    # -- body ----------------------------------------------------------------------

    async def _next_chunk(self) -> tuple[bytes, bool]:
        """One body message: ``(bytes, more_body)``, with the size limit enforced."""
        return self._chunk_of(await self._receive())

    def _chunk_of(self, message: Message) -> tuple[bytes, bool]:
        """:meth:`_next_chunk` for the message received (PERF: a caller that awaits
        ``receive`` itself saves a coroutine: benchmarks/compare.py upload)."""
        kind = message["type"]
        if kind == "http.request":
            chunk: bytes = message.get("body", b"")
            more: bool = message.get("more_body", False)
            limit = self.max_body_size
            if chunk and limit is not None:
                self._received += len(chunk)
                if self._received > limit:
                    raise HTTPException(413, "Content Too Large")
            return chunk, more
        if kind == "http.disconnect":
            self.disconnected = True
            raise ClientDisconnect()
        return b"", True  # not a body message: keep reading

    def _start_reading(self, declared: str | _Unset | None = _UNSET) -> None:
        """Mark the body as being read, after the 413 for a declared Content-Length
        over the limit (``declared``: the header's value when the caller has read it)."""
        if self._stream_consumed:
            raise RuntimeError("Stream consumed")  # Starlette's words: code may match them
        self._stream_consumed = True
        self._received = 0
        limit = self.max_body_size
        if limit is None:
            return
        if isinstance(declared, _Unset):
            declared = self.headers.get("content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                raise HTTPException(400, "Invalid Content-Length header") from None
            if size > limit:
                raise HTTPException(413, "Content Too Large")

    async def stream(self) -> AsyncGenerator[bytes, None]:
        """Yield the body as it arrives; after ``body()`` it yields the cached body."""
        if self._body_read is not None:
            yield self._body_read
            yield b""
            return
        self._start_reading()
        more = True
        while more:
            chunk, more = await self._next_chunk()
            if chunk:
                yield chunk
        yield b""

    async def _rest_of_stream(self, first: bytes, more: bool) -> AsyncGenerator[bytes, None]:
        """``stream()`` after its first message has been read: that chunk, then the rest."""
        if first:
            yield first
        while more:
            chunk, more = await self._next_chunk()
            if chunk:
                yield chunk
        yield b""

    async def body(self) -> bytes:
        if self._body_read is None:
            self._start_reading()
            # PERF: most bodies arrive in one message; no generator, no join.
            chunk, more = await self._next_chunk()
            if more:
                chunks = [chunk]
                while more:
                    chunk, more = await self._next_chunk()
                    chunks.append(chunk)
                chunk = b"".join(chunks)
            self._body_read = chunk
        return self._body_read

    async def json(self) -> Any:
        if self._json is _UNSET:
            body = await self.body()
            if body[:1] in _JSON_OPENERS and body[1:2] != b"\x00":
                # PERF: what json.loads(bytes) decides for a body opening with ASCII
                # `{`/`[` and no NUL second byte (no BOM, not UTF-16/32): UTF-8, the
                # same errors handler, without its encoding detection (bench: put).
                self._json = json.loads(body.decode("utf-8", "surrogatepass"))
            else:
                self._json = json.loads(body)
        return self._json

    def form(
        self,
        *,
        max_files: int | float = 1000,
        max_fields: int | float = 1000,
        max_part_size: int = 1024 * 1024,
    ) -> FormCall:
        """The form body, parsed once and cached: ``await request.form()``, or
        ``async with request.form() as form:`` to close its files on the way out.

        ``application/x-www-form-urlencoded`` and ``multipart/form-data`` bodies
        are parsed (the latter needs ``asgiweb[forms]``); any other content-type
        gives an empty form.  A broken limit or a malformed body is a 400
        (docs/forms.md).
        """
        return FormCall(self._read_form(max_files, max_fields, max_part_size))

    def _form_headers(self) -> tuple[str | None, str | None]:
        """Content-Type and Content-Length, as ``headers.get`` reads them, in one pass
        over a fresh request's headers (benchmarks/compare.py upload form)."""
        headers = self._headers
        if headers is not None:
            return headers.get("content-type"), headers.get("content-length")
        content_type = content_length = None
        for name, value in self.scope.get("headers") or ():
            # The first line whose latin-1 name, lowercased, is the one looked for.
            size = len(name)
            if size == 12 and content_type is None:
                if name == b"content-type" or name.decode("latin-1").lower() == "content-type":
                    content_type = value.decode("latin-1")
            elif (
                size == 14
                and content_length is None
                and (
                    name == b"content-length" or name.decode("latin-1").lower() == "content-length"
                )
            ):
                content_length = value.decode("latin-1")
        return content_type, content_length

    async def _read_form(
        self, max_files: int | float, max_fields: int | float, max_part_size: int
    ) -> FormData:
        form = self._form
        if form is not None:
            return form
        global _last_multipart
        content_type, declared = self._form_headers()
        last = _last_multipart
        if content_type == last[0]:
            # PERF: the Content-Type of the last multipart form, already read.
            mime, params = "multipart/form-data", None
        else:
            mime, params = parse_content_type(content_type)
        try:
            if mime == "multipart/form-data":
                if params is None:
                    charset, boundary, multipart = last[1], last[2], last[3]
                else:
                    multipart = require_multipart()
                    charset, boundary = multipart_settings(params)
                    _last_multipart = (content_type, charset, boundary, multipart)
                body = self._body_read
                if body is None:
                    self._start_reading(declared)
                    chunk, more = self._chunk_of(await self._receive())
                else:
                    chunk, more = body, False
                spool_max_size = MultiPartParser.spool_max_size
                if not more and len(chunk) <= min(MultiPartParser.whole_body_max, spool_max_size):
                    # PERF: a small body in one message is split whole, with no
                    # stream generator (benchmarks/compare.py upload).
                    form = whole_body_form(
                        chunk,
                        boundary,
                        charset,
                        multipart,
                        max_files,
                        max_fields,
                        max_part_size,
                        spool_max_size,
                    )
                if form is None:
                    # Anything else streams through python-multipart as it arrives;
                    # aclosing: a parser that stops early (a limit) ends the stream.
                    async with aclosing(self._rest_of_stream(chunk, more)) as stream:
                        form = await MultiPartParser(
                            self.headers,
                            stream,
                            max_files=max_files,
                            max_fields=max_fields,
                            max_part_size=max_part_size,
                        ).parse()
            elif mime != "application/x-www-form-urlencoded":
                form = FormData()
            elif self._body_read is None:
                # PERF: a body in one message is parsed whole, without the stream
                # generator (benchmarks/compare.py form); a longer one streams on.
                self._start_reading(declared)
                chunk, more = self._chunk_of(await self._receive())
                parser = FormParser(None, max_fields=max_fields, max_part_size=max_part_size)
                form = None if more else parser.parse_whole(chunk)
                if form is None:
                    parser.stream = self._rest_of_stream(chunk, more)
                    async with aclosing(parser.stream):
                        form = await parser.parse()
            else:
                async with aclosing(self.stream()) as stream:
                    form = await FormParser(
                        stream, max_fields=max_fields, max_part_size=max_part_size
                    ).parse()
        except MultiPartException as exc:
            raise HTTPException(400, exc.message) from None
        self._form = form
        return form

    async def send_push_promise(self, path: str) -> None:
        """Ask the server to push ``path`` (HTTP/2) where it offers the ASGI
        ``http.response.push`` extension; nothing otherwise.  The push request
        carries this request's content-negotiation headers, as Starlette's."""
        if "http.response.push" not in (self.scope.get("extensions") or {}):
            return
        headers = [
            (name.lower(), value)
            for name, value in self.scope.get("headers") or ()
            if name.lower() in _PUSHED_HEADERS
        ]
        await self._send({"type": "http.response.push", "path": path, "headers": headers})

    async def send_early_hints(self, link: str, /, *additional_links: str) -> None:
        """Send ``Link`` values as a 103 Early Hints response (RFC 8297) where the
        server offers the ASGI ``http.response.early_hint`` extension; nothing
        otherwise, as Starlette's."""
        if "http.response.early_hint" not in (self.scope.get("extensions") or {}):
            return
        links = [value.encode("latin-1") for value in (link, *additional_links)]
        await self._send({"type": "http.response.early_hint", "links": links})

    async def close(self) -> None:
        """Close the files of the parsed form, if any."""
        form = self._form
        if form is not None:
            await form.close()

    async def is_disconnected(self) -> bool:
        """True once the client has gone; never blocks.

        Peeks at ``receive`` only when the body has been read (otherwise the
        peek could swallow body bytes).
        """
        if self.disconnected:
            return True
        if self._body_read is None and not self._stream_consumed:
            # Reading would consume body messages the handler has not asked for.
            return False
        import anyio

        message: Message | None = None
        with anyio.CancelScope() as scope:
            scope.cancel()
            message = await self._receive()
        if message is not None and message.get("type") == "http.disconnect":
            self.disconnected = True
        return self.disconnected

    def __repr__(self) -> str:
        return f"<Request {self.scope.get('method')} {self.scope.get('path')!r}>"


class FormCall:
    """What ``request.form()`` returns: await it, or use it as an async context
    manager that closes the form's files when the block ends."""

    __slots__ = ("_coroutine", "_form")

    def __init__(self, coroutine: Any) -> None:
        self._coroutine = coroutine
        self._form: FormData | None = None

    def __await__(self) -> Generator[Any, None, FormData]:
        # PERF: the coroutine's own iterator, no generator of ours around it.
        awaiting: Generator[Any, None, FormData] = self._coroutine.__await__()
        return awaiting

    async def __aenter__(self) -> FormData:
        self._form = await self
        return self._form

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._form is not None:
            await self._form.close()


def request_class_for(endpoint: Any) -> type[Request]:
    """The class of the ``Request`` made for a route whose handler is ``endpoint``.

    ``Request``, unless the handler is behind a decorator (it has ``__wrapped__``)
    while Starlette is loaded: a decorator written for Starlette apps may insist on
    Starlette's class (``starlette.authentication.requires``, rate limiters), so
    the route's requests are then also instances of Starlette's ``Request``: ours
    first in the MRO, so every attribute is ours (docs/api.md, "Request").
    Decided at registration; Starlette is never imported here.
    """
    if not hasattr(endpoint, "__wrapped__"):
        return Request
    return also_theirs(Request, "starlette.requests", "Request")
