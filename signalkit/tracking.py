"""Change tracking: ``track()``, ``changes()``, ``has_changed()`` and ``previous()``.

What is kept and where it is taken lives in :mod:`signalkit.baseline`; this module turns
tracking on and answers the questions. A receiver that runs after its save (on commit, or
in a worker) answers from the changes frozen when it was scheduled: :func:`freeze` and
:func:`answering_from`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import DEFERRED, Model
from django.utils.encoding import is_protected_type

from signalkit import baseline, model_hooks, senders
from signalkit.baseline import FIELDS


def track(model: type[Model] | str, fields: Iterable[str] | None = None) -> None:
    """Track changes of ``fields`` (default: every concrete field) on ``model``.

    ``model`` is a model class or an ``"app_label.Model"`` string, resolved when the model
    loads. Tracking a model tracks its subclasses (multi-table children and proxies,
    including ones defined later); tracking a proxy tracks its concrete model. Calling it
    again with the same arguments does nothing.
    """
    wildcard = isinstance(model, str) and model.endswith(".*")
    if wildcard or not (isinstance(model, str) or senders.is_model(model)):
        raise TypeError(
            f"track() takes one model class or one 'app_label.Model' string, not "
            f"{model!r}. For example: signalkit.track('shop.Order')."
        )
    names = None if fields is None else _field_list(fields)
    targets = senders.parse(model, subclasses=True, where="track()")
    key = (targets[0].key, None if names is None else frozenset(names))
    if key in _tracked_calls:
        return  # a module imported again, or the same call twice: nothing new to do
    senders.subscribe(
        targets, lambda cls: require(cls, names), f"signalkit.track({model!r})"
    )
    _tracked_calls.add(key)


# The track() calls made, so that repeating one (a reloaded module) adds nothing.
_tracked_calls: set[tuple[Any, ...]] = set()


def _field_list(fields: Iterable[str]) -> list[str]:
    names = [fields] if isinstance(fields, str) else fields
    if (
        not isinstance(names, (list, tuple, set, frozenset))
        or not names
        or not all(isinstance(n, str) for n in names)
    ):
        raise TypeError(
            f"fields= takes a field name or a non-empty list of field names, not {fields!r}."
        )
    return list(names)


def require(model: type[Model], names: list[str] | None) -> None:
    """Track ``names`` (field names or attnames; ``None`` for all) on ``model``."""
    if model._meta.proxy:
        model = model._meta.concrete_model  # type: ignore[assignment]
    wanted = _resolve_fields(model, names)
    for cls in [model, *senders.subclasses_of(model)]:
        current: dict[str, str] = dict(getattr(cls, FIELDS, {}))
        if set(wanted) <= set(current) and model_hooks.is_installed(cls):
            continue
        current.update(wanted)
        setattr(cls, FIELDS, current)
        baseline.forget_plans()
        model_hooks.install(cls)


def _resolve_fields(model: type[Model], names: list[str] | None) -> dict[str, str]:
    concrete = model._meta.concrete_fields
    if names is None:
        return {f.attname: f.name for f in concrete}
    by_name = {f.name: f for f in concrete}
    by_attname = {f.attname: f for f in concrete}
    wanted = {}
    for name in names:
        field = by_name.get(name) or by_attname.get(name)
        if field is None:
            known = ", ".join(f.name for f in concrete)
            raise ValueError(
                f"Cannot track {name!r} on {model._meta.label}: it is not a concrete field "
                f"of the model. Its concrete fields are: {known}."
            )
        wanted[field.attname] = field.name
    return wanted


def is_tracked(model: type[Model]) -> bool:
    """True if anything tracks fields of ``model``."""
    return bool(getattr(model, FIELDS, None))


def _tracked(instance: Any, function: str) -> dict[str, str]:
    if not isinstance(instance, Model):
        shown = (
            f"the model class {instance.__name__}"
            if senders.is_model(instance)
            else f"{type(instance).__name__} {instance!r}"
        )
        raise TypeError(
            f"signalkit.{function}() takes a model instance, not {shown}. Pass the "
            f"object whose changes you want, e.g. signalkit.{function}(order"
            f"{', ' + repr('status') if function != 'changes' else ''})."
        )
    tracked: dict[str, str] | None = getattr(type(instance), FIELDS, None)
    if not tracked:
        label = instance._meta.label
        raise ValueError(
            f"{label} is not tracked, so signalkit has no baseline to compare with. Call "
            f"signalkit.track({label!r}) (or signalkit.track({label!r}, fields=[...])) in "
            f"your app's signals.py, or use a receiver with changed=."
        )
    return tracked


def _attname(instance: Model, field: Any, function: str) -> str:
    tracked = _tracked(instance, function)
    if not isinstance(field, str):
        raise TypeError(
            f"signalkit.{function}() takes a field name as its second argument, not "
            f"{field!r}."
        )
    attname = baseline.plan(type(instance)).names.get(field)
    if attname is None:
        label = instance._meta.label
        raise ValueError(
            f"Field {field!r} of {label} is not tracked (tracked: "
            f"{', '.join(sorted(tracked.values()))}). Call signalkit.track({label!r}, "
            f"fields=[{field!r}]) in your app's signals.py."
        )
    return attname


def changes(instance: Model) -> dict[str, tuple[Any, Any]]:
    """The tracked fields that differ from the baseline, as ``{name: (old, new)}``.

    The baseline is the values loaded from the database, or last saved. Inside the
    ``pre_save`` and ``post_save`` receivers of a save it is what that save changes; in
    a receiver that runs later (``on_commit=True``, ``task=``), what the save that
    scheduled it changed. On an unsaved instance every tracked field that is not
    ``None`` maps to ``(None, value)``. Foreign keys report their ids, file fields their
    names. Never queries the database.
    """
    tracked = _tracked(instance, "changes")
    frozen = _answer(instance)
    found = baseline.diff(instance, tracked) if frozen is None else frozen.changed
    return {tracked[a]: values for a, values in found.items()}


def has_changed(instance: Model, field: str) -> bool:
    """True if ``field`` (a tracked field's name or attname) differs from the baseline."""
    attname = _attname(instance, field, "has_changed")
    frozen = _answer(instance)
    if frozen is not None:
        return attname in frozen.changed
    return bool(baseline.diff(instance, (attname,)))


def previous(instance: Model, field: str) -> Any:
    """The baseline value of ``field``: as loaded or last saved.

    ``None`` on an unsaved instance; ``django.db.models.DEFERRED`` for a field that was
    deferred at load and never loaded since.
    """
    attname = _attname(instance, field, "previous")
    frozen = _answer(instance)
    if frozen is not None:
        if attname in frozen.changed:
            return frozen.changed[attname][0]
        if frozen.baseline is not None:
            return frozen.baseline.get(attname, DEFERRED)
    snapshot = getattr(instance._state, baseline.SNAPSHOT, None)
    if snapshot is None or (instance._state.adding and not snapshot):
        return None
    return snapshot.get(attname, DEFERRED)


_attnames_cache: dict[tuple[type[Model], tuple[str, ...]], tuple[str, ...]] = {}


def changed_in_save(
    instance: Model, names: tuple[str, ...], kwargs: dict[str, Any]
) -> bool:
    """For ``changed=``: does the save being signalled change any of the fields ``names``?

    On insert every field counts as changed.
    """
    created = kwargs.get("created")
    if created or (created is None and instance._state.adding):
        return True
    key = (type(instance), names)
    attnames = _attnames_cache.get(key)
    if attnames is None:
        known = baseline.plan(key[0]).names
        attnames = _attnames_cache[key] = tuple(known[n] for n in names)
    return bool(baseline.diff(instance, attnames))


# Receivers that run after their save ----------------------------------------------------


@dataclass(frozen=True)
class Frozen:
    """The changes of one save, kept for a receiver that runs after it.

    ``changed`` maps attnames to ``(old, new)``. ``baseline`` maps attnames to the values
    before the save, for the fields it did not change; ``None`` when the instance the
    receiver gets carries them itself (rebuilt in a worker from the values sent).
    """

    changed: Mapping[str, tuple[Any, Any]]
    baseline: Mapping[str, Any] | None


def freeze(instance: Model) -> Frozen | None:
    """What ``changes()`` and ``previous()`` of ``instance`` answer now, kept for later.

    ``None`` for an instance of a model that nothing tracks. Inside a save, it is what
    that save changes.
    """
    tracked = getattr(type(instance), FIELDS, None)
    if not tracked:
        return None
    frozen = _answer(instance)
    if frozen is not None:
        return frozen
    found = baseline.diff(instance, tracked)
    # New values are copied as the baseline would keep them: the instance may be edited
    # in place before the receiver runs.
    changed = {a: (old, _kept(new)) for a, (old, new) in found.items()}
    snapshot = getattr(instance._state, baseline.SNAPSHOT, None)
    if snapshot is None or (instance._state.adding and not snapshot):
        snapshot = dict.fromkeys(tracked)  # unsaved: there was nothing before
    return Frozen(changed, snapshot)


def _kept(value: Any) -> Any:
    kept = baseline.keep(value)
    return value if kept is baseline.UNKNOWN else kept


# Instances whose answers come from a frozen record in this context, by id.
_answers: ContextVar[dict[int, tuple[Model, Frozen]] | None] = ContextVar(
    "signalkit_answers"
)


def _answer(instance: Model) -> Frozen | None:
    answers = _answers.get(None)
    if answers is None:
        return None
    entry = answers.get(id(instance))
    if entry is None or entry[0] is not instance:
        return None
    if baseline.saving(instance) is not baseline.NOT_SAVING:
        return None  # saved again by the late receiver: its own receivers see that save
    return entry[1]


@contextmanager
def answering_from(instance: Model, frozen: Frozen | None) -> Iterator[None]:
    """While the block runs (in this thread or task), ``changes()``, ``has_changed()`` and
    ``previous()`` of ``instance`` answer from ``frozen``, except inside a save of it."""
    if frozen is None:
        yield
        return
    token = _answers.set(
        {**(_answers.get(None) or {}), id(instance): (instance, frozen)}
    )
    try:
        yield
    finally:
        _answers.reset(token)


def answering_later(callback: Callable[[], Any], instance: Any) -> Callable[[], Any]:
    """``callback``, to be called later, answering for ``instance`` as it would now.

    For a receiver's call that ``on_commit=True`` defers: the changes of the save that
    scheduled it are frozen here. ``callback`` itself when there is nothing to freeze.
    """
    if not isinstance(instance, Model):
        return callback
    frozen = freeze(instance)
    if frozen is None:
        return callback
    return functools.partial(_call_answering, callback, instance, frozen)


def _call_answering(
    callback: Callable[[], Any], instance: Model, frozen: Frozen
) -> Any:
    with answering_from(instance, frozen):
        return callback()


# The frozen changes as JSON, for task= events ---------------------------------------------


def to_json(instance: Model, frozen: Frozen) -> dict[str, dict[str, Any]]:
    """``frozen``'s changes as ``{field name: {"old": ..., "new": ...}}`` in JSON.

    Values are encoded as Django's serializers encode them. ``"old"`` is left out for a
    field whose old value was never loaded (``DEFERRED``). A value that cannot be encoded
    (an expression) raises ``TypeError`` naming the field.
    """
    layout = baseline.plan(type(instance))
    tracked: dict[str, str] = getattr(type(instance), FIELDS)
    encoded: dict[str, dict[str, Any]] = {}
    for attname, (old, new) in frozen.changed.items():
        field = layout.fields[attname]
        change = {"new": _encode(field, new)}
        if old is not DEFERRED:
            change["old"] = _encode(field, old)
        encoded[tracked[attname]] = change
    return encoded


def from_json(model: type[Model], data: Mapping[str, Mapping[str, Any]]) -> Frozen:
    """The :class:`Frozen` record :func:`to_json` encoded, for an instance of ``model``
    rebuilt from the values that were sent with it (which answer for unchanged fields)."""
    layout = baseline.plan(model)
    changed = {}
    for name, change in data.items():
        attname = layout.names[name]
        field = layout.fields[attname]
        old = _decode(field, change["old"]) if "old" in change else DEFERRED
        changed[attname] = (old, _decode(field, change["new"]))
    return Frozen(changed, None)


class _Holder:
    # What Field.value_to_string() reads a value from: one attribute.
    def __init__(self, attname: str, value: Any) -> None:
        setattr(self, attname, value)


def _encode(field: Any, value: Any) -> Any:
    if hasattr(value, "resolve_expression"):
        raise TypeError(
            f"The change of {field.name!r} cannot be sent to a task= receiver: its new "
            f"value is the expression {value!r}, whose result only the database knows."
        )
    encoded = (
        value
        if value is None or is_protected_type(value)
        else field.value_to_string(_Holder(field.attname, value))
    )
    return json.loads(json.dumps(encoded, cls=DjangoJSONEncoder))


def _decode(field: Any, value: Any) -> Any:
    return None if value is None else field.to_python(value)
