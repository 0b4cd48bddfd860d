"""From the handler's return value to the Response (docs/dependencies.md, "Response models").

``compile_finisher`` decides once per route what happens to a returned value:
a ``Response`` passes untouched; anything else is rendered by the route's
response class, with the status and headers a handler set on its injected
``Response``, and background tasks attached.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from asgiweb.background import BackgroundTasks
from asgiweb.responses import Response

__all__ = ["Finisher", "compile_finisher"]

Finisher = Callable[[Any, Response | None, BackgroundTasks | None], Response]


def compile_finisher(response_class: type[Response], status_code: int | None) -> Finisher:
    def finish(value: Any, temporary: Response | None, tasks: BackgroundTasks | None) -> Response:
        if isinstance(value, Response):
            response = value
        else:
            if status_code is None:
                response = response_class(value)
            else:
                response = response_class(value, status_code=status_code)
            if temporary is not None:
                if temporary.status_code:
                    response.status_code = temporary.status_code
                response.raw_headers.extend(temporary.raw_headers)
        if tasks is not None:
            existing = response.background
            if existing is None:
                response.background = tasks
            elif existing is not tasks:
                response.background = BackgroundTasks([existing, tasks])
        return response

    return finish
