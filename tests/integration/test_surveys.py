"""The satisfaction survey on a real database: sent when a case closes, in the buyer's
language, through the outbox; the buyer's answer becomes a rating the KPI report counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from kefu.adapters.db import tables as t
from kefu.bootstrap import Kefu
from kefu.domain.errors import NotFound
from kefu.services import cases, inbox, outbox
from kefu.services.cases import NewCase
from kefu.services.ports import OutgoingReply
from kefu.services.reports import kpi_report
from kefu.services.surveys import ANSWER_WINDOW
from tests.factories import NOW, acting, make_message
from tests.fakes import FixedClock


def _conversation(kefu: Kefu, key: str, **raw: object) -> int:
    inbox.ingest(
        [make_message(30, message_id=f"{key}-1", conversation_id=key, **raw)],
        kefu.uow(),
        kefu.clock,
    )
    with kefu.session_factory() as session:
        return int(
            session.scalars(
                select(t.Conversation.id).where(t.Conversation.platform_conversation_id == key)
            ).one()
        )


def _case(kefu: Kefu, conversation_id: int) -> int:
    """A complaint case of the conversation (needs no order) for the survey to belong to."""
    return cases.open_case(
        acting(kefu),
        conversation_id,
        NewCase(kind="complaint", reason="service"),
        uow=kefu.uow(),
        clock=kefu.clock,
        deps=kefu.case_deps,
    )


def _send(kefu: Kefu, conversation_id: int, case_id: int | None, who: str = "owner") -> int | None:
    """As the lead's case service will: inside the transaction that closes the case."""
    with kefu.uow() as uow:
        sent = kefu.surveys.send_survey(
            uow,
            conversation_id=conversation_id,
            case_id=case_id,
            actor=acting(kefu, who),
            now=kefu.clock.now(),
        )
        uow.commit()
    return sent


def _answer(kefu: Kefu, key: str, message_id: str, text: str, minutes_ago: int = 0) -> None:
    sent_at = kefu.clock.now() - timedelta(minutes=minutes_ago)
    raw = make_message(0, message_id=message_id, conversation_id=key, text=text)
    inbox.ingest([{**raw, "sent_at": sent_at.isoformat()}], kefu.uow(), kefu.clock)


def _surveys(kefu: Kefu) -> list[t.Survey]:
    with kefu.session_factory() as session:
        return list(session.scalars(select(t.Survey).order_by(t.Survey.id)))


def test_closing_sends_the_survey_and_the_answer_becomes_a_rating(
    kefu: Kefu, clock: FixedClock
) -> None:
    conv = _conversation(kefu, "srv-1")
    with kefu.uow() as uow:
        lina = uow.queries.account_ids()["lina"]
    inbox.assign(acting(kefu), conv, lina, uow=kefu.uow(), clock=kefu.clock)
    case_id = _case(kefu, conv)
    survey_id = _send(kefu, conv, case_id)
    assert survey_id is not None
    assert _send(kefu, conv, case_id) == survey_id  # the same case: nothing sent twice
    with kefu.session_factory() as session:
        queued = session.scalars(
            select(t.Message).where(t.Message.template_key == "satisfaction_survey")
        ).all()
    assert len(queued) == 1
    message = queued[0]
    # Ana writes Spanish: the Spanish text, waiting in the outbox like any reply.
    assert (message.language, message.delivery_status, message.is_automatic) == (
        "es",
        "pending",
        True,
    )
    assert "del 1 (muy insatisfecho) al 5 (muy satisfecho)" in message.text
    assert "http" not in message.text

    clock.advance(hours=3)
    _answer(kefu, "srv-1", "srv-1-answer", "4 – fine")
    [survey] = _surveys(kefu)
    assert survey.answered_at == clock.now() and survey.closed_at == clock.now()
    with kefu.session_factory() as session:
        [rating] = session.scalars(select(t.SatisfactionRating)).all()
    assert (rating.score, rating.comment, rating.agent_id) == (4, "fine", lina)
    assert rating.platform_rating_id == f"survey:{survey_id}"
    assert survey.rating_id == rating.id

    # A second message is a message, not a second score.
    _answer(kefu, "srv-1", "srv-1-again", "5")
    today = NOW.date()
    report = kpi_report(kefu.uow(), start=today, end=today, now=clock.now()).values()
    assert (report["satisfaction_ratings"], report["satisfaction_mean"]) == (1, 4.0)
    hers = kpi_report(kefu.uow(), start=today, end=today, now=clock.now(), agent="lina").values()
    assert hers["satisfaction_ratings"] == 1


