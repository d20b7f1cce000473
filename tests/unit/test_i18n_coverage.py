"""Every word a person reads exists in zh-CN: the gaps `make i18n` refuses, checked in
`make test` too — strings without Chinese, words written outside `_()` in templates,
error codes, enum values and audit actions without a wording."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kefu.domain.errors import FieldError, InvalidInput, NotFound
from kefu.services.auth import SignInFailed, Throttled
from kefu.services.ports import AuditRow
from kefu.web.audit_view import AuditWords
from kefu.web.errors import field_errors, in_words, invalid_field
from kefu.web.i18n import message_in_words, translations
from kefu.web.labels import LABELS
from kefu.web.templating import make_templates, metric, percent

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import i18n_gaps
from zh_cn_ui import ZH_CN


def test_every_wrapped_string_has_a_chinese_wording() -> None:
    assert i18n_gaps.untranslated(ZH_CN) == []
    # The extraction really reads the sources: without wordings, hundreds are missing.
    assert len(i18n_gaps.untranslated({})) > 800


def test_no_template_writes_words_outside_the_translation_call() -> None:
    assert list(i18n_gaps.template_words()) == []


def test_the_template_check_finds_words_written_straight_into_a_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "page.html").write_text(
        '<h1>{{ _("Reports") }}</h1><p title="Open it">Not found</p>'
        "<span>kefu · 83.4%</span><input placeholder=\"{{ _('Search') }}\">",
        encoding="utf-8",
    )
    monkeypatch.setattr(i18n_gaps, "TEMPLATES", tmp_path)
    assert list(i18n_gaps.template_words()) == [
        ("page.html", "Open it"),
        ("page.html", "Not found"),
    ]


def test_each_labels_table_names_every_value_of_its_enum() -> None:
    checked = i18n_gaps.enum_labels()
    assert len(checked) == 19  # the tables walked
    assert {kind: lost for kind, lost in checked.items() if lost} == {}


def test_every_audit_action_the_services_write_has_a_sentence() -> None:
    actions = i18n_gaps.audit_actions()
    assert len(actions) >= 37  # grows with new actions, each with its sentence
    assert {"close", "set_mark", "assign", "sign_in", "store_archive"} <= set(actions)
    assert sorted(set(actions) - set(LABELS["audit_action"])) == []


def test_every_error_code_has_a_wording_in_chinese() -> None:
    codes = i18n_gaps.error_codes()
    assert len(codes) >= 19
    assert sorted(codes - set(LABELS["error"])) == []
    zh = translations("zh_CN").gettext
    assert [c for c in codes if zh(LABELS["error"][c]) == LABELS["error"][c]] == []


def test_an_untranslated_error_message_is_shown_by_its_code_in_chinese() -> None:
    assert in_words(SignInFailed("wrong user name or password"), "zh_CN") == "用户名或密码错误"
    assert (
        in_words(Throttled(timedelta(seconds=30)), "zh_CN") == "密码错误次数过多，请 31 秒后再试。"
    )
    assert in_words(NotFound("no conversation 12", id=12), "zh_CN").startswith("未找到")
    assert in_words(NotFound("no conversation 12", id=12), "en") == "no conversation 12"
    odd = InvalidInput("interval 1–1440 minutes", field="timezone")
    assert in_words(odd, "zh_CN") == "时区: 未被接受：请检查输入的内容。"


def test_validation_errors_say_where_and_what_in_the_agents_language() -> None:
    too_long = {"type": "string_too_long", "loc": ("body", "text"), "ctx": {"max_length": 100}}
    assert invalid_field(too_long, "zh_CN") == "文字: 超过 100 个字符"
    assert invalid_field(too_long, "en") == "Text: is longer than 100 characters"
    missing = {"type": "missing", "loc": ("query", "page"), "msg": "Field required"}
    assert invalid_field(missing, "zh_CN") == "页码: 必填"
    unknown = {"type": "url_scheme", "loc": ("body", "link"), "msg": "URL scheme bad"}
    assert invalid_field(unknown, "en") == "link: URL scheme bad"


def test_rates_are_percentages_and_figures_follow_the_locale() -> None:
    assert percent(0.834, "en") == "83.4%"
    assert percent(0.834, "zh_CN") == "83.4%"
    assert percent(None, "en") == "—"
    assert metric(0.5, "reply_rate_24h", "en") == "50.0%"
    assert metric(12345, "messages_received", "en") == "12,345"
    assert metric(1234.5, "guided_gmv_usd", "zh_CN") == "US$1,234.50"
    assert metric(4.256, "satisfaction_mean", "en") == "4.26"
    assert metric(None, "inquiry_conversion", "en") == "—"


def _row(action: str, entity: str, entity_id: int, before: object, after: object) -> AuditRow:
    at = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
    return AuditRow(1, at, "王芳", action, entity, entity_id, before, after)  # type: ignore[arg-type]


def test_an_audit_row_reads_as_a_sentence_with_names_not_codes() -> None:
    zh = AuditWords(translations("zh_CN").gettext, {7: "李娜"}, {3: "Sunrise 速卖通"})
    closed = zh.line(_row("close", "conversation", 123, {"status": "open"}, {"status": "closed"}))
    assert closed.sentence == "王芳 关闭了 会话 #123"
    assert [(c.field, c.before, c.after) for c in closed.changes] == [("状态", "待处理", "已关闭")]
    marked = zh.line(
        _row("set_mark", "conversation", 5, {"colour_mark": "red"}, {"colour_mark": "green"})
    )
    assert [(c.field, c.before, c.after) for c in marked.changes] == [("颜色标记", "红色", "绿色")]
    given = zh.line(_row("assign", "conversation", 5, {"assignee_id": None}, {"assignee_id": 7}))
    assert [(c.before, c.after) for c in given.changes] == [("—", "李娜")]
    archived = zh.line(_row("store_archive", "store", 3, None, None))
    assert archived.sentence == "王芳 归档了店铺 Sunrise 速卖通"
    en = AuditWords(translations("en").gettext, {7: "Li Na"}, {})
    assert en.sentence(_row("close", "conversation", 123, None, None)) == (
        "王芳 closed conversation #123"
    )
    system = _row("route", "conversation", 9, None, None)
    assert en.sentence(AuditRow(**{**system.__dict__, "account": None})) == (
        "Routing gave conversation #9 to an agent"
    )
    assert en.action("close") == "closed …"
    assert zh.action("set_mark") == "修改了 … 的颜色标记"


def test_a_form_problem_names_its_field_row_and_value_in_the_agents_language() -> None:
    env = make_templates().env
    shown = env.from_string("{{ e | problem }}")
    row = FieldError("role", "the two passwords differ", row=3, value="boss")
    zh = translations("zh_CN").gettext
    assert shown.render(e=row, _=zh, locale="zh_CN") == (
        "第 3 行，角色：两次输入的密码不一致（输入的是：“boss”）"
    )
    en = translations("en").gettext
    assert shown.render(e=row, _=en, locale="en") == (
        "Row 3, Role: the two passwords differ (typed: “boss”)"
    )
    coded = field_errors(NotFound("no store 'x'", field="store"))[0]
    assert shown.render(e=coded, _=zh, locale="zh_CN") == ("店铺: 未找到：它不存在，或您无权查看。")
    assert shown.render(e=coded, _=en, locale="en") == "Store: no store &#39;x&#39;"  # escaped


def test_a_template_preview_problem_is_said_in_chinese_by_its_pattern() -> None:
    unknown = "welcome: text.en uses unknown variable(s) nick; declared: buyer_name, store_name"
    assert message_in_words(unknown, "zh_CN") == (
        "welcome: text.en 使用了未声明的变量：nick（已声明：buyer_name, store_name）"
    )
    assert message_in_words("welcome: text.fr is empty", "zh_CN") == "welcome: text.fr 为空"
    brace = "welcome: text.en: Single '}' encountered (write a literal brace as {{ or }})"
    assert message_in_words(brace, "zh_CN") == (
        "welcome: text.en：花括号未闭合（字面花括号请写成 {{ 或 }}）"
    )
    assert message_in_words(unknown, "en") == unknown
    assert message_in_words("something nobody wrote down", "zh_CN") is None
