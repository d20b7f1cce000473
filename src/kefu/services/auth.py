"""Sign-in, sessions, API tokens and the team's accounts (team issue; SPEC §7).

Sessions and tokens are random secrets given to the client once; the database keeps
only their SHA-256, so a copy of the database signs nobody in. A wrong password and an
unknown account get the same answer after the same work (one argon2 verification).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kefu.domain.errors import DomainError, FieldError, InvalidInput, NotFound, RowErrors
from kefu.domain.permissions import Permission, Role, permissions_of
from kefu.domain.routing import parse_shift
from kefu.domain.signin import ThrottleRule, password_problems
from kefu.services import routing
from kefu.services.access import Principal, require
from kefu.services.ports import (
    AccountRecord,
    AuditRow,
    AuditScope,
    Clock,
    ProductRef,
    StoreRef,
    TokenRecord,
    UnitOfWork,
)

SESSION_IDLE = timedelta(hours=12)
SESSION_MAX = timedelta(days=14)
TOUCH_EVERY = timedelta(minutes=1)  # last-seen is written at most once a minute
TOKEN_PREFIX = "kefu_"  # noqa: S105 — a marker, not a secret
USERNAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-")
AUDIT_PAGE = 50
# What a lead reads about the accounts of their agents: changes to the team, never the
# sign-ins, passwords and tokens (those carry addresses and secrets: the owner's alone).
LEAD_ACCOUNT_ACTIONS = frozenset(
    {"account_create", "account_update", "products_change", "shift_change"}
)


class Hasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, stored: str | None, password: str) -> bool: ...

    def needs_rehash(self, stored: str) -> bool: ...


class SignInFailed(DomainError):
    """Wrong user name or password: one message for both, so names cannot be probed."""

    code = "sign_in_failed"


class Throttled(DomainError):
    code = "throttled"

    def __init__(self, wait: timedelta) -> None:
        seconds = max(1, int(wait.total_seconds()) + 1)
        super().__init__(f"too many wrong passwords; try again in {seconds} s", retry=seconds)
        self.retry_after = seconds


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def principal_of(account: AccountRecord, **extra: Any) -> Principal:
    return Principal(
        account_id=account.id,
        username=account.username,
        display_name=account.display_name,
        role=account.role,
        is_main=account.is_main,
        store_ids=None if account.is_main else account.store_ids,
        languages=account.languages,
        **extra,
    )


@dataclass(frozen=True)
class NewAccount:
    username: str
    display_name: str
    role: str
    password: str
    store_ids: frozenset[int] = frozenset()
    languages: tuple[str, ...] = ()
    timezone: str = "Asia/Shanghai"
    shift: dict[str, Any] | None = None


@dataclass(frozen=True)
class TeamView:
    accounts: list[AccountRecord]  # without password hashes
    with_password: frozenset[int]  # the accounts that can sign in already
    stores: list[StoreRef]


@dataclass(frozen=True)
class AgentView:
    """One account on the owner's page, with the products of its stores to give it."""

    account: AccountRecord
    products: list[ProductRef]
    names: dict[int, str]  # who manages the products managed by someone else
    stores: list[StoreRef]


@dataclass(frozen=True)
class AuditQuery:
    """Filters of the audit page; None means any. `until` is exclusive."""

    account_id: int | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    page: int = 1


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    more: bool
    people: list[tuple[int, str]]  # the filter's choices: who acted in the readable rows
    actions: list[str]
    # Every account's display name, so a change of assignee reads as names, not ids.
    names: dict[int, str] = field(default_factory=dict)
    stores: dict[int, str] = field(default_factory=dict)  # store names, likewise


@dataclass(frozen=True)
class MyAccount:
    tokens: list[TokenRecord]
    owners: dict[int, str]  # display names of the tokens' accounts


