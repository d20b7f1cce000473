"""Replies: suggestions filled from the order, the policy check, sending through the outbox,
and the store's template wording and facts (replies issue; SPEC §4–§6)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from kefu.domain.autoreply import AutoReplySettings, ContentKind, validated
from kefu.domain.customs import effective
from kefu.domain.errors import FieldError, InvalidInput, NotFound, RowErrors
from kefu.domain.permissions import Permission
from kefu.domain.policy import Finding, MessageKind, PolicyResult, Severity
from kefu.domain.shopfacts import ShopFacts
from kefu.domain.suggestions import MAX_SUGGESTIONS
from kefu.domain.templates import (
    MissingValues,
    TemplateCatalogue,
    TemplateError,
    ValueFormatter,
    render,
)
from kefu.domain.termbase import WordsDisagree, values_disagree
from kefu.services import access, inbox
from kefu.services.access import Principal
from kefu.services.outgoing import Gate, store_facts
from kefu.services.ports import Clock, UnitOfWork
from kefu.services.readmodels import ConversationDetail
from kefu.services.template_values import (
    Choice,
    Withheld,
    choose,
    context_for,
    example_values,
    main_product,
)

SIMILAR_PRODUCTS = 3
UowFactory = Callable[[], UnitOfWork]


@dataclass(frozen=True)
class Suggestion:
    key: str
    title: str
    text: str  # in the buyer's language (English when the template lacks it)
    language: str
    fell_back: bool  # the buyer's language had no text
    gloss: str  # the same template in the agent's language, so they know what they send
    gloss_language: str


@dataclass(frozen=True)
class Preview:
    """A template as the buyer would read it, for the lead who edits the wording."""

    text: str | None  # None when the wording cannot be used (see problem)
    language: str
    fell_back: bool
    examples: tuple[str, ...]  # variables filled from the example order, not the store
    problem: str | None = None
    findings: tuple[Finding, ...] = ()  # what the store's platform forbids in it


@dataclass
class Replies:
    """The reply use cases with their ports; built once per process by bootstrap."""

    catalogue: TemplateCatalogue
    formatter: ValueFormatter
    gate: Gate
    holidays: Callable[[str | None, int], frozenset[date]]

    # --- reading ---------------------------------------------------------------------

    def store_catalogue(self, uow: UnitOfWork, store_id: int) -> TemplateCatalogue:
        return self.catalogue.with_overrides(uow.replies.overrides(store_id))

    def suggestions(
        self,
        who: Principal,
        conversation_id: int,
        *,
        uow: UnitOfWork,
        clock: Clock,
        agent_language: str = "zh",
        limit: int = MAX_SUGGESTIONS,
    ) -> list[Suggestion]:
        """Up to three filled templates for the buyer's question, best first. Only
        templates whose every statement is true now are offered (SPEC §4; `withheld`
        lists the others with why)."""
        choice = self._choose(who, conversation_id, uow, clock, agent_language, limit, False)
        return [
            Suggestion(
                key=offer.template.key,
                title=offer.template.title(agent_language),
                text=offer.shown.text,
                language=offer.shown.language,
                fell_back=offer.shown.fell_back,
                gloss=offer.gloss.text,
                gloss_language=offer.gloss.language,
            )
            for offer in choice.offered
        ]

    def withheld(
        self,
        who: Principal,
        conversation_id: int,
        *,
        uow: UnitOfWork,
        clock: Clock,
        agent_language: str = "zh",
    ) -> list[Withheld]:
        """The templates that fit the buyer's question but are not offered, each with the
        reason (a promised day past, another carrier, an order already shipped…): for the
        leads who look after the templates."""
        access.require(who, Permission.MANAGE_TEMPLATES)
        choice = self._choose(
            who, conversation_id, uow, clock, agent_language, MAX_SUGGESTIONS, True
        )
        return choice.withheld

    def _choose(
        self,
        who: Principal,
        conversation_id: int,
        uow: UnitOfWork,
        clock: Clock,
        agent_language: str,
        limit: int,
        with_withheld: bool,
    ) -> Choice:
        access.require(who, Permission.VIEW_INBOX)
        now = clock.now()
        with uow:
            detail = _detail(uow, who, conversation_id, now)
            facts, _ = uow.replies.settings(detail.store_id)
            rules = effective(uow.customs.facts(None), uow.customs.facts(detail.store_id))
            catalogue = self.store_catalogue(uow, detail.store_id)
            product = main_product(detail)
            similar = (
                uow.replies.similar_products(
                    detail.store_id, product.category, product.id, SIMILAR_PRODUCTS
                )
                if product is not None and product.stock <= 0
                else []
            )
        return choose(
            catalogue,
            context_for(detail, facts, now, similar, rules),
            intent=detail.intent,
            stage=detail.stage,
            language=detail.buyer.language or detail.language,
            agent_language=agent_language,
            formatter=self.formatter,
            limit=limit,
            with_withheld=with_withheld,
        )

    def check_text(
        self, who: Principal, conversation_id: int, text: str, *, uow: UnitOfWork, clock: Clock
    ) -> PolicyResult:
        """The platform's rules on a text meant for this conversation's buyer."""
        access.require(who, Permission.VIEW_INBOX)
        with uow:
            access.conversation(uow, who, conversation_id)
            facts = uow.outgoing.gate_facts([conversation_id])[conversation_id]
        return self.gate.check(facts, text, now=clock.now())

    def preview(
        self,
        who: Principal,
        store_id: int,
        key: str,
        language: str,
        text: str | None = None,
        *,
        uow: UnitOfWork,
        clock: Clock,
    ) -> Preview:
        """The store's wording (or a draft of it) filled with the store's facts and an
        example order; a draft that breaks the template's rules says why instead."""
        access.require(who, Permission.MANAGE_TEMPLATES)
        now = clock.now()
        with uow:
            store = access.store_by_id(uow, who, store_id)
            facts, _ = uow.replies.settings(store_id)
            template = self.store_catalogue(uow, store_id).get(key)
        hours = facts.working_hours(self.holidays(facts.holiday_country, now.year))
        values, invented = example_values(facts, store.name, language, hours.next_opening(now))
        try:
            if text is not None:
                template = template.with_text(language, text.strip())
            shown = render(template, language, values, self.formatter)
        except (TemplateError, MissingValues, InvalidInput) as exc:
            return Preview(None, language, False, (), exc.message)
        kind = MessageKind.AUTOMATIC if template.automatic else MessageKind.REPLY
        opening = self.formatter.datetime(hours.next_opening(now), language)
        result = self.gate.check(
            store_facts(store), shown.text, now=now, kind=kind, next_opening=opening
        )
        blocking = [f for f in result.findings if f.severity is Severity.BLOCK]
        return Preview(
            shown.text,
            shown.language,
            shown.fell_back,
            tuple(sorted(n for n in template.variables if n in invented)),
            findings=tuple(blocking),
        )

    # --- sending ---------------------------------------------------------------------

    def send(
        self,
        who: Principal,
        conversation_id: int,
        text: str,
        *,
        request_id: str,
        uow_factory: UowFactory,
        clock: Clock,
        template_key: str | None = None,
        override_reason: str | None = None,
        agent_words: tuple[str, str] | None = None,
        template_text: str = "",
        answering_message_id: int | None = None,
        send_anyway: bool = False,
    ) -> bool:
        """Check, then store in the outbox; a blocked text needs a lead's logged reason.

        The check reads `text`, the buyer's language text that is sent, never the agent's
        own words (`agent_words`, stored beside it). Those must carry the same numbers,
        links and placeholders as `text` (apart from the template `text` started from):
        a translation not redone after an edit is refused, not sent.

        `answering_message_id` (the latest buyer message the agent saw) refuses the reply
        when a teammate answered after it (`ReplyCollision`), unless `send_anyway`.

        Returns False when this request id was already used (nothing stored twice).
        """
        access.require(who, Permission.REPLY)
        if agent_words is not None:
            differ = values_disagree(agent_words[1], text, template_text)
            if differ:
                raise WordsDisagree(
                    "your words and the buyer's text do not carry the same values "
                    f"({', '.join(differ)}): translate again, or correct one of them",
                    values=differ,
                )
        return inbox.reply(
            who,
            conversation_id,
            text,
            request_id=request_id,
            uow=uow_factory(),
            clock=clock,
            gate=self.gate,
            template_key=template_key if template_key in self.catalogue else None,
            override_reason=override_reason,
            agent_words=agent_words,
            answering_message_id=answering_message_id,
            send_anyway=send_anyway,
        )

    # --- the store's settings ----------------------------------------------------------

    def save_wording(
        self,
        who: Principal,
        store_id: int,
        key: str,
        language: str,
        text: str | None,
        *,
        uow: UnitOfWork,
        clock: Clock,
    ) -> None:
        """A lead's own wording of a template; checked like the packaged ones, then logged."""
        access.require(who, Permission.MANAGE_TEMPLATES)
        base = self.catalogue.get(key)
        cleaned = text.strip() if text is not None else None
        if cleaned is not None:
            try:
                base.with_text(language, cleaned)
            except TemplateError as exc:
                raise InvalidInput(exc.message, field="text") from exc
            shown = self.preview(who, store_id, key, language, cleaned, uow=uow, clock=clock)
            if shown.findings:
                raise RowErrors(
                    [FieldError("text", f.message, value=f.excerpt) for f in shown.findings]
                )
        now = clock.now()
        with uow:
            access.store_by_id(uow, who, store_id)
            before = uow.replies.overrides(store_id).get((key, language))
            uow.replies.save_override(store_id, key, language, cleaned, who.account_id, now)
            uow.inbox.audit(
                at=now,
                account_id=who.account_id,
                action="template_wording",
                entity_type="store",
                entity_id=store_id,
                before={"template": key, "language": language, "text": before},
                after={"template": key, "language": language, "text": cleaned},
            )
            uow.commit()


