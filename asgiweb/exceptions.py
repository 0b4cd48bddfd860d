"""Exceptions a handler raises on purpose, and the ones asgiweb raises for bad requests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from http import HTTPStatus
from typing import Any, TypedDict

from asgiweb._foreign import also_theirs
from asgiweb.types import Message, Send

__all__ = [
    "ClientDisconnect",
    "DependencyScopeError",
    "EndpointContext",
    "HTTPException",
    "RequestValidationError",
    "ResponseValidationError",
    "ValidationException",
    "WebSocketDisconnect",
    "WebSocketException",
    "WebSocketRequestValidationError",
    "mark_response_started",
    "marking_start",
    "response_started",
]

# The attribute under which an exception raised once a response had started is
# marked, so the App's one error path knows not to answer it with a 500.
_AFTER_START = "asgiweb_response_started"


def mark_response_started(exc: BaseException, started: bool = True) -> None:
    """Mark ``exc`` as raised after the response started (while, or after, it was sent).

    ``started=False`` says the opposite, for a middleware that held back the start an
    inner layer marked its failure after (nothing went out yet: a 500 may follow).
    """
    setattr(exc, _AFTER_START, started)


def response_started(exc: BaseException) -> bool:
    """Whether ``exc`` was marked by :func:`mark_response_started`."""
    return bool(getattr(exc, _AFTER_START, False))


async def marking_start(run: Callable[[Send], Awaitable[None]], send: Send) -> None:
    """``await run(watched)``, ``watched`` being ``send`` noting the response start:
    whatever ``run`` raises once that start went out is marked
    (:func:`mark_response_started`).  For senders that cannot promise the marks
    themselves: a user's middleware, a mounted app."""
    started = False

    # PERF: a plain function handing back the server's own awaitable, not a
    # coroutine of its own: one frame less per message.
    def watched(message: Message) -> Awaitable[None]:
        nonlocal started
        if message["type"] == "http.response.start":
            started = True
        return send(message)

    try:
        await run(watched)
    except Exception as exc:
        if started:
            mark_response_started(exc)
        raise


