"""The UI speaks the agent's language where it used to answer in English or in codes: the
"not found", "not allowed" and "invalid" pages, the audit log, the reports' rates, the
account forms (shift hours, token rights) — and the API keeps its JSON."""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from kefu.adapters.db import tables as t
from kefu.bootstrap import Kefu
from kefu.services import inbox
from tests.factories import acting, make_message
from tests.web import signed_in

NEW_PASSWORD = "violet-harbour-1987"

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_an_unknown_address_is_a_page_in_the_ui_language_and_json_for_the_api(
    kefu: Kefu,
) -> None:
    with signed_in(kefu, "owner", locale="zh_CN") as client:
        page = client.get("/no-such-page", headers=BROWSER)
        assert page.status_code == 404
        assert page.headers["content-type"].startswith("text/html")
        assert 'data-testid="error-page"' in page.text and "此页面不存在。" in page.text
        assert '<html lang="zh-CN">' in page.text and "返回收件箱" in page.text
        api = client.get("/api/v1/no-such-thing", headers=BROWSER)
        assert api.status_code == 404 and api.json() == {"detail": "Not Found"}
        plain = client.get("/no-such-page")  # a client that does not ask for HTML
        assert plain.status_code == 404 and plain.json() == {"detail": "Not Found"}
        client.cookies.set("kefu_locale", "en")
        english = client.get("/no-such-page", headers=BROWSER)
        assert "This page does not exist." in english.text


def test_a_conversation_that_is_not_there_and_a_page_not_allowed_say_so_in_chinese(
    kefu: Kefu, team: dict[str, int]
) -> None:
    with signed_in(kefu, "owner", locale="zh_CN") as client:
        missing = client.get("/conversations/999999", headers=BROWSER)
        assert missing.status_code == 404
        assert "未找到：它不存在，或您无权查看。" in missing.text
        assert "no conversation" not in missing.text
        assert client.get("/api/v1/conversations/999999").json()["error"] == "not_found"
    with signed_in(kefu, "lina", locale="zh_CN") as lina:
        refused = lina.get("/team", headers=BROWSER)
        assert refused.status_code == 403
        assert "不允许：您的角色无权执行此操作。" in refused.text
        assert "your role may not" not in refused.text


def test_invalid_page_parameters_are_named_in_words(kefu: Kefu) -> None:
    with signed_in(kefu, "owner", locale="zh_CN") as client:
        bad = client.get("/audit", params={"page": "many"}, headers=BROWSER)
        assert bad.status_code == 422
        assert "页码: 不是整数" in bad.text
        too_far = client.get("/audit", params={"page": "99999"}, headers=BROWSER)
        assert too_far.status_code == 422 and "页码: 不能大于 10000" in too_far.text
        fragment = client.get("/audit", params={"page": "0"}, headers={"HX-Request": "true"})
        assert fragment.status_code == 422
        assert fragment.text == '<div class="flash error" role="alert">页码: 不能小于 1</div>'
        api = client.get("/api/v1/conversations", params={"page": "many"})
        assert api.status_code == 422 and api.json()["detail"][0]["type"] == "int_parsing"


def test_the_audit_log_reads_as_sentences_with_names(kefu: Kefu) -> None:
    inbox.ingest([make_message(1)], kefu.uow(), kefu.clock)
    owner = acting(kefu, "owner")
    conversation = _only_conversation(kefu)
    inbox.set_mark(owner, conversation, "red", uow=kefu.uow(), clock=kefu.clock)
    inbox.set_mark(owner, conversation, "green", uow=kefu.uow(), clock=kefu.clock)
    inbox.close(owner, conversation, uow=kefu.uow(), clock=kefu.clock)
    with signed_in(kefu, "owner", locale="zh_CN") as client:
        page = client.get("/audit").text
    rows = re.findall(r'<tr data-action="(\w+)">(.*?)</tr>', page, re.S)
    closing = next(body for action, body in rows if action == "close")
    assert f"关闭了 会话 #{conversation}" in closing
    assert "状态</span>: 待处理 → 已关闭" in closing
    marks = [body for action, body in rows if action == "set_mark"]
    assert len(marks) == 2
    assert "颜色标记</span>: 红色 → 绿色" in marks[0]  # newest first
    assert "{" not in closing and "colour_mark" not in page.split("<tbody>")[1]
    assert re.search(r'<option value="close"\s*>关闭了 …</option>', page)


