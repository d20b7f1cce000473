"""What the sandbox's case books share: the switch that makes the next decision fail, so
kefu's "not sent to the platform" state and its retry can be shown and tested."""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class Fault:
    status: int = 500  # the HTTP status answered
    delay: float = 0.0  # seconds to wait first: longer than the client's timeout = a timeout
    applied: bool = False  # the platform took the step, then the answer was lost


class DecisionFaults:
    """Faults for the next decisions (writes), never for the reads."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def fail_next(
        self, status: int = 500, count: int = 1, *, delay: float = 0.0, applied: bool = False
    ) -> None:
        """The next `count` decisions answer `status` (after `delay` seconds, if given:
        with a delay past the client's timeout the client sees a timeout). With `applied`
        the platform takes the step first and only its answer is lost, so a retry meets a
        step already taken."""
        with self._lock:
            self._faults.extend([Fault(status, delay, applied)] * count)

    def take(self) -> Fault | None:
        with self._lock:
            return self._faults.pop(0) if self._faults else None
