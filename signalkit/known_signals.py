"""The signals signalkit knows by name: Django's built-in ones and its own.

Which modules define them (``manage.py signals`` lists them, and names are looked up there
first), which of them Django and its test tools rely on (``mute()`` without arguments
spares them), and which are never sent by a model (``manage.py signals --sender`` leaves
their catch-all receivers out). Every list here is of dotted paths; :func:`loaded` turns
them into the signal objects.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from importlib import import_module
from types import ModuleType

from django.dispatch import Signal

#: Modules whose signals are always listed: importing them has no side effect.
ALWAYS_LISTED = (
    "django.db.models.signals",
    "django.core.signals",
    "django.db.backends.signals",
    "signalkit.signals",
)
#: Modules listed once something imported them: importing them would connect
#: ``setting_changed`` receivers of their own (and ``django.tasks`` is Django >= 6.0 only;
#: ``django_tasks`` is its backport, for 5.2).
LISTED_IF_IMPORTED = (
    "django.test.signals",
    "django.tasks.signals",
    "django_tasks.signals",
)
#: Listed when ``django.contrib.auth`` is installed.
AUTH = "django.contrib.auth.signals"

#: Every module above, in the order a signal's name is looked for (a signal bound in two
#: of them, as ``django.test.signals`` re-exports ``setting_changed``, is named after the
#: first).
MODULES = (*ALWAYS_LISTED, *LISTED_IF_IMPORTED, AUTH)

#: The signals Django and its test tools need: the test client, ``override_settings``,
#: migrations and the model registry send and rely on them.
INFRASTRUCTURE = (
    "django.core.signals.request_started",
    "django.core.signals.request_finished",
    "django.core.signals.got_request_exception",
    "django.core.signals.setting_changed",
    "django.db.backends.signals.connection_created",
    "django.db.models.signals.class_prepared",
    "django.db.models.signals.pre_migrate",
    "django.db.models.signals.post_migrate",
    "django.test.signals.template_rendered",
)

#: Signals whose sender is never a model class. ``class_prepared`` is sent by each model
#: class; every other signal, custom ones included, may be.
NEVER_FROM_MODELS = frozenset(INFRASTRUCTURE) - {
    "django.db.models.signals.class_prepared"
} | {
    "django.contrib.auth.signals.user_login_failed",
    "django.tasks.signals.task_enqueued",
    "django.tasks.signals.task_started",
    "django.tasks.signals.task_finished",
    "django_tasks.signals.task_enqueued",
    "django_tasks.signals.task_started",
    "django_tasks.signals.task_finished",
}


def module(name: str) -> ModuleType | None:
    """The module ``name`` of :data:`MODULES` if it may be read now: imported for one of
    :data:`ALWAYS_LISTED`, only if already imported for the others."""
    found = sys.modules.get(name)
    if found is None and name in ALWAYS_LISTED:
        found = import_module(name)
    return found


def loaded(paths: Iterable[str]) -> tuple[Signal, ...]:
    """The signals at ``paths`` whose module :func:`module` may read; the others are left
    out (nothing can have sent them)."""
    found = []
    for path in paths:
        module_name, _, attr = path.rpartition(".")
        owner = module(module_name)
        signal = None if owner is None else getattr(owner, attr, None)
        if isinstance(signal, Signal):
            found.append(signal)
    return tuple(found)
