"""The Django app configuration: checks, observers and autodiscovery at startup."""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec

from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


class SignalkitConfig(AppConfig):
    """Registers signalkit's system checks and imports every app's signal modules."""

    name = "signalkit"
    verbose_name = "signalkit"

    def ready(self) -> None:
        _require_own_package(self.module)
        # Imported only once the package is known to be django-signalkit's.
        from signalkit import checks, conf, discovery, observers, subscriptions
        from signalkit.options import TRANSPORTS

        checks.register()
        # The slow-receiver warning and OpenTelemetry, if the settings turn them on.
        observers.configure()
        subscriptions.all_models_loaded()
        for requirement, module in TRANSPORTS.values():
            if find_spec(requirement) is not None:
                # Registers the task the transport's workers run (for Celery, a shared
                # task, with every Celery app of the project).
                import_module(module)
        if conf.get("AUTODISCOVER") is not False:
            discovery.autodiscover()


def _require_own_package(module: object) -> None:
    """Fail loudly when ``signalkit/__init__.py`` is another project's.

    PyPI has an unrelated distribution called ``signalkit`` whose top-level package has
    the same name. Installed beside django-signalkit, its ``__init__.py`` replaces ours
    while this module survives: without this test, no receiver would ever run and
    ``manage.py check`` would say nothing.
    """
    if hasattr(module, "autodiscover") and hasattr(module, "on_post_save"):
        return
    where = getattr(module, "__file__", None) or "an unknown location"
    raise ImproperlyConfigured(
        f"INSTALLED_APPS names 'signalkit', but the 'signalkit' package imported from "
        f"{where} is not django-signalkit's: another distribution called 'signalkit' "
        f"(an unrelated project on PyPI) has installed its own files over it. Run "
        f"'python -m pip uninstall signalkit django-signalkit', then "
        f"'python -m pip install django-signalkit' (the distribution is "
        f"django-signalkit; the import name is signalkit)."
    )
