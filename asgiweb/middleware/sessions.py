"""SessionMiddleware: ``request.session``, a dict kept in a signed, timestamped cookie.

The session lives entirely in the cookie (docs/frontend.md, "Sessions"): the
client can read it (it is signed, not encrypted) but cannot change it.

Cookie value: ``<payload>.<timestamp>.<signature>``, each part URL-safe base64
without padding (all cookie-octets, RFC 6265 §4.1.1, so never quoted):

- payload: the session as compact JSON;
- timestamp: when the cookie was signed, in whole seconds since the epoch;
- signature: HMAC-SHA256 (``hmac``, RFC 2104) of the cookie name, payload and
  timestamp, under a key derived from ``secret_key``; checked with
  ``hmac.compare_digest`` (constant time).  Signing the cookie name means a
  value copied from another cookie does not verify.

Reading rules: a missing, malformed, tampered, foreign (other key or other
cookie name) or older-than-``max_age`` cookie gives an empty session, never
an error.

A cookie written by Starlette's SessionMiddleware (FastAPI's) with the same
``secret_key`` and cookie name is read too, so users of a service that moves
to asgiweb stay logged in (docs/api.md, "Static files, templates, sessions").
Its value is ``<payload>.<timestamp>.<signature>`` as itsdangerous'
``TimestampSigner`` writes it with its defaults: the payload is the session's
JSON in standard base64 (with padding), the timestamp and the signature are
URL-safe base64 without padding, and the signature is HMAC-SHA1 (RFC 2104) of
``payload.timestamp`` under the key ``SHA1(b"itsdangerous.Signer" + b"signer" +
secret)``.  It is tried only when a cookie is not one of ours, and checked by
the same rules (constant-time comparison, ``max_age``).  A changed session is
written back in asgiweb's own format.

Writing rules (as Starlette): the cookie is sent only when the session
changed: set with the new value when it holds data, cleared (``null``,
expired in 1970) when it was emptied and the request came with a session.
A session that was read gets ``Vary: Cookie``.  A change deep inside a value
(``session["cart"].append(x)``) is noticed too: an accessed session is
compared, as JSON, with what the cookie carried.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from typing import Any, Literal

from asgiweb.middleware import add_vary
from asgiweb.requests import parse_cookie_header
from asgiweb.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["Session", "SessionMiddleware"]

_KEY_CONTEXT = b"asgiweb.middleware.sessions.v1"
# itsdangerous' defaults, which Starlette's SessionMiddleware keeps: the salt and
# the "django-concat" key derivation, SHA1(salt + b"signer" + secret).
_STARLETTE_KEY_PREFIX = b"itsdangerous.Signer" + b"signer"
_CLEARED = "null"
_EPOCH = "expires=Thu, 01 Jan 1970 00:00:00 GMT; "


class Session(dict[str, Any]):
    """The session dict; remembers whether it was read and whether it was changed."""

    accessed: bool = False
    modified: bool = False

    def mark_accessed(self) -> None:
        self.accessed = True

    def mark_modified(self) -> None:
        self.accessed = True
        self.modified = True

    def __setitem__(self, key: str, value: Any) -> None:
        self.mark_modified()
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self.mark_modified()
        super().__delitem__(key)

    def clear(self) -> None:
        self.mark_modified()
        super().clear()

    def pop(self, key: str, *default: Any) -> Any:
        if key in self:
            self.mark_modified()
        return super().pop(key, *default)

    def popitem(self) -> tuple[str, Any]:
        item = super().popitem()
        self.mark_modified()
        return item

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self.mark_modified()
        return super().setdefault(key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self.mark_modified()
        super().update(*args, **kwargs)

    def __ior__(self, other: Any, /) -> Session:  # type: ignore[override,misc]
        self.mark_modified()
        super().update(other)
        return self


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _dumps(session: dict[str, Any]) -> bytes:
    return json.dumps(session, separators=(",", ":")).encode("utf-8")


class SessionMiddleware:
    """Puts ``scope["session"]`` (``request.session``) on every HTTP and WebSocket request."""

    marks_response_start = True
    """It sends nothing of its own: the inner app's start goes on at once (with the
    cookie added), so the marks the inner app's failures carry hold as they are
    (``asgiweb.middleware.marks_response_start``); a subclass must say so again."""

    def __init__(
        self,
        app: ASGIApp,
        secret_key: str | bytes | Any,
        session_cookie: str = "session",
        max_age: int | None = 14 * 24 * 60 * 60,  # 14 days, in seconds
        path: str = "/",
        same_site: Literal["lax", "strict", "none"] = "lax",
        https_only: bool = False,
        domain: str | None = None,
        partitioned: bool = False,
    ) -> None:
        secret = secret_key if isinstance(secret_key, bytes) else str(secret_key).encode("utf-8")
        if not secret:
            raise ValueError("SessionMiddleware needs a non-empty secret_key")
        self.app = app
        self._key = hmac.new(secret, _KEY_CONTEXT, hashlib.sha256).digest()
        # Starlette signs with ``str(secret_key)`` (a ``Secret`` gives its value).
        starlette_secret = str(secret_key).encode("utf-8")
        self._starlette_key = hashlib.sha1(_STARLETTE_KEY_PREFIX + starlette_secret).digest()
        self.session_cookie = session_cookie
        self._name = session_cookie.encode("utf-8")
        self.max_age = max_age
        self.path = path
        flags = f"httponly; samesite={same_site}"
        if https_only:
            flags += "; secure"
        if domain is not None:
            flags += f"; domain={domain}"
        if partitioned:
            flags += "; partitioned"
        self.security_flags = flags

    # -- the cookie value ----------------------------------------------------------

    def _signature(self, signed: bytes) -> bytes:
        return hmac.new(self._key, self._name + b"|" + signed, hashlib.sha256).digest()

    def sign(self, data: bytes, now: float | None = None) -> str:
        """The cookie value for the JSON ``data``, signed at ``now`` (default: the clock)."""
        stamp = int(time.time() if now is None else now)
        signed = f"{_b64encode(data)}.{_b64encode(stamp.to_bytes(8, 'big'))}"
        return f"{signed}.{_b64encode(self._signature(signed.encode('ascii')))}"

    def unsign(self, value: str, now: float | None = None) -> bytes | None:
        """The JSON a cookie value carries, or None if it is bad, foreign or too old."""
        signed, _, signature = value.rpartition(".")
        payload, _, stamp = signed.partition(".")
        if not payload or not stamp or not signed.isascii():
            return None
        try:
            expected = self._signature(signed.encode("ascii"))
            if not hmac.compare_digest(expected, _b64decode(signature)):
                return None
            data = _b64decode(payload)
            signed_at = int.from_bytes(_b64decode(stamp), "big")
        except (binascii.Error, ValueError):
            return None
        return data if self._fresh(signed_at, now) else None

    def _fresh(self, signed_at: int, now: float | None) -> bool:
        if self.max_age is None:
            return True
        age = (time.time() if now is None else now) - signed_at
        return -60 <= age <= self.max_age  # a minute of clock skew at most

    def unsign_starlette(self, value: str, now: float | None = None) -> bytes | None:
        """The JSON a cookie value written by Starlette's SessionMiddleware carries
        (see the module's docstring), or None if it is bad, foreign or too old."""
        signed, _, signature = value.rpartition(".")
        payload, _, stamp = signed.rpartition(".")
        if not payload or not stamp or not signed.isascii():
            return None
        try:
            expected = hmac.new(self._starlette_key, signed.encode("ascii"), hashlib.sha1).digest()
            if not hmac.compare_digest(expected, _b64decode(signature)):
                return None
            signed_at = int.from_bytes(_b64decode(stamp), "big")
            data = base64.b64decode(payload)
        except (binascii.Error, ValueError):
            return None
        return data if self._fresh(signed_at, now) else None

    def load(self, scope: Scope) -> tuple[Session, bytes | None]:
        """The request's session and its JSON as it came (None when there was none)."""
        header = b"; ".join(value for name, value in scope.get("headers", ()) if name == b"cookie")
        if header:
            value = parse_cookie_header(header.decode("latin-1")).get(self.session_cookie)
            if value:
                data = self.unsign(value)
                if data is None:  # not ours: perhaps Starlette's (a migrated service)
                    data = self.unsign_starlette(value)
                if data is not None:
                    try:
                        loaded = json.loads(data)
                    except ValueError:
                        loaded = None
                    if isinstance(loaded, dict):
                        return Session(loaded), _dumps(loaded)
        return Session(), None

    def set_cookie_header(self, session: Session, initial: bytes | None) -> bytes | None:
        """The ``set-cookie`` value to send for ``session`` at the response start, if any."""
        if not session.accessed:
            return None
        if session:
            data = _dumps(session)
            if not session.modified and data == initial:
                return None
            max_age = f"Max-Age={self.max_age}; " if self.max_age is not None else ""
            value = self.sign(data)
            header = (
                f"{self.session_cookie}={value}; path={self.path}; {max_age}{self.security_flags}"
            )
        elif session.modified and initial is not None:
            header = (
                f"{self.session_cookie}={_CLEARED}; path={self.path}; {_EPOCH}{self.security_flags}"
            )
        else:
            return None
        return header.encode("latin-1")

    # -- ASGI ----------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "http" and kind != "websocket":
            await self.app(scope, receive, send)
            return
        session, initial = self.load(scope)
        scope["session"] = session

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                current = scope["session"]
                if isinstance(current, Session) and current.accessed:
                    headers = list(message.get("headers", ()))
                    add_vary(headers, b"Cookie")
                    cookie = self.set_cookie_header(current, initial)
                    if cookie is not None:
                        headers.append((b"set-cookie", cookie))
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_cookie)
