"""``signalkit.W001``: bulk-signal receivers for models whose default manager never sends."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.db import models

from signalkit import _django, registry, signals
from signalkit.models import SignalQuerySetMixin
from signalkit.naming import sender_label, signal_name


def check_bulk_receivers(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """``signalkit.W001``: a receiver on a bulk signal for a model that never sends it.

    signalkit's bulk signals are sent only by querysets built on
    :class:`~signalkit.models.SignalQuerySetMixin`. This warns once per receiver, signal and
    model whose default manager's queryset is not one. It reads signalkit's own record of
    connections, so receivers connected with a plain ``Signal.connect()`` are not checked;
    catch-all receivers (``sender=None``) are not either.
    """
    messages: list[checks.CheckMessage] = []
    for conn in registry.connections():
        if not any(conn.signal is signal for signal in signals.BULK_SIGNALS):
            continue
        for sender in conn.senders:
            if not _is_model(sender) or _sends(sender):
                continue
            label = sender_label(sender)
            messages.append(
                checks.Warning(
                    f"The receiver {conn.path!r} listens to {signal_name(conn.signal)} "
                    f"from {label}, but {label}'s default manager never sends it, so the "
                    f"receiver never runs.",
                    hint=f"Give {label} a default manager built on signalkit's queryset "
                    f"(objects = signalkit.models.SignalManager(), or mix "
                    f"signalkit.models.SignalQuerySetMixin into its queryset class), or "
                    f"remove the receiver.",
                    obj=conn.path,
                    id="signalkit.W001",
                )
            )
    return messages


def _is_model(sender: Any) -> bool:
    return (
        isinstance(sender, type)
        and issubclass(sender, models.Model)
        and not sender._meta.abstract
        and not sender._meta.swapped
    )


def _sends(model: type[models.Model]) -> bool:
    manager = model._default_manager
    try:
        queryset_class: Any = type(manager.get_queryset())
    except Exception:
        # A get_queryset() that needs a request or tenant context: trust the class the
        # manager was built from instead.
        queryset_class = _django.queryset_class(manager)
    return isinstance(queryset_class, type) and issubclass(
        queryset_class, SignalQuerySetMixin
    )
