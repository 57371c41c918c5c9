"""The baseline of tracked instances: what it keeps, where it is taken, and how it is compared.

Only model classes something tracks are touched. Each gets hooks on ``from_db`` (the
baseline of every loaded row, read from the row's values, with no ``post_init`` dispatch),
``refresh_from_db`` (the refreshed fields) and ``save_base`` (the fields a save wrote, once
it and its ``post_save`` receivers are done). A hook keeps the signature of the method it
replaces (``functools.wraps``, so ``inspect.signature`` and Django's own checks see the
original) and calls through it. Checked against Django 5.2, 6.0 and 6.1.

The baseline is a dict on ``instance._state``, replaced and never edited in place, so a
copy or pickle of the instance keeps its own. Which save is in progress is context-local
state, never on the instance.
"""

from __future__ import annotations

import copy
import datetime
import functools
import inspect
import uuid
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from django.core.files.base import File
from django.db import models
from django.db.models import DEFERRED, Model
from django.db.models.query_utils import DeferredAttribute

FIELDS = "_signalkit_tracked"  # on a tracked model class: {attname: field name}
_HOOKED = "_signalkit_hooks"  # in a class __dict__ once its hooks are in place
_HOOK = "_signalkit_hook"  # marks signalkit's hook functions
SNAPSHOT = "signalkit_snapshot"  # on instance._state: {attname: baseline value}

# Values of these exact types cannot be edited in place: kept as they are, never copied.
_IMMUTABLE_VALUES = frozenset(
    {
        str,
        int,
        float,
        bool,
        complex,
        bytes,
        type(None),
        Decimal,
        datetime.date,
        datetime.datetime,
        datetime.time,
        datetime.timedelta,
        uuid.UUID,
    }
)
# Django's own field classes (exactly these, not subclasses, which may convert values
# to anything in from_db_value) whose loaded values are of the types above, or a file
# name. A loaded value of any other field is checked by its type.
_IMMUTABLE_FIELDS = frozenset(
    {
        models.AutoField,
        models.BigAutoField,
        models.SmallAutoField,
        models.BigIntegerField,
        models.BinaryField,
        models.BooleanField,
        models.CharField,
        models.DateField,
        models.DateTimeField,
        models.DecimalField,
        models.DurationField,
        models.EmailField,
        models.FileField,
        models.FilePathField,
        models.FloatField,
        models.GenericIPAddressField,
        models.ImageField,
        models.IntegerField,
        models.PositiveBigIntegerField,
        models.PositiveIntegerField,
        models.PositiveSmallIntegerField,
        models.SlugField,
        models.SmallIntegerField,
        models.TextField,
        models.TimeField,
        models.URLField,
        models.UUIDField,
    }
)

# A value whose stored form is not known until the database is read again (an
# expression such as F("n") + 1 that the save left on the instance).
UNKNOWN: Any = object()


def keep(value: Any) -> Any:
    """The form of ``value`` kept in a baseline: itself, a deep copy, a file's name,
    or :data:`UNKNOWN`."""
    if type(value) in _IMMUTABLE_VALUES:
        return value
    if isinstance(value, File):
        # FieldFile.save() renames the instance's own FieldFile in place: keeping the
        # object would make the old value follow the new one.
        return value.name
    if hasattr(value, "resolve_expression"):
        return UNKNOWN
    try:
        return copy.deepcopy(value)
    except Exception:
        return value  # cannot be copied: compared with itself, as Django would store it


def shown(value: Any) -> Any:
    """A current value as ``changes()`` reports it: a file as its name."""
    return value.name if isinstance(value, File) else value


# The save in progress, per instance (by id, for the instance the save holds alive): the
# attnames it writes, or None for all of them. Context-local, so a copy or pickle of an
# instance made during a save carries nothing of it.
_saving: ContextVar[Mapping[int, frozenset[str] | None]] = ContextVar(
    "signalkit_saving", default=MappingProxyType({})
)
NOT_SAVING: Any = object()


def saving(instance: Model) -> Any:
    """The attnames the save of ``instance`` in progress writes (``None``: all), or
    :data:`NOT_SAVING`."""
    return _saving.get().get(id(instance), NOT_SAVING)


