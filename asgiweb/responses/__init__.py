"""Every response class, each an ASGI app that sends itself (docs/api.md, "Responses").

The import path ``asgiweb.responses`` is the public one; the modules behind it hold
one family each: ``base`` (Response, PlainText, HTML), ``json``, ``xml``,
``redirect``, ``streaming``, ``sse`` and ``files``.
"""

from asgiweb.responses.base import HTMLResponse, PlainTextResponse, Response
from asgiweb.responses.files import FileResponse
from asgiweb.responses.json import JSONResponse, ORJSONResponse, UJSONResponse
from asgiweb.responses.redirect import RedirectResponse
from asgiweb.responses.sse import EventSourceResponse
from asgiweb.responses.streaming import StreamingResponse
from asgiweb.responses.xml import XMLResponse

__all__ = [
    "EventSourceResponse",
    "FileResponse",
    "HTMLResponse",
    "JSONResponse",
    "ORJSONResponse",
    "PlainTextResponse",
    "RedirectResponse",
    "Response",
    "StreamingResponse",
    "UJSONResponse",
    "XMLResponse",
]
