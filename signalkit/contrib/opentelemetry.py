"""OpenTelemetry spans for receiver calls, turned on by ``SIGNALKIT["OPENTELEMETRY"] = True``
(extra ``signalkit[otel]``: it needs the OpenTelemetry API only).

Each receiver call that runs, signalkit's or a plain Django one, at the send, at the
commit or in a worker, is a span named ``"<signal name> <receiver dotted path>"``, a
child of the current span, with the attributes ``signalkit.signal``,
``signalkit.sender``, ``signalkit.receiver``, ``signalkit.outcome`` (``ran`` or
``raised``) and ``db.namespace`` (the ``using`` alias, when the signal was sent with one).
A receiver that raises records its exception on its span, whose status is ERROR. A
receiver that is skipped is no span, but an event ``signalkit.skipped`` (attributes
``receiver`` and ``reason``) on the current span.

A ``task=`` receiver's event carries the sender's W3C trace context, so its span in the
worker is a child of the span that sent it. Spans go wherever the project's tracer
provider sends them; with none configured, the API's no-op tracer records nothing.
"""

from __future__ import annotations

from typing import Any

from opentelemetry import context, trace
from opentelemetry.trace import Span, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.util.types import AttributeValue

from signalkit.naming import sender_label, signal_name, signal_path
from signalkit.outcomes import RAISED, SKIPPED, Consumer, Outcome

_PROPAGATOR = TraceContextTextMapPropagator()


class Spans(Consumer):
    """What ``SIGNALKIT["OPENTELEMETRY"]`` subscribes: a span per receiver call."""

    def __init__(self) -> None:
        # A proxy until the project sets its tracer provider, which it may do later.
        self.tracer = trace.get_tracer("signalkit")

    def calling(self, outcome: Outcome) -> tuple[Span, object]:
        parent = None if outcome.remote is None else _PROPAGATOR.extract(outcome.remote)
        span = self.tracer.start_span(
            f"{signal_name(outcome.signal)} {outcome.path}",
            context=parent,
            attributes=_attributes(outcome),
            # Recorded below, with the outcome, whether or not the exception escapes.
            record_exception=False,
            set_status_on_exception=False,
        )
        return span, context.attach(trace.set_span_in_context(span))

    def called(self, outcome: Outcome, state: Any) -> None:
        span, token = state
        span.set_attribute("signalkit.outcome", outcome.kind)
        exception = outcome.exception
        if outcome.kind == RAISED and exception is not None:
            span.record_exception(exception)
            span.set_status(
                Status(StatusCode.ERROR, f"{type(exception).__name__}: {exception}")
            )
        span.end()
        context.detach(token)

    def noted(self, outcome: Outcome) -> None:
        if outcome.kind == SKIPPED:
            trace.get_current_span().add_event(
                "signalkit.skipped",
                {"receiver": outcome.path, "reason": outcome.reason or ""},
            )

    def carried(self) -> dict[str, str] | None:
        carrier: dict[str, str] = {}
        _PROPAGATOR.inject(carrier)
        return carrier or None


def _attributes(outcome: Outcome) -> dict[str, AttributeValue]:
    found: dict[str, AttributeValue] = {
        "signalkit.signal": signal_path(outcome.signal),
        "signalkit.receiver": outcome.path,
    }
    sender = sender_label(outcome.sender)
    if sender is not None:
        found["signalkit.sender"] = sender
    if isinstance(outcome.using, str):
        found["db.namespace"] = outcome.using
    return found
