"""Term bases, message translations, the translation cache and usage, in SQL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from functools import cache, cached_property
from typing import Any

from sqlalchemy import bindparam, func, insert, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from kefu.adapters.db import tables as t
from kefu.adapters.db.followups import request_job
from kefu.domain.termbase import Term, TermBase
from kefu.services.ports import (
    TRANSLATE_INCOMING,
    CachedSegment,
    PendingTranslation,
    StoredTranslation,
    TranslationPrefs,
    UsageDay,
)


class SqlTranslationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- the term base and the shop's choices ------------------------------------------

    def context(self, store_id: int) -> tuple[TermBase, TranslationPrefs]:
        """The store's term base and the shop's preferences in one query: every
        translation reads them."""
        row = self._db.execute(_STATEMENTS.context, {"store_id": store_id}).first()
        if row is None:
            return TermBase(), TranslationPrefs()
        prefs = (
            TranslationPrefs(
                agent_languages=tuple(row.agent_languages),
                budgets={str(k): int(v) for k, v in row.budgets.items()},
            )
            if row.agent_languages is not None
            else TranslationPrefs()
        )
        return self._termbase(store_id, row.version), prefs

    def termbase(self, store_id: int) -> TermBase:
        version = self._db.execute(
            select(t.TermBaseRow.version).where(t.TermBaseRow.store_id == store_id)
        ).scalar()
        return self._termbase(store_id, version)

    def _termbase(self, store_id: int, version: str | None) -> TermBase:
        """Parsed once per version and process."""
        if version is None:
            return TermBase()
        known = _TERMBASES.get((store_id, version))
        if known is None:
            row = self._db.execute(
                select(t.TermBaseRow.terms).where(t.TermBaseRow.store_id == store_id)
            ).scalar_one()
            known = TermBase(tuple(_term(item) for item in row))
            if len(_TERMBASES) > 256:
                _TERMBASES.clear()
            _TERMBASES[(store_id, version)] = known
        return known

    def save_termbase(
        self, store_id: int, termbase: TermBase, account_id: int | None, at: datetime
    ) -> None:
        terms = [{"forms": dict(term.forms), "keep": term.keep} for term in termbase.terms]
        row = self.session.get(t.TermBaseRow, store_id)
        if row is None:
            self.session.add(
                t.TermBaseRow(
                    store_id=store_id,
                    terms=terms,
                    version=termbase.version,
                    account_id=account_id,
                    updated_at=at,
                )
            )
        else:
            row.terms, row.version, row.account_id, row.updated_at = (
                terms,
                termbase.version,
                account_id,
                at,
            )
        self.session.flush()

    def prefs(self, store_id: int | None = None) -> TranslationPrefs:
        if store_id is not None:
            row = self.session.execute(
                select(t.TranslationSettings)
                .join(t.Store, t.Store.organisation_id == t.TranslationSettings.organisation_id)
                .where(t.Store.id == store_id)
            ).scalar()
        else:
            organisation = self._organisation()
            row = self.session.get(t.TranslationSettings, organisation) if organisation else None
        if row is None:
            return TranslationPrefs()
        return TranslationPrefs(
            agent_languages=tuple(row.agent_languages),
            budgets={str(k): int(v) for k, v in row.budgets.items()},
        )

    def save_prefs(self, prefs: TranslationPrefs, account_id: int | None, at: datetime) -> None:
        organisation = self._organisation()
        if organisation is None:
            return
        row = self.session.get(t.TranslationSettings, organisation)
        if row is None:
            row = t.TranslationSettings(organisation_id=organisation, updated_at=at)
            self.session.add(row)
        row.agent_languages = list(prefs.agent_languages)
        row.budgets = dict(prefs.budgets)
        row.account_id, row.updated_at = account_id, at
        self.session.flush()

    def _organisation(self) -> int | None:
        """The shop (kefu serves one organisation per database)."""
        first = self.session.execute(select(func.min(t.Organisation.id))).scalar()
        return int(first) if first is not None else None

    # --- cache and usage -----------------------------------------------------------------

    def cached(
        self,
        provider: str,
        source: str,
        target: str,
        termbase_version: str,
        digests: Sequence[str],
    ) -> dict[str, str]:
        if not digests:
            return {}
        rows = self._db.execute(
            _STATEMENTS.cached,
            {
                "provider": provider,
                "source": source,
                "target": target,
                "version": termbase_version,
                "digests": sorted(set(digests)),
            },
        )
        return {row.digest: row.translated for row in rows}

    def remember(self, segments: Sequence[CachedSegment], at: datetime) -> None:
        """Store new segments; one already stored by another process is left as it is."""
        if not segments:
            return
        rows = [
            {
                "provider": s.provider,
                "source_language": s.source_language,
                "target_language": s.target_language,
                "termbase_version": s.termbase_version,
                "digest": s.digest,
                "source": s.source,
                "translated": s.translated,
                "created_at": at,
            }
            for s in segments
        ]
        self._db.execute(_remember(self._dialect), rows)

    def add_usage(self, day: UsageDay) -> None:
        """Add to the day's counts in one statement, so parallel workers never lose one."""
        self._db.execute(
            _usage_upsert(self._dialect),
            {
                "provider": day.provider,
                "day": day.day,
                "characters": day.characters,
                "calls": day.calls,
                "segments": day.segments,
                "cache_hits": day.cache_hits,
                "errors": day.errors,
                "latency_ms_total": day.latency_ms_total,
                "latency_ms_max": day.latency_ms_max,
            },
        )

    def characters_since(self, provider: str, first_day: date) -> int:
        total = self._db.execute(
            select(func.coalesce(func.sum(t.TranslationUsage.characters), 0)).where(
                t.TranslationUsage.provider == provider, t.TranslationUsage.day >= first_day
            )
        ).scalar()
        return int(total or 0)

    def usage(self, first_day: date) -> list[UsageDay]:
        rows = self.session.execute(
            select(t.TranslationUsage)
            .where(t.TranslationUsage.day >= first_day)
            .order_by(t.TranslationUsage.provider, t.TranslationUsage.day)
        ).scalars()
        return [
            UsageDay(
                provider=r.provider,
                day=r.day,
                characters=r.characters,
                calls=r.calls,
                segments=r.segments,
                cache_hits=r.cache_hits,
                errors=r.errors,
                latency_ms_total=r.latency_ms_total,
                latency_ms_max=r.latency_ms_max,
            )
            for r in rows
        ]

    # --- message translations ------------------------------------------------------------

    def request(
        self,
        store_id: int,
        platform_message_ids: Sequence[str],
        languages: Sequence[str],
        now: datetime,
    ) -> None:
        """Ask for the translation of these buyer messages into each agent language,
        in the transaction that stores them (so none is forgotten)."""
        if not platform_message_ids:
            return
        request_job(self.session, TRANSLATE_INCOMING)  # translated as soon as this commits
        for language in languages:
            chosen = select(
                t.Message.id,
                literal(language),
                literal("pending"),
                literal("machine"),
                literal(0),
                t.Message.received_at,
                literal(now),
            ).where(
                t.Message.store_id == store_id,
                t.Message.platform_message_id.in_(platform_message_ids),
                t.Message.direction == "buyer",
                func.coalesce(t.Message.language, "") != language,
                func.length(func.trim(t.Message.text)) > 0,
            )
            # In the messages' order (oldest first), whatever plan the database picks.
            chosen = chosen.order_by(t.Message.id)
            self._db.execute(
                insert(t.MessageTranslation).from_select(
                    [
                        "message_id",
                        "language",
                        "status",
                        "origin",
                        "attempts",
                        "next_attempt_at",
                        "updated_at",
                    ],
                    chosen,
                )
            )

    def claim_due(
        self, now: datetime, lease_until: datetime, limit: int
    ) -> list[PendingTranslation]:
        # One statement: the conditions are checked again as each row is updated, so a
        # worker that lost the race for a row claims nothing.
        claimed = list(
            self._db.execute(
                _STATEMENTS.claim, {"now": now, "lease_until": lease_until, "limit": limit}
            ).scalars()
        )
        if not claimed:
            return []
        rows = self._db.execute(_STATEMENTS.claimed, {"ids": claimed})
        return [
            PendingTranslation(
                id=r.id,
                message_id=r.message_id,
                store_id=r.store_id,
                text=r.text,
                source_language=r.source_language,
                target_language=r.language,
                attempts=r.attempts,
                keep=(r.buyer_name,) if r.buyer_name else (),
            )
            for r in rows
        ]

    def finish(
        self,
        translation_id: int,
        *,
        leased_until: datetime,
        status: str,
        text: str | None,
        provider: str | None,
        error: str | None,
        attempts: int,
        next_attempt_at: datetime | None,
        at: datetime,
    ) -> None:
        self._db.execute(
            _STATEMENTS.finish,
            {
                "row_id": translation_id,
                "leased_until": leased_until,
                "status": status,
                "text": text,
                "provider": provider,
                "error": (error or "")[:500] or None,
                "attempts": attempts,
                "next_attempt_at": next_attempt_at,
                "updated_at": at,
            },
        )

    def store(
        self,
        message_id: int,
        language: str,
        text: str,
        *,
        origin: str,
        provider: str | None,
        at: datetime,
    ) -> None:
        """A finished translation (the agent's own words, one made on request, demo data);
        replaces a pending or failed one for the same language."""
        existing = self.session.execute(
            select(t.MessageTranslation).where(
                t.MessageTranslation.message_id == message_id,
                t.MessageTranslation.language == language,
            )
        ).scalar_one_or_none()
        if existing is None:
            existing = t.MessageTranslation(
                message_id=message_id, language=language, attempts=0, updated_at=at
            )
            self.session.add(existing)
        existing.status, existing.origin, existing.text = "done", origin, text
        existing.provider, existing.error, existing.next_attempt_at = provider, None, None
        existing.updated_at = at
        self.session.flush()

    def store_agent_words(
        self, store_id: int, platform_message_id: str, language: str, text: str, at: datetime
    ) -> None:
        """What the agent wrote behind a reply just stored (in this transaction)."""
        chosen = select(
            t.Message.id,
            literal(language),
            literal("done"),
            literal("agent"),
            literal(text),
            literal(0),
            literal(at),
        ).where(
            t.Message.store_id == store_id, t.Message.platform_message_id == platform_message_id
        )
        self._db.execute(
            insert(t.MessageTranslation).from_select(
                ["message_id", "language", "status", "origin", "text", "attempts", "updated_at"],
                chosen,
            )
        )

    def store_written(
        self,
        store_id: int,
        items: Sequence[tuple[str, str, str]],
        *,
        origin: str,
        at: datetime,
    ) -> int:
        """Translations written by people (platform message id, language, text), in bulk;
        returns how many messages were found."""
        wanted = sorted({pid for pid, _, _ in items})
        ids: dict[str, int] = {}
        for start in range(0, len(wanted), 500):
            rows = self._db.execute(
                select(t.Message.platform_message_id, t.Message.id).where(
                    t.Message.store_id == store_id,
                    t.Message.platform_message_id.in_(wanted[start : start + 500]),
                )
            )
            ids.update({r.platform_message_id: r.id for r in rows})
        rows_out = [
            {
                "message_id": ids[pid],
                "language": language,
                "status": "done",
                "origin": origin,
                "text": text,
                "attempts": 0,
                "updated_at": at,
            }
            for pid, language, text in items
            if pid in ids
        ]
        if rows_out:
            self._db.execute(insert(t.MessageTranslation), rows_out)
        return len({pid for pid, _, _ in items if pid in ids})

    def of_messages(self, message_ids: Iterable[int]) -> dict[int, list[StoredTranslation]]:
        ids = list(message_ids)
        found: dict[int, list[StoredTranslation]] = {}
        if not ids:
            return found
        rows = self.session.execute(
            select(t.MessageTranslation)
            .where(t.MessageTranslation.message_id.in_(ids))
            .order_by(t.MessageTranslation.message_id, t.MessageTranslation.language)
        ).scalars()
        for r in rows:
            found.setdefault(r.message_id, []).append(
                StoredTranslation(
                    message_id=r.message_id,
                    language=r.language,
                    status=r.status,
                    origin=r.origin,
                    text=r.text,
                    provider=r.provider,
                    error=r.error,
                )
            )
        return found

    def message_for_translation(
        self, message_id: int
    ) -> tuple[int, str, str | None, str | None] | None:
        """(store id, text, language, buyer's name) of a message, None if there is none."""
        row = self.session.execute(
            select(t.Message.store_id, t.Message.text, t.Message.language, t.Buyer.name)
            .join(t.Conversation, t.Conversation.id == t.Message.conversation_id)
            .join(t.Buyer, t.Buyer.id == t.Conversation.buyer_id)
            .where(t.Message.id == message_id)
        ).first()
        return (row.store_id, row.text, row.language, row.name) if row else None

    def pending_count(self) -> int:
        return int(
            self.session.execute(
                select(func.count()).where(t.MessageTranslation.status == "pending")
            ).scalar()
            or 0
        )

    # --- helpers -----------------------------------------------------------------------------

    @property
    def _db(self) -> Connection:
        """The session's connection, in its transaction: Core statements skip the ORM's
        work per statement, which every translation would otherwise pay several times."""
        return self.session.connection()

    @property
    def _dialect(self) -> str:
        return self.session.get_bind().dialect.name


