"""The example service (examples/service): every route through the TestClient,
then once under a real uvicorn (the same checks the server suite runs)."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from asgiweb.testclient import TestClient
from examples.service import app as service_app
from examples.service import crud
from examples.service.app import create_app
from examples.service.db import Database, get_db
from examples.service.deps import get_settings
from examples.service.models import ItemIn
from examples.service.settings import DEFAULT_ORIGINS, FEED_POLL_BOUNDS, Settings
from tests.e2e.serverutil import REPO, run_server
from tests.e2e.service_checks import check_service

ORIGIN = "http://127.0.0.1:8000"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(Settings(data_dir=tmp_path, database=":memory:", feed_poll=0.05))
    with TestClient(app) as client:
        yield client


def add(client: TestClient, name: str, quantity: int = 1, price: float = 1.0, **extra: object
        ) -> dict[str, object]:
    r = client.post("/items", json={"name": name, "quantity": quantity, "price": price, **extra})
    assert r.status_code == 201, r.text
    body: dict[str, object] = r.json()
    return body


def test_index_lists_the_links(client: TestClient) -> None:
    body = client.get("/").json()
    assert body["service"] == "inventory" and body["pid"] == os.getpid()
    assert "/items" in body["links"]


def test_crud_round_trip(client: TestClient) -> None:
    created = add(client, "bolt", 10, 0.25, description="M4")
    assert created == {"id": 1, "name": "bolt", "quantity": 10, "price": 0.25, "description": "M4"}
    assert client.get("/items/1").json() == created

    r = client.put("/items/1", json={"name": "nut", "quantity": 3})
    assert r.json() == {"id": 1, "name": "nut", "quantity": 3, "price": 0.0, "description": None}
    r = client.patch("/items/1", json={"price": 2.5})
    assert r.json() == {"id": 1, "name": "nut", "quantity": 3, "price": 2.5, "description": None}
    assert client.patch("/items/1", json={}).json()["price"] == 2.5  # nothing to change

    r = client.delete("/items/1")
    assert (r.status_code, r.content) == (204, b"")
    assert client.get("/items/1").status_code == 404


@pytest.mark.parametrize(
    ("method", "json"),
    [("GET", None), ("PUT", {"name": "x"}), ("PATCH", {"name": "x"}), ("DELETE", None)],
)
def test_missing_item_is_404(client: TestClient, method: str, json: object) -> None:
    r = client.request(method, "/items/42", json=json)
    assert (r.status_code, r.json()) == (404, {"detail": "item 42 not found"})


def test_bad_bodies_are_422(client: TestClient) -> None:
    r = client.post("/items", json={"quantity": 1})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "name"]
    r = client.post("/items", json={"name": "x", "quantity": "many"})
    assert r.json()["detail"][0]["loc"] == ["body", "quantity"]
    r = client.post("/items", json={"name": "x", "quantity": -1})
    assert (r.status_code, r.json()) == (422, {"detail": "quantity must not be negative"})
    add(client, "ok")
    r = client.patch("/items/1", json={"price": -2})
    assert (r.status_code, r.json()) == (422, {"detail": "price must not be negative"})
    assert client.get("/items/abc").status_code == 422


def test_pagination_and_filter(client: TestClient) -> None:
    for i in range(25):
        add(client, f"part-{i:02d}", description="blue" if i % 5 == 0 else None)
    page = client.get("/items").json()
    assert (page["total"], page["limit"], page["offset"], len(page["items"])) == (25, 20, 0, 20)
    page = client.get("/items", params={"limit": 10, "offset": 20}).json()
    assert [item["name"] for item in page["items"]] == [f"part-{i}" for i in range(20, 25)]
    page = client.get("/items", params={"q": "blue"}).json()
    assert page["total"] == 5 and {item["id"] for item in page["items"]} == {1, 6, 11, 16, 21}
    page = client.get("/items", params={"q": "part-1"}).json()
    assert page["total"] == 10
    # LIKE wildcards in q are taken literally
    assert client.get("/items", params={"q": "%"}).json()["total"] == 0
    assert client.get("/items", params={"q": "part_0"}).json()["total"] == 0


@pytest.mark.parametrize(
    ("params", "loc", "error"),
    [
        ({"limit": 0}, "limit", "greater_than_equal"),
        ({"limit": 101}, "limit", "less_than_equal"),
        ({"offset": -1}, "offset", "greater_than_equal"),
        ({"limit": "ten"}, "limit", "int_parsing"),
        ({"q": "x" * 101}, "q", "string_too_long"),
    ],
)
def test_list_parameters_are_validated(
    client: TestClient, params: dict[str, object], loc: str, error: str
) -> None:
    r = client.get("/items", params=params)
    assert r.status_code == 422
    assert [(e["loc"], e["type"]) for e in r.json()["detail"]] == [(["query", loc], error)]


def test_page_size_cookie(client: TestClient) -> None:
    for i in range(8):
        add(client, f"p{i}")
    assert client.get("/preferences").json() == {"page_size": 20}
    r = client.put("/preferences/page-size", params={"size": 3})
    assert r.json() == {"page_size": 3}
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("page_size=3;")
    assert "HttpOnly" in cookie and "Max-Age=31536000" in cookie
    assert client.get("/preferences").json() == {"page_size": 3}
    page = client.get("/items").json()
    assert (page["limit"], len(page["items"])) == (3, 3)
    assert client.get("/items", params={"limit": 5}).json()["limit"] == 5  # explicit wins
    assert client.put("/preferences/page-size", params={"size": 0}).status_code == 422
    assert client.put("/preferences/page-size").status_code == 422
    r = client.delete("/preferences/page-size")
    assert "Max-Age=0" in r.headers["set-cookie"] or "expires=" in r.headers["set-cookie"].lower()
    assert client.get("/items").json()["limit"] == 20
    # a cookie out of range is clamped, never a 500
    assert client.get("/items", cookies={"page_size": "1000"}).json()["limit"] == 100


def test_audit_log_written_after_each_change(client: TestClient) -> None:
    add(client, "a")
    client.put("/items/1", json={"name": "b"})
    client.patch("/items/1", json={"quantity": 4})
    client.delete("/items/1")
    client.get("/items/1")  # reads are not audited
    entries = client.get("/admin/audit").json()
    assert [(e["action"], e["item_id"], e["detail"]) for e in entries] == [
        ("delete", 1, ""), ("patch", 1, "b"), ("replace", 1, "b"), ("create", 1, "a"),
    ]
    assert all(e["at"].endswith("Z") for e in entries)
    assert len(client.get("/admin/audit", params={"limit": 2}).json()) == 2
    assert client.get("/admin/audit", params={"limit": 0}).status_code == 422


def test_changes_since_an_entry(client: TestClient) -> None:
    assert client.get("/admin/audit/changes").json() == {"changes": [], "last_id": 0}
    for name in ("a", "b", "c"):
        add(client, name)
    first = client.get("/admin/audit/changes", params={"limit": 2}).json()
    assert [(c["id"], c["detail"]) for c in first["changes"]] == [(1, "a"), (2, "b")]
    assert first["last_id"] == 2
    rest = client.get("/admin/audit/changes", params={"after": first["last_id"]}).json()
    assert [(c["id"], c["action"], c["detail"]) for c in rest["changes"]] == [(3, "create", "c")]
    done = client.get("/admin/audit/changes", params={"after": rest["last_id"]}).json()
    assert done == {"changes": [], "last_id": 3}
    assert client.get("/admin/audit/changes", params={"after": -1}).status_code == 422


def test_a_failed_change_is_not_audited(client: TestClient) -> None:
    client.put("/items/9", json={"name": "x"})
    client.post("/items", json={"name": "x", "price": -1})
    assert client.get("/admin/audit").json() == []


def test_xml_export(client: TestClient) -> None:
    add(client, "a & b", 2, 1.5)
    add(client, "c", 0, 0, description="<d>")
    r = client.get("/exports/items.xml")
    assert r.headers["content-type"] == "application/xml"
    root = ET.fromstring(r.content)
    assert root.tag == "inventory" and root.get("count") == "2"
    first, second = root.findall("item")
    assert (first.get("id"), first.findtext("name")) == ("1", "a & b")
    assert first.findtext("price") == "1.5"
    assert second.findtext("description") == "<d>" and first.findtext("description") == ""


def test_csv_export_streams_every_row(client: TestClient) -> None:
    # more rows than one database page (100) and than one chunk (16 KiB)
    for i in range(260):
        add(client, f"item, \"{i}\"", i, i / 4, description="x" * 50)
    with client.stream("GET", "/exports/items.csv") as r:
        assert r.headers["content-type"] == "text/csv; charset=utf-8"
        assert r.headers["content-disposition"] == 'attachment; filename="items.csv"'
        assert "content-length" not in r.headers
        chunks = list(r.iter_bytes())
    assert len(chunks) > 1
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode())))
    assert rows[0] == ["id", "name", "quantity", "price", "description"]
    assert len(rows) == 261
    assert rows[1] == ["1", 'item, "0"', "0", "0.0", "x" * 50]
    assert rows[260][:3] == ["260", 'item, "259"', "259"]


def test_csv_export_is_gzipped_for_clients_that_accept_it(client: TestClient) -> None:
    add(client, "a")
    r = client.get("/exports/items.csv", headers={"accept-encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip"
    assert r.content.decode().startswith("id,name")  # the client decoded it
    raw = client.get("/", headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in raw.headers  # small bodies are left alone


def test_report_download_with_ranges(client: TestClient, tmp_path: Path) -> None:
    add(client, "bolt", 10, 0.25)
    add(client, "nut", 3, 2.0)
    # GZip compresses the report for a client that accepts gzip, and weakens the ETag
    # (RFC 9110: the bytes differ), so ranges go with an uncompressed download.
    zipped = client.get("/exports/report.txt", headers={"accept-encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["etag"].startswith("W/")
    client.headers["accept-encoding"] = "identity"
    r = client.get("/exports/report.txt")
    assert r.status_code == 200 and "content-encoding" not in r.headers
    assert r.headers["etag"] == zipped.headers["etag"][2:]
    assert r.headers["content-disposition"] == 'attachment; filename="inventory-report.txt"'
    assert r.headers["accept-ranges"] == "bytes"
    text = r.text
    assert text.startswith("Inventory report\n") and "units: 13" in text and "value: 8.50" in text
    etag = r.headers["etag"]

    part = client.get("/exports/report.txt", headers={"range": "bytes=0-8"})
    assert (part.status_code, part.content) == (206, b"Inventory")
    assert part.headers["content-range"] == f"bytes 0-8/{len(r.content)}"
    tail = client.get("/exports/report.txt", headers={"range": "bytes=-6", "if-range": etag})
    assert (tail.status_code, tail.content) == (206, r.content[-6:])
    assert client.get("/exports/report.txt", headers={"if-none-match": etag}).status_code == 304
    bad = client.get("/exports/report.txt", headers={"range": f"bytes={len(r.content) + 5}-"})
    assert bad.status_code == 416

    # the same inventory gives the same file; a change gives a new one
    assert client.get("/exports/report.txt").headers["etag"] == etag
    client.patch("/items/2", json={"quantity": 4})
    changed = client.get("/exports/report.txt", headers={"range": "bytes=0-8", "if-range": etag})
    assert changed.status_code == 200 and "units: 14" in changed.text  # stale If-Range: whole file
    assert len(list((tmp_path / "reports").glob("report-*.txt"))) == 2


CSV = {"content-type": "text/csv"}


def test_csv_import(client: TestClient) -> None:
    body = "name,quantity,price,description\r\nbolt,3,0.5,M4\r\n\"nut, hex\",,,\r\n"
    r = client.post("/imports/items.csv", content=body.encode(), headers=CSV)
    assert (r.status_code, r.json()) == (201, {"imported": 2})
    items = client.get("/items").json()["items"]
    assert items == [
        {"id": 1, "name": "bolt", "quantity": 3, "price": 0.5, "description": "M4"},
        {"id": 2, "name": "nut, hex", "quantity": 0, "price": 0.0, "description": None},
    ]
    audit = client.get("/admin/audit").json()
    assert [(e["action"], e["item_id"], e["detail"]) for e in audit] == [
        ("import", None, "2 items")
    ]


def test_export_then_import_round_trips(client: TestClient) -> None:
    for i in range(150):
        add(client, f"item {i}", i, i / 2, description="d" if i % 2 else None)
    exported = client.get("/exports/items.csv").content
    r = client.post("/imports/items.csv", content=exported,
                    headers={"content-type": "text/csv; charset=utf-8"})
    assert r.json() == {"imported": 150}
    first = client.get("/items", params={"limit": 100}).json()["items"]
    copies = client.get("/items", params={"limit": 100, "offset": 150}).json()["items"]
    strip = [{k: v for k, v in item.items() if k != "id"} for item in first]
    assert [{k: v for k, v in item.items() if k != "id"} for item in copies] == strip


def test_csv_import_reports_every_bad_cell_and_imports_nothing(client: TestClient) -> None:
    body = b"name,quantity,price\nok,1,1\n,x,-1\nfine,2,abc\n"
    r = client.post("/imports/items.csv", content=body, headers=CSV)
    assert r.status_code == 422
    assert [(e["loc"], e["type"]) for e in r.json()["detail"]] == [
        (["body", 2, "name"], "missing"),
        (["body", 2, "quantity"], "int_parsing"),
        (["body", 2, "price"], "greater_than_equal"),
        (["body", 3, "price"], "float_parsing"),
    ]
    assert client.get("/items").json()["total"] == 0
    assert client.get("/admin/audit").json() == []


@pytest.mark.parametrize(
    ("body", "headers", "expected"),
    [
        (b"name\nx\n", {"content-type": "application/json"}, (415, "send the CSV as text/csv")),
        (b"quantity\n1\n", CSV, (422, "the CSV needs a name column")),
        (b"", CSV, (422, "the CSV needs a name column")),
        (b"name\n\xff\n", CSV, (422, "the CSV must be UTF-8")),
    ],
)
def test_csv_import_refusals(
    client: TestClient, body: bytes, headers: dict[str, str], expected: tuple[int, str]
) -> None:
    r = client.post("/imports/items.csv", content=body, headers=headers)
    assert (r.status_code, r.json()["detail"]) == expected


def test_csv_import_size_limit(client: TestClient) -> None:
    body = b"name\n" + b"x" * (5 * 1024 * 1024)
    assert client.post("/imports/items.csv", content=body, headers=CSV).status_code == 413


def test_a_failed_insert_rolls_the_whole_import_back(tmp_path: Path) -> None:
    db = Database(":memory:")
    db.execute("CREATE TRIGGER no_bad BEFORE INSERT ON items WHEN NEW.name = 'bad' "
               "BEGIN SELECT RAISE(ABORT, 'refused'); END")
    with pytest.raises(sqlite3.IntegrityError):
        crud.create_items(db, [ItemIn(name="good"), ItemIn(name="bad")])
    assert crud.list_items(db, limit=10, offset=0, q=None) == ([], 0)
    assert crud.create_items(db, [ItemIn(name="good")]) == 1
    db.close()


def test_cors(client: TestClient) -> None:
    r = client.get("/items", headers={"origin": ORIGIN})
    assert r.headers["access-control-allow-origin"] == ORIGIN
    assert r.headers["access-control-allow-credentials"] == "true"
    assert "access-control-allow-origin" not in client.get(
        "/items", headers={"origin": "http://evil.example"}
    ).headers
    r = client.options("/items/1", headers={
        "origin": ORIGIN, "access-control-request-method": "PUT",
        "access-control-request-headers": "content-type, x-request-id",
    })
    assert r.status_code == 200
    assert "PUT" in r.headers["access-control-allow-methods"]
    r = client.options("/items/1", headers={
        "origin": ORIGIN, "access-control-request-method": "PUT",
        "access-control-request-headers": "x-secret",
    })
    assert r.status_code == 400


def test_settings_from_env(tmp_path: Path) -> None:
    settings = Settings.from_env({
        "INVENTORY_DATA_DIR": str(tmp_path),
        "INVENTORY_CORS_ORIGINS": "http://a.example, http://b.example,",
    })
    assert settings.database_path == str(tmp_path / "inventory.sqlite3")
    assert settings.reports_dir == tmp_path / "reports"
    assert settings.cors_origins == ("http://a.example", "http://b.example")
    defaults = Settings.from_env({})
    assert defaults.cors_origins == DEFAULT_ORIGINS
    assert Settings.from_env({"INVENTORY_DB": ":memory:"}).database_path == ":memory:"


def test_file_database_survives_a_restart(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", database=str(tmp_path / "db" / "inv.sqlite3"))
    with TestClient(create_app(settings)) as client:
        add(client, "kept")
    assert (tmp_path / "db" / "inv.sqlite3").exists()
    with TestClient(create_app(settings)) as client:
        assert client.get("/items/1").json()["name"] == "kept"


def test_connection_is_opened_and_closed_by_the_lifespan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[RecordingDatabase] = []

    class RecordingDatabase(Database):
        closed = False

        def __init__(self, path: str) -> None:
            super().__init__(path)
            opened.append(self)

        def close(self) -> None:
            super().close()
            self.closed = True

    monkeypatch.setattr(service_app, "Database", RecordingDatabase)
    app = service_app.create_app(Settings(data_dir=tmp_path, database=":memory:"))
    assert opened == []
    with TestClient(app) as client:
        assert len(opened) == 1 and not opened[0].closed
        client.get("/items")
    assert len(opened) == 1 and opened[0].closed


def test_under_uvicorn(tmp_path: Path) -> None:
    env = {"INVENTORY_DB": str(tmp_path / "inv.sqlite3"), "INVENTORY_DATA_DIR": str(tmp_path)}
    with run_server("service.app:app", app_dir=REPO / "examples", env=env) as server:
        check_service(server.port)


# --- dependencies, response models, uploads, the change feed, the front end ---

PUBLIC_FIELDS = {"id", "name", "quantity", "price", "description"}


def test_cost_price_is_stored_but_never_sent(client: TestClient, tmp_path: Path) -> None:
    created = add(client, "bolt", 10, 0.25, cost_price=0.1)
    assert set(created) == PUBLIC_FIELDS
    replaced = client.put("/items/1", json={"name": "bolt", "quantity": 4, "cost_price": 0.5})
    patched = client.patch("/items/1", json={"cost_price": 0.75, "price": 2.0})
    for answer in (client.get("/items/1").json(), replaced.json(), patched.json(),
                   *client.get("/items").json()["items"]):
        assert set(answer) == PUBLIC_FIELDS
    assert "cost" not in client.get("/exports/items.csv").text
    assert "cost" not in client.get("/exports/items.xml").text
    # ...yet it is in the database: the internal report uses it
    assert "cost: 3.00" in client.get("/exports/report.txt").text  # 4 units at 0.75
    r = client.post("/items", json={"name": "x", "cost_price": -1})
    assert (r.status_code, r.json()) == (422, {"detail": "cost_price must not be negative"})


def test_routes_get_the_database_and_settings_through_dependencies(tmp_path: Path) -> None:
    other = Database(":memory:")
    crud.create_item(other, ItemIn(name="from the override"))
    app = create_app(Settings(data_dir=tmp_path, database=":memory:"))
    app.dependency_overrides[get_db] = lambda: other
    elsewhere = Settings(data_dir=tmp_path / "elsewhere", database=":memory:")
    app.dependency_overrides[get_settings] = lambda: elsewhere
    with TestClient(app) as client:
        assert client.get("/items/1").json()["name"] == "from the override"
        assert client.patch("/items/1", json={"quantity": 2}).json()["quantity"] == 2
        assert client.get("/exports/report.txt").status_code == 200
        assert client.get("/admin/audit").json()[0]["action"] == "patch"
    assert len(list((tmp_path / "elsewhere" / "reports").glob("report-*.txt"))) == 1
    stored = crud.get_item(other, 1)
    assert stored is not None and stored.quantity == 2
    other.close()


def test_a_transaction_commits_or_rolls_back_as_a_whole() -> None:
    db = Database(":memory:")
    with db.transaction() as session:
        crud.create_item(session, ItemIn(name="kept"))
    with pytest.raises(RuntimeError), db.transaction() as session:
        crud.create_item(session, ItemIn(name="lost"))
        assert crud.get_item(session, 2) is not None  # visible inside the transaction
        raise RuntimeError("the handler failed")
    assert [item.name for item in crud.iter_items(db)] == ["kept"]
    db.close()


def test_a_patch_is_committed_before_the_answer(client: TestClient) -> None:
    add(client, "a")
    for quantity in range(5):  # each answer is followed at once by a read of the new value
        assert client.patch("/items/1", json={"quantity": quantity}).status_code == 200
        assert client.get("/items/1").json()["quantity"] == quantity
    assert client.patch("/items/2", json={"quantity": 1}).status_code == 404
    assert client.get("/items").json()["total"] == 1  # the lock was released after the 404


def test_an_old_database_file_gets_the_new_column(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    old.execute("CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, "
                "quantity INTEGER NOT NULL DEFAULT 0, price REAL NOT NULL DEFAULT 0, "
                "description TEXT)")
    old.execute("INSERT INTO items (name) VALUES ('old')")
    old.commit()
    old.close()
    settings = Settings(data_dir=tmp_path, database=str(path))
    with TestClient(create_app(settings)) as client:
        assert client.get("/items/1").json()["name"] == "old"
        add(client, "new", cost_price=2.0)
    db = Database(str(path))  # opening it again changes nothing
    assert [(i.name, i.cost_price) for i in crud.iter_items(db)] == [("old", 0.0), ("new", 2.0)]
    db.close()


def upload(client: TestClient, data: bytes, filename: str = "items.csv") -> tuple[int, object]:
    r = client.post("/imports/items", files={"file": (filename, data, "text/csv")})
    return r.status_code, r.json()


def test_csv_upload(client: TestClient) -> None:
    add(client, "first", 1, 1.0)
    exported = client.get("/exports/items.csv").content
    assert upload(client, exported) == (201, {"imported": 1})
    assert upload(client, "\ufeffname,price\r\nnew,2\r\n".encode()) == (201, {"imported": 1})
    names = [item["name"] for item in client.get("/items").json()["items"]]
    assert names == ["first", "first", "new"]
    audit = client.get("/admin/audit", params={"limit": 2}).json()
    assert [(e["action"], e["detail"]) for e in audit] == [("import", "1 items")] * 2


def test_csv_upload_refusals(client: TestClient) -> None:
    status_code, answer = upload(client, b"name,price\nok,1\n,x\n")
    assert status_code == 422
    assert [(e["loc"], e["type"]) for e in answer["detail"]] == [  # type: ignore[index]
        (["body", 2, "name"], "missing"), (["body", 2, "price"], "float_parsing"),
    ]
    assert upload(client, b"price\n1\n") == (422, {"detail": "the CSV needs a name column"})
    assert upload(client, b"name\n\xff\n") == (422, {"detail": "the CSV must be UTF-8"})
    r = client.post("/imports/items", data={"file": "not a file"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "file"]
    assert client.post("/imports/items").status_code == 422
    big = b"name\n" + b"x" * (5 * 1024 * 1024)
    assert client.post("/imports/items", files={"file": ("big.csv", big)}).status_code == 413
    assert client.get("/items").json()["total"] == 0


def read_events(client: TestClient, count: int, **kwargs: Any) -> list[dict[str, str]]:
    """The first ``count`` events of the feed, then the client disconnects."""
    events: list[dict[str, str]] = []
    event: dict[str, str] = {}
    with client.stream("GET", "/admin/audit/feed", **kwargs) as r:
        assert r.status_code == 200, r.read()
        assert r.headers["content-type"] == "text/event-stream; charset=utf-8"
        for line in r.iter_lines():
            if line:
                field, _, value = line.partition(": ")
                event[field] = value
            elif event:
                events.append(event)
                event = {}
                if len(events) == count:
                    break
    return events


def test_change_feed(client: TestClient) -> None:
    for name in ("a", "b", "c"):
        add(client, name)
    events = read_events(client, 2)
    assert [e["id"] for e in events] == ["1", "2"]
    assert events[0]["retry"] == "2000" and "retry" not in events[1]
    first = json.loads(events[0]["data"])
    assert {k: first[k] for k in ("id", "action", "item_id", "detail")} == {
        "id": 1, "action": "create", "item_id": 1, "detail": "a"}
    # a browser that reconnects sends the last id it saw; the header wins over ?after
    resumed = read_events(client, 1, headers={"last-event-id": "2"}, params={"after": 0})
    assert [(e["id"], json.loads(e["data"])["detail"]) for e in resumed] == [("3", "c")]
    assert [e["id"] for e in read_events(client, 1, params={"after": 1})] == ["2"]
    r = client.get("/admin/audit/feed", headers={"last-event-id": "nope"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["header", "last-event-id"]


def test_change_feed_sends_what_happens_while_it_is_open(client: TestClient) -> None:
    add(client, "before")
    events: list[str] = []
    with client.stream("GET", "/admin/audit/feed", params={"after": 1}) as r:
        lines = r.iter_lines()
        # nothing yet: the feed polls; an item added now arrives within a few polls
        add(client, "during")
        for line in lines:
            if line.startswith("data: "):
                events.append(json.loads(line.removeprefix("data: "))["detail"])
                break
    assert events == ["during"]


def test_feed_poll_interval_is_bounded() -> None:
    low, high = FEED_POLL_BOUNDS
    assert Settings.from_env({}).feed_poll == 1.0
    assert Settings.from_env({"INVENTORY_FEED_POLL": "0"}).feed_poll == low
    assert Settings.from_env({"INVENTORY_FEED_POLL": "3600"}).feed_poll == high
    assert Settings.from_env({"INVENTORY_FEED_POLL": "0.5"}).feed_poll == 0.5


def test_static_front_end(client: TestClient) -> None:
    r = client.get("/ui/")
    assert r.status_code == 200 and r.headers["content-type"] == "text/html; charset=utf-8"
    assert 'fetch("/items' in r.text and 'new EventSource("/admin/audit/feed")' in r.text
    assert 'action="/imports/items"' in r.text
    assert client.get("/ui/index.html").content == r.content
    # The mount's prefix alone is the router's slash redirect (relative location).
    moved = client.get("/ui", follow_redirects=False)
    assert (moved.status_code, moved.headers["location"]) == (307, "/ui/")
    assert client.get("/ui/missing.js").status_code == 404
    assert client.get("/ui/../app.py").status_code == 404
    assert client.post("/ui/").status_code == 405
    assert "/ui/" in client.get("/").json()["links"]


def test_openapi_lists_every_route_and_docs_answers_html(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert document["info"]["title"] == "Inventory"
    paths = {path: sorted(operations) for path, operations in document["paths"].items()}
    assert paths == {
        "/": ["get"],
        "/items": ["get", "post"],
        "/items/{item_id}": ["delete", "get", "patch", "put"],
        "/preferences": ["get"],
        "/preferences/page-size": ["delete", "put"],
        "/exports/items.xml": ["get"],
        "/exports/items.csv": ["get"],
        "/exports/report.txt": ["get"],
        "/imports/items": ["post"],
        "/imports/items.csv": ["post"],
        "/admin/audit": ["get"],
        "/admin/audit/changes": ["get"],
        "/admin/audit/feed": ["get"],
    }  # the /ui mount serves files, not operations
    schemas = document["components"]["schemas"]
    assert set(schemas["ItemOut"]["properties"]) == PUBLIC_FIELDS  # no cost_price
    assert "cost_price" in schemas["ItemIn"]["properties"]
    assert document["paths"]["/admin/audit"]["get"]["tags"] == ["admin", "audit"]
    upload_body = document["paths"]["/imports/items"]["post"]["requestBody"]["content"]
    assert list(upload_body) == ["multipart/form-data"]
    feed = document["paths"]["/admin/audit/feed"]["get"]["responses"]["200"]["content"]
    assert list(feed) == ["text/event-stream"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and docs.headers["content-type"] == "text/html; charset=utf-8"
    assert "/openapi.json" in docs.text and "swagger" in docs.text.lower()
    assert "/docs" in client.get("/").json()["links"]
