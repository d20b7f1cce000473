"""`kefu bench mail`: N buyer mails APPENDed to a mailbox on the local IMAP server (not
timed), then pulled into an empty database by the pull_mail path — parse, thread,
triage, store — messages per second and the process's peak memory (docs/benchmarks.md).

Needs the servers of .ci/mail-servers.sh (any address in shop.test is a mailbox)."""

from __future__ import annotations

import base64
import os
import random
import resource
import ssl
import tempfile
import time
import uuid
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Annotated

import typer
from cryptography.fernet import Fernet
from imapclient import IMAPClient
from pydantic import SecretStr

from kefu.domain.mail import MailboxDraft
from kefu.services import mail

TEXTS = (
    "Hello, where is my order {n}? The tracking has not moved for a week.",
    "你好，订单{n}什么时候发货？我需要在周末前收到。",
    "¿Tienen esta chaqueta en talla M? Pedido {n}",
    "Где мой заказ {n}? Трек не обновляется.",
    "Bonjour, le colis {n} est bloqué en douane, que faire ?",
    "注文{n}の商品はいつ届きますか？",
)
CHARSETS = ("utf-8", "gb18030", "utf-8", "koi8-r", "utf-8", "iso-2022-jp")


def _mail(rng: random.Random, n: int, to: str) -> bytes:
    k = n % len(TEXTS)
    text = TEXTS[k].format(n=n)
    msg = EmailMessage()
    buyer = f"buyer{rng.randrange(2000)}@buyer.test"
    if n % 5 == 0:  # an Amazon relay message with its frame and order id
        buyer = f"alias{rng.randrange(2000)}@marketplace.amazon.com"
        order = (
            f"{rng.randrange(100, 999)}-{rng.randrange(10**6, 10**7)}-{rng.randrange(10**6, 10**7)}"
        )
        msg["Subject"] = f"Inquiry from Amazon customer (Order: {order})"
        frame = "-------------"
        text = f"{frame} Message: {frame}\n\n{text}\n\n{frame} End message {frame}\n"
    else:
        msg["Subject"] = f"Order {n}"
    msg["From"] = buyer
    msg["To"] = to
    msg["Message-ID"] = f"<bench-{n}-{uuid.uuid4().hex[:8]}@buyer.test>"
    msg["Date"] = formatdate()
    if n % 3 == 1:  # a reply quoting the shop
        text += "\n\nOn Mon, Nov 16, 2026 at 10:00 AM Shop <shop@shop.test> wrote:\n"
        text += "> Thank you for your order.\n"
    msg.set_content(text, charset=CHARSETS[k])
    if n % 4 == 2:  # HTML alternative
        msg.add_alternative(f"<html><body><p>{text}</p></body></html>", subtype="html")
    if n % 50 == 7:
        msg.add_attachment(
            base64.b64decode("iVBORw0KGgo="), maintype="image", subtype="png", filename="p.png"
        )
    return msg.as_bytes()


def mail_bench(
    messages: Annotated[int, typer.Option(help="mails to pull")] = 10_000,
    host: Annotated[str, typer.Option(envvar="KEFU_MAIL_TEST_HOST")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="KEFU_MAIL_TEST_IMAPS_PORT")] = 10993,
    password: Annotated[str, typer.Option(envvar="KEFU_MAIL_TEST_PASSWORD")] = "kefu-mail-test",  # noqa: S107 - the test servers' own
    ca_file: Annotated[str, typer.Option(envvar="KEFU_MAIL_TEST_CA")] = "/etc/kefu-mail/cert.pem",
    triage: Annotated[bool, typer.Option(help="triage on ingest (the product's default)")] = True,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Pull N mails from the local IMAP server into an empty database."""
    from kefu.cli.bench import _fail, _finish, _fresh, _machine

    if not os.path.exists(ca_file):
        _fail(f"no mail servers (no {ca_file}): run .ci/mail-servers.sh")
    address = f"bench-{uuid.uuid4().hex[:10]}@shop.test"
    context = ssl.create_default_context()
    context.load_verify_locations(ca_file)
    rng = random.Random(17)  # noqa: S311 - made-up mail, not secrets
    started = time.perf_counter()
    with IMAPClient(host, port=port, ssl=True, ssl_context=context) as client:
        client.login(address, password)
        for n in range(messages):
            client.append("INBOX", _mail(rng, n, address))
    appended = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as workdir:
        kefu = _fresh(Path(workdir), "bench-mail.db", triage_on_ingest=triage)
        kefu.settings.secret_key = SecretStr(Fernet.generate_key().decode())
        kefu.settings.mail_ca_file = ca_file
        store = kefu.uow
        with store() as uow:
            code = uow.queries.stores()[0].code
        draft = MailboxDraft(
            address,
            host,
            port,
            "tls",
            address,
            password,
            host,
            10587,
            "starttls",
            address,
            password,
        )
        owner = kefu.auth.operator(uow=kefu.uow())
        mail.set_mailbox(owner, code, draft, secrets=kefu.secrets, uow=kefu.uow(), clock=kefu.clock)
        if triage:
            kefu.classifier()  # loaded once per process, before the clock starts
        begin = time.perf_counter()
        report = kefu.pull_mail()
        seconds = time.perf_counter() - begin
        kefu.close()
    if report.failed or report.pulled != messages:
        _fail(f"pulled {report.pulled} of {messages}; failed: {report.failed}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rate = messages / seconds
    figures = {
        "messages": messages,
        "seconds": round(seconds, 2),
        "messages_per_second": round(rate, 1),
        "peak_rss_mb": round(peak_mb, 1),
        "append_seconds": round(appended, 1),
        "triage": triage,
        "machine": _machine(),
    }
    line = (
        f"{messages} messages in {seconds:.1f} s = {rate:,.0f} msg/s"
        f"{' with triage' if triage else ''}, peak {peak_mb:.0f} MB RSS"
    )
    _finish("mail", as_json, figures, line)
