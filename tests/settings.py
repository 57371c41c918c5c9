"""Settings for signalkit's test suite. SIGNALKIT_TEST_DB=postgres runs it on PostgreSQL."""

from __future__ import annotations

import os
import tempfile
from importlib.util import find_spec

SECRET_KEY = "signalkit-tests"
DEBUG = False
USE_TZ = True
ROOT_URLCONF = "tests.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    # signalkit is deliberately not first: its position must not matter.
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "tests.testapp",
    # Before signalkit: its ready() connects lazy senders before signalkit's ready() runs.
    "tests.lazyapp",
    "signalkit",
    "tests.pkgapp",
    "tests.plainapp",
    "tests.trackapp",
    "tests.bulkapp",
    "tests.taskapp",
    "django_tasks_db",
    # signalkit's panel (tests/contrib/test_debug_toolbar.py).
    "debug_toolbar",
]
# The toolbar loads only these panels: its own signals panel, and signalkit's beside it.
DEBUG_TOOLBAR_PANELS = [
    "debug_toolbar.panels.signals.SignalsPanel",
    "signalkit.contrib.debug_toolbar.SignalsPanel",
]
# The panel's template, from signalkit's templates directory.
TEMPLATES = [
    {"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}
]

# Background receivers: Django's own Tasks framework on 6.0+, the backport on 5.2.
if find_spec("django.tasks"):
    _TASKS = "django.tasks.backends"
else:  # pragma: no cover - Django 5.2
    _TASKS = "django_tasks.backends"
    INSTALLED_APPS.append("django_tasks")
TASKS = {
    "default": {"BACKEND": f"{_TASKS}.dummy.DummyBackend", "QUEUES": []},
    "immediate": {"BACKEND": f"{_TASKS}.immediate.ImmediateBackend"},
    "db": {"BACKEND": "django_tasks_db.DatabaseBackend"},
}
CELERY_BROKER_URL = os.environ.get("SIGNALKIT_TEST_BROKER", "redis://127.0.0.1:6379/15")
CELERY_TASK_ALWAYS_EAGER = False

_DB = os.environ.get("SIGNALKIT_TEST_DB", "sqlite")
if _DB == "postgres":
    _pg = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("PGDATABASE", "test"),
        "USER": os.environ.get("PGUSER", "postgres"),
        "PASSWORD": os.environ.get("PGPASSWORD", ""),
        "HOST": os.environ.get("PGHOST", "127.0.0.1"),
        "PORT": os.environ.get("PGPORT", "5432"),
    }
    DATABASES = {
        "default": _pg,
        # Named after the default database, so that runs with different PGDATABASE values
        # (parallel checkouts) never share a test database.
        "other": {**_pg, "TEST": {"NAME": f"test_{_pg['NAME']}_other"}},
    }
elif _DB == "sqlite":
    DATABASES = {
        # A file, not memory, so that worker processes started by the tests see the data;
        # a worker gets the file's name through SIGNALKIT_SQLITE_NAME.
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SIGNALKIT_SQLITE_NAME", ":memory:"),
            "TEST": {
                "NAME": os.path.join(
                    tempfile.gettempdir(), f"signalkit-test-{os.getpid()}.sqlite3"
                )
            },
        },
        "other": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
    }
else:
    raise RuntimeError(
        f"SIGNALKIT_TEST_DB must be 'sqlite' or 'postgres', not {_DB!r}."
    )

LOGGING_CONFIG = None
