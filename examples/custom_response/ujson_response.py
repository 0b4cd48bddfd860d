# FastAPI docs, "Custom Response - HTML, Stream, File, others":
# the example as published, only the imports changed (FastAPI() becomes App()).
# Driven by tests/test_examples_responses.py.

from asgiweb import App
from asgiweb.responses import UJSONResponse

app = App()


@app.get("/items/", response_class=UJSONResponse)
async def read_items():
    return [{"item_id": "Foo"}]
