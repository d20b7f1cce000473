"""Each marketplace's rules for outgoing text, as data, each with the document it comes from.

`policy.check` reads this table: which rule applies to which kind of message with which
severity, and the limits (time windows, review requests per order, links, HTML). Channel
adapters read the same limits. The wording each rule looks for lives in `policy.py`; this
module says only where it applies. docs/replies.md shows the table and links the sources.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from kefu.domain.types import Marketplace


class Severity(StrEnum):
    BLOCK = "block"  # the text is not sent (a lead may override with a reason)
    WARN = "warn"  # shown to the agent; the text may be sent


class Rule(StrEnum):
    EMPTY = "empty"
    PLACEHOLDER = "unfilled_placeholder"
    EMAIL = "email_address"
    PHONE = "phone_number"
    EXTERNAL_LINK = "external_link"
    MESSENGER = "off_platform_contact"
    TOO_MANY_LINKS = "too_many_links"
    HTML = "html_markup"
    REVIEW_REQUEST = "review_request"  # review manipulation: positive, paid, changed, pre-empted
    REVIEW_REQUEST_LIMIT = "review_request_limit"
    CUSTOMS_FRAUD = "customs_fraud"
    SHIPPING_UPDATE = "shipping_update"
    PROACTIVE_WINDOW = "proactive_window"
    CONTACT_WINDOW = "contact_window"
    OUT_OF_OFFICE = "out_of_office"
    LANGUAGE = "language_mismatch"
    # What the platform's message API refuses (kefu.domain.channel_limits): always blocks.
    TEXT_TOO_LONG = "text_too_long"
    ATTACHMENT_REFUSED = "attachment_refused"


class MessageKind(StrEnum):
    """What an outgoing text is, for the rules that depend on it."""

    REPLY = "reply"  # an answer to the buyer's unanswered message
    PROACTIVE = "proactive"  # the shop writes first, or again before the buyer answered
    AUTOMATIC = "automatic"  # welcome, keyword and busy replies


ALL_KINDS = tuple(MessageKind)


@dataclass(frozen=True)
class Source:
    """The document a rule comes from: a platform's published policy, or kefu's own SPEC."""

    title: str
    url: str = ""


@dataclass(frozen=True)
class RuleSetting:
    """How one rule applies on one platform: its severity for each kind of message (a kind
    not listed: the rule does not apply to it) and the document it comes from."""

    severities: Mapping[MessageKind, Severity]
    source: Source

    def severity(self, kind: MessageKind) -> Severity | None:
        return self.severities.get(kind)


def everywhere(severity: Severity, source: Source) -> RuleSetting:
    return RuleSetting(MappingProxyType(dict.fromkeys(ALL_KINDS, severity)), source)


def only(kinds: Mapping[MessageKind, Severity], source: Source) -> RuleSetting:
    return RuleSetting(MappingProxyType(dict(kinds)), source)


@dataclass(frozen=True)
class PlatformRules:
    platform: Marketplace
    rules: Mapping[Rule, RuleSetting]  # a rule not listed does not apply on the platform
    own_domains: tuple[str, ...]  # links there keep the buyer on the platform
    max_links: int = 3
    html_allowed: bool = True  # False: tags are a BLOCK (eBay); True: a warning at most
    contact_window_days: int | None = None  # after the order, messages the seller starts (eBay)
    proactive_window_days: int | None = None  # after the order, messages the shop starts
    review_requests_per_order: int | None = None  # proactive review requests per order
    neutral_review_request_allowed: bool = True  # "please leave an honest review"
    notes: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def severity(self, rule: Rule, kind: MessageKind) -> Severity | None:
        setting = self.rules.get(rule)
        return setting.severity(kind) if setting else None

    def source(self, rule: Rule) -> Source | None:
        setting = self.rules.get(rule)
        return setting.source if setting else None


BLOCK, WARN = Severity.BLOCK, Severity.WARN
REPLY, PROACTIVE, AUTOMATIC = MessageKind.REPLY, MessageKind.PROACTIVE, MessageKind.AUTOMATIC

# --- the documents -------------------------------------------------------------------------

KEFU_SPEC_5 = Source("kefu SPEC §5: a message with an unfilled placeholder is never sent")
KEFU_LINKS = Source("kefu: at most three links in one message (keeps messages plain)")
KEFU_LANGUAGE = Source("kefu SPEC §4: write in the buyer's language")
KEFU_AUTOREPLY = Source(
    "kefu SPEC §13: marketplaces detect and penalise out-of-office wording in auto-replies"
)
CUSTOMS_LAW = "false customs declarations are customs fraud in every destination country"

AMAZON_GUIDELINES = Source(
    "Amazon Seller Central: Communication guidelines (Seller Code of Conduct)",
    "https://sellercentral.amazon.com/help/hub/reference/external/G1801",
)
AMAZON_MESSAGING = Source(
    "Amazon: Buyer-Seller Messaging, proactive permitted messages (Communication guidelines; "
    "SP-API Messaging use case guide)",
    "https://developer-docs.amazon.com/sp-api/docs/messaging-api-v1-use-case-guide",
)
EBAY_OUTSIDE = Source(
    "eBay: Offering to buy or sell outside of eBay policy",
    "https://www.ebay.com.au/help/policies/payment-policies/offers-buy-sell-outside-ebay-policy?id=4272",
)
EBAY_M2M = Source(
    "eBay: Member-to-member contact policy",
    "https://pages.ebay.com/help/policies/rfe-unwelcome-email-misuse.html",
)
EBAY_FEEDBACK = Source(
    "eBay: Feedback manipulation and feedback extortion policies",
    "https://www.ebay.com/help/policies/feedback-policies/feedback-manipulation-policy?id=4213",
)
EBAY_AAQ = Source(
    "eBay Trading API: AddMemberMessageAAQToPartner (up to 90 days after the order; no HTML)",
    "https://developer.ebay.com/devzone/xml/docs/reference/ebay/AddMemberMessageAAQToPartner.html",
)
EBAY_CUSTOMS = Source(
    f"eBay User Agreement (follow all applicable laws): {CUSTOMS_LAW}",
    "https://www.ebay.com/help/policies/member-behaviour-policies/user-agreement?id=4259",
)
ALI_RULES = Source(
    "AliExpress Platform Rules (Seller Rules): no off-platform transactions or contact",
    "https://sell.aliexpress.com/",
)
ALI_COMMUNICATION = Source(
    "AliExpress Platform Rules (Seller Rules): feedback manipulation; Rules About Communication",
    "https://sell.aliexpress.com/",
)
ALI_CUSTOMS = Source(
    f"AliExpress Platform Rules (Seller Rules): prohibited fraud; {CUSTOMS_LAW}",
    "https://sell.aliexpress.com/",
)
ALI_PHONE = Source(
    "AliExpress seed (001): after payment the shop confirms the buyer's address and phone, "
    "so a phone number may be the buyer's own — a warning, not a block"
)
WISH_POLICIES = Source(
    "Wish Merchant Policies: no directing users off Wish, no asking for personal information",
    "https://merchant.wish.com/policy",
)
WISH_REVIEWS = Source(
    "Wish: Manipulated Customer Reviews and Ratings Policy",
    "https://merchantfaq.wish.com/hc/en-us/articles/360013668033-Manipulated-Customer-Reviews-and-Ratings-Policy",
)
WISH_CUSTOMS = Source(f"Wish Merchant Policies: {CUSTOMS_LAW}", "https://merchant.wish.com/policy")
PLAIN_TEXT = Source("The platform's message box shows plain text: tags appear as typed")


def _common(customs: Source) -> dict[Rule, RuleSetting]:
    """What every platform has: kefu's own rules and customs fraud."""
    return {
        Rule.EMPTY: everywhere(BLOCK, KEFU_SPEC_5),
        Rule.PLACEHOLDER: everywhere(BLOCK, KEFU_SPEC_5),
        Rule.TOO_MANY_LINKS: everywhere(BLOCK, KEFU_LINKS),
        Rule.LANGUAGE: everywhere(WARN, KEFU_LANGUAGE),
        Rule.OUT_OF_OFFICE: only({AUTOMATIC: BLOCK}, KEFU_AUTOREPLY),
        Rule.CUSTOMS_FRAUD: everywhere(BLOCK, customs),
    }


