"""The dependencies the routes declare: the database, a transaction, the settings.

A route takes ``db: DB`` (or ``db: Database = Depends(get_db)``, the same thing
written out) and never looks at ``request.state`` itself; a test can swap any of
these with ``app.dependency_overrides``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from asgiweb import Depends, Request

from .db import Database, Session, get_db
from .settings import Settings

DB = Annotated[Database, Depends(get_db)]


def get_settings(request: Request) -> Settings:
    """The settings the App was built with (the lifespan puts them in the state)."""
    settings: Settings = request.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def transaction(db: DB) -> Iterator[Session]:
    """A transaction around the handler: committed when it returns, rolled back
    when it raises (an ``HTTPException`` too)."""
    with db.transaction() as session:
        yield session


# scope="function": committed before the response is sent, so a client that
# reads the answer and asks again sees the change.
Transaction = Annotated[Session, Depends(transaction, scope="function")]
