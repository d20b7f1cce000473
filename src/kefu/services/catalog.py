"""Loading a shop's stores, team, products and orders (the demo and channel order syncs use it).

The catalog's input types (Catalog, StoreIn, OrderIn…) live in kefu.services.ports, since the
database adapter reads them too."""

from __future__ import annotations

from datetime import datetime

from kefu.services.ports import Catalog, UnitOfWork


def load_catalog(catalog: Catalog, uow: UnitOfWork, now: datetime) -> None:
    """Store a whole catalog in one transaction: all of it or none of it."""
    with uow:
        uow.catalog.add(catalog, now)
        uow.commit()
