"""`kefu store …`: add, list and archive the shop's stores from a shell (docs/stores.md).
The command acts as the main account; a refusal is one line on stderr and exit code 2."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Annotated
from urllib.parse import parse_qs, urlsplit

import typer

from kefu.cli.team import Url, _kefu, _refusals
from kefu.domain.mail import MailboxDraft
from kefu.domain.stores import StoreDraft
from kefu.services import mail, oauth, shop, sync
from kefu.services.ports import RECONNECT

app = typer.Typer(help="The shop's stores: add, list, archive.", no_args_is_help=True)


@app.command()
def add(
    code: Annotated[str, typer.Argument(help="2–64 characters a-z, 0-9, '-'; imports name it")],
    platform: Annotated[str, typer.Option(help="aliexpress, amazon, ebay or wish")],
    site: Annotated[str, typer.Option(help="a site of the platform: amazon.de, ebay.co.uk…")],
    name: Annotated[str, typer.Option(help="the store's name as agents see it")],
    currency: Annotated[str, typer.Option(help="ISO 4217 code: USD, EUR, GBP, CNY…")],
    timezone: Annotated[str, typer.Option(help="IANA zone: America/Los_Angeles…")],
    holiday_country: Annotated[
        str | None, typer.Option(help="ISO 3166 alpha-2 with a public-holiday calendar")
    ] = None,
    database_url: Url = None,
) -> None:
    """Add a store, with default reply settings in its zone."""
    draft = StoreDraft(code, platform, site, name, currency, timezone, holiday_country)
    with _kefu(database_url) as kefu, _refusals():
        kefu.upgrade()
        who = kefu.auth.operator(uow=kefu.uow())
        view = shop.create_store(
            who, draft, checks=kefu.store_checks, uow=kefu.uow(), clock=kefu.clock
        )
    typer.echo(f"store {view.code} added: {view.name} ({view.platform}, {view.site})")


@app.command("list")
def list_stores(
    as_json: Annotated[bool, typer.Option("--json", help="one JSON array")] = False,
    database_url: Url = None,
) -> None:
    """Every store, archived ones marked."""
    with _kefu(database_url) as kefu, _refusals():
        who = kefu.auth.operator(uow=kefu.uow())
        stores = shop.shop_stores(who, uow=kefu.uow())
    if as_json:
        rows = [
            {
                "code": s.code,
                "name": s.name,
                "platform": s.platform,
                "site": s.site,
                "currency": s.currency,
                "timezone": s.timezone,
                "holiday_country": s.holiday_country,
                "archived_at": s.archived_at.isoformat() if s.archived_at else None,
            }
            for s in stores
        ]
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    for s in stores:
        mark = "  (archived)" if s.archived else ""
        typer.echo(f"{s.code}\t{s.platform}\t{s.site}\t{s.currency}\t{s.timezone}\t{s.name}{mark}")


@app.command()
def archive(code: str, database_url: Url = None) -> None:
    """Archive a store: its history stays; it leaves the inbox, routing and imports."""
    with _kefu(database_url) as kefu, _refusals():
        who = kefu.auth.operator(uow=kefu.uow())
        changed = shop.archive_store(who, code, uow=kefu.uow(), clock=kefu.clock)
    typer.echo(f"store {code} archived" if changed else f"store {code} was archived already")


# --- kefu store mailbox … (docs/mail.md) ----------------------------------------------------

mailbox_app = typer.Typer(
    help="A store's mailbox: where its buyer mail is read and its replies sent.",
    no_args_is_help=True,
)
app.add_typer(mailbox_app, name="mailbox")


@mailbox_app.command("set")
def mailbox_set(
    code: Annotated[str, typer.Argument(help="the store's code")],
    address: Annotated[str, typer.Option(help="the store's address (Amazon: the approved sender)")],
    imap_host: Annotated[str, typer.Option(help="IMAP server")],
    smtp_host: Annotated[str, typer.Option(help="SMTP server")],
    user: Annotated[
        str, typer.Option(help="user name for both servers (default: the address)")
    ] = "",
    imap_port: Annotated[int, typer.Option(help="993 (tls) or 143 (starttls)")] = 993,
    imap_security: Annotated[
        str, typer.Option(help="tls, starttls; plain only to 127.0.0.1")
    ] = "tls",
    smtp_port: Annotated[int, typer.Option(help="587 (starttls) or 465 (tls)")] = 587,
    smtp_security: Annotated[
        str, typer.Option(help="tls, starttls; plain only to 127.0.0.1")
    ] = "starttls",
    smtp_user: Annotated[str, typer.Option(help="SMTP user when it differs")] = "",
    folder: Annotated[str, typer.Option(help="the folder buyer mail arrives in")] = "INBOX",
    amazon_relay: Annotated[
        bool, typer.Option(help="Amazon Buyer-Seller Messaging mailbox")
    ] = False,
    enabled: Annotated[bool, typer.Option(help="read this mailbox")] = True,
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            envvar="KEFU_MAILBOX_PASSWORD",
            help="asked for when not given (or KEFU_MAILBOX_PASSWORD); never echoed",
        ),
    ] = "",
    smtp_password: Annotated[
        str, typer.Option(envvar="KEFU_MAILBOX_SMTP_PASSWORD", help="when it differs", hidden=True)
    ] = "",
    database_url: Url = None,
) -> None:
    """Set or change a store's mailbox; the passwords are sealed with KEFU_SECRET_KEY."""
    draft = MailboxDraft(
        address=address,
        imap_host=imap_host,
        imap_port=imap_port,
        imap_security=imap_security,
        imap_user=user or address,
        imap_password=password,
        smtp_host=smtp_host,
        smtp_port=smtp_port,
        smtp_security=smtp_security,
        smtp_user=smtp_user or user or address,
        smtp_password=smtp_password or password,
        folder=folder,
        amazon_relay=amazon_relay,
        enabled=enabled,
    )
    with _kefu(database_url) as kefu, _refusals():
        kefu.upgrade()
        who = kefu.auth.operator(uow=kefu.uow())
        view = mail.set_mailbox(
            who, code, draft, secrets=kefu.secrets, uow=kefu.uow(), clock=kefu.clock
        )
    typer.echo(
        f"mailbox of {code} set: {view.address} (IMAP {view.imap_host}, SMTP {view.smtp_host})"
    )


