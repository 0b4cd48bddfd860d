# FastAPI docs, "Return a Response Directly":
# the example as published, only the imports changed (FastAPI() becomes App()).
# Driven by tests/test_examples_responses.py.

from datetime import datetime
from typing import Union

from pydantic import BaseModel

from asgiweb import App
from asgiweb.encoders import jsonable_encoder
from asgiweb.responses import JSONResponse


class Item(BaseModel):
    title: str
    timestamp: datetime
    description: Union[str, None] = None  # noqa: UP007 - as published


app = App()


@app.put("/items/{id}")
def update_item(id: str, item: Item):
    json_compatible_item_data = jsonable_encoder(item)
    return JSONResponse(content=json_compatible_item_data)