class Plan:
    """What tracking needs to know about one tracked model class, built once per class."""

    __slots__ = ("checked", "fields", "names", "parent_pks", "plain", "width")

    def __init__(self, cls: type[Model]) -> None:
        tracked: dict[str, str] = getattr(cls, FIELDS)
        plain: list[tuple[str, int]] = []
        checked: list[tuple[str, int]] = []
        concrete = cls._meta.concrete_fields
        self.fields: dict[str, Any] = {}
        for index, field in enumerate(concrete):
            if field.attname in tracked:
                self.fields[field.attname] = field
                immutable = _immutable_field(field)
                (plain if immutable else checked).append((field.attname, index))
        # Where each tracked field sits in a full row; values of "checked" fields go
        # through keep().
        self.plain = tuple(plain)
        self.checked = tuple(checked)
        self.width = len(concrete)
        # Field names and attnames, as users and Django name fields, to attnames.
        self.names = {**{n: a for a, n in tracked.items()}, **{a: a for a in tracked}}
        # A parent's primary key, equal to the child's link to that parent: Django fills
        # it in from the link when it is read on a row loaded without it.
        self.parent_pks = tuple(
            (parent._meta.pk.attname, link.attname)
            for parent, link in cls._meta.parents.items()
            if link is not None and parent._meta.pk.attname in tracked
        )

    def attnames(self, names: Iterable[Any]) -> set[str]:
        """The tracked attnames among ``names``; other names (reverse relations,
        untracked fields, anything Django accepts there) are left out."""
        known = self.names
        return {known[n] for n in names if isinstance(n, str) and n in known}


def _immutable_field(field: Any) -> bool:
    kind = type(field)
    if kind is models.ForeignKey or kind is models.OneToOneField:
        return _immutable_field(field.target_field)
    return kind in _IMMUTABLE_FIELDS


_plans: dict[type[Model], Plan] = {}


def plan(cls: type[Model]) -> Plan:
    """The :class:`Plan` of a tracked model class."""
    found = _plans.get(cls)
    if found is None:
        found = _plans[cls] = Plan(cls)
    return found


def forget_plans() -> None:
    """Drop every plan: the fields tracked on some model changed."""
    _plans.clear()


def take(instance: Model, attnames: Iterable[str]) -> None:
    """Make the current values of ``attnames`` (those loaded) the baseline."""
    data = instance.__dict__
    state = instance._state
    # A new dict, never an update in place: copies of the instance (copy.copy, pickling)
    # share the old one, and their baseline must not move with this instance's.
    snapshot = dict(getattr(state, SNAPSHOT, None) or ())
    for attname in attnames:
        if attname in data:
            value = keep(data[attname])
            if value is UNKNOWN:
                snapshot.pop(attname, None)
            else:
                snapshot[attname] = value
    setattr(state, SNAPSHOT, snapshot)


def _row_snapshot(layout: Plan, field_names: Any, values: Any) -> dict[str, Any]:
    if len(values) == layout.width:
        snapshot = {attname: values[index] for attname, index in layout.plain}
        for attname, index in layout.checked:
            snapshot[attname] = keep(values[index])
        return snapshot
    # Deferred fields: values follow field_names, and unloaded fields are left out.
    loaded = dict(zip(field_names, values, strict=True))
    snapshot = {
        attname: keep(loaded[attname])
        for attname, _ in (*layout.plain, *layout.checked)
        if attname in loaded
    }
    for parent_pk, link in layout.parent_pks:
        if parent_pk not in loaded and link in loaded:
            snapshot[parent_pk] = loaded[link]
    return snapshot


