"""Signal events as JSON: what a background receiver gets, and how it is rebuilt.

An event travels as one JSON string (the task's second argument), written in one pass:
queues store it as it is, with nothing left for the Tasks framework or a broker to walk,
normalise or copy. A model instance travels as its label, database alias and concrete field values, converted
the way Django's serializers convert them (``Decimal``, ``datetime``, ``UUID`` and binary
values survive). Model classes travel as their label, sets as lists. Anything else must
be JSON already; an argument that is not raises ``TypeError`` naming it, at send time.

Decoding is the worker's side and trusts nothing: an event read from a queue must be that
JSON string (:func:`parse`), is checked shape by shape, and names only models that are
installed and databases that are configured, or it is refused with :class:`InvalidEvent`.
"""

from __future__ import annotations

import datetime
import decimal
import inspect
import json
import math
import uuid
from collections.abc import Callable
from typing import Any, NoReturn

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections
from django.db.models import Field, Model
from django.db.models.query_utils import DeferredAttribute
from django.utils.encoding import is_protected_type

from signalkit import trace_context
from signalkit.naming import signal_path
from signalkit.options import ALL, Carry

_TAG = "__signalkit__"
# A field value no instance holds: marks a deferred field (one missing from __dict__).
_ABSENT = object()

#: How deep lists and dicts may nest in an event. Deeper data (or data that contains
#: itself) is refused with a ``TypeError`` rather than a ``RecursionError``.
MAX_DEPTH = 100

#: Fields that never travel unless a receiver names them in ``task={"fields": [...]}``:
#: credentials by their usual names (``password`` is the password hash of every user model
#: built on ``AbstractBaseUser``; ``session_data`` is Django's session payload).
HIDDEN_FIELDS = frozenset(
    {
        "password",
        "session_data",
        "secret",
        "secret_key",
        "api_key",
        "private_key",
        "access_token",
        "refresh_token",
    }
)


class EncodeError(TypeError):
    """An event that cannot be sent to a ``task=`` receiver; the message names the argument.

    Its messages never quote the event's values, so they are safe to log.
    """


class InvalidEvent(ValueError):
    """An event read from a queue that is not one signalkit could have written."""


# Decimal, datetime, UUID... to strings, exactly as Django's JSON serializer writes them.
_CONVERT = DjangoJSONEncoder().default

# A str as a JSON string, as json.dumps() writes it (C). ASCII only: every queue (a
# PostgreSQL jsonb column, a broker) then stores any character, NUL and lone surrogates
# included.
_quoted: Callable[[str], str] = json.encoder.encode_basestring_ascii

# The fields an instance of a model carries, by (model, Carry): each with its attname,
# its key as JSON text and the writers of the value types it takes the short way
# (_FIELD_VALUES, or _NOT_STR_FIELD_VALUES for a field whose str values Django's
# serializers would not write as they are). Only choices that passed their checks are
# kept.
_Layout = tuple[
    tuple["Field[Any, Any]", str, str, dict[type, Callable[[Any], str]]], ...
]
_chosen: dict[type[Model] | tuple[type[Model], Carry], _Layout] = {}

# A model's label as JSON text, by model: asked for on every event, and
# ``Options.label`` formats it anew each time.
_labels: dict[type[Model], str] = {}

# Values of these exact types as JSON text, without further checks (a subclass, such as an
# enum member, takes the long way).
# Each a function written in C: no Python frame per value.
_SCALARS: dict[type, Callable[[Any], str]] = {
    str: _quoted,
    int: int.__repr__,
    bool: ("false", "true").__getitem__,
    type(None): {None: "null"}.__getitem__,
}

# Field values of these exact types as JSON text: the scalars, and the "protected" types
# Django's serializers keep (not value_to_string()) and write as text. Those texts are
# ASCII with nothing to escape.
_FIELD_VALUES: dict[type, Callable[[Any], str]] = {
    **_SCALARS,
    decimal.Decimal: lambda value: f'"{value!s}"',
    datetime.date: lambda value: f'"{value.isoformat()}"',
    uuid.UUID: lambda value: f'"{value!s}"',
}
_NOT_STR_FIELD_VALUES = {t: w for t, w in _FIELD_VALUES.items() if t is not str}


