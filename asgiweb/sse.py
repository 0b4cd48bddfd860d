"""Server-Sent Events: ``EventSourceResponse`` and ``ServerSentEvent`` (docs/streaming.md).

A handler that ``yield``s, registered with ``response_class=EventSourceResponse``,
streams ``text/event-stream`` (the HTML Living Standard, "Server-sent events"):
each yielded item becomes one event, terminated by a blank line.

- A plain item (dict, list, dataclass, pydantic model, str, number...) is the
  event's data, encoded as JSON by ``asgiweb.encoders.render_json``: a str is
  quoted (``data: "hi"``), as FastAPI does.
- A ``ServerSentEvent`` sets the fields itself: ``data`` (JSON-encoded), or
  ``raw_data`` (sent as it is), ``event``, ``id``, ``retry`` (milliseconds) and
  ``comment``.  Text that spans lines becomes one ``data:`` (or ``:``) line per
  line, which the browser joins back with newlines.
- While the handler yields nothing for ``PING_INTERVAL`` seconds (15, as in
  FastAPI), a ``: ping`` comment keeps proxies and load balancers from
  closing an idle connection; ``EventSource`` ignores comments.
- Every answer carries ``Cache-Control: no-cache`` and ``X-Accel-Buffering: no``
  (tells nginx not to buffer the stream); any HTTP method works.

The wiring from a yielding handler to this response is in
``asgiweb._endpoint.streams``; ``EventSourceResponse`` itself is in
``asgiweb.responses.sse``.
"""

from __future__ import annotations

from typing import Any

from asgiweb.encoders import render_json
from asgiweb.encoders.jsonable import render_json_after
from asgiweb.responses.sse import EventSourceResponse

__all__ = [
    "KEEPALIVE_COMMENT",
    "PING_INTERVAL",
    "EventSourceResponse",
    "ServerSentEvent",
    "encode_event",
    "format_sse_event",
]

KEEPALIVE_COMMENT = b": ping\n\n"
# Seconds of silence before a keep-alive comment; read when a stream starts, so a
# test may lower it (``monkeypatch.setattr(asgiweb.sse, "PING_INTERVAL", 0.1)``).
PING_INTERVAL: float = 15.0


def _single_line(value: str | None, field: str) -> str | None:
    if value is not None and ("\n" in value or "\r" in value):
        raise ValueError(f"SSE {field!r} must be a single line")
    return value


class ServerSentEvent:
    """One event with its fields; yield it from an SSE handler.

    ``data`` is JSON-encoded; ``raw_data`` is a string sent without encoding
    (the two exclude each other).  ``event`` and ``id`` must be one line (and
    ``id`` free of NUL, which would make the browser ignore it); ``retry`` is a
    non-negative number of milliseconds.
    """

    __slots__ = ("comment", "data", "event", "id", "raw_data", "retry")

    def __init__(
        self,
        data: Any = None,
        *,
        raw_data: str | None = None,
        event: str | None = None,
        id: str | None = None,
        retry: int | None = None,
        comment: str | None = None,
    ) -> None:
        if data is not None and raw_data is not None:
            raise ValueError("a ServerSentEvent takes data= or raw_data=, not both")
        if id is not None and "\0" in id:
            raise ValueError("SSE 'id' must not contain NUL characters")
        if retry is not None and (
            isinstance(retry, bool) or not isinstance(retry, int) or retry < 0
        ):
            raise ValueError(f"SSE 'retry' must be a non-negative int, not {retry!r}")
        self.data = data
        self.raw_data = raw_data
        self.event = _single_line(event, "event")
        self.id = _single_line(id, "id")
        self.retry = retry
        self.comment = comment

    def __repr__(self) -> str:
        fields = ", ".join(
            f"{name}={getattr(self, name)!r}"
            for name in self.__slots__
            if getattr(self, name) is not None
        )
        return f"ServerSentEvent({fields})"


def _lines(text: str) -> list[str]:
    # The event-stream format ends a line with CRLF, LF or CR.
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def format_sse_event(
    *,
    data_str: str | None = None,
    event: str | None = None,
    id: str | None = None,
    retry: int | None = None,
    comment: str | None = None,
) -> bytes:
    """The wire form of one event whose data is already text; ends with a blank line."""
    out: list[str] = []
    if comment is not None:
        out.extend(f": {line}" for line in _lines(comment))
    if event is not None:
        out.append(f"event: {event}")
    if data_str is not None:
        out.extend(f"data: {line}" for line in _lines(data_str))
    if id is not None:
        out.append(f"id: {id}")
    if retry is not None:
        out.append(f"retry: {retry}")
    out.append("\n")
    return "\n".join(out).encode("utf-8")


def encode_event(item: Any) -> bytes:
    """One yielded item in the wire format (see the module docstring)."""
    if type(item) is not ServerSentEvent:
        if isinstance(item, ServerSentEvent):  # a subclass
            return _encode_fields(item)
        # PERF: the common case, one JSON encoding and one small concatenation.
        try:
            return b"data: " + render_json(item) + b"\n\n"
        except ValueError as exc:  # a NaN or an infinity: null, as FastAPI streams it
            return b"data: " + render_json_after(exc, item) + b"\n\n"
    return _encode_fields(item)


def _encode_fields(item: ServerSentEvent) -> bytes:
    if item.raw_data is not None:
        data: str | None = item.raw_data
    elif item.data is not None:
        try:
            data = render_json(item.data).decode("utf-8")
        except ValueError as exc:
            data = render_json_after(exc, item.data).decode("utf-8")
    else:
        data = None
    return format_sse_event(
        data_str=data, event=item.event, id=item.id, retry=item.retry, comment=item.comment
    )
