"""Checks on outgoing text before anything is sent (replies issue; SPEC §2 platform rows, §5, §13).

Which rule applies where, with which severity, and the limits come from the platforms' own
rules, kept as data in `platform_rules.py`; the wording each rule looks for, in the 15
languages kefu writes, is in `policy_wording.py`. This module puts them together: off-platform
contact (e-mail addresses, also disguised; phone numbers through a `PhoneFinder`, after
masking every number known not to be one; messenger names and handles; links off the
platform), review manipulation, customs fraud, Amazon's rules for messages the shop starts,
eBay's 90 days, HTML, out-of-office wording in automatic replies, the buyer's language. Each
finding carries the exact span so the UI can mark the place, a fixed English message the UI
translates, and a fix where one exists. docs/replies.md has the table per platform.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property

from kefu.domain import policy_wording as w
from kefu.domain.channel_limits import ChannelLimits, overflow, refused_attachments
from kefu.domain.entities import mentions
from kefu.domain.platform_rules import PLATFORM_RULES, PlatformRules, rules_for
from kefu.domain.platform_rules import MessageKind as MessageKind
from kefu.domain.platform_rules import Rule as Rule
from kefu.domain.platform_rules import Severity as Severity
from kefu.domain.policy_wording import fold
from kefu.domain.templates import unfilled_markers
from kefu.domain.types import Marketplace

MAX_LINKS = 3
MIN_LETTERS_FOR_LANGUAGE = 20
HANDLE_REACH = 24  # characters between a messenger name and a handle that goes with it

# Marketplaces' own sites: links there keep the buyer on the platform (platform_rules.py).
OWN_DOMAINS = {platform: rules.own_domains for platform, rules in PLATFORM_RULES.items()}


class Message:
    """The fixed English sentences of the findings; scripts/zh_cn_ui.py has their Chinese."""

    EMPTY = "The text is empty."
    PLACEHOLDER = "A placeholder is not filled in."
    EMAIL = "An e-mail address takes the buyer off the platform."
    PHONE = "A phone number takes the buyer off the platform."
    MESSENGER = "A messenger app or handle takes the buyer off the platform."
    EXTERNAL_LINK = "A link leads off the platform."
    TOO_MANY_LINKS = "The text has more links than the platform allows."
    HTML = "Messages are plain text: remove the HTML tags."
    REVIEW_POSITIVE = "Asking for a positive or 5-star review is not allowed."
    REVIEW_INCENTIVE = (
        "Offering a refund, discount, gift or anything else for a review is not allowed."
    )
    REVIEW_CHANGE = "Asking the buyer to change or remove a review is not allowed."
    REVIEW_NEGATIVE = (
        "Asking the buyer to contact you instead of leaving a negative review is not allowed."
    )
    REVIEW_LIMIT = "This order has already had its review request."
    CUSTOMS = (
        "Promising a false customs declaration (low value, gift, split parcels) is customs fraud."
    )
    SHIPPING_UPDATE = "Amazon sends shipping and tracking updates itself; do not send them."
    PROACTIVE_WINDOW = "Amazon allows messages the shop starts only within 30 days of the order."
    CONTACT_WINDOW = "eBay allows messages about an order only within 90 days of it."
    OUT_OF_OFFICE = (
        "Automatic replies must not say the shop is closed or away; say when a person will answer."
    )
    LANGUAGE = "The text is not in the buyer's language."
    TEXT_TOO_LONG = "The text is longer than the platform accepts: shorten it."
    ATTACHMENT_REFUSED = (
        "The platform does not accept this attachment: too many files, or a kind it does not take."
    )

    @classmethod
    def all(cls) -> list[str]:
        return [v for k, v in vars(cls).items() if k.isupper() and isinstance(v, str)]


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
    # When a person answers next, as the buyer reads it ("Monday 9:00"): the out-of-office
    # fix says it; without it the fix says "as soon as possible".
    next_opening: str | None = None
    # What the platform's message API accepts (declared beside its adapter), and the files
    # going with the text.
    limits: ChannelLimits | None = None
    attachments: tuple[str, ...] = ()


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


# --- numbers that are no phone -------------------------------------------------------------

PHONE = re.compile(r"(?<![A-Za-z0-9_+])\+?\(?\d[\d \t\u00a0().\-/]{5,}\d(?![A-Za-z0-9_])")
_SEVEN_DIGITS = re.compile(r"\d(?:[ \t\u00a0().\-/]{0,3}\d){6}")
_DATE_OR_TIME = re.compile(
    r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$|^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$|^\d{1,2}[.:]\d{2}$"
)
_DATES = re.compile(
    r"(?<!\d)(?:\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?|\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2}))(?![\d])"
    r"|(?<!\d)\d{1,2}:\d{2}(?::\d{2})?(?!\d)"
)
_POSTCODE = re.compile(r"(?<![\d-])\d{5}-\d{3}(?![\d-])")  # Brazil's CEP: 01310-000
_GROUPED_AMOUNT = re.compile(r"(?<![\d.,])\d{1,3}(?:[.,]\d{3}){2,}(?:[.,]\d{1,2})?(?![\d.,]*\d)")


def _known_spans(low: str, known: Collection[str]) -> list[tuple[int, int]]:
    """Where this conversation's own numbers and links stand in the (folded) text."""
    spans = []
    for token in known:
        token = fold(token.strip())
        if len(token) < 4:
            continue
        at = low.find(token)
        while at != -1:
            spans.append((at, at + len(token)))
            at = low.find(token, at + len(token))
    return spans


