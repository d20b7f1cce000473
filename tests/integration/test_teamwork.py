"""Team work on a real database (docs/team.md "Working together"): internal notes and
mentions, notifications, presence, two replies to one buyer message, hand-over."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from kefu.bootstrap import Kefu
from kefu.domain.errors import InvalidInput
from kefu.domain.teamwork import HandoverRefused, MentionRefused, ReplyCollision
from kefu.services import inbox, notes, notifications, presence
from tests.factories import acting, make_message
from tests.fakes import FixedClock


def _buyer_message(kefu: Kefu, conversation_id: int) -> int:
    with kefu.uow() as uow:
        detail = uow.queries.conversation_detail(conversation_id, kefu.clock.now())
    assert detail is not None
    return max(m.id for m in detail.messages if m.direction == "buyer")


def _reply(kefu: Kefu, who: str, conversation_id: int, request_id: str, **extra: object) -> bool:
    return inbox.reply(
        acting(kefu, who),
        conversation_id,
        f"Hola Ana, {who} here",
        request_id=request_id,
        uow=kefu.uow(),
        clock=kefu.clock,
        gate=kefu.gate,
        **extra,  # type: ignore[arg-type]
    )


# --- notes and mentions ----------------------------------------------------------------------


def test_a_note_mentions_a_teammate_who_is_notified_and_is_never_a_message(
    kefu: Kefu, team: dict[str, int]
) -> None:
    conv = team["ali"]
    with kefu.uow() as uow:
        before = uow.queries.conversation_detail(conv, kefu.clock.now())
    assert before is not None
    note_id = notes.add_note(
        acting(kefu, "wangwei"),
        conv,
        "  Refund agreed, @lina please confirm.  ",
        uow=kefu.uow(),
        clock=kefu.clock,
    )
    found = notes.notes(acting(kefu, "lina"), conv, uow=kefu.uow())
    assert [(n.id, n.text, n.author_name, n.mentions) for n in found] == [
        (note_id, "Refund agreed, @lina please confirm.", "王伟 Wang Wei", ("李娜 Li Na",))
    ]
    with kefu.uow() as uow:
        after = uow.queries.conversation_detail(conv, kefu.clock.now())
    assert after is not None
    assert len(after.messages) == len(before.messages)  # not a message: no outbox, no KPI
    assert after.unread == before.unread
    listed = notifications.listed(acting(kefu, "lina"), uow=kefu.uow())
    assert [(n.kind, n.conversation_id, n.actor_name) for n in listed] == [
        ("mention", conv, "王伟 Wang Wei")
    ]
    assert listed[0].excerpt == "Refund agreed, @lina please confirm."
    assert notifications.listed(acting(kefu, "wangwei"), uow=kefu.uow()) == []


def test_mentioning_someone_who_cannot_see_the_store_is_refused_naming_them(
    kefu: Kefu, team: dict[str, int]
) -> None:
    with pytest.raises(MentionRefused) as refused:
        notes.add_note(
            acting(kefu, "wangwei"), team["ebay"], "@lina look", uow=kefu.uow(), clock=kefu.clock
        )
    assert refused.value.params["name"] == "李娜 Li Na"
    assert "cannot see this conversation" in refused.value.message
    with pytest.raises(MentionRefused, match="no one on the team is called @nobody"):
        notes.add_note(
            acting(kefu, "wangwei"), team["ali"], "@nobody?", uow=kefu.uow(), clock=kefu.clock
        )
    assert notes.notes(acting(kefu, "owner"), team["ebay"], uow=kefu.uow()) == []
    candidates = notes.teammates(acting(kefu, "wangwei"), team["ebay"], uow=kefu.uow())
    assert "lina" not in {a.username for a in candidates}
    assert {"owner", "zhangmin", "chenjie", "lena"} <= {a.username for a in candidates}


def test_a_note_needs_text_within_the_limit_and_a_visible_conversation(
    kefu: Kefu, team: dict[str, int]
) -> None:
    who = acting(kefu, "wangwei")
    for text in ("   ", "x" * 4001):
        with pytest.raises(InvalidInput):
            notes.add_note(who, team["ali"], text, uow=kefu.uow(), clock=kefu.clock)
    assert notes.add_note(who, team["ali"], "x" * 4000, uow=kefu.uow(), clock=kefu.clock) > 0
    with pytest.raises(Exception, match="no conversation"):
        notes.add_note(
            acting(kefu, "lina"), team["ebay"], "hidden", uow=kefu.uow(), clock=kefu.clock
        )


# --- notifications and counts ----------------------------------------------------------------


def test_notifications_are_marked_read_one_or_all_and_counted(
    kefu: Kefu, team: dict[str, int]
) -> None:
    for n in range(3):
        notes.add_note(
            acting(kefu, "owner"), team["ali"], f"@zhangmin {n}", uow=kefu.uow(), clock=kefu.clock
        )
    zhang = acting(kefu, "zhangmin")
    listed = notifications.listed(zhang, uow=kefu.uow())
    assert len(listed) == 3
    assert notifications.counts(zhang, uow=kefu.uow()).notifications == 3
    assert notifications.mark_read(zhang, [listed[0].id], uow=kefu.uow(), clock=kefu.clock) == 1
    assert notifications.mark_read(zhang, [listed[0].id], uow=kefu.uow(), clock=kefu.clock) == 0
    # someone else's notification ids mark nothing
    assert (
        notifications.mark_read(
            acting(kefu, "lina"), [listed[1].id], uow=kefu.uow(), clock=kefu.clock
        )
        == 0
    )
    assert len(notifications.listed(zhang, uow=kefu.uow(), unread_only=True)) == 2
    assert notifications.mark_read(zhang, None, uow=kefu.uow(), clock=kefu.clock) == 2
    assert notifications.counts(zhang, uow=kefu.uow()).total == 0


def test_new_buyer_messages_in_my_conversations_are_counted_and_listed(
    kefu: Kefu, team: dict[str, int], clock: FixedClock
) -> None:
    owner = acting(kefu, "owner")
    inbox.assign(
        owner, team["ali"], acting(kefu, "zhangmin").account_id, uow=kefu.uow(), clock=clock
    )
    zhang = acting(kefu, "zhangmin")
    version = notifications.version(uow=kefu.uow())
    mark = version[0]
    assert notifications.new_buyer_messages(zhang, mark, uow=kefu.uow()) == []
    clock.advance(minutes=1)
    # pulled late: sent an hour ago, stored now — still new
    late = (clock.now() - timedelta(hours=1)).isoformat()
    inbox.ingest([make_message(50, sent_at=late, text="¿dónde está?")], kefu.uow(), clock)
    inbox.ingest([make_message(51, store="ebay-uk", buyer_id="b-9")], kefu.uow(), clock)
    assert notifications.version(uow=kefu.uow()) > version
    found = notifications.new_buyer_messages(zhang, mark, uow=kefu.uow())
    assert [(m.conversation_id, m.preview) for m in found] == [(team["ali"], "¿dónde está?")]
    assert notifications.counts(zhang, uow=kefu.uow()).conversations == 1
    # the owner's assignment is counted as unread work, not notified
    assert notifications.listed(zhang, uow=kefu.uow()) == []


# --- presence -------------------------------------------------------------------------------


def test_presence_shows_the_others_while_fresh(
    kefu: Kefu, team: dict[str, int], clock: FixedClock
) -> None:
    conv = team["ali"]
    assert (
        presence.heartbeat(acting(kefu, "wangwei"), conv, "viewing", uow=kefu.uow(), clock=clock)
        == []
    )
    seen = presence.heartbeat(acting(kefu, "zhangmin"), conv, "typing", uow=kefu.uow(), clock=clock)
    assert [(p.name, p.state) for p in seen] == [("王伟 Wang Wei", "viewing")]
    seen = presence.others(acting(kefu, "wangwei"), conv, uow=kefu.uow(), clock=clock)
    assert [(p.name, p.state) for p in seen] == [("张敏 Zhang Min", "typing")]
    clock.advance(seconds=31)
    assert presence.others(acting(kefu, "wangwei"), conv, uow=kefu.uow(), clock=clock) == []
    with pytest.raises(InvalidInput):
        presence.heartbeat(acting(kefu, "wangwei"), conv, "dancing", uow=kefu.uow(), clock=clock)


# --- two replies to one buyer message --------------------------------------------------------


def test_the_second_reply_to_one_buyer_message_is_refused_unless_sent_anyway(
    kefu: Kefu, team: dict[str, int], clock: FixedClock
) -> None:
    conv = team["ali"]
    seen = _buyer_message(kefu, conv)
    assert _reply(kefu, "wangwei", conv, "w1", answering_message_id=seen)
    clock.advance(seconds=5)
    # the same agent answering again is no collision
    assert _reply(kefu, "wangwei", conv, "w2", answering_message_id=seen)
    with pytest.raises(ReplyCollision) as refused:
        _reply(kefu, "zhangmin", conv, "z1", answering_message_id=seen)
    assert refused.value.author == "王伟 Wang Wei"
    assert refused.value.code == "reply_collision"
    assert "王伟 Wang Wei already answered this message at 12:00" in refused.value.message
    assert _reply(kefu, "zhangmin", conv, "z2", answering_message_id=seen, send_anyway=True)
    # a new buyer message: answering it collides with no one
    clock.advance(minutes=1)
    inbox.ingest([make_message(60, sent_at=clock.now().isoformat())], kefu.uow(), clock)
    clock.advance(seconds=1)
    assert _reply(kefu, "zhangmin", conv, "z3", answering_message_id=_buyer_message(kefu, conv))
    with pytest.raises(InvalidInput):
        _reply(kefu, "zhangmin", conv, "z4", answering_message_id=999_999)


def test_two_agents_sending_at_once_one_is_refused(
    kefu: Kefu, team: dict[str, int], clock: FixedClock
) -> None:
    """Race: both read the thread, both send; the check-and-write is one transaction, so
    exactly one reply is stored each round, on SQLite and on PostgreSQL."""
    conv = team["ali"]
    rounds = 4
    for round_ in range(rounds):
        clock.advance(minutes=1)
        inbox.ingest(
            [make_message(100 + round_, sent_at=clock.now().isoformat())], kefu.uow(), clock
        )
        clock.advance(seconds=1)
        seen = _buyer_message(kefu, conv)
        results = _race(kefu, conv, seen, str(round_))
        assert sorted(type(r).__name__ for r in results.values()) == ["ReplyCollision", "bool"]
    with kefu.uow() as uow:
        detail = uow.queries.conversation_detail(conv, clock.now())
    assert detail is not None
    assert sum(1 for m in detail.messages if m.direction == "shop") == rounds


def _race(kefu: Kefu, conv: int, seen: int, tag: str) -> dict[str, object]:
    start = threading.Barrier(2)
    results: dict[str, object] = {}

    def send(who: str) -> None:
        start.wait()
        try:
            results[who] = _reply(kefu, who, conv, f"{who}-{tag}", answering_message_id=seen)
        except ReplyCollision as exc:
            results[who] = exc

    threads = [threading.Thread(target=send, args=(w,)) for w in ("wangwei", "zhangmin")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


# --- hand-over ------------------------------------------------------------------------------


def test_an_agent_hands_their_conversation_to_a_teammate_on_the_store(
    kefu: Kefu, team: dict[str, int], clock: FixedClock
) -> None:
    conv = team["ali"]
    wang, zhang, lina = (acting(kefu, n) for n in ("wangwei", "zhangmin", "lina"))
    with pytest.raises(HandoverRefused, match="only a conversation assigned to you"):
        inbox.assign(wang, conv, zhang.account_id, uow=kefu.uow(), clock=clock)
    assert inbox.assignees(wang, conv, uow=kefu.uow()) == []
    inbox.assign(acting(kefu, "owner"), conv, wang.account_id, uow=kefu.uow(), clock=clock)
    choices = {a.username for a in inbox.assignees(wang, conv, uow=kefu.uow())}
    assert "wangwei" not in choices and "owner" not in choices and "ana" not in choices
    assert {"lina", "zhangmin", "chenjie", "lena"} <= choices
    with pytest.raises(HandoverRefused, match="only a lead can leave"):
        inbox.assign(wang, conv, None, uow=kefu.uow(), clock=clock)
    inbox.assign(wang, conv, lina.account_id, uow=kefu.uow(), clock=clock)
    with kefu.uow() as uow:
        assert uow.inbox.get_conversation(conv).assignee_id == lina.account_id  # type: ignore[union-attr]
    handed = notifications.listed(lina, uow=kefu.uow())
    assert [(n.kind, n.actor_name) for n in handed] == [("handover", "王伟 Wang Wei")]
    # lina holds it now; wangwei no longer may pass it on
    with pytest.raises(HandoverRefused):
        inbox.assign(wang, conv, zhang.account_id, uow=kefu.uow(), clock=clock)
    # lina cannot pass an ebay conversation: she does not see it at all
    ebay = team["ebay"]
    inbox.assign(acting(kefu, "owner"), ebay, wang.account_id, uow=kefu.uow(), clock=clock)
    with pytest.raises(InvalidInput, match="not given the conversation's store"):
        inbox.assign(wang, ebay, lina.account_id, uow=kefu.uow(), clock=clock)
