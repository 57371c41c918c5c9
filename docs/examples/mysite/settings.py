"""Settings of the project the documentation's examples run in."""

from pathlib import Path

import django

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = "django-insecure-the-docs-examples-only"
DEBUG = True
ALLOWED_HOSTS = []

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "signalkit",
    "accounts",
    "blog",
    "library",
    "shop",
]

ROOT_URLCONF = "mysite.urls"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": BASE_DIR / "db.sqlite3",
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# E-mails are kept in django.core.mail.outbox, where the examples can look at them.
# (Django 6.1 configures e-mail with MAILERS; earlier versions with EMAIL_BACKEND.)
if django.VERSION >= (6, 1):
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
else:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEFAULT_FROM_EMAIL = "shop@example.com"

MEDIA_ROOT = BASE_DIR / "media"

USE_TZ = True
TIME_ZONE = "UTC"
