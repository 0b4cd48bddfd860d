"""Each FastAPI custom-response example in examples/custom_response/, run as published."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from asgiweb.testclient import TestClient

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "custom_response"
HTML = """
    <html>
        <head>
            <title>Some HTML in here</title>
        </head>
        <body>
            <h1>Look ma! HTML!</h1>
        </body>
    </html>
    """


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        f"custom_response_{name}", EXAMPLES / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def client_for(name: str) -> TestClient:
    return TestClient(load(name).app)


def test_every_example_has_a_test() -> None:
    tested = {
        "orjson_response",
        "ujson_response",
        "html_response_class",
        "html_response_direct",
        "html_response_generated",
        "plain_text_response",
        "redirect_direct",
        "redirect_response_class",
        "redirect_status_code",
        "streaming_response",
        "streaming_file_like",
        "file_response_direct",
        "file_response_class",
        "custom_response_class",
        "default_response_class",
        "jsonable_encoder_response",
        "legacy_xml_response",
    }
    assert {p.stem for p in EXAMPLES.glob("*.py")} == tested


@pytest.mark.parametrize("name", ["orjson_response", "ujson_response", "default_response_class"])
def test_json_variants(name: str) -> None:
    with client_for(name) as client:
        response = client.get("/items/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == [{"item_id": "Foo"}]


@pytest.mark.parametrize(
    "name", ["html_response_class", "html_response_direct", "html_response_generated"]
)
def test_html_examples(name: str) -> None:
    with client_for(name) as client:
        response = client.get("/items/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.text == HTML


def test_plain_text() -> None:
    with client_for("plain_text_response") as client:
        response = client.get("/")
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text == "Hello World"


@pytest.mark.parametrize(
    ("name", "path", "status", "location"),
    [
        ("redirect_direct", "/typer", 307, "https://typer.tiangolo.com"),
        ("redirect_response_class", "/fastapi", 307, "https://fastapi.tiangolo.com"),
        ("redirect_status_code", "/pydantic", 302, "https://docs.pydantic.dev/"),
    ],
)
def test_redirects(name: str, path: str, status: int, location: str) -> None:
    with client_for(name) as client:
        response = client.get(path, follow_redirects=False)
    assert response.status_code == status
    assert response.headers["location"] == location
    assert response.content == b""


def test_streaming_response_chunks_arrive_one_by_one() -> None:
    with client_for("streaming_response") as client, client.stream("GET", "/") as response:
        assert response.status_code == 200
        assert "content-length" not in response.headers
        chunks = list(response.iter_bytes())
    assert b"".join(chunks) == b"some fake video bytes" * 10
    assert len(chunks) >= 2  # streamed, not one buffered body


@pytest.fixture
def video(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[bytes]:
    """The examples name ``large-video-file.mp4`` relative to the working directory."""
    data = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 600 + b"\n" * 3
    (tmp_path / "large-video-file.mp4").write_bytes(data)
    monkeypatch.chdir(tmp_path)
    yield data


def test_streaming_file_like(video: bytes) -> None:
    with client_for("streaming_file_like") as client:
        response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "video/mp4"
    assert response.content == video


@pytest.mark.parametrize("name", ["file_response_direct", "file_response_class"])
def test_file_response_examples(name: str, video: bytes) -> None:
    with client_for(name) as client:
        response = client.get("/")
        assert response.status_code == 200
        assert response.headers["content-type"] == "video/mp4"
        assert response.headers["content-length"] == str(len(video))
        assert response.headers["accept-ranges"] == "bytes"
        assert response.content == video
        etag = response.headers["etag"]
        ranged = client.get("/", headers={"range": "bytes=4-11"})
        assert ranged.status_code == 206
        assert ranged.content == b"ftypmp42"
        assert client.get("/", headers={"if-none-match": etag}).status_code == 304
        head = client.head("/")
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-length"] == str(len(video))


def test_custom_response_class_render() -> None:
    with client_for("custom_response_class") as client:
        response = client.get("/")
    assert response.headers["content-type"] == "application/json"
    assert response.content == b'{\n  "message": "Hello World"\n}'


def test_jsonable_encoder_with_a_returned_jsonresponse() -> None:
    with client_for("jsonable_encoder_response") as client:
        response = client.put(
            "/items/foo", json={"title": "Bar", "timestamp": "2026-01-02T03:04:05"}
        )
    assert response.status_code == 200
    assert response.json() == {
        "title": "Bar",
        "timestamp": "2026-01-02T03:04:05",
        "description": None,
    }


def test_legacy_xml_response() -> None:
    with client_for("legacy_xml_response") as client:
        response = client.get("/legacy/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/xml"
    assert response.text.startswith('<?xml version="1.0"?>\n    <shampoo>')
    assert "You'll have to use soap here." in response.text
