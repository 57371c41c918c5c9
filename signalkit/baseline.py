"""The baseline of tracked instances: what it keeps, and how values are compared with it.

The baseline is a record on ``instance._state``: a tuple whose first item is a
:class:`Layout` (the attnames it holds, in order) followed by their values at load or last
save. A tuple, not a dict: it is made for every row loaded, and a tuple of one value
takes less than a third of a dict's memory. It is replaced, never edited in place, so a
copy or pickle of the instance keeps its own.
Which save is in progress is context-local state, never on the instance. Where baselines
are taken (the hooks on tracked model classes) is :mod:`signalkit.model_hooks`.
"""

from __future__ import annotations

import copy
import datetime
import uuid
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from decimal import Decimal
from operator import itemgetter
from typing import Any

from django.core.files.base import File
from django.db import models
from django.db.models import DEFERRED, Model

FIELDS = "_signalkit_tracked"  # on a tracked model class: {attname: field name}
# On instance._state: the baseline record. model_hooks writes it by this very name.
SNAPSHOT = "signalkit_snapshot"


class Layout:
    """The attnames a baseline record holds, in the order of its values: its first item.

    One object per order, shared by every record of that order; it pickles as that order,
    so a record unpickled in a process tracking other fields still reads right.
    """

    __slots__ = ("order", "positions")

    def __init__(self, order: tuple[str, ...]) -> None:
        self.order = order
        #: attname -> its index in the record.
        self.positions = {attname: i for i, attname in enumerate(order, 1)}

    def __reduce__(self) -> tuple[Any, tuple[tuple[str, ...]]]:
        return (layout, (self.order,))

    def __deepcopy__(self, memo: dict[int, Any]) -> Layout:
        return self


_layouts: dict[tuple[str, ...], Layout] = {}


def layout(order: tuple[str, ...]) -> Layout:
    """The :class:`Layout` of records holding ``order``."""
    found = _layouts.get(order)
    if found is None:
        found = _layouts[order] = Layout(order)
    return found


def record(values: dict[str, Any]) -> tuple[Any, ...]:
    """A baseline record of ``{attname: value}``."""
    return (layout(tuple(values)), *values.values())


def held(snapshot: tuple[Any, ...]) -> dict[str, Any]:
    """A baseline record as ``{attname: value}``."""
    return {a: snapshot[i] for a, i in snapshot[0].positions.items()}


def blank(snapshot: tuple[Any, ...], state: Any) -> bool:
    """True for the empty record of an instance never loaded or saved."""
    return bool(state.adding) and len(snapshot) == 1


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


# The saves in progress in this context, innermost first: (instance, the attnames it
# writes or None for all of them, the entry of the save around it). Context-local, so a
# copy or pickle of an instance made during a save carries nothing of it. A save of every
# field is marked only inside another marked save or marking_saves(); an entry of
# marking_saves() holds no instance.
_Saving = tuple["Model | None", "frozenset[str] | None", Any]
_saving: ContextVar[_Saving | None] = ContextVar("signalkit_saving")
NOT_SAVING: Any = object()


def saving(instance: Model) -> Any:
    """The attnames the save of ``instance`` in progress writes (``None``: all), or
    :data:`NOT_SAVING`."""
    entry = _saving.get(None)
    while entry is not None:
        if entry[0] is instance:
            return entry[1]
        entry = entry[2]
    return NOT_SAVING


#: The innermost marked save in this context, or None: with none, a save of every field
#: needs no mark (see :func:`begin_save`), and the save hook skips it.
marked_save = _saving.get


def begin_save(
    instance: Model, update_fields: Any
) -> tuple[Any, frozenset[str] | None]:
    """Mark a save of ``instance`` in progress; returns what :func:`saved` or
    :func:`end_save` needs."""
    outer = _saving.get(None)
    if update_fields is None:
        if outer is None:
            # Nothing is being saved here and nobody asks: a save of every field reads
            # as no save at all in diff(), and marking it would cost a context change
            # (two, with the reset) on the hot path of every save.
            return None, None
        written = None
    else:
        written = frozenset(plan(type(instance)).attnames(update_fields))
    return _saving.set((instance, written, outer)), written


def end_save(token: Any) -> None:
    """Take back the mark of :func:`begin_save` (its save failed) or of
    :func:`marking_saves`."""
    if token is not None:
        _saving.reset(token)


def marking_saves() -> Any:
    """From here until :func:`end_save` of the token returned, :func:`saving` sees every
    save, also those of every field, which :func:`begin_save` otherwise leaves unmarked."""
    return _saving.set((None, None, _saving.get(None)))


def saved(instance: Model, written: frozenset[str] | None, token: Any) -> None:
    """The save :func:`begin_save` marked is done, and every ``post_save`` receiver: it is
    over, and what it wrote is the baseline.

    Only the fields whose value is no longer the very object the baseline keeps are taken
    again: a save that changed nothing tracked leaves the baseline as it is.
    """
    if token is not None:
        _saving.reset(token)
    names: Iterable[str] = (
        (_plans.get(type(instance)) or plan(type(instance))).fields
        if written is None
        else written
    )
    state = instance._state
    snapshot = getattr(state, SNAPSHOT, None)
    if snapshot is not None and len(snapshot) > 1:
        data, positions = instance.__dict__, snapshot[0].positions
        # (attname, its index in the record or None) of each value that moved.
        moved = [
            (a, i)
            for a in names
            if a in data
            and ((i := positions.get(a)) is None or snapshot[i] is not data[a])
        ]
        if not moved:
            return
        # Where every value changed keeps its place in the record, the new record is
        # the old one with them replaced: take() would rebuild it through a dict.
        values = list(snapshot)
        for a, i in moved:
            kept = keep(data[a])
            if i is None or kept is UNKNOWN:
                break
            values[i] = kept
        else:
            setattr(state, SNAPSHOT, tuple(values))
            return
        names = [a for a, _ in moved]
    take(instance, names)


