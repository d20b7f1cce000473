"""Term bases, message translations, the translation cache and usage, in SQL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, insert, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from kefu.adapters.db import tables as t
from kefu.domain.termbase import Term, TermBase
from kefu.services.ports import (
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

    def termbase(self, store_id: int) -> TermBase:
        row = self.session.get(t.TermBaseRow, store_id)
        return TermBase(tuple(_term(item) for item in row.terms)) if row else TermBase()

    def save_termbase(
        self, store_id: int, termbase: TermBase, account_id: int | None, at: datetime
    ) -> None:
        terms = [
            {"forms": dict(term.forms), "keep": term.keep, "note": term.note}
            for term in termbase.terms
        ]
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
        organisation = self._organisation(store_id)
        row = self.session.get(t.TranslationSettings, organisation) if organisation else None
        if row is None:
            return TranslationPrefs()
        return TranslationPrefs(
            agent_languages=tuple(row.agent_languages),
            budgets={str(k): int(v) for k, v in row.budgets.items()},
        )

    def save_prefs(self, prefs: TranslationPrefs, account_id: int | None, at: datetime) -> None:
        organisation = self._organisation(None)
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

    def _organisation(self, store_id: int | None) -> int | None:
        if store_id is not None:
            found = self.session.execute(
                select(t.Store.organisation_id).where(t.Store.id == store_id)
            ).scalar()
            if found is not None:
                return int(found)
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
        rows = self.session.execute(
            select(t.TranslationCache.digest, t.TranslationCache.translated).where(
                t.TranslationCache.provider == provider,
                t.TranslationCache.source_language == source,
                t.TranslationCache.target_language == target,
                t.TranslationCache.termbase_version == termbase_version,
                t.TranslationCache.digest.in_(set(digests)),
            )
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
        statement = self._insert(t.TranslationCache).values(rows)
        self.session.execute(
            statement.on_conflict_do_nothing(
                index_elements=[
                    "provider",
                    "source_language",
                    "target_language",
                    "termbase_version",
                    "digest",
                ]
            )
        )

    def add_usage(self, day: UsageDay) -> None:
        """Add to the day's counts in one statement, so parallel workers never lose one."""
        values = {
            "provider": day.provider,
            "day": day.day,
            "characters": day.characters,
            "calls": day.calls,
            "segments": day.segments,
            "cache_hits": day.cache_hits,
            "errors": day.errors,
            "latency_ms_total": day.latency_ms_total,
            "latency_ms_max": day.latency_ms_max,
        }
        statement = self._insert(t.TranslationUsage).values(values)
        table = t.TranslationUsage.__table__
        added = {
            name: table.c[name] + statement.excluded[name]
            for name in ("characters", "calls", "segments", "cache_hits", "errors")
        }
        added["latency_ms_total"] = table.c.latency_ms_total + statement.excluded.latency_ms_total
        added["latency_ms_max"] = (
            func.max(table.c.latency_ms_max, statement.excluded.latency_ms_max)
            if self._dialect == "sqlite"
            else func.greatest(table.c.latency_ms_max, statement.excluded.latency_ms_max)
        )
        self.session.execute(
            statement.on_conflict_do_update(index_elements=["provider", "day"], set_=added)
        )

    def characters_since(self, provider: str, first_day: date) -> int:
        total = self.session.execute(
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
            self.session.execute(
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
        due = self.session.execute(
            select(t.MessageTranslation.id)
            .where(
                t.MessageTranslation.status == "pending",
                t.MessageTranslation.next_attempt_at <= now,
            )
            .order_by(t.MessageTranslation.next_attempt_at)
            .limit(limit)
        ).scalars()
        claimed: list[int] = []
        for row_id in list(due):
            # Re-checked in the UPDATE: a worker that lost the race claims nothing.
            taken = self.session.execute(
                update(t.MessageTranslation)
                .where(
                    t.MessageTranslation.id == row_id,
                    t.MessageTranslation.status == "pending",
                    t.MessageTranslation.next_attempt_at <= now,
                )
                .values(next_attempt_at=lease_until)
            )
            if taken.rowcount == 1:  # type: ignore[attr-defined]
                claimed.append(row_id)
        if not claimed:
            return []
        rows = self.session.execute(
            select(
                t.MessageTranslation.id,
                t.MessageTranslation.message_id,
                t.MessageTranslation.language,
                t.MessageTranslation.attempts,
                t.Message.text,
                t.Message.language.label("source_language"),
                t.Message.store_id,
            )
            .join(t.Message, t.Message.id == t.MessageTranslation.message_id)
            .where(t.MessageTranslation.id.in_(claimed))
            .order_by(t.MessageTranslation.id)
        )
        return [
            PendingTranslation(
                id=r.id,
                message_id=r.message_id,
                store_id=r.store_id,
                text=r.text,
                source_language=r.source_language,
                target_language=r.language,
                attempts=r.attempts,
            )
            for r in rows
        ]

    def finish(
        self,
        translation_id: int,
        *,
        status: str,
        text: str | None,
        provider: str | None,
        error: str | None,
        attempts: int,
        next_attempt_at: datetime | None,
        at: datetime,
    ) -> None:
        self.session.execute(
            update(t.MessageTranslation)
            .where(t.MessageTranslation.id == translation_id)
            .values(
                status=status,
                text=text,
                provider=provider,
                error=(error or "")[:500] or None,
                attempts=attempts,
                next_attempt_at=next_attempt_at,
                updated_at=at,
            )
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

    def message_for_translation(self, message_id: int) -> tuple[int, str, str | None] | None:
        """(store id, text, language) of a message, None if there is none."""
        row = self.session.execute(
            select(t.Message.store_id, t.Message.text, t.Message.language).where(
                t.Message.id == message_id
            )
        ).first()
        return (row.store_id, row.text, row.language) if row else None

    def pending_count(self) -> int:
        return int(
            self.session.execute(
                select(func.count()).where(t.MessageTranslation.status == "pending")
            ).scalar()
            or 0
        )

    # --- helpers -----------------------------------------------------------------------------

    @property
    def _dialect(self) -> str:
        return self.session.get_bind().dialect.name

    def _insert(self, table: type[t.Base]) -> Any:
        return (postgresql.insert if self._dialect == "postgresql" else sqlite.insert)(table)


def _term(item: dict[str, Any]) -> Term:
    return Term(
        forms={str(k): str(v) for k, v in item.get("forms", {}).items()},
        keep=bool(item.get("keep", False)),
        note=str(item.get("note", "")),
    )
