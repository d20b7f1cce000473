"""Retries, back-off budget and the circuit breaker around a Translator; the adapters'
text conversions (no I/O: a fake translator, a fake clock)."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.adapters.translators.baidu import from_plain, join_lines, split_lines, to_plain
from kefu.adapters.translators.http import batches
from kefu.adapters.translators.markup import escape, from_markup, to_markup, token
from kefu.adapters.translators.resilience import ResilientTranslator
from kefu.services.ports import TranslationFailed, TranslationFailureKind


class FakeClock:
    """Monotonic seconds that move only when a test (or a fake sleep) moves them."""

    def __init__(self) -> None:
        self.now = 100.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


class ScriptedTranslator:
    """Fails with the scripted kinds in turn, then echoes; each call takes `seconds`."""

    provider = "fake"

    def __init__(
        self,
        clock: FakeClock,
        failures: Sequence[TranslationFailureKind | TranslationFailed] = (),
        seconds: float = 0.0,
    ) -> None:
        self.clock = clock
        self.failures = list(failures)
        self.seconds = seconds
        self.calls = 0

    def translate(self, texts: Sequence[str], source: str | None, target: str) -> list[str]:
        self.calls += 1
        self.clock.now += self.seconds
        if self.failures:
            failure = self.failures.pop(0)
            if isinstance(failure, TranslationFailed):
                raise failure
            raise TranslationFailed(f"scripted {failure}", kind=failure)
        return [f"{target}:{text}" for text in texts]


def resilient(
    inner: ScriptedTranslator,
    *,
    retries: int = 2,
    budget: float = 2.0,
    failures_to_open: int = 5,
    open_seconds: float = 30.0,
) -> ResilientTranslator:
    return ResilientTranslator(
        inner,
        retries=retries,
        budget=budget,
        failures_to_open=failures_to_open,
        open_seconds=open_seconds,
        clock=inner.clock,
        sleep=inner.clock.sleep,
    )


def kind_of(translator: ResilientTranslator) -> TranslationFailed:
    with pytest.raises(TranslationFailed) as caught:
        translator.translate(["hi"], "en", "zh")
    return caught.value


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


# --- retries -----------------------------------------------------------------------------


def test_retryable_failures_are_retried_with_exponential_back_off(clock: FakeClock) -> None:
    inner = ScriptedTranslator(clock, ["unavailable", "timeout"])
    assert resilient(inner).translate(["hi"], "en", "zh") == ["zh:hi"]
    assert clock.waits == [0.25, 0.5]
    assert inner.calls == 3


def test_retries_stop_at_the_limit(clock: FakeClock) -> None:
    inner = ScriptedTranslator(clock, ["unavailable"] * 3)
    assert kind_of(resilient(inner, retries=2)).kind == "unavailable"
    assert inner.calls == 3


@pytest.mark.parametrize("kind", ["quota", "auth", "malformed", "unsupported"])
def test_failures_that_a_retry_cannot_mend_are_raised_at_once(
    clock: FakeClock, kind: TranslationFailureKind
) -> None:
    inner = ScriptedTranslator(clock, [kind])
    assert kind_of(resilient(inner)).kind == kind
    assert inner.calls == 1 and clock.waits == []


def test_retry_after_is_honoured_when_longer_than_the_back_off(clock: FakeClock) -> None:
    later = TranslationFailed("429", kind="rate_limited", retry_after=1.5)
    inner = ScriptedTranslator(clock, [later])
    assert resilient(inner).translate(["hi"], "en", "zh") == ["zh:hi"]
    assert clock.waits == [1.5]


def test_a_retry_after_beyond_the_budget_is_passed_on_without_waiting(clock: FakeClock) -> None:
    later = TranslationFailed("429", kind="rate_limited", retry_after=30)
    inner = ScriptedTranslator(clock, [later])
    failure = kind_of(resilient(inner, budget=2.0))
    assert failure.kind == "rate_limited" and failure.retry_after == 30
    assert clock.waits == [] and inner.calls == 1


def test_the_budget_counts_the_time_the_calls_took(clock: FakeClock) -> None:
    """A call that timed out after 1.9 s leaves no room for a 0.25 s wait in 2 s."""
    inner = ScriptedTranslator(clock, ["timeout"], seconds=1.9)
    assert kind_of(resilient(inner, budget=2.0)).kind == "timeout"
    assert inner.calls == 1 and clock.waits == []


def test_the_total_wait_never_exceeds_the_budget(clock: FakeClock) -> None:
    inner = ScriptedTranslator(clock, ["unavailable"] * 10, seconds=0.1)
    kind_of(resilient(inner, retries=10, budget=2.0, failures_to_open=100))
    assert clock.now - 100.0 <= 2.0 + 0.1  # the last call may end after the budget


# --- the circuit breaker -------------------------------------------------------------------


def test_the_circuit_opens_after_consecutive_failures_and_then_fails_fast(
    clock: FakeClock,
) -> None:
    inner = ScriptedTranslator(clock, ["unavailable"] * 3)
    translator = resilient(inner, retries=0, failures_to_open=3, open_seconds=30)
    for _ in range(3):
        kind_of(translator)
    assert translator.breaker.state == "open"
    fast = kind_of(translator)
    assert fast.kind == "unavailable" and "circuit open" in str(fast)
    assert fast.retry_after == pytest.approx(30)
    assert inner.calls == 3


def test_a_success_resets_the_count(clock: FakeClock) -> None:
    inner = ScriptedTranslator(clock, ["unavailable", "unavailable"])
    translator = resilient(inner, retries=0, failures_to_open=3)
    kind_of(translator)
    kind_of(translator)
    assert translator.translate(["hi"], "en", "zh") == ["zh:hi"]
    inner.failures = ["unavailable", "unavailable"]
    kind_of(translator)
    kind_of(translator)
    assert translator.breaker.state == "closed"


def test_unsupported_languages_do_not_count_against_the_provider(clock: FakeClock) -> None:
    inner = ScriptedTranslator(clock, ["unsupported"] * 5)
    translator = resilient(inner, retries=0, failures_to_open=2)
    for _ in range(5):
        assert kind_of(translator).kind == "unsupported"
    assert translator.breaker.state == "closed"


def test_after_the_pause_one_trial_call_closes_the_circuit(clock: FakeClock) -> None:
    inner = ScriptedTranslator(clock, ["unavailable"] * 2)
    translator = resilient(inner, retries=0, failures_to_open=2, open_seconds=30)
    kind_of(translator)
    kind_of(translator)
    states = []
    for seconds in (29, 1):
        clock.now += seconds
        states.append(translator.breaker.state)
    assert states == ["open", "half_open"]
    assert translator.translate(["hi"], "en", "zh") == ["zh:hi"]
    assert translator.breaker.state == "closed"


def test_a_failed_trial_opens_the_circuit_for_another_pause(clock: FakeClock) -> None:
    inner = ScriptedTranslator(clock, ["unavailable"] * 3)
    translator = resilient(inner, retries=0, failures_to_open=2, open_seconds=30)
    kind_of(translator)
    kind_of(translator)
    clock.now += 30
    assert kind_of(translator).kind == "unavailable"  # the trial
    assert inner.calls == 3
    assert translator.breaker.state == "open"
    clock.now += 29
    assert "circuit open" in str(kind_of(translator))
    assert inner.calls == 3


def test_retries_stop_when_the_circuit_opens(clock: FakeClock) -> None:
    inner = ScriptedTranslator(clock, ["unavailable"] * 5)
    translator = resilient(inner, retries=5, failures_to_open=2)
    failure = kind_of(translator)
    assert "scripted" in str(failure)  # the provider's failure, not "circuit open"
    assert inner.calls == 2 and clock.waits == [0.25]


# --- threads -------------------------------------------------------------------------------


class BlockingTranslator:
    """Holds every call until released, counting them (thread-safe)."""

    provider = "blocking"

    def __init__(self) -> None:
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.calls = 0

    def translate(self, texts: Sequence[str], source: str | None, target: str) -> list[str]:
        with self.lock:
            self.calls += 1
        self.release.wait(5)
        return list(texts)


def test_a_half_open_circuit_lets_exactly_one_of_many_threads_through(clock: FakeClock) -> None:
    inner = BlockingTranslator()
    translator = ResilientTranslator(inner, clock=clock, sleep=clock.sleep, open_seconds=30)
    for _ in range(translator.breaker.failures_to_open):
        translator.breaker.failed()
    clock.now += 30
    start = threading.Barrier(8)
    outcomes: list[str] = []

    def call() -> None:
        start.wait(5)
        try:
            translator.translate(["hi"], "en", "zh")
            outcomes.append("through")
        except TranslationFailed:
            outcomes.append("failed fast")

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 5
    while outcomes.count("failed fast") < 7 and time.monotonic() < deadline:
        time.sleep(0.01)
    inner.release.set()
    for thread in threads:
        thread.join(5)
    assert sorted(outcomes) == ["failed fast"] * 7 + ["through"]
    assert inner.calls == 1
    assert translator.breaker.state == "closed"


def test_many_threads_share_one_breaker_without_losing_count() -> None:
    """Real threads, real clock: 8 x 50 failures all counted, the circuit open at the end."""

    class Failing:
        provider = "failing"

        def translate(self, texts: Sequence[str], source: str | None, target: str) -> list[str]:
            raise TranslationFailed("down", kind="unavailable")

    translator = ResilientTranslator(Failing(), retries=0, failures_to_open=400, open_seconds=60)

    def hammer() -> None:
        for _ in range(50):
            with pytest.raises(TranslationFailed):
                translator.translate(["hi"], "en", "zh")

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert translator.breaker.state == "open"


# --- the adapters' conversions --------------------------------------------------------------

masked_text = st.lists(
    st.one_of(st.text().map(escape), st.integers(1, 99).map(token)), max_size=8
).map("".join)


@given(masked_text)
def test_baidus_token_conversion_round_trips_any_masked_text(masked: str) -> None:
    assert from_plain(to_plain(masked)) == masked


@given(st.lists(masked_text, max_size=5))
def test_baidus_lines_rebuild_every_segment(texts: list[str]) -> None:
    lines, layout = split_lines(texts)
    assert all(line.strip() and "\n" not in line and "\r" not in line for line in lines)
    assert join_lines(lines, layout) == texts


def test_baidus_rewritten_tokens_are_still_tokens() -> None:
    assert from_plain("订单｛１｝已发货，{ 2 }") == '订单<k id="1"/>已发货，<k id="2"/>'
    assert to_plain('a {b} &amp; <k id="3"/>') == "a {{b} & {3}"


@given(masked_text.filter(lambda text: "\r" not in text))
def test_markup_round_trips_any_masked_text(masked: str) -> None:
    assert from_markup(to_markup(masked)) == masked


def test_markup_from_providers_is_brought_back_to_kefus_form() -> None:
    """Tokens and entities normalised; a tag the provider added stays for the caller."""
    google = "it&#39;s <k id='1'></k> &quot;ok&quot; &amp; <b>fine</b><br>bye"
    assert from_markup(google) == 'it\'s <k id="1"/> "ok" &amp; <b>fine</b>\nbye'
    libretranslate = 'a < b & c <k id="2">'
    assert from_markup(libretranslate, entities_decoded=True) == 'a &lt; b &amp; c <k id="2"/>'


@given(st.lists(st.text(max_size=30)), st.integers(1, 5), st.integers(1, 60))
def test_batches_keep_order_and_limits(texts: list[str], count: int, chars: int) -> None:
    result = list(batches(texts, count, chars))
    assert [text for batch in result for text in batch] == texts
    for batch in result:
        assert 1 <= len(batch) <= count
        assert len(batch) == 1 or sum(map(len, batch)) <= chars
