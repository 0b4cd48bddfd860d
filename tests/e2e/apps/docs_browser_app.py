"""The app the browser test opens: Swagger UI served from local assets.

``ASGIWEB_DOCS_ASSETS`` names the ``swagger-ui-dist`` directory
(tests/test_browser_docs.py installs it); its files are served under
``/assets`` with FileResponse, and ``/docs`` points Swagger UI at them.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
from typing import Annotated

from asgiweb import App, HTTPException, Path, Query
from asgiweb.openapi.docs import get_swagger_ui_html
from asgiweb.responses import FileResponse, HTMLResponse

ASSETS = pathlib.Path(os.environ.get("ASGIWEB_DOCS_ASSETS", "."))

app = App(title="Browser sample", version="1.0.0", docs_url=None)


@dataclasses.dataclass
class Item:
    item_id: int
    name: str
    tags: list[str] = dataclasses.field(default_factory=list)


@app.get("/docs", include_in_schema=False)
def docs() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="Browser sample - Swagger UI",
        swagger_js_url="/assets/swagger-ui-bundle.js",
        swagger_css_url="/assets/swagger-ui.css",
        swagger_favicon_url="/assets/favicon-32x32.png",
    )


@app.get("/assets/{name}", include_in_schema=False)
def asset(name: str) -> FileResponse:
    found = ASSETS / name
    if "/" in name or not found.is_file():
        raise HTTPException(404)
    return FileResponse(found)


@app.get("/items/{item_id}", tags=["items"])
def read_item(
    item_id: Annotated[int, Path(ge=1, description="Which item")],
    tag: Annotated[str | None, Query(description="Add this tag")] = None,
) -> Item:
    """Read one item."""
    return Item(item_id=item_id, name=f"item {item_id}", tags=[tag] if tag else [])


@app.post("/items", tags=["items"], status_code=201)
def create_item(item: Item) -> Item:
    return item


@app.delete("/items/{item_id}", tags=["items"], status_code=204)
def delete_item(item_id: int) -> None:
    return None
