"""The trace context a ``task=`` event carries to its worker: W3C Trace Context headers.

With OpenTelemetry on, the sender puts its ``traceparent`` (and ``tracestate``, when
there is one) in the event, so that the receiver's span in the worker continues the
sender's trace. The worker reads it from a queue, so it is checked like the rest of the
event: anything that is not a well-formed header refuses the whole event, as a forged or
corrupted one (:func:`signalkit.events.decode`).
"""

from __future__ import annotations

import re

#: The key of an event that carries the trace context.
KEY = "trace_context"

# Version 00 of W3C Trace Context; neither id may be all zeros.
_TRACEPARENT = re.compile(
    r"00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}", re.ASCII
)
# Printable ASCII, at most 32 list members of up to 256 characters, with their commas.
_TRACESTATE = re.compile(r"[\x20-\x7e]{0,8223}", re.ASCII)


def problem(value: object) -> str | None:
    """What is wrong with the trace context ``value`` read from a queue (``None``: none
    at all, or a well-formed one). The message never quotes the value."""
    if value is None:
        return None
    if (
        not isinstance(value, dict)
        or "traceparent" not in value
        or not set(value) <= {"traceparent", "tracestate"}
        or not all(isinstance(v, str) for v in value.values())
    ):
        return (
            f"its {KEY} is not a dict of the W3C headers traceparent and (optionally) "
            f"tracestate"
        )
    if not _TRACEPARENT.fullmatch(value["traceparent"]):
        return "its traceparent is not a W3C traceparent of version 00"
    if not _TRACESTATE.fullmatch(value.get("tracestate", "")):
        return "its tracestate is not a W3C tracestate"
    return None
