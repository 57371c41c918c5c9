"""The signalkit-on run's app: signalkit switched on for every model.

Installed after ``signalkit`` itself. Importing this module (in the first
``django.setup()``, before any test app's models load) makes ``SignalQuerySet`` the
queryset of every model's default manager (:mod:`djsuite.child.managers`). Once the
models are loaded, for every model:

- ``signalkit.track(model)`` on each concrete model (all its fields);
- ``pre_save`` and ``post_save`` receivers with ``changed=`` every concrete field, and
  ``pre_delete``, ``post_delete`` and ``m2m_changed`` receivers: the signals and senders
  of the control run;
- receivers for signalkit's bulk and queryset signals, which ``SignalQuerySet`` sends
  only when someone listens;

all ``robust=True``, the ``post_*`` ones (and ``m2m_changed``) ``on_commit=True``, each
calling :func:`~djsuite.child.common.noop`. Models that test modules define at import
are switched on in ``before_tests()``, which then checks it all took effect; models a
test creates while it runs (``isolate_apps``) are left alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.apps import AppConfig
from django.db.models import Model
from django.db.models.base import ModelState

import signalkit
from djsuite.child import managers, signatures
from djsuite.child.common import (
    MODEL_SIGNALS,
    every_model,
    missing_listeners,
    new_models,
    noop,
)
from signalkit import signals as bulk
from signalkit.models import SignalQuerySetMixin

managers.install()

_done: set[type[Model]] = set()
#: Models signalkit refused to switch on, with why: reported by before_tests().
_setup_errors: list[str] = []

BULK_SIGNALS = {
    "pre_bulk_create": bulk.pre_bulk_create,
    "post_bulk_create": bulk.post_bulk_create,
    "pre_bulk_update": bulk.pre_bulk_update,
    "post_bulk_update": bulk.post_bulk_update,
    "pre_update": bulk.pre_update,
    "post_update": bulk.post_update,
}


def _switch_on(model: type[Model]) -> None:
    fields = [f.name for f in model._meta.concrete_fields]
    if not model._meta.proxy:
        signalkit.track(model)
    later = {"robust": True, "on_commit": True}
    now = {"robust": True}
    signalkit.on_pre_save(model, changed=fields, **now)(noop)
    signalkit.on_post_save(model, changed=fields, **later)(noop)
    signalkit.on_pre_delete(model, **now)(noop)
    signalkit.on_post_delete(model, **later)(noop)
    signalkit.on_m2m_changed(model, **later)(noop)
    for name, signal in BULK_SIGNALS.items():
        signalkit.receiver(
            signal, model, **(later if name.startswith("post") else now)
        )(noop)


def _tracked(model: type[Model]) -> bool:
    # Asked through the public API, on a bare instance: changes() raises ValueError for
    # an untracked model and never queries.
    instance = model.__new__(model)
    instance._state = ModelState()
    try:
        signalkit.changes(instance)
    except ValueError:
        return False
    return True


def _problems(model: type[Model]) -> list[str]:
    label = model._meta.label
    problems = []
    manager = model._default_manager
    if not issubclass(type(manager)._queryset_class, SignalQuerySetMixin) or not (
        isinstance(manager.get_queryset(), SignalQuerySetMixin)
    ):
        problems.append(
            f"{label}: default manager {type(manager).__qualname__} has no SignalQuerySet"
        )
    missing = missing_listeners(model, {**MODEL_SIGNALS, **BULK_SIGNALS})
    if missing:
        problems.append(f"{label}: no receiver for {', '.join(missing)}")
    if not _tracked(model):
        problems.append(f"{label}: not tracked")
    return problems


def _switch_on_new() -> None:
    for model in new_models(_done):
        try:
            _switch_on(model)
        except Exception as exc:  # a model signalkit refuses: reported, not fatal
            _setup_errors.append(f"{model._meta.label}: {type(exc).__name__}: {exc}")


class SignalkitOnConfig(AppConfig):
    name = "djsuite.child.signalkit_on"
    label = "djsuite_signalkit"
    verbose_name = "django-suite: signalkit on every model"

    def ready(self) -> None:
        _switch_on_new()

    def before_tests(self) -> dict[str, Any]:
        """Cover the models test modules defined at import, then check every model:
        SignalQuerySet default manager, receivers, tracking (problems of the setup); and
        hooks that change a method's signature (findings)."""
        _switch_on_new()
        models = every_model()
        package = Path(signalkit.__file__).resolve().parent
        problems = list(_setup_errors)
        mismatches: dict[tuple[str, str, str], list[str]] = {}
        for model in models:
            try:
                problems.extend(_problems(model))
                for mismatch in signatures.hook_mismatches(model, package):
                    mismatches.setdefault(mismatch, []).append(model._meta.label)
            except Exception as exc:
                problems.append(
                    f"{model._meta.label}: verification raised "
                    f"{type(exc).__name__}: {exc}"
                )
        findings = [
            f"{name}{hook} installed by signalkit replaces {replaced}, on "
            f"{len(labels)} model(s): {', '.join(labels[:5])}"
            f"{', ...' if len(labels) > 5 else ''}"
            for (name, hook, replaced), labels in mismatches.items()
        ]
        return {"models": len(models), "problems": problems, "findings": findings}
