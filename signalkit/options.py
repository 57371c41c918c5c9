"""A receiver's options: validated once, when the decorator is applied, into :class:`Options`.

Everything downstream (the record of connections, the wrapper that runs the receiver, the
background path, the checks, ``manage.py signals``) reads the parsed :class:`Options` and
never looks at the raw keyword arguments again. A new option is a field of
:class:`Options` and a few lines of :func:`parse`, and what reads it.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypedDict

from django.db.models import signals as model_signals
from django.dispatch import Signal

from signalkit import _django, conf
from signalkit.naming import callable_path, signal_name

if TYPE_CHECKING:
    from signalkit.senders import Target

#: ``task="celery"``: signalkit's own Celery transport rather than a ``TASKS`` alias.
CELERY = "celery"
#: The names ``task=`` takes besides ``TASKS`` aliases: for each, the package it needs and
#: the module that is its transport (a :class:`signalkit.background.Transport`, and the
#: task its workers run, registered when signalkit's app is ready).
TRANSPORTS = {CELERY: ("celery", "signalkit.celery_transport")}


# The options as a decorator takes them: their names and types, for type checkers and the
# keyword arguments of the decorators, and which signals take which (parse() reads it).


class TaskOptions(TypedDict, total=False):
    """The dict form of ``task=``: where a receiver's events go, and what they carry."""

    backend: Literal["celery"] | str  # a TASKS alias, or "celery"
    queue_name: str
    priority: int
    fields: list[str] | tuple[str, ...]
    exclude: list[str] | tuple[str, ...]


class CommonOptions(TypedDict, total=False):
    """The options every signal takes (the API reference describes each)."""

    subclasses: bool
    when: Callable[..., object] | None
    on_commit: bool
    task: bool | Literal["celery"] | str | TaskOptions
    robust: bool
    reentrant: bool
    dispatch_uid: Hashable | None
    weak: bool


class SaveOptions(CommonOptions, total=False):
    """The options of ``pre_save``: those of every signal, and ``changed``."""

    changed: str | list[str] | tuple[str, ...] | None


class PostSaveOptions(SaveOptions, total=False):
    """The options of ``post_save``: those of ``pre_save``, and ``created``."""

    created: bool | None


#: Every option: what ``receiver()`` takes, whatever the signal.
ReceiverOptions = PostSaveOptions

#: The signals that take options besides :class:`CommonOptions`, with the options they take.
SIGNAL_OPTIONS: dict[Signal, type[CommonOptions]] = {
    model_signals.pre_save: SaveOptions,
    model_signals.post_save: PostSaveOptions,
}
_COMMON = frozenset(CommonOptions.__annotations__)
_TASK_KEYS = tuple(TaskOptions.__annotations__)


@dataclass(frozen=True)
class Carry:
    """Which fields of a model instance an event carries.

    ``fields``: only these (the primary key always travels); ``None``: every concrete field
    but ``exclude`` and :data:`signalkit.events.HIDDEN_FIELDS`.
    """

    fields: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = ()


#: Every concrete field but the hidden ones: what ``task=True`` carries.
ALL = Carry()


@dataclass(frozen=True)
class TaskSpec:
    """The parsed ``task=`` option: where a receiver's events are sent (a ``TASKS`` alias
    or ``"celery"``, with a queue and a priority), and which fields of a model instance
    they carry."""

    backend: str | None = None  # None: SIGNALKIT["TASK_BACKEND"] at send time
    queue_name: str | None = None
    priority: int | None = None
    carry: Carry = ALL
    #: The option's value as written in the decorator, for introspection.
    given: Any = field(default=True, compare=False, repr=False)

    @property
    def alias(self) -> str:
        """The ``TASKS`` alias (or ``"celery"``) the events go to, as configured now."""
        return self.backend or str(conf.get("TASK_BACKEND"))


@dataclass(frozen=True)
class Options:
    """The validated options of one decorator call."""

    subclasses: bool = False
    created: bool | None = None
    changed: tuple[str, ...] | None = None
    when: Callable[..., Any] | None = None
    on_commit: bool = False
    task: TaskSpec | None = None
    robust: bool = False
    reentrant: bool = False
    dispatch_uid: Any = None
    weak: bool = False

    def non_default(self) -> dict[str, Any]:
        """The options that differ from their defaults, for introspection (``task`` as
        it was written)."""
        found = {
            name: value
            for name, value in vars(self).items()
            if value != Options.__dataclass_fields__[name].default
        }
        if self.task is not None:
            found["task"] = self.task.given
        return found


_DEFAULTS = Options()
_NAMES = tuple(Options.__dataclass_fields__)
_BOOL_OPTIONS = ("subclasses", "on_commit", "robust", "reentrant", "weak")