def encode(
    signal: Any,
    sender: Any,
    kwargs: dict[str, Any],
    carry: Carry = ALL,
    changes: dict[str, dict[str, Any]] | None = None,
    context: dict[str, str] | None = None,
) -> str:
    """Turn one send of ``signal`` into the JSON string a task carries, or raise
    ``TypeError`` (:class:`EncodeError`) naming the argument that cannot travel.

    ``changes`` are the tracked changes of ``kwargs["instance"]`` that the save froze for
    the receiver (``{field name: {"old": ..., "new": ...}}``, already JSON); only those
    of fields the event carries travel, so ``carry`` hides their values too.
    ``context``, the sender's trace context (W3C headers), travels as it is.
    """
    return write(importable_path(signal), sender, kwargs, carry, changes, context)


def importable_path(signal: Any) -> str:
    """The dotted path the worker imports ``signal`` by, or :class:`EncodeError`."""
    path = signal_path(signal)
    if "." not in path or path.startswith("<"):
        raise EncodeError(
            f"task= receivers need a signal importable by dotted path; {path} is bound to "
            f"no module attribute."
        )
    return path


def write(
    path: str,
    sender: Any,
    kwargs: dict[str, Any],
    carry: Carry = ALL,
    changes: dict[str, dict[str, Any]] | None = None,
    context: dict[str, str] | None = None,
) -> str:
    """:func:`encode` for the signal at ``path`` (from :func:`importable_path`, which a
    caller sending many events of one signal keeps)."""
    arguments = ",".join(
        [
            f"{_quoted(name)}:{_argument(carry, path, name, value)}"
            for name, value in kwargs.items()
        ]
    )
    sender_text = _argument(carry, path, "sender", sender)
    text = f'{{"signal":{_quoted(path)},"sender":{sender_text},"kwargs":{{{arguments}}}'
    instance = kwargs.get("instance")
    if changes and isinstance(instance, Model):
        encoder = _Encoder(carry, path, "instance")
        carried = {f.name for f in encoder.chosen_fields(type(instance))}
        kept = {name: c for name, c in changes.items() if name in carried}
        if kept:
            kept_text = encoder.plain(kept, 1, encoder.unknown, reserve=False)
            text = f'{text},"changes":{kept_text}'
    if context:
        writer = _Encoder(carry, path, trace_context.KEY)
        context_text = writer.plain(dict(context), 1, writer.unknown, reserve=False)
        text = f'{text},"{trace_context.KEY}":{context_text}'
    return f"{text}}}"


def _argument(carry: Carry, path: str, name: str, value: Any) -> str:
    """One argument as JSON text; the common kinds of value the short way."""
    scalar = _SCALARS.get(type(value))
    if scalar is not None:
        return scalar(value)
    if isinstance(value, Model):
        return _Encoder(carry, path, name).instance(value)
    if isinstance(value, type) and issubclass(value, Model):
        return _model_marker(value)
    return _Encoder(carry, path, name).value(value, 0)


def _model_marker(model: type[Model]) -> str:
    return f'{{"{_TAG}":"model","model":{_label(model)}}}'


def _label(model: type[Model]) -> str:
    found = _labels.get(model)
    if found is None:
        found = _labels[model] = _quoted(model._meta.label)
    return found


