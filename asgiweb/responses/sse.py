"""EventSourceResponse: the ``text/event-stream`` response class (docs/streaming.md).

It lives with the other responses so that ``asgiweb.responses`` exports it, as
``fastapi.responses`` does; ``asgiweb.sse`` re-exports it beside
``ServerSentEvent`` and says how a yielding handler's items are encoded.
"""

from __future__ import annotations

from asgiweb.responses.streaming import StreamingResponse

__all__ = ["EventSourceResponse"]


class EventSourceResponse(StreamingResponse):
    """A ``text/event-stream`` response; the ``response_class`` of an SSE handler.

    Given a handler that yields, the route encodes each item as an event
    (``asgiweb.sse``); given an iterator of ``bytes``/``str`` already in the
    wire format, it streams that as it is.
    """

    media_type = "text/event-stream"
