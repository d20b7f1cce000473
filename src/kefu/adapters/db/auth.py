"""Accounts, sign-in sessions, API tokens, sign-in attempts and the audit log's read side."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, exists, func, insert, or_, select, update
from sqlalchemy.orm import Session

from kefu.adapters.db import tables as t
from kefu.adapters.db.kpifacts import set_agent
from kefu.adapters.db.notices import buyer_thread
from kefu.adapters.db.visibility import visible_to
from kefu.services.ports import (
    AccountRecord,
    AuditRow,
    AuditScope,
    ProductRef,
    RoutingRow,
    SessionRecord,
    StoreRef,
    TokenRecord,
)

ACCOUNT_FIELDS = frozenset(
    {"username", "display_name", "role", "languages", "active", "timezone", "shift", "is_main"}
)


class SqlAuthRepository:
    def __init__(self, session: Session) -> None:
        self.db = session

    # --- accounts ------------------------------------------------------------------

    def account(self, account_id: int) -> AccountRecord | None:
        row = self.db.get(t.Account, account_id)
        return self._record(row) if row is not None else None

    def account_by_username(self, username: str) -> AccountRecord | None:
        row = self.db.scalar(
            select(t.Account).where(func.lower(t.Account.username) == username.strip().lower())
        )
        return self._record(row) if row is not None else None

    def accounts(self) -> list[AccountRecord]:
        rows = self.db.scalars(select(t.Account).order_by(t.Account.id)).all()
        stores = self._stores_by_account()
        return [self._record(r, stores.get(r.id, frozenset())) for r in rows]

    def any_password_set(self) -> bool:
        return (
            self.db.scalar(
                select(t.Account.id).where(t.Account.password_hash.is_not(None)).limit(1)
            )
            is not None
        )

    def add_account(
        self,
        *,
        username: str,
        display_name: str,
        role: str,
        is_main: bool,
        languages: Sequence[str],
        timezone: str,
        shift: dict[str, Any] | None,
        now: datetime,
    ) -> int:
        new_id = self.db.scalar(
            insert(t.Account)
            .values(
                organisation_id=self._organisation(now),
                username=username,
                display_name=display_name,
                role=role,
                is_main=is_main,
                languages=list(languages),
                active=True,
                created_at=now,
                timezone=timezone,
                shift=shift,
            )
            .returning(t.Account.id)
        )
        assert new_id is not None  # noqa: S101
        return int(new_id)

    def _organisation(self, now: datetime) -> int:
        """The shop's organisation, made on first use (a fresh install has none)."""
        organisation = self.db.scalar(select(t.Organisation.id).order_by(t.Organisation.id))
        if organisation is None:
            organisation = self.db.scalar(
                insert(t.Organisation)
                .values(name="My shop", created_at=now)
                .returning(t.Organisation.id)
            )
        assert organisation is not None  # noqa: S101
        return int(organisation)

    def update_account(self, account_id: int, **changes: Any) -> None:
        unknown = set(changes) - ACCOUNT_FIELDS
        if unknown:
            raise ValueError(f"not account fields: {sorted(unknown)}")
        if changes:
            self.db.execute(update(t.Account).where(t.Account.id == account_id).values(**changes))

    def set_stores(self, account_id: int, store_ids: Iterable[int]) -> None:
        self.db.execute(delete(t.AccountStore).where(t.AccountStore.account_id == account_id))
        rows = [{"account_id": account_id, "store_id": s} for s in sorted(set(store_ids))]
        if rows:
            self.db.execute(insert(t.AccountStore), rows)

    def set_password(self, account_id: int, password_hash: str, now: datetime) -> None:
        self.db.execute(
            update(t.Account)
            .where(t.Account.id == account_id)
            .values(password_hash=password_hash, password_changed_at=now)
        )

    def _stores_by_account(self, account_id: int | None = None) -> dict[int, frozenset[int]]:
        query = select(t.AccountStore.account_id, t.AccountStore.store_id)
        if account_id is not None:
            query = query.where(t.AccountStore.account_id == account_id)
        out: dict[int, set[int]] = {}
        for a, s in self.db.execute(query):
            out.setdefault(a, set()).add(s)
        return {a: frozenset(s) for a, s in out.items()}

    def _record(self, row: t.Account, stores: frozenset[int] | None = None) -> AccountRecord:
        if stores is None:
            stores = self._stores_by_account(row.id).get(row.id, frozenset())
        return AccountRecord(
            id=row.id,
            username=row.username,
            display_name=row.display_name,
            role=row.role,
            is_main=row.is_main,
            active=row.active,
            languages=tuple(row.languages or ()),
            store_ids=stores,
            timezone=row.timezone,
            shift=row.shift,
            password_hash=row.password_hash,
        )

    # --- sessions ------------------------------------------------------------------

    def add_session(
        self,
        key: str,
        *,
        account_id: int,
        csrf: str,
        now: datetime,
        expires_at: datetime,
        address: str,
        user_agent: str,
    ) -> None:
        self.db.execute(
            insert(t.SignInSession).values(
                id=key,
                account_id=account_id,
                csrf=csrf,
                created_at=now,
                last_seen_at=now,
                expires_at=expires_at,
                address=address[:64],
                user_agent=user_agent[:300],
            )
        )

    def session(self, key: str) -> SessionRecord | None:
        row = self.db.get(t.SignInSession, key)
        if row is None:
            return None
        return SessionRecord(
            row.account_id, row.csrf, row.created_at, row.last_seen_at, row.expires_at
        )

    def touch_session(self, key: str, now: datetime) -> None:
        self.db.execute(
            update(t.SignInSession).where(t.SignInSession.id == key).values(last_seen_at=now)
        )

    def delete_session(self, key: str) -> None:
        self.db.execute(delete(t.SignInSession).where(t.SignInSession.id == key))

    def delete_sessions(self, account_id: int, keep: str | None = None) -> int:
        query = delete(t.SignInSession).where(t.SignInSession.account_id == account_id)
        if keep is not None:
            query = query.where(t.SignInSession.id != keep)
        return int(self.db.execute(query).rowcount or 0)  # type: ignore[attr-defined]

    # --- sign-in attempts ------------------------------------------------------------

    def begin_attempt(self, *, at: datetime, username: str, address: str) -> int:
        new_id = self.db.scalar(
            insert(t.SignInAttempt)
            .values(at=at, username=username.strip().lower()[:64], address=address[:64])
            .returning(t.SignInAttempt.id)
        )
        assert new_id is not None  # noqa: S101
        return int(new_id)

    def settle_attempt(self, attempt_id: int, *, success: bool) -> None:
        a = t.SignInAttempt
        self.db.execute(update(a).where(a.id == attempt_id).values(success=success))

    def drop_attempt(self, attempt_id: int) -> None:
        self.db.execute(delete(t.SignInAttempt).where(t.SignInAttempt.id == attempt_id))

    def failures_since(
        self, since: datetime, username: str, address: str, *, besides: int | None = None
    ) -> tuple[list[datetime], list[datetime]]:
        a = t.SignInAttempt
        failed = [a.at >= since, or_(a.success.is_(False), a.success.is_(None))]
        if besides is not None:
            failed.append(a.id != besides)
        by_account = self.db.scalars(
            select(a.at).where(*failed, a.username == username.strip().lower()[:64])
        ).all()
        by_address = self.db.scalars(select(a.at).where(*failed, a.address == address[:64])).all()
        return list(by_account), list(by_address)

    # --- API tokens ------------------------------------------------------------------

    def add_token(
        self,
        *,
        account_id: int,
        name: str,
        prefix: str,
        token_hash: str,
        scopes: Sequence[str],
        now: datetime,
    ) -> int:
        new_id = self.db.scalar(
            insert(t.ApiToken)
            .values(
                account_id=account_id,
                name=name,
                prefix=prefix,
                token_hash=token_hash,
                scopes=list(scopes),
                created_at=now,
            )
            .returning(t.ApiToken.id)
        )
        assert new_id is not None  # noqa: S101
        return int(new_id)

    def token_by_hash(self, token_hash: str) -> TokenRecord | None:
        row = self.db.scalar(select(t.ApiToken).where(t.ApiToken.token_hash == token_hash))
        return _token(row) if row is not None else None

    def tokens(self, account_id: int | None = None) -> list[TokenRecord]:
        query = select(t.ApiToken).order_by(t.ApiToken.id)
        if account_id is not None:
            query = query.where(t.ApiToken.account_id == account_id)
        return [_token(r) for r in self.db.scalars(query)]

    def revoke_token(self, token_id: int, now: datetime) -> bool:
        result = self.db.execute(
            update(t.ApiToken)
            .where(t.ApiToken.id == token_id, t.ApiToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def touch_token(self, token_id: int, now: datetime) -> None:
        self.db.execute(
            update(t.ApiToken).where(t.ApiToken.id == token_id).values(last_used_at=now)
        )

    # --- the audit log ---------------------------------------------------------------

    def audit_page(
        self,
        *,
        account_id: int | None,
        action: str | None,
        since: datetime | None,
        until: datetime | None,
        limit: int,
        offset: int,
        scope: AuditScope | None = None,
    ) -> list[AuditRow]:
        e = t.AuditEntry
        query = (
            select(e, t.Account.display_name)
            .outerjoin(t.Account, t.Account.id == e.account_id)
            .where(*_within(scope))
            .order_by(e.at.desc(), e.id.desc())
            .limit(limit)
            .offset(offset)
        )
        if account_id is not None:
            query = query.where(e.account_id == account_id)
        if action:
            query = query.where(e.action == action)
        if since is not None:
            query = query.where(e.at >= since)
        if until is not None:
            query = query.where(e.at < until)
        return [
            AuditRow(r.id, r.at, name, r.action, r.entity_type, r.entity_id, r.before, r.after)
            for r, name in self.db.execute(query)
        ]

    def audit_actions(self, scope: AuditScope | None = None) -> list[str]:
        e = t.AuditEntry
        query = select(e.action).where(*_within(scope)).distinct().order_by(e.action)
        return list(self.db.scalars(query))

    def audit_people(self, scope: AuditScope | None = None) -> list[tuple[int, str]]:
        e, who = t.AuditEntry, t.Account
        acted = select(e.account_id).where(e.account_id == who.id, *_within(scope)).exists()
        query = select(who.id, who.display_name).where(acted).order_by(who.display_name, who.id)
        return [(i, name) for i, name in self.db.execute(query)]

    def update_store(self, store_id: int, **changes: object) -> None:
        unknown = set(changes) - STORE_FIELDS
        if unknown:
            raise ValueError(f"not store fields: {sorted(unknown)}")
        self.db.execute(update(t.Store).where(t.Store.id == store_id).values(**changes))

    def add_store(
        self,
        *,
        code: str,
        name: str,
        platform: str,
        site: str,
        currency: str,
        timezone: str,
        now: datetime,
    ) -> int:
        new_id = self.db.scalar(
            insert(t.Store)
            .values(
                organisation_id=self._organisation(now),
                code=code,
                name=name,
                platform=platform,
                site=site,
                currency=currency,
                timezone=timezone,
                created_at=now,
            )
            .returning(t.Store.id)
        )
        assert new_id is not None  # noqa: S101
        return int(new_id)

    def set_store_archived(self, store_id: int, at: datetime | None) -> None:
        self.db.execute(update(t.Store).where(t.Store.id == store_id).values(archived_at=at))

    # --- routing ---------------------------------------------------------------------

    def open_counts(self) -> dict[int, int]:
        c = t.Conversation
        rows = self.db.execute(
            select(c.assignee_id, func.count())
            .where(c.status != "closed", c.assignee_id.is_not(None), buyer_thread())
            .group_by(c.assignee_id)
        )
        return {a: int(n) for a, n in rows if a is not None}

    def open_conversations(self, assignees: Iterable[int] | None) -> list[RoutingRow]:
        """Open conversations of these agents; None: the open ones nobody owns."""
        c = t.Conversation
        query = select(c.id, c.store_id, c.stage, c.language, c.assignee_id).where(
            c.status != "closed", _live_store(c)
        )
        if assignees is None:
            query = query.where(c.assignee_id.is_(None))
        else:
            query = query.where(c.assignee_id.in_(sorted(set(assignees))))
        return [RoutingRow(*r) for r in self.db.execute(query.order_by(c.id))]

    def misplaced(self, *, off_shift: Iterable[int], watched: Iterable[int]) -> list[RoutingRow]:
        c, given = t.Conversation, t.AccountStore
        has_store = exists().where(given.account_id == c.assignee_id, given.store_id == c.store_id)
        query = select(c.id, c.store_id, c.stage, c.language, c.assignee_id).where(
            c.status != "closed",
            _live_store(c),
            or_(
                c.assignee_id.in_(sorted(set(off_shift))),
                and_(c.assignee_id.in_(sorted(set(watched))), ~has_store),
            ),
        )
        return [RoutingRow(*r) for r in self.db.execute(query.order_by(c.id))]

    def set_assignee(self, conversation_id: int, account_id: int | None) -> None:
        self.db.execute(
            update(t.Conversation)
            .where(t.Conversation.id == conversation_id)
            .values(assignee_id=account_id)
        )
        set_agent(self.db, conversation_id, account_id)

    def conversation_visible(
        self, conversation_id: int, account_id: int, store_ids: Iterable[int] | None
    ) -> bool:
        query = select(t.Conversation.id).where(t.Conversation.id == conversation_id)
        if store_ids is not None:
            query = query.where(visible_to(account_id, set(store_ids)))
        return self.db.scalar(query) is not None

    # --- products each sub-account manages ----------------------------------------------

    def set_product_owner(
        self, account_id: int, product_ids: Iterable[int], store_ids: Iterable[int]
    ) -> tuple[list[int], list[int]]:
        """The account manages exactly these products of its stores; returns (given,
        taken away). Products of other stores are left as they are."""
        p = t.Product
        wanted = set(product_ids)
        stores = sorted(set(store_ids))
        before = set(self.db.scalars(select(p.id).where(p.owner_account_id == account_id)).all())
        allowed = set(self.db.scalars(select(p.id).where(p.store_id.in_(stores))).all())
        given = sorted(wanted & allowed - before)
        taken = sorted(before - (wanted & allowed))
        if taken:
            self.db.execute(update(p).where(p.id.in_(taken)).values(owner_account_id=None))
        if given:
            self.db.execute(update(p).where(p.id.in_(given)).values(owner_account_id=account_id))
        return given, taken

    def products_of(self, store_ids: Iterable[int]) -> list[ProductRef]:
        p = t.Product
        rows = self.db.execute(
            select(p.id, p.store_id, p.sku, p.title, p.owner_account_id)
            .where(p.store_id.in_(sorted(set(store_ids))))
            .order_by(p.store_id, p.sku)
        )
        return [ProductRef(*r) for r in rows]

    def product_owners(
        self, product_ids: Iterable[int], order_ids: Iterable[int]
    ) -> tuple[dict[int, int], dict[int, set[int]]]:
        """Who manages each product, and the managers of each order's products."""
        p, ol = t.Product, t.OrderLine
        by_product = {
            pid: owner
            for pid, owner in self.db.execute(
                select(p.id, p.owner_account_id).where(
                    p.id.in_(sorted(set(product_ids))), p.owner_account_id.is_not(None)
                )
            )
            if owner is not None
        }
        by_order: dict[int, set[int]] = {}
        rows = self.db.execute(
            select(ol.order_id, p.owner_account_id)
            .join(p, p.id == ol.product_id)
            .where(ol.order_id.in_(sorted(set(order_ids))), p.owner_account_id.is_not(None))
        )
        for order_id, owner in rows:
            if owner is not None:
                by_order.setdefault(order_id, set()).add(owner)
        return by_product, by_order


def audit_store_id(db: Session, entity_type: str, entity_id: int) -> int | None:
    """The store an audit row is about, filed with the row (migration 0009 did the same
    for older rows): a store's own settings, a conversation's or a message's store."""
    if entity_type == "store":
        return db.scalar(select(t.Store.id).where(t.Store.id == entity_id))
    if entity_type == "conversation":
        return db.scalar(select(t.Conversation.store_id).where(t.Conversation.id == entity_id))
    if entity_type == "message":
        return db.scalar(
            select(t.Conversation.store_id)
            .join(t.Message, t.Message.conversation_id == t.Conversation.id)
            .where(t.Message.id == entity_id)
        )
    return None


def _within(scope: AuditScope | None) -> list[Any]:
    """The rows a scope lets one read: those of its stores, and its actions about its
    accounts; every row without a scope."""
    if scope is None:
        return []
    e, c = t.AuditEntry, t.Conversation
    seen = select(c.id).where(visible_to(scope.viewer_id, scope.store_ids))
    seen_messages = select(t.Message.id).where(t.Message.conversation_id.in_(seen))
    return [
        or_(
            and_(
                e.store_id.in_(sorted(scope.store_ids)),
                or_(
                    e.entity_type.not_in(("conversation", "message")),
                    and_(e.entity_type == "conversation", e.entity_id.in_(seen)),
                    and_(e.entity_type == "message", e.entity_id.in_(seen_messages)),
                ),
            ),
            and_(
                e.entity_type == "account",
                e.entity_id.in_(sorted(scope.account_ids)),
                e.action.in_(sorted(scope.account_actions)),
            ),
        )
    ]


def _token(row: t.ApiToken) -> TokenRecord:
    return TokenRecord(
        id=row.id,
        account_id=row.account_id,
        name=row.name,
        prefix=row.prefix,
        scopes=tuple(row.scopes or ()),
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


def _live_store(c: type[t.Conversation]) -> Any:
    """Routing leaves an archived store's conversations where they are, and never routes
    the platform's own notices (docs/channels.md "Notices")."""
    return and_(
        c.store_id.in_(select(t.Store.id).where(t.Store.archived_at.is_(None))), buyer_thread()
    )


STORE_FIELDS = frozenset({"name", "timezone", "site", "currency"})


def store_ref(row: t.Store) -> StoreRef:
    return StoreRef(
        row.id,
        row.code,
        row.platform,
        row.timezone,
        row.name,
        site=row.site,
        currency=row.currency,
        archived_at=row.archived_at,
    )
