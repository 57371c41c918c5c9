"""Readable names for signals, receivers and senders, for messages and introspection."""

from __future__ import annotations

import sys
import weakref
from types import FunctionType, MethodType
from typing import Any

from django.db.models import Model

# Modules whose signals are named without searching all of sys.modules.
_SIGNAL_MODULES = (
    "django.db.models.signals",
    "django.core.signals",
    "django.db.backends.signals",
    "django.test.signals",
    "django.contrib.auth.signals",
    "signalkit.signals",
)
_misses: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()
_names: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()


def callable_path(func: Any) -> str:
    """``module.qualname`` of a function, method or callable object."""
    if isinstance(func, MethodType):
        func = func.__func__
    module = getattr(func, "__module__", None) or type(func).__module__
    qualname = getattr(func, "__qualname__", None) or type(func).__qualname__
    return f"{module}.{qualname}"


def is_module_level(func: Any) -> bool:
    """True for a plain function defined at the top of a module (not a closure or lambda)."""
    # Every lambda of a module shares the path "module.<lambda>", so a path cannot tell
    # two of them apart.
    qualname = getattr(func, "__qualname__", "")
    return (
        isinstance(func, FunctionType)
        and "<locals>" not in qualname
        and "<lambda>" not in qualname
    )


def _find_in(module_name: str, obj: object) -> str | None:
    module = sys.modules.get(module_name)
    for attr, value in vars(module).items() if module else ():
        if value is obj:
            return f"{module_name}.{attr}"
    return None


def signal_path(signal: object) -> str:
    """The dotted path a signal is importable by, e.g. ``django.db.models.signals.post_save``.

    Falls back to the signal's ``repr`` for a signal bound to no module attribute.
    """
    return _find_path(signal) or repr(signal)


def signal_name(signal: object) -> str:
    """The short name of a signal (``post_save``) for messages.

    A signal bound to no module attribute (created in a function, or kept in a class or
    a dict) has no name: it is shown by its whole ``repr``.
    """
    path = _find_path(signal)
    return repr(signal) if path is None else path.rpartition(".")[2]


def _find_path(signal: object) -> str | None:
    known = _names.get(signal)
    if known is not None:
        return known
    origin = getattr(signal, "defined_in", None)
    candidates = ((origin,) if origin else ()) + _SIGNAL_MODULES
    for module_name in candidates:
        found = _find_in(module_name, signal)
        if found:
            _names[signal] = found
            return found
    # Scanning every module is slow: after a miss, scan again only once more modules load.
    if _misses.get(signal) == len(sys.modules):
        return None
    for module_name in list(sys.modules):
        found = _find_in(module_name, signal)
        if found:
            _names[signal] = found
            return found
    _misses[signal] = len(sys.modules)
    return None


def sender_label(sender: object) -> str | None:
    """``"app_label.ModelName"`` for a model, ``None`` for any sender, else the ``repr``."""
    if sender is None:
        return None
    if isinstance(sender, type) and issubclass(sender, Model):
        return f"{sender._meta.app_label}.{sender.__name__}"
    return repr(sender)
