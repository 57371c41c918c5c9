"""``signalkit.W002``: catch-all receivers on the signals that turn off Django's fast paths."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.db.models import signals

from signalkit import introspection

# Django's and signalkit's own receivers are not the project's to change.
_OWN_MODULES = ("django.", "signalkit.")

_MODELS_HINT = "a model, a list of models"
_THROUGH_HINT = (
    "the through model of each relation it watches (such as Book.tags.through), a list "
    "of them"
)
_COST = {
    "pre_delete": "turns off Django's fast delete for every model: every delete, "
    "cascades included, first loads each row it removes so it can send the signal",
    "post_delete": "turns off Django's fast delete for every model: every delete, "
    "cascades included, first loads each row it removes so it can send the signal",
    "m2m_changed": "turns off Django's fast add() for every many-to-many relation: "
    "every add() first reads which rows already exist so it can send the signal",
}


def check_catch_all_receivers(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """``signalkit.W002``: a ``pre_delete``/``post_delete``/``m2m_changed`` receiver with
    ``sender=None``.

    Django deletes rows without loading them ("fast delete") only when nothing listens to
    ``pre_delete`` or ``post_delete`` for their model, and adds many-to-many rows in one
    query only when nothing listens to ``m2m_changed`` for the through model. A catch-all
    receiver listens for every model. Receivers connected by signalkit's decorators and by
    a plain ``Signal.connect()`` are both checked; Django's own are not. With
    ``app_configs``, only receivers defined in those apps are.
    """
    entries = introspection.receivers(
        [signals.pre_delete, signals.post_delete, signals.m2m_changed]
    )
    prefixes = (
        None
        if app_configs is None
        else tuple(f"{config.name}." for config in app_configs)
    )
    messages: list[checks.CheckMessage] = []
    for entry in entries:
        if not entry.catch_all or entry.module.startswith(_OWN_MODULES):
            continue
        if prefixes is not None and not f"{entry.module}.".startswith(prefixes):
            continue
        messages.append(
            checks.Warning(
                f"The receiver {entry.receiver!r} listens to {entry.signal_name} from "
                f"every sender (sender=None), which {_COST[entry.signal_name]}.",
                hint=f"Give the receiver the senders it needs: "
                f"{_THROUGH_HINT if entry.signal_name == 'm2m_changed' else _MODELS_HINT}, "
                f"or 'app_label.*' (still connected per model, so only that app's models "
                f"lose the fast path). If it really must see every model, add "
                f"'signalkit.W002' to SILENCED_SYSTEM_CHECKS.",
                obj=entry.receiver,
                id="signalkit.W002",
            )
        )
    return messages
