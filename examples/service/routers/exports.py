"""The inventory as XML, as a streamed CSV, and as a downloadable text report."""

from __future__ import annotations

import csv
import hashlib
import io
import os
from collections.abc import Iterator
from pathlib import Path

from asgiweb import Router
from asgiweb.responses import FileResponse, StreamingResponse, XMLResponse

from .. import crud
from ..db import Database
from ..deps import DB, SettingsDep

router = Router(prefix="/exports", tags=["exports"])

CSV_FIELDS = ("id", "name", "quantity", "price", "description")


@router.get("/items.xml")
def export_xml(db: DB) -> XMLResponse:
    items = [
        {
            "@id": item.id,
            "name": item.name,
            "quantity": item.quantity,
            "price": item.price,
            "description": item.description,
        }
        for item in crud.iter_items(db)
    ]
    return XMLResponse({"inventory": {"@count": len(items), "item": items}})


def csv_lines(db: Database) -> Iterator[str]:
    """The header, then one CSV line per item, read from the database page by page."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_FIELDS)
    for item in crud.iter_items(db):
        writer.writerow([item.id, item.name, item.quantity, item.price, item.description or ""])
        if buffer.tell() >= 16384:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


@router.get("/items.csv")
def export_csv(db: DB) -> StreamingResponse:
    # A sync generator: StreamingResponse pulls it in a worker thread.
    return StreamingResponse(
        csv_lines(db),
        media_type="text/csv",
        headers={"content-disposition": 'attachment; filename="items.csv"'},
    )


def build_report(db: Database) -> str:
    lines = ["Inventory report", "================", ""]
    total_units = 0
    total_value = 0.0
    total_cost = 0.0
    for item in crud.iter_items(db):
        value = item.quantity * item.price
        total_units += item.quantity
        total_value += value
        total_cost += item.quantity * item.cost_price
        lines.append(f"{item.id:>6}  {item.name:<30.30}  {item.quantity:>8}  {value:>12.2f}")
    lines += ["", f"units: {total_units}", f"value: {total_value:.2f}",
              f"cost: {total_cost:.2f}", ""]
    return "\n".join(lines)


def write_report(reports_dir: Path, text: str) -> Path:
    """Store the report under a name derived from its content.

    The same inventory gives the same file, so its ETag stays the same and a
    client can resume a download with ``Range`` and ``If-Range``.
    """
    data = text.encode()
    path = reports_dir / f"report-{hashlib.sha256(data).hexdigest()[:16]}.txt"
    if not path.exists():
        reports_dir.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(data)
        os.replace(partial, path)  # atomic: a reader never sees half a report
    return path


@router.get("/report.txt")
def download_report(db: DB, settings: SettingsDep) -> FileResponse:
    path = write_report(settings.reports_dir, build_report(db))
    return FileResponse(path, media_type="text/plain", filename="inventory-report.txt")