def parse(options: Mapping[str, Any], signals: Sequence[Signal], where: str) -> Options:
    """Validate a decorator's keyword options for ``signals`` (named ``where`` in
    messages) and return them parsed.

    Raises ``TypeError`` naming the option for an unknown option, a value of the wrong
    type, or an option that makes no sense for one of the signals.
    """
    if not options:
        return _DEFAULTS
    for name in options:
        if name not in _NAMES:
            close = difflib.get_close_matches(name, list(_NAMES), n=1)
            maybe = f" Did you mean {close[0]!r}?" if close else ""
            raise TypeError(
                f"Unknown receiver option {name!r} for {where}.{maybe} The options are: "
                f"{', '.join(_NAMES)}."
            )
    for name in options:
        if (
            name not in _COMMON and options[name] is not None
        ):  # None is the default: fine anywhere
            _only_on(name, signals)
    for name in _BOOL_OPTIONS:
        if name in options and not isinstance(options[name], bool):
            raise TypeError(
                f"Receiver option {name}= on {where} takes True or False, not {options[name]!r}."
            )
    created = options.get("created")
    if created is not None and not isinstance(created, bool):
        raise TypeError(
            f"Receiver option created= on {where} takes True, False or None, not "
            f"{created!r}."
        )
    changed = _parse_changed(options.get("changed"), signals, where)
    when = options.get("when")
    if when is not None:
        _check_when(when, signals, where)
    uid = options.get("dispatch_uid")
    if uid is not None and not isinstance(uid, Hashable):
        raise TypeError(
            f"Receiver option dispatch_uid= on {where} must be hashable, not {uid!r}."
        )
    task = parse_task(options.get("task", False), where)
    return _shared_options(options, changed=changed, task=task)


def check_targets(options: Options, targets: Sequence[Target], where: str) -> None:
    """Raise ``TypeError`` if an option needs a kind of sender ``targets`` are not."""
    if options.changed is None:
        return
    for target in targets:
        if target.kind not in ("model", "lazy"):
            shown = target.text or repr(target.value)
            raise TypeError(
                f"Receiver option changed= on {where} needs a model sender (a model class or "
                f"'app_label.Model'), not {shown}: change tracking is turned on per model."
            )


# Option values that can be shared between decorators: immutable and cheap to compare.
_SHAREABLE = (bool, str, type(None))
# One Options object per distinct set of such values (most decorators use a handful).
_shared: dict[tuple[tuple[str, Any], ...], Options] = {}


def _shared_options(given: Mapping[str, Any], **parsed: Any) -> Options:
    # The values as given (``changed`` normalised) decide everything parsed from them.
    raw = {**given, "changed": parsed["changed"]}
    shareable = raw.get("dispatch_uid") is None and all(
        isinstance(v, _SHAREABLE)
        or (isinstance(v, tuple) and all(isinstance(i, str) for i in v))
        for v in raw.values()
    )
    if not shareable:
        return Options(**{**given, **parsed})
    key = tuple(sorted(raw.items()))
    found = _shared.get(key)
    if found is None:
        found = _shared[key] = Options(**{**given, **parsed})
    return found


def _only_on(option: str, signals: Sequence[Signal]) -> None:
    """Raise ``TypeError`` unless every signal of ``signals`` takes ``option``."""
    for each in signals:
        if option not in SIGNAL_OPTIONS.get(each, CommonOptions).__annotations__:
            names = " and ".join(
                signal_name(s)
                for s, takes in SIGNAL_OPTIONS.items()
                if option in takes.__annotations__
            )
            raise TypeError(
                f"Receiver option {option}= makes no sense on {signal_name(each)}: it only "
                f"applies to {names}."
            )


def _parse_changed(
    changed: Any, signals: Sequence[Signal], where: str
) -> tuple[str, ...] | None:
    if changed is None:
        return None
    fields = (changed,) if isinstance(changed, str) else changed
    if (
        not isinstance(fields, (list, tuple))
        or not fields
        or not all(isinstance(f, str) and f for f in fields)
    ):
        raise TypeError(
            f"Receiver option changed= on {where} takes a field name or a non-empty list of "
            f"field names, not {changed!r}."
        )
    return tuple(fields)


#: Django's model signals, each with the keyword arguments it sends besides ``signal``
#: and ``sender`` (the same on Django 5.2, 6.0 and 6.1). A ``signalkit.Signal`` declares
#: its own with ``args=``.
MODEL_SIGNALS: dict[Signal, tuple[str, ...]] = {
    model_signals.pre_init: ("args", "kwargs"),
    model_signals.post_init: ("instance",),
    model_signals.pre_save: ("instance", "raw", "using", "update_fields"),
    model_signals.post_save: ("instance", "created", "raw", "using", "update_fields"),
    model_signals.pre_delete: ("instance", "using", "origin"),
    model_signals.post_delete: ("instance", "using", "origin"),
    model_signals.m2m_changed: (
        "action",
        "instance",
        "reverse",
        "model",
        "pk_set",
        "using",
    ),
}


