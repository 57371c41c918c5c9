"""Check that every method signalkit installs on a model class keeps the signature of the
method it replaces (API.md section 4: "hooks keep Django's signatures").

A hook is any function found in a model class's ``__dict__`` whose code lives in the
signalkit package. The method it replaces is the one its ``__wrapped__`` names (as
``functools.wraps`` sets it), else the next definition of that name along the MRO that is
not a hook: Django's (a model's own override the hook took the place of cannot be seen
then). The hook passes if ``inspect.signature()`` of it (following ``__wrapped__``, as
Django's own introspection does) equals the replaced method's, and its real signature is
either the same or a plain pass-through (``(self, *args, **kwargs)``). Annotations, and
``self``/``cls``, are left out of the comparison.

Django's suites call most hooks one way only (by keyword, say): this catches the other
ways (positional ``from_queryset``, ``from_db(db, field_names=..., values=...)``) and
introspection-driven paths (Django inspects ``from_db`` to decide on a deprecation
warning) on every model at once.
"""

from __future__ import annotations

import functools
import inspect
from pathlib import Path
from typing import Any

from django.db.models import Model


def _function(attribute: Any) -> Any:
    if isinstance(attribute, (classmethod, staticmethod)):
        attribute = attribute.__func__
    return attribute if inspect.isfunction(attribute) else None


@functools.cache
def _file_in(filename: str, package: Path) -> bool:
    return Path(filename).resolve().is_relative_to(package)


def _in_package(func: Any, package: Path) -> bool:
    code = getattr(func, "__code__", None)
    return code is not None and _file_in(code.co_filename, package)


def _signature(func: Any, follow_wrapped: bool = True) -> inspect.Signature:
    # Without annotations (a typed hook with Django's parameters has Django's signature)
    # and without self/cls (a hook may wrap a bound method).
    parameters = list(
        inspect.signature(func, follow_wrapped=follow_wrapped).parameters.values()
    )
    if (
        parameters
        and parameters[0].name in ("self", "cls")
        and parameters[0].kind
        in (
            inspect.Parameter.POSITIONAL_ONLY,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
        )
    ):
        parameters = parameters[1:]
    return inspect.Signature([p.replace(annotation=p.empty) for p in parameters])


def _passthrough(signature: inspect.Signature) -> bool:
    kinds = [p.kind for p in signature.parameters.values()]
    return kinds == [inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD]


def _wrapped(hook: Any, package: Path) -> Any:
    """The first function outside signalkit along ``hook``'s ``__wrapped__`` chain."""
    func = hook
    while _in_package(func, package) and hasattr(func, "__wrapped__"):
        func = func.__wrapped__
        func = getattr(func, "__func__", func)  # a bound method
    return None if _in_package(func, package) else func


def hook_mismatches(model: type[Model], package: Path) -> list[tuple[str, str, str]]:
    """``(method name, hook's signature, replaced method's signature)`` for each hook of
    ``model`` that does not keep the signature of what it replaces."""
    classes = [k for k in model.__mro__ if isinstance(k, type) and issubclass(k, Model)]
    names = {
        name
        for k in classes
        for name, attribute in vars(k).items()
        if (func := _function(attribute)) is not None and _in_package(func, package)
    }
    found = []
    for name in sorted(names):
        definitions = [
            func for k in classes if (func := _function(vars(k).get(name))) is not None
        ]
        hook = definitions[0]
        if not _in_package(hook, package):
            continue  # the model overrides the hook itself: its own business
        replaced = _wrapped(hook, package) or next(
            (f for f in definitions if not _in_package(f, package)), None
        )
        if replaced is None:
            continue
        wanted = _signature(replaced)
        seen = _signature(hook)
        real = _signature(hook, follow_wrapped=False)
        if seen != wanted or (real != wanted and not _passthrough(real)):
            shown = str(real) if seen == wanted else str(seen)
            where = replaced.__qualname__
            found.append((name, shown, f"{where}{wanted}"))
    return found
