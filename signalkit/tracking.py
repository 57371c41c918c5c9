"""Change tracking: ``track()``, ``changes()``, ``has_changed()`` and ``previous()``.

What is kept and compared lives in :mod:`signalkit.baseline`, where it is taken in
:mod:`signalkit.model_hooks`; this module turns tracking on and answers the questions. A
receiver that runs after its save (on commit, or in a worker) answers from the changes
frozen when it was scheduled (:mod:`signalkit.frozen_changes`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import DEFERRED, Model

from signalkit import baseline, frozen_changes, model_hooks, senders, subscriptions
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
    subscriptions.subscribe(
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
    frozen = frozen_changes.answer(instance)
    found = baseline.diff(instance, tracked) if frozen is None else frozen.changed
    return {tracked[a]: values for a, values in found.items()}


def has_changed(instance: Model, field: str) -> bool:
    """True if ``field`` (a tracked field's name or attname) differs from the baseline."""
    attname = _attname(instance, field, "has_changed")
    frozen = frozen_changes.answer(instance)
    if frozen is not None:
        return attname in frozen.changed
    return bool(baseline.diff(instance, (attname,)))


def previous(instance: Model, field: str) -> Any:
    """The baseline value of ``field``: as loaded or last saved.

    ``None`` on an unsaved instance; ``django.db.models.DEFERRED`` for a field that was
    deferred at load and never loaded since.
    """
    attname = _attname(instance, field, "previous")
    frozen = frozen_changes.answer(instance)
    if frozen is not None:
        if attname in frozen.changed:
            return frozen.changed[attname][0]
        if frozen.baseline is not None:
            return frozen.baseline.get(attname, DEFERRED)
    snapshot = getattr(instance._state, baseline.SNAPSHOT, None)
    if snapshot is None or baseline.blank(snapshot, instance._state):
        return None
    index = snapshot[0].positions.get(attname)
    return DEFERRED if index is None else snapshot[index]


def changed_test(names: tuple[str, ...]) -> Callable[[Model, dict[str, Any]], bool]:
    """For ``changed=names``: a test of whether the save being signalled (``instance`` and
    the signal's keyword arguments) changes any of the fields ``names``.

    On insert every field counts as changed.
    """
    attnames_of: dict[type[Model], tuple[str, ...]] = {}
    diff = baseline.diff

    def changed_in_save(instance: Model, kwargs: dict[str, Any]) -> bool:
        created = kwargs.get("created")
        if created or (created is None and instance._state.adding):
            return True
        attnames = attnames_of.get(type(instance))
        if attnames is None:
            known = baseline.plan(type(instance)).names
            attnames = attnames_of[type(instance)] = tuple(known[n] for n in names)
        return bool(diff(instance, attnames, True))

    return changed_in_save
