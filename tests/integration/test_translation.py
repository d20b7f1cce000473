"""Translation on a real database: cache, budget, usage, checks and background work."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from kefu.adapters.db import tables as t
from kefu.bootstrap import Kefu
from kefu.domain.termbase import Term, TermBase
from kefu.services import inbox
from kefu.services.ports import TranslationFailed, TranslationPrefs
from kefu.services.translation import TranslationService
from tests.factories import acting, make_message
from tests.fakes import FixedClock

TOKEN = re.compile(r'<k id="\d+"/>')


@dataclass
class ScriptedTranslator:
    """Marks each segment with the target language, keeping tokens; or misbehaves on cue."""

    provider: str = "fake"
    calls: list[list[str]] = field(default_factory=list)
    fail: TranslationFailed | None = None
    drop_tokens: bool = False

    def translate(self, texts: Sequence[str], source: str | None, target: str) -> list[str]:
        self.calls.append(list(texts))
        if self.fail is not None:
            raise self.fail
        out = [f"[{target}] {text}" for text in texts]
        return [TOKEN.sub("", o) for o in out] if self.drop_tokens else out


@pytest.fixture
def translator() -> ScriptedTranslator:
    return ScriptedTranslator()


@pytest.fixture
def service(kefu: Kefu, translator: ScriptedTranslator) -> TranslationService:
    return TranslationService(kefu.uow, translator, kefu.clock)


def _store_id(kefu: Kefu, code: str = "ali-global") -> int:
    with kefu.uow() as uow:
        return uow.inbox.stores_by_code([code])[code].id


def test_the_same_line_never_costs_a_second_call(
    kefu: Kefu, service: TranslationService, translator: ScriptedTranslator
) -> None:
    store = _store_id(kefu)
    first = service.translate(
        "Hola\n¿Dónde está mi pedido 8123456789012345?", source="es", target="zh", store_id=store
    )
    assert first.text == "[zh] Hola\n[zh] ¿Dónde está mi pedido 8123456789012345?"
    assert (first.sent, first.cache_hits) == (2, 0)
    # Another order number, the same masked line: served from the cache.
    second = service.translate(
        "¿Dónde está mi pedido 8999999999999999?", source="es", target="zh", store_id=store
    )
    assert second.text == "[zh] ¿Dónde está mi pedido 8999999999999999?"
    assert (second.sent, second.cache_hits) == (0, 1)
    assert len(translator.calls) == 1
    with kefu.uow() as uow:
        [day] = uow.translations.usage(first_day=kefu.clock.now().date())
    assert (day.calls, day.segments, day.cache_hits, day.errors) == (1, 2, 1, 0)
    assert day.characters == sum(len(s) for s in translator.calls[0])


def test_a_new_term_base_version_is_a_new_call(
    kefu: Kefu, service: TranslationService, translator: ScriptedTranslator
) -> None:
    store = _store_id(kefu)
    service.translate("vestido de seda", source="es", target="zh", store_id=store)
    with kefu.uow() as uow:
        uow.translations.save_termbase(
            store, TermBase((Term({"es": "seda", "zh": "真丝"}),)), None, kefu.clock.now()
        )
        uow.commit()
    result = service.translate("vestido de seda", source="es", target="zh", store_id=store)
    assert result.text == "[zh] vestido de 真丝"
    assert len(translator.calls) == 2


def test_the_monthly_budget_stops_calls_not_the_cache(
    kefu: Kefu, service: TranslationService, translator: ScriptedTranslator
) -> None:
    store = _store_id(kefu)
    service.translate("Hola", source="es", target="zh", store_id=store)
    with kefu.uow() as uow:
        uow.translations.save_prefs(TranslationPrefs(budgets={"fake": 20}), None, kefu.clock.now())
        uow.commit()
    spent = service.translate("Una frase bastante larga", source="es", target="zh", store_id=store)
    assert spent.text is None and spent.problem_kind == "budget"
    assert "20" in (spent.problem or "")
    assert service.translate("Hola", source="es", target="zh", store_id=store).text == "[zh] Hola"
    assert len(translator.calls) == 1


def test_a_refused_translation_says_why_and_is_never_cached(
    kefu: Kefu, service: TranslationService, translator: ScriptedTranslator
) -> None:
    store = _store_id(kefu)
    translator.drop_tokens = True
    refused = service.translate("Pedido 8123456789012345", source="es", target="zh", store_id=store)
    assert refused.text is None and refused.problem_kind == "refused"
    assert "8123456789012345" in (refused.problem or "")
    translator.drop_tokens = False
    again = service.translate("Pedido 8123456789012345", source="es", target="zh", store_id=store)
    assert again.text == "[zh] Pedido 8123456789012345"
    assert len(translator.calls) == 2


def test_a_provider_failure_is_reported_and_counted(
    kefu: Kefu, service: TranslationService, translator: ScriptedTranslator
) -> None:
    translator.fail = TranslationFailed("429", kind="rate_limited", retry_after=3)
    result = service.translate("Hola", source="es", target="zh", store_id=_store_id(kefu))
    assert result.text is None and result.problem_kind == "rate_limited"
    assert "fake could not translate" in (result.problem or "")
    with kefu.uow() as uow:
        [day] = uow.translations.usage(first_day=kefu.clock.now().date())
    assert (day.calls, day.errors) == (1, 1)


def test_compose_gives_the_buyer_text_and_the_back_translation(
    kefu: Kefu, service: TranslationService
) -> None:
    composed = service.compose(
        "您的订单 8123456789012345 已发货",
        agent_language="zh",
        buyer_language="es",
        store_id=_store_id(kefu),
    )
    assert composed.buyer_text == "[es] 您的订单 8123456789012345 已发货"
    assert composed.back_text == "[zh] [es] 您的订单 8123456789012345 已发货"


def test_nothing_to_translate_costs_nothing(
    kefu: Kefu, service: TranslationService, translator: ScriptedTranslator
) -> None:
    store = _store_id(kefu)
    assert service.translate("  \n", source="es", target="zh", store_id=store).text == "  \n"
    assert service.translate("你好", source="zh", target="zh-CN", store_id=store).text == "你好"
    assert translator.calls == []


def _translations(kefu: Kefu) -> list[t.MessageTranslation]:
    with kefu.session_factory() as session:
        return list(session.scalars(select(t.MessageTranslation).order_by(t.MessageTranslation.id)))


def test_buyer_messages_wait_for_their_translation_and_get_it_in_the_background(
    kefu: Kefu, service: TranslationService, clock: FixedClock
) -> None:
    messages = [
        make_message(1, message_id="tr-1", conversation_id="tr", text="¿Dónde está mi pedido?"),
        make_message(2, message_id="tr-2", conversation_id="tr", text="Gracias 😀"),
    ]
    report = inbox.ingest(messages, kefu.uow(), clock, translate=True)
    assert report.accepted == 2
    pending = _translations(kefu)
    assert [(p.language, p.status) for p in pending] == [("zh", "pending"), ("zh", "pending")]
    # Ingesting the same messages again asks for nothing more.
    inbox.ingest(messages, kefu.uow(), clock, translate=True)
    assert len(_translations(kefu)) == 2

    done = service.translate_due()
    assert (done.done, done.failed) == (2, 0)
    assert sorted((r.status, r.text) for r in _translations(kefu)) == [
        ("done", "[zh] Gracias 😀"),
        ("done", "[zh] ¿Dónde está mi pedido?"),
    ]
    with kefu.uow() as uow:
        by_message = uow.translations.of_messages([r.message_id for r in _translations(kefu)])
    assert all(v[0].origin == "machine" and v[0].provider == "fake" for v in by_message.values())


def test_a_failing_provider_is_retried_later_and_a_refusal_is_final(
    kefu: Kefu, service: TranslationService, translator: ScriptedTranslator, clock: FixedClock
) -> None:
    inbox.ingest(
        [make_message(1, message_id="f-1", conversation_id="f", text="Pedido 8123456789012345")],
        kefu.uow(),
        clock,
        translate=True,
    )
    translator.fail = TranslationFailed("down", kind="unavailable")
    assert service.translate_due().retrying == 1
    [row] = _translations(kefu)
    assert row.status == "pending" and row.attempts == 1 and "unavailable" in (row.error or "")
    assert service.translate_due().retrying == 0  # not due yet
    clock.advance(minutes=5)
    translator.fail, translator.drop_tokens = None, True
    assert service.translate_due().refused == 1
    [row] = _translations(kefu)
    assert row.status == "refused" and "8123456789012345" in (row.error or "")


def test_no_provider_means_a_clear_reason_and_no_background_work(kefu: Kefu) -> None:
    service = TranslationService(kefu.uow, None, kefu.clock)
    result = service.translate("Hola", source="es", target="zh", store_id=_store_id(kefu))
    assert result.problem_kind == "not_configured"
    assert service.translate_due().done == 0


def test_a_late_worker_never_overwrites_a_translation_made_meanwhile(
    kefu: Kefu, service: TranslationService, translator: ScriptedTranslator, clock: FixedClock
) -> None:
    inbox.ingest(
        [make_message(1, message_id="l-1", conversation_id="l", text="Hola")],
        kefu.uow(),
        clock,
        translate=True,
    )
    [row] = _translations(kefu)

    class SlowThenFails:
        """Claims the row, and while it works an agent translates the message by hand."""

        provider = "fake"

        def translate(self, texts: Sequence[str], source: str | None, target: str) -> list[str]:
            TranslationService(kefu.uow, translator, kefu.clock).translate_message(
                acting(kefu), row.message_id, "zh"
            )
            raise TranslationFailed("timed out", kind="timeout")

    worker = TranslationService(kefu.uow, SlowThenFails(), kefu.clock)
    assert worker.translate_due().retrying == 1  # it thinks so; the row says otherwise
    [row] = _translations(kefu)
    assert (row.status, row.text) == ("done", "[zh] Hola")


def test_a_worker_stops_before_its_lease_runs_out(
    kefu: Kefu, service: TranslationService, clock: FixedClock
) -> None:
    inbox.ingest(
        [
            make_message(n, message_id=f"s-{n}", conversation_id="s", text=f"Hola {n}")
            for n in (1, 2)
        ],
        kefu.uow(),
        clock,
        translate=True,
    )

    class Slow:
        provider = "fake"

        def translate(self, texts: Sequence[str], source: str | None, target: str) -> list[str]:
            clock.advance(seconds=110)  # most of the lease
            return [f"[{target}] {t}" for t in texts]

    report = TranslationService(kefu.uow, Slow(), kefu.clock).translate_due()
    assert (report.claimed, report.done) == (2, 1)
    assert [r.status for r in _translations(kefu)] == ["done", "pending"]
    clock.advance(seconds=30)  # the lease is over: any worker takes the rest
    assert service.translate_due().done == 1
