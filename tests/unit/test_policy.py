"""The policy check on outgoing text: Amazon's contact and review rules, every platform's basics.

Per-platform rules in every language: test_policy_rules.py; phone numbers: test_policy_phones.py.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, date, datetime
from datetime import time as clock_time

import pytest
from hypothesis import Phase, example, given, settings
from hypothesis import strategies as st

from kefu.adapters.formatting import BabelFormatter
from kefu.adapters.reply_catalogue import packaged_catalogue
from kefu.domain.policy import MAX_LINKS, Finding, PolicyContext, Rule, Severity, check
from kefu.domain.sizecharts import SizeChart
from kefu.domain.templates import Money, OpeningHours, VarType, render
from kefu.domain.types import Marketplace

AMAZON = PolicyContext(Marketplace.AMAZON)
ALIEXPRESS = PolicyContext(Marketplace.ALIEXPRESS)
ORDER = "803123456789"  # twelve digits: a phone number if it were not this order's
TRACKING = "LX123456789CN"
TRACKING_URL = "https://t.17track.net/en#nums=LX123456789CN"


def rules(text: str, ctx: PolicyContext = AMAZON) -> list[tuple[Rule, Severity, str]]:
    return [(f.rule, f.severity, f.excerpt) for f in check(text, ctx).findings]


def assert_spans(text: str, findings: tuple[Finding, ...]) -> None:
    for f in findings:
        assert 0 <= f.start <= f.end <= len(text)
        assert text[f.start : f.end] == f.excerpt, f


@pytest.mark.parametrize(
    ("text", "rule", "excerpt"),
    [
        ("Write to john@gmail.com please", Rule.EMAIL, "john@gmail.com"),
        ("Write to john [at] gmail [dot] com please", Rule.EMAIL, "john [at] gmail [dot] com"),
        ("Call +86 138 1234 5678 today", Rule.PHONE, "+86 138 1234 5678"),
        ("Call 13812345678 today", Rule.PHONE, "13812345678"),
        ("Visit www.myshop.com for more", Rule.EXTERNAL_LINK, "www.myshop.com"),
        ("See https://x.io/a.", Rule.EXTERNAL_LINK, "https://x.io/a"),
        ("Add me on WhatsApp", Rule.MESSENGER, "WhatsApp"),
        ("My WeChat is sunrise88", Rule.MESSENGER, "WeChat"),
        ("Please leave a 5-star review", Rule.REVIEW_REQUEST, "5-star review"),
        ("Your positive feedback helps us", Rule.REVIEW_REQUEST, "positive feedback"),
        ("Déjanos una reseña positiva", Rule.REVIEW_REQUEST, "reseña positiva"),
        ("请给我们好评", Rule.REVIEW_REQUEST, "好评"),
    ],
)
def test_amazon_blocks_contact_links_and_review_requests(
    text: str, rule: Rule, excerpt: str
) -> None:
    result = check(text, AMAZON)
    assert result.blocked
    assert (rule, Severity.BLOCK, excerpt) in rules(text)
    assert_spans(text, result.findings)


@pytest.mark.parametrize(
    "text",
    [
        f"Your order {ORDER} was shipped, tracking {TRACKING}: {TRACKING_URL}",
        "It will arrive by 2026-12-03, or 03.12.2026 at the latest.",
        "We answer from 9:30 to 18:00 on weekdays.",
        "The price is 12.99 USD, or 1,299.00 for a hundred.",
        "See https://www.amazon.com/dp/B01ABC and amazon.com/gp/help/customer",
        "Thank you for your message. We will ship tomorrow.",
    ],
)
def test_amazon_does_not_flag_the_orders_own_numbers_dates_prices_or_amazon_links(
    text: str,
) -> None:
    ctx = PolicyContext(Marketplace.AMAZON, known_tokens=(ORDER, TRACKING, TRACKING_URL))
    assert rules(text, ctx) == []


def test_a_tracking_link_is_flagged_when_it_is_not_this_conversations() -> None:
    found = {r for r, _, _ in rules(f"Your order {ORDER}: {TRACKING_URL}")}
    assert found == {Rule.EXTERNAL_LINK}  # a number labelled as the order's is never a phone
    assert {r for r, _, _ in rules(f"Call {ORDER}: {TRACKING_URL}")} == {
        Rule.PHONE,
        Rule.EXTERNAL_LINK,
    }


def test_aliexpress_blocks_an_email_address_and_warns_on_a_phone_number() -> None:
    """AliExpress forbids contact off the platform, but the shop confirms the buyer's own
    phone before shipping (seed 001): a phone number there is a warning only."""
    assert rules("Write to john@gmail.com or call 13812345678", ALIEXPRESS) == [
        (Rule.EMAIL, Severity.BLOCK, "john@gmail.com"),
        (Rule.PHONE, Severity.WARN, "13812345678"),
    ]


def test_every_platform_blocks_unfinished_text() -> None:
    assert rules("Hi {buyer_name}, thanks!", ALIEXPRESS) == [
        (Rule.PLACEHOLDER, Severity.BLOCK, "{buyer_name}")
    ]
    assert rules("Hi XXXX, thanks!", ALIEXPRESS) == [(Rule.PLACEHOLDER, Severity.BLOCK, "XXXX")]


@pytest.mark.parametrize("text", ["", "   ", "\n\t "])
def test_empty_text_is_blocked(text: str) -> None:
    assert [r for r, _, _ in rules(text, ALIEXPRESS)] == [Rule.EMPTY]
    assert check(text, ALIEXPRESS).blocked


def test_more_than_max_links_is_blocked_at_the_first_link_too_many() -> None:
    links = [f"https://aliexpress.com/item/{i}" for i in range(MAX_LINKS + 1)]
    text = "See " + " and ".join(links)
    found = check(text, ALIEXPRESS)
    assert [(f.rule, f.excerpt) for f in found.findings] == [(Rule.TOO_MANY_LINKS, links[-1])]
    assert found.blocked
    assert rules("See " + " and ".join(links[:MAX_LINKS]), ALIEXPRESS) == []
    assert_spans(text, found.findings)


@pytest.mark.parametrize("platform", list(Marketplace))
def test_asking_for_a_5_star_review_is_blocked_on_every_platform(platform: Marketplace) -> None:
    result = check("Please leave a 5-star review", PolicyContext(platform))
    assert result.blocked
    assert [(f.rule, f.severity) for f in result.findings] == [
        (Rule.REVIEW_REQUEST, Severity.BLOCK)
    ]


def test_language_mismatch_is_a_warning_with_enough_letters_only() -> None:
    ctx = PolicyContext(Marketplace.ALIEXPRESS, buyer_language="es", detected_language="en")
    long = check("Thank you, your parcel is on its way.", ctx)
    assert [(f.rule, f.severity) for f in long.findings] == [(Rule.LANGUAGE, Severity.WARN)]
    assert not long.blocked
    assert check("Thanks, shipped!", ctx).findings == ()  # fewer than 20 letters
    same = PolicyContext(Marketplace.ALIEXPRESS, buyer_language="es", detected_language="es")
    assert check("Gracias, tu paquete está en camino.", same).findings == ()


def test_language_finding_span_matches_its_excerpt() -> None:
    ctx = PolicyContext(Marketplace.ALIEXPRESS, buyer_language="es", detected_language="en")
    text = "Thank you, your parcel is on its way."
    assert_spans(text, check(text, ctx).findings)


def test_every_finding_span_matches_its_excerpt() -> None:
    text = (
        "Hi {buyer_name}! Mail john@gmail.com or john [at] gmail [dot] com, call +86 138 1234 5678,"
        " see www.myshop.com, https://x.io/a, https://b.io, https://c.io; WhatsApp us. "
        "Leave a 5-star review, 好评!"
    )
    result = check(text, AMAZON)
    assert {f.rule for f in result.findings} >= {
        Rule.PLACEHOLDER,
        Rule.EMAIL,
        Rule.PHONE,
        Rule.EXTERNAL_LINK,
        Rule.TOO_MANY_LINKS,
        Rule.MESSENGER,
        Rule.REVIEW_REQUEST,
    }
    assert_spans(text, result.findings)
    assert [f.start for f in result.findings] == sorted(f.start for f in result.findings)


def test_packaged_templates_pass_amazons_rules() -> None:
    """No packaged wording trips the check it is meant to pass (tracking links are the order's)."""
    samples: dict[VarType, object] = {
        VarType.TEXT: "Maria",
        VarType.COUNT: 3,
        VarType.PERCENT: 10,
        VarType.MONEY: Money(1999),
        VarType.DATE: date(2026, 12, 3),
        VarType.DATETIME: datetime(2026, 11, 23, 1, 0, tzinfo=UTC),
        VarType.URL: TRACKING_URL,
        VarType.LIST: ["UPS", "DHL"],
        VarType.COUNTRY: "BR",
        VarType.WEIGHT: 2400,
        VarType.HOURS: OpeningHours(
            clock_time(9), clock_time(18), "Asia/Shanghai", frozenset(range(5))
        ),
        VarType.SIZE_CHART: SizeChart("cm", ("bust",), (("M", (88,)),)),
    }
    ctx = PolicyContext(Marketplace.AMAZON, known_tokens=(TRACKING_URL,))
    for template in packaged_catalogue():
        values = {n: samples[k] for n, k in template.variables.items()}
        for language in template.texts:
            text = render(template, language, values, BabelFormatter()).text
            assert rules(text, ctx) == [], (template.key, language)


@pytest.mark.parametrize("link", ["https://amazon.myshop.io/deal", "https://amazon.evil.com/x"])
def test_a_lookalike_amazon_host_is_an_external_link(link: str) -> None:
    assert (Rule.EXTERNAL_LINK, Severity.BLOCK, link) in rules(f"Buy it at {link} today")


def test_thanking_for_a_review_is_not_a_review_request() -> None:
    assert rules("Thank you for your review! We are glad you like the dress.") == []


# --- generated input ---------------------------------------------------------------------

WORDS = st.lists(st.text(st.characters(categories=["L"]), min_size=1, max_size=12), max_size=6)
COMMON_LOCAL_PART = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,20}", fullmatch=True)


