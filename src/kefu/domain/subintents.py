"""Sub-intents: the finer intents SPEC §3 names under the 24, read from the buyer's words.

The model picks one of the 24 intents (so figures stay comparable); these rules then say
which finer case it is when the message names it: "only 2 of the 3 arrived" is a short
shipment under wrong_item, "please declare a low value" a low-declaration request under
customs_duty. A rule fires only under its parent intent, so a sub-intent never
contradicts the intent shown.
"""

from __future__ import annotations

import re

from kefu.domain.intents import SUB_INTENTS

_RULES: dict[str, re.Pattern[str]] = {
    "short_shipment": re.compile(r"\b(missing|only (got|received) \d+|short)\b", re.IGNORECASE),
    "not_as_described": re.compile(r"not as described|different from the (picture|photo)", re.I),
    "low_declaration": re.compile(r"declare.{0,20}(low|lower|gift)|(low|lower) value", re.I),
    "customs_hold": re.compile(r"(held|stuck|detained).{0,20}customs|customs.{0,20}hold", re.I),
    "invoice": re.compile(r"\binvoice\b", re.IGNORECASE),
    "samples": re.compile(r"\bsamples?\b", re.IGNORECASE),
}


def detect(intent: str, text: str) -> str | None:
    """The sub-intent of `text` under `intent`, or None when the words name none."""
    for sub_intent, pattern in _RULES.items():
        if SUB_INTENTS[sub_intent] == intent and pattern.search(text):
            return sub_intent
    return None