def diff(instance: Model, attnames: Iterable[str]) -> dict[str, tuple[Any, Any]]:
    """``{attname: (old, new)}`` for those of ``attnames`` that differ from the baseline.

    Inside a save, only the fields that save writes count. Never raises for a value.
    """
    data = instance.__dict__
    state = instance._state
    snapshot = getattr(state, SNAPSHOT, None)
    written = _saving.get().get(id(instance))
    found: dict[str, tuple[Any, Any]] = {}
    if snapshot is None or (state.adding and not snapshot):
        # Never loaded or saved: every value is new, except a None (an unsaved
        # instance's auto primary key, a null foreign key) where there was none.
        for attname in attnames:
            if attname in data and (written is None or attname in written):
                new = shown(data[attname])
                if new is not None:
                    found[attname] = (None, new)
        return found
    fields = None
    for attname in attnames:
        if attname not in data or (written is not None and attname not in written):
            continue
        new = data[attname]
        if attname not in snapshot:
            found[attname] = (DEFERRED, shown(new))
            continue
        old = snapshot[attname]
        if old is new:
            continue
        if type(old) is type(new):
            # The common case: a plain comparison, as Django's own equality of values.
            try:
                if old != new:
                    found[attname] = (old, new)
            except Exception:
                found[attname] = (old, new)
            continue
        if fields is None:
            fields = plan(type(instance)).fields
        changed, new = _differs(fields[attname], old, new)
        if changed:
            found[attname] = (old, new)
    return found


def _differs(field: Any, old: Any, new: Any) -> tuple[bool, Any]:
    """Compare values of different types: a change, and the new value as reported."""
    if isinstance(new, File):
        name = new.name or None
        # A file not yet stored is new content, whatever its name.
        return (not getattr(new, "_committed", True) or (old or None) != name), name
    if old is None or new is None or hasattr(new, "resolve_expression"):
        return True, new
    # "10.00" and Decimal("10.00") are the same row: compare what the field makes of
    # each. A value the field rejects is a change, never an error.
    try:
        return bool(field.to_python(old) != field.to_python(new)), new
    except Exception:
        return True, new


# Hooks --------------------------------------------------------------------------------

_MISSING: Any = object()


def is_installed(cls: type[Model]) -> bool:
    """True once :func:`install` ran for ``cls`` itself."""
    return _HOOKED in cls.__dict__


def install(cls: type[Model]) -> None:
    """Put the hooks on ``cls``, unless it already has them (its own or inherited)."""
    if _HOOKED in cls.__dict__:
        return
    setattr(cls, _HOOKED, True)
    from_db = cls.from_db.__func__  # type: ignore[attr-defined]
    if not getattr(from_db, _HOOK, False):
        cls.from_db = classmethod(_from_db_hook(from_db))  # type: ignore[assignment]
    if not getattr(cls.refresh_from_db, _HOOK, False):
        cls.refresh_from_db = _refresh_hook(cls.refresh_from_db)  # type: ignore[method-assign]
    if not getattr(cls.save_base, _HOOK, False):
        cls.save_base = _save_base_hook(cls.save_base)  # type: ignore[method-assign]


def _mark(hook: Callable[..., Any], original: Callable[..., Any]) -> Callable[..., Any]:
    # __wrapped__ makes inspect.signature() report the original's signature, which
    # Django reads (6.1 warns about a from_db() without fetch_mode through it); the
    # original's attributes (alters_data) come along.
    functools.update_wrapper(hook, original)
    setattr(hook, _HOOK, True)
    return hook


def _from_db_hook(original: Callable[..., Any]) -> Callable[..., Any]:
    if original is not Model.from_db.__func__:  # type: ignore[attr-defined]
        # A model's own from_db() may build the instance from other values than it was
        # given: take the baseline from the instance it returns.
        def from_db_override(cls: type[Model], *args: Any, **kwargs: Any) -> Any:
            instance = original(cls, *args, **kwargs)
            take(instance, getattr(cls, FIELDS))
            return instance

        return _mark(from_db_override, original)

    plans = _plans

    # Called for every row loaded: the baseline is read from the row's values, already
    # converted to Python. Django's signature (fetch_mode exists from 6.1 on and is
    # passed only when given, so 5.2 and 6.0 refuse it as they would without the hook).
    def from_db(
        cls: type[Model],
        db: str | None,
        field_names: Any,
        values: Any,
        *,
        fetch_mode: Any = _MISSING,
    ) -> Any:
        if fetch_mode is _MISSING:
            instance = original(cls, db, field_names, values)
        else:
            instance = original(cls, db, field_names, values, fetch_mode=fetch_mode)
        layout = plans.get(cls) or plan(cls)
        if len(values) == layout.width and not layout.checked:
            instance._state.signalkit_snapshot = {a: values[i] for a, i in layout.plain}
        else:
            instance._state.signalkit_snapshot = _row_snapshot(
                layout, field_names, values
            )
        return instance

    return _mark(from_db, original)


