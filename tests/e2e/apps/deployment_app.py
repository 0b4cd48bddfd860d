"""The app tests/e2e/test_deployment.py serves with uvicorn's deployment options.

``DEPLOY_DIR`` names a directory: the lifespan writes ``started-<pid>`` there at
startup and ``stopped-<pid>`` at shutdown; ``/slow`` writes ``slow-started`` when
it begins, so a test knows the request is in flight before it stops the server.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from asgiweb import App, Request


def marker(name: str) -> Path:
    return Path(os.environ["DEPLOY_DIR"]) / name


@asynccontextmanager
async def lifespan(app: App) -> AsyncIterator[None]:
    marker(f"started-{os.getpid()}").write_text("started")
    yield
    marker(f"stopped-{os.getpid()}").write_text("stopped")


app = App(lifespan=lifespan)


@app.get("/pid")
async def pid() -> dict[str, int]:
    return {"pid": os.getpid()}


@app.get("/whoami", name="whoami")
async def whoami(request: Request) -> dict[str, Any]:
    return {
        "client": list(request.client) if request.client else None,
        "scheme": request.url.scheme,
        "url": str(request.url),
        "root_path": request.scope.get("root_path", ""),
        "path": request.url.path,
    }


@app.get("/slow")
async def slow(seconds: float = 1.0) -> dict[str, float]:
    marker("slow-started").write_text(str(os.getpid()))
    await asyncio.sleep(seconds)
    return {"slept": seconds}



# The app wrapped in each server's own proxy-headers middleware (neither server has a
# command-line option for X-Forwarded-*). Factories, so this module imports without
# either server: `hypercorn 'apps.deployment_app:hypercorn_proxied()'` and
# `granian --factory apps.deployment_app:granian_proxied`.


def hypercorn_proxied() -> Any:
    from hypercorn.middleware import ProxyFixMiddleware

    return ProxyFixMiddleware(app, mode="legacy", trusted_hops=1)


def granian_proxied() -> Any:
    from granian.utils.proxies import wrap_asgi_with_proxy_headers

    return wrap_asgi_with_proxy_headers(app, trusted_hosts="127.0.0.1")
