"""The visibility rule in plain Python (domain/visibility.py; SPEC §7, docs/team.md)."""

from __future__ import annotations

import pytest

from kefu.domain.visibility import ConversationFacts, Viewer, about, sees

ALI, EBAY = 1, 2
ME, OTHER, THIRD, MAIN = 10, 11, 12, 1
DRESS, TENT, LAMP, MUG = 100, 101, 102, 103
# The dress is mine, the tent another agent's, the lamp a third agent's; nobody has the mug.
OWNERS: dict[int, int | None] = {DRESS: ME, TENT: OTHER, LAMP: THIRD, MUG: None}

me = Viewer(ME, is_main=False, store_ids=frozenset({ALI}))
main = Viewer(MAIN, is_main=True)


def conv(*products: int, store: int = ALI, assignee: int | None = None) -> ConversationFacts:
    return ConversationFacts(1, store, assignee, frozenset(products))


def test_the_main_account_sees_everything() -> None:
    assert sees(main, conv(TENT, store=EBAY), OWNERS)
    assert sees(main, conv(TENT, LAMP, assignee=OTHER), OWNERS)
    # even with no store listed: the main account has every store
    assert sees(Viewer(MAIN, is_main=True, store_ids=frozenset()), conv(), OWNERS)


def test_a_store_not_given_hides_everything_even_what_is_assigned_or_mine() -> None:
    assert not sees(me, conv(store=EBAY), OWNERS)
    assert not sees(me, conv(DRESS, store=EBAY), OWNERS)
    assert not sees(me, conv(store=EBAY, assignee=ME), OWNERS)
    assert not sees(Viewer(ME, is_main=False), conv(MUG), OWNERS)  # no store at all


def test_a_conversation_about_nothing_or_about_unmanaged_products_is_seen() -> None:
    assert sees(me, conv(), OWNERS)
    assert sees(me, conv(MUG), OWNERS)
    assert sees(me, conv(999), OWNERS)  # a product missing from the map: nobody manages it


def test_a_conversation_about_my_product_is_seen() -> None:
    assert sees(me, conv(DRESS), OWNERS)
    assert sees(me, conv(DRESS, MUG), OWNERS)


def test_managed_by_me_and_by_another_is_seen_by_both() -> None:
    both = conv(DRESS, TENT)
    assert sees(me, both, OWNERS)
    assert sees(Viewer(OTHER, is_main=False, store_ids=frozenset({ALI})), both, OWNERS)
    # ...but not by a third agent who manages a product it is not about
    assert not sees(Viewer(THIRD, is_main=False, store_ids=frozenset({ALI})), both, OWNERS)


def test_only_others_products_hide_it_even_beside_unmanaged_ones() -> None:
    assert not sees(me, conv(TENT), OWNERS)
    assert not sees(me, conv(TENT, LAMP), OWNERS)
    assert not sees(me, conv(TENT, MUG), OWNERS)  # one managed product is enough to hide it


@pytest.mark.parametrize("products", [(TENT,), (TENT, LAMP), (TENT, MUG), ()])
def test_assigned_to_me_overrides_other_agents_products(products: tuple[int, ...]) -> None:
    assert sees(me, conv(*products, assignee=ME), OWNERS)


def test_assigned_to_someone_else_changes_nothing() -> None:
    assert sees(me, conv(MUG, assignee=OTHER), OWNERS)
    assert not sees(me, conv(TENT, assignee=THIRD), OWNERS)


def test_a_conversation_is_about_its_product_and_its_orders_lines() -> None:
    assert about(DRESS, [TENT, TENT, None]) == {DRESS, TENT}
    assert about(None, []) == frozenset()
    assert about(None, [LAMP]) == {LAMP}
    # the order's line of another agent's product hides a conversation naming none
    assert not sees(me, ConversationFacts(1, ALI, None, about(None, [TENT])), OWNERS)
