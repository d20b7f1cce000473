"""Who may do what (SPEC §7): roles, permissions, and the table between them — deny by default.

The main account (owner) may do everything; a sub-account may never collect payments,
withdraw money, manage the shop or enrol in marketing campaigns, whatever its role.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"  # the main account
    LEAD = "lead"
    PRE_SALE = "pre_sale"
    AFTER_SALE = "after_sale"
    ANALYST = "analyst"  # read-only reports


class Permission(StrEnum):
    VIEW_INBOX = "view_inbox"
    REPLY = "reply"
    MARK = "mark"
    ASSIGN = "assign"
    CLOSE = "close"
    CORRECT_INTENT = "correct_intent"
    IMPORT_MESSAGES = "import_messages"
    # Products, orders, parcels, tracking and currency rates (docs/imports.md).
    IMPORT_DATA = "import_data"
    VIEW_REPORTS = "view_reports"
    MANAGE_TEMPLATES = "manage_templates"
    MANAGE_ROUTING = "manage_routing"
    MANAGE_ACCOUNTS = "manage_accounts"
    VIEW_AUDIT = "view_audit"
    MANAGE_TOKENS = "manage_tokens"
    OVERRIDE_POLICY = "override_policy"  # send a text the platform check blocks, with a reason
    # SPEC §7: never for a sub-account.
    COLLECT_PAYMENTS = "collect_payments"
    WITHDRAW_MONEY = "withdraw_money"
    MANAGE_SHOP = "manage_shop"
    ENROL_MARKETING = "enrol_marketing"
    # Tracking (docs/tracking.md): push events (the webhook's token scope); review the
    # texts no rule maps and the orphan events.
    RECORD_TRACKING = "record_tracking"
    REVIEW_TRACKING = "review_tracking"
    # Model versions (docs/triage.md): retrain, activate or roll back, the schedule,
    # labelled files.
    MANAGE_MODEL = "manage_model"


MAIN_ACCOUNT_ONLY = frozenset(
    {
        Permission.COLLECT_PAYMENTS,
        Permission.WITHDRAW_MONEY,
        Permission.MANAGE_SHOP,
        Permission.ENROL_MARKETING,
    }
)
_AGENT = frozenset(
    {
        Permission.VIEW_INBOX,
        Permission.REPLY,
        Permission.MARK,
        Permission.CLOSE,
        Permission.CORRECT_INTENT,
    }
)
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset(Permission),
    Role.LEAD: _AGENT
    | {
        Permission.ASSIGN,
        Permission.IMPORT_MESSAGES,
        Permission.IMPORT_DATA,
        Permission.VIEW_REPORTS,
        Permission.MANAGE_TEMPLATES,
        Permission.MANAGE_ROUTING,
        Permission.VIEW_AUDIT,
        Permission.OVERRIDE_POLICY,
        Permission.RECORD_TRACKING,
        Permission.REVIEW_TRACKING,
        Permission.MANAGE_MODEL,
    },
    Role.PRE_SALE: _AGENT,
    Role.AFTER_SALE: _AGENT,
    Role.ANALYST: frozenset({Permission.VIEW_REPORTS}),
}


def allowed(role: Role | str, permission: Permission, *, is_main: bool = False) -> bool:
    """Deny by default: an unknown role or a permission missing from the table is refused."""
    try:
        granted = ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return False
    if permission in MAIN_ACCOUNT_ONLY and not is_main:
        return False
    return permission in granted


class Access(StrEnum):
    """What a route needs besides a permission: nothing (sign-in page) or just a session."""

    PUBLIC = "public"
    SIGNED_IN = "signed_in"


# A route declares exactly one of these; the web layer refuses routes that declare none.
Need = Permission | Access


def permissions_of(role: Role | str, *, is_main: bool = False) -> frozenset[Permission]:
    """Everything a role may do, as the pages list it (the same rule as `allowed`)."""
    return frozenset(p for p in Permission if allowed(role, p, is_main=is_main))
