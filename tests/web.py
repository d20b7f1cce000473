"""Signing a TestClient in, as a browser would: the sign-in form, then the CSRF token."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi.testclient import TestClient

from kefu.bootstrap import Kefu
from kefu.web.app import create_app

PASSWORD = "test-pass-2026"
_TOKEN = re.compile(r'name="(form_token|csrf_token)" value="([^"]+)"')


def give_password(kefu: Kefu, username: str, password: str = PASSWORD) -> None:
    with kefu.uow() as uow:
        account = uow.auth.account_by_username(username)
        assert account is not None, username
        uow.auth.set_password(account.id, kefu.auth.hasher.hash(password), kefu.clock.now())
        uow.commit()


def hidden(html: str, name: str) -> str:
    found = {m[1]: m[2] for m in _TOKEN.finditer(html)}
    return found[name]


def sign_in(client: TestClient, kefu: Kefu, username: str, password: str = PASSWORD) -> None:
    """Sign in through the form; later writes carry the session's CSRF token in a header."""
    give_password(kefu, username, password)
    client.cookies.clear()
    client.headers.pop("X-CSRF-Token", None)
    form = client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={
            "username": username,
            "password": password,
            "form_token": hidden(form.text, "form_token"),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    client.headers["X-CSRF-Token"] = hidden(client.get("/account").text, "csrf_token")


@contextmanager
def signed_in(
    kefu: Kefu, username: str = "owner", locale: str | None = None
) -> Iterator[TestClient]:
    with TestClient(create_app(kefu=kefu)) as client:
        if locale:
            client.cookies.set("kefu_locale", locale)
        sign_in(client, kefu, username)
        if locale:
            client.cookies.set("kefu_locale", locale)
        yield client
