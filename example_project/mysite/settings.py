"""Settings for the signalkit example site: SQLite, console e-mail, DEBUG on by default.

With no environment variables set, this is a development site for your own machine: DEBUG
on, a secret key published in this repository, and a middleware that answers local
requests only. To serve anyone else, set ``DJANGO_DEBUG=0``, ``DJANGO_SECRET_KEY`` (the
published key is refused) and ``DJANGO_ALLOWED_HOSTS=example.com,...``: DEBUG off turns on
HTTPS-only cookies, HSTS and the redirect to HTTPS, and e-mail goes through SMTP, so that
``manage.py check --deploy`` finds no issue. See ``mysite/environment.py``.

Also: ``EXAMPLE_DB_PATH=/tmp/example.sqlite3`` (the SQLite file; default
``example_project/db.sqlite3``) and ``EXAMPLE_TASKS=db`` (run ``task=True`` receivers in a
``db_worker`` process instead of in-process; see the README).
"""

from __future__ import annotations

import os
import sys
from importlib.util import find_spec
from pathlib import Path

import django
from django.core.exceptions import ImproperlyConfigured

from mysite import environment

BASE_DIR = Path(__file__).resolve().parent.parent  # example_project/

DEBUG = environment.debug(os.environ)
SECRET_KEY = environment.secret_key(os.environ, debug=DEBUG)
ALLOWED_HOSTS = environment.allowed_hosts(os.environ)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # signalkit imports the signals.py of every installed app from its AppConfig.ready():
    # no app below imports its own signals module.
    "signalkit",
    "events",
    "accounts",
    "shop",
]

MIDDLEWARE = [
    # First, so that nothing else runs for a request it refuses.
    "mysite.middleware.LocalOnlyWhileDebugMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A demo aid, active while DEBUG is on: after a POST, the page it redirects to shows
    # which receivers ran (mysite/whatran/). Last, so that it sees the view alone.
    "mysite.whatran.middleware.WhatRanMiddleware",
]

ROOT_URLCONF = "mysite.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mysite.whatran.context_processors.what_ran",
            ],
        },
    },
]

WSGI_APPLICATION = "mysite.wsgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("EXAMPLE_DB_PATH") or BASE_DIR / "db.sqlite3",
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]  # the site's CSS and favicon
# With DEBUG on, runserver serves the static files itself. With DEBUG off, run
# "manage.py collectstatic" and have the web server serve this directory at STATIC_URL.
STATIC_ROOT = BASE_DIR / "staticfiles"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# django-debug-toolbar, while DEBUG is on and it is installed (python -m pip install -e
# ".[debug-toolbar]"), with signalkit's "Signals sent" panel beside the toolbar's own
# signals panel: each signal a request sent, and what became of each receiver. It starts
# folded away (the "DJDT" tab on the right). After a POST that redirects, open its
# History panel and switch to the POST to see what the POST itself sent.
# Not under "manage.py test": Django's test runner turns DEBUG off, and the toolbar's
# URLs with it, while a test that turns DEBUG back on would meet its middleware.
_TESTING = sys.argv[1:2] == ["test"]
DEBUG_TOOLBAR = DEBUG and not _TESTING and find_spec("debug_toolbar") is not None
if DEBUG_TOOLBAR:
    INSTALLED_APPS.append("debug_toolbar")
    # Right after the middleware that refuses requests from other machines.
    MIDDLEWARE.insert(1, "debug_toolbar.middleware.DebugToolbarMiddleware")
    INTERNAL_IPS = ["127.0.0.1", "::1"]
    DEBUG_TOOLBAR_CONFIG = {"SHOW_COLLAPSED": True}
    DEBUG_TOOLBAR_PANELS = [
        "debug_toolbar.panels.history.HistoryPanel",
        "debug_toolbar.panels.versions.VersionsPanel",
        "debug_toolbar.panels.timer.TimerPanel",
        "debug_toolbar.panels.settings.SettingsPanel",
        "debug_toolbar.panels.headers.HeadersPanel",
        "debug_toolbar.panels.request.RequestPanel",
        "debug_toolbar.panels.sql.SQLPanel",
        "debug_toolbar.panels.staticfiles.StaticFilesPanel",
        "debug_toolbar.panels.templates.TemplatesPanel",
        "debug_toolbar.panels.cache.CachePanel",
        "debug_toolbar.panels.signals.SignalsPanel",
        "signalkit.contrib.debug_toolbar.SignalsPanel",
        "debug_toolbar.panels.tasks.TasksPanel",
    ]

