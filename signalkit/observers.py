"""Who watches the outcomes of :mod:`signalkit.outcomes`: subscribing a consumer,
everywhere or in one context, and the consumers the ``SIGNALKIT`` setting turns on.

Subscribing patches ``django.dispatch.Signal`` (once, :mod:`signalkit._signal_patch`),
so that sends and plain Django receivers are seen too. The settings' consumers are the
slow-receiver warning (``SLOW_RECEIVER_MS``) and OpenTelemetry (``OPENTELEMETRY``):
:func:`configure` subscribes them when the app is ready, and again whenever
``override_settings()`` changes ``SIGNALKIT``. With neither set, it subscribes nothing
and the patch is not even installed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.signals import setting_changed

from signalkit import _signal_patch, conf, outcomes
from signalkit.outcomes import Consumer


def subscribe(consumer: Consumer) -> None:
    """Hand ``consumer`` every outcome, in every thread and task, until
    :func:`unsubscribe`."""
    _signal_patch.install()
    outcomes.add(consumer, here=False)


def unsubscribe(consumer: Consumer) -> bool:
    """Stop :func:`subscribe`; False if ``consumer`` was not subscribed."""
    return outcomes.discard(consumer, here=False)


def watch(consumer: Consumer) -> None:
    """Hand ``consumer`` the outcomes of the current context (a thread, an async task,
    and the contexts copied from it later) until :func:`unwatch` in the same context."""
    _signal_patch.install()
    outcomes.add(consumer, here=True)


def unwatch(consumer: Consumer) -> bool:
    """Stop :func:`watch`; False if ``consumer`` was not watching in this context."""
    return outcomes.discard(consumer, here=True)


@contextmanager
def watching(consumer: Consumer) -> Iterator[None]:
    """:func:`watch` for the block."""
    watch(consumer)
    try:
        yield
    finally:
        unwatch(consumer)


# The consumers of the settings ---------------------------------------------------------

# Setting name -> the consumer it subscribed.
_configured: dict[str, Consumer] = {}


def configure() -> None:
    """Subscribe the consumers ``SIGNALKIT`` asks for, and drop the others.

    A value that check ``signalkit.E002`` reports (of the wrong type, or
    ``OPENTELEMETRY`` without the OpenTelemetry API installed) turns nothing on.
    """
    setting_changed.connect(_setting_changed, dispatch_uid="signalkit.observers")
    _replace("SLOW_RECEIVER_MS", _slow_receivers())
    _replace("OPENTELEMETRY", _opentelemetry())


def _slow_receivers() -> Consumer | None:
    value = conf.get("SLOW_RECEIVER_MS")
    if value is None or conf.problem("SLOW_RECEIVER_MS", value) is not None:
        return None
    from signalkit.slow_receivers import SlowReceivers

    return SlowReceivers(value)


def _opentelemetry() -> Consumer | None:
    value = conf.get("OPENTELEMETRY")
    if value is not True or conf.problem("OPENTELEMETRY", value) is not None:
        return None
    from signalkit.contrib.opentelemetry import Spans

    return Spans()


def _replace(key: str, consumer: Consumer | None) -> None:
    earlier = _configured.pop(key, None)
    if earlier is not None:
        unsubscribe(earlier)
    if consumer is not None:
        subscribe(consumer)
        _configured[key] = consumer


def _setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == conf.SETTING_NAME:
        # conf's own receiver may come later in the list: read the new value now.
        conf.get_config.cache_clear()
        configure()