@given(local=COMMON_LOCAL_PART, address=st.emails(), before=WORDS, after=WORDS)
def test_any_email_address_is_found_on_amazon_with_its_exact_span(
    local: str, address: str, before: list[str], after: list[str]
) -> None:
    email = f"{local}@{address.split('@', 1)[1]}"  # Hypothesis's domains, a usual local part
    text = " ".join([*before, email, *after])
    start = len(" ".join([*before, ""])) if before else 0
    assert text[start : start + len(email)] == email
    found = check(text, AMAZON).findings
    assert any(
        f.rule is Rule.EMAIL and (f.start, f.end) == (start, start + len(email)) for f in found
    ), found


@settings(phases=[Phase.explicit, Phase.generate])  # no shrinking: the example says enough
@example(address="o*@k.AI")
@given(address=st.emails())
def test_every_rfc_email_address_is_found_on_amazon_with_its_exact_span(address: str) -> None:
    text = f"Write to {address} please"
    start = len("Write to ")
    found = check(text, AMAZON).findings
    assert any(
        f.rule is Rule.EMAIL and (f.start, f.end) == (start, start + len(address)) for f in found
    ), found


@st.composite
def spaced_digits(draw: st.DrawFn) -> str:
    digits = draw(st.text("0123456789", min_size=8, max_size=15))
    groups: list[str] = []
    while digits:
        size = draw(st.integers(1, 5))
        groups.append(digits[:size])
        digits = digits[size:]
    return " ".join(groups)