AMAZON = PlatformRules(
    Marketplace.AMAZON,
    MappingProxyType(
        {
            **_common(AMAZON_GUIDELINES),
            Rule.EMAIL: everywhere(BLOCK, AMAZON_GUIDELINES),
            Rule.PHONE: everywhere(BLOCK, AMAZON_GUIDELINES),
            Rule.MESSENGER: everywhere(BLOCK, AMAZON_GUIDELINES),
            Rule.EXTERNAL_LINK: everywhere(BLOCK, AMAZON_GUIDELINES),
            Rule.HTML: everywhere(WARN, PLAIN_TEXT),
            Rule.REVIEW_REQUEST: everywhere(BLOCK, AMAZON_GUIDELINES),
            Rule.REVIEW_REQUEST_LIMIT: only({PROACTIVE: BLOCK}, AMAZON_MESSAGING),
            Rule.SHIPPING_UPDATE: only({PROACTIVE: BLOCK}, AMAZON_MESSAGING),
            Rule.PROACTIVE_WINDOW: only({PROACTIVE: BLOCK}, AMAZON_MESSAGING),
            # Proactive messages must be in the buyer's language; elsewhere a warning.
            Rule.LANGUAGE: only({REPLY: WARN, AUTOMATIC: WARN, PROACTIVE: BLOCK}, AMAZON_MESSAGING),
        }
    ),
    own_domains=("amazon.", "amzn.", "media-amazon.com", "ssl-images-amazon.com"),
    proactive_window_days=30,
    review_requests_per_order=1,
)

