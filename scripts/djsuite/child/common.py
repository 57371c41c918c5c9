"""What the control and signalkit-on apps share: the models and signals they cover."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db.models import Model
from django.db.models import signals as model_signals

#: The model signals both apps connect a receiver to, for every model.
MODEL_SIGNALS = {
    "pre_save": model_signals.pre_save,
    "post_save": model_signals.post_save,
    "pre_delete": model_signals.pre_delete,
    "post_delete": model_signals.post_delete,
    "m2m_changed": model_signals.m2m_changed,
}


def every_model() -> list[type[Model]]:
    """Every installed model: concrete, proxy and auto-created (m2m through) ones."""
    return apps.get_models(include_auto_created=True)


def new_models(done: set[type[Model]]) -> list[type[Model]]:
    """The installed models not in ``done``, which are added to it.

    An app's ``ready()`` runs again each time the installed apps change
    (``runtests.py`` installing the test apps, ``override_settings(INSTALLED_APPS=...)``
    in a test); a project's receivers are declared once per model, and so are ours.
    """
    models = [model for model in every_model() if model not in done]
    done.update(models)
    return models


def noop(**kwargs: Any) -> None:
    """The receiver connected everywhere: it does nothing, so any difference a run
    shows comes from how it was connected, not from what it does."""


def missing_listeners(model: type[Model], signals: dict[str, Any]) -> list[str]:
    """The names of ``signals`` with no receiver connected for ``model``."""
    return [name for name, signal in signals.items() if not signal.has_listeners(model)]
