"""Settings for ``runtests.py --settings djsuite.child.settings``.

Everything in the Django version's own ``tests/test_sqlite.py`` (which runtests.py's
directory makes importable), with the harness's test runner and, when
``$DJANGO_SUITE_DATABASE`` is ``postgres``, PostgreSQL databases: reached through
``$PGHOST`` (default ``127.0.0.1``), ``$PGPORT`` (5432), ``$PGUSER`` (``postgres``) and
``$PGPASSWORD``, and named after ``$PGDATABASE`` (default ``django_suite``):
``<name>_default`` and ``<name>_other``, so runs that set different ``PGDATABASE`` never
share a test database.
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured
from test_sqlite import *  # noqa: F403  (DATABASES, SECRET_KEY, DEFAULT_AUTO_FIELD, ...)

DATABASE = os.environ.get("DJANGO_SUITE_DATABASE", "sqlite")

if DATABASE == "postgres":
    _prefix = os.environ.get("PGDATABASE") or "django_suite"
    _server = {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": os.environ.get("PGHOST", "127.0.0.1"),
        "PORT": os.environ.get("PGPORT", "5432"),
        "USER": os.environ.get("PGUSER", "postgres"),
        "PASSWORD": os.environ.get("PGPASSWORD", ""),
    }
    DATABASES = {
        "default": {**_server, "NAME": f"{_prefix}_default"},
        "other": {**_server, "NAME": f"{_prefix}_other"},
    }
elif DATABASE != "sqlite":
    raise ImproperlyConfigured(
        f"DJANGO_SUITE_DATABASE is {DATABASE!r}; set it to 'sqlite' or 'postgres'."
    )

TEST_RUNNER = "djsuite.child.runner.RecordingRunner"
