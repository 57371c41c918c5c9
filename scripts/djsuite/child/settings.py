"""Settings for ``runtests.py --settings djsuite.child.settings``.

``$DJANGO_SUITE_DATABASE`` picks the databases: ``sqlite`` (in memory, as Django's own
``test_sqlite.py``) or ``postgres``. PostgreSQL is reached through ``$PGHOST`` (default
``127.0.0.1``), ``$PGPORT`` (5432), ``$PGUSER`` (``postgres``) and ``$PGPASSWORD``; the two
databases are named after ``$PGDATABASE`` (default ``django_suite``): ``<name>_default`` and
``<name>_other``, so runs that set different ``PGDATABASE`` never share a test database.
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

DATABASE = os.environ.get("DJANGO_SUITE_DATABASE", "sqlite")

if DATABASE == "sqlite":
    DATABASES = {
        "default": {"ENGINE": "django.db.backends.sqlite3"},
        "other": {"ENGINE": "django.db.backends.sqlite3"},
    }
elif DATABASE == "postgres":
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
else:
    raise ImproperlyConfigured(
        f"DJANGO_SUITE_DATABASE is {DATABASE!r}; set it to 'sqlite' or 'postgres'."
    )

SECRET_KEY = "django_tests_secret_key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
USE_TZ = False
TEST_RUNNER = "djsuite.child.runner.RecordingRunner"
