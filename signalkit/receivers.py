"""The decorators: ``receiver()``, its ``on_*`` shortcuts, and ``disconnect()``."""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable, Hashable, Sequence
from types import FunctionType
from typing import Any, TypeVar

from django.db.models import signals as model_signals
from django.dispatch import Signal

from signalkit import _django, background, registry, senders
from signalkit import signals as bulk_signals
from signalkit.delivery import Options
from signalkit.naming import callable_path, is_module_level, signal_name, signal_path

F = TypeVar("F", bound=Callable[..., Any])

_DEFAULTS = Options()
_BOOL_OPTIONS = ("subclasses", "on_commit", "robust", "reentrant", "weak")


def receiver(
    signal: Signal | Sequence[Signal], sender: Any = None, **options: Any
) -> Callable[[F], F]:
    """Connect the decorated function to ``signal`` (or each signal of a list).

    A superset of ``django.dispatch.receiver``: ``sender`` may also be a lazy
    ``"app_label.Model"`` string, ``"app_label.*"`` or a list, and the keyword options
    ``subclasses``, ``created``, ``changed``, ``when``, ``on_commit``, ``task``,
    ``robust``, ``reentrant``, ``dispatch_uid`` and ``weak`` shape when and how it runs.
    A wrong option raises ``TypeError`` here, at decoration time. The decorator returns
    the original function, still directly callable.
    """
    signal_list = _signal_list(signal)
    where = _where(signal_list)
    opts = _parse_options(options, signal_list, where)
    targets = senders.parse(sender, subclasses=opts.subclasses, where=where)
    if opts.changed is not None:
        _check_changed_senders(targets, where)

    def decorator(func: F) -> F:
        _check_receiver(func, signal_list)
        if opts.task is not False:
            _check_task_receiver(func, signal_list)
        for each in signal_list:
            registry.connect(func, each, targets, opts)
        return func

    return decorator


def disconnect(func: Callable[..., Any]) -> bool:
    """Undo every connection signalkit's decorators made for ``func``.

    Return ``True`` if there was anything to disconnect.
    """
    return registry.disconnect(func)


def _signal_list(signal: Any) -> list[Signal]:
    signal_list = list(signal) if isinstance(signal, (list, tuple)) else [signal]
    if not signal_list:
        raise TypeError(
            "receiver() needs at least one signal; it was given an empty list."
        )
    for each in signal_list:
        if not isinstance(each, Signal):
            raise TypeError(
                f"receiver() takes a signal or a list of signals as its first argument, not "
                f"{each!r}. Write @signalkit.receiver(post_save, sender=...), or use a "
                f"shortcut such as @signalkit.on_post_save(...)."
            )
    return signal_list


def _where(signal_list: list[Signal]) -> str:
    return " and ".join(signal_name(s) for s in signal_list)


def _parse_options(
    options: dict[str, Any], signal_list: list[Signal], where: str
) -> Options:
    if not options:
        return _DEFAULTS
    for name in options:
        if name not in Options.__dataclass_fields__:
            names = ", ".join(Options.__dataclass_fields__)
            close = difflib.get_close_matches(
                name, list(Options.__dataclass_fields__), n=1
            )
            maybe = f" Did you mean {close[0]!r}?" if close else ""
            raise TypeError(
                f"Unknown receiver option {name!r} for {where}.{maybe} The options are: {names}."
            )
    for name in _BOOL_OPTIONS:
        if name in options and not isinstance(options[name], bool):
            raise TypeError(
                f"Receiver option {name}= on {where} takes True or False, not {options[name]!r}."
            )
    created = options.get("created")
    if created is not None:
        if not isinstance(created, bool):
            raise TypeError(
                f"Receiver option created= on {where} takes True, False or None, not "
                f"{created!r}."
            )
        _only_on("created", signal_list, (model_signals.post_save,))
    changed = _parse_changed(options.get("changed"), signal_list, where)
    when = options.get("when")
    if when is not None:
        _check_when(when, signal_list, where)
    uid = options.get("dispatch_uid")
    if uid is not None and not isinstance(uid, Hashable):
        raise TypeError(
            f"Receiver option dispatch_uid= on {where} must be hashable, not {uid!r}."
        )
    background.parse(options.get("task", False), where)
    return _options({**options, "changed": changed})


# Option values that can be shared between decorators: immutable and cheap to compare.
_SHAREABLE = (bool, str, type(None))
# One Options object per distinct set of such values (most decorators use a handful).
_shared: dict[tuple[tuple[str, Any], ...], Options] = {}


def _options(values: dict[str, Any]) -> Options:
    shareable = values.get("dispatch_uid") is None and all(
        isinstance(v, _SHAREABLE)
        or (isinstance(v, tuple) and all(isinstance(i, str) for i in v))
        for v in values.values()
    )
    if not shareable:
        return Options(**values)
    key = tuple(sorted(values.items()))
    found = _shared.get(key)
    if found is None:
        found = _shared[key] = Options(**values)
    return found


