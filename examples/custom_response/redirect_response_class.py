# FastAPI docs, "Custom Response - HTML, Stream, File, others":
# the example as published, only the imports changed (FastAPI() becomes App()).
# Driven by tests/test_examples_responses.py.

from asgiweb import App
from asgiweb.responses import RedirectResponse

app = App()


@app.get("/fastapi", response_class=RedirectResponse)
async def redirect_fastapi():
    return "https://fastapi.tiangolo.com"
