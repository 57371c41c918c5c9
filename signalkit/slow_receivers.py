"""``SIGNALKIT["SLOW_RECEIVER_MS"]``: a warning for each receiver call slower than that."""

from __future__ import annotations

import logging
from typing import Any

from signalkit.naming import sender_label, signal_name
from signalkit.outcomes import Consumer, Outcome

logger = logging.getLogger("signalkit")


class SlowReceivers(Consumer):
    """Log one WARNING on the ``signalkit`` logger for each receiver call (signalkit's
    or a plain Django one, sync or async, at the commit or in a worker) that takes
    longer than ``milliseconds``."""

    def __init__(self, milliseconds: float) -> None:
        self.milliseconds = milliseconds
        self._seconds = milliseconds / 1000

    def called(self, outcome: Outcome, state: Any) -> None:
        seconds = outcome.seconds or 0.0
        if seconds <= self._seconds:
            return
        logger.warning(
            "signalkit: slow receiver %s on %s from sender %s took %.1f ms "
            "(SIGNALKIT['SLOW_RECEIVER_MS'] is %s).",
            outcome.path,
            signal_name(outcome.signal),
            sender_label(outcome.sender),
            seconds * 1000,
            self.milliseconds,
        )
