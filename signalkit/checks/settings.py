"""``signalkit.E002``: the ``SIGNALKIT`` setting."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core import checks

from signalkit import conf


def check_settings(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """``signalkit.E002``: an unknown key or a value of the wrong type in ``SIGNALKIT``."""
    return [
        checks.Error(message, hint=hint, id="signalkit.E002", obj="settings.SIGNALKIT")
        for _key, message, hint in conf.problems()
    ]
