"""Who sees which conversation, on the real database (SPEC §7, docs/team.md).

The rule is stated once in plain Python (`domain/visibility.py`) and written once in SQL
(`adapters/db/visibility.py`). Here the SQL — through the detail check every use case
makes (`access.conversation`, a 404) and through the inbox list and its count — must
give, for every account of generated shops, exactly the conversations the plain rule
gives. The shops hold what broke the rule before: several stores, products with and
without a manager, orders of several lines, conversations with and without an order or a
product, assigned or not, and accounts of every role with different stores. The last
test is the shop where an order-line subquery not tied to its conversation hid every
conversation from a lead once one product was given to one agent.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from kefu.adapters.db import tables as t
from kefu.bootstrap import Kefu
from kefu.demo.catalog import ACCOUNT_STORES
from kefu.domain.errors import NotFound
from kefu.domain.permissions import Role
from kefu.domain.types import Origin, Stage, Status
from kefu.domain.visibility import ConversationFacts, Viewer, about, sees
from kefu.services import access, inbox
from kefu.services.access import Principal
from kefu.services.auth import NewAccount, principal_of
from kefu.services.catalog import load_catalog
from kefu.services.readmodels import InboxFilters
from tests.factories import NOW, make_catalog_with_orders, make_message
from tests.web import PASSWORD

SUB_ROLES = (Role.LEAD, Role.PRE_SALE, Role.AFTER_SALE, Role.ANALYST)
PAGE_SIZE = 3  # small, so that most inboxes have several pages


# --- what one account sees through the SQL --------------------------------------------


def seen_in_detail(kefu: Kefu, who: Principal, conversation_ids: list[int]) -> set[int]:
    """The conversations the person may open (the repository's check, and the use cases'
    `access.conversation` agreeing with it); the others are 404 for them."""
    seen = set()
    with kefu.uow() as uow:
        for conversation_id in conversation_ids:
            visible = uow.auth.conversation_visible(conversation_id, who.account_id, who.store_ids)
            try:
                access.conversation(uow, who, conversation_id)
            except NotFound:
                assert not visible, conversation_id
                continue
            assert visible, conversation_id
            seen.add(conversation_id)
    return seen


def seen_in_inbox(kefu: Kefu, who: Principal, page_size: int) -> tuple[set[int], int]:
    """Every page of the person's inbox, and the count it shows."""
    rows: list[int] = []
    with kefu.uow() as uow:
        page = 1
        while True:
            filters = access.inbox_filters(who, InboxFilters(page=page, page_size=page_size))
            result = uow.queries.inbox_page(filters)
            rows += [r.id for r in result.rows]
            if page >= result.pages:
                break
            page += 1
    assert len(rows) == len(set(rows)), "a conversation on two pages"
    return set(rows), result.total


def wipe(kefu: Kefu) -> None:
    """Empty every table, children first: each example gets a shop of its own."""
    with kefu.session_factory.begin() as session:
        for table in reversed(t.Base.metadata.sorted_tables):
            session.execute(delete(table))


# --- generated shops -------------------------------------------------------------------


@dataclass(frozen=True)
class ConversationPlan:
    store: int
    order: int | None  # index into ShopPlan.orders, of the same store
    product: int | None  # index into ShopPlan.products, of the same store
    assignee: int | None  # index into ShopPlan.accounts
    queue_rank: int
    sort_key: int


@dataclass(frozen=True)
class ShopPlan:
    stores: int
    accounts: tuple[tuple[str, frozenset[int]], ...]  # role, stores; [0] is the main account
    products: tuple[tuple[int, int | None], ...]  # store, manager (an account) or nobody
    orders: tuple[tuple[int, tuple[int | None, ...]], ...]  # store, each line's product
    conversations: tuple[ConversationPlan, ...]


