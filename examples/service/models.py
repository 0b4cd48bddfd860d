"""Request bodies: JSON is validated into these dataclasses (a 422 on bad input)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ItemIn:
    """A new item, or the full replacement of one (POST and PUT)."""

    name: str
    quantity: int = 0
    price: float = 0.0
    description: str | None = None


@dataclass
class ItemPatch:
    """The fields a PATCH changes; a field left out keeps its value."""

    name: str | None = None
    quantity: int | None = None
    price: float | None = None
    description: str | None = None


@dataclass
class Item:
    """An item as the API returns it."""

    id: int
    name: str
    quantity: int
    price: float
    description: str | None = None


@dataclass
class Page:
    """One page of the item list, with what a client needs to ask for the next one."""

    total: int
    limit: int
    offset: int
    items: list[Item] = field(default_factory=list)
