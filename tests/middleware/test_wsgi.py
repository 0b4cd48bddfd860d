"""A WSGI app mounted beside asgiweb's routes, side by side with FastAPI.

``asgiweb.middleware.wsgi.WSGIMiddleware`` is a2wsgi's adapter (what FastAPI's
documentation mounts); what asgiweb owns is the mount: the scope it hands the
WSGI app (``SCRIPT_NAME``/``PATH_INFO`` from the prefix and the root path, the
query string, the headers, the body) and the streamed answer on the way back.
"""

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

from tests.oracle.sidebyside import Call, Framework, same_answers

StartResponse = Callable[..., Any]


def wsgi_echo(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """Reports what the WSGI side saw; ``/stream`` answers in three chunks."""
    if environ["PATH_INFO"] == "/stream":
        start_response("200 OK", [("Content-Type", "text/plain")])

        def chunks() -> Iterator[bytes]:
            yield from (b"one ", b"two ", b"three")

        return chunks()
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    seen = {
        "method": environ["REQUEST_METHOD"],
        "script_name": environ["SCRIPT_NAME"],
        "path_info": environ["PATH_INFO"],
        "query": environ["QUERY_STRING"],
        "content_type": environ.get("CONTENT_TYPE", ""),
        "x_token": environ.get("HTTP_X_TOKEN", ""),
        "host": environ.get("HTTP_HOST", ""),
        "body": body.decode("latin-1"),
    }
    status = "404 Not Found" if environ["PATH_INFO"] == "/missing" else "200 OK"
    start_response(status, [("Content-Type", "application/json"), ("X-Wsgi", "yes")])
    return [json.dumps(seen).encode()]


def mounted_app(fw: Framework) -> Any:
    from asgiweb.middleware.wsgi import WSGIMiddleware

    app = fw.App()

    @app.get("/v2")
    def v2() -> Any:
        return {"message": "from the app"}

    app.mount("/v1", WSGIMiddleware(wsgi_echo))  # type: ignore[arg-type]
    return app


CALLS = [
    "/v2",
    "/v1/",
    "/v1/hello?name=world&x=%20y",
    "/v1/missing",
    "/v1/stream",
    Call.post("/v1/form", data={"a": "1", "b": "two"}),
    Call.post("/v1/json", json={"k": [1, 2]}, headers={"x-token": "t"}),
    Call("PUT", "/v1/raw", content=b"\x00\xffraw"),
]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("root_path", ["", "/api"])
def test_a_mounted_wsgi_app_sees_and_answers_as_under_fastapi(root_path: str) -> None:
    answers = same_answers(
        mounted_app,
        CALLS,
        headers=("content-type", "x-wsgi"),
        client_options={"root_path": root_path},
    )
    hello = answers[2]["body"]
    assert (hello["script_name"], hello["path_info"]) == (f"{root_path}/v1", "/hello")
    assert hello["query"] == "name=world&x=%20y"
    assert answers[3]["status"] == 404 and answers[4]["body"] == "one two three"
    assert answers[6]["body"]["x_token"] == "t"