# The keyword arguments Django's model signals send besides signal and sender (the same
# on Django 5.2, 6.0 and 6.1). A signalkit.Signal declares its own with args=.
_SENT: dict[Signal, tuple[str, ...]] = {
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


def _check_when(when: Any, signal_list: list[Signal], where: str) -> None:
    if not callable(when):
        raise TypeError(
            f"Receiver option when= on {where} takes a callable predicate, such as "
            f"lambda instance, **kwargs: instance.is_active; got {when!r}."
        )
    try:
        signature = _django.signature(when)
    except (TypeError, ValueError):  # nothing to inspect (some builtins): trust it
        return
    for each in signal_list:
        sent = _SENT.get(each)
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


def _parse_changed(
    changed: Any, signal_list: list[Signal], where: str
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
    _only_on("changed", signal_list, (model_signals.pre_save, model_signals.post_save))
    return tuple(fields)


def _check_changed_senders(targets: list[senders.Target], where: str) -> None:
    for target in targets:
        if target.kind not in ("model", "lazy"):
            shown = target.text or repr(target.value)
            raise TypeError(
                f"Receiver option changed= on {where} needs a model sender (a model class or "
                f"'app_label.Model'), not {shown}: change tracking is turned on per model."
            )


def _only_on(
    option: str, signal_list: list[Signal], allowed: tuple[Signal, ...]
) -> None:
    for each in signal_list:
        if each not in allowed:
            names = " and ".join(signal_name(s) for s in allowed)
            raise TypeError(
                f"Receiver option {option}= makes no sense on {signal_name(each)}: it only "
                f"applies to {names}."
            )


def _check_receiver(func: Any, signal_list: list[Signal]) -> None:
    if not callable(func):
        raise TypeError(
            f"A receiver for {_where(signal_list)} must be callable, not {func!r}."
        )
    if not _accepts_kwargs(func):
        name = getattr(func, "__name__", "receiver")
        raise TypeError(
            f"Receiver {callable_path(func)} must accept **kwargs: "
            f"{signal_name(signal_list[0])} passes signal, sender and its arguments by "
            f"keyword, and may add more. Write def {name}(sender, **kwargs)."
        )


def _accepts_kwargs(func: Any) -> bool:
    if type(func) is FunctionType and not (
        hasattr(func, "__wrapped__") or hasattr(func, "__signature__")
    ):
        # A plain function says so in its code flags: no Signature object to build, and
        # its annotations are not materialised.
        return bool(func.__code__.co_flags & inspect.CO_VARKEYWORDS)
    # Not django.utils.inspect.func_accepts_kwargs: its lru_cache holds the function
    # strongly, which would keep a weak=True receiver alive.
    try:
        parameters = _django.signature(func).parameters.values()
    except (TypeError, ValueError):  # no signature to inspect (some builtins)
        return True
    return any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


def _check_task_receiver(func: Any, signal_list: list[Signal]) -> None:
    if not is_module_level(func):
        raise TypeError(
            f"Receiver {callable_path(func)} on {_where(signal_list)} uses task=, so it must "
            f"be a function defined at the top level of a module: the worker imports it by "
            f"its dotted path. Move it out of the function or class that defines it."
        )


def _shortcut(signal: Signal, name: str) -> Callable[..., Callable[[F], F]]:
    def shortcut(sender: Any = None, **options: Any) -> Callable[[F], F]:
        return receiver(signal, sender, **options)

    shortcut.__name__ = shortcut.__qualname__ = name
    shortcut.__module__ = "signalkit"
    shortcut.__doc__ = (
        f"Connect the decorated function to ``{signal_path(signal)}``.\n\n"
        f"Same as ``receiver({signal_name(signal)}, sender, **options)``: ``sender`` may be "
        f"given positionally."
    )
    return shortcut


on_pre_init = _shortcut(model_signals.pre_init, "on_pre_init")
on_post_init = _shortcut(model_signals.post_init, "on_post_init")
on_pre_save = _shortcut(model_signals.pre_save, "on_pre_save")
on_post_save = _shortcut(model_signals.post_save, "on_post_save")
on_pre_delete = _shortcut(model_signals.pre_delete, "on_pre_delete")
on_post_delete = _shortcut(model_signals.post_delete, "on_post_delete")
on_m2m_changed = _shortcut(model_signals.m2m_changed, "on_m2m_changed")
on_pre_bulk_create = _shortcut(bulk_signals.pre_bulk_create, "on_pre_bulk_create")
on_post_bulk_create = _shortcut(bulk_signals.post_bulk_create, "on_post_bulk_create")
on_pre_bulk_update = _shortcut(bulk_signals.pre_bulk_update, "on_pre_bulk_update")
on_post_bulk_update = _shortcut(bulk_signals.post_bulk_update, "on_post_bulk_update")
on_pre_update = _shortcut(bulk_signals.pre_update, "on_pre_update")
on_post_update = _shortcut(bulk_signals.post_update, "on_post_update")