def _numbers_of_known_kinds(text: str, low: str) -> list[tuple[int, int]]:
    """Numbers that are no phone by their form or label: order and tracking numbers, dates,
    times, amounts, postcodes, and numbers labelled as an order's, a parcel's or a tax id."""
    spans = [
        (e.start, e.end)
        for e in mentions(text)
        if e.kind in ("order_number", "tracking_number", "date", "amount")
    ]
    spans += [m.span() for m in _DATES.finditer(text)]
    spans += [m.span() for m in _GROUPED_AMOUNT.finditer(text)]
    spans += [m.span() for m in _POSTCODE.finditer(text)]
    for m in PHONE.finditer(text):
        if w.NUMBER_LABEL.search(low[max(0, m.start() - 40) : m.start()]):
            spans.append(m.span())
    return spans


def _masked(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """The text with each span's characters replaced by "x": offsets stay, digits go."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = "x" * (end - start)
    return "".join(chars)


def _phone_spans(
    text: str, low: str, ctx: PolicyContext, skip: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Phone numbers, after masking every number known not to be one (cheapest first)."""
    if not _SEVEN_DIGITS.search(text):
        return []  # most texts: no seven digits, nothing to look for
    masked = _masked(text, skip + _known_spans(low, ctx.known_tokens))
    if not _SEVEN_DIGITS.search(masked):
        return []  # the digits were this order's own numbers, links or addresses
    masked = _masked(masked, _numbers_of_known_kinds(masked, fold(masked)))
    if not _SEVEN_DIGITS.search(masked):
        return []
    if ctx.phones is not None:
        return sorted(ctx.phones(masked, ctx.regions))
    return [m.span() for m in PHONE.finditer(masked) if _is_phone(m.group(0))]


def _is_phone(candidate: str) -> bool:
    """Seven or more digits (eight without a "+") that are not a date or time."""
    token = candidate.strip(" .-/()")
    digits = re.sub(r"\D", "", token)
    if _DATE_OR_TIME.match(token):
        return False
    if token.startswith("+"):
        return 7 <= len(digits) <= 15
    return 8 <= len(digits) <= 15


# --- the check -----------------------------------------------------------------------------


@dataclass
class _Checker:
    text: str
    low: str  # fold(text): what the patterns read
    ctx: PolicyContext
    rules: PlatformRules
    found: list[Finding] = field(default_factory=list)

    @cached_property
    def known_lower(self) -> frozenset[str]:
        return frozenset(t.strip().lower() for t in self.ctx.known_tokens)

    def severity(self, rule: Rule) -> Severity | None:
        return self.rules.severity(rule, self.ctx.kind)

    def add(self, rule: Rule, start: int, end: int, message: str, fix: str | None = None) -> None:
        severity = self.severity(rule)
        if severity is None:
            return
        if start != end and any(
            f.rule is rule and f.start < end and start < f.end for f in self.found
        ):
            return  # one finding per place and rule
        self.found.append(Finding(rule, severity, start, end, self.text[start:end], message, fix))

    def whole(self, rule: Rule, message: str) -> None:
        """A finding about the whole text, with no place to mark."""
        self.add(rule, 0, 0, message)


def check(text: str, ctx: PolicyContext) -> PolicyResult:
    """Every finding on the text for the platform and kind of message, in text order."""
    rules = rules_for(ctx.platform)
    if not text.strip():
        return _without_words(text, ctx, rules)
    low = fold(text)
    c = _Checker(text, low, ctx, rules)
    for s, e, _ in unfilled_markers(text):
        c.add(Rule.PLACEHOLDER, s, e, Message.PLACEHOLDER)
    emails = _emails(text, low)
    for s, e in emails:
        c.add(Rule.EMAIL, s, e, Message.EMAIL, "")
    links = _links(low, emails)
    _check_links(c, links)
    _check_messengers(c, emails)
    if c.severity(Rule.PHONE):
        for s, e in _phone_spans(text, low, ctx, emails + [(s, e) for s, e, _ in links]):
            c.add(Rule.PHONE, s, e, Message.PHONE, "")
    if "<" in text and c.severity(Rule.HTML):
        for m in w.HTML_TAG.finditer(low):
            c.add(Rule.HTML, *m.span(), Message.HTML, "\n" if _is_break(m.group()) else "")
    manipulation = _check_reviews(c)
    _check_customs(c)
    _check_proactive(c, links, manipulation)
    _check_windows(c)
    if ctx.kind is MessageKind.AUTOMATIC:
        _check_out_of_office(c)
    if _language_mismatch(text, ctx):
        c.whole(Rule.LANGUAGE, Message.LANGUAGE)
    c.found.extend(limit_findings(text, ctx))
    return PolicyResult(text, tuple(sorted(c.found, key=lambda f: (f.start, f.end))))


def _without_words(text: str, ctx: PolicyContext, rules: PlatformRules) -> PolicyResult:
    """Files alone have no words to check, only what the API takes; nothing at all is
    empty."""
    if ctx.attachments:
        return PolicyResult(text, tuple(limit_findings(text, ctx)))
    severity = rules.severity(Rule.EMPTY, ctx.kind) or Severity.BLOCK
    return PolicyResult(text, (Finding(Rule.EMPTY, severity, 0, 0, "", Message.EMPTY),))


def limit_findings(text: str, ctx: PolicyContext) -> list[Finding]:
    """What the platform's API would refuse outright: the text past its length (the part
    marked) and each attachment it does not take. Blocks on every platform that states
    the limit, for every kind of message."""
    if ctx.limits is None:
        return []
    found = []
    cut = overflow(text, ctx.limits)
    if cut is not None:
        found.append(
            Finding(
                Rule.TEXT_TOO_LONG,
                Severity.BLOCK,
                cut,
                len(text),
                text[cut:][:200],
                Message.TEXT_TOO_LONG,
            )
        )
    for link in refused_attachments(ctx.attachments, ctx.limits):
        found.append(
            Finding(
                Rule.ATTACHMENT_REFUSED,
                Severity.BLOCK,
                0,
                0,
                link[:200],
                Message.ATTACHMENT_REFUSED,
            )
        )
    return found


def _emails(text: str, low: str) -> list[tuple[int, int]]:
    """E-mail addresses: each "@" read outwards (cheap), then the disguised ones."""
    spans = []
    at = text.find("@")
    while at != -1:
        m = w.EMAIL.search(text, max(0, at - 64), at + 260)
        while m is not None and m.start() <= at:
            if m.start() <= at < m.end():
                spans.append(m.span())
                break
            m = w.EMAIL.search(text, m.end(), at + 260)
        at = text.find("@", spans[-1][1] if spans and spans[-1][1] > at else at + 1)
    for m in w.EMAIL_DISGUISED.finditer(low):
        if not any(s < m.end() and m.start() < e for s, e in spans):
            spans.append(m.span())
    return sorted(spans)


def _links(low: str, emails: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """Each link's span and text (lower case: hosts and known links compare so)."""
    if "." not in low:
        return []
    found = []
    for m in w.URL.finditer(low):
        if _inside(m.start(), emails):
            continue
        link = m.group(0).rstrip(".,;:!?)")
        found.append((m.start(), m.start() + len(link), link))
    return found


def _check_links(c: _Checker, links: list[tuple[int, int, str]]) -> None:
    known = c.known_lower
    for s, e, link in links:
        if not _own(link, c.rules) and link not in known:
            c.add(Rule.EXTERNAL_LINK, s, e, Message.EXTERNAL_LINK, "")
    limit = min(c.ctx.max_links, c.rules.max_links)
    if len(links) > limit:
        s, e, _ = links[limit]
        c.add(Rule.TOO_MANY_LINKS, s, e, Message.TOO_MANY_LINKS, "")


def _check_messengers(c: _Checker, emails: list[tuple[int, int]]) -> None:
    if not c.severity(Rule.MESSENGER):
        return
    names = [m.span() for m in w.MESSENGERS.finditer(c.low)]
    names += [m.span(1) for m in w.SIGNAL.finditer(c.text)]
    for s, e in names:
        c.add(Rule.MESSENGER, s, e, Message.MESSENGER)
    if not names or "@" not in c.text:
        return
    for m in w.HANDLE.finditer(c.text):
        s, e = m.span()
        if _inside(s, emails):
            continue
        near = any(
            -HANDLE_REACH <= s - ne <= HANDLE_REACH or -HANDLE_REACH <= ns - e <= HANDLE_REACH
            for ns, ne in names
        )
        if near:
            c.add(Rule.MESSENGER, s, e, Message.MESSENGER, "")


def _check_reviews(c: _Checker) -> bool:
    """Review manipulation findings; True when there is one."""
    low = c.low
    if not c.severity(Rule.REVIEW_REQUEST):
        return False
    if not (w.has_any(w.REVIEW_HINTS, low) or w.has_any(w.STAR_HINTS, low)):
        return False  # most texts: no review word at all
    manipulation = False
    for family, message, thanks_allowed in (
        (w.REVIEW_INCENTIVE, Message.REVIEW_INCENTIVE, False),
        (w.REVIEW_FOR_INCENTIVE, Message.REVIEW_INCENTIVE, True),
        (w.REVIEW_CHANGE, Message.REVIEW_CHANGE, True),
        (w.REVIEW_NEGATIVE, Message.REVIEW_NEGATIVE, False),
        (w.REVIEW_POSITIVE, Message.REVIEW_POSITIVE, True),
    ):
        for m in w.find(family, low):
            if thanks_allowed and w.THANKS.search(_clause(low, m.start(), m.end())):
                continue  # "thank you for your 5-star review" asks for nothing
            manipulation = True
            c.add(Rule.REVIEW_REQUEST, *m.span(), message)
    return manipulation


def asks_for_review(text: str) -> bool:
    """The text asks the buyer for a review, however neutrally (Amazon: one per order)."""
    return next(w.find(w.REVIEW_ASK, fold(text)), None) is not None


def _check_customs(c: _Checker) -> None:
    if not c.severity(Rule.CUSTOMS_FRAUD):
        return
    for m in w.find(w.CUSTOMS, c.low):
        if not _denied(c.low, m.start(), m.end()):
            c.add(Rule.CUSTOMS_FRAUD, *m.span(), Message.CUSTOMS)


def _check_proactive(c: _Checker, links: list[tuple[int, int, str]], manipulation: bool) -> None:
    if c.ctx.kind is not MessageKind.PROACTIVE:
        return
    limit = c.rules.review_requests_per_order
    if (
        limit is not None
        and c.ctx.review_requests_on_order >= limit
        and (manipulation or asks_for_review(c.text))
    ):
        c.whole(Rule.REVIEW_REQUEST_LIMIT, Message.REVIEW_LIMIT)
    if not c.severity(Rule.SHIPPING_UPDATE):
        return
    for m in w.find(w.SHIPPING_UPDATE, c.low):
        c.add(Rule.SHIPPING_UPDATE, *m.span(), Message.SHIPPING_UPDATE)
    for entity in mentions(c.text):
        if entity.kind == "tracking_number":
            c.add(Rule.SHIPPING_UPDATE, entity.start, entity.end, Message.SHIPPING_UPDATE, "")
    for s, e, link in links:
        if link in c.known_lower and not _own(link, c.rules):
            c.add(Rule.SHIPPING_UPDATE, s, e, Message.SHIPPING_UPDATE, "")


def _check_windows(c: _Checker) -> None:
    now, placed = c.ctx.now, c.ctx.order_placed_at
    if now is None or placed is None:
        return
    days = (_aware(now) - _aware(placed)).total_seconds() / 86_400
    proactive = c.rules.proactive_window_days
    if proactive is not None and days > proactive:
        c.whole(Rule.PROACTIVE_WINDOW, Message.PROACTIVE_WINDOW)
    contact = c.rules.contact_window_days
    if contact is not None and days > contact:
        c.whole(Rule.CONTACT_WINDOW, Message.CONTACT_WINDOW)


def _check_out_of_office(c: _Checker) -> None:
    if not c.severity(Rule.OUT_OF_OFFICE):
        return
    language = (c.ctx.buyer_language or c.ctx.detected_language or "en").split("-")[0]
    when = (c.ctx.next_opening or "").strip()
    if when:
        fix = w.WILL_ANSWER_FROM.get(language, w.WILL_ANSWER_FROM["en"]).format(when=when)
    else:
        fix = w.WILL_ANSWER_SOON.get(language, w.WILL_ANSWER_SOON["en"])
    for m in w.find(w.OUT_OF_OFFICE, c.low):
        s, e = _sentence(c.text, m.start(), m.end())
        c.add(Rule.OUT_OF_OFFICE, s, e, Message.OUT_OF_OFFICE, fix)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _clause(text: str, start: int, end: int) -> str:
    """The clause around a match: from the last comma or stop before it to the next after."""
    before = text[max(0, start - 80) : start]
    cut = max((m.end() for m in w.CLAUSE_END.finditer(before)), default=0)
    after = w.CLAUSE_END.search(text, end)
    return before[cut:] + text[start : after.start() if after else len(text)]


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence holding a match, without its leading spaces; its stop is kept."""
    begin = max((m.end() for m in w.SENTENCE_END.finditer(text, 0, start)), default=0)
    stop = w.SENTENCE_END.search(text, end)
    finish = stop.end() if stop and stop.group() != "\n" else (stop.start() if stop else len(text))
    while begin < start and text[begin].isspace():
        begin += 1
    return begin, finish


def _denied(text: str, start: int, end: int) -> bool:
    """The match is part of a denial: "we cannot declare a lower value", "…, нельзя"."""
    before = text[max(0, start - 80) : start]
    cut = max((m.end() for m in w.CLAUSE_END.finditer(before)), default=0)
    if w.NEGATION_BEFORE.search(before[cut:]):
        return True
    stop = w.SENTENCE_END.search(text, end)
    return w.NEGATION_AFTER.search(text[end : stop.start() if stop else len(text)]) is not None


def _is_break(tag: str) -> bool:
    return tag.lower().startswith(("<br", "</p"))


def _inside(position: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= position < b for a, b in spans)


_TLD = r"(?:[a-z]{2,3}|co\.[a-z]{2}|com\.[a-z]{2})$"


def _own(link: str, rules: PlatformRules) -> bool:
    """The platform's own site: 'amazon.' only as the last label before a country TLD."""
    host = re.sub(r"^(?:https?://)?", "", link.lower()).split("/", 1)[0].split(":", 1)[0]
    for domain in rules.own_domains:
        if domain.endswith("."):
            if re.search(r"(?:^|\.)" + re.escape(domain) + _TLD, host):
                return True
        elif host == domain or host.endswith("." + domain):
            return True
    return False


def _language_mismatch(text: str, ctx: PolicyContext) -> bool:
    buyer, seen = ctx.buyer_language, ctx.detected_language
    if not buyer or not seen or seen == buyer:
        return False
    return sum(ch.isalpha() for ch in text) >= MIN_LETTERS_FOR_LANGUAGE