@mailbox_app.command("show")
def mailbox_show(
    code: str,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object")] = False,
    database_url: Url = None,
) -> None:
    """The store's mailbox and its health; passwords masked."""
    with _kefu(database_url) as kefu, _refusals():
        who = kefu.auth.operator(uow=kefu.uow())
        view = mail.mailbox(who, code, uow=kefu.uow())
    if view is None:
        typer.echo(f"error: the store {code} has no mailbox", err=True)
        raise typer.Exit(2)
    row = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in asdict(view).items()}
    if as_json:
        typer.echo(json.dumps(row, ensure_ascii=False))
        return
    for key, value in row.items():
        typer.echo(f"{key}\t{'' if value is None else value}")


@mailbox_app.command("remove")
def mailbox_remove(code: str, database_url: Url = None) -> None:
    """Remove the store's mailbox; its conversations stay."""
    with _kefu(database_url) as kefu, _refusals():
        who = kefu.auth.operator(uow=kefu.uow())
        removed = mail.remove_mailbox(who, code, uow=kefu.uow(), clock=kefu.clock)
    typer.echo(f"mailbox of {code} removed" if removed else f"store {code} had no mailbox")


# --- kefu store connect / disconnect (docs/channels.md) ---------------------------------------


@app.command()
def connect(
    code: Annotated[str, typer.Argument(help="the store's code")],
    base_url: Annotated[str, typer.Option(help="the platform's API address (or the sandbox's)")],
    access_token: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            envvar="KEFU_ACCESS_TOKEN",
            help="the seller's token (Amazon: none, Enter; LWA renews it)",
        ),
    ] = "",
    app_key: Annotated[str, typer.Option(help="AliExpress: the app key")] = "",
    app_secret: Annotated[
        str, typer.Option(envvar="KEFU_APP_SECRET", help="AliExpress: the app secret")
    ] = "",
    seller_login_id: Annotated[
        str, typer.Option(help="AliExpress: the seller's login id (cn…)")
    ] = "",
    refresh_token: Annotated[
        str,
        typer.Option(envvar="KEFU_REFRESH_TOKEN", help="eBay, Wish, Amazon: renews the token"),
    ] = "",
    client_id: Annotated[str, typer.Option(help="eBay, Wish, Amazon: the app's client id")] = "",
    client_secret: Annotated[
        str,
        typer.Option(envvar="KEFU_CLIENT_SECRET", help="eBay, Wish, Amazon: the app's secret"),
    ] = "",
    marketplace_id: Annotated[
        str, typer.Option(help="eBay: EBAY_US, EBAY_GB…; Amazon: ATVPDKIKX0DER…")
    ] = "",
    selling_partner_id: Annotated[str, typer.Option(help="Amazon: the seller's id")] = "",
    region: Annotated[str, typer.Option(help="Amazon: the SP-API region, na, eu or fe")] = "",
    seller_username: Annotated[str, typer.Option(help="eBay: the seller's user name")] = "",
    interval: Annotated[int, typer.Option(help="minutes between syncs")] = 5,
    backfill_days: Annotated[int, typer.Option(help="how far back the first sync reads")] = 30,
    database_url: Url = None,
) -> None:
    """Connect a store to its marketplace's API (docs/channels.md: which keys each platform
    needs); its messages then sync into the inbox. Secrets come from prompts or KEFU_* env."""
    keys = {
        "access_token": access_token,
        "app_key": app_key,
        "app_secret": app_secret,
        "seller_login_id": seller_login_id,
        "refresh_token": refresh_token,
        "client_id": client_id,
        "client_secret": client_secret,
        "marketplace_id": marketplace_id,
        "seller_username": seller_username,
        "selling_partner_id": selling_partner_id,
        "region": region,
    }
    with _kefu(database_url) as kefu, _refusals():
        kefu.upgrade()
        who = kefu.auth.operator(uow=kefu.uow())
        view = sync.connect_store(
            who,
            code,
            base_url=base_url,
            credentials={k: v for k, v in keys.items() if v},
            interval_minutes=interval,
            backfill_days=backfill_days,
            secrets=kefu.secrets,
            uow=kefu.uow(),
            clock=kefu.clock,
        )
    typer.echo(f"store {view.store_code} connected to {view.platform} at {view.base_url}")


