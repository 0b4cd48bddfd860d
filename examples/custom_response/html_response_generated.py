# FastAPI docs, "Custom Response - HTML, Stream, File, others":
# the example as published, only the imports changed (FastAPI() becomes App()).
# Driven by tests/test_examples_responses.py.

from asgiweb import App
from asgiweb.responses import HTMLResponse

app = App()


def generate_html_response():
    html_content = """
    <html>
        <head>
            <title>Some HTML in here</title>
        </head>
        <body>
            <h1>Look ma! HTML!</h1>
        </body>
    </html>
    """
    return HTMLResponse(content=html_content, status_code=200)


@app.get("/items/", response_class=HTMLResponse)
async def read_items():
    return generate_html_response()