@st.composite
def shops(draw: st.DrawFn) -> ShopPlan:
    """2-3 stores; the main account, a lead, a pre-sale and an after-sale agent with one
    store or more, and up to 3 more sub-accounts of any role with any stores (maybe none);
    1-10 products, each managed by nobody or by a sub-account (maybe one not given the
    product's store); 0-8 orders of 1-4 lines (a line may be of a product no longer in the
    catalog, and a product may be on several lines); 1-12 conversations, each with or
    without an order and a product of its store, assigned to anyone or to nobody."""
    n_stores = draw(st.integers(2, 3))
    any_store = st.integers(0, n_stores - 1)
    accounts = [(Role.OWNER.value, frozenset(range(n_stores)))]
    for role in (Role.LEAD, Role.PRE_SALE, Role.AFTER_SALE):
        accounts.append((role.value, draw(st.frozensets(any_store, min_size=1))))
    for role in draw(st.lists(st.sampled_from(SUB_ROLES), max_size=3)):
        accounts.append((role.value, draw(st.frozensets(any_store))))
    subs = st.sampled_from(range(1, len(accounts)))
    managed = st.none() | subs
    products = tuple(draw(st.lists(st.tuples(any_store, managed), min_size=1, max_size=10)))

    def products_of(store: int) -> list[int]:
        return [i for i, (s, _) in enumerate(products) if s == store]

    orders = []
    for _ in range(draw(st.integers(0, 8))):
        store = draw(any_store)
        lines = st.sampled_from([*products_of(store), None])
        orders.append((store, tuple(draw(st.lists(lines, min_size=1, max_size=4)))))
    conversations = []
    for _ in range(draw(st.integers(1, 12))):
        store = draw(any_store)
        orders_here = [i for i, (s, _) in enumerate(orders) if s == store]
        products_here = products_of(store)
        order = draw(st.none() | st.sampled_from(orders_here)) if orders_here else None
        product = draw(st.none() | st.sampled_from(products_here)) if products_here else None
        assignee = draw(st.none() | st.sampled_from(range(len(accounts))))
        rank, key = draw(st.integers(0, 3)), draw(st.integers(-3, 3))
        conversations.append(ConversationPlan(store, order, product, assignee, rank, key))
    return ShopPlan(n_stores, tuple(accounts), products, tuple(orders), tuple(conversations))


@dataclass(frozen=True)
class Shop:
    """A generated shop as stored, with what the plain rule needs to judge it."""

    viewers: list[Viewer]
    conversations: list[ConversationFacts]
    owner_of: dict[int, int | None]