def save_facts(
    who: Principal, store_id: int, facts: ShopFacts, *, uow: UnitOfWork, clock: Clock
) -> None:
    access.require(who, Permission.MANAGE_TEMPLATES)
    now = clock.now()
    with uow:
        access.store_by_id(uow, who, store_id)
        before, _ = uow.replies.settings(store_id)
        uow.replies.save_facts(store_id, facts, now)
        uow.inbox.audit(
            at=now,
            account_id=who.account_id,
            action="store_facts",
            entity_type="store",
            entity_id=store_id,
            before=before.to_dict(),
            after=facts.to_dict(),
        )
        uow.commit()


def save_auto_replies(
    who: Principal,
    store_id: int,
    settings: AutoReplySettings,
    *,
    gate: Gate,
    uow: UnitOfWork,
    clock: Clock,
) -> None:
    """Validate the whole set first: a set that breaks SPEC §6, or a text the store's
    platform forbids (the gate, as for every automatic reply), is refused, nothing saved."""
    access.require(who, Permission.MANAGE_TEMPLATES)
    validated(settings)
    now = clock.now()
    with uow:
        store = access.store_by_id(uow, who, store_id)
        problems = [
            FieldError(field, f.message, row=row, value=f.excerpt)
            for row, keyword in enumerate(settings.keywords, start=1)
            if keyword.kind is ContentKind.TEXT
            for field, text in [("content", keyword.content)]
            + [("texts", text) for _, text in keyword.texts]
            for f in gate.check(
                store_facts(store), text, now=now, kind=MessageKind.AUTOMATIC
            ).findings
            if f.severity is Severity.BLOCK
        ]
        if problems:
            raise RowErrors(problems)
        _, before = uow.replies.settings(store_id)
        uow.replies.save_auto_replies(store_id, settings, now)
        uow.inbox.audit(
            at=now,
            account_id=who.account_id,
            action="auto_replies",
            entity_type="store",
            entity_id=store_id,
            before=before.to_dict(),
            after=settings.to_dict(),
        )
        uow.commit()


def _detail(
    uow: UnitOfWork, who: Principal, conversation_id: int, now: datetime
) -> ConversationDetail:
    access.conversation(uow, who, conversation_id)
    detail = uow.queries.conversation_detail(conversation_id, now)
    if detail is None:
        raise NotFound(f"no conversation {conversation_id}", id=conversation_id)
    return detail
