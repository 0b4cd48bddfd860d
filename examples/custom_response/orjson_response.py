# FastAPI docs, "Custom Response - HTML, Stream, File, others":
# the example as published, only the imports changed (FastAPI() becomes App()).
# Driven by tests/test_examples_responses.py.

from asgiweb import App
from asgiweb.responses import ORJSONResponse

app = App()


@app.get("/items/", response_class=ORJSONResponse)
async def read_items():
    return ORJSONResponse([{"item_id": "Foo"}])
