"""Read-side SELECTs for the inbox list and the conversation screen (plain rows)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from kefu.adapters.db import tables as t
from kefu.adapters.db.auth import store_ref
from kefu.adapters.db.notices import buyer_thread
from kefu.adapters.db.visibility import visible_to
from kefu.adapters.tracking_numbers import recognise as recognise_number
from kefu.domain.buyers import buyer_kind
from kefu.domain.carriers import carrier_key, carrier_link
from kefu.domain.cases.model import CaseKind, CaseState
from kefu.domain.conversations import STATE_RANKS
from kefu.domain.geo import DETECTED_LANGUAGES
from kefu.domain.intents import INTENT_GROUPS
from kefu.domain.kpis import (
    ANSWER_WINDOW,
    DAY_WINDOW,
    DISPUTES_ESCALATED_ON,
    UNDELIVERED,
    ClosedRow,
    Kpis,
)
from kefu.domain.orders import ParcelState, parcel_has_problem, tracking_link
from kefu.domain.types import OrderStatus, Status, TrackingStatus
from kefu.services.ports import DisputeBreakdown, KpiBreakdown, KpiGroup, StoreRef
from kefu.services.readmodels import (
    BuyerView,
    ConversationDetail,
    InboxFilters,
    InboxPage,
    InboxRow,
    MessageView,
    OrderLineView,
    OrderView,
    ParcelView,
    ProductView,
    TrackingEventView,
)

# A parcel's history beside the conversation: long enough for any real journey, bounded
# so a carrier that repeats an event every hour cannot fill the page.
MAX_PARCEL_EVENTS = 200
_ORDERS_THAT_COUNT = [
    s.value for s in OrderStatus if s not in (OrderStatus.CANCELLED, OrderStatus.RECEIVED)
]


class SqlInboxQueries:
    def __init__(self, session: Session) -> None:
        self.session = session

    def inbox_page(self, filters: InboxFilters) -> InboxPage:
        c = t.Conversation
        conditions = _conditions(filters)
        total = self.session.execute(
            select(func.count()).select_from(c).where(*conditions)
        ).scalar_one()
        last_page = max(1, -(-total // filters.page_size))
        page = min(filters.page, last_page)  # a page past the end shows the last one
        # Page the conversation ids on the queue index alone, then join for the few shown.
        ids_q = (
            select(c.id)
            .where(*conditions)
            .order_by(c.queue_rank, c.sort_key, c.id)
            .limit(filters.page_size)
            .offset((page - 1) * filters.page_size)
        )
        ids = list(self.session.scalars(ids_q))
        rows = {r.id: r for r in self.session.execute(_inbox_rows(ids))} if ids else {}
        return InboxPage(
            rows=[_inbox_row(rows[i]) for i in ids],
            total=total,
            page=page,
            page_size=filters.page_size,
        )

    def stores(self) -> list[StoreRef]:
        """Every store, archived ones too (services/access.py leaves them out of lists)."""
        return [store_ref(r) for r in self.session.scalars(select(t.Store).order_by(t.Store.id))]

    def filter_options(self) -> dict[str, list[tuple[str, str]]]:
        stores = self.session.execute(
            select(t.Store.id, t.Store.name, t.Store.platform)
            .where(t.Store.archived_at.is_(None))
            .order_by(t.Store.id)
        )
        accounts = self.session.execute(
            select(t.Account.id, t.Account.display_name)
            .where(t.Account.active.is_(True))
            .order_by(t.Account.id)
        )
        return {
            "stores": [(str(s.id), f"{s.name}") for s in stores],
            "accounts": [(str(a.id), a.display_name) for a in accounts],
            # A fixed list: scanning every buyer for distinct languages costs more than the page.
            "languages": [(lang, lang) for lang in DETECTED_LANGUAGES],
        }

    def conversation_ids(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """Conversation ids by (store code, platform conversation id)."""
        rows = self.session.execute(
            select(t.Store.code, t.Conversation.platform_conversation_id, t.Conversation.id).join(
                t.Store, t.Store.id == t.Conversation.store_id
            )
        )
        wanted = set(keys)
        return {
            (r.code, r.platform_conversation_id): r.id
            for r in rows
            if (r.code, r.platform_conversation_id) in wanted
        }

    def intent_corrections(self) -> list[tuple[str, str, str | None]]:
        rows = self.session.execute(
            select(t.Message.text, t.IntentCorrection.intent, t.Message.language)
            .join(t.Message, t.Message.id == t.IntentCorrection.message_id)
            .order_by(t.IntentCorrection.id)
        )
        return [(r.text, r.intent, r.language) for r in rows]

    def conversation_of_message(self, message_id: int) -> int | None:
        return self.session.scalar(
            select(t.Message.conversation_id).where(t.Message.id == message_id)
        )

    def kpi_counts(
        self,
        start: date,
        end: date,
        store: str | None,
        agent: str | None,
        by: KpiBreakdown | None = None,
        *,
        conversion: bool = True,
    ) -> dict[KpiGroup, Kpis]:
        scope = self._kpi_scope(start, end, store, agent)
        if scope is None:
            return {}
        facts = _KpiStatements(scope, _KPI_GROUPS[by] if by else None)
        counts: dict[KpiGroup, Kpis] = defaultdict(Kpis)
        for r in self.session.execute(facts.served()):
            k = counts[_key(r)]
            (
                k.buyers_served,
                k.buyers_answered,
                k.messages_received,
                k.messages_answered,
                k.answered_24h,
            ) = (int(v or 0) for v in r[-5:])
        for r in self.session.execute(facts.automatic()):
            counts[_key(r)].automatic_replies = int(r[-1])
        if conversion:
            for r in self.session.execute(facts.guided()):
                k = counts[_key(r)]
                k.buyers_asked_answered_48h, k.buyers_ordered, k.guided_gmv_cents = (
                    int(v or 0) for v in r[-3:]
                )
            for r in self.session.execute(facts.guided(per_day=True)):
                k = counts[_key(r)]
                k.daily_asked_answered_48h, k.daily_buyers_ordered, k.daily_guided_gmv_cents = (
                    int(v or 0) for v in r[-3:]
                )
        for group, n in self._undelivered(start, end, store, agent, by).items():
            counts[group].undelivered_replies = n
        return {key: k for key, k in counts.items() if k != Kpis()}

    def _undelivered(
        self, start: date, end: date, store: str | None, agent: str | None, by: str | None
    ) -> dict[KpiGroup, int]:
        """Replies people wrote on the store-local days start..end that the platform has
        not confirmed (pending or failed), by the conversation's holder as the facts
        are. Few rows (the outbox's open and failed ones), so the days are found here."""
        m, c = t.Message, t.Conversation
        low = datetime.combine(start, time.min, UTC) - timedelta(days=1)
        high = datetime.combine(end, time.max, UTC) + timedelta(days=1)
        query = (
            select(m.store_id, m.sent_at, c.assignee_id)
            .join(c, c.id == m.conversation_id)
            .where(
                m.delivery_status.in_(UNDELIVERED),
                m.direction == "shop",
                m.is_automatic.is_(False),
                m.sent_at.between(low, high),
            )
        )
        zones = self.store_zones()
        out: dict[KpiGroup, int] = defaultdict(int)
        for r in self.session.connection().execute(_scoped(query, store, agent)):
            day = r.sent_at.astimezone(zones[r.store_id]).date()
            if start <= day <= end:
                group = {None: None, "day": day, "store": r.store_id, "agent": r.assignee_id}
                out[group[by]] += 1
        return out

    def intent_counts(
        self, start: date, end: date, store: str | None, agent: str | None
    ) -> dict[tuple[str, str | None], int]:
        f, m = t.KpiFact, t.Message
        scope = self._kpi_scope(start, end, store, agent)
        if scope is None:
            return {}
        rows = self.session.execute(
            select(m.intent, m.sub_intent, func.count())
            .select_from(f)
            .join(m, m.id == f.message_id)
            .where(*scope, f.automatic.is_(False), m.intent.is_not(None))
            .group_by(m.intent, m.sub_intent)
        )
        return {(str(r[0]), r[1]): int(r[2]) for r in rows}

    def response_waits(
        self, start: date, end: date, store: str | None, agent: str | None
    ) -> tuple[list[float], list[float]]:
        f = t.KpiFact
        scope = self._kpi_scope(start, end, store, agent)
        if scope is None:
            return [], []
        # A wait runs from the first buyer message a reply answered: its longest delay.
        # Core rows: a value per wait comes back, and the ORM's result layer costs double.
        rows: Sequence[Any] = (
            self.session.connection()
            .execute(
                select(func.max(f.answer_seconds), func.max(f.answer_working_seconds))
                .where(*scope, f.automatic.is_(False), f.answered_at.is_not(None))
                .group_by(f.conversation_id, f.answered_at)
            )
            .all()
        )
        return [r[0] for r in rows], [r[1] for r in rows]

    def _kpi_scope(
        self, start: date, end: date, store: str | None, agent: str | None
    ) -> list[Any] | None:
        """Conditions on the facts for the store-local days and the scope; None when the
        store or agent does not exist (nothing to count)."""
        f = t.KpiFact
        out: list[Any] = [f.day.between(start, end)]
        if store:
            store_id = self.session.scalar(_store_ids(store))
            if store_id is None:
                return None
            out.append(f.store_id == store_id)
        if agent:
            agent_id = self.session.scalar(select(t.Account.id).where(t.Account.username == agent))
            if agent_id is None:
                return None
            out.append(f.agent_id == agent_id)
        return out

    def closed_conversations(
        self, start: date, end: date, store: str | None, agent: str | None
    ) -> list[ClosedRow]:
        c = t.Conversation
        low = datetime.combine(start, time.min, UTC) - timedelta(days=1)
        high = datetime.combine(end, time.max, UTC) + timedelta(days=1)
        query = select(c.store_id, c.created_at, c.closed_at).where(c.closed_at.between(low, high))
        query = _scoped(query, store, agent)
        rows = self.session.connection().execute(query)  # Core rows, as for the waits
        return [ClosedRow(r.store_id, r.created_at, r.closed_at) for r in rows]

    def satisfaction_scores(
        self, start: date, end: date, store: str | None, agent: str | None
    ) -> list[int]:
        r = t.SatisfactionRating
        query = select(r.score).where(r.day.between(start, end))
        if store:
            query = query.where(r.store_id.in_(_store_ids(store)))
        if agent:
            query = query.where(
                r.agent_id.in_(select(t.Account.id).where(t.Account.username == agent))
            )
        return list(self.session.connection().execute(query).scalars())

    def open_disputes(
        self,
        last_day: date,
        now: datetime | None,
        store: str | None,
        agent: str | None,
        by: DisputeBreakdown | None = None,
    ) -> dict[KpiGroup, int]:
        """Disputes (docs/kpis.md "Disputes") open when `last_day` ended in their store's
        zone, or at `now` if that is earlier: one count, or one per store or holder."""
        since = _dispute_since()
        when = []
        for store_id, zone in self.store_zones().items():
            midnight = datetime.combine(last_day + timedelta(days=1), time.min, zone)
            end = midnight.astimezone(UTC) if now is None else min(now, midnight)
            when.append(
                and_(
                    t.Case.store_id == store_id,
                    since <= end,
                    or_(t.Case.closed_at.is_(None), t.Case.closed_at > end),
                )
            )
        return self._disputes(when, store, agent, by)

    def disputes_opened(
        self,
        start: date,
        end: date,
        store: str | None,
        agent: str | None,
        by: DisputeBreakdown | None = None,
    ) -> dict[KpiGroup, int]:
        """Disputes that began on the store-local days start..end (a dispute case opened,
        an eBay case escalated to eBay): one count, or one per store or holder."""
        since = _dispute_since()
        when = []
        for store_id, zone in self.store_zones().items():
            low, high = _local_bounds(start, end, zone)
            when.append(and_(t.Case.store_id == store_id, since >= low, since < high))
        return self._disputes(when, store, agent, by)

    def orders_placed(self, start: date, end: date, store: str | None) -> dict[int, int]:
        """Orders placed on the store-local days start..end, by store id."""
        o = t.Order
        when = []
        for store_id, zone in self.store_zones().items():
            low, high = _local_bounds(start, end, zone)
            when.append(and_(o.store_id == store_id, o.placed_at >= low, o.placed_at < high))
        if not when:
            return {}
        query = select(o.store_id, func.count()).where(or_(*when)).group_by(o.store_id)
        if store:
            query = query.where(o.store_id.in_(_store_ids(store)))
        return {r[0]: int(r[1]) for r in self.session.execute(query)}

    def _disputes(
        self, when: list[Any], store: str | None, agent: str | None, by: DisputeBreakdown | None
    ) -> dict[KpiGroup, int]:
        if not when:
            return {}
        c = t.Case
        group = {None: None, "store": c.store_id, "agent": c.holder_id}[by]
        lead = [group.label("g")] if group is not None else []
        query = (
            select(*lead, func.count())
            .select_from(c)
            .join(t.Store, t.Store.id == c.store_id)
            .outerjoin(_ESCALATED, _ESCALATED.c.case_id == c.id)
            .where(or_(*when))
        )
        if group is not None:
            query = query.group_by(group)
        if store:
            query = query.where(c.store_id.in_(_store_ids(store)))
        if agent:
            query = query.where(
                c.holder_id.in_(select(t.Account.id).where(t.Account.username == agent))
            )
        rows: Sequence[Any] = self.session.execute(query).all()
        return {(r[0] if group is not None else None): int(r[-1]) for r in rows}

    def waiting_since(self, store: str | None, agent: str | None) -> list[datetime]:
        c = t.Conversation
        query = select(c.waiting_since).where(
            c.waiting_since.is_not(None), c.status == Status.OPEN.value
        )
        query = _scoped(query, store, agent)
        return [at for at in self.session.scalars(query) if at is not None]

    def store_zones(self) -> dict[int, ZoneInfo]:
        return {
            r.id: ZoneInfo(r.timezone)
            for r in self.session.execute(select(t.Store.id, t.Store.timezone))
        }

    def store_platforms(self) -> dict[int, str]:
        return {
            r.id: r.platform for r in self.session.execute(select(t.Store.id, t.Store.platform))
        }

    def store_labels(self) -> dict[int, str]:
        return {r.id: r.code for r in self.session.execute(select(t.Store.id, t.Store.code))}

    def store_codes(self) -> list[str]:
        return list(self.session.scalars(select(t.Store.code).order_by(t.Store.id)))

    def account_ids(self) -> dict[str, int]:
        return {
            r.username: r.id for r in self.session.execute(select(t.Account.username, t.Account.id))
        }

    def main_account_id(self) -> int | None:
        return self.session.scalar(
            select(t.Account.id)
            .where(t.Account.is_main.is_(True), t.Account.active.is_(True))
            .order_by(t.Account.id)
            .limit(1)
        )

    def conversation_detail(self, conversation_id: int, now: datetime) -> ConversationDetail | None:
        conv = self.session.get(t.Conversation, conversation_id)
        if conv is None:
            return None
        store = self.session.get_one(t.Store, conv.store_id)
        assignee = self.session.get(t.Account, conv.assignee_id) if conv.assignee_id else None
        order = self._order(conv.order_id, now, store.currency) if conv.order_id else None
        refusal, owner = self._platform_side(conv.id)
        return ConversationDetail(
            id=conv.id,
            store_id=store.id,
            store_code=store.code,
            store_name=store.name,
            platform=store.platform,
            origin=conv.origin,
            stage=conv.stage,
            status=conv.status,
            unread=conv.unread,
            colour_mark=conv.colour_mark,
            assignee_id=conv.assignee_id,
            assignee_name=assignee.display_name if assignee else None,
            language=conv.language,
            priority_reasons=t.split_list(conv.priority_reasons),
            intent=conv.intent,
            mood=t.split_list(conv.mood),
            waiting_since=conv.waiting_since,
            created_at=conv.created_at,
            buyer=self._buyer(conv.buyer_id, conv.store_id, now),
            order=order,
            products=self._products(conv.product_id, order, store.currency),
            messages=self._messages(conv.id),
            store_timezone=store.timezone,
            product_id=conv.product_id,
            platform_refusal=refusal,
            platform_owner=owner,
        )

    def _platform_side(self, conversation_id: int) -> tuple[str | None, str | None]:
        """What the platform refused of kefu's last change, and the sub-account holding
        the conversation there (a connected store's conversation; else neither)."""
        state = self.session.get(t.MarketplaceState, conversation_id)
        if state is None:
            return None, None
        refusal = state.push_error if state.push_refused_at is not None else None
        return refusal, state.platform_owner

    def _buyer(self, buyer_id: int, store_id: int, now: datetime) -> BuyerView:
        b = self.session.get_one(t.Buyer, buyer_id)
        count, value = self.session.execute(
            select(
                func.count(t.Order.id), func.coalesce(func.sum(t.Order.total_usd_cents), 0)
            ).where(t.Order.buyer_id == buyer_id, t.Order.status.in_(_ORDERS_THAT_COUNT))
        ).one()
        identity = self.session.scalar(
            select(t.BuyerIdentity.platform_buyer_id).where(
                t.BuyerIdentity.buyer_id == buyer_id, t.BuyerIdentity.store_id == store_id
            )
        )
        return BuyerView(
            id=b.id,
            name=b.name,
            country=b.country,
            language=b.language,
            timezone=b.timezone,
            local_time=_local(now, b.timezone),
            kind=buyer_kind(count, value).value,
            order_count=count,
            order_value_cents=value,
            platform_buyer_id=identity,
        )

    def _order(self, order_id: int, now: datetime, store_currency: str) -> OrderView:
        o = self.session.get_one(t.Order, order_id)
        lines = [
            OrderLineView(
                sku=r.sku, title=r.title, quantity=r.quantity, unit_price_cents=r.unit_price_cents
            )
            for r in self.session.scalars(
                select(t.OrderLine).where(t.OrderLine.order_id == order_id).order_by(t.OrderLine.id)
            )
        ]
        parcels = [
            self._parcel(p, now)
            for p in self.session.scalars(
                select(t.Parcel).where(t.Parcel.order_id == order_id).order_by(t.Parcel.id)
            )
        ]
        return OrderView(
            id=o.id,
            order_number=o.order_number,
            status=o.status,
            total_cents=o.total_cents,
            currency=o.currency or store_currency,
            shipping_cents=o.shipping_cents,
            note=o.note,
            is_wholesale=o.is_wholesale,
            ship_to_country=o.ship_to_country,
            placed_at=o.placed_at,
            paid_at=o.paid_at,
            promised_delivery_at=o.promised_delivery_at,
            delivered_at=o.delivered_at,
            lines=lines,
            parcels=parcels,
        )

    def _parcel(self, p: t.Parcel, now: datetime) -> ParcelView:
        """One parcel with its whole history, newest first, and what its number says."""
        events = [
            TrackingEventView(e.occurred_at, e.status, e.location, e.description)
            for e in self.session.scalars(
                select(t.TrackingEvent)
                .where(t.TrackingEvent.parcel_id == p.id)
                .order_by(t.TrackingEvent.occurred_at.desc(), t.TrackingEvent.id.desc())
                .limit(MAX_PARCEL_EVENTS)
            )
        ]
        state = ParcelState(
            TrackingStatus(p.latest_status) if p.latest_status else None,
            p.latest_event_at,
            p.shipped_at,
        )
        number = recognise_number(p.tracking_number)
        carrier = carrier_key(p.carrier) or number.carrier
        return ParcelView(
            carrier=p.carrier,
            tracking_number=p.tracking_number,
            tracking_url=tracking_link(p.tracking_number),
            is_reshipment=p.is_reshipment,
            shipped_at=p.shipped_at,
            latest_event=events[0] if events else None,
            problem=parcel_has_problem(state, now),
            carrier_url=carrier_link(carrier, number.number),
            status=p.latest_status,
            status_since=p.status_since or p.latest_event_at,
            events=events,
            number_checked=number.checked,
            carrier_recognised=number.carrier is not None,
            number_malformed=number.malformed is not None,
        )

    def _products(
        self, product_id: int | None, order: OrderView | None, store_currency: str
    ) -> list[ProductView]:
        """The products asked about: the order's lines, or the product page the buyer came from."""
        q = select(t.Product)
        if order is not None:
            q = q.join(t.OrderLine, t.OrderLine.product_id == t.Product.id).where(
                t.OrderLine.order_id == order.id
            )
        elif product_id is not None:
            q = q.where(t.Product.id == product_id)
        else:
            return []
        return [
            ProductView(
                id=p.id,
                sku=p.sku,
                title=p.title,
                category=p.category,
                price_cents=p.price_cents,
                currency=p.currency or store_currency,
                stock=p.stock,
                weight_g=p.weight_g,
                size_chart=p.size_chart,
            )
            for p in self.session.scalars(q.order_by(t.Product.id)).unique()
        ]

    def _messages(self, conversation_id: int) -> list[MessageView]:
        author = aliased(t.Account)
        rows = self.session.execute(
            select(t.Message, author.display_name)
            .outerjoin(author, author.id == t.Message.author_account_id)
            .where(t.Message.conversation_id == conversation_id)
            .order_by(t.Message.sent_at, t.Message.id)
        )
        return [
            MessageView(
                id=m.id,
                direction=m.direction,
                sent_at=m.sent_at,
                text=m.text,
                language=m.language,
                is_automatic=m.is_automatic,
                kind=m.kind,
                author_name=name,
                attachments=m.attachments,
                delivery_status=m.delivery_status,
                intent=m.intent,
                intent_guess=m.intent_guess,
                intent_confidence=m.intent_confidence,
                sub_intent=m.sub_intent,
                emotion=t.split_list(m.emotion),
                entities=m.entities or [],
                corrected=m.triage_version == "corrected",
                auto_kind=m.auto_kind,
                delivery_attempts=m.delivery_attempts,
                delivery_error=m.delivery_error,
            )
            for m, name in rows
        ]


_KPI_GROUPS: dict[str, Any] = {
    "day": t.KpiFact.day,
    "store": t.KpiFact.store_id,
    "agent": t.KpiFact.agent_id,
}


class _KpiStatements:
    """The report's aggregate queries over the facts of a scope, one row per group (its
    key labelled g) or a single row without a group."""

    def __init__(self, scope: list[Any], group: Any | None) -> None:
        self.scope, self.group = scope, group

    def served(self) -> Select[Any]:
        """Buyers served and answered, messages received and answered, 24h answered: one
        row per (day, store, buyer) served, added up per group."""
        f = t.KpiFact
        per_buyer = self._grouped(
            self._facts(
                func.count().label("received"),
                func.sum(_within(ANSWER_WINDOW)).label("answered"),
                func.sum(_within(DAY_WINDOW)).label("answered_24h"),
            ).where(f.automatic.is_(False)),
            f.day,
            f.store_id,
            f.buyer_id,
        ).subquery()
        return _outer(
            per_buyer,
            func.count(),
            func.sum(case((per_buyer.c.answered > 0, 1), else_=0)),
            func.sum(per_buyer.c.received),
            func.sum(per_buyer.c.answered),
            func.sum(per_buyer.c.answered_24h),
        )

    def automatic(self) -> Select[Any]:
        return self._grouped(self._facts(func.count()).where(t.KpiFact.automatic.is_(True)))

    def guided(self, *, per_day: bool = False) -> Select[Any]:
        """Buyers whose first inquiry in the range (`per_day`: on each day, the days
        added up) was answered within 48 h (the first message answered in time is the
        first message), those who paid within 48 h of it, and what they paid."""
        f, o = t.KpiFact, t.Order
        days = [f.day] if per_day else []
        first = self._grouped(
            self._facts(
                *days,
                f.store_id,
                f.buyer_id,
                func.min(f.sent_at).label("first_at"),
                func.min(case((_answered_within(ANSWER_WINDOW), f.sent_at))).label("first_ok"),
                func.min(f.guided_until).label("until"),
            ).where(f.automatic.is_(False)),
            *days,
            f.store_id,
            f.buyer_id,
        ).subquery()
        per_inquiry = [first.c.day] if per_day else []
        lead = [first.c.g] if self.group is not None else []
        per_buyer = (
            select(
                *lead,
                func.count(o.id).label("payments"),
                func.coalesce(func.sum(o.total_usd_cents), 0).label("cents"),
            )
            .select_from(first)
            .outerjoin(
                o,
                and_(
                    o.store_id == first.c.store_id,
                    o.buyer_id == first.c.buyer_id,
                    o.paid_at >= first.c.first_at,
                    o.paid_at <= first.c.until,
                ),
            )
            .where(first.c.first_at == first.c.first_ok)
            .group_by(*per_inquiry, first.c.store_id, first.c.buyer_id, *lead)
            .subquery()
        )
        return _outer(
            per_buyer,
            func.count(),
            func.sum(case((per_buyer.c.payments > 0, 1), else_=0)),
            func.sum(per_buyer.c.cents),
        )

    def _facts(self, *columns: Any) -> Select[Any]:
        lead = [self.group.label("g")] if self.group is not None else []
        return select(*lead, *columns).where(*self.scope)

    def _grouped(self, query: Select[Any], *key: Any) -> Select[Any]:
        """Group by `key`, then by the group unless the key has it: grouping by day,
        store and buyer follows the day index, without sorting."""
        group = self.group
        extra = [group] if group is not None and all(group is not k for k in key) else []
        return query.group_by(*key, *extra)


def _within(window: timedelta) -> Any:
    return case((_answered_within(window), 1), else_=0)


def _answered_within(window: timedelta) -> Any:
    return t.KpiFact.answer_seconds <= window.total_seconds()


def _outer(inner: Any, *aggregates: Any) -> Select[Any]:
    """Add up the rows of a grouped subquery per group (its column g, if it has one)."""
    lead = [inner.c.g] if "g" in inner.c else []
    return select(*lead, *aggregates).group_by(*lead)


def _key(row: Any) -> KpiGroup:
    return row.g if "g" in row._fields else None


# When each case first went to the platform (eBay: "escalated to a case").
_ESCALATED = (
    select(t.CaseStep.case_id, func.min(t.CaseStep.at).label("at"))
    .where(t.CaseStep.to_state == CaseState.ESCALATED.value)
    .group_by(t.CaseStep.case_id)
    .subquery()
)


def _dispute_since() -> Any:
    """When a case became a dispute (docs/kpis.md "Disputes"): a dispute case when it was
    opened; an eBay case of another kind when it was escalated to eBay (its first step
    there, or its opening when it arrived escalated); NULL otherwise, never counted."""
    c = t.Case
    escalated = func.coalesce(
        _ESCALATED.c.at, case((c.state == CaseState.ESCALATED.value, c.opened_at))
    )
    return case(
        (c.kind == CaseKind.DISPUTE.value, c.opened_at),
        (t.Store.platform == DISPUTES_ESCALATED_ON, escalated),
    )


def _local_bounds(start: date, end: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants where the store-local days start..end begin and end."""
    low = datetime.combine(start, time.min, zone).astimezone(UTC)
    high = datetime.combine(end + timedelta(days=1), time.min, zone).astimezone(UTC)
    return low, high


def _store_ids(code: str) -> Select[int]:
    return select(t.Store.id).where(t.Store.code == code)


_Query = TypeVar("_Query", bound=Select[*tuple[Any, ...]])


def _scoped(query: _Query, store: str | None, agent: str | None) -> _Query:
    """Narrow a query over conversations to a store code and to an agent's conversations."""
    c = t.Conversation
    if store:
        query = query.where(c.store_id.in_(_store_ids(store)))
    if agent:
        query = query.where(
            c.assignee_id.in_(select(t.Account.id).where(t.Account.username == agent))
        )
    return query


def _conditions(f: InboxFilters) -> list[Any]:
    c = t.Conversation
    equal = (
        (c.store_id, f.store_id),
        (c.stage, f.stage),
        (c.colour_mark, f.colour_mark),
        (c.language, f.language),
        (c.intent, f.intent),
    )
    out: list[Any] = [column == value for column, value in equal if value is not None]
    # An archived store's conversations keep their history but leave the inbox.
    out.append(c.store_id.in_(select(t.Store.id).where(t.Store.archived_at.is_(None))))
    out.append(buyer_thread())  # the platform's own notices are the Notices list's
    if f.visible_store_ids is not None and f.viewer_id is not None:
        out.append(visible_to(f.viewer_id, f.visible_store_ids))
    elif f.visible_store_ids is not None:
        out.append(c.store_id.in_(sorted(f.visible_store_ids)))
    if f.platform:
        out.append(c.store_id.in_(select(t.Store.id).where(t.Store.platform == f.platform)))
    if f.unassigned:
        out.append(c.assignee_id.is_(None))
    elif f.assignee_id is not None:
        out.append(c.assignee_id == f.assignee_id)
    if f.intent_group and not f.intent:
        out.append(c.intent.in_(INTENT_GROUPS.get(f.intent_group, ())))
    if f.sub_intent:
        out.append(_latest_buyer_sub_intent() == f.sub_intent)
    if f.mood:
        out.append(c.mood.contains("threat_" if f.mood == "threat" else f.mood))
    return out + _state_conditions(f.state)


def _latest_buyer_sub_intent() -> Any:
    """The sub-intent of the conversation's latest buyer message, the one its `intent`
    comes from (conversations keep no sub-intent of their own)."""
    m = t.Message
    return (
        select(m.sub_intent)
        .where(m.conversation_id == t.Conversation.id, m.direction == "buyer")
        .order_by(m.sent_at.desc(), m.id.desc())
        .limit(1)
        .correlate(t.Conversation)
        .scalar_subquery()
    )


def _state_conditions(state: str | None) -> list[Any]:
    """States are queue-rank ranges (ADR 0004), so the filter stays on the queue indexes."""
    c = t.Conversation
    if state == "unread":
        low, high = STATE_RANKS[Status.OPEN][0], STATE_RANKS[Status.WAITING][1]
        return [c.unread.is_(True), c.queue_rank.between(low, high)]
    if state == "active":  # closed hidden: the ranks below the closed range
        return [c.queue_rank < STATE_RANKS[Status.CLOSED][0]]
    if state and state != "all":
        low, high = STATE_RANKS[Status(state)]
        return [c.queue_rank.between(low, high)]
    return []


def _inbox_rows(ids: list[int]) -> Select[*tuple[Any, ...]]:
    c = t.Conversation
    return (
        select(
            c.id,
            t.Store.code.label("store_code"),
            t.Store.name.label("store_name"),
            t.Store.platform,
            t.Buyer.name.label("buyer_name"),
            t.Buyer.country.label("buyer_country"),
            c.language,
            c.stage,
            c.status,
            c.unread,
            c.colour_mark,
            t.Account.display_name.label("assignee_name"),
            c.priority_reasons,
            c.intent,
            c.mood,
            c.last_message_preview,
            c.message_count,
            c.last_message_at,
            c.waiting_since,
            t.Order.order_number,
        )
        .join(t.Store, t.Store.id == c.store_id)
        .join(t.Buyer, t.Buyer.id == c.buyer_id)
        .outerjoin(t.Account, t.Account.id == c.assignee_id)
        .outerjoin(t.Order, t.Order.id == c.order_id)
        .where(c.id.in_(ids))
    )


def _inbox_row(r: Any) -> InboxRow:
    return InboxRow(
        id=r.id,
        store_code=r.store_code,
        store_name=r.store_name,
        platform=r.platform,
        buyer_name=r.buyer_name,
        buyer_country=r.buyer_country,
        language=r.language,
        stage=r.stage,
        status=r.status,
        unread=r.unread,
        colour_mark=r.colour_mark,
        assignee_name=r.assignee_name,
        priority_reasons=t.split_list(r.priority_reasons),
        intent=r.intent,
        mood=t.split_list(r.mood),
        preview=r.last_message_preview,
        message_count=r.message_count,
        last_message_at=r.last_message_at,
        waiting_since=r.waiting_since,
        order_number=r.order_number,
    )


def _local(now: datetime, zone: str | None) -> datetime | None:
    if not zone:
        return None
    try:
        return now.astimezone(ZoneInfo(zone))
    except ZoneInfoNotFoundError:
        return None