def test_a_message_that_is_not_an_answer_leaves_the_survey_open(kefu: Kefu) -> None:
    conv = _conversation(kefu, "srv-2")
    _send(kefu, conv, _case(kefu, conv))
    _answer(kefu, "srv-2", "srv-2-a", "I paid 5 dollars for shipping, where is order 12345?")
    [survey] = _surveys(kefu)
    assert survey.closed_at is None and survey.rating_id is None
    with kefu.session_factory() as session:
        assert session.scalars(select(t.SatisfactionRating)).all() == []


def test_an_answer_after_the_window_or_before_the_survey_is_not_taken(
    kefu: Kefu, clock: FixedClock
) -> None:
    conv = _conversation(kefu, "srv-3")
    _send(kefu, conv, _case(kefu, conv))
    _answer(kefu, "srv-3", "srv-3-early", "5", minutes_ago=5)  # written before it was sent
    clock.advance(seconds=ANSWER_WINDOW.total_seconds() + 60)
    _answer(kefu, "srv-3", "srv-3-late", "5")
    [survey] = _surveys(kefu)
    assert survey.closed_at is None
    with kefu.session_factory() as session:
        assert session.scalars(select(t.SatisfactionRating)).all() == []


def test_a_new_survey_closes_the_open_one_and_only_it_is_answered(
    kefu: Kefu, clock: FixedClock
) -> None:
    conv = _conversation(kefu, "srv-4")
    first = _send(kefu, conv, _case(kefu, conv))
    clock.advance(days=1)
    second = _send(kefu, conv, _case(kefu, conv))
    _answer(kefu, "srv-4", "srv-4-a", "⭐⭐⭐⭐⭐ muy amables")
    surveys = _surveys(kefu)
    assert [s.id for s in surveys] == [first, second]
    assert surveys[0].answered_at is None and surveys[0].closed_at is not None
    assert surveys[1].answered_at is not None
    with kefu.session_factory() as session:
        [rating] = session.scalars(select(t.SatisfactionRating)).all()
    assert (rating.score, rating.comment) == (5, "muy amables")


def test_a_person_who_cannot_see_the_conversation_cannot_survey_it(kefu: Kefu) -> None:
    conv = _conversation(kefu, "srv-5", store="ebay-uk")
    with kefu.uow() as uow:
        stores = {s.code: s.id for s in uow.queries.stores()}
        lina = uow.auth.account_by_username("lina")
        assert lina is not None
        uow.auth.set_stores(lina.id, [stores["ali-global"]])
        uow.commit()
    with pytest.raises(NotFound):
        _send(kefu, conv, _case(kefu, conv), who="lina")
    assert _surveys(kefu) == []


class Recorded:
    """A channel that takes every message and remembers it."""

    def __init__(self) -> None:
        self.sent: list[OutgoingReply] = []

    def send(self, reply: OutgoingReply) -> str:
        self.sent.append(reply)
        return f"platform-{reply.message_id}"


def test_the_survey_of_a_closed_conversation_is_delivered_through_the_channel(
    kefu: Kefu,
) -> None:
    conv = _conversation(kefu, "srv-6")
    inbox.close(acting(kefu), conv, uow=kefu.uow(), clock=kefu.clock)
    assert _send(kefu, conv, _case(kefu, conv)) is not None
    channel = Recorded()
    report = outbox.deliver_due(kefu.uow, channel, kefu.clock)
    assert report.delivered == 1 and len(channel.sent) == 1
    [sent] = channel.sent
    assert sent.conversation_ref == "srv-6" and sent.is_automatic
    assert "1 (muy insatisfecho)" in sent.text


def test_a_survey_the_platform_forbids_is_not_sent_and_the_audit_says_why(kefu: Kefu) -> None:
    """Amazon: a message the shop starts (the buyer's question was answered) must be in
    the buyer's language; there is no Vietnamese survey, so the English one is held back."""
    buyer = {"store": "amazon-us", "buyer_id": "b-vi", "buyer_language": "vi"}
    conv = _conversation(kefu, "srv-7", **buyer)
    answered = make_message(10, message_id="srv-7-2", conversation_id="srv-7", **buyer)
    inbox.ingest([{**answered, "direction": "shop"}], kefu.uow(), kefu.clock)
    assert _send(kefu, conv, _case(kefu, conv)) is None
    assert _surveys(kefu) == []
    with kefu.session_factory() as session:
        assert (
            session.scalars(
                select(t.Message).where(t.Message.template_key == "satisfaction_survey")
            ).all()
            == []
        )
        [entry] = session.scalars(
            select(t.AuditEntry).where(t.AuditEntry.action == "survey_blocked")
        ).all()
    assert entry.entity_id == conv and entry.after is not None
    assert "language_mismatch" in entry.after["rules"]
