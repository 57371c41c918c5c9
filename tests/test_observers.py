"""Who watches outcomes (``signalkit.observers``): subscribing, watching one context, and
the consumers the ``SIGNALKIT`` setting turns on."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from signalkit import _signal_patch, observers, outcomes
from signalkit.contrib.opentelemetry import Spans
from signalkit.slow_receivers import SlowReceivers
from tests.helpers import Watcher

pytestmark = pytest.mark.usefixtures("no_testing_helper_left")


def kinds() -> list[type[Any]]:
    return [type(c) for c in outcomes.consumers()]


def test_the_default_settings_turn_nothing_on() -> None:
    assert kinds() == []
    assert outcomes.ACTIVE is False


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"SLOW_RECEIVER_MS": 50}, [SlowReceivers]),
        ({"SLOW_RECEIVER_MS": 0}, [SlowReceivers]),
        ({"OPENTELEMETRY": True}, [Spans]),
        ({"SLOW_RECEIVER_MS": 5, "OPENTELEMETRY": True}, [SlowReceivers, Spans]),
        ({"SLOW_RECEIVER_MS": None, "OPENTELEMETRY": False}, []),
        # What check signalkit.E002 reports turns nothing on.
        ({"SLOW_RECEIVER_MS": "50"}, []),
        ({"SLOW_RECEIVER_MS": -1}, []),
        ({"OPENTELEMETRY": "yes"}, []),
    ],
)
def test_settings_subscribe_their_consumers_and_changes_follow(
    settings: dict[str, Any], expected: list[type[Any]]
) -> None:
    with override_settings(SIGNALKIT=settings):
        assert kinds() == expected
        assert outcomes.ACTIVE is bool(expected)
    assert kinds() == []
    assert outcomes.ACTIVE is False


def thresholds() -> list[float]:
    return [
        c.milliseconds for c in outcomes.consumers() if isinstance(c, SlowReceivers)
    ]


def test_the_threshold_is_read_from_the_setting() -> None:
    with override_settings(SIGNALKIT={"SLOW_RECEIVER_MS": 12.5}):
        assert thresholds() == [12.5]
        with override_settings(SIGNALKIT={"SLOW_RECEIVER_MS": 3}):
            assert thresholds() == [3]
        assert thresholds() == [12.5]
    assert thresholds() == []


def test_subscribing_patches_signal_once() -> None:
    watcher = Watcher()
    observers.subscribe(watcher)
    try:
        assert _signal_patch.INSTALLED
    finally:
        observers.unsubscribe(watcher)


def test_watching_ends_with_the_block_even_on_error() -> None:
    watcher = Watcher()
    with pytest.raises(ZeroDivisionError), observers.watching(watcher):
        assert outcomes.consumers() == (watcher,)
        1 / 0  # noqa: B018
    assert outcomes.consumers() == ()
    assert observers.unwatch(watcher) is False


def test_consumers_subscribed_everywhere_come_before_those_of_the_context() -> None:
    everywhere, here = Watcher(), Watcher()
    observers.subscribe(everywhere)
    try:
        with observers.watching(here):
            assert outcomes.consumers() == (everywhere, here)
    finally:
        observers.unsubscribe(everywhere)
