"""The example service (examples/service): every route through the TestClient,
then once under a real uvicorn (the same checks the server suite runs)."""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from asgiweb.testclient import TestClient
from examples.service import app as service_app
from examples.service import crud
from examples.service.app import create_app
from examples.service.db import Database
from examples.service.models import ItemIn
from examples.service.settings import DEFAULT_ORIGINS, Settings
from tests.e2e.serverutil import REPO, run_server
from tests.e2e.service_checks import check_service

ORIGIN = "http://127.0.0.1:8000"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(Settings(data_dir=tmp_path, database=":memory:"))
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