class _Statements:
    """The statements every translation runs, built once with bind parameters: building
    a statement costs more than running it on the embedded database."""

    @cached_property
    def context(self) -> Any:
        return (
            select(
                t.TermBaseRow.version,
                t.TranslationSettings.agent_languages,
                t.TranslationSettings.budgets,
            )
            .select_from(t.Store)
            .outerjoin(t.TermBaseRow, t.TermBaseRow.store_id == t.Store.id)
            .outerjoin(
                t.TranslationSettings,
                t.TranslationSettings.organisation_id == t.Store.organisation_id,
            )
            .where(t.Store.id == bindparam("store_id"))
        )

    @cached_property
    def cached(self) -> Any:
        c = t.TranslationCache
        return select(c.digest, c.translated).where(
            c.provider == bindparam("provider"),
            c.source_language == bindparam("source"),
            c.target_language == bindparam("target"),
            c.termbase_version == bindparam("version"),
            c.digest.in_(bindparam("digests", expanding=True)),
        )

    @cached_property
    def claim(self) -> Any:
        m = t.MessageTranslation
        due = (
            select(m.id)
            .where(m.status == "pending", m.next_attempt_at <= bindparam("now"))
            .order_by(m.next_attempt_at)
            .limit(bindparam("limit"))
            .with_for_update(skip_locked=True)  # PostgreSQL: another worker's rows are skipped
            .scalar_subquery()
        )
        return (
            update(m)
            .where(m.id.in_(due), m.status == "pending", m.next_attempt_at <= bindparam("now"))
            .values(next_attempt_at=bindparam("lease_until"))
            .returning(m.id)
        )

    @cached_property
    def claimed(self) -> Any:
        m = t.MessageTranslation
        return (
            select(
                m.id,
                m.message_id,
                m.language,
                m.attempts,
                t.Message.text,
                t.Message.language.label("source_language"),
                t.Message.store_id,
                t.Buyer.name.label("buyer_name"),
            )
            .join(t.Message, t.Message.id == m.message_id)
            .join(t.Conversation, t.Conversation.id == t.Message.conversation_id)
            .join(t.Buyer, t.Buyer.id == t.Conversation.buyer_id)
            .where(m.id.in_(bindparam("ids", expanding=True)))
            .order_by(m.id)
        )

    @cached_property
    def finish(self) -> Any:
        m = t.MessageTranslation
        names = ("status", "text", "provider", "error", "attempts", "next_attempt_at")
        # Only while the lease is this worker's: a row translated on request meanwhile,
        # or claimed again after the lease ran out, is not overwritten.
        return (
            update(m)
            .where(
                m.id == bindparam("row_id"),
                m.status == "pending",
                m.next_attempt_at == bindparam("leased_until"),
            )
            .values({n: bindparam(n) for n in (*names, "updated_at")})
        )