def _materialised(fields: Any) -> Any:
    # Django iterates fields= more than once; a one-shot iterable (a generator) would be
    # empty the second time, here or in Django.
    if fields is None or isinstance(fields, (list, tuple, set, frozenset)):
        return fields
    return list(fields)


def _after_refresh(instance: Model, fields: Any) -> None:
    layout = plan(type(instance))
    take(instance, layout.fields if fields is None else layout.attnames(fields))


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
            _after_refresh(self, fields)

        return _mark(refresh_from_db, original)

    signature = inspect.signature(original)

    def refresh_from_db_override(self: Model, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(self, *args, **kwargs)
        fields = _materialised(bound.arguments.get("fields"))
        if "fields" in bound.arguments:
            bound.arguments["fields"] = fields
        result = original(*bound.args, **bound.kwargs)
        _after_refresh(self, fields)
        return result

    return _mark(refresh_from_db_override, original)


def _written(instance: Model, update_fields: Any) -> frozenset[str] | None:
    if update_fields is None:
        return None
    return frozenset(plan(type(instance)).attnames(update_fields))


def _begin(instance: Model, written: frozenset[str] | None) -> Any:
    return _saving.set({**_saving.get(), id(instance): written})


def _saved(instance: Model, written: frozenset[str] | None) -> None:
    # Once the save and every post_save receiver are done, what it wrote is the baseline.
    take(instance, plan(type(instance)).fields if written is None else written)


def _save_base_hook(original: Callable[..., Any]) -> Callable[..., Any]:
    if original is Model.save_base:

        def save_base(
            self: Model,
            raw: bool = False,
            force_insert: Any = False,
            force_update: bool = False,
            using: str | None = None,
            update_fields: Any = None,
        ) -> None:
            update_fields = _materialised_update_fields(update_fields)
            written = _written(self, update_fields)
            token = _begin(self, written)
            try:
                original(self, raw, force_insert, force_update, using, update_fields)
            finally:
                _saving.reset(token)
            _saved(self, written)

        return _mark(save_base, original)

    signature = inspect.signature(original)

    def save_base_override(self: Model, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(self, *args, **kwargs)
        update_fields = _materialised_update_fields(
            bound.arguments.get("update_fields")
        )
        if "update_fields" in bound.arguments:
            bound.arguments["update_fields"] = update_fields
        written = _written(self, update_fields)
        token = _begin(self, written)
        try:
            result = original(*bound.args, **bound.kwargs)
        finally:
            _saving.reset(token)
        _saved(self, written)
        return result

    return _mark(save_base_override, original)


def _materialised_update_fields(update_fields: Any) -> Any:
    # save() hands save_base() a frozenset; a one-shot iterable passed to save_base()
    # directly is made one too, before anything iterates it.
    if update_fields is None or isinstance(
        update_fields, (list, tuple, set, frozenset)
    ):
        return update_fields
    return frozenset(update_fields)


def watch_peer_fetches(cls: type[Model]) -> None:
    """Give the tracked fields of ``cls`` a baseline when Django 6.1's ``FETCH_PEERS``
    loads them for a whole queryset: it assigns them, as user code would."""
    for attname in getattr(cls, FIELDS):
        descriptor = inspect.getattr_static(cls, attname, None)
        if not isinstance(descriptor, DeferredAttribute):
            continue
        fetch_many = getattr(descriptor, "fetch_many", None)
        if fetch_many is None or getattr(fetch_many, _HOOK, False):
            continue  # before Django 6.1, or already watched
        # On the descriptor object itself: the class's method stays Django's.
        setattr(descriptor, "fetch_many", _fetch_many_hook(attname, fetch_many))  # noqa: B010


def _fetch_many_hook(
    attname: str, original: Callable[[list[Model]], None]
) -> Callable[[list[Model]], None]:
    def fetch_many(instances: list[Model]) -> None:
        loading = [i for i in instances if attname not in i.__dict__]
        original(instances)
        for instance in loading:
            tracked = getattr(type(instance), FIELDS, None)
            if tracked and attname in tracked:
                take(instance, (attname,))

    return _mark(fetch_many, original)
