"""Every case word a page shows has its label, so no code reaches a person untranslated."""

from __future__ import annotations

from kefu.domain.cases.deadlines import PLATFORM_GIVEN, RULES
from kefu.domain.cases.model import CaseAction, CaseKind, CaseReason, CaseState, PushState, Solution
from kefu.services.case_clocks import SHOP_RULE
from kefu.web.labels import LABELS


def test_every_case_value_has_a_label() -> None:
    groups = {
        "case_kind": [k.value for k in CaseKind],
        "case_state": [s.value for s in CaseState],
        "case_action": [a.value for a in CaseAction] + ["open", "platform_update"],
        "case_reason": [r.value for r in CaseReason],
        "solution": [s.value for s in Solution],
        "push_state": [p.value for p in PushState],
        "deadline_rule": [r.id for r in RULES] + [PLATFORM_GIVEN, SHOP_RULE],
    }
    walked = 0
    for group, values in groups.items():
        for value in values:
            assert value in LABELS[group], (group, value)
            walked += 1
    assert walked == 9 + 18 + 20 + 14 + 7 + 4 + 13