def fill(kefu: Kefu, plan: ShopPlan) -> Shop:
    """Store the plan through the tables; the facts for the rule come from the plan."""
    with kefu.session_factory.begin() as s:
        org = t.Organisation(name="Generated shop", created_at=NOW)
        s.add(org)
        s.flush()
        stores = [
            t.Store(
                organisation_id=org.id,
                code=f"store-{i}",
                name=f"Store {i}",
                platform="aliexpress",
                site="global",
                timezone="UTC",
                created_at=NOW,
            )
            for i in range(plan.stores)
        ]
        accounts = [
            t.Account(
                organisation_id=org.id,
                username=f"{role}-{i}",
                display_name=f"{role} {i}",
                role=role,
                is_main=i == 0,
                languages=[],
                active=True,
                created_at=NOW,
            )
            for i, (role, _) in enumerate(plan.accounts)
        ]
        buyers = [
            t.Buyer(organisation_id=org.id, name=f"Buyer {i}", created_at=NOW)
            for i in range(plan.stores)
        ]
        s.add_all([*stores, *accounts, *buyers])
        s.flush()
        store_id = [x.id for x in stores]
        account_id = [x.id for x in accounts]
        s.add_all(
            t.AccountStore(account_id=account_id[i], store_id=store_id[j])
            for i, (_, given) in enumerate(plan.accounts)
            for j in given
        )
        products = [
            t.Product(
                store_id=store_id[store],
                sku=f"SKU-{i}",
                title=f"Product {i}",
                category="misc",
                price_cents=100,
                stock=1,
                weight_g=100,
                owner_account_id=None if manager is None else account_id[manager],
            )
            for i, (store, manager) in enumerate(plan.products)
        ]
        orders = [
            t.Order(
                store_id=store_id[store],
                buyer_id=buyers[store].id,
                order_number=f"O-{i}",
                status="paid",
                total_cents=100 * len(lines),
                total_usd_cents=100 * len(lines),
                placed_at=NOW,
            )
            for i, (store, lines) in enumerate(plan.orders)
        ]
        s.add_all([*products, *orders])
        s.flush()
        product_id = [x.id for x in products]
        order_id = [x.id for x in orders]
        s.add_all(
            t.OrderLine(
                order_id=order_id[i],
                product_id=None if p is None else product_id[p],
                sku="SKU-GONE" if p is None else f"SKU-{p}",
                title="An order line",
                quantity=1,
                unit_price_cents=100,
            )
            for i, (_, lines) in enumerate(plan.orders)
            for p in lines
        )
        conversations = [
            t.Conversation(
                store_id=store_id[c.store],
                buyer_id=buyers[c.store].id,
                order_id=None if c.order is None else order_id[c.order],
                product_id=None if c.product is None else product_id[c.product],
                platform_conversation_id=f"c-{i}",
                origin=Origin.MESSAGE_CENTER.value,
                stage=Stage.PRE_SALE.value,
                status=Status.OPEN.value,
                assignee_id=None if c.assignee is None else account_id[c.assignee],
                queue_rank=c.queue_rank,
                sort_key=c.sort_key,
                created_at=NOW,
                last_message_at=NOW,
                last_buyer_message_at=NOW,  # a buyer's thread: notices are not the inbox's
            )
            for i, c in enumerate(plan.conversations)
        ]
        s.add_all(conversations)
        s.flush()
        facts = [
            ConversationFacts(
                id=row.id,
                store_id=store_id[c.store],
                assignee_id=None if c.assignee is None else account_id[c.assignee],
                product_ids=about(
                    None if c.product is None else product_id[c.product],
                    []
                    if c.order is None
                    else [None if p is None else product_id[p] for p in plan.orders[c.order][1]],
                ),
            )
            for row, c in zip(conversations, plan.conversations, strict=True)
        ]
    return Shop(
        viewers=[
            Viewer(account_id[i], is_main=i == 0, store_ids=frozenset(store_id[j] for j in given))
            for i, (_, given) in enumerate(plan.accounts)
        ],
        conversations=facts,
        owner_of={
            product_id[i]: None if manager is None else account_id[manager]
            for i, (_, manager) in enumerate(plan.products)
        },
    )


def _bucket(n: int, top: int) -> str:
    return f"{top}+" if n >= top else str(n)


def _describe(shop: Shop, plan: ShopPlan) -> None:
    """What the example holds, for `--hypothesis-show-statistics`."""
    event(f"conversations: {_bucket(len(shop.conversations), 6)}")
    event(f"order lines: {_bucket(sum(len(lines) for _, lines in plan.orders), 6)}")
    managed = {p for p, owner in shop.owner_of.items() if owner is not None}
    about_managed = sum(1 for c in shop.conversations if c.product_ids & managed)
    event(f"conversations about a managed product: {_bucket(about_managed, 3)}")
    through_order = sum(
        1
        for c in plan.conversations
        if c.order is not None
        and any(p is not None and plan.products[p][1] is not None for p in plan.orders[c.order][1])
    )
    event(f"conversations whose order holds a managed product: {_bucket(through_order, 3)}")
    hidden = sum(
        1
        for v in shop.viewers
        for c in shop.conversations
        if c.store_id in v.store_ids and not sees(v, c, shop.owner_of)
    )
    event(f"(account, conversation of its store) pairs hidden: {_bucket(hidden, 5)}")