class _Encoder:
    """Writes one argument as JSON text, checking it, and naming it (never its value) in
    every error.

    One pass over the value: each part is checked and written as it is met, as
    ``json.dumps()`` would write it (compact, ASCII), with nothing built in between.
    """

    def __init__(self, carry: Carry, path: str, name: str) -> None:
        self.carry, self.path, self.name = carry, path, name

    def error(self, problem: str, fix: str = "") -> EncodeError:
        fix = fix or (
            "Send JSON-friendly values (or model instances), or drop task= from the "
            "receiver."
        )
        return EncodeError(
            f"Argument {self.name!r} of {self.path} cannot be sent to a task= receiver: "
            f"{problem}. {fix}"
        )

    def value(self, value: Any, depth: int) -> str:
        """An argument's value: JSON, with model instances, model classes and sets marked."""
        return self.plain(value, depth, self.special, reserve=True)

    def special(self, value: Any, depth: int) -> str:
        if isinstance(value, Model):
            return self.instance(value)
        if isinstance(value, type) and issubclass(value, Model):
            return _model_marker(value)
        if isinstance(value, (set, frozenset)):
            if depth >= MAX_DEPTH:
                raise self.too_deep()
            kind = "frozenset" if isinstance(value, frozenset) else "set"
            items = ",".join([self.value(v, depth + 1) for v in value])
            return f'{{"{_TAG}":"{kind}","items":[{items}]}}'
        raise self.error(f"{type(value).__name__} is not JSON-serialisable")

    def field_value(self, value: Any, depth: int) -> str:
        # Decimal, datetime, UUID... become strings, as in Django's JSON serializer.
        try:
            converted = _CONVERT(value)
        except TypeError:
            raise self.error(
                f"a field value of type {type(value).__name__} is not JSON-serialisable"
            ) from None
        return self.plain(converted, depth, self.unknown, reserve=False)

    def unknown(self, value: Any, depth: int) -> str:
        raise self.error(f"{type(value).__name__} is not JSON-serialisable")

    def too_deep(self) -> EncodeError:
        return self.error(
            f"it nests lists or dicts more than {MAX_DEPTH} levels deep (or contains "
            f"itself)",
            "Send flatter data.",
        )

    def plain(
        self,
        value: Any,
        depth: int,
        leaf: Callable[[Any, int], str],
        *,
        reserve: bool,
    ) -> str:
        """JSON values as JSON text, checked; anything else goes to ``leaf``."""
        kind = type(value)
        if kind is str:
            return _quoted(value)
        if value is None:
            return "null"
        if kind is bool:
            return "true" if value else "false"
        if isinstance(value, str):
            # The characters, as json.dumps() writes them: str() of a (str, Enum) member
            # would be its name.
            return _quoted(str.__str__(value))
        if isinstance(value, int):
            return int.__repr__(value)
        if isinstance(value, float):
            if not math.isfinite(value):
                raise self.error(
                    "it holds a NaN or infinite float, which JSON cannot represent",
                    "Send None or a string instead.",
                )
            return float.__repr__(value)
        if not isinstance(value, (list, tuple, dict)):
            return leaf(value, depth)
        if depth >= MAX_DEPTH:
            raise self.too_deep()
        if not isinstance(value, dict):
            items = ",".join(
                [self.plain(v, depth + 1, leaf, reserve=reserve) for v in value]
            )
            return f"[{items}]"
        if reserve and _TAG in value:
            raise self.error(
                f"a dict in it uses the key {_TAG!r}, which signalkit reserves for its "
                f"own markers",
                "Rename that key.",
            )
        seen: set[str] = set()
        entries = []
        for key, item in value.items():
            text = self.key(key)
            if text in seen:
                raise self.error(
                    "two keys of one of its dicts become the same string in JSON "
                    "(such as 1 and '1'), so one would be lost",
                    "Use distinct string keys.",
                )
            seen.add(text)
            entries.append(
                f"{_quoted(text)}:{self.plain(item, depth + 1, leaf, reserve=reserve)}"
            )
        return f"{{{','.join(entries)}}}"

    def key(self, key: Any) -> str:
        if isinstance(key, str):
            return str.__str__(key)
        if isinstance(key, int) and not isinstance(key, bool):
            return str(key)
        raise self.error(
            f"a dict in it has a {type(key).__name__} key; JSON keys are strings",
            "Use str (or int) keys.",
        )

    def instance(self, instance: Model) -> str:
        """An instance's marker: label, alias and the chosen concrete field values
        (loaded fields only)."""
        data = instance.__dict__
        fields = []
        for field, attname, key, writers in self.layout(type(instance)):
            value = data.get(attname, _ABSENT)
            if value is _ABSENT:
                continue  # deferred: never loaded, so never queried for
            write = writers.get(type(value))
            if write is not None:
                fields.append(f"{key}{write(value)}")
                continue
            non_finite = isinstance(value, float) and not math.isfinite(value)
            if non_finite or not is_protected_type(value):
                # As Django's serializers do; a float field's NaN travels as "nan",
                # which the field's to_python() reads back.
                value = field.value_to_string(instance)
            text = self.plain(value, 1, self.field_value, reserve=False)
            fields.append(f"{key}{text}")
        using = instance._state.db
        return (
            f'{{"{_TAG}":"instance","model":{_label(type(instance))},'
            f'"using":{"null" if using is None else _quoted(using)},'
            f'"fields":{{{",".join(fields)}}}}}'
        )

    def chosen_fields(self, model: type[Model]) -> list[Field[Any, Any]]:
        """The concrete fields an instance of ``model`` carries (the primary key always),
        or :class:`EncodeError` for a field name ``carry`` gets wrong."""
        return [row[0] for row in self.layout(model)]

    def layout(self, model: type[Model]) -> _Layout:
        """:meth:`chosen_fields`, each with its attname, its key as JSON text and
        whether a ``str`` value of it travels as it is (what Django's serializers would
        write for it)."""
        carry = self.carry
        # Most receivers carry ALL: keyed by model alone, the key costs no Carry hash.
        key = model if carry is ALL else (model, carry)
        found = _chosen.get(key)
        if found is None:
            found = _chosen[key] = tuple(
                (
                    f,
                    f.attname,
                    f"{_quoted(f.attname)}:",
                    _FIELD_VALUES if _str_as_is(model, f) else _NOT_STR_FIELD_VALUES,
                )
                for f in self._choose(model)
            )
        return found

    def _choose(self, model: type[Model]) -> list[Field[Any, Any]]:
        concrete = list(model._meta.concrete_fields)
        known = {f.name for f in concrete} | {f.attname for f in concrete}
        carry, pk = self.carry, model._meta.pk
        for option, names in (
            ("fields", carry.fields or ()),
            ("exclude", carry.exclude),
        ):
            for name in names:
                if name not in known:
                    raise self.error(
                        f"task={{{option!r}: [...]}} names {name!r}, which is not a "
                        f"concrete field of {model._meta.label}",
                        "Correct the field name.",
                    )
                if (
                    option == "exclude"
                    and pk is not None
                    and name in (pk.name, pk.attname)
                ):
                    raise self.error(
                        f"task={{'exclude': [...]}} names the primary key {name!r} of "
                        f"{model._meta.label}, which always travels",
                        "Remove it from exclude.",
                    )
        if carry.fields is not None:
            wanted = set(carry.fields)
            return [
                f
                for f in concrete
                if f.primary_key or f.name in wanted or f.attname in wanted
            ]
        dropped = set(carry.exclude)
        return [
            f
            for f in concrete
            if f.primary_key
            or not (
                f.name in dropped or f.attname in dropped or f.name in HIDDEN_FIELDS
            )
        ]


