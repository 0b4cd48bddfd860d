"""Cross-Origin Resource Sharing as a pure ASGI middleware.

Rules kept here (Fetch standard §3.2 "CORS protocol"; the options and answers
are those of Starlette's CORSMiddleware, which FastAPI users know):

- A request without ``Origin`` is not a CORS request: it goes to the app
  untouched, and its response only gains ``Vary: Origin`` (see below).
- A *preflight* is ``OPTIONS`` with ``Origin`` and
  ``Access-Control-Request-Method``.  It never reaches the app: it is answered
  here with 200 ``OK`` and the allow headers, or with 400
  ``Disallowed CORS origin, method, headers`` naming what was refused.
- Any other request with ``Origin`` (a *simple* or *actual* request) goes to
  the app, and its ``http.response.start`` gets the CORS headers:
  ``access-control-allow-origin`` is the literal ``*`` when every origin is
  allowed and credentials are not; otherwise it echoes the request's origin
  when that origin is allowed (listed, or matching ``allow_origin_regex`` in
  full), and is absent when it is not.
- ``Vary: Origin`` is added to every http response, with or without
  ``Origin``: the CORS headers depend on it, so a shared cache must not give
  a response stored for one origin (or for none) to another (Fetch §3.2.5,
  "CORS protocol and HTTP caches"; Starlette does the same since 2026).
- ``access-control-allow-credentials: true`` and
  ``access-control-expose-headers`` are added to CORS responses when
  configured, replacing any value the app set for them.
- ``"*"`` in ``allow_methods`` means the standard methods; in
  ``allow_headers`` it means "echo whatever the preflight asks for".  The
  CORS-safelisted request headers (Accept, Accept-Language, Content-Language,
  Content-Type) are always allowed.
- Non-http scopes (lifespan, websocket) pass through untouched.

Everything that does not depend on the request is encoded to bytes once, at
construction; a request costs one scan of its header list.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Collection

from asgiweb._http import FIELD_VALUE_FORBIDDEN, RawHeaders
from asgiweb.exceptions import mark_response_started
from asgiweb.middleware import PlainMiddleware, add_vary
from asgiweb.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["ALL_METHODS", "SAFELISTED_HEADERS", "CORSMiddleware"]

ALL_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY")
SAFELISTED_HEADERS = frozenset({"Accept", "Accept-Language", "Content-Language", "Content-Type"})

_ALLOW_ORIGIN = b"access-control-allow-origin"
_ALLOW_CREDENTIALS = b"access-control-allow-credentials"
_EXPOSE_HEADERS = b"access-control-expose-headers"
_ALLOW_HEADERS = b"access-control-allow-headers"
_REQUEST_METHOD = b"access-control-request-method"
_REQUEST_HEADERS = b"access-control-request-headers"
_REQUEST_PRIVATE_NETWORK = b"access-control-request-private-network"
_PREFLIGHT_VARY = (
    b"Origin, Access-Control-Request-Method, Access-Control-Request-Headers, "
    b"Access-Control-Request-Private-Network"
)
_TEXT_PLAIN = (b"content-type", b"text/plain; charset=utf-8")
_PREFLIGHT_OK_TAIL = (_TEXT_PLAIN, (b"content-length", b"2"))  # body b"OK"
_VARY_ORIGIN = (b"vary", b"Origin")


# What a response gains: (names replaced, names watched, the tail: the headers
# CORS sets then ``Vary: Origin``, added as they are when the app's list holds
# no watched name).
_Plan = tuple[frozenset[bytes], frozenset[bytes], RawHeaders]

# Every response header name any configuration replaces or reads.
_RELEVANT = frozenset({_ALLOW_ORIGIN, _ALLOW_CREDENTIALS, _EXPOSE_HEADERS, b"vary"})
# PERF: response header names seen lower-case and not in _RELEVANT: such a name
# needs no ``lower()`` per response.  The ASGI spec requires lower-case names in
# ``http.response.start``; a name breaking that rule is never remembered, so it is
# still recognised (lowered) every time.  Bounded: an app inventing names per
# response costs a ``lower()`` per name, as before, and no memory.
_UNRELATED: set[bytes] = set()
_UNRELATED_BOUND = 256


def _names_one_of(name: bytes, watched: frozenset[bytes]) -> bool:
    """Whether ``name``, in any case, is in ``watched`` (lower-case names)."""
    lowered = name.lower()
    if lowered in watched:
        return True
    if lowered == name and lowered not in _RELEVANT and len(_UNRELATED) < _UNRELATED_BOUND:
        _UNRELATED.add(name)
    return False


def _as_strings(value: Collection[str] | str, option: str) -> tuple[str, ...]:
    """A lone string is one item (``allow_origins="*"`` means what it says)."""
    if isinstance(value, str):
        return (value,)
    items = tuple(value)
    for item in items:
        if not isinstance(item, str):
            raise TypeError(f"CORSMiddleware {option} must hold strings, not {item!r}")
    return items


def _header_value(text: str, option: str) -> bytes:
    if FIELD_VALUE_FORBIDDEN.search(text):
        raise ValueError(f"CORSMiddleware {option}: control characters are not allowed")
    return text.encode("latin-1")


async def _answer(answer: tuple[int, RawHeaders, bytes], send: Send) -> None:
    """Send a preflight's answer (see ``CORSMiddleware.marks_response_start``)."""
    status, headers, body = answer
    try:
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})
    except Exception as exc:
        mark_response_started(exc)
        raise