# Each example wipes the tables and stores its own shop, so the function-scoped database
# fixture is made once for the whole test, not once per example.
@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=shops())
def test_the_sql_sees_what_the_rule_says_for_every_account(kefu: Kefu, plan: ShopPlan) -> None:
    note(repr(plan))
    wipe(kefu)
    shop = fill(kefu, plan)
    _describe(shop, plan)
    ids = [c.id for c in shop.conversations]
    checked_accounts = checked_conversations = 0
    for viewer in shop.viewers:
        with kefu.uow() as uow:
            record = uow.auth.account(viewer.account_id)
        assert record is not None
        who = principal_of(record)
        expected = {c.id for c in shop.conversations if sees(viewer, c, shop.owner_of)}
        listed, total = seen_in_inbox(kefu, who, PAGE_SIZE)
        assert seen_in_detail(kefu, who, ids) == expected, record.username
        assert listed == expected, record.username
        assert total == len(expected), record.username
        checked_accounts += 1
        checked_conversations += len(ids)
    assert checked_accounts >= 4 and checked_conversations > 0  # it cannot pass empty


# --- the shop where the rule once broke ------------------------------------------------

# Conversation (platform id) → what the buyer's message names. On ali-global unless said.
CONVERSATIONS: dict[str, dict[str, str]] = {
    "dress-mug": {"order_number": "A-1001"},  # order: dress, 2 mugs
    "tent-lamp": {"order_number": "A-1002"},  # order: tent, lamp
    "tent-dress": {"order_number": "A-1003"},  # order: tent, dress
    "lamp": {"order_number": "A-1004"},  # order: lamp
    "mug-gone": {"order_number": "A-1005"},  # order: mug, a product no longer sold
    "tent-page": {"product_sku": "SKU-TENT"},  # asked on the tent's page, no order
    "mug-page": {"product_sku": "SKU-MUG"},
    "dress-lamp": {"product_sku": "SKU-DRESS", "order_number": "A-1004"},  # page + order
    "plain": {},  # neither order nor product
    "kettle": {"store": "amazon-us", "buyer_id": "b-2", "order_number": "U-2001"},
    "scarf": {"store": "ebay-uk", "buyer_id": "b-3", "order_number": "E-3001"},
    "wish": {"store": "wish-global", "buyer_id": "b-4"},
}
ALI = {"dress-mug", "tent-lamp", "tent-dress", "lamp", "mug-gone", "tent-page", "mug-page"}
ALI |= {"dress-lamp", "plain"}
ALL = ALI | {"kettle", "scarf", "wish"}
TENT = {"tent-lamp", "tent-dress", "tent-page"}  # about the tent
LAMP = {"tent-lamp", "lamp", "dress-lamp"}  # about the lamp