def _str_as_is(model: type[Model], field: Field[Any, Any]) -> bool:
    """True when ``field.value_to_string()`` of an instance holding a ``str`` is that
    ``str``: Django's own ``value_to_string()`` and ``value_from_object()``, reading the
    value through Django's plain attribute (not, say, a file descriptor)."""
    kind = type(field)
    attribute = inspect.getattr_static(model, field.attname, None)
    return (
        kind.value_to_string is Field.value_to_string
        and kind.value_from_object is Field.value_from_object
        and isinstance(attribute, DeferredAttribute)
        and type(attribute).__get__ is DeferredAttribute.__get__
    )


def parse(payload: Any) -> Any:
    """The event in ``payload``, a task's second argument as read from a queue.

    Raise :class:`InvalidEvent` unless it is the JSON string :func:`encode` writes: an
    event queued by an earlier development version of signalkit (a dict), or text that
    is not JSON, nests too deep or holds ``NaN``, is refused. Parsing imports and runs
    nothing; what it returns is still to be checked (:func:`decode`).
    """
    if not isinstance(payload, str):
        raise InvalidEvent(
            f"it is a {type(payload).__name__}, not the JSON string signalkit writes "
            f"(an event queued by an earlier development version of signalkit, or not "
            f"by signalkit at all)"
        )
    try:
        return json.loads(payload, parse_constant=_no_constant)
    except InvalidEvent:
        raise
    except ValueError:  # JSONDecodeError
        raise InvalidEvent("its text is not JSON") from None
    except RecursionError:
        raise InvalidEvent(f"it nests more than {MAX_DEPTH} levels deep") from None


def _no_constant(name: str) -> NoReturn:
    # NaN and Infinity: json.loads() accepts them, encode() never writes them.
    raise InvalidEvent(f"it holds {name}, which encode() never writes")


