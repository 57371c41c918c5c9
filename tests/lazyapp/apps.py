from __future__ import annotations

from django.apps import AppConfig


class LazyappConfig(AppConfig):
    name = "tests.lazyapp"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tests.lazyapp import wiring

        for label in wiring.LABELS:
            wiring.connect("ready", label)
