"""Automatic replies when buyer messages arrive (SPEC §6), inside the ingest transaction.

Only live messages get them: a message older than an hour when it arrives is
history (an import, a catch-up), and answering it automatically would surprise
the buyer. Automatic replies go through the outbox like any reply, are marked
automatic, and do not end the buyer's wait (their message stays unread).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from kefu.domain.autoreply import AutoKind, ContentKind, Planned, plan
from kefu.domain.conversations import Conversation
from kefu.domain.errors import InvalidInput
from kefu.domain.policy import MessageKind
from kefu.domain.templates import (
    MissingValues,
    OpeningHours,
    TemplateCatalogue,
    ValueFormatter,
    render,
)
from kefu.domain.types import Direction
from kefu.services.outgoing import Gate, PolicyBlocked
from kefu.services.ports import NewMessage, UnitOfWork

LIVE_WINDOW = timedelta(hours=1)
AUTO_ID_PREFIX = "kefu-auto:"


@dataclass(frozen=True)
class Arrival:
    """A new buyer message, with the time of the buyer's message before it."""

    conversation: Conversation
    platform_message_id: str
    text: str
    sent_at: datetime
    language: str | None
    previous_buyer_message_at: datetime | None
    store_name: str


@dataclass
class AutoReplier:
    catalogue: TemplateCatalogue
    formatter: ValueFormatter
    holidays: Callable[[str | None, int], frozenset[date]]
    gate: Gate

    def respond(
        self, uow: UnitOfWork, arrivals: Sequence[Arrival], now: datetime
    ) -> list[NewMessage]:
        """The automatic messages these arrivals call for, each through the gate (not
        stored yet). One the gate blocks is not sent; the audit log says why, for a lead
        to mend the store's wording."""
        planned = self._planned(uow, arrivals, now)
        facts = uow.outgoing.gate_facts({m.conversation_id for m in planned})
        out: list[NewMessage] = []
        for message in planned:
            try:
                cleared = self.gate.clear(
                    facts[message.conversation_id],
                    message.text,
                    now=now,
                    kind=MessageKind.AUTOMATIC,
                    attachments=message.attachments,
                )
            except PolicyBlocked as blocked:
                _audit_blocked(uow, message, blocked, now)
                continue
            out.append(replace(message, clearance=cleared))
        return out

    def _planned(
        self, uow: UnitOfWork, arrivals: Sequence[Arrival], now: datetime
    ) -> list[NewMessage]:
        out: list[NewMessage] = []
        by_store: dict[int, list[Arrival]] = {}
        for a in arrivals:
            if now - a.sent_at <= LIVE_WINDOW:
                by_store.setdefault(a.conversation.store_id, []).append(a)
        for store_id, group in by_store.items():
            facts, settings = uow.replies.settings(store_id)
            if not (settings.welcome_enabled or settings.busy_enabled or settings.keywords):
                continue
            catalogue = self.catalogue.with_overrides(uow.replies.overrides(store_id))
            hours = facts.working_hours(self.holidays(facts.holiday_country, now.year))
            values: dict[str, object] = {
                "store_name": group[0].store_name,
                "working_hours": OpeningHours(
                    facts.opens, facts.closes, facts.timezone, facts.workdays
                ),
                "next_opening": hours.next_opening(now),
            }
            queue = uow.replies.open_queue_size(store_id) if settings.busy_enabled else 0
            for a in group:
                conv_id = a.conversation.id
                assert conv_id is not None  # noqa: S101 - saved before auto-replies run
                welcome = (
                    self._render(catalogue, AutoKind.WELCOME, a.language, values)
                    if settings.welcome_enabled
                    else None
                )
                planned = plan(
                    settings=settings,
                    welcome_text=welcome or "",
                    text=a.text,
                    received_at=a.sent_at,
                    previous_buyer_message_at=a.previous_buyer_message_at,
                    hours=hours,
                    open_queue=queue,
                    last_busy_at=uow.replies.last_auto_reply_at(conv_id, AutoKind.BUSY.value)
                    if settings.busy_enabled
                    else None,
                )
                for p in planned:
                    text, attachments = (
                        (welcome, ())
                        if p.kind is AutoKind.WELCOME
                        else self._content(p, catalogue, a.language, values)
                    )
                    if text is not None:
                        out.append(_message(a, conv_id, p, text, attachments, now))
        return out

    def _content(
        self,
        p: Planned,
        catalogue: TemplateCatalogue,
        language: str | None,
        values: dict[str, object],
    ) -> tuple[str | None, tuple[str, ...]]:
        if p.keyword is None:
            return self._render(catalogue, p.kind, language, values), ()
        if p.keyword.kind is ContentKind.IMAGE:
            return "", (p.keyword.content.strip(),)
        return p.keyword.text_for(language), ()

    def _render(
        self,
        catalogue: TemplateCatalogue,
        kind: AutoKind,
        language: str | None,
        values: dict[str, object],
    ) -> str | None:
        """The automatic template named like its kind, in the buyer's language."""
        if kind.value not in catalogue:
            return None
        try:
            return render(catalogue.get(kind.value), language, values, self.formatter).text
        except (MissingValues, InvalidInput):
            return None


def _message(
    a: Arrival,
    conversation_id: int,
    p: Planned,
    text: str,
    attachments: tuple[str, ...],
    now: datetime,
) -> NewMessage:
    return NewMessage(
        conversation_id=conversation_id,
        store_id=a.conversation.store_id,
        platform_message_id=f"{AUTO_ID_PREFIX}{p.kind.value}:{a.platform_message_id}",
        direction=Direction.SHOP.value,
        sent_at=max(now, a.sent_at),
        received_at=now,
        text=text,
        language=a.language,
        attachments=attachments,
        is_automatic=True,
        delivery_status="pending",
        auto_kind=p.kind.value,
        template_key=None if p.kind is AutoKind.KEYWORD else p.kind.value,
    )


def _audit_blocked(
    uow: UnitOfWork, message: NewMessage, blocked: PolicyBlocked, now: datetime
) -> None:
    uow.inbox.audit(
        at=now,
        account_id=None,
        action="auto_reply_blocked",
        entity_type="conversation",
        entity_id=message.conversation_id,
        before=None,
        after={
            "kind": message.auto_kind,
            "rules": sorted({f.rule.value for f in blocked.result.findings}),
            "text": message.text,
        },
    )
