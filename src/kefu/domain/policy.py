"""Checks on outgoing text before anything is sent (replies issue; SPEC §2 platform rows, §5).

Amazon forbids off-platform contact (e-mail addresses, phone numbers, external
links, messenger names) and asking for positive reviews or reviews in exchange for
a benefit. Every platform: no unfilled placeholder, not empty, at most a few links,
and a warning when the text is not in the buyer's language. Each finding carries
the exact span so the UI can mark the place in the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from kefu.domain.templates import unfilled_markers
from kefu.domain.types import Marketplace

MAX_LINKS = 3
MIN_LETTERS_FOR_LANGUAGE = 20

# Marketplaces' own sites: links there keep the buyer on the platform.
OWN_DOMAINS = {
    Marketplace.AMAZON: ("amazon.", "amzn.", "media-amazon.com"),
    Marketplace.ALIEXPRESS: ("aliexpress.", "alibaba.", "alicdn.com"),
    Marketplace.EBAY: ("ebay.", "ebaystatic.com"),
    Marketplace.WISH: ("wish.com", "contextlogic.com"),
}

EMAIL = re.compile(
    r"[\w.!#$%&'*+/=?^`{|}~-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+"
    r"|[\w.+-]{1,64}\s*[\[(]\s*at\s*[\])]\s*[\w-]+\s*(?:[\[(]\s*dot\s*[\])]|\.)\s*[a-z]{2,}",
    re.IGNORECASE,
)
URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"']+"
    r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|info|shop|store|io|co|ru|de|fr|es|it|pl|br|"
    r"cn|uk|us|me|ly|gl|to)\b(?:/[^\s<>\"']*)?",
    re.IGNORECASE,
)
PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d\s().\-/]{5,}\d(?!\w)")
_DATE_OR_TIME = re.compile(
    r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$|^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$|^\d{1,2}[.:]\d{2}$"
)
MESSENGERS = re.compile(
    r"\b(?:whats\s?app|wechat|weixin|telegram|skype|viber|facebook|instagram|messenger|"
    r"line\s?id|signal\s?app|kakao\s?talk|qq\s?number)\b|微信|电报",
    re.IGNORECASE,
)
# Asking for a good rating, or paying for a review, in the languages we answer in.
REVIEW_REQUEST = re.compile(
    r"\b(?:positive|good|great|5[- ]?star|five[- ]?star)\s+(?:review|feedback|rating)s?\b"
    r"|\b[5５]\s*(?:stars?|estrellas|étoiles|sterne|stelle|estrelas|gwiazd\w*|звезд\w*)\b"
    r"|\b(?:five|cinco|cinq|fünf|cinque|pięć|пять)\s+(?:stars?|estrellas|étoiles|sterne|stelle|"
    r"estrelas|gwiazd\w*|звезд\w*)\b"
    r"|\b(?:in exchange for|in return for)\s+(?:a|an|your)?\s*(?:honest\s+)?review\b"
    r"|\b(?:remove|delete|change|update)\s+(?:your|the)?\s*(?:negative\s+)?(?:review|feedback)\b"
    r"|\b(?:reseña|valoración|opinión|calificación)\s+positiva\b"
    r"|положительн\w+\s+отзыв\w*|\bхорош\w+\s+отзыв\w*"
    r"|\bavis\s+positif\b|\bbonne\s+note\b"
    r"|\bpositive\s+Bewertung\w*\b|\bgute\s+Bewertung\w*\b"
    r"|\bavalia[çc][ãa]o\s+positiva\b|\brecensione\s+positiva\b"
    r"|\bpozytywn\w+\s+(?:opini\w+|ocen\w+|komentarz\w*)"
    r"|好评|五星",
    re.IGNORECASE,
)


_TLD = r"(?:[a-z]{2,3}|co\.[a-z]{2}|com\.[a-z]{2})$"
_REVIEW = "asks for a positive or paid review"


class Severity(StrEnum):
    BLOCK = "block"
    WARN = "warn"


class Rule(StrEnum):
    EMPTY = "empty"
    PLACEHOLDER = "unfilled_placeholder"
    EMAIL = "email_address"
    PHONE = "phone_number"
    EXTERNAL_LINK = "external_link"
    MESSENGER = "off_platform_contact"
    REVIEW_REQUEST = "review_request"
    TOO_MANY_LINKS = "too_many_links"
    LANGUAGE = "language_mismatch"


class MessageKind(StrEnum):
    """What an outgoing text is, for the rules that depend on it."""

    REPLY = "reply"  # an answer to the buyer's unanswered message
    PROACTIVE = "proactive"  # the shop writes first, or again before the buyer answered
    AUTOMATIC = "automatic"  # welcome, keyword and busy replies


# Spans of phone numbers in a text, given the regions whose national formats to read
# (an adapter backed by a phone-number library; the domain stays free of it).
PhoneFinder = Callable[[str, Sequence[str]], list[tuple[int, int]]]


@dataclass(frozen=True)
class Finding:
    rule: Rule
    severity: Severity
    start: int
    end: int
    excerpt: str
    message: str  # a fixed English sentence: the UI translates it into the agent's language
    fix: str | None = None  # what to put in place of the span ("" removes it); None: no fix


@dataclass(frozen=True)
class PolicyContext:
    platform: Marketplace
    buyer_language: str | None = None
    detected_language: str | None = None
    # This conversation's order and tracking numbers (digits that are no phone) and its
    # carrier tracking links (Amazon allows links needed to complete the order).
    known_tokens: Collection[str] = ()
    max_links: int = MAX_LINKS
    kind: MessageKind = MessageKind.REPLY
    now: datetime | None = None
    order_placed_at: datetime | None = None  # the conversation's order, for time windows
    review_requests_on_order: int = 0  # review requests already sent about this order
    regions: tuple[str, ...] = ()  # ISO countries of the buyer and the store, for phones
    phones: PhoneFinder | None = None


@dataclass(frozen=True)
class PolicyResult:
    text: str
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def blocked(self) -> bool:
        return any(f.severity is Severity.BLOCK for f in self.findings)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.WARN)


def check(text: str, ctx: PolicyContext) -> PolicyResult:
    """Every finding on the text for the platform, in text order."""
    if not text.strip():
        return PolicyResult(text, (Finding(Rule.EMPTY, Severity.BLOCK, 0, 0, "", "empty"),))
    found: list[Finding] = [
        Finding(Rule.PLACEHOLDER, Severity.BLOCK, s, e, m, f"unfilled placeholder {m}")
        for s, e, m in unfilled_markers(text)
    ]
    amazon = ctx.platform is Marketplace.AMAZON
    emails = list(EMAIL.finditer(text))
    email_spans = [(m.start(), m.end()) for m in emails]
    if amazon:
        found += [_finding(Rule.EMAIL, m, "e-mail address") for m in emails]
        found += [
            _finding(Rule.MESSENGER, m, "contact off the platform")
            for m in MESSENGERS.finditer(text)
        ]
        found += [
            _finding(Rule.PHONE, m, "phone number")
            for m in PHONE.finditer(text)
            if _is_phone(m.group(0), ctx.known_tokens)
        ]
    links = [
        (m.start(), m.start() + len(m.group(0).rstrip(".,;:!?)")), m.group(0).rstrip(".,;:!?)"))
        for m in URL.finditer(text)
        if not _inside(m.start(), email_spans)
    ]
    if amazon:
        found += [
            Finding(Rule.EXTERNAL_LINK, Severity.BLOCK, s, e, link, "link outside Amazon")
            for s, e, link in links
            if not _own(link, ctx.platform) and link not in ctx.known_tokens
        ]
    if len(links) > ctx.max_links:
        s, e, link = links[ctx.max_links]
        message = f"{len(links)} links; at most {ctx.max_links}"
        found.append(Finding(Rule.TOO_MANY_LINKS, Severity.BLOCK, s, e, link, message))
    severity = Severity.BLOCK if amazon else Severity.WARN
    found += [
        Finding(Rule.REVIEW_REQUEST, severity, m.start(), m.end(), m.group(0), _REVIEW)
        for m in REVIEW_REQUEST.finditer(text)
    ]
    language = _language_finding(text, ctx)
    if language:
        found.append(language)
    return PolicyResult(text, tuple(sorted(found, key=lambda f: (f.start, f.end))))


def _finding(rule: Rule, m: re.Match[str], message: str) -> Finding:
    return Finding(rule, Severity.BLOCK, m.start(), m.end(), m.group(0), message)


def _inside(position: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= position < b for a, b in spans)


def _own(link: str, platform: Marketplace) -> bool:
    """The platform's own site: 'amazon.' only as the last label before a country TLD."""
    host = re.sub(r"^(?:https?://)?", "", link.lower()).split("/", 1)[0].split(":", 1)[0]
    for domain in OWN_DOMAINS.get(platform, ()):
        if domain.endswith("."):
            if re.search(r"(?:^|\.)" + re.escape(domain) + _TLD, host):
                return True
        elif host == domain or host.endswith("." + domain):
            return True
    return False


def _is_phone(candidate: str, known: Collection[str]) -> bool:
    """Seven or more digits that are not a date, time, amount or this order's own numbers."""
    token = candidate.strip(" .-/()")
    digits = re.sub(r"\D", "", token)
    if _DATE_OR_TIME.match(token) or any(digits and digits in re.sub(r"\D", "", k) for k in known):
        return False
    if token.startswith("+"):
        return 7 <= len(digits) <= 15
    return 8 <= len(digits) <= 15


def _language_finding(text: str, ctx: PolicyContext) -> Finding | None:
    letters = sum(ch.isalpha() for ch in text)
    buyer, seen = ctx.buyer_language, ctx.detected_language
    if not buyer or not seen or letters < MIN_LETTERS_FOR_LANGUAGE or seen == buyer:
        return None
    # About the whole text, not one place in it: no span to mark.
    return Finding(
        Rule.LANGUAGE,
        Severity.WARN,
        0,
        0,
        "",
        f"the text looks {seen}; the buyer writes {buyer}",
    )
