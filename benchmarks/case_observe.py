"""Case 8: ``save()`` inserts while nobody watches the outcomes of receiver calls, and
while each consumer of them does: the slow-receiver warning, OpenTelemetry (the API's
no-op tracer), the debug-toolbar panel recording, and ``signalkit.testing.trace()``."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.test import override_settings

import signalkit
from benchmarks import data, environment
from benchmarks.bench import receivers
from benchmarks.bench.models import Item
from benchmarks.runner import Case, Contender
from signalkit import observers

OFF = "off: nobody watches"
SLOW = "SLOW_RECEIVER_MS = 1000 (nothing slow)"
OTEL = "OPENTELEMETRY = True, no-op tracer"
PANEL = "debug-toolbar panel recording"
TRACE = "testing.trace()"

HAS_OTEL = importlib.util.find_spec("opentelemetry.trace") is not None
HAS_TOOLBAR = importlib.util.find_spec("debug_toolbar") is not None


def plain_count(sender: Any, **kwargs: Any) -> None:
    """The user's plain Django receiver."""
    receivers.hits.count += 1


def _connect() -> None:
    signalkit.on_post_save(Item)(receivers.count)
    post_save.connect(plain_count, sender=Item)


def _disconnect() -> None:
    signalkit.disconnect(receivers.count)
    post_save.disconnect(plain_count, sender=Item)


def _settings(
    **signalkit_settings: Any,
) -> tuple[Callable[[], None], Callable[[], None]]:
    # Through the setting, as a project turns it on (override_settings sends
    # setting_changed, which subscribes and unsubscribes the consumer).
    override = override_settings(SIGNALKIT=signalkit_settings)
    return override.enable, override.disable


def _panel() -> tuple[Callable[[], None], Callable[[], None]]:
    from signalkit.contrib.debug_toolbar import Recorder

    recorder = Recorder()
    return (lambda: observers.watch(recorder)), (lambda: observers.unwatch(recorder))


def _trace() -> tuple[Callable[[], None], Callable[[], None]]:
    from signalkit.testing import trace

    block: list[Any] = []

    def start() -> None:
        block.append(trace())
        block[-1].__enter__()

    def stop() -> None:
        block.pop().__exit__(None, None, None)

    return start, stop


def build(scale: float) -> Case:
    n = max(1, int(100 * scale))
    rows = data.rows(n)

    def run() -> None:
        with transaction.atomic():
            for row in rows:
                Item(**row).save()

    def contender(
        name: str, on: Callable[[], None], off: Callable[[], None]
    ) -> Contender:
        def setup() -> None:
            _connect()
            on()

        def teardown() -> None:
            off()
            _disconnect()
            environment.empty(Item)

        return Contender(name, run, setup, teardown, expected_calls=2 * n)

    watched = [(SLOW, _settings(SLOW_RECEIVER_MS=1000))]
    if HAS_OTEL:
        watched.append((OTEL, _settings(OPENTELEMETRY=True)))
    if HAS_TOOLBAR:
        watched.append((PANEL, _panel()))
    watched.append((TRACE, _trace()))
    contenders = [contender(OFF, _nothing, _nothing)]
    contenders += [contender(name, *switches) for name, switches in watched]
    notes = [
        (
            f"Each timed run is one batch of {n:,} inserts in one transaction, each "
            "calling a signalkit receiver and a plain Django receiver on post_save."
        ),
        (
            "The off row runs after the others have patched django.dispatch.Signal (the "
            "patch stays, once anything watched): the worst case of off. With the "
            "defaults and no testing helper used, Signal is never patched: that path is "
            "the save and send cases'."
        ),
        (
            "OpenTelemetry runs with the API alone: its no-op tracer, so what is timed is "
            "signalkit's side of each span, not an SDK's export."
        ),
    ]
    if not (HAS_OTEL and HAS_TOOLBAR):
        notes.append(
            "opentelemetry-api or django-debug-toolbar is not installed: their rows were "
            "skipped."
        )
    return Case(
        number="8",
        key="observe",
        title=f"save() inserts in batches of {n:,}, two receivers, watched or not",
        contenders=contenders,
        floor=OFF,
        notes=notes,
        setup=lambda: environment.empty(Item),
        repeat=40,
        per_run=n,
        unit="inserts",
    )


def _nothing() -> None:
    return None
