"""The App: lifespan (the database connection), middleware, the routers, the front end.

Serve it with ``make run`` or ``uvicorn --app-dir examples service.app:app``;
``create_app(Settings(...))`` builds another instance (the tests use
``Settings(database=":memory:", ...)``).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from asgiweb import App
from asgiweb.middleware import Middleware
from asgiweb.middleware.cors import CORSMiddleware
from asgiweb.middleware.gzip import GZipMiddleware
from asgiweb.staticfiles import StaticFiles

from .db import Database
from .routers import audit, exports, imports, items, preferences
from .settings import Settings

STATIC_DIR = Path(__file__).parent / "static"


def create_app(settings: Settings | None = None) -> App:
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: App) -> AsyncIterator[dict[str, Any]]:
        # Runs once per server process: each worker opens its own connection.
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        if settings.database not in ("", ":memory:"):
            Path(settings.database).parent.mkdir(parents=True, exist_ok=True)
        db = Database(settings.database_path)
        try:
            yield {"db": db, "settings": settings}  # becomes every request's request.state
        finally:
            db.close()

    app = App(
        title="Inventory",
        lifespan=lifespan,
        middleware=[
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                allow_headers=["content-type", "x-request-id"],
                allow_credentials=True,
                expose_headers=["content-disposition"],
            ),
            Middleware(GZipMiddleware, minimum_size=500),
        ],
    )
    app.include_router(items.router)
    app.include_router(preferences.router)
    app.include_router(exports.router)
    app.include_router(imports.router)
    app.include_router(audit.router, prefix="/admin", tags=["admin"])
    app.mount("/ui", StaticFiles(directory=STATIC_DIR, html=True), name="ui")

    @app.get("/")
    async def index() -> dict[str, Any]:
        return {
            "service": "inventory",
            "pid": os.getpid(),
            "links": ["/ui/", "/docs", "/items", "/preferences", "/exports/items.csv",
                      "/exports/items.xml", "/exports/report.txt", "/imports/items",
                      "/imports/items.csv", "/admin/audit", "/admin/audit/changes",
                      "/admin/audit/feed"],
        }

    return app


app = create_app()