@dataclass
class Auth:
    hasher: Hasher
    rule: ThrottleRule = field(default_factory=ThrottleRule)

    # --- signing in and out -----------------------------------------------------------

    def sign_in(
        self,
        username: str,
        password: str,
        *,
        address: str,
        user_agent: str,
        uow: UnitOfWork,
        clock: Clock,
    ) -> tuple[str, Principal]:
        """A new session (never one the browser brought along: no fixation)."""
        now = clock.now()
        name = username.strip().lower()[:64]
        attempt = self._attempt(name, address, uow=uow, now=now)
        with uow:
            account = uow.auth.account_by_username(name)
        usable = account is not None and account.active and account.password_hash is not None
        # Outside any transaction: argon2 takes a while, and no lock is held meanwhile.
        ok = self.hasher.verify(account.password_hash if account else None, password[:256])
        with uow:
            uow.auth.settle_attempt(attempt, success=ok and usable)
            if not (ok and usable) or account is None:
                if account is not None:
                    _audit(
                        uow, now, account.id, "sign_in_failed", account.id, None, {"from": address}
                    )
                uow.commit()  # the failure counts even though the sign-in does not happen
                raise SignInFailed("wrong user name or password")
            stored = account.password_hash
            if stored and self.hasher.needs_rehash(stored):
                uow.auth.set_password(account.id, self.hasher.hash(password), now)
            token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
            uow.auth.add_session(
                digest(token),
                account_id=account.id,
                csrf=csrf,
                now=now,
                expires_at=now + SESSION_MAX,
                address=address,
                user_agent=user_agent,
            )
            _audit(uow, now, account.id, "sign_in", account.id, None, {"from": address})
            uow.commit()
        return token, principal_of(account, csrf=csrf, session_key=digest(token))

    def _attempt(self, name: str, address: str, *, uow: UnitOfWork, now: datetime) -> int:
        """Record a password attempt before the password is checked, or refuse it.

        The attempt is committed as pending first, then the failed and pending attempts
        of the window are counted: parallel guesses see each other, so no more than the
        limit are ever checked. A refused attempt is forgotten, so refusals never make a
        lock last longer.
        """
        with uow:
            attempt = uow.auth.begin_attempt(at=now, username=name, address=address)
            uow.commit()
        with uow:
            by_account, by_address = uow.auth.failures_since(
                now - self.rule.window, name, address, besides=attempt
            )
            wait = self.rule.wait(now, by_account, by_address)
            if wait > timedelta(0):
                uow.auth.drop_attempt(attempt)
                uow.commit()
                raise Throttled(wait)
        return attempt

    def principal(self, account_id: int, *, uow: UnitOfWork) -> Principal | None:
        """The person behind background work they started (an import), if still active."""
        with uow:
            account = uow.auth.account(account_id)
        return principal_of(account) if account is not None and account.active else None

    def session_principal(self, token: str, *, uow: UnitOfWork, clock: Clock) -> Principal | None:
        """The person behind a session cookie, or None when it is unknown, idle or old."""
        if not token or len(token) > 200:
            return None
        now = clock.now()
        key = digest(token)
        with uow:
            found = uow.auth.session(key)
            if found is None:
                return None
            if now >= found.expires_at or now - found.last_seen_at >= SESSION_IDLE:
                uow.auth.delete_session(key)
                uow.commit()
                return None
            account = uow.auth.account(found.account_id)
            if account is None or not account.active:
                return None
            if now - found.last_seen_at >= TOUCH_EVERY:
                uow.auth.touch_session(key, now)
                uow.commit()
        return principal_of(account, csrf=found.csrf, session_key=key)

    def token_principal(self, token: str, *, uow: UnitOfWork, clock: Clock) -> Principal | None:
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        now = clock.now()
        with uow:
            found = uow.auth.token_by_hash(digest(token))
            if found is None or found.revoked_at is not None:
                return None
            account = uow.auth.account(found.account_id)
            if account is None or not account.active:
                return None
            if found.last_used_at is None or now - found.last_used_at >= TOUCH_EVERY:
                uow.auth.touch_token(found.id, now)
                uow.commit()
        return principal_of(account, scopes=frozenset(found.scopes))

    def sign_out(self, who: Principal, *, everywhere: bool, uow: UnitOfWork, clock: Clock) -> int:
        """End this session, or every session of the account; returns how many ended."""
        now = clock.now()
        with uow:
            if everywhere:
                ended = uow.auth.delete_sessions(who.account_id)
            elif who.session_key:
                uow.auth.delete_session(who.session_key)
                ended = 1
            else:
                ended = 0
            action = "sign_out_everywhere" if everywhere else "sign_out"
            _audit(uow, now, who.account_id, action, who.account_id, None, {"sessions": ended})
            uow.commit()
        return ended

    def change_password(
        self,
        who: Principal,
        current: str,
        new: str,
        *,
        address: str,
        uow: UnitOfWork,
        clock: Clock,
    ) -> None:
        """Needs the current password, throttled like signing in (the same counts: a
        stolen session is no way to guess it); every other session of the account ends."""
        now = clock.now()
        with uow:
            account = uow.auth.account(who.account_id)
        if account is None:
            raise NotFound(f"no account {who.account_id}", id=who.account_id)
        _check_password(new, account.username, "new")  # before spending an attempt
        attempt = self._attempt(account.username, address, uow=uow, now=now)
        ok = self.hasher.verify(account.password_hash, current[:256])
        with uow:
            uow.auth.settle_attempt(attempt, success=ok)
            if not ok:
                uow.commit()
                raise InvalidInput("the current password is wrong", field="current")
            uow.auth.set_password(account.id, self.hasher.hash(new), now)
            ended = uow.auth.delete_sessions(account.id, keep=who.session_key)
            _audit(uow, now, account.id, "password_change", account.id, None, {"ended": ended})
            uow.commit()

    # --- first run and the team ---------------------------------------------------------

    def needs_setup(self, uow: UnitOfWork) -> bool:
        """True until someone can sign in: the first visitor creates the owner."""
        with uow:
            return not uow.auth.any_password_set()

    def set_up_owner(
        self, username: str, display_name: str, password: str, *, uow: UnitOfWork, clock: Clock
    ) -> int:
        """The main account on an empty kefu; refused once any account can sign in."""
        now = clock.now()
        name = _check_username(username)
        _check_password(password, name, "password")
        with uow:
            if uow.auth.any_password_set():
                raise InvalidInput("kefu is already set up; sign in instead", field="username")
            existing = next((a for a in uow.auth.accounts() if a.is_main), None)
            if existing is not None:  # an imported shop whose owner has no password yet
                account_id = existing.id
                uow.auth.update_account(
                    account_id, username=name, display_name=display_name.strip() or name
                )
            else:
                account_id = uow.auth.add_account(
                    username=name,
                    display_name=display_name.strip() or name,
                    role=Role.OWNER.value,
                    is_main=True,
                    languages=("zh", "en"),
                    timezone="Asia/Shanghai",
                    shift=None,
                    now=now,
                )
            uow.auth.set_password(account_id, self.hasher.hash(password), now)
            _audit(uow, now, account_id, "set_up_owner", account_id, None, {"username": name})
            uow.commit()
        return account_id

    # --- what the owner's and the leads' pages show ----------------------------------

    def team(self, by: Principal, *, uow: UnitOfWork) -> TeamView:
        require(by, Permission.MANAGE_ACCOUNTS)
        with uow:
            accounts = uow.auth.accounts()
            # A new account is given active stores only (an archived one takes no work).
            stores = [s for s in uow.queries.stores() if s.archived_at is None]
        ready = frozenset(a.id for a in accounts if a.password_hash is not None)
        return TeamView([_public(a) for a in accounts], ready, stores)

    def agent(self, by: Principal, account_id: int, *, uow: UnitOfWork) -> AgentView:
        require(by, Permission.MANAGE_ACCOUNTS)
        with uow:
            account = uow.auth.account(account_id)
            if account is None:
                raise NotFound(f"no account {account_id}", id=account_id)
            return AgentView(
                _public(account),
                uow.auth.products_of(account.store_ids),
                {a.id: a.display_name for a in uow.auth.accounts()},
                # Archived stores only where the account has one already (its history).
                [
                    s
                    for s in uow.queries.stores()
                    if s.archived_at is None or s.id in account.store_ids
                ],
            )

    def shift_agents(self, by: Principal, *, uow: UnitOfWork) -> list[AccountRecord]:
        """The agents whose hours `by` plans: every active pre-sale and after-sale agent
        for the owner, a lead's own agents for a lead (see `_plans_shift_of`)."""
        require(by, Permission.MANAGE_ROUTING)
        with uow:
            return [
                _public(a)
                for a in uow.auth.accounts()
                if a.active and a.role in routing.TEAMS and _plans_shift_of(by, a)
            ]

    def audit_page(self, by: Principal, query: AuditQuery, *, uow: UnitOfWork) -> AuditPage:
        """The owner reads every row. A lead reads the rows of their stores (conversations,
        messages, settings, term bases) and the team changes of their own agents — never
        sign-ins, passwords or tokens, nor anything of another store."""
        require(by, Permission.VIEW_AUDIT)
        with uow:
            accounts = uow.auth.accounts()
            scope = _audit_scope(by, accounts)
            rows = uow.auth.audit_page(
                scope=scope,
                account_id=query.account_id,
                action=query.action,
                since=query.since,
                until=query.until,
                limit=AUDIT_PAGE + 1,
                offset=(query.page - 1) * AUDIT_PAGE,
            )
            return AuditPage(
                rows[:AUDIT_PAGE],
                len(rows) > AUDIT_PAGE,
                uow.auth.audit_people(scope),
                uow.auth.audit_actions(scope),
                {a.id: a.display_name for a in accounts},
                {s.id: s.name for s in uow.queries.stores()},
            )

    def my_account(self, by: Principal, *, uow: UnitOfWork) -> MyAccount:
        """The account page: the tokens `by` may manage (none without the permission)."""
        if not by.can(Permission.MANAGE_TOKENS):
            return MyAccount([], {})
        with uow:
            tokens = uow.auth.tokens(None if by.is_main else by.account_id)
            owners = {a.id: a.display_name for a in uow.auth.accounts()}
        return MyAccount(tokens, owners)

    # --- changing the team --------------------------------------------------------------

    def create_account(
        self, by: Principal, new: NewAccount, *, uow: UnitOfWork, clock: Clock
    ) -> int:
        require(by, Permission.MANAGE_ACCOUNTS)
        now = clock.now()
        name = _check_username(new.username)
        errors = _account_errors(new.role, new.timezone, new.display_name)
        errors += [FieldError("password", p) for p in password_problems(new.password, name)]
        with uow:
            errors += _store_errors(uow, new.store_ids)
            if errors:
                raise RowErrors(errors)
            if uow.auth.account_by_username(name) is not None:
                raise InvalidInput(f"the user name {name!r} is taken", field="username")
            account_id = uow.auth.add_account(
                username=name,
                display_name=new.display_name.strip(),
                role=new.role,
                is_main=False,
                languages=new.languages,
                timezone=new.timezone,
                shift=new.shift,
                now=now,
            )
            uow.auth.set_stores(account_id, new.store_ids)
            uow.auth.set_password(account_id, self.hasher.hash(new.password), now)
            after = _account_view(new.display_name, new.role, new.store_ids, new.languages)
            after |= {"username": name, "timezone": new.timezone, "shift": new.shift}
            _audit(uow, now, by.account_id, "account_create", account_id, None, after)
            uow.commit()
        return account_id

    def update_account(
        self,
        by: Principal,
        account_id: int,
        *,
        display_name: str,
        role: str,
        store_ids: Iterable[int],
        languages: Sequence[str],
        timezone: str,
        shift: dict[str, Any] | None,
        active: bool,
        uow: UnitOfWork,
        clock: Clock,
    ) -> None:
        """Change a sub-account; deactivating it ends its sessions and revokes its tokens,
        and work it no longer covers is handed on at once."""
        require(by, Permission.MANAGE_ACCOUNTS)
        now = clock.now()
        errors = _account_errors(role, timezone, display_name)
        stores = frozenset(store_ids)
        with uow:
            account = uow.auth.account(account_id)
            if account is None:
                raise NotFound(f"no account {account_id}", id=account_id)
            if account.is_main:
                raise InvalidInput("the main account is changed by the owner's own settings")
            errors += _store_errors(uow, stores)
            if errors:
                raise RowErrors(errors)
            uow.auth.update_account(
                account_id,
                display_name=display_name.strip(),
                role=role,
                languages=list(languages),
                timezone=timezone,
                shift=shift,
                active=active,
            )
            uow.auth.set_stores(account_id, stores)
            if not active:
                uow.auth.delete_sessions(account_id)
                for token in uow.auth.tokens(account_id):
                    uow.auth.revoke_token(token.id, now)
            before = _account_view(
                account.display_name, account.role, account.store_ids, account.languages
            ) | {"active": account.active, "shift": account.shift}
            after = _account_view(display_name, role, stores, languages) | {
                "active": active,
                "shift": shift,
            }
            _audit(uow, now, by.account_id, "account_update", account_id, before, after)
            uow.commit()
        routing.sweep(uow, clock)

    def set_products(
        self,
        by: Principal,
        account_id: int,
        product_ids: Iterable[int],
        *,
        uow: UnitOfWork,
        clock: Clock,
    ) -> None:
        """The products a sub-account manages (SPEC §7): it receives the messages about
        them, and other agents no longer see those conversations unless assigned them."""
        require(by, Permission.MANAGE_ACCOUNTS)
        now = clock.now()
        with uow:
            account = uow.auth.account(account_id)
            if account is None or account.is_main:
                raise NotFound(f"no agent {account_id}", id=account_id)
            given, taken = uow.auth.set_product_owner(account_id, product_ids, account.store_ids)
            if given or taken:
                after = {"given": given, "taken_away": taken}
                _audit(uow, now, by.account_id, "products_change", account_id, None, after)
            uow.commit()

    def set_shift(
        self,
        by: Principal,
        account_id: int,
        *,
        timezone: str,
        shift: dict[str, Any] | None,
        uow: UnitOfWork,
        clock: Clock,
    ) -> None:
        """A lead plans the hours of their own agents (routing), without the rest of
        account management; anyone else is, for them, not there (404). Work the agent no
        longer covers is handed on at once."""
        require(by, Permission.MANAGE_ROUTING)
        now = clock.now()
        errors = _zone_errors(timezone)
        try:
            parse_shift(shift)
        except RowErrors as exc:
            errors += exc.errors
        if errors:
            raise RowErrors(errors)
        with uow:
            account = uow.auth.account(account_id)
            if account is None or not _plans_shift_of(by, account):
                raise NotFound(f"no agent {account_id}", id=account_id)
            uow.auth.update_account(account_id, timezone=timezone, shift=shift)
            before = {"timezone": account.timezone, "shift": account.shift}
            after = {"timezone": timezone, "shift": shift}
            _audit(uow, now, by.account_id, "shift_change", account_id, before, after)
            uow.commit()
        routing.sweep(uow, clock)

    def reset_password(
        self, by: Principal, account_id: int, password: str, *, uow: UnitOfWork, clock: Clock
    ) -> None:
        require(by, Permission.MANAGE_ACCOUNTS)
        now = clock.now()
        with uow:
            account = uow.auth.account(account_id)
            if account is None or (account.is_main and account.id != by.account_id):
                raise NotFound(f"no account {account_id}", id=account_id)
            _check_password(password, account.username, "password")
            uow.auth.set_password(account_id, self.hasher.hash(password), now)
            uow.auth.delete_sessions(account_id)
            _audit(uow, now, by.account_id, "password_reset", account_id, None, None)
            uow.commit()

    # --- API tokens ---------------------------------------------------------------------

    def issue_token(
        self, by: Principal, name: str, scopes: Iterable[str], *, uow: UnitOfWork, clock: Clock
    ) -> str:
        """A new token for `by`'s integrations, shown once: only its hash is kept."""
        require(by, Permission.MANAGE_TOKENS)
        wanted = sorted(set(scopes))
        mine = {p.value for p in permissions_of(by.role, is_main=by.is_main)}
        errors = []
        if not name.strip() or len(name) > 100:
            errors.append(FieldError("name", "give the token a name of 1–100 characters"))
        if not wanted:
            errors.append(FieldError("scopes", "choose at least one permission"))
        errors += [
            FieldError("scopes", "is not a permission you hold", value=s)
            for s in wanted
            if s not in mine
        ]
        if errors:
            raise RowErrors(errors)
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = clock.now()
        with uow:
            token_id = uow.auth.add_token(
                account_id=by.account_id,
                name=name.strip(),
                prefix=secret[: len(TOKEN_PREFIX) + 6],
                token_hash=digest(secret),
                scopes=wanted,
                now=now,
            )
            after = {"name": name.strip(), "scopes": wanted}
            _audit(uow, now, by.account_id, "token_create", token_id, None, after, "api_token")
            uow.commit()
        return secret

    # --- the operator's shell (`kefu team`): whoever runs it acts as the account named --

    def operator_token(
        self,
        username: str,
        name: str,
        scopes: Iterable[str] | None,
        *,
        uow: UnitOfWork,
        clock: Clock,
    ) -> str:
        """A token for the named account, with its rules (only the main account holds
        tokens); no scopes means every permission the account holds."""
        who = principal_of(_named(username, uow))
        wanted = list(scopes) if scopes else [p.value for p in Permission if who.can(p)]
        return self.issue_token(who, name, wanted, uow=uow, clock=clock)

    def operator_set_password(
        self, username: str, password: str, *, uow: UnitOfWork, clock: Clock
    ) -> None:
        """The way in when no one can sign in (the owner locked out): set as the main
        account would; the account's sessions end."""
        account = _named(username, uow)
        with uow:
            owner = next((a for a in uow.auth.accounts() if a.is_main), None)
        if owner is None:
            raise NotFound("there is no main account yet: run kefu serve and open /setup")
        self.reset_password(principal_of(owner), account.id, password, uow=uow, clock=clock)

    def operator(self, *, uow: UnitOfWork) -> Principal:
        """Whoever runs a shell command acts as the main account (`kefu store …`)."""
        with uow:
            owner = next((a for a in uow.auth.accounts() if a.is_main), None)
        if owner is None:
            raise NotFound("there is no main account yet: run kefu serve and open /setup")
        return principal_of(owner)

    def revoke_token(self, by: Principal, token_id: int, *, uow: UnitOfWork, clock: Clock) -> None:
        require(by, Permission.MANAGE_TOKENS)
        now = clock.now()
        with uow:
            mine = {t.id for t in uow.auth.tokens(None if by.is_main else by.account_id)}
            if token_id not in mine:
                raise NotFound(f"no token {token_id}", id=token_id)
            if uow.auth.revoke_token(token_id, now):
                _audit(uow, now, by.account_id, "token_revoke", token_id, None, None, "api_token")
            uow.commit()


