"""The satisfaction survey after a case closes (SPEC §8), and the buyer's answer to it.

The survey goes out as any text the shop sends: rendered in the buyer's language from the
store's wording of `satisfaction_survey`, through the gate, into the outbox. A text the
platform's rules refuse here (an Amazon buyer past the proactive window, a review request
already sent about the order) is not sent: the audit log says why, and the case closes
all the same. A buyer message in the conversation within ANSWER_WINDOW that reads as an
answer (domain/survey.py) becomes a satisfaction rating, so the KPI report counts it for
the agent holding the conversation, like the ratings the platforms report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from kefu.domain.conversations import Conversation
from kefu.domain.errors import NotFound
from kefu.domain.messages import IncomingMessage
from kefu.domain.survey import parse_answer
from kefu.domain.templates import TemplateCatalogue, ValueFormatter, render
from kefu.domain.types import Direction
from kefu.services import access
from kefu.services.access import Principal
from kefu.services.outgoing import Gate, PolicyBlocked
from kefu.services.ports import NewMessage, NewRating, StoreRef, UnitOfWork

SURVEY_TEMPLATE = "satisfaction_survey"
SURVEY_ID_PREFIX = "kefu-survey:"
RATING_ID_PREFIX = "survey:"
ANSWER_WINDOW = timedelta(days=14)


@dataclass(frozen=True)
class BuyerLine:
    """A buyer message just stored, as the answer-taking reads it."""

    conversation: Conversation
    text: str
    sent_at: datetime
    store_timezone: str


def buyer_lines(
    fresh: Sequence[IncomingMessage],
    stores: Mapping[str, StoreRef],
    conversations: Mapping[tuple[int, str], Conversation],
) -> list[BuyerLine]:
    """The buyer messages an ingest batch stored (services/inbox.py), by store code and
    the platform's conversation id, as take_answers reads them."""
    return [
        BuyerLine(
            conversations[(stores[m.store].id, m.conversation_id)],
            m.text,
            m.sent_at,
            stores[m.store].timezone,
        )
        for m in fresh
        if m.direction == Direction.BUYER
    ]


@dataclass
class Surveys:
    """Built once per process (bootstrap) with the template catalogue and the gate."""

    catalogue: TemplateCatalogue
    formatter: ValueFormatter
    gate: Gate

    def send_survey(
        self,
        uow: UnitOfWork,
        *,
        conversation_id: int,
        case_id: int | None,
        actor: Principal | None,
        now: datetime,
    ) -> int | None:
        """Queue the survey for the conversation's buyer and record it, in the caller's
        transaction (the case closing commits both or neither). A case already surveyed
        gets its survey's id again, nothing sent twice; an open survey of the
        conversation is closed unanswered, the new one replaces it. None when the gate
        refused the text (audited). `actor` None: the platform closed the case."""
        if actor is not None:
            access.conversation(uow, actor, conversation_id)
        if case_id is not None:
            earlier = uow.surveys.of_case(case_id)
            if earlier is not None:
                return earlier.id
        # Locked until the transaction ends: two closings of one conversation take turns.
        conv = uow.inbox.get_conversation(conversation_id)
        if conv is None:
            raise NotFound(f"no conversation {conversation_id}", id=conversation_id)
        facts = uow.outgoing.gate_facts([conversation_id])[conversation_id]
        store = next(s for s in uow.queries.stores() if s.id == conv.store_id)
        shop_facts, _ = uow.replies.settings(conv.store_id)
        catalogue = self.catalogue.with_overrides(uow.replies.overrides(conv.store_id))
        shown = render(
            catalogue.get(SURVEY_TEMPLATE),
            facts.buyer_language or conv.language,
            {"signature": shop_facts.signature.strip() or store.name or store.code},
            self.formatter,
        )
        actor_id = actor.account_id if actor is not None else None
        try:
            cleared = self.gate.clear(facts, shown.text, now=now)
        except PolicyBlocked as blocked:
            uow.inbox.audit(
                at=now,
                account_id=actor_id,
                action="survey_blocked",
                entity_type="conversation",
                entity_id=conversation_id,
                before=None,
                after={
                    "case_id": case_id,
                    "rules": sorted({f.rule.value for f in blocked.result.findings}),
                },
            )
            return None
        previous = uow.surveys.open_in([conversation_id]).get(conversation_id)
        if previous is not None:
            uow.surveys.close(previous.id, now)
        key = case_id if case_id is not None else f"at-{now.timestamp():.6f}"
        platform_id = f"{SURVEY_ID_PREFIX}{conversation_id}:{key}"
        conv.add_message(now, shown.text)
        uow.inbox.save_conversations([conv])
        uow.inbox.add_messages(
            [
                NewMessage(
                    conversation_id=conversation_id,
                    store_id=conv.store_id,
                    platform_message_id=platform_id,
                    direction=Direction.SHOP.value,
                    sent_at=now,
                    received_at=now,
                    text=shown.text,
                    language=shown.language,
                    attachments=(),
                    is_automatic=True,  # it does not answer the buyer or end a wait
                    author_account_id=actor_id,
                    delivery_status="pending",
                    auto_kind="survey",
                    template_key=SURVEY_TEMPLATE,
                    clearance=cleared,
                )
            ]
        )
        survey_id = uow.surveys.add(
            store_id=conv.store_id,
            conversation_id=conversation_id,
            case_id=case_id,
            platform_message_id=platform_id,
            sent_at=now,
        )
        uow.inbox.audit(
            at=now,
            account_id=actor_id,
            action="survey_sent",
            entity_type="conversation",
            entity_id=conversation_id,
            before=None,
            after={"survey_id": survey_id, "case_id": case_id, "language": shown.language},
        )
        return survey_id


def take_answers(uow: UnitOfWork, lines: Iterable[BuyerLine], now: datetime) -> int:
    """Buyer messages that answer their conversation's open survey become ratings, in the
    ingest transaction; returns how many. The first answer closes the survey: a second
    message ("and thanks again") is a message, not a second score."""
    pending = [line for line in lines if line.conversation.id is not None]
    if not pending:
        return 0
    surveys = uow.surveys.open_in({line.conversation.id or 0 for line in pending})
    taken = 0
    for line in sorted(pending, key=lambda x: x.sent_at):
        conv = line.conversation
        survey = surveys.get(conv.id or 0)
        if survey is None or not survey.sent_at <= line.sent_at <= survey.sent_at + ANSWER_WINDOW:
            continue
        answer = parse_answer(line.text)
        if answer is None:
            continue
        score, comment = answer
        rating_id = f"{RATING_ID_PREFIX}{survey.id}"
        uow.inbox.record_ratings(
            [
                NewRating(
                    store_id=survey.store_id,
                    platform_rating_id=rating_id,
                    conversation_id=survey.conversation_id,
                    agent_id=conv.assignee_id,
                    score=score,
                    comment=comment,
                    rated_at=line.sent_at,
                    day=line.sent_at.astimezone(ZoneInfo(line.store_timezone)).date(),
                    received_at=now,
                )
            ]
        )
        uow.surveys.answered(survey.id, platform_rating_id=rating_id, at=line.sent_at)
        del surveys[survey.conversation_id]
        taken += 1
    return taken
