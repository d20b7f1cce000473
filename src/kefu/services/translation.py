"""Translation in and out through the Translator port, with the shop's term base.

Each text is masked (domain/termbase.py), cut into line segments, and each segment is
looked up in the cache first: the same masked text, languages, provider and term-base
version never cost a second call. What is left goes to the provider in one call,
unless the month's character budget would be passed (the call stops, never the
agent). Every answer is checked when the tokens are put back; a segment that fails the
check is refused with the reason and never cached.

No database transaction is open while the provider works: a slow provider must not
hold a write lock on the embedded database.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from kefu.domain.errors import FieldError, NotFound, RowErrors
from kefu.domain.permissions import Permission
from kefu.domain.termbase import (
    MaskedText,
    Term,
    TermBase,
    TranslationRefused,
    primary_language,
    protect,
    termbase_problems,
)
from kefu.services import access
from kefu.services.access import Principal
from kefu.services.outbox import claim_leased, next_attempt
from kefu.services.ports import (
    CachedSegment,
    Clock,
    DueReport,
    PendingTranslation,
    TranslationFailed,
    TranslationPrefs,
    Translator,
    UnitOfWork,
    UsageDay,
)

UowFactory = Callable[[], UnitOfWork]
LEASE = timedelta(seconds=120)
# Time kept in hand at the end of a lease: a provider call may take that long.
LEASE_MARGIN = timedelta(seconds=20)
# A spent budget or provider quota comes back in an hour, not at the outbox's pace.
QUOTA_RETRY = timedelta(hours=1)
AUTO = "auto"  # the cache's source language when the provider detected it
AGENT_LANGUAGES = ("zh", "en")  # the languages of kefu's screens
# The providers kefu speaks (KEFU_TRANSLATOR), for budgets and `kefu translate eval`.
PROVIDERS = ("deepl", "google", "baidu", "libretranslate", "sandbox")


@dataclass(frozen=True)
class Translated:
    """A translation, or why there is none (`problem`, in words the screen can show)."""

    text: str | None
    provider: str | None = None
    cache_hits: int = 0
    sent: int = 0  # segments the provider translated
    problem: str | None = None
    # refused (a protected value changed), budget, not_configured, or a TranslationFailed kind
    problem_kind: str | None = None
    provider_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.text is not None


@dataclass(frozen=True)
class Composed:
    """An agent's words in the buyer's language, and back, to check the meaning."""

    buyer_text: str | None
    back_text: str | None
    problem: str | None = None
    problem_kind: str | None = None
    provider_seconds: float = 0.0


@dataclass
class TranslationService:
    """Built once per process by bootstrap; `translator` None when no provider is set."""

    uow_factory: UowFactory
    translator: Translator | None
    clock: Clock
    timer: Callable[[], float] = time.perf_counter

    @property
    def provider(self) -> str | None:
        return self.translator.provider if self.translator else None

    def translate(
        self,
        text: str,
        *,
        source: str | None,
        target: str,
        store_id: int,
        keep: Sequence[str] = (),
    ) -> Translated:
        """`text` in `target`; `keep` adds words never translated (the buyer's name)."""
        result, ledger = self._translate(text, source, target, store_id, keep)
        if ledger is not None:
            with self.uow_factory() as uow:
                ledger.write(uow)
                uow.commit()
        return result

    def _translate(
        self, text: str, source: str | None, target: str, store_id: int, keep: Sequence[str]
    ) -> tuple[Translated, _Ledger | None]:
        """The translation and what it cost, not yet recorded (the caller's transaction)."""
        if not text.strip() or (source is not None and _same(source, target)):
            return Translated(text=text), None
        if self.translator is None:
            return Translated(
                text=None,
                problem="no translation provider is connected",
                problem_kind="not_configured",
            ), None
        provider = self.translator.provider
        source_key = source or AUTO
        today = self.clock.now().date()
        with self.uow_factory() as uow:
            termbase, prefs = uow.translations.context(store_id)
            budget = prefs.budgets.get(provider)
            masked = protect(text, termbase.keeping(keep), source or "", target)
            digests = [_digest(s.text) for s in masked.segments]
            known = uow.translations.cached(provider, source_key, target, termbase.version, digests)
            spent = (
                uow.translations.characters_since(provider, today.replace(day=1))
                if budget is not None
                else 0
            )
        missing = list(
            dict.fromkeys(
                s.text for s, d in zip(masked.segments, digests, strict=True) if d not in known
            )
        )
        hits = len(masked.segments) - sum(1 for d in digests if d not in known)
        characters = sum(len(m) for m in missing)
        if missing and budget is not None and spent + characters > budget:
            return Translated(
                text=None,
                provider=provider,
                cache_hits=hits,
                problem=f"the monthly budget of {budget:,} characters for {provider} is spent",
                problem_kind="budget",
            ), _Ledger(UsageDay(provider, today, cache_hits=hits, errors=1))
        answers: dict[str, str] = {}
        seconds = 0.0
        if missing:
            started = self.timer()
            try:
                out = self.translator.translate(missing, source, target)
                if len(out) != len(missing):
                    raise TranslationFailed(
                        f"{provider} answered {len(out)} segments for {len(missing)}",
                        kind="malformed",
                    )
            except TranslationFailed as failed:
                seconds = self.timer() - started
                return Translated(
                    text=None,
                    provider=provider,
                    cache_hits=hits,
                    problem=_failure_words(provider, failed),
                    problem_kind=failed.kind,
                    provider_seconds=seconds,
                ), _Ledger(
                    UsageDay(
                        provider,
                        today,
                        calls=1,
                        cache_hits=hits,
                        errors=1,
                        latency_ms_total=seconds * 1000,
                        latency_ms_max=seconds * 1000,
                    )
                )
            seconds = self.timer() - started
            answers = dict(zip(missing, out, strict=True))
        result, fresh = _restore(masked, digests, known, answers)
        ledger = _Ledger(
            UsageDay(
                provider,
                today,
                characters=characters,
                calls=1 if missing else 0,
                segments=len(missing),
                cache_hits=hits,
                errors=0 if isinstance(result, str) else 1,
                latency_ms_total=seconds * 1000,
                latency_ms_max=seconds * 1000,
            ),
            [
                CachedSegment(provider, source_key, target, termbase.version, d, s, tr)
                for d, s, tr in fresh
            ],
            self.clock.now(),
        )
        if isinstance(result, TranslationRefused):
            return Translated(
                text=None,
                provider=provider,
                cache_hits=hits,
                sent=len(missing),
                problem=f"translation refused: {result.message}",
                problem_kind="refused",
                provider_seconds=seconds,
            ), ledger
        return Translated(
            text=result,
            provider=provider,
            cache_hits=hits,
            sent=len(missing),
            provider_seconds=seconds,
        ), ledger

    def compose(
        self,
        agent_text: str,
        *,
        agent_language: str,
        buyer_language: str,
        store_id: int,
        keep: Sequence[str] = (),
    ) -> Composed:
        """The buyer's text for what the agent wrote, and its back-translation."""
        forward = self.translate(
            agent_text, source=agent_language, target=buyer_language, store_id=store_id, keep=keep
        )
        if forward.text is None:
            return Composed(
                None, None, forward.problem, forward.problem_kind, forward.provider_seconds
            )
        back = self.translate(
            forward.text, source=buyer_language, target=agent_language, store_id=store_id, keep=keep
        )
        return Composed(
            forward.text,
            back.text,
            back.problem,
            back.problem_kind,
            forward.provider_seconds + back.provider_seconds,
        )

    def draft(
        self, who: Principal, conversation_id: int, agent_text: str, agent_language: str
    ) -> tuple[str, Composed]:
        """The buyer's language and what the buyer would receive for the agent's words, with
        its back-translation; never sent from here."""
        access.require(who, Permission.REPLY)
        with self.uow_factory() as uow:
            access.conversation(uow, who, conversation_id)
            detail = uow.queries.conversation_detail(conversation_id, self.clock.now())
        if detail is None:
            raise NotFound(f"no conversation {conversation_id}", id=conversation_id)
        buyer = detail.language or "en"
        composed = self.compose(
            agent_text,
            agent_language=agent_language,
            buyer_language=buyer,
            store_id=detail.store_id,
            keep=(detail.buyer.name,) if detail.buyer.name else (),
        )
        return buyer, composed

    def translate_message(self, who: Principal, message_id: int, target: str) -> Translated:
        """On request (an agent whose language has no translation yet): made and stored."""
        access.require(who, Permission.VIEW_INBOX)
        with self.uow_factory() as uow:
            access.message(uow, who, message_id)
            found = uow.translations.message_for_translation(message_id)
        if found is None:
            return Translated(text=None, problem="no such message", problem_kind="not_found")
        store_id, text, language, buyer = found
        result = self.translate(
            text, source=language, target=target, store_id=store_id, keep=(buyer,) if buyer else ()
        )
        if result.text is not None and result.provider is not None:
            with self.uow_factory() as uow:
                uow.translations.store(
                    message_id,
                    target,
                    result.text,
                    origin="machine",
                    provider=result.provider,
                    at=self.clock.now(),
                )
                uow.commit()
        return result

    def translate_due(self, limit: int = 20) -> DueReport:
        """Translate buyer messages waiting for their agents' language (the background
        job); a lease keeps two workers off the same message."""
        report = DueReport()
        if self.translator is None:
            return report
        claimed_at = self.clock.now()
        until = claimed_at + LEASE
        batch = claim_leased(
            self.uow_factory, lambda uow: uow.translations.claim_due(claimed_at, until, limit)
        )
        report.claimed = len(batch)
        for pending in batch:
            if self.clock.now() >= until - LEASE_MARGIN:
                break  # the rest come due again when the lease ends, for any worker
            result, ledger = self._translate(
                pending.text,
                pending.source_language,
                pending.target_language,
                pending.store_id,
                pending.keep,
            )
            report.provider_seconds += result.provider_seconds
            self._settle(pending, until, result, ledger, report)
        return report

    def _settle(
        self,
        pending: PendingTranslation,
        leased_until: datetime,
        result: Translated,
        ledger: _Ledger | None,
        report: DueReport,
    ) -> None:
        """Store the outcome and what it cost in one transaction."""
        attempts = pending.attempts + 1
        status, when = "done", None
        if result.text is None:
            kind = result.problem_kind or "unavailable"
            report.kinds[kind] = report.kinds.get(kind, 0) + 1
            if kind == "refused":
                status = "refused"
            elif kind in ("budget", "quota"):
                status, when = "pending", self.clock.now() + QUOTA_RETRY
            elif kind in ("rate_limited", "unavailable", "timeout"):
                when = next_attempt(self.clock.now(), attempts, None)
                status = "pending" if when else "failed"
            else:
                status = "failed"
        with self.uow_factory() as uow:
            if ledger is not None:
                ledger.write(uow)
            uow.translations.finish(
                pending.id,
                leased_until=leased_until,
                status=status,
                text=result.text,
                provider=result.provider,
                error=result.problem,
                attempts=attempts,
                next_attempt_at=when,
                at=self.clock.now(),
            )
            uow.commit()
        if status == "done":
            report.done += 1
        elif status == "pending":
            report.retrying += 1
        elif status == "refused":
            report.refused += 1
        else:
            report.failed += 1


@dataclass(frozen=True)
class _Ledger:
    """What one translation cost (usage) and taught the cache (fresh segments)."""

    usage: UsageDay
    fresh: list[CachedSegment] = field(default_factory=list)
    at: datetime | None = None

    def write(self, uow: UnitOfWork) -> None:
        uow.translations.add_usage(self.usage)
        if self.fresh and self.at is not None:
            uow.translations.remember(self.fresh, self.at)


def save_termbase(
    who: Principal, store_id: int, terms: list[Term], *, uow: UnitOfWork, clock: Clock
) -> TermBase:
    """Replace the store's term base whole, or nothing when any row is wrong; audited."""
    access.require(who, Permission.MANAGE_TEMPLATES)
    account_id = who.account_id
    problems = termbase_problems(terms)
    if problems:
        raise RowErrors(problems)
    termbase = TermBase(tuple(terms))
    with uow:
        access.store_by_id(uow, who, store_id)
        before = uow.translations.termbase(store_id)
        uow.translations.save_termbase(store_id, termbase, account_id, clock.now())
        uow.inbox.audit(
            at=clock.now(),
            account_id=account_id,
            action="save_termbase",
            entity_type="store",
            entity_id=store_id,
            before={"terms": len(before.terms), "version": before.version},
            after={"terms": len(termbase.terms), "version": termbase.version},
        )
        uow.commit()
    return termbase


def save_prefs(who: Principal, prefs: TranslationPrefs, *, uow: UnitOfWork, clock: Clock) -> None:
    """The agents' languages and the monthly budgets (the owner's: they spend the shop's
    money); audited with before and after."""
    access.require(who, Permission.MANAGE_SHOP)
    account_id = who.account_id
    problems = [
        FieldError("agent_languages", "choose zh, en or both", value=lang)
        for lang in prefs.agent_languages
        if lang not in AGENT_LANGUAGES
    ] + [
        FieldError(f"budget_{provider}", "a whole number of characters, 0 or more", value=str(n))
        for provider, n in prefs.budgets.items()
        if n < 0
    ]
    if problems:
        raise RowErrors(problems)
    with uow:
        before = uow.translations.prefs()
        uow.translations.save_prefs(prefs, account_id, clock.now())
        uow.inbox.audit(
            at=clock.now(),
            account_id=account_id,
            action="save_translation_settings",
            entity_type="organisation",
            entity_id=0,
            before={
                "agent_languages": list(before.agent_languages),
                "budgets": dict(before.budgets),
            },
            after={"agent_languages": list(prefs.agent_languages), "budgets": dict(prefs.budgets)},
        )
        uow.commit()


def _restore(
    masked: MaskedText,
    digests: list[str],
    known: dict[str, str],
    answers: dict[str, str],
) -> tuple[str | TranslationRefused, list[tuple[str, str, str]]]:
    """The whole text put back, or the first refusal; and the new segments that passed
    their check (digest, masked source, translation) for the cache."""
    fresh: dict[str, tuple[str, str, str]] = {}
    restored: list[str] = []
    refusal: TranslationRefused | None = None
    for segment, digest in zip(masked.segments, digests, strict=True):
        answer = known.get(digest)
        new = answer is None
        if answer is None:
            answer = answers[segment.text]
        try:
            restored.append(segment.restore(answer))
        except TranslationRefused as refused:
            refusal = refusal or refused
            continue
        if new:
            fresh.setdefault(digest, (digest, segment.text, answer))
    return (refusal if refusal is not None else masked.assemble(restored)), list(fresh.values())


def _digest(segment: str) -> str:
    return hashlib.sha256(segment.encode("utf-8")).hexdigest()


def _same(source: str, target: str) -> bool:
    return primary_language(source) == primary_language(target)


def _failure_words(provider: str, failed: TranslationFailed) -> str:
    words = {
        "quota": "its quota is used up",
        "rate_limited": "it asks us to slow down",
        "unavailable": "it is unavailable",
        "timeout": "it did not answer in time",
        "malformed": "its answer was not understood",
        "auth": "the key was refused",
        "unsupported": "it does not translate this language",
    }[failed.kind]
    return f"{provider} could not translate: {words} ({failed})"
