"""What a platform's message API refuses is stopped by the policy check, with its place
(kefu.domain.channel_limits; the limits declared beside each adapter)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kefu.bootstrap import CHANNEL_LIMITS
from kefu.domain.channel_limits import ChannelLimits, overflow, refused_attachments
from kefu.domain.policy import Message, PolicyContext, Rule, Severity, check
from kefu.domain.types import Marketplace
from kefu.services.sync import CREDENTIALS

EBAY = CHANNEL_LIMITS["ebay"]


@given(st.integers(min_value=1, max_value=50), st.integers(min_value=0, max_value=120))
def test_the_text_past_the_limit_is_marked_from_the_first_character_too_many(
    limit: int, length: int
) -> None:
    text = "a" * length
    cut = overflow(text, ChannelLimits(text_chars=limit))
    assert cut == (limit if length > limit else None)


def test_a_reply_too_long_for_ebay_blocks_with_the_overflow_marked() -> None:
    text = "Thank you for your order. " * 80  # 2,080 characters
    ctx = PolicyContext(platform=Marketplace.EBAY, buyer_language="en", limits=EBAY)
    found = [f for f in check(text, ctx).findings if f.rule is Rule.TEXT_TOO_LONG]
    assert len(found) == 1
    assert (found[0].start, found[0].end, found[0].severity) == (2000, len(text), Severity.BLOCK)
    assert found[0].message == Message.TEXT_TOO_LONG
    # The same text where the platform states no limit: nothing about its length.
    unlimited = PolicyContext(platform=Marketplace.ALIEXPRESS, limits=CHANNEL_LIMITS["aliexpress"])
    assert not [f for f in check(text, unlimited).findings if f.rule is Rule.TEXT_TOO_LONG]


def test_attachments_ebay_would_refuse_are_named_one_by_one() -> None:
    links = [
        "https://cdn.example.com/a.jpg",
        "http://cdn.example.com/b.png",  # not https
        "https://cdn.example.com/c.exe",  # a kind eBay does not take
        "https://cdn.example.com/d.pdf",
        "https://cdn.example.com/e.png",
        "https://cdn.example.com/f.png",  # the sixth and seventh: eBay takes five a message
        "https://cdn.example.com/g.png",
    ]
    refused = [links[1], links[2], links[5], links[6]]
    assert refused_attachments(links, EBAY) == refused
    ctx = PolicyContext(platform=Marketplace.EBAY, limits=EBAY, attachments=tuple(links))
    result = check("", ctx)  # files alone: only what the API takes is checked
    assert [f.excerpt for f in result.findings] == refused
    assert {f.rule for f in result.findings} == {Rule.ATTACHMENT_REFUSED}
    assert result.blocked
    wish = PolicyContext(
        platform=Marketplace.WISH, limits=CHANNEL_LIMITS["wish"], attachments=(links[0],)
    )
    assert [f.rule for f in check("Here is the photo.", wish).findings] == [Rule.ATTACHMENT_REFUSED]


def test_every_connected_platform_declares_its_limits() -> None:
    assert sorted(CHANNEL_LIMITS) == sorted(CREDENTIALS)
    assert len(CHANNEL_LIMITS) >= 3