class HTTPException(Exception):
    """Stop handling and answer ``{"detail": detail}`` with this status and these headers."""

    def __init__(
        self,
        status_code: int,
        detail: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if detail is None:
            try:
                detail = HTTPStatus(status_code).phrase
            except ValueError:
                detail = ""
        super().__init__(status_code, detail)
        self.status_code = status_code
        self.detail = detail
        self.headers = dict(headers) if headers else None

    def __str__(self) -> str:
        return f"{self.status_code}: {self.detail}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code!r}, detail={self.detail!r})"


class EndpointContext(TypedDict, total=False):
    """Where a validation error's endpoint is: FastAPI's ``endpoint_ctx`` keys."""

    function: str
    path: str
    file: str
    line: int


class ValidationException(Exception):
    """The base of the three validation errors, as FastAPI's: ``errors()`` gives the
    list of problems (each a dict with ``type``, ``loc``, ``msg``, ``input``);
    ``endpoint_ctx`` (optional) locates the endpoint in ``str()``.

    ``str()`` is ``"N validation error(s):"`` and one error per line, then the
    endpoint's location when ``endpoint_ctx`` has one, in FastAPI's layout. The
    router fills ``endpoint_ctx`` in on its error path (:meth:`locate`), before
    any exception handler sees the error.
    """

    def __init__(
        self, errors: Sequence[Any], *, endpoint_ctx: EndpointContext | None = None
    ) -> None:
        super().__init__(errors)
        self._errors: list[Any] = list(errors)
        self.locate(endpoint_ctx or {})
        self.endpoint_ctx = endpoint_ctx

    def errors(self) -> list[Any]:
        return self._errors

    def locate(self, endpoint_ctx: EndpointContext) -> None:
        """Set ``endpoint_ctx`` and the four ``endpoint_*`` attributes from it."""
        self.endpoint_ctx = endpoint_ctx
        self.endpoint_function = endpoint_ctx.get("function")
        self.endpoint_path = endpoint_ctx.get("path")
        self.endpoint_file = endpoint_ctx.get("file")
        self.endpoint_line = endpoint_ctx.get("line")

    def _endpoint_lines(self) -> str:
        if self.endpoint_file and self.endpoint_line and self.endpoint_function:
            where = (
                f'\n  File "{self.endpoint_file}", line {self.endpoint_line}, '
                f"in {self.endpoint_function}"
            )
            return where + (f"\n    {self.endpoint_path}" if self.endpoint_path else "")
        return f"\n  Endpoint: {self.endpoint_path}" if self.endpoint_path else ""

    def __str__(self) -> str:
        count = len(self._errors)
        text = f"{count} validation error{'' if count == 1 else 's'}:\n"
        text += "".join(f"  {err}\n" for err in self._errors)
        return (text + self._endpoint_lines()).rstrip()


class RequestValidationError(ValidationException):
    """The request did not fit the handler's parameters: answered with 422.

    ``errors()`` is the list FastAPI puts under ``"detail"``: one dict per
    problem with ``type``, ``loc``, ``msg`` and ``input``.  ``body`` is the
    request body as received: the parsed JSON where it parsed, else the raw
    bytes, ``None`` when there was none or it was not read.
    """

    def __init__(
        self,
        errors: Sequence[dict[str, Any]],
        *,
        body: Any = None,
        endpoint_ctx: EndpointContext | None = None,
    ) -> None:
        super().__init__(errors, endpoint_ctx=endpoint_ctx)
        self._checked = False
        self.body = body

    def errors(self) -> list[dict[str, Any]]:
        """The errors, each ``input`` made renderable as JSON (see ``_renderable_input``)."""
        if not self._checked:
            self._checked = True
            for index, item in enumerate(self._errors):
                value = item.get("input")
                if type(value) not in _PLAIN:
                    fixed = _renderable_input(value)
                    if fixed is not value:
                        self._errors[index] = {**item, "input": fixed}
        return self._errors


_PLAIN = (str, int, bool, type(None))
_MAX_DEPTH = 200


def _renderable_input(value: Any, depth: int = 0) -> Any:
    """``value`` as a 422 can echo it: FastAPI's error answer fails (and sends
    nothing) on inputs JSON cannot hold; here each becomes what it can.

    - NaN and infinities (float or Decimal) -> None, as pydantic's JSON mode writes them;
    - bytes that are not UTF-8 -> text with U+FFFD for each bad byte;
    - containers nested past ``_MAX_DEPTH`` levels -> None below that depth (the
      encoders recurse, and a body parsed near the recursion limit cannot be
      rendered back from a deeper stack).
    A lone surrogate in a str is left as is: the JSON renderer escapes it.
    The same object comes back when nothing had to change.
    """
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is float:
        return value if value - value == 0.0 else None
    if depth >= _MAX_DEPTH and isinstance(value, dict | list | tuple):
        return None
    if isinstance(value, dict):
        items = {k: _renderable_input(v, depth + 1) for k, v in value.items()}
        same = all(items[k] is v for k, v in value.items())
        return value if same else items
    if isinstance(value, list | tuple):
        parts = [_renderable_input(v, depth + 1) for v in value]
        return value if all(a is b for a, b in zip(parts, value, strict=True)) else parts
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", "replace")
    if kind.__name__ == "Decimal" and not value.is_finite():
        return None
    return value


class ClientDisconnect(Exception):
    """The client went away while the request body was being read."""


class WebSocketRequestValidationError(ValidationException):
    """A WebSocket handler's path, query, header or cookie parameters did not validate.

    The router closes the connection with 1008 (policy violation), as FastAPI
    does; ``errors()`` is the same list an HTTP handler's 422 carries.
    """

    def __init__(
        self,
        errors: Sequence[dict[str, Any]],
        *,
        body: Any = None,
        endpoint_ctx: EndpointContext | None = None,
    ) -> None:
        super().__init__(errors, endpoint_ctx=endpoint_ctx)
        self.body = body


class ResponseValidationError(ValidationException):
    """The handler's return value did not fit its response model: a server error (500).

    ``errors()`` lists the problems as ``RequestValidationError`` does, located
    under ``"response"``; ``body`` is the value the handler returned.
    """

    def __init__(
        self,
        errors: Sequence[dict[str, Any]],
        *,
        body: Any = None,
        endpoint_ctx: EndpointContext | None = None,
    ) -> None:
        super().__init__(errors, endpoint_ctx=endpoint_ctx)
        self.body = body


class DependencyScopeError(TypeError):
    """A dependency with scope ``"request"`` (a generator whose exit code runs after
    the response) asks for one with scope ``"function"``, which would be closed
    first: refused when the route is registered. FastAPI's is a ``RuntimeError``
    (its ``FastAPIError``); asgiweb's registration errors are ``TypeError`` s."""


class WebSocketException(Exception):
    """Raised by a WebSocket handler: the router closes the connection with ``code``."""

    def __init__(self, code: int, reason: str | None = None) -> None:
        super().__init__(code, reason)
        self.code = code
        self.reason = reason or ""

    def __str__(self) -> str:
        return f"{self.code}: {self.reason}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, reason={self.reason!r})"


class WebSocketDisconnect(Exception):
    """The WebSocket was closed (by the client, or by the server as the test client sees it).

    When Starlette is loaded (a half-migrated app that still writes ``except
    starlette.websockets.WebSocketDisconnect``, or FastAPI's name for it), the one
    raised is also an instance of Starlette's class, so that ``except`` catches it
    (docs/api.md, "WebSockets").  Starlette is never imported here.
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> WebSocketDisconnect:
        if cls is WebSocketDisconnect:
            cls = also_theirs(cls, "starlette.websockets", "WebSocketDisconnect")
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, code: int = 1000, reason: str | None = None) -> None:
        super().__init__(code, reason)
        self.code = code
        self.reason = reason or ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, reason={self.reason!r})"
