"""Which code is the project's own: the apps in ``example_project/``."""

from __future__ import annotations

import functools
import inspect
from pathlib import Path
from typing import Any

from django.apps import AppConfig, apps
from django.conf import settings


def app_configs() -> list[AppConfig]:
    """The installed apps whose package is in ``example_project/`` (not Django's, nor
    signalkit's), in ``INSTALLED_APPS`` order."""
    return [config for config in apps.get_app_configs() if _is_here(config)]


def is_project_code(func: Any) -> bool:
    """Whether ``func`` is defined in one of :func:`app_configs`' packages (so not in
    Django, signalkit, or this panel's own ``mysite`` package)."""
    module = getattr(inspect.unwrap(func), "__module__", None)
    return isinstance(module, str) and _in_project_app(module)


@functools.cache
def _in_project_app(module: str) -> bool:
    config = apps.get_containing_app_config(module)
    return config is not None and _is_here(config)


def _is_here(config: AppConfig) -> bool:
    return Path(config.path).resolve().is_relative_to(Path(settings.BASE_DIR).resolve())
