"""kefu.bootstrap.case_client: a store connection's case client per platform, built from
the same opened credentials as its message client; none for Amazon."""

from __future__ import annotations

from functools import partial

import httpx
import pytest

from kefu.adapters.marketplaces.aliexpress_cases import AliExpressCases
from kefu.adapters.marketplaces.ebay_cases import EbayCases
from kefu.adapters.marketplaces.wish_cases import WishCases
from kefu.bootstrap import case_client
from kefu.services.ports import CaseDecision, CaseFactory, ChannelError

CREDENTIALS = {
    "aliexpress": {"app_key": "500100", "app_secret": "s", "access_token": "t"},
    "ebay": {"access_token": "t", "marketplace_id": "EBAY_GB"},
    "wish": {"access_token": "t"},
    "amazon": {"refresh_token": "r", "client_id": "c", "client_secret": "s"},
}


def test_each_platform_gets_its_case_client_and_amazon_none() -> None:
    with httpx.Client() as http:
        factory: CaseFactory = partial(case_client, http=http)
        built = {
            platform: factory("shop-1", platform, "http://sandbox", values)
            for platform, values in CREDENTIALS.items()
        }
    assert len(built) == 4
    assert isinstance(built["aliexpress"], AliExpressCases)
    assert isinstance(built["ebay"], EbayCases)
    assert isinstance(built["wish"], WishCases)
    assert built["amazon"] is None
    ebay = built["ebay"]
    assert isinstance(ebay, EbayCases) and ebay.marketplace == "EBAY_GB"


def test_a_connection_missing_its_token_is_refused_in_words() -> None:
    with pytest.raises(ChannelError, match="lacks access_token") as caught:
        case_client("shop-1", "wish", "http://sandbox", {})
    assert caught.value.retryable is False


def test_a_decision_too_big_for_a_platform_is_refused_before_it_is_sent() -> None:
    with httpx.Client(transport=httpx.MockTransport(_never)) as http:
        clients = [
            case_client("shop-1", platform, "http://sandbox", CREDENTIALS[platform], http=http)
            for platform in ("aliexpress", "ebay", "wish")
        ]
        ref = {"aliexpress": "issue:1", "ebay": "return:1", "wish": "ticket:1"}
        walked = 0
        for client, platform in zip(clients, ("aliexpress", "ebay", "wish"), strict=True):
            assert client is not None
            for decision, words in (
                (CaseDecision(ref[platform], "refund", note="x" * 1001), "at most 1000"),
                (
                    CaseDecision(ref[platform], "propose", evidence=(("image/png", b""),) * 6),
                    "at most 5",
                ),
                (CaseDecision(ref[platform], "refund", refund_cents=0), "above zero"),
            ):
                with pytest.raises(ChannelError, match=words) as caught:
                    client.decide(decision)
                assert caught.value.retryable is False
                walked += 1
        assert walked == 9


def _never(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"nothing may be sent: {request.url}")
