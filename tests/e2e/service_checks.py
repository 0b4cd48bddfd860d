"""The checks every server runs against the example service (examples/service).

One function per feature, each over real sockets with the h11 client from
serverutil, so tests/e2e/test_servers.py can run them all against uvicorn,
Hypercorn and Granian, and skip one feature on one server by name.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import time
from collections.abc import Callable
from typing import Any

import h11

from asgiweb.testclient import encode_multipart
from tests.e2e.serverutil import Client, Reply, fetch


def send_json(port: int, method: str, target: str, data: object, **kwargs: Any) -> Reply:
    headers = [("content-type", "application/json"), *kwargs.pop("headers", ())]
    return fetch(port, method, target, headers=headers, body=json.dumps(data).encode(), **kwargs)


def body(reply: Reply) -> Any:
    return json.loads(reply.body)


def check_crud(port: int) -> None:
    created = send_json(port, "POST", "/items", {"name": "crud", "quantity": 2, "price": 1.5})
    assert created.status == 201, created.body
    item = body(created)
    item_id = item["id"]
    assert body(fetch(port, "GET", f"/items/{item_id}")) == item
    replaced = send_json(port, "PUT", f"/items/{item_id}", {"name": "crud2", "quantity": 5})
    assert body(replaced)["name"] == "crud2"
    patched = send_json(port, "PATCH", f"/items/{item_id}", {"price": 9.0})
    assert (body(patched)["quantity"], body(patched)["price"]) == (5, 9.0)
    deleted = fetch(port, "DELETE", f"/items/{item_id}")
    assert (deleted.status, deleted.body) == (204, b"")
    missing = fetch(port, "GET", f"/items/{item_id}")
    assert (missing.status, body(missing)) == (404, {"detail": f"item {item_id} not found"})
    assert fetch(port, "POST", "/items", body=b"{").status == 422


def check_pagination(port: int) -> None:
    ids = [
        body(send_json(port, "POST", "/items", {"name": f"page-{i}", "description": "paged"}))["id"]
        for i in range(7)
    ]
    with Client(port) as client:  # one keep-alive connection for the whole walk
        seen: list[int] = []
        for offset in range(0, 10, 3):
            page = body(client.request("GET", f"/items?q=paged&limit=3&offset={offset}"))
            assert page["total"] == 7 and page["limit"] == 3
            seen += [item["id"] for item in page["items"]]
        assert seen == ids
        bad = client.request("GET", "/items?limit=1000")
        assert bad.status == 422 and body(bad)["detail"][0]["loc"] == ["query", "limit"]


def check_streamed_csv(port: int) -> None:
    with Client(port) as client:
        for i in range(150):
            data = {"name": f"csv-{i}", "quantity": i, "description": "c" * 120}
            headers = [("content-type", "application/json")]
            reply = client.request("POST", "/items", headers, json.dumps(data).encode())
            assert reply.status == 201
    reply = fetch(port, "GET", "/exports/items.csv", timeout=15.0)
    assert reply.status == 200
    assert reply.header("transfer-encoding") == "chunked" and reply.header("content-length") is None
    assert len(reply.chunks) > 1, "the CSV was not streamed"
    rows = list(csv.reader(io.StringIO(reply.body.decode())))
    assert rows[0] == ["id", "name", "quantity", "price", "description"]
    names = [row[1] for row in rows[1:]]
    assert [f"csv-{i}" for i in range(150)] == [n for n in names if n.startswith("csv-")]


def check_file_ranges(port: int) -> None:
    send_json(port, "POST", "/items", {"name": "report-item", "quantity": 3, "price": 2.0})
    whole = fetch(port, "GET", "/exports/report.txt")
    assert whole.status == 200 and whole.body.startswith(b"Inventory report\n")
    assert whole.header("accept-ranges") == "bytes"
    etag = whole.header("etag")
    assert etag is not None
    part = fetch(port, "GET", "/exports/report.txt", headers=[("range", "bytes=10-15")])
    assert part.status == 206 and part.body == whole.body[10:16]
    assert part.header("content-range") == f"bytes 10-15/{len(whole.body)}"
    resumed = fetch(
        port, "GET", "/exports/report.txt", headers=[("range", "bytes=-4"), ("if-range", etag)]
    )
    assert resumed.status == 206 and resumed.body == whole.body[-4:]
    cached = fetch(port, "GET", "/exports/report.txt", headers=[("if-none-match", etag)])
    assert cached.status == 304


def check_cookie(port: int) -> None:
    for i in range(3):
        send_json(port, "POST", "/items", {"name": f"cookie-{i}"})
    reply = fetch(port, "PUT", "/preferences/page-size?size=2")
    cookie = reply.header("set-cookie")
    assert cookie is not None and cookie.startswith("page_size=2;")
    pair = cookie.split(";", 1)[0]
    page = body(fetch(port, "GET", "/items", headers=[("cookie", pair)]))
    assert page["limit"] == 2 and len(page["items"]) == 2
    assert body(fetch(port, "GET", "/items"))["limit"] == 20


def check_audit(port: int) -> None:
    item_id = body(send_json(port, "POST", "/items", {"name": "audited"}))["id"]
    deadline = time.monotonic() + 5
    while True:  # the entry is written by a background task after the response
        entries = body(fetch(port, "GET", "/admin/audit?limit=500"))
        if any(e["item_id"] == item_id and e["action"] == "create" for e in entries):
            return
        assert time.monotonic() < deadline, "audit entry never written"
        time.sleep(0.05)


def check_cors_and_gzip(port: int) -> None:
    origin = ("origin", "http://127.0.0.1:8000")  # one of the service's default origins
    for i in range(20):
        send_json(port, "POST", "/items", {"name": f"zip-{i}", "description": "z" * 40})
    reply = fetch(port, "GET", "/items?limit=20", headers=[origin, ("accept-encoding", "gzip")])
    assert reply.header("access-control-allow-origin") == "http://127.0.0.1:8000"
    assert reply.header("content-encoding") == "gzip"
    assert len(json.loads(gzip.decompress(reply.body))["items"]) == 20
    preflight = fetch(port, "OPTIONS", "/items/1", headers=[
        origin, ("access-control-request-method", "PUT"),
        ("access-control-request-headers", "x-request-id"),
    ])  # fmt: skip
    assert preflight.status == 200
    assert "PUT" in (preflight.header("access-control-allow-methods") or "")
    refused = fetch(port, "GET", "/items", headers=[("origin", "http://evil.example")])
    assert refused.header("access-control-allow-origin") is None


def check_csv_import(port: int) -> None:
    rows = "".join(f"imported-{i},{i},{i}.5,\r\n" for i in range(500)).encode()
    reply = fetch(port, "POST", "/imports/items.csv", headers=[("content-type", "text/csv")],
                  body=b"name,quantity,price,description\r\n" + rows)
    assert (reply.status, json.loads(reply.body)) == (201, {"imported": 500})
    page = body(fetch(port, "GET", "/items?q=imported-49&limit=100"))
    assert {item["name"] for item in page["items"]} == {"imported-49"} | {
        f"imported-{i}" for i in range(490, 500)
    }


def check_csv_upload(port: int) -> None:
    rows = "".join(f"uploaded-{i},{i}\r\n" for i in range(300)).encode()
    data, content_type = encode_multipart({}, {"file": ("items.csv", b"name,quantity\r\n" + rows)})
    reply = fetch(port, "POST", "/imports/items", headers=[("content-type", content_type)],
                  body=data)
    assert (reply.status, body(reply)) == (201, {"imported": 300})
    page = body(fetch(port, "GET", "/items?q=uploaded-29&limit=100"))
    assert page["total"] == 11 and all(item.keys() == {"id", "name", "quantity", "price",
                                                       "description"} for item in page["items"])


def read_feed(port: int, target: str, count: int, headers: list[tuple[str, str]]
              ) -> list[dict[str, str]]:
    """The first ``count`` events of the SSE stream at ``target``, then hang up."""
    deadline = time.monotonic() + 10
    with Client(port, timeout=10) as client:
        client.send_request("GET", target, headers)
        response = client.next_event(deadline)
        assert isinstance(response, h11.Response) and response.status_code == 200, response
        assert dict(response.headers)[b"content-type"].startswith(b"text/event-stream")
        buffer = b""
        while buffer.count(b"\n\n") < count:
            event = client.next_event(deadline)
            assert isinstance(event, h11.Data), event  # the feed never ends by itself
            buffer += bytes(event.data)
    events = []
    for block in buffer.split(b"\n\n")[:count]:
        fields = dict(line.split(": ", 1) for line in block.decode().splitlines())
        events.append(fields)
    return events


def check_change_feed(port: int) -> None:
    made = [body(send_json(port, "POST", "/items", {"name": f"feed-{i}"}))["id"] for i in (1, 2)]
    deadline = time.monotonic() + 5
    while True:  # the entries are written by background tasks after the responses
        entries = body(fetch(port, "GET", "/admin/audit?limit=500"))
        ids = {e["item_id"]: e["id"] for e in entries if e["action"] == "create"}
        if all(item in ids for item in made):
            break
        assert time.monotonic() < deadline, "audit entries never written"
        time.sleep(0.05)
    first, second = sorted(ids[item] for item in made)  # nothing else writes meanwhile
    events = read_feed(port, f"/admin/audit/feed?after={first - 1}", 2, [])
    assert [int(e["id"]) for e in events] == [first, second]
    assert sorted(json.loads(e["data"])["item_id"] for e in events) == sorted(made)
    resumed = read_feed(port, "/admin/audit/feed", 1, [("last-event-id", str(first))])
    assert int(resumed[0]["id"]) == second


CHECKS: dict[str, Callable[[int], None]] = {
    "crud": check_crud,
    "pagination": check_pagination,
    "streamed_csv": check_streamed_csv,
    "file_ranges": check_file_ranges,
    "cookie": check_cookie,
    "audit": check_audit,
    "cors_and_gzip": check_cors_and_gzip,
    "csv_import": check_csv_import,
    "csv_upload": check_csv_upload,
    "change_feed": check_change_feed,
}


def check_service(port: int) -> None:
    for check in CHECKS.values():
        check(port)
