"""Tracking turned on the way users do it: from an autodiscovered signals module."""

from __future__ import annotations

import signalkit

signalkit.track(
    "trackapp.Order", fields=["status", "total", "data", "customer", "note"]
)
signalkit.track("trackapp.Customer")
signalkit.track("trackapp.Attachment")
signalkit.track("trackapp.Stock")
signalkit.track("trackapp.OldStyleFromDb")
signalkit.track("trackapp.Overriding")
