"""Autodiscovery: import every installed app's signal modules."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator, Sequence
from importlib import import_module
from types import ModuleType

from django.apps import AppConfig, apps
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import module_has_submodule

from signalkit import conf

logger = logging.getLogger("signalkit")

#: The package of signalkit's own app, which autodiscovery skips.
_OWN_APP = __name__.rpartition(".")[0]


def autodiscover(modules: Sequence[str] | None = None) -> list[str]:
    """Import, for every installed app, each submodule named in ``modules``.

    ``modules`` defaults to ``SIGNALKIT["MODULES"]`` (``["signals"]``). Apps are visited in
    ``INSTALLED_APPS`` order; a missing module is skipped without raising, while a module
    that exists but fails to import re-raises its exception with the app label and module
    name added. Calling it again is harmless: an imported module is not imported twice,
    and receivers are never connected twice.

    Each name is a module name relative to the app (``"signals"``,
    ``"signals.handlers"``): anything else raises ``ValueError`` (``TypeError`` if
    ``modules`` is not a list or tuple of strings), and a bad ``SIGNALKIT["MODULES"]``
    raises ``ImproperlyConfigured``, rather than quietly finding nothing.

    signalkit's own app is skipped. Return the dotted paths of the modules found, in
    import order.
    """
    if modules is None:
        names = conf.get("MODULES")
        problem = conf.problem("MODULES", names)
        if problem is not None:
            raise ImproperlyConfigured(problem)
    else:
        names = modules
        _check_modules_argument(names)
    found = []
    for app_config, name, dotted in _candidates(names):
        if dotted not in sys.modules:
            if not module_has_submodule(app_config.module, name):
                continue
            _import(dotted, app_config.label, name)
            logger.debug("signalkit imported %s (app %r)", dotted, app_config.label)
        found.append(dotted)
    return found


def discovered_modules() -> list[ModuleType]:
    """The modules autodiscovery imported, and their imported submodules.

    Read from ``sys.modules``: nothing is imported here. A bad ``SIGNALKIT["MODULES"]``
    (reported by check ``signalkit.E002``) counts as the default.
    """
    names = conf.get("MODULES")
    if conf.problem("MODULES", names) is not None:
        names = conf.DEFAULTS["MODULES"]
    loaded = dict(sys.modules)
    found = []
    for _app_config, _name, dotted in _candidates(names):
        module = loaded.get(dotted)
        if module is None:
            continue
        found.append(module)
        prefix = f"{dotted}."
        found.extend(
            sub
            for sub_name, sub in sorted(loaded.items())
            if sub_name.startswith(prefix) and sub is not None
        )
    return found


def _candidates(names: Sequence[str]) -> Iterator[tuple[AppConfig, str, str]]:
    """``(app config, module name, dotted path)`` of every module autodiscovery looks
    for: each name for each installed app, in ``INSTALLED_APPS`` order.

    signalkit's own app is left out: its modules are its machinery, not a project's
    receivers (``MODULES = ["signals", "receivers"]`` would otherwise import
    ``signalkit.receivers``, the decorators' module), and its signals are listed by
    ``manage.py signals`` anyway."""
    for app_config in apps.get_app_configs():
        if app_config.name == _OWN_APP:
            continue
        for name in names:
            yield app_config, name, f"{app_config.name}.{name}"


def _check_modules_argument(names: object) -> None:
    if not isinstance(names, (list, tuple)) or not all(
        isinstance(n, str) for n in names
    ):
        raise TypeError(
            f"autodiscover(modules=...) takes a list or tuple of module names, "
            f"not {names!r}; for example modules=['signals', 'receivers']."
        )
    for name in names:
        problem = conf.module_name_problem(name)
        if problem is not None:
            raise ValueError(f"autodiscover(modules=...): {problem}")


def _import(dotted: str, label: str, name: str) -> None:
    try:
        import_module(dotted)
    except Exception as exc:
        message = (
            f"signalkit: importing {dotted!r} (the {name!r} module of app {label!r}) failed. "
            f"Autodiscovery imports the modules named in SIGNALKIT['MODULES'] of every "
            f"installed app; fix the error above in that module."
        )
        if sys.version_info >= (3, 11):
            exc.add_note(message)
            raise
        raise _same_kind(exc, message) from exc  # pragma: no cover


def _same_kind(
    exc: Exception, message: str
) -> Exception:  # pragma: no cover - Python 3.10
    # No add_note() before 3.11: raise the same type of exception (so that `except
    # ImportError` and the like still catch it) with the app and module in its message.
    try:
        again = type(exc)(f"{exc}\n{message}")
    except Exception:
        return ImportError(f"{message} ({type(exc).__name__}: {exc})")
    if isinstance(exc, ImportError) and isinstance(again, ImportError):
        again.name, again.path = exc.name, exc.path
    return again
