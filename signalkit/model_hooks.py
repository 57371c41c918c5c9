"""The hooks on tracked model classes that take and move their baselines.

A tracked model class, and only it (never ``Model``), gets hooks on ``from_db`` (every
loaded row, read from the row's values without a ``post_init`` dispatch),
``refresh_from_db`` (the refreshed fields) and ``save_base`` (the fields a save writes;
inside it, ``changes()`` reports that save). Each hook keeps the signature of the method it
replaces (``functools.wraps``: ``inspect.signature`` and Django's own checks, such as
6.1's warning about a ``from_db()`` without ``fetch_mode``, see the original's) and calls
through it with the arguments it was given. When a model overrides the method itself, the
hook wraps that override. Django's signatures were checked on 5.2, 6.0 and 6.1: they are
the same, except ``from_db``'s ``fetch_mode``, new in 6.1.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from django.db.models import Model

from signalkit import _django, baseline
from signalkit.baseline import FIELDS

_HOOKED = "_signalkit_hooks"  # in a class __dict__ once its hooks are in place
_HOOK = "_signalkit_hook"  # marks signalkit's hook functions
_FROM_DB_TAKES_FETCH_MODE = (
    "fetch_mode" in inspect.signature(Model.from_db).parameters  # Django 6.1+
)


def is_installed(cls: type[Model]) -> bool:
    """True once :func:`install` ran for ``cls`` itself."""
    return _HOOKED in cls.__dict__


def install(cls: type[Model]) -> None:
    """Put the hooks on ``cls``, where it does not already have them (its own or a
    tracked parent's), and watch its tracked fields' peer fetches."""
    if _HOOKED not in cls.__dict__:
        setattr(cls, _HOOKED, True)
        from_db = cls.from_db.__func__  # type: ignore[attr-defined]
        if not getattr(from_db, _HOOK, False):
            cls.from_db = classmethod(_from_db_hook(from_db))  # type: ignore[assignment]
        if not getattr(cls.refresh_from_db, _HOOK, False):
            cls.refresh_from_db = _refresh_hook(cls.refresh_from_db)  # type: ignore[method-assign]
        if not getattr(cls.save_base, _HOOK, False):
            cls.save_base = _save_base_hook(cls.save_base)  # type: ignore[method-assign]
    _watch_peer_fetches(cls)


def _mark(hook: Callable[..., Any], original: Callable[..., Any]) -> Callable[..., Any]:
    # __wrapped__ makes inspect.signature() report the original's signature; the
    # original's attributes (alters_data) come along.
    functools.update_wrapper(hook, original)
    setattr(hook, _HOOK, True)
    return hook


def _materialised(names: Any) -> Any:
    # Django iterates fields= and update_fields= more than once; a one-shot iterable (a
    # generator) would be empty the second time, here or in Django.
    if names is None or isinstance(names, (list, tuple, set, frozenset)):
        return names
    return list(names)


class _Argument:
    """Where a call to a model's own override of a Django method passes one of Django's
    parameters: by the override's own parameter, or, through its ``*args``/``**kwargs``,
    where Django's method takes it."""

    def __init__(self, override: Any, django_method: Any, name: str) -> None:
        self.name = name
        self.index: int | None = None
        self.passed = True
        params = list(inspect.signature(override).parameters.values())[1:]
        names = [p.name for p in params]
        kinds = {p.kind for p in params}
        positional = (
            inspect.Parameter.POSITIONAL_ONLY,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
        )
        if name in names:
            if params[names.index(name)].kind in positional:
                self.index = names.index(name)
        elif inspect.Parameter.VAR_POSITIONAL in kinds:
            django_names = list(inspect.signature(django_method).parameters)[1:]
            self.index = django_names.index(name)
        elif inspect.Parameter.VAR_KEYWORD not in kinds:
            self.passed = False  # the override has no way to take it

    def get(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if not self.passed:
            return None
        if self.index is not None and self.index < len(args):
            return args[self.index]
        return kwargs.get(self.name)

    def replace(
        self, args: tuple[Any, ...], kwargs: dict[str, Any], value: Any
    ) -> tuple[Any, ...]:
        """Put ``value`` where the call passed the argument (nowhere if it did not)."""
        if self.index is not None and self.index < len(args):
            return (*args[: self.index], value, *args[self.index + 1 :])
        if self.name in kwargs:
            kwargs[self.name] = value
        return args


def _from_db_hook(original: Callable[..., Any]) -> Callable[..., Any]:
    if original is not Model.from_db.__func__:  # type: ignore[attr-defined]
        # A model's own from_db() may build the instance from other values than it was
        # given: the baseline is what the instance it returns holds.
        def from_db_override(cls: type[Model], *args: Any, **kwargs: Any) -> Any:
            instance = original(cls, *args, **kwargs)
            baseline.take(instance, getattr(cls, FIELDS))
            return instance

        return _mark(from_db_override, original)

    plans = baseline.plans()
    row_snapshot = baseline.row_snapshot

    # The baseline is read from the row's values, already converted to Python. For a
    # full row of plain values (the common case), the hook writes it itself: this runs
    # for every row loaded.
    def snapshot(cls: type[Model], instance: Any, field_names: Any, values: Any) -> Any:
        layout = plans.get(cls) or baseline.plan(cls)
        # The attribute named by baseline.SNAPSHOT, stored directly: setattr() with the
        # name would cost a call for every row loaded.
        instance._state.signalkit_snapshot = row_snapshot(layout, field_names, values)
        return instance

    takes_fetch_mode = _FROM_DB_TAKES_FETCH_MODE

    # Django 6.1's signature; before 6.1, the one below calls it.
    def from_db(
        cls: type[Model],
        db: str | None,
        field_names: Any,
        values: Any,
        *,
        fetch_mode: Any = None,
    ) -> Any:
        if takes_fetch_mode:
            instance = original(cls, db, field_names, values, fetch_mode=fetch_mode)
        else:
            instance = original(cls, db, field_names, values)
        layout = plans.get(cls)
        if layout is not None and len(values) == layout.full:
            picked = layout.pick(values)
            instance._state.signalkit_snapshot = (
                (layout.layout, picked) if layout.single else (layout.layout, *picked)
            )
            return instance
        return snapshot(cls, instance, field_names, values)

    if not takes_fetch_mode:  # Django 5.2 and 6.0: exactly their signature

        def from_db_before_61(
            cls: type[Model], db: str | None, field_names: Any, values: Any
        ) -> Any:
            return from_db(cls, db, field_names, values)

        return _mark(from_db_before_61, original)

    return _mark(from_db, original)


def _refreshed(instance: Model, fields: Any) -> None:
    layout = baseline.plan(type(instance))
    baseline.take(
        instance, layout.fields if fields is None else layout.attnames(fields)
    )


def _refresh_hook(original: Callable[..., Any]) -> Callable[..., Any]:
    if original is Model.refresh_from_db:

        def refresh_from_db(
            self: Model,
            using: str | None = None,
            fields: Any = None,
            from_queryset: Any = None,
        ) -> None:
            fields = _materialised(fields)
            original(self, using, fields, from_queryset)
            _refreshed(self, fields)

        return _mark(refresh_from_db, original)

    argument = _Argument(original, Model.refresh_from_db, "fields")

    def refresh_from_db_override(self: Model, *args: Any, **kwargs: Any) -> Any:
        fields = _materialised(argument.get(args, kwargs))
        args = argument.replace(args, kwargs, fields)
        result = original(self, *args, **kwargs)
        _refreshed(self, fields)
        return result

    return _mark(refresh_from_db_override, original)


def _save_base_hook(original: Callable[..., Any]) -> Callable[..., Any]:
    marked_save, saved = baseline.marked_save, baseline.saved
    if original is Model.save_base:

        def save_base(
            self: Model,
            raw: bool = False,
            force_insert: Any = False,
            force_update: bool = False,
            using: str | None = None,
            update_fields: Any = None,
        ) -> None:
            if update_fields is None and marked_save(None) is None:
                # The common save, which needs no mark (baseline.begin_save()).
                original(self, raw, force_insert, force_update, using, None)
                saved(self, None, None)
                return
            update_fields = _materialised(update_fields)
            token, written = baseline.begin_save(self, update_fields)
            try:
                original(self, raw, force_insert, force_update, using, update_fields)
            except BaseException:
                baseline.end_save(token)
                raise
            baseline.saved(self, written, token)

        return _mark(save_base, original)

    argument = _Argument(original, Model.save_base, "update_fields")

    def save_base_override(self: Model, *args: Any, **kwargs: Any) -> Any:
        update_fields = _materialised(argument.get(args, kwargs))
        args = argument.replace(args, kwargs, update_fields)
        token, written = baseline.begin_save(self, update_fields)
        try:
            result = original(self, *args, **kwargs)
        except BaseException:
            baseline.end_save(token)
            raise
        baseline.saved(self, written, token)
        return result

    return _mark(save_base_override, original)


def _watch_peer_fetches(cls: type[Model]) -> None:
    # Django 6.1's FETCH_PEERS loads a deferred field for every instance of a queryset
    # at once and assigns it, as user code would: those values are baselines.
    for attname in getattr(cls, FIELDS):
        _django.wrap_peer_fetch(
            cls,
            attname,
            functools.partial(_fetch_many_hook, attname),
            lambda fetch_many: getattr(fetch_many, _HOOK, False),
        )


def _fetch_many_hook(
    attname: str, original: Callable[[list[Model]], None]
) -> Callable[[list[Model]], None]:
    def fetch_many(instances: list[Model]) -> None:
        loading = [i for i in instances if attname not in i.__dict__]
        original(instances)
        for instance in loading:
            tracked = getattr(type(instance), FIELDS, None)
            if tracked and attname in tracked:
                baseline.take(instance, (attname,))

    return _mark(fetch_many, original)