EBAY = PlatformRules(
    Marketplace.EBAY,
    MappingProxyType(
        {
            **_common(EBAY_CUSTOMS),
            Rule.EMAIL: everywhere(BLOCK, EBAY_M2M),
            Rule.PHONE: everywhere(BLOCK, EBAY_M2M),
            Rule.MESSENGER: everywhere(BLOCK, EBAY_M2M),
            Rule.EXTERNAL_LINK: everywhere(BLOCK, EBAY_OUTSIDE),
            Rule.HTML: everywhere(BLOCK, EBAY_AAQ),
            Rule.REVIEW_REQUEST: everywhere(BLOCK, EBAY_FEEDBACK),
            # The 90 days bound the messages the seller starts (AddMemberMessageAAQToPartner);
            # answering a buyer who wrote is always allowed.
            Rule.CONTACT_WINDOW: only({PROACTIVE: BLOCK}, EBAY_AAQ),
        }
    ),
    own_domains=("ebay.", "ebaystatic.com", "ebayimg.com", "ebay.to"),
    html_allowed=False,
    contact_window_days=90,
)

ALIEXPRESS = PlatformRules(
    Marketplace.ALIEXPRESS,
    MappingProxyType(
        {
            **_common(ALI_CUSTOMS),
            Rule.EMAIL: everywhere(BLOCK, ALI_RULES),
            Rule.PHONE: everywhere(WARN, ALI_PHONE),
            Rule.MESSENGER: everywhere(BLOCK, ALI_RULES),
            Rule.EXTERNAL_LINK: everywhere(BLOCK, ALI_RULES),
            Rule.HTML: everywhere(WARN, PLAIN_TEXT),
            Rule.REVIEW_REQUEST: everywhere(BLOCK, ALI_COMMUNICATION),
        }
    ),
    own_domains=("aliexpress.", "alibaba.", "alicdn.com", "aliexpress-media.com"),
)

WISH = PlatformRules(
    Marketplace.WISH,
    MappingProxyType(
        {
            **_common(WISH_CUSTOMS),
            Rule.EMAIL: everywhere(BLOCK, WISH_POLICIES),
            Rule.PHONE: everywhere(BLOCK, WISH_POLICIES),
            Rule.MESSENGER: everywhere(BLOCK, WISH_POLICIES),
            Rule.EXTERNAL_LINK: everywhere(BLOCK, WISH_POLICIES),
            Rule.HTML: everywhere(WARN, PLAIN_TEXT),
            Rule.REVIEW_REQUEST: everywhere(BLOCK, WISH_REVIEWS),
        }
    ),
    own_domains=("wish.com", "contextlogic.com", "wishpost.cn"),
)

PLATFORM_RULES: Mapping[Marketplace, PlatformRules] = MappingProxyType(
    {r.platform: r for r in (AMAZON, EBAY, ALIEXPRESS, WISH)}
)


def rules_for(platform: Marketplace) -> PlatformRules:
    return PLATFORM_RULES[platform]
