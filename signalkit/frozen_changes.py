"""The changes of one save, kept for a receiver that runs after it.

A receiver that runs on commit (``on_commit=True``) or in a worker (``task=``) answers
``changes()`` and ``previous()`` for the save that scheduled it: :func:`freeze` keeps
them when it is scheduled, :func:`answering_from` and :func:`answering_later` make them
the answer while it runs, and :func:`to_json`/:func:`from_json` carry them in a
``task=`` event.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import DEFERRED, Model
from django.utils.encoding import is_protected_type

from signalkit import baseline
from signalkit.baseline import FIELDS


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
    frozen = answer(instance)
    if frozen is not None:
        return frozen
    found = baseline.diff(instance, tracked)
    # New values are copied as the baseline would keep them: the instance may be edited
    # in place before the receiver runs.
    changed = {a: (old, _kept(new)) for a, (old, new) in found.items()}
    snapshot = getattr(instance._state, baseline.SNAPSHOT, None)
    if snapshot is None or baseline.blank(snapshot, instance._state):
        return Frozen(changed, dict.fromkeys(tracked))  # unsaved: nothing before
    return Frozen(changed, baseline.held(snapshot))


def _kept(value: Any) -> Any:
    kept = baseline.keep(value)
    return value if kept is baseline.UNKNOWN else kept


# Instances whose answers come from a frozen record in this context, by id.
_answers: ContextVar[dict[int, tuple[Model, Frozen]] | None] = ContextVar(
    "signalkit_answers"
)


def answer(instance: Model) -> Frozen | None:
    """The frozen record ``instance`` answers from in this context, if any."""
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
    # answer() must know of a save of the instance made while it answers, even a save
    # of every field.
    marked = baseline.marking_saves()
    try:
        yield
    finally:
        baseline.end_save(marked)
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
