# FastAPI docs, "Custom Response - HTML, Stream, File, others":
# the example as published, only the imports changed (FastAPI() becomes App()).
# Driven by tests/test_examples_responses.py.

from asgiweb import App
from asgiweb.responses import FileResponse

some_file_path = "large-video-file.mp4"
app = App()


@app.get("/", response_class=FileResponse)
async def main():
    return some_file_path