def decode(event: Any) -> tuple[str, Any, dict[str, Any]]:
    """Check an event read from a queue and rebuild ``(signal path, sender, kwargs)``.

    Raise :class:`InvalidEvent` for anything :func:`encode` could not have written, or
    that names a model that is not installed or a database that is not configured.
    """
    if not isinstance(event, dict) or set(event) - {"changes", trace_context.KEY} != {
        "signal",
        "sender",
        "kwargs",
    }:
        raise InvalidEvent(
            f"it is not a dict with the keys signal, sender and kwargs (and changes, "
            f"{trace_context.KEY})"
        )
    problem = trace_context.problem(event.get(trace_context.KEY))
    if problem is not None:
        raise InvalidEvent(problem)
    path, kwargs = event["signal"], event["kwargs"]
    if not isinstance(path, str):
        raise InvalidEvent("its signal is not a dotted path")
    if not isinstance(kwargs, dict):
        raise InvalidEvent("its kwargs are not a dict")
    for name in kwargs:
        if not isinstance(name, str) or name in ("signal", "sender"):
            raise InvalidEvent(f"it has the argument name {shown(name)}")
    sender = _decode_value(event["sender"], 0)
    return path, sender, {name: _decode_value(v, 0) for name, v in kwargs.items()}


def shown(value: Any) -> str:
    """A short ``repr`` of a name taken from a queue, for messages (never a value)."""
    text = repr(value)
    return text if len(text) <= 120 else f"{text[:117]}..."


def _decode_value(value: Any, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise InvalidEvent(f"it nests more than {MAX_DEPTH} levels deep")
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, list):
        return [_decode_value(v, depth + 1) for v in value]
    if not isinstance(value, dict):
        raise InvalidEvent(f"it holds a {type(value).__name__}, which JSON cannot")
    if _TAG not in value:
        return {k: _decode_value(v, depth + 1) for k, v in value.items()}
    kind = value[_TAG]
    if kind == "model" and set(value) == {_TAG, "model"}:
        return installed_model(value["model"])
    if kind == "instance" and set(value) == {_TAG, "model", "using", "fields"}:
        return decode_instance(value)
    if kind in ("set", "frozenset") and set(value) == {_TAG, "items"}:
        items = value["items"]
        if not isinstance(items, list):
            raise InvalidEvent(f"a {kind} in it has no list of items")
        decoded = [_decode_value(v, depth + 1) for v in items]
        try:
            return frozenset(decoded) if kind == "frozenset" else set(decoded)
        except TypeError:
            raise InvalidEvent(f"a {kind} in it holds unhashable items") from None
    raise InvalidEvent(f"it holds a malformed {_TAG} marker {shown(kind)}")


def installed_model(label: Any) -> type[Model]:
    """The installed model called ``label``, or :class:`InvalidEvent`."""
    if not isinstance(label, str):
        raise InvalidEvent("it names a model by something other than its label")
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        raise InvalidEvent(
            f"it names the model {shown(label)}, which is not installed"
        ) from None


def decode_instance(value: dict[str, Any]) -> Model:
    """The instance as it was sent, as if loaded from its database.

    ``refresh_from_db()`` on it fetches the row as it is now; a field the event did not
    carry is deferred, so reading it loads its current value.
    """
    model = installed_model(value["model"])
    using, data = value["using"], value["fields"]
    if using is not None and (not isinstance(using, str) or using not in connections):
        raise InvalidEvent(
            f"an instance of {model._meta.label} in it names the database "
            f"{shown(using)}, which is not configured"
        )
    if not isinstance(data, dict):
        raise InvalidEvent(
            f"an instance of {model._meta.label} in it has no field dict"
        )
    pk = model._meta.pk
    if pk is not None and pk.attname not in data:
        # encode() always sends it; without it the worker could not even reload the row.
        raise InvalidEvent(
            f"an instance of {model._meta.label} in it has no primary key value"
        )
    # A field that no longer exists (an event queued before a migration) is skipped.
    names, values = [], []
    for field in model._meta.concrete_fields:
        if field.attname not in data:
            continue
        try:
            values.append(field.to_python(data[field.attname]))
        except (ValidationError, TypeError, ValueError):
            raise InvalidEvent(
                f"the value of {model._meta.label}.{field.attname} in it is not valid "
                f"for that field"
            ) from None
        names.append(field.attname)
    instance: Model = model.from_db(using, names, values)
    return instance