def _check_when(when: Any, signals: Sequence[Signal], where: str) -> None:
    if not callable(when):
        raise TypeError(
            f"Receiver option when= on {where} takes a callable predicate, such as "
            f"lambda instance, **kwargs: instance.is_active; got {when!r}."
        )
    try:
        signature = _django.signature(when)
    except (TypeError, ValueError):  # nothing to inspect (some builtins): trust it
        return
    for each in signals:
        sent = MODEL_SIGNALS.get(each)
        if sent is None:
            sent = getattr(each, "args", None)
        names = ("signal", "sender", *(sent or ()))
        try:
            _bind_by_keyword(signature, names, every=sent is not None)
        except TypeError as exc:
            raise TypeError(
                f"Receiver option when= on {where}: the predicate {callable_path(when)} "
                f"cannot be called with the receiver's keyword arguments "
                f"({', '.join(names)}{'' if sent is not None else ', ...'}): {exc}. "
                f"Accept **kwargs, for example when=lambda instance, **kwargs: "
                f"instance.is_active."
            ) from None


def _bind_by_keyword(
    signature: inspect.Signature, names: tuple[str, ...], *, every: bool
) -> None:
    """Raise ``TypeError`` unless a call by keyword with ``names`` can bind.

    ``every``: the call passes exactly ``names``; otherwise it may pass more (a signal
    whose arguments are not known), and only ``names`` are checked.
    """
    for parameter in signature.parameters.values():
        # Signature.bind() lets a keyword fall into **kwargs even where a positional-only
        # parameter of that name is missing; a real call does not.
        if (
            parameter.kind is inspect.Parameter.POSITIONAL_ONLY
            and parameter.default is inspect.Parameter.empty
        ):
            raise TypeError(f"its parameter {parameter.name!r} is positional-only")
    bind = signature.bind if every else signature.bind_partial
    bind(**dict.fromkeys(names))


# task= ------------------------------------------------------------------------------------


def parse_task(task: Any, where: str) -> TaskSpec | None:
    """Validate a ``task=`` option value; ``None`` when background delivery is off."""
    if task is False:
        return None
    if task is True:
        return TaskSpec(given=task)
    if isinstance(task, str) and task:
        return TaskSpec(backend=task, given=task)
    if isinstance(task, dict):
        return _parse_task_dict(task, where)
    raise TypeError(
        f"Receiver option task= on {where} takes True, a TASKS alias, 'celery' or a dict "
        f"with 'backend', 'queue_name', 'priority', 'fields' or 'exclude', not {task!r}."
    )


def _parse_task_dict(task: dict[Any, Any], where: str) -> TaskSpec:
    unknown = set(task) - set(_TASK_KEYS)
    if unknown:
        raise TypeError(
            f"Receiver option task= on {where} got unknown key {sorted(map(str, unknown))[0]!r}; "
            f"the keys are 'backend', 'queue_name', 'priority', 'fields' and 'exclude'."
        )
    backend, queue, priority = (
        task.get("backend"),
        task.get("queue_name"),
        task.get("priority"),
    )
    if backend is not None and not (isinstance(backend, str) and backend):
        raise TypeError(
            f"task={{'backend': ...}} on {where} takes a TASKS alias or 'celery', not {backend!r}."
        )
    if queue is not None and not (isinstance(queue, str) and queue):
        raise TypeError(
            f"task={{'queue_name': ...}} on {where} takes a queue name, not {queue!r}."
        )
    if priority is not None and (
        isinstance(priority, bool) or not isinstance(priority, int)
    ):
        raise TypeError(
            f"task={{'priority': ...}} on {where} takes an int, not {priority!r}."
        )
    if "fields" in task and "exclude" in task:
        raise TypeError(
            f"task= on {where} takes 'fields' (the fields an instance carries) or "
            f"'exclude' (the fields it leaves out), not both."
        )
    fields = _field_names(task, "fields", where) if "fields" in task else None
    exclude = _field_names(task, "exclude", where) if "exclude" in task else ()
    return TaskSpec(backend, queue, priority, Carry(fields, exclude), given=task)


def _field_names(task: dict[Any, Any], key: str, where: str) -> tuple[str, ...]:
    names = task[key]
    if not isinstance(names, (list, tuple)) or not all(
        isinstance(n, str) and n for n in names
    ):
        raise TypeError(
            f"task={{{key!r}: ...}} on {where} takes a list of field names, such as "
            f"['id', 'email'], not {names!r}."
        )
    return tuple(names)
