"""Django's Tasks framework as signalkit reaches it (``signalkit.tasks_compat``)."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from signalkit import tasks_compat


def test_require_returns_the_framework() -> None:
    framework = tasks_compat.require()
    assert framework.__name__ in ("django.tasks", "django_tasks")
    assert tasks_compat.backend("default") is framework.task_backends["default"]


def test_backend_class_path_is_the_configured_class() -> None:
    for alias, config in settings.TASKS.items():
        path = tasks_compat.backend_class_path(alias)
        assert import_string(path) is import_string(config["BACKEND"])


def test_only_django_tasks_db_stores_tasks_in_a_database() -> None:
    assert tasks_compat.is_database_backend("db")
    assert tasks_compat.database("db") == "default"
    for alias in ("default", "immediate"):
        assert not tasks_compat.is_database_backend(alias)
        assert tasks_compat.database(alias) is None


def test_the_kept_answer_follows_a_change_of_tasks() -> None:
    from django.test import override_settings

    assert tasks_compat.is_database_backend("db")
    assert not tasks_compat.is_database_backend("default")
    swapped = {
        **settings.TASKS,
        "db": {"BACKEND": tasks_compat.backend_class_path("default")},
    }
    with override_settings(TASKS=swapped):
        assert not tasks_compat.is_database_backend("db")
        assert tasks_compat.database("db") is None
    assert tasks_compat.is_database_backend("db")
