"""Which templates to suggest for a conversation (replies issue, SPEC §4–§5).

A template fits when every condition it names holds in the conversation's situation
(in stock or not, free shipping possible or not, one parcel or two…). Among those,
the ones written for the buyer's intent come first, then those for the same intent
group; with no intent yet, the stage's openers. A template written for other
questions is never suggested just because its conditions hold: a customs-duty answer
is wrong for an after-sale buyer who asked nothing about customs. Ties keep catalogue
order, so the same conversation always gets the same suggestions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kefu.domain.intents import group_of
from kefu.domain.templates import ReplyTemplate
from kefu.domain.types import TrackingStatus

MAX_SUGGESTIONS = 3
INTENT_SCORE = 100
GROUP_SCORE = 20
CONDITION_SCORE = 5

# Groups whose intents are unlike each other: a thank-you must not get the complaint answer.
LOOSE_GROUPS = frozenset({"relationship", "other"})

# Where a fallback is needed (no intent yet, or `other`): a sensible opener per stage.
STAGE_DEFAULTS = {
    "pre_sale": ("greeting",),
    "in_sale": ("address_confirmation", "greeting"),
    "after_sale": ("after_sale_reassurance",),
}

_MOVING = {
    TrackingStatus.INFO_RECEIVED,
    TrackingStatus.IN_TRANSIT,
    TrackingStatus.CUSTOMS,
    TrackingStatus.ARRIVED_DESTINATION,
    TrackingStatus.OUT_FOR_DELIVERY,
}


def tracking_situation(status: str | None) -> str | None:
    """A parcel's latest status as the templates' `tracking` condition."""
    if status is None:
        return None
    try:
        known = TrackingStatus(status)
    except ValueError:
        return None
    if known in _MOVING:
        return "in_transit"
    if known is TrackingStatus.AWAITING_PICKUP:
        return "awaiting_pickup"
    if known is TrackingStatus.DELIVERED:
        return "delivered"
    return None


@dataclass(frozen=True)
class Candidate:
    template: ReplyTemplate
    score: int


def rank(
    templates: Iterable[ReplyTemplate],
    *,
    intent: str | None,
    situation: Mapping[str, str],
    stage: str | None = None,
) -> list[Candidate]:
    """Templates that fit, best first; automatic templates are never suggested."""
    group = group_of(intent) if intent and intent != "other" else None
    defaults = STAGE_DEFAULTS.get(stage or "", ())
    out: list[Candidate] = []
    for order, template in enumerate(templates):
        if template.automatic or any(situation.get(k) != v for k, v in template.when.items()):
            continue
        relation = _relation(template, intent, group, defaults)
        if relation == 0 and (template.intents or not template.when):
            continue  # written for other questions, or fits nothing in particular
        score = CONDITION_SCORE * len(template.when) + relation
        out.append(Candidate(template, score * 1000 - order))
    return sorted(out, key=lambda c: -c.score)


def _relation(
    template: ReplyTemplate, intent: str | None, group: str | None, defaults: tuple[str, ...]
) -> int:
    if group is not None and intent in template.intents:
        return INTENT_SCORE
    if group not in LOOSE_GROUPS and any(group_of(i) == group for i in template.intents):
        return GROUP_SCORE
    if group is None and template.key in defaults:
        return GROUP_SCORE - defaults.index(template.key)
    return 0