@given(phone=spaced_digits())
def test_any_8_to_15_digits_with_spaces_are_a_phone_on_amazon(phone: str) -> None:
    text = f"Call me on {phone} tonight"
    found = check(text, AMAZON).findings
    assert [(f.rule, f.excerpt) for f in found] == [(Rule.PHONE, phone)]
    assert_spans(text, found)


RTL_AND_EMOJI = st.lists(
    st.sampled_from(
        [chr(c) for c in range(0x05D0, 0x05EB)]  # Hebrew letters
        + [chr(c) for c in range(0x0627, 0x064B)]  # Arabic letters
        + ["😊", "🎉", "👍🏽", "❤️", " ", " ", ",", "!", "?", "،", "\n"]
    ),
    max_size=300,
).map("".join)


@given(text=RTL_AND_EMOJI)
def test_hebrew_arabic_and_emoji_raise_nothing_on_amazon(text: str) -> None:
    found = check(text, AMAZON).findings
    if text.strip():
        assert found == ()
    else:
        assert [f.rule for f in found] == [Rule.EMPTY]


def test_hebrew_arabic_and_emoji_sample() -> None:
    assert rules("שלום! תודה על ההזמנה 😊 مرحبا، شكرا لك على طلبك 🎉👍🏽") == []


def test_a_10000_character_text_is_checked_with_valid_spans() -> None:
    rng = random.Random(7)
    pieces = [
        "Hello Maria, thank you for your order.",
        "Mail john@gmail.com now.",
        "Call +86 138 1234 5678.",
        "See https://x.io/a for details.",
        "Leave a 5-star review!",
        "Arrives 2026-12-03 at 9:30.",
        "Price 12.99 USD.",
        "שלום 😊 مرحبا",
        "Hi {buyer_name}",
    ]
    text = ""
    while len(text) < 10_000:
        text += rng.choice(pieces) + " "
    text = text[:10_000]
    result = check(text, AMAZON)
    assert len(result.findings) > 100
    assert_spans(text, result.findings)


def test_a_long_text_without_spaces_is_checked_quickly() -> None:
    text = "QUJD" * 2_500  # e.g. pasted base64
    began = time.perf_counter()
    check(text, AMAZON)
    assert time.perf_counter() - began < 0.25
