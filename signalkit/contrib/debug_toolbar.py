"""A django-debug-toolbar panel: every signal the request sent, and what became of each
receiver (extra ``signalkit[debug-toolbar]``).

Add ``"signalkit.contrib.debug_toolbar.SignalsPanel"`` to ``DEBUG_TOOLBAR_PANELS``. It
sits beside the toolbar's own signals panel, which lists the receivers *connected*: this
one lists, in order, each signal sent while the request ran (name, sender, the file and
line that sent it) and under it each receiver with its outcome: ran (ms), skipped and
why (``created``, ``changed``, ``when``, ``muted``, ``reentrant``), deferred to commit
(then ran, or rolled back), enqueued (backend, task id), raised (the exception). Plain
Django receivers are listed as they run; the toolbar's own (its templates panel listens
to ``template_rendered``) are left out. Totals: signals sent, receivers run, time in
receivers.
"""

from __future__ import annotations

from typing import Any

from debug_toolbar.panels import Panel
from django.http import HttpRequest, HttpResponse

from signalkit import observers
from signalkit.naming import sender_label, signal_name, signal_path
from signalkit.outcomes import (
    DEFERRED,
    ENQUEUED,
    RAISED,
    RAN,
    SKIPPED,
    Consumer,
    Outcome,
    Send,
)

# Longer exception messages are cut: the panel is a summary, the log has the rest.
_DETAIL_LENGTH = 300
# The toolbar's own receivers, left out.
_TOOLBAR = "debug_toolbar."


class Recorder(Consumer):
    """Every send and outcome of the context it watches, in order."""

    wants_sends = True

    def __init__(self) -> None:
        self.sends: list[Send] = []
        self.outcomes: list[Outcome] = []

    def sent(self, send: Send) -> None:
        self.sends.append(send)

    def called(self, outcome: Outcome, state: Any) -> None:
        self.outcomes.append(outcome)

    def noted(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)


class SignalsPanel(Panel):
    """The signals the request sent, and what became of each receiver."""

    # Not the class name, which the toolbar's own signals panel already uses.
    panel_id = "SignalkitSignalsPanel"
    title = "Signals sent (signalkit)"
    nav_title = "Signals sent"
    template = "signalkit/debug_toolbar/signals.html"
    # What it watches is context-local: an async request is recorded like a sync one.
    is_async = True

    _recorder: Recorder | None = None

    @property
    def nav_subtitle(self) -> str:
        stats: dict[str, Any] = self.get_stats()  # type: ignore[no-untyped-call]
        if not stats:
            return ""
        return (
            f"{_count(len(stats['signals']), 'signal')}, "
            f"{_count(stats['receivers_run'], 'receiver')} ran, "
            f"{stats['milliseconds']:.1f} ms"
        )

    def enable_instrumentation(self) -> None:
        self._recorder = Recorder()
        observers.watch(self._recorder)

    def disable_instrumentation(self) -> None:
        if self._recorder is not None:
            observers.unwatch(self._recorder)

    def generate_stats(self, request: HttpRequest, response: HttpResponse) -> None:
        if self._recorder is not None:
            self.record_stats(report(self._recorder))  # type: ignore[no-untyped-call]


def report(recorder: Recorder) -> dict[str, Any]:
    """The panel's data (JSON: the toolbar may keep it in a database): the signals sent,
    each with its receivers' rows, and the totals."""
    signals = {id(send): _signal(send) for send in recorder.sends}
    elsewhere: list[dict[str, Any]] = []
    waiting: dict[int, dict[str, Any]] = {}
    run, seconds = 0, 0.0
    toolbars = set()  # the sends the toolbar's own receivers were called for
    for outcome in recorder.outcomes:
        if outcome.path.startswith(_TOOLBAR):
            toolbars.add(id(outcome.send))
            continue
        if outcome.kind in (RAN, RAISED):
            run, seconds = run + 1, seconds + (outcome.seconds or 0.0)
        row = waiting.pop(id(outcome.deferred), None)
        if row is not None:
            # What the commit made of a deferred receiver completes its row.
            row["then"], row["ms"], row["detail"] = _row(outcome)
            continue
        text, ms, detail = _row(outcome)
        row = {"receiver": outcome.path, "outcome": text, "then": "", "ms": ms}
        row["detail"] = detail
        if outcome.kind == DEFERRED:
            waiting[id(outcome)] = row
        found = signals.get(id(outcome.send))
        (elsewhere if found is None else found["receivers"]).append(row)
    return {
        # A send made for the toolbar alone (its templates panel's template_rendered)
        # is the toolbar's business, not the request's.
        "signals": [
            signal
            for key, signal in signals.items()
            if signal["receivers"] or key not in toolbars
        ],
        "elsewhere": elsewhere,
        "receivers_run": run,
        "milliseconds": round(seconds * 1000, 3),
    }


def _signal(send: Send) -> dict[str, Any]:
    return {
        "name": signal_name(send.signal),
        "path": signal_path(send.signal),
        "sender": sender_label(send.sender) or "(none)",
        "using": send.using if isinstance(send.using, str) else "",
        "file": send.file or "",
        "line": send.line,
        "receivers": [],
    }


def _row(outcome: Outcome) -> tuple[str, float | None, str]:
    """An outcome's text, milliseconds and details."""
    ms = None if outcome.seconds is None else round(outcome.seconds * 1000, 3)
    if outcome.kind == SKIPPED:
        return f"skipped ({outcome.reason})", None, ""
    if outcome.kind == DEFERRED:
        return "deferred to commit", None, ""
    if outcome.kind == ENQUEUED:
        task = "" if outcome.task_id is None else f", task {outcome.task_id}"
        return "enqueued", None, f"backend {outcome.backend!r}{task}"
    exception = outcome.exception
    if outcome.kind == RAISED and exception is not None:
        text = f"{type(exception).__name__}: {exception}"
        if len(text) > _DETAIL_LENGTH:
            text = f"{text[: _DETAIL_LENGTH - 1]}…"
        return "raised", ms, text
    return outcome.kind, ms, ""


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
