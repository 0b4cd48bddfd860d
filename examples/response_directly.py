"""FastAPI's "Return a Response Directly" page, on asgiweb: only the imports changed.

The ``Item`` body is a dataclass, validated by asgiweb itself; a pydantic model with
the same fields works unchanged when pydantic is installed (asgiweb hands it to
pydantic).  Try it with ``uvicorn --app-dir examples response_directly:app``:

    curl -X PUT http://127.0.0.1:8000/items/foo -H 'content-type: application/json' \\
         -d '{"title": "Foo", "timestamp": "2024-01-02T03:04:05"}'
    curl http://127.0.0.1:8000/legacy/
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from asgiweb import App, Response
from asgiweb.encoders import jsonable_encoder
from asgiweb.responses import JSONResponse


@dataclass
class Item:
    title: str
    timestamp: datetime
    description: str | None = None


app = App()


@app.put("/items/{id}")
def update_item(id: str, item: Item) -> JSONResponse:
    json_compatible_item_data = jsonable_encoder(item)
    return JSONResponse(content=json_compatible_item_data)


@app.get("/legacy/")
def get_legacy_data() -> Response:
    data = """<?xml version="1.0"?>
    <shampoo>
    <Header>
        Apply shampoo here.
    </Header>
    <Body>
        You'll have to use soap here.
    </Body>
    </shampoo>
    """
    return Response(content=data, media_type="application/xml")
