"""Django's Tasks framework: ``django.tasks`` on Django 6.0+, the ``django-tasks`` backport on 5.2.

Imported only when first used: importing the framework loads its backends' machinery and
connects a ``setting_changed`` receiver, which a project without ``task=`` receivers
should not pay for.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from importlib import import_module
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import router

__all__ = [
    "backend",
    "backend_class_path",
    "database",
    "is_database_backend",
    "require",
    "task",
]


_framework: Any = None


def require() -> Any:
    """The Tasks framework's module; a clear error when none is importable."""
    global _framework
    if _framework is not None:
        return _framework
    for name in ("django.tasks", "django_tasks"):
        try:
            _framework = import_module(name)
        except ImportError:
            continue
        return _framework
    raise ImproperlyConfigured(  # pragma: no cover - Django 5.2 without the backport
        "task= receivers run through Django's Tasks framework, which Django 5.2 does "
        "not include: pip install 'django-signalkit[tasks]' (the django-tasks "
        "backport), or use task='celery'."
    )


def backend(alias: str) -> Any:
    """The configured ``TASKS`` backend called ``alias``."""
    return require().task_backends[alias]


def task(**options: Any) -> Callable[[Callable[..., Any]], Any]:
    """The framework's ``@task(**options)`` decorator."""
    decorator: Callable[[Callable[..., Any]], Any] = require().task(**options)
    return decorator


def backend_class_path(alias: str) -> str:
    """The dotted path of the backend class behind ``alias``."""
    found = backend(alias)
    return f"{type(found).__module__}.{type(found).__qualname__}"


@functools.cache
def is_database_backend(alias: str) -> bool:
    """True when ``alias`` is ``django-tasks-db``'s ``DatabaseBackend``, whose tasks are
    rows of a table.

    Asked for every event: the answer is kept until ``TASKS`` changes, as Django keeps
    its backends.
    """
    # Connected on the first miss, not at import (which must connect no receiver).
    setting_changed.connect(_tasks_changed, dispatch_uid="signalkit.tasks_compat")
    return type(backend(alias)).__module__.startswith("django_tasks_db")


def _tasks_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "TASKS":
        is_database_backend.cache_clear()


def database(alias: str) -> str | None:
    """The database ``alias`` stores its tasks in, or ``None`` for a backend without one."""
    if not is_database_backend(alias):
        return None
    from django_tasks_db.models import DBTaskResult

    return router.db_for_write(DBTaskResult)
