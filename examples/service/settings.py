"""Configuration, read from the environment once, when the App is built.

``INVENTORY_DB``           the SQLite file (``:memory:`` keeps it in memory); default
                           ``inventory.sqlite3`` in the data directory.
``INVENTORY_DATA_DIR``     where the database and generated reports live; default
                           ``asgiweb-inventory`` in the system temporary directory.
``INVENTORY_CORS_ORIGINS`` comma-separated origins a browser may call the API from;
                           default ``http://localhost:8000,http://127.0.0.1:8000``.
``INVENTORY_FEED_POLL``    seconds between two looks at the audit log while the change
                           feed has nothing to send; default 1, kept between 0.05 and 10.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_ORIGINS = ("http://localhost:8000", "http://127.0.0.1:8000")
DEFAULT_DATA_DIR = Path(tempfile.gettempdir()) / "asgiweb-inventory"
FEED_POLL_BOUNDS = (0.05, 10.0)


def bounded_poll(seconds: float) -> float:
    low, high = FEED_POLL_BOUNDS
    return min(max(seconds, low), high)


@dataclass(frozen=True)
class Settings:
    data_dir: Path = field(default_factory=lambda: DEFAULT_DATA_DIR)
    database: str = ""  # empty: inventory.sqlite3 inside data_dir
    cors_origins: tuple[str, ...] = DEFAULT_ORIGINS
    feed_poll: float = 1.0  # seconds; bounded by FEED_POLL_BOUNDS where it is used

    @property
    def database_path(self) -> str:
        return self.database or str(self.data_dir / "inventory.sqlite3")

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        defaults = cls()
        origins = environ.get("INVENTORY_CORS_ORIGINS")
        return cls(
            data_dir=Path(environ.get("INVENTORY_DATA_DIR") or defaults.data_dir),
            database=environ.get("INVENTORY_DB", ""),
            cors_origins=(
                tuple(o.strip() for o in origins.split(",") if o.strip())
                if origins is not None
                else DEFAULT_ORIGINS
            ),
            feed_poll=bounded_poll(float(environ.get("INVENTORY_FEED_POLL") or defaults.feed_poll)),
        )
