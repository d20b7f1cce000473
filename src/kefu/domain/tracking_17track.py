"""17TRACK's statuses in kefu's one status set (issue 21; docs/tracking.md "17TRACK mapping").

17TRACK API v2.2 gives each event a `stage` and each parcel a `latest_status.status` plus
`sub_status`, both spelt `<Status>_<Reason>` ("InTransit_CustomsProcessing"). The sub-status
decides when kefu knows it; otherwise the main status does. "NotFound" maps to no status:
the carrier has nothing yet, which is not news about the parcel.
"""

from __future__ import annotations

from kefu.domain.types import TrackingStatus as S

# The main statuses 17TRACK v2.2 documents, each with what it means in kefu.
STATUSES: dict[str, S | None] = {
    "NotFound": None,
    "InfoReceived": S.INFO_RECEIVED,
    "InTransit": S.IN_TRANSIT,
    "Expired": S.EXPIRED,
    "AvailableForPickup": S.AWAITING_PICKUP,
    "OutForDelivery": S.OUT_FOR_DELIVERY,
    "DeliveryFailure": S.FAILED_DELIVERY,
    "Delivered": S.DELIVERED,
    "Exception": S.EXCEPTION,
}

# Sub-statuses that say more than their main status. Any other sub-status ("InTransit_
# PickedUp", "DeliveryFailure_InvalidAddress", "Exception_Damage") means its main status.
SUB_STATUSES: dict[str, S | None] = {
    "NotFound_Other": None,
    "NotFound_InvalidCode": None,
    "InTransit_CustomsProcessing": S.CUSTOMS,
    "InTransit_CustomsReleased": S.CUSTOMS_CLEARED,
    "InTransit_CustomsRequiringInformation": S.CUSTOMS_HOLD,
    # A parcel that arrived in the buyer's country: 17TRACK's "Arrival" milestone.
    "InTransit_Arrival": S.ARRIVED_DESTINATION,
    "Exception_Returning": S.RETURNING,
    "Exception_Returned": S.RETURNED,
    "Exception_Lost": S.LOST,
    "Exception_Destroyed": S.LOST,
    # Late is not an anomaly of its own: the board's "no update for N days" and
    # "promised delivery at risk" rules catch it from the dates.
    "Exception_Delayed": S.IN_TRANSIT,
}


def status_of(status: str | None, sub_status: str | None = None) -> S | None:
    """kefu's status for 17TRACK's (status, sub-status); None for "NotFound" and for a
    status 17TRACK has not documented (the normaliser then reads the event's words)."""
    if sub_status and sub_status in SUB_STATUSES:
        return SUB_STATUSES[sub_status]
    main = status or (sub_status.split("_", 1)[0] if sub_status else None)
    return STATUSES.get(main) if main else None


def code_of(status: str | None, sub_status: str | None) -> str:
    """The code an event is stored with: the sub-status when given (it names the status
    too), else the main status; "NotFound" when 17TRACK said nothing."""
    return sub_status or status or "NotFound"


# Stages that say only "moving": the event's words decide (customs, arrival…), read by
# the normaliser rather than taken as plain "in transit".
GENERIC_STAGES = frozenset({"InTransit", "InTransit_Other"})


def event_status(stage: str | None) -> S | None:
    """The status one event's `stage` gives; None when it gives none worth trusting over
    the event's own words (no stage, a generic one, NotFound)."""
    if not stage or stage in GENERIC_STAGES:
        return None
    return status_of(None, stage)