@app.command()
def disconnect(code: str, database_url: Url = None) -> None:
    """Stop syncing a store with its marketplace (its history stays)."""
    with _kefu(database_url) as kefu, _refusals():
        who = kefu.auth.operator(uow=kefu.uow())
        removed = sync.disconnect_store(who, code, uow=kefu.uow())
    typer.echo(f"store {code} disconnected" if removed else f"store {code} was not connected")


# --- kefu store authorize / connection (docs/channels.md "Connecting a store") ----------------


def _answer(pasted: str) -> dict[str, str]:
    """What the owner pasted: the whole address the platform sent the browser to (its
    query holds code and state, or error), or only the code."""
    text = pasted.strip()
    if "?" not in text and "=" not in text:
        return {"code": text}
    query = parse_qs(urlsplit(text).query or text)
    if "spapi_oauth_code" in query:  # Amazon names its code so
        query["code"] = query.pop("spapi_oauth_code")
    return {k: v[0] for k, v in query.items() if v and k in ("code", "state", "error")}


@app.command()
def authorize(
    code: Annotated[str, typer.Argument(help="the store's code")],
    client_id: Annotated[str, typer.Option(help="the app's client id (eBay App ID)")],
    client_secret: Annotated[
        str,
        typer.Option(
            prompt=True, hide_input=True, envvar="KEFU_CLIENT_SECRET", help="the app's secret"
        ),
    ],
    ru_name: Annotated[str, typer.Option(help="eBay: the app's RuName")] = "",
    application_id: Annotated[
        str, typer.Option(help="Amazon: the app's application id (amzn1.sp.solution…)")
    ] = "",
    base_url: Annotated[
        str, typer.Option(help="the platform's API address; default: the platform's own")
    ] = "",
    auth_code: Annotated[
        str,
        typer.Option(
            "--code", help="the code (or the address) the platform sent back, if you have it"
        ),
    ] = "",
    database_url: Url = None,
) -> None:
    """Connect a store by OAuth (eBay, Wish, Amazon) from a shell: prints the platform's
    page to open; after you agree there, paste the address your browser was sent to (or
    only the code). The tokens are kept sealed and renewed."""
    keys = {
        "client_id": client_id,
        "client_secret": client_secret,
        "ru_name": ru_name,
        "application_id": application_id,
    }
    with _kefu(database_url) as kefu, _refusals():
        kefu.upgrade()
        who = kefu.auth.operator(uow=kefu.uow())
        url = oauth.start(
            who,
            code,
            app_keys={k: v for k, v in keys.items() if v},
            base_url=base_url,
            deps=kefu.oauth,
            uow=kefu.uow(),
            clock=kefu.clock,
        )
        if not auth_code:
            typer.echo(f"Open this page, sign in as the seller and agree:\n\n  {url}\n")
            auth_code = typer.prompt("Then paste the address you were sent to (or the code)")
        answer = _answer(auth_code[: oauth.MAX_CODE_CHARS * 3])
        state = answer.get("state") or parse_qs(urlsplit(url).query)["state"][0]
        done = oauth.finish(
            who,
            state=state,
            code=answer.get("code"),
            error=answer.get("error"),
            deps=kefu.oauth,
            uow_factory=kefu.uow,
            clock=kefu.clock,
        )
    ends = (
        f"; the access token ends {done.expires_at:%Y-%m-%d %H:%M} UTC" if done.expires_at else ""
    )
    typer.echo(f"store {done.store_code} connected to {done.platform}{ends}")


@app.command("connection")
def connection_show(code: str, database_url: Url = None) -> None:
    """A store's marketplace connection: address, token expiry, last sync and error, in
    words ("reconnect needed" when the platform refused the token)."""
    with _kefu(database_url) as kefu, _refusals():
        who = kefu.auth.operator(uow=kefu.uow())
        view = sync.connection(who, code, secrets=kefu.secrets, uow=kefu.uow())
    if view is None:
        typer.echo(f"store {code} is not connected")
        raise typer.Exit(1)
    typer.echo(f"{view.store_code}\t{view.platform}\t{view.base_url}")
    for name, masked in view.credentials.items():
        typer.echo(f"  {name}: {masked}")
    if view.token_expires_at:
        typer.echo(f"  access token ends: {view.token_expires_at:%Y-%m-%d %H:%M %Z}")
    if view.refresh_expires_at:
        typer.echo(f"  refresh token ends: {view.refresh_expires_at:%Y-%m-%d %H:%M %Z}")
    typer.echo(f"  last sync: {view.last_sync_at or 'not yet'}; pulled {view.total_pulled}")
    if view.error_code == RECONNECT:
        typer.echo(f"  reconnect needed: the platform refused the token ({view.error_detail})")
    elif view.error_code:
        typer.echo(f"  last error: {view.error_code}: {view.error_detail}")
