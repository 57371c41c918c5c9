"""The signals signalkit knows by name (``signalkit.known_signals``)."""

from __future__ import annotations

import sys
from importlib import import_module
from types import ModuleType

from django.core.signals import setting_changed
from django.db.models.signals import class_prepared, post_save
from django.dispatch import Signal

from signalkit import known_signals


def _module_of(path: str) -> ModuleType | None:
    try:
        return import_module(path.rpartition(".")[0])
    except ImportError:  # django.tasks before 6.0, or the backport on 6.0+
        return None


def test_every_path_names_a_signal_where_its_module_exists() -> None:
    paths = set(known_signals.INFRASTRUCTURE) | known_signals.NEVER_FROM_MODELS
    checked = 0
    for path in sorted(paths):
        module = _module_of(path)
        if module is None:
            continue
        assert isinstance(getattr(module, path.rpartition(".")[2]), Signal), path
        checked += 1
    assert checked >= len(known_signals.INFRASTRUCTURE)


def test_class_prepared_is_infrastructure_but_sent_by_models() -> None:
    path = "django.db.models.signals.class_prepared"
    assert path in known_signals.INFRASTRUCTURE
    assert path not in known_signals.NEVER_FROM_MODELS
    assert "django.core.signals.setting_changed" in known_signals.NEVER_FROM_MODELS


def test_loaded_imports_only_the_modules_always_listed() -> None:
    found = known_signals.loaded(
        [
            "django.core.signals.setting_changed",
            "django.db.models.signals.class_prepared",
            "tests.no_such_module.some_signal",
            "django.db.models.signals.no_such_signal",
        ]
    )
    assert found == (setting_changed, class_prepared)
    assert "tests.no_such_module" not in sys.modules


def test_a_signal_bound_in_two_modules_is_named_after_the_first() -> None:
    # django.test.signals re-exports setting_changed: it is core's.
    modules = known_signals.MODULES
    assert modules.index("django.core.signals") < modules.index("django.test.signals")
    assert known_signals.module("django.db.models.signals").post_save is post_save  # type: ignore[union-attr]
