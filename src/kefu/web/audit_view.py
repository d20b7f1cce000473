"""The audit log in words: each row as a sentence ("Wang Fang closed conversation #123")
and each change as "Field: old → new", values named (marks, statuses, roles, people,
stores) rather than shown as codes and JSON."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kefu.services.ports import AuditRow
from kefu.web.labels import LABELS

# Which label table names the values of a field; the rest are shown as they are.
VALUE_KINDS = {
    "status": "status",
    "colour_mark": "mark",
    "role": "role",
    "intent": "intent",
    "sub_intent": "sub_intent",
    "scopes": "permission",
    "platform": "platform",
}
# Fields whose values are account ids or store ids, shown by name.
PEOPLE = frozenset({"assignee_id", "account_id"})
STORES = frozenset({"store_ids", "store_id"})


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class AuditLine:
    row: AuditRow
    sentence: str
    changes: list[Change]


class AuditWords:
    """Turns audit rows into sentences in one language, with the team's and stores' names."""

    def __init__(
        self,
        gettext: Callable[[str], str],
        names: Mapping[int, str],
        stores: Mapping[int, str],
    ) -> None:
        self.gettext = gettext
        self.names = names
        self.stores = stores

    def line(self, row: AuditRow) -> AuditLine:
        return AuditLine(row, self.sentence(row), self.changes(row))

    def action(self, code: str) -> str:
        """An action code as the filter names it: the sentence without its blanks."""
        wording = LABELS["audit_action"].get(code)
        if wording is None:
            return code
        text = self.gettext(wording).format(who="", target="…")
        return text.strip(" ：:")

    def sentence(self, row: AuditRow) -> str:
        who = row.account or self.gettext("The system")
        wording = LABELS["audit_action"].get(row.action)
        target = self.target(row.entity_type, row.entity_id)
        if wording is None:
            return f"{who}: {row.action} · {target}"
        return self.gettext(wording).format(who=who, target=target)

    def target(self, kind: str, entity_id: int) -> str:
        if kind == "account" and entity_id in self.names:
            return self.names[entity_id]
        if kind == "store" and entity_id in self.stores:
            return self.stores[entity_id]
        wording = LABELS["audit_entity"].get(kind)
        return self.gettext(wording).format(id=entity_id) if wording else f"{kind} #{entity_id}"

    def changes(self, row: AuditRow) -> list[Change]:
        before, after = row.before or {}, row.after or {}
        fields = [*before, *(k for k in after if k not in before)]
        return [
            Change(
                self.field(name),
                self.value(name, before[name]) if name in before else "",
                self.value(name, after[name]) if name in after else "",
            )
            for name in fields
        ]

    def field(self, name: str) -> str:
        wording = LABELS["audit_field"].get(name)
        return self.gettext(wording) if wording else name.replace("_", " ")

    def value(self, name: str, value: Any) -> str:
        if value is None or value == "" or value == []:
            return "—"
        if isinstance(value, bool):
            return self.gettext("yes") if value else self.gettext("no")
        if name in PEOPLE and isinstance(value, int):
            return self.names.get(value, f"#{value}")
        if name in STORES:
            ids = value if isinstance(value, list) else [value]
            return ", ".join(self.stores.get(i, f"#{i}") for i in ids)
        kind = VALUE_KINDS.get(name)
        if kind is not None:
            items = value if isinstance(value, list) else [value]
            return ", ".join(self._label(kind, str(v)) for v in items)
        if isinstance(value, list):
            return ", ".join(self.value(name, v) for v in value)
        if isinstance(value, dict):
            return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
        return str(value)

    def _label(self, kind: str, value: str) -> str:
        wording = LABELS[kind].get(value)
        return self.gettext(wording) if wording else value