class Plan:
    """What tracking needs to know about one tracked model class, built once per class."""

    __slots__ = (
        "checked",
        "fields",
        "full",
        "layout",
        "names",
        "parent_pks",
        "pick",
        "plain",
        "single",
        "width",
    )

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
        #: The length of a full row whose baseline is its values as they are (no value to
        #: copy), or -1: what the load hook tests for every row.
        self.full = -1 if checked else self.width
        #: The layout of a full row's record, and what picks its values from the row (one
        #: value, not a tuple, when ``single``).
        self.layout = layout(tuple(a for a, _ in (*plain, *checked)))
        indices = [i for _, i in (*plain, *checked)]
        self.pick: Callable[[Any], Any] = (
            itemgetter(*indices) if indices else lambda _row: ()
        )
        self.single = len(self.layout.order) == 1
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


def plans() -> dict[type[Model], Plan]:
    """The plans built so far, by class (the load hook reads it directly)."""
    return _plans


def forget_plans() -> None:
    """Drop every plan: the fields tracked on some model changed."""
    _plans.clear()


def take(instance: Model, attnames: Iterable[str]) -> None:
    """Make the current values of ``attnames`` (those loaded) the baseline."""
    data = instance.__dict__
    state = instance._state
    # A new record, never an update in place: copies of the instance (copy.copy,
    # pickling) share the old one, and their baseline must not move with this instance's.
    old = getattr(state, SNAPSHOT, None)
    snapshot = {} if old is None else held(old)
    for attname in attnames:
        if attname in data:
            value = keep(data[attname])
            if value is UNKNOWN:
                snapshot.pop(attname, None)
            else:
                snapshot[attname] = value
    setattr(state, SNAPSHOT, record(snapshot))


def row_snapshot(layout: Plan, field_names: Any, values: Any) -> tuple[Any, ...]:
    """The baseline record of a row loaded with ``from_db(db, field_names, values)``."""
    if len(values) == layout.width:
        return (
            layout.layout,
            *(values[index] for _, index in layout.plain),
            *(keep(values[index]) for _, index in layout.checked),
        )
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
    return record(snapshot)


def diff(
    instance: Model, attnames: Iterable[str], first: bool = False
) -> dict[str, tuple[Any, Any]]:
    """``{attname: (old, new)}`` for those of ``attnames`` that differ from the baseline;
    with ``first``, only the first found.

    Inside a save, only the fields that save writes count. Never raises for a value.
    """
    data = instance.__dict__
    state = instance._state
    snapshot = getattr(state, SNAPSHOT, None)
    # saving(), inlined: this runs for every changed= receiver of every save.
    written = None
    entry = _saving.get(None)
    while entry is not None:
        if entry[0] is instance:
            written = entry[1]
            break
        entry = entry[2]
    found: dict[str, tuple[Any, Any]] = {}
    if snapshot is None or (state.adding and len(snapshot) == 1):
        # Never loaded or saved: every value is new, except a None (an unsaved
        # instance's auto primary key, a null foreign key) where there was none.
        for attname in attnames:
            if attname in data and (written is None or attname in written):
                new = shown(data[attname])
                if new is not None:
                    found[attname] = (None, new)
                    if first:
                        break
        return found
    fields = None
    positions = snapshot[0].positions
    for attname in attnames:
        if attname not in data or (written is not None and attname not in written):
            continue
        new = data[attname]
        index = positions.get(attname)
        if index is None:
            found[attname] = (DEFERRED, shown(new))
        else:
            old = snapshot[index]
            if old is new:
                continue
            if type(old) is type(new):
                # The common case: a plain comparison, as Django's own equality of
                # values.
                try:
                    changed = bool(old != new)
                except Exception:
                    changed = True  # a value that cannot be compared: changed
            else:
                if fields is None:
                    fields = plan(type(instance)).fields
                changed, new = _differs(fields[attname], old, new)
            if not changed:
                continue
            found[attname] = (old, new)
        if first:
            break
    return found


def _differs(field: Any, old: Any, new: Any) -> tuple[bool, Any]:
    """Compare values of different types: a change, and the new value as reported."""
    if isinstance(new, File):
        name = new.name or None
        # A file not yet stored (a File assigned, or a FieldFile not committed) is new
        # content, whatever its name.
        stored = getattr(new, "_committed", False)
        return (not stored or (old or None) != name), name
    if old is None or new is None or hasattr(new, "resolve_expression"):
        return True, new
    # "10.00" and Decimal("10.00") are the same row: compare what the field makes of
    # each. A value the field rejects is a change, never an error.
    try:
        return bool(field.to_python(old) != field.to_python(new)), new
    except Exception:
        return True, new
