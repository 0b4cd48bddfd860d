"""The dataclasses of the API: request bodies are validated into the ``*In`` ones,
and the routes declare the ``*Out`` ones as their response models (return
annotations), so only the fields listed there reach the client."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ItemIn:
    """A new item, or the full replacement of one (POST and PUT).

    ``cost_price`` (what the item cost us) is written but never read back: the
    response model ``ItemOut`` has no such field.
    """

    name: str
    quantity: int = 0
    price: float = 0.0
    description: str | None = None
    cost_price: float = 0.0


@dataclass
class ItemPatch:
    """The fields a PATCH changes; a field left out keeps its value."""

    name: str | None = None
    quantity: int | None = None
    price: float | None = None
    description: str | None = None
    cost_price: float | None = None


@dataclass
class ItemOut:
    """An item as the API returns it."""

    id: int
    name: str
    quantity: int
    price: float
    description: str | None = None


@dataclass
class Item(ItemOut):
    """An item as the database holds it: with the fields the API keeps to itself."""

    cost_price: float = 0.0


@dataclass
class Page:
    """One page of the item list, with what a client needs to ask for the next one."""

    total: int
    limit: int
    offset: int
    items: list[ItemOut] = field(default_factory=list)


@dataclass
class AuditEntry:
    """One line of the audit log."""

    id: int
    at: str
    action: str
    item_id: int | None
    detail: str


@dataclass
class Changes:
    """The audit entries after the one a client saw last; ``last_id`` is its next ``after``."""

    changes: list[AuditEntry]
    last_id: int


@dataclass
class Imported:
    """What an import did."""

    imported: int