# manage.py test with no labels runs the example's tests, from whatever directory.
TEST_RUNNER = "mysite.test_runner.ExampleTestRunner"

# Served to others (DEBUG off): HTTPS only. Behind a proxy that terminates TLS, also set
# SECURE_PROXY_SSL_HEADER, or the redirect to HTTPS never ends. HSTS starts at one hour, as
# Django's documentation advises; raise it once the site is known to work over HTTPS.
if not DEBUG:
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "profile"
LOGOUT_REDIRECT_URL = "home"

# Welcome e-mails are printed by runserver instead of being sent, in development; with
# DEBUG off they go to the SMTP server on localhost, port 25 (Django's default). Django 6.1
# replaced EMAIL_BACKEND with MAILERS (the old setting warns there).
if DEBUG:
    _EMAIL = "django.core.mail.backends.console.EmailBackend"
else:
    _EMAIL = "django.core.mail.backends.smtp.EmailBackend"
if django.VERSION >= (6, 1):
    MAILERS = {"default": {"BACKEND": _EMAIL}}
else:
    EMAIL_BACKEND = _EMAIL
DEFAULT_FROM_EMAIL = "shop@example.com"

# signalkit's settings, all optional; these are the defaults.
SIGNALKIT = {
    "AUTODISCOVER": True,
    "MODULES": ["signals"],
    "TASK_BACKEND": "default",  # the TASKS alias that task=True receivers are sent to
}

# Background receivers (task=True, the welcome e-mail) go through Django's Tasks
# framework: django.tasks on Django 6.0+, the django-tasks backport on Django 5.2
# (installed by pip install -e ".[tasks]").
if find_spec("django.tasks"):
    _TASKS = "django.tasks"
elif find_spec("django_tasks"):
    _TASKS = "django_tasks"
    INSTALLED_APPS.append("django_tasks")
else:
    raise ImproperlyConfigured(
        "The example runs task=True receivers through Django's Tasks framework, which "
        'Django 5.2 lacks: install the backport with python -m pip install -e ".[tasks]".'
    )

_EXAMPLE_TASKS = os.environ.get("EXAMPLE_TASKS", "immediate")
if _EXAMPLE_TASKS not in ("immediate", "db"):
    raise ImproperlyConfigured(
        f"EXAMPLE_TASKS must be 'immediate' (the default) or 'db', not {_EXAMPLE_TASKS!r}."
    )
if _EXAMPLE_TASKS == "db":
    # A real queue: tasks are rows in this database, committed together with the data
    # that caused them, and python example_project/manage.py db_worker runs them.
    if not find_spec("django_tasks_db"):
        raise ImproperlyConfigured(
            "EXAMPLE_TASKS=db needs django-tasks-db: python -m pip install django-tasks-db."
        )
    INSTALLED_APPS.append("django_tasks_db")
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
else:
    # Development default: each task runs right away, in the process that enqueued it
    # (runserver, a test), once the transaction that sent the signal has committed.
    TASKS = {"default": {"BACKEND": f"{_TASKS}.backends.immediate.ImmediateBackend"}}

# signalkit.W003 warns that task= receivers on ImmediateBackend run in-process, not in a
# worker. That is what this development setup wants (nothing else to start), so the
# warning is silenced here; a production site uses a backend with workers instead.
SILENCED_SYSTEM_CHECKS = ["signalkit.W003"]

# Show what signalkit logs (a robust receiver that raised, with its traceback) on the
# console, and also record those failures as events so the events page shows them. The
# same for a background receiver that raised in its task (logged by the Tasks framework:
# logger django.tasks, or django_tasks for the backport on Django 5.2).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "events": {"class": "events.log.EventHandler", "level": "ERROR"},
    },
    "loggers": {
        "signalkit": {
            "handlers": ["console", "events"],
            "level": "INFO",
            "propagate": False,
        },
        _TASKS: {
            "handlers": ["console", "events"],
            "level": "WARNING",
            "propagate": False,
        },
    },
}