def _only_conversation(kefu: Kefu) -> int:
    with kefu.session_factory() as session:
        return session.scalars(select(t.Conversation.id)).one()


def test_a_new_sub_account_without_shift_hours_is_refused_with_a_clear_error(
    kefu: Kefu,
) -> None:
    with signed_in(kefu, "owner", locale="zh_CN") as client:
        form = client.get("/team").text
        # The form starts with real hours (Mon–Fri 09:00–18:00), not placeholders.
        assert 'name="start_0" value="09:00"' in form and 'name="end_4" value="18:00"' in form
        assert 'name="start_5" value=""' in form and "placeholder=" not in form
        fields = {
            "username": "mei",
            "password": NEW_PASSWORD,
            "display_name": "Mei",
            "role": "after_sale",
            "timezone": "Asia/Shanghai",
        }
        refused = client.post("/team", data=fields)
        assert refused.status_code == 422
        assert 'data-field="shift"' in refused.text
        assert "请至少填写一天的上班时间，或勾选“不排班：随时可接待”" in refused.text
        created = client.post(
            "/team", data={**fields, "start_0": "09:00", "end_0": "18:00"}, follow_redirects=False
        )
        assert created.status_code == 303
    with kefu.uow() as uow:
        mei = uow.auth.account_by_username("mei")
    assert mei is not None and mei.shift == {"0": ["09:00", "18:00"]}


def test_the_token_form_offers_only_rights_kefu_has(kefu: Kefu) -> None:
    with signed_in(kefu, "owner", locale="en") as client:
        page = client.get("/account").text
    offered = re.findall(r'name="scopes" value="(\w+)"', page)
    assert "reply" in offered and "manage_shop" in offered
    assert {"collect_payments", "withdraw_money", "enrol_marketing"}.isdisjoint(offered)
    assert "Collect payments" not in page and "Withdraw money" not in page
    assert "record_tracking" in offered  # the tracking webhook's scope (docs/tracking.md)
    assert len(offered) == 19  # manage_model (issue 22)


def test_reports_show_rates_as_percentages_and_stores_by_name(kefu: Kefu) -> None:
    inbox.ingest([make_message(1)], kefu.uow(), kefu.clock)
    with signed_in(kefu, "owner", locale="en") as client:
        page = client.get("/reports", params={"from": "2026-11-01", "to": "2026-11-30"}).text
    rate = re.search(r'data-metric="reply_rate_24h">.*?<td>(.*?)</td>', page, re.S)
    assert rate is not None and re.fullmatch(r"\d+\.\d%|—", rate[1])
    assert not re.search(r"<td>0\.\d{4}</td>", page)
    with kefu.uow() as uow:
        names = {s.code: s.name for s in uow.queries.stores()}
    assert all(f">{name}</option>" in page for name in names.values() if name)


def test_the_report_charts_draw_rates_as_percentages_by_name(kefu: Kefu) -> None:
    inbox.ingest([make_message(1)], kefu.uow(), kefu.clock)
    with signed_in(kefu, "owner", locale="en") as client:
        page = client.get("/reports", params={"from": "2026-11-01", "to": "2026-11-30"}).text
    found = re.search(r'id="by-store-data">(.*?)</script>', page, re.S)
    assert found is not None
    data = json.loads(found[1])
    with kefu.uow() as uow:
        names = [s.name for s in uow.queries.stores()]
    assert set(data["labels"]) <= set(names) and len(data["labels"]) == len(names)
    rates = [r for r in data["reply_rate_24h"] if r is not None]
    assert all(0 <= r <= 100 for r in rates)
