"""Check ``signalkit.W001``: bulk-signal receivers for models whose default manager never
sends."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core import checks

import signalkit
from signalkit import signals
from signalkit.checks.bulk import check_bulk_receivers
from tests.bulkapp.models import Item, Part, Plain, SpecialItem
from tests.helpers import BULK_SIGNALS

# W001 --------------------------------------------------------------------------------


def _w001_for(func: Callable[..., Any]) -> list[checks.CheckMessage]:
    path = f"{func.__module__}.{func.__qualname__}"
    return [m for m in check_bulk_receivers() if m.obj == path]


def test_w001_for_a_model_whose_default_manager_does_not_send() -> None:
    def on_plain(**kwargs: Any) -> None:
        pass

    def on_item(**kwargs: Any) -> None:
        pass

    def on_anything(**kwargs: Any) -> None:
        pass

    signalkit.receiver(
        [signals.post_update, signals.pre_bulk_create], sender="bulkapp.Plain"
    )(on_plain)
    signalkit.receiver(BULK_SIGNALS, sender=[Item, Part, SpecialItem])(on_item)
    signalkit.receiver(BULK_SIGNALS)(on_anything)
    try:
        messages = _w001_for(on_plain)
        assert _w001_for(on_item) == []
        assert _w001_for(on_anything) == []
    finally:
        signalkit.disconnect(on_plain)
        signalkit.disconnect(on_item)
        signalkit.disconnect(on_anything)

    assert len(messages) == 2
    for message, name in zip(messages, ["post_update", "pre_bulk_create"], strict=True):
        assert isinstance(message, checks.Warning)
        assert message.id == "signalkit.W001"
        assert (
            "test_bulk.test_w001_for_a_model_whose_default_manager_does_not_send"
            in message.msg
        )
        assert "<locals>.on_plain" in message.msg
        assert name in message.msg
        assert "bulkapp.Plain" in message.msg
        assert message.hint is not None
        assert "SignalManager" in message.hint
    assert _w001_for(on_plain) == []


def test_w001_ignores_non_bulk_signals_and_plain_connects() -> None:
    def on_save(**kwargs: Any) -> None:
        pass

    signalkit.on_post_save(Plain)(on_save)
    signals.post_update.connect(on_save, sender=Plain, weak=False)
    try:
        assert _w001_for(on_save) == []
    finally:
        signalkit.disconnect(on_save)
        signals.post_update.disconnect(on_save, sender=Plain)
