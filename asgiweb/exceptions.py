"""Exceptions a handler raises on purpose, and the ones asgiweb raises for bad requests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

__all__ = [
    "ClientDisconnect",
    "HTTPException",
    "RequestValidationError",
    "ResponseValidationError",
]


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


class RequestValidationError(Exception):
    """The request did not fit the handler's parameters: answered with 422.

    ``errors`` is the list FastAPI puts under ``"detail"``: one dict per
    problem with ``type``, ``loc``, ``msg`` and ``input``.
    """

    def __init__(self, errors: Sequence[dict[str, Any]], *, body: Any = None) -> None:
        super().__init__(errors)
        self._errors = list(errors)
        self.body = body

    def errors(self) -> list[dict[str, Any]]:
        return self._errors

    def __str__(self) -> str:
        return f"{len(self._errors)} validation error(s): {self._errors!r}"


class ResponseValidationError(Exception):
    """The handler's return value did not fit its response model: a server error (500).

    ``errors()`` lists the problems as ``RequestValidationError`` does, located
    under ``"response"``; ``body`` is the value the handler returned.
    """

    def __init__(self, errors: Sequence[dict[str, Any]], *, body: Any = None) -> None:
        super().__init__(errors)
        self._errors = list(errors)
        self.body = body

    def errors(self) -> list[dict[str, Any]]:
        return self._errors

    def __str__(self) -> str:
        lines = [f"{len(self._errors)} validation error(s) in the response:"]
        lines.extend(f"  {err.get('loc')}: {err.get('msg')}" for err in self._errors)
        return "\n".join(lines)


class ClientDisconnect(Exception):
    """The client went away while the request body was being read."""
