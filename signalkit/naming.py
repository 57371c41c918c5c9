"""Readable names for signals, receivers and senders, and where a receiver is defined:
for messages and introspection."""

from __future__ import annotations

import functools
import inspect
import os
import sys
import weakref
from types import FrameType, FunctionType, MethodType
from typing import Any

from django.db.models import Model

from signalkit import known_signals

_misses: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()
_names: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()


def callable_path(func: Any) -> str:
    """``module.qualname`` of a function, method or callable object."""
    if isinstance(func, MethodType):
        func = func.__func__
    qualname = getattr(func, "__qualname__", None) or type(func).__qualname__
    return f"{module_of(func)}.{qualname}"


def module_of(func: Any) -> str:
    """The name of the module that defines a function, method or callable object."""
    if isinstance(func, MethodType):
        func = func.__func__
    return str(getattr(func, "__module__", None) or type(func).__module__)


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
    candidates = ((origin,) if origin else ()) + known_signals.MODULES
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
    return sender_parts(sender)[0]


def sender_parts(sender: object) -> tuple[str | None, str | None, str | None]:
    """:func:`sender_label`, and for a model its app label and lower-case model name."""
    if sender is None:
        return None, None, None
    if isinstance(sender, type) and issubclass(sender, Model):
        meta = sender._meta
        return meta.label, meta.app_label, meta.model_name
    return repr(sender), None, None


# Where a receiver is defined ----------------------------------------------------------


def definition(func: Any) -> Any:
    """The function, method or class whose source defines ``func``.

    Looks through ``functools.partial``, bound methods and decorators that set
    ``__wrapped__``; a callable object is defined by its class's ``__call__``.
    """
    for _ in range(100):  # a bound on chains that loop back on themselves
        if isinstance(func, functools.partial):
            func = func.func
        elif isinstance(func, MethodType):
            func = func.__func__
        elif hasattr(func, "__wrapped__") and not isinstance(func, type):
            func = func.__wrapped__
        else:
            break
    if not (inspect.isroutine(func) or isinstance(func, type)) and callable(func):
        func = type(func).__call__
    return func


def source_location(func: Any) -> tuple[str | None, int | None]:
    """The file (relative to the working directory when under it) and ``def`` line."""
    target = definition(func)
    try:
        file = inspect.getsourcefile(target) or inspect.getfile(target)
    except (TypeError, OSError):  # builtins and C functions have no file
        return None, None
    try:
        lines, start = inspect.getsourcelines(target)
    except (OSError, TypeError):
        code = getattr(target, "__code__", None)
        return _display_path(file), code.co_firstlineno if code is not None else None
    # getsourcelines() starts at the first decorator; the def comes after them.
    for offset, text in enumerate(lines):
        if text.lstrip().startswith(("def ", "async def ", "class ")):
            return _display_path(file), start + offset
    return _display_path(file), start


def sent_from(skipped: tuple[str, ...]) -> tuple[str | None, int | None]:
    """The file and line of the innermost caller of the current function whose module
    does not start with one of ``skipped`` (module names, or prefixes ending in a dot):
    where a send was made from, once Django's and signalkit's own frames are left out."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if not (module in skipped or module.startswith(skipped)):
            return _shown_file(frame.f_code.co_filename), frame.f_lineno
        frame = frame.f_back
    return None, None


def _display_path(file: str) -> str:
    # The project's own files relative to the working directory; installed packages
    # relative to their sys.path entry (django/contrib/auth/models.py), the same on every
    # machine and in every virtualenv.
    if file.startswith("<"):  # "<string>" and the like: code with no file
        return file
    absolute = os.path.abspath(file)
    installed = _under_installed(absolute)
    if installed is not None:
        return installed
    try:
        relative = os.path.relpath(absolute)
    except ValueError:  # pragma: no cover - another drive, on Windows
        return absolute
    return absolute if relative.startswith(os.pardir) else relative


# The same few files send most signals: each is worked out once.
_shown_file = functools.lru_cache(maxsize=1024)(_display_path)


def _under_installed(absolute: str) -> str | None:
    in_project = absolute.startswith(os.getcwd() + os.sep)
    entries = sorted((os.path.abspath(p) for p in sys.path if p), key=len, reverse=True)
    for entry in entries:
        site = os.path.basename(entry) in ("site-packages", "dist-packages")
        if absolute.startswith(entry + os.sep) and (site or not in_project):
            return os.path.relpath(absolute, entry)
    return None
