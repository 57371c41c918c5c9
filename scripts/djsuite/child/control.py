"""The control run's app: a plain Django no-op receiver on every model.

For every installed model, a strongly referenced :func:`~djsuite.child.common.noop` is
connected with ``Signal.connect()`` to ``pre_save``, ``post_save``, ``pre_delete``,
``post_delete`` and ``m2m_changed``: the same signals and senders as the signalkit-on
run. A test that fails only with signalkit on then fails because of signalkit, not
because a receiver exists (receivers alone change Django's behaviour: a delete receiver
turns off fast deletes). The receivers do nothing, not even schedule an ``on_commit``
callback: what signalkit's ``on_commit=`` and ``robust=`` add is what is compared.
"""

from __future__ import annotations

import sys
from typing import Any

from django.apps import AppConfig
from django.db.models import Model

from djsuite.child.common import (
    MODEL_SIGNALS,
    every_model,
    missing_listeners,
    new_models,
    noop,
)

_done: set[type[Model]] = set()


def _connect_new() -> None:
    for model in new_models(_done):
        for signal in MODEL_SIGNALS.values():
            signal.connect(noop, sender=model, weak=False)


class ControlConfig(AppConfig):
    name = "djsuite.child.control"
    label = "djsuite_control"
    verbose_name = "django-suite control: plain receivers"

    def ready(self) -> None:
        _connect_new()

    def before_tests(self) -> dict[str, Any]:
        """Cover the models test modules defined at import, then check every model has
        its receivers, and signalkit is nowhere (plain Django)."""
        _connect_new()
        models = every_model()
        problems = [
            f"{model._meta.label}: no receiver for {', '.join(names)}"
            for model in models
            if (names := missing_listeners(model, MODEL_SIGNALS))
        ]
        if "signalkit" in sys.modules:
            problems.append("signalkit was imported in the control run")
        return {"models": len(models), "problems": problems}