def _named(username: str, uow: UnitOfWork) -> AccountRecord:
    with uow:
        account = uow.auth.account_by_username(username)
    if account is None:
        raise NotFound(f"no account {username!r}", field="username")
    return account


def _public(account: AccountRecord) -> AccountRecord:
    """An account as pages show it: without its password hash."""
    return replace(account, password_hash=None)


def _leads(by: Principal, account: AccountRecord) -> bool:
    """Whether `account` is one of `by`'s agents: every sub-account for the main account;
    for a lead, a sub-account other than a lead, given at least one store and only stores
    of the lead's — an agent shared with another store answers to the owner."""
    if account.is_main:
        return False
    if by.store_ids is None:
        return True
    return (
        account.role != Role.LEAD.value
        and bool(account.store_ids)
        and account.store_ids <= by.store_ids
    )


def _plans_shift_of(by: Principal, account: AccountRecord) -> bool:
    """The owner plans any sub-account's hours; a lead only their active pre-sale and
    after-sale agents'."""
    if by.store_ids is None:
        return not account.is_main
    return account.active and account.role in routing.TEAMS and _leads(by, account)


def _audit_scope(by: Principal, accounts: Iterable[AccountRecord]) -> AuditScope | None:
    if by.store_ids is None:
        return None
    team = frozenset(a.id for a in accounts if _leads(by, a))
    return AuditScope(by.store_ids, team, LEAD_ACCOUNT_ACTIONS, by.account_id)


