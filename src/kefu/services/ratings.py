"""Satisfaction ratings into the database: good rows kept, bad rows reported, none twice."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from kefu.domain.errors import FieldError, RowErrors
from kefu.domain.permissions import Permission
from kefu.domain.ratings import RatingIn, parse_rating
from kefu.services import access
from kefu.services.access import Principal
from kefu.services.ports import Clock, NewRating, UnitOfWork


@dataclass
class RatingsReport:
    received: int = 0
    accepted: int = 0
    duplicates: int = 0
    errors: list[FieldError] = field(default_factory=list)


def ingest_ratings(
    raws: Sequence[Mapping[str, object]], uow: UnitOfWork, clock: Clock
) -> RatingsReport:
    """Store a batch of ratings in one transaction; a rating is counted on its store's
    local day, for the agent holding the conversation when it arrives."""
    now = clock.now()
    report = RatingsReport(received=len(raws))
    parsed: list[tuple[int, RatingIn]] = []
    for row, raw in enumerate(raws, start=1):
        try:
            parsed.append((row, parse_rating(raw, now=now, row=row)))
        except RowErrors as bad:
            report.errors.extend(bad.errors)
    with uow:
        stores = uow.inbox.stores_by_code({r.store for _, r in parsed})
        by_store: dict[int, list[tuple[int, RatingIn]]] = {}
        for row, rating in parsed:
            if rating.store not in stores:
                report.errors.append(
                    FieldError("store", "no store with this code", row, rating.store)
                )
            else:
                by_store.setdefault(stores[rating.store].id, []).append((row, rating))
        for store_id, rows in by_store.items():
            zone = ZoneInfo(next(s.timezone for s in stores.values() if s.id == store_id))
            refs = uow.inbox.conversation_refs(store_id, [r.conversation_id for _, r in rows])
            fresh: list[NewRating] = []
            for row, rating in rows:
                ref = refs.get(rating.conversation_id)
                if ref is None:
                    report.errors.append(
                        FieldError(
                            "conversation_id",
                            "no such conversation in this store",
                            row,
                            rating.conversation_id,
                        )
                    )
                    continue
                fresh.append(
                    NewRating(
                        store_id=store_id,
                        platform_rating_id=rating.rating_id,
                        conversation_id=ref[0],
                        agent_id=ref[1],
                        score=rating.score,
                        comment=rating.comment,
                        rated_at=rating.rated_at,
                        day=rating.rated_at.astimezone(zone).date(),
                        received_at=now,
                    )
                )
            stored = uow.inbox.record_ratings(fresh)
            report.accepted += stored
            report.duplicates += len(fresh) - stored
        uow.commit()
    report.errors.sort(key=lambda e: (e.row or 0, e.field))
    return report


def import_ratings(
    who: Principal, raws: Sequence[Mapping[str, object]], uow: UnitOfWork, clock: Clock
) -> RatingsReport:
    """`ingest_ratings` on behalf of a person: ratings of stores not given are refused."""
    access.require(who, Permission.IMPORT_MESSAGES)
    with uow:
        kept, refused = access.rows_in_stores(uow, who, raws)
    report = ingest_ratings([item for _, item in kept], uow, clock)
    report.received = len(raws)
    report.errors = sorted(
        access.renumber(report.errors, kept) + refused, key=lambda e: (e.row or 0, e.field)
    )
    return report
