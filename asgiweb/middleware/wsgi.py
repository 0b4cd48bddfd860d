"""``WSGIMiddleware``: a WSGI app (Flask, Django...) served as an ASGI app, to mount
beside asgiweb's routes: ``app.mount("/v1", WSGIMiddleware(flask_app))``.

This is a2wsgi's adapter, the one FastAPI's documentation uses (it runs the WSGI
app in worker threads and streams both bodies); asgiweb does not write its own.
It is loaded only when this module is imported: install it with
``pip install 'asgiweb[wsgi]'`` (docs/api.md, "Middleware").
"""

from __future__ import annotations

try:
    from a2wsgi import WSGIMiddleware
except ImportError as exc:  # pragma: no cover - the test environment has it
    raise ImportError(
        "asgiweb.middleware.wsgi needs the a2wsgi package: pip install 'asgiweb[wsgi]'"
    ) from exc

__all__ = ["WSGIMiddleware"]
