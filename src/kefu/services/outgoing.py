"""The one gate every outgoing text passes when it is written to the outbox.

An agent's reply, an automatic welcome, keyword or busy reply, anything sent through the
API or the CLI: each is checked against the platform's rules (`domain/policy.py`, with the
rules as data in `domain/platform_rules.py`) at the moment it is written, inside the
same transaction. What passes gets a `Clearance` of exactly its text; the outbox
repository refuses a pending message without one, so nothing reaches a channel another
way. The same check runs earlier, as an agent types and when a lead saves a store's
automatic texts, so problems show where they can still be fixed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from kefu.domain.channel_limits import ChannelLimits
from kefu.domain.errors import DomainError
from kefu.domain.policy import (
    MessageKind,
    PhoneFinder,
    PolicyContext,
    PolicyResult,
    Rule,
    Severity,
    check,
)
from kefu.domain.types import Marketplace
from kefu.services.ports import Clearance, GateFacts, LanguageDetector, StoreRef

MIN_OVERRIDE_REASON = 10
# No reason sends an empty text or one with a placeholder left in it.
# A person may not override what the platform's API would refuse anyway.
NEVER_OVERRIDDEN = frozenset(
    {Rule.EMPTY, Rule.PLACEHOLDER, Rule.TEXT_TOO_LONG, Rule.ATTACHMENT_REFUSED}
)


class PolicyBlocked(DomainError):
    """The text breaks a platform rule; `result` holds each finding with its place."""

    code = "policy_blocked"

    def __init__(self, result: PolicyResult) -> None:
        first = next(f for f in result.findings if f.severity is Severity.BLOCK)
        super().__init__(f"not sent: {first.message} ({first.excerpt!r})", rule=first.rule.value)
        self.result = result


def store_facts(store: StoreRef) -> GateFacts:
    """A store's texts before any conversation (settings): only the platform is known."""
    return GateFacts(platform=store.platform)


@dataclass
class Gate:
    """Built once per process (bootstrap): the language detector and the phone finder."""

    detector: LanguageDetector
    phones: PhoneFinder | None = None
    # Per platform, what its message API takes (declared beside each adapter).
    limits: Mapping[str, ChannelLimits] = field(default_factory=dict)

    def check(
        self,
        facts: GateFacts,
        text: str,
        *,
        now: datetime,
        kind: MessageKind | None = None,
        next_opening: str | None = None,
        attachments: tuple[str, ...] = (),
    ) -> PolicyResult:
        """Every finding on `text` for this buyer. Without a kind, a text answering the
        buyer's waiting message is a reply, anything else is proactive. `next_opening`, as
        the buyer reads it, goes into the fix of out-of-office wording."""
        if kind is None:
            kind = MessageKind.REPLY if facts.buyer_waiting else MessageKind.PROACTIVE
        ctx = PolicyContext(
            platform=Marketplace(facts.platform),
            buyer_language=facts.buyer_language,
            detected_language=self.detector.detect(text) if text.strip() else None,
            known_tokens=facts.known_tokens,
            kind=kind,
            now=now,
            order_placed_at=facts.order_placed_at,
            review_requests_on_order=facts.review_requests_on_order,
            regions=facts.regions,
            phones=self.phones,
            next_opening=next_opening,
            limits=self.limits.get(facts.platform),
            attachments=attachments,
        )
        return check(text, ctx)

    def clear(
        self,
        facts: GateFacts,
        text: str,
        *,
        now: datetime,
        kind: MessageKind | None = None,
        override_reason: str | None = None,
        attachments: tuple[str, ...] = (),
        next_opening: str | None = None,
    ) -> Clearance:
        """The clearance to write `text` to the outbox, or PolicyBlocked. A blocking
        finding passes only with a reason of at least MIN_OVERRIDE_REASON characters; the
        caller checks that the person may give one, and logs it."""
        result = self.check(
            facts, text, now=now, kind=kind, next_opening=next_opening, attachments=attachments
        )
        if not result.blocked:
            return Clearance(text, result.findings)
        reason = (override_reason or "").strip()
        if len(reason) < MIN_OVERRIDE_REASON or any(
            f.rule in NEVER_OVERRIDDEN for f in result.findings
        ):
            raise PolicyBlocked(result)
        return Clearance(text, result.findings, reason)