def _store_errors(uow: UnitOfWork, store_ids: Iterable[int]) -> list[FieldError]:
    """An unknown store id is named, not left to the database's foreign key (a 500)."""
    known = {s.id for s in uow.queries.stores()}
    return [
        FieldError("stores", f"no store with id {s}", value=str(s))
        for s in sorted(set(store_ids))
        if s not in known
    ]


def _check_username(username: str) -> str:
    name = username.strip().lower()
    if not 2 <= len(name) <= 64 or not set(name) <= USERNAME_CHARS:
        raise InvalidInput("a user name is 2–64 letters, digits, '.', '_' or '-'", field="username")
    return name


def _check_password(password: str, username: str, field_name: str) -> None:
    problems = password_problems(password, username)
    if problems:
        raise RowErrors([FieldError(field_name, p) for p in problems])


def _account_errors(role: str, timezone: str, display_name: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if role not in {r.value for r in Role} or role == Role.OWNER.value:
        errors.append(
            FieldError("role", "is one of lead, pre_sale, after_sale or analyst", value=role)
        )
    errors += _zone_errors(timezone)
    if not display_name.strip() or len(display_name) > 200:
        errors.append(FieldError("display_name", "is 1–200 characters"))
    return errors


def _zone_errors(timezone: str) -> list[FieldError]:
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return [FieldError("timezone", "is not an IANA time zone", value=timezone)]
    return []


def _account_view(
    display_name: str, role: str, stores: Iterable[int], languages: Sequence[str]
) -> dict[str, Any]:
    return {
        "display_name": display_name.strip(),
        "role": role,
        "stores": sorted(stores),
        "languages": list(languages),
    }


def _audit(
    uow: UnitOfWork,
    now: datetime,
    account_id: int | None,
    action: str,
    entity_id: int,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    entity_type: str = "account",
) -> None:
    uow.inbox.audit(
        at=now,
        account_id=account_id,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        before=before,
        after=after,
    )
