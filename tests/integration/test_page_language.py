"""Every page tells the browser its language and has a title (issue 19, accessibility):
a screen reader picks its voice from <html lang>, and the tab and the history list show
the <title>. Every page template extends base.html, which sets both from the locale."""

from __future__ import annotations

import re
from importlib.resources import files

import pytest
from fastapi.testclient import TestClient

from kefu.bootstrap import Kefu
from kefu.web.app import create_app
from tests.web import signed_in

HTML_LANG = {"zh_CN": "zh-CN", "en": "en"}
TITLE = re.compile(r"<title>\s*(.*?)\s*·\s*kefu\s*</title>", re.S)
LANG = re.compile(r'<html lang="([^"]+)">')
PAGES = files("kefu") / "web" / "templates" / "pages"


def test_every_page_template_extends_the_layout() -> None:
    names = sorted(p.name for p in PAGES.iterdir() if p.name.endswith(".html"))
    loose = [n for n in names if '{% extends "base.html" %}' not in (PAGES / n).read_text()]
    assert loose == []
    assert len(names) >= 19


def _language_and_title(html: str) -> tuple[str, str]:
    lang, title = LANG.search(html), TITLE.search(html)
    assert lang is not None, html[:300]
    assert title is not None, html[:600]
    return lang[1], title[1]


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_every_page_has_its_language_and_a_title(
    kefu: Kefu, team: dict[str, int], locale: str
) -> None:
    paths = [
        "/",
        f"/conversations/{team['ali']}",
        "/conversations/999999999",  # the "not found" page
        "/notices",
        "/reports",
        "/settings/replies",
        "/settings/terms",
        "/settings/translation",
        "/account",
        "/team",
        f"/team/{team['lina']}",
        "/shifts",
        "/audit",
        "/shop",
        "/imports",
    ]
    walked = 0
    with signed_in(kefu, "owner", locale) as client:
        for path in paths:
            lang, title = _language_and_title(client.get(path).text)
            assert (path, lang) == (path, HTML_LANG[locale])
            assert title, path
            walked += 1
    with TestClient(create_app(kefu=kefu)) as anonymous:
        anonymous.cookies.set("kefu_locale", locale)
        lang, title = _language_and_title(anonymous.get("/sign-in").text)
        assert lang == HTML_LANG[locale]
        assert title == {"zh_CN": "登录", "en": "Sign in"}[locale]
        walked += 1
    assert walked == 16