class CORSMiddleware(PlainMiddleware):
    """Answer CORS preflights and label responses to cross-origin requests.

    A :class:`~asgiweb.middleware.PlainMiddleware`: its work is the plain ``serve``,
    which hands back the wrapped app's own coroutine."""

    def __init__(
        self,
        app: ASGIApp,
        allow_origins: Collection[str] = (),
        allow_methods: Collection[str] = ("GET",),
        allow_headers: Collection[str] = (),
        allow_credentials: bool = False,
        allow_origin_regex: str | None = None,
        allow_private_network: bool = False,
        expose_headers: Collection[str] = (),
        max_age: int = 600,
    ) -> None:
        self.app = app
        origins = _as_strings(allow_origins, "allow_origins")
        methods = _as_strings(allow_methods, "allow_methods")
        headers = _as_strings(allow_headers, "allow_headers")
        exposed = _as_strings(expose_headers, "expose_headers")
        if "*" in methods:
            methods = ALL_METHODS
        if not isinstance(max_age, int) or max_age < 0:
            raise ValueError(f"CORSMiddleware max_age must be a non-negative int, not {max_age!r}")

        self.allow_all_origins = "*" in origins
        self.allow_all_headers = "*" in headers
        self.allow_credentials = allow_credentials
        self.allow_private_network = allow_private_network
        self.allow_origins = frozenset(origins)
        self.allow_origin_regex = (
            re.compile(allow_origin_regex) if allow_origin_regex is not None else None
        )
        self.allow_methods = methods
        listed_headers = sorted(SAFELISTED_HEADERS | set(headers))
        self.allow_headers = frozenset(h.lower() for h in listed_headers)
        # "*" is not a valid answer to a request with credentials (Fetch §3.2.5):
        # then, and when only some origins are allowed, the origin is echoed.
        self._echo_origin = not self.allow_all_origins or allow_credentials
        self._methods = frozenset(m.encode("latin-1") for m in methods)
        self._header_names = frozenset(h.encode("latin-1") for h in self.allow_headers)

        simple: RawHeaders = []
        if not self._echo_origin:
            simple.append((_ALLOW_ORIGIN, b"*"))
        if allow_credentials:
            simple.append((_ALLOW_CREDENTIALS, b"true"))
        if exposed:
            simple.append((_EXPOSE_HEADERS, _header_value(", ".join(exposed), "expose_headers")))
        self._simple_headers = simple
        # The headers set here replace the app's own values for them (only those).
        replaced = frozenset(name for name, _ in simple)
        self._replaced_echo = replaced | {_ALLOW_ORIGIN}
        self._watched_echo = self._replaced_echo | {b"vary"}
        # PERF: what a response gains, decided per configuration and kind of
        # request.  When the app's own header list holds none of the watched
        # names, the tail is added to a copy of it and nothing is scanned again
        # (benchmarks/app_asgiweb.py, app_cors).
        self._simple_plan: _Plan = (replaced, replaced | {b"vary"}, [*simple, _VARY_ORIGIN])
        self._refused_plan = self._simple_plan
        self._no_origin_plan: _Plan = (frozenset(), frozenset({b"vary"}), [_VARY_ORIGIN])
        # PERF: listed (ASCII) origins as the request carries them, checked before
        # the decode and call of is_allowed_origin (which still decides the rest);
        # empty when a subclass overrides is_allowed_origin.
        own_rule = type(self).is_allowed_origin is CORSMiddleware.is_allowed_origin
        self._listed_origins = frozenset(
            item.encode("ascii") for item in origins if own_rule and item.isascii()
        )

        preflight: RawHeaders = [(b"vary", _PREFLIGHT_VARY)]
        if not self._echo_origin:
            preflight.append((_ALLOW_ORIGIN, b"*"))
        preflight.append(
            (b"access-control-allow-methods", _header_value(", ".join(methods), "allow_methods"))
        )
        preflight.append((b"access-control-max-age", str(max_age).encode("ascii")))
        if not self.allow_all_headers:
            preflight.append(
                (_ALLOW_HEADERS, _header_value(", ".join(listed_headers), "allow_headers"))
            )
        if allow_credentials:
            preflight.append((_ALLOW_CREDENTIALS, b"true"))
        self._preflight_headers = preflight

    def is_allowed_origin(self, origin: str) -> bool:
        if self.allow_all_origins or origin in self.allow_origins:
            return True
        regex = self.allow_origin_regex
        return regex is not None and regex.fullmatch(origin) is not None

    marks_response_start = True
    """What this middleware raises once a response started is marked
    (``asgiweb.exceptions.mark_response_started``): it sends nothing but through the
    app it wraps, save the preflight answer, whose failures it marks itself.  An App
    whose middleware all say so needs no send wrapper of its own (``asgiweb.middleware.
    marks_response_start``); a subclass must say so again in its own body."""

    def serve(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        if scope["type"] != "http":
            return self._call_app(scope, receive, send)
        # PERF: the common case costs one loop over the request's header list
        # looking for one name; preflight headers are only looked for on
        # OPTIONS requests that carry an Origin.  Measured in process around a
        # bare endpoint (2026-11-30): ~1.1 us added per request with or without
        # Origin, of which ~0.45 us was a coroutine of its own and the send
        # closure (the coroutine is gone: see ``PlainMiddleware``);
        # a preflight costs ~1.0 us more than a bare endpoint answering (see
        # benchmarks/compare.py "cors" for the whole App).
        origin = None
        for name, value in scope["headers"]:
            if name == b"origin":
                origin = value
                break
        plan: _Plan
        if origin is None:
            # Not a CORS request, but a cache must not hand this answer (with no
            # CORS headers) to a cross-origin request later: say it varies.
            plan = self._no_origin_plan
        elif scope["method"] == "OPTIONS" and (answer := self._preflight(scope, origin)):
            return _answer(answer, send)
        elif not self._echo_origin:
            plan = self._simple_plan
        elif origin in self._listed_origins or self.is_allowed_origin(origin.decode("latin-1")):
            tail = [*self._simple_headers, (_ALLOW_ORIGIN, origin), _VARY_ORIGIN]
            plan = (self._replaced_echo, self._watched_echo, tail)
        else:
            plan = self._refused_plan

        # PERF: a plain function handing back the server's awaitable (no coroutine
        # of its own per message), closing over two names only (each costs).
        def cors_send(message: Message) -> Awaitable[None]:
            if message["type"] == "http.response.start":
                replaced, watched, tail = plan
                # A new list and message: the app may reuse its header list.
                raw = message.get("headers", ())
                if type(raw) is not list:
                    raw = list(raw)
                for name, _ in raw:
                    if name not in _UNRELATED and _names_one_of(name, watched):
                        headers: RawHeaders = [
                            (name, value) for name, value in raw if name.lower() not in replaced
                        ]
                        headers += tail[:-1]  # all but Vary, merged below
                        add_vary(headers, b"Origin")
                        break
                else:
                    headers = raw + tail
                # PERF: a copy then a store, ~30 ns less than dict(m, headers=...).
                message = dict(message)
                message["headers"] = headers
            return send(message)

        return self._call_app(scope, receive, cors_send)

    def _preflight(self, scope: Scope, origin: bytes) -> tuple[int, RawHeaders, bytes] | None:
        """The answer to a preflight (status, headers, body); None when this
        OPTIONS request is not one.  PERF: a plain function, sent from
        ``__call__``: no coroutine of its own per preflight."""
        method: bytes | None = None
        requested: list[bytes] = []
        private_network = False
        for name, value in scope["headers"]:
            if name == _REQUEST_METHOD:
                if method is None:
                    method = value.strip()
            elif name == _REQUEST_HEADERS:
                requested.append(value)
            elif name == _REQUEST_PRIVATE_NETWORK:
                private_network = True
        if method is None:
            return None

        headers = list(self._preflight_headers)
        failures: list[str] = []
        if self.allow_all_origins or self.is_allowed_origin(origin.decode("latin-1")):
            if self._echo_origin:
                headers.append((_ALLOW_ORIGIN, origin))
        else:
            failures.append("origin")
        if method not in self._methods:
            failures.append("method")
        if requested:
            joined = b", ".join(value.strip() for value in requested)
            if self.allow_all_headers:
                headers.append((_ALLOW_HEADERS, joined))
            else:
                allowed = self._header_names
                for item in joined.split(b","):
                    item = item.strip().lower()
                    if item and item not in allowed:
                        failures.append("headers")
                        break
        if private_network:
            if self.allow_private_network:
                headers.append((b"access-control-allow-private-network", b"true"))
            else:
                failures.append("private-network")

        if failures:
            body = ("Disallowed CORS " + ", ".join(failures)).encode("ascii")
            headers.append(_TEXT_PLAIN)
            headers.append((b"content-length", str(len(body)).encode("ascii")))
            return 400, headers, body
        headers += _PREFLIGHT_OK_TAIL
        return 200, headers, b"OK"