_STATEMENTS = _Statements()


@cache
def _remember(dialect: str) -> Any:
    insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert_(t.TranslationCache).on_conflict_do_nothing(
        index_elements=[
            "provider",
            "source_language",
            "target_language",
            "termbase_version",
            "digest",
        ]
    )


# Parsed term bases by (store, version): a version never changes its terms.
_TERMBASES: dict[tuple[int, str], TermBase] = {}


@cache
def _usage_upsert(dialect: str) -> Any:
    """INSERT … ON CONFLICT DO UPDATE adding to the day's counts, built once per dialect."""
    counts = ("characters", "calls", "segments", "cache_hits", "errors", "latency_ms_total")
    names = ("provider", "day", *counts, "latency_ms_max")
    insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert_(t.TranslationUsage).values({n: bindparam(n) for n in names})
    table = t.TranslationUsage.__table__
    added: dict[str, Any] = {n: table.c[n] + statement.excluded[n] for n in counts}
    larger = func.greatest if dialect == "postgresql" else func.max
    added["latency_ms_max"] = larger(table.c.latency_ms_max, statement.excluded.latency_ms_max)
    return statement.on_conflict_do_update(index_elements=["provider", "day"], set_=added)


def _term(item: dict[str, Any]) -> Term:
    return Term(
        forms={str(k): str(v) for k, v in item.get("forms", {}).items()},
        keep=bool(item.get("keep", False)),
    )
