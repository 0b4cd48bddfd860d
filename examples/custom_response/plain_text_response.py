# FastAPI docs, "Custom Response - HTML, Stream, File, others":
# the example as published, only the imports changed (FastAPI() becomes App()).
# Driven by tests/test_examples_responses.py.

from asgiweb import App
from asgiweb.responses import PlainTextResponse

app = App()


@app.get("/", response_class=PlainTextResponse)
async def main():
    return "Hello World"
