"""The service `make run` starts (examples/main.py) behaves as its docstring says."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from asgiweb.testclient import TestClient

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "main.py"


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("example_main", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["example_main"] = module
    spec.loader.exec_module(module)
    return module


def test_example_service() -> None:
    app = load_example().app
    with TestClient(app) as client:
        assert client.get("/").text.startswith("asgiweb example service")
        assert client.get("/items/1").json() == {
            "item_id": 1,
            "q": None,
            "item": {"name": "Foo", "price": 3.5, "description": None},
        }
        assert client.get("/items/9").status_code == 404
        r = client.put("/items/2", json={"name": "Bar", "price": 4.5})
        assert r.status_code == 200
        assert r.json()["item"] == {"name": "Bar", "price": 4.5, "description": None}
        assert [row["item_id"] for row in client.get("/items").json()] == [1, 2]
        assert len(client.get("/items", params={"limit": 1}).json()) == 1
        bad = client.put("/items/2", json={"name": "Bar"})
        assert bad.status_code == 422
        assert bad.json()["detail"][0]["loc"] == ["body", "price"]
        assert client.get("/items", params={"limit": 0}).status_code == 422