class TeamView:
    """The demo team (lina and chenjie without eBay, the others with every store) and a
    lead, lena, with every store, looking at the shop of `make_catalog_with_orders`."""

    def __init__(self, kefu: Kefu) -> None:
        self.kefu = kefu
        wipe(kefu)
        load_catalog(make_catalog_with_orders(), kefu.uow(), NOW)
        with kefu.uow() as uow:
            codes = {s.code: s.id for s in uow.queries.stores()}
            for username, stores in ACCOUNT_STORES.items():
                agent = uow.auth.account_by_username(username)
                assert agent is not None
                uow.auth.set_stores(agent.id, [codes[c] for c in stores])
            owner = uow.auth.account_by_username("owner")
            uow.commit()
        assert owner is not None
        self.owner = principal_of(owner)
        lead = NewAccount("lena", "Lena", Role.LEAD.value, PASSWORD, frozenset(codes.values()))
        kefu.auth.create_account(self.owner, lead, uow=kefu.uow(), clock=kefu.clock)
        raws = [
            make_message(n, conversation_id=name, **names)
            for n, (name, names) in enumerate(CONVERSATIONS.items(), start=1)
        ]
        assert inbox.ingest(raws, kefu.uow(), kefu.clock).accepted == len(CONVERSATIONS)
        with kefu.uow() as uow:
            keys = [(CONVERSATIONS[n].get("store", "ali-global"), n) for n in CONVERSATIONS]
            self.id_of = {name: i for (_, name), i in uow.queries.conversation_ids(keys).items()}
            products = uow.auth.products_of(codes.values())
        self.product = {p.sku: p.id for p in products}
        self.name_of = {i: name for name, i in self.id_of.items()}

    def who(self, username: str) -> Principal:
        with self.kefu.uow() as uow:
            account = uow.auth.account_by_username(username)
        assert account is not None
        return principal_of(account)

    def sees(self, username: str) -> set[str]:
        """The conversations the person may open; their inbox and its count agree."""
        who = self.who(username)
        opened = seen_in_detail(self.kefu, who, list(self.name_of))
        listed, total = seen_in_inbox(self.kefu, who, PAGE_SIZE)
        assert listed == opened and total == len(opened), username
        return {self.name_of[i] for i in opened}

    def give(self, username: str, *skus: str) -> None:
        agent = self.who(username)
        products = [self.product[sku] for sku in skus]
        self.kefu.auth.set_products(
            self.owner, agent.account_id, products, uow=self.kefu.uow(), clock=self.kefu.clock
        )


def test_one_product_given_to_one_agent_hides_only_the_conversations_about_it(
    kefu: Kefu,
) -> None:
    """The reported bug: after the owner gave one product to one agent, a lead saw no
    conversation at all, because any order line of that product anywhere in the shop
    made every conversation "about" it."""
    team = TeamView(kefu)
    before = {u: team.sees(u) for u in ("owner", "lena", "lina", "wangwei", "zhangmin", "chenjie")}
    assert before == {
        "owner": ALL,
        "lena": ALL,
        "lina": ALL - {"scarf"},  # not given ebay-uk
        "wangwei": ALL,
        "zhangmin": ALL,
        "chenjie": ALI | {"wish"},  # ali-global and wish-global only
    }

    team.give("wangwei", "SKU-TENT")
    assert team.sees("lena") == ALL - TENT  # 9 of 12: the other 9, not 0
    for agent in ("lina", "zhangmin", "chenjie"):
        assert team.sees(agent) == before[agent] - TENT, agent
    assert team.sees("wangwei") == ALL  # his own product, and nobody else's
    assert team.sees("owner") == ALL

    # Assigned to the lead: seen, though about another agent's product.
    inbox.assign(
        team.owner,
        team.id_of["tent-page"],
        team.who("lena").account_id,
        uow=kefu.uow(),
        clock=kefu.clock,
    )
    assert team.sees("lena") == ALL - TENT | {"tent-page"}
    assert team.sees("lina") == before["lina"] - TENT

    team.give("zhangmin", "SKU-LAMP")
    # wangwei manages the tent: the lamp's conversations are not there for him (404)...
    wangwei = team.who("wangwei")
    for name in ("lamp", "dress-lamp"):
        with kefu.uow() as uow, pytest.raises(NotFound):
            access.conversation(uow, wangwei, team.id_of[name])
    # ...except the order holding both: each manager sees it.
    assert team.sees("wangwei") == ALL - {"lamp", "dress-lamp"}
    assert team.sees("zhangmin") == ALL - {"tent-dress", "tent-page"}
    assert team.sees("lena") == ALL - TENT - LAMP | {"tent-page"}
    assert team.sees("lina") == {"dress-mug", "mug-gone", "mug-page", "plain", "kettle", "wish"}
    assert team.sees("chenjie") == {"dress-mug", "mug-gone", "mug-page", "plain", "wish"}
    assert team.sees("owner") == ALL
