"""Tracking-number recognition with the `tracking-numbers` package (issue 21).

The domain knows S10 (with its check digit) and the Chinese cross-border carriers by
shape; the package knows the couriers whose numbers carry their own checks (UPS, FedEx,
DHL, USPS) and verifies them. Only its verdict crosses into kefu: a carrier key and
whether a check was made.
"""

from __future__ import annotations

import tracking_numbers

from kefu.domain.carriers import NumberCheck, check_number
from kefu.domain.tracking_numbers import Recognised

# The package's courier codes that kefu has a carrier for; others are not recognised.
_COURIERS = {"ups": "ups", "fedex": "fedex", "dhl": "dhl", "usps": "usps"}


def courier(number: str) -> Recognised | None:
    """The package's recognition of a courier number, when its checks pass."""
    found = tracking_numbers.get_tracking_number(number)
    if found is None or found.validation_errors:
        return None
    key = _COURIERS.get(found.courier.code)
    return Recognised(key, found.number, True) if key else None


def recognise(number: str) -> NumberCheck:
    """Every rule kefu knows, domain first, then the courier package."""
    return check_number(number, courier)
