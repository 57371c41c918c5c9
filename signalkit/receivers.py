"""The decorators: ``receiver()``, its ``on_*`` shortcuts, and ``disconnect()``."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from types import FunctionType
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, TypeVar

from django.db.models import Model
from django.db.models import signals as model_signals
from django.dispatch import Signal

from signalkit import _django, delivery, registry, senders, tracking
from signalkit import signals as bulk_signals
from signalkit.naming import callable_path, is_module_level, signal_name, signal_path
from signalkit.options import check_targets
from signalkit.options import parse as parse_options

if TYPE_CHECKING:
    from typing_extensions import Unpack  # typing.Unpack from Python 3.11

    from signalkit.options import (
        CommonOptions,
        PostSaveOptions,
        ReceiverOptions,
        SaveOptions,
    )

F = TypeVar("F", bound=Callable[..., Any])

#: A model sender: a model class, ``"app_label.Model"`` (or ``"app_label.*"``), or a list
#: of these. ``None`` means any sender.
ModelSender: TypeAlias = type[Model] | str | Sequence[type[Model] | str]


def receiver(
    signal: Signal | Sequence[Signal],
    sender: object = None,
    **options: Unpack[ReceiverOptions],
) -> Callable[[F], F]:
    """Connect the decorated function to ``signal`` (or each signal of a list).

    A superset of ``django.dispatch.receiver``: ``sender`` may also be a lazy
    ``"app_label.Model"`` string, ``"app_label.*"`` or a list, and keyword options (the
    API reference lists them) shape when and how it runs. A wrong option raises
    ``TypeError`` here, at decoration time. The decorator returns the original function,
    still directly callable.
    """
    signal_list = _signal_list(signal)
    where = _where(signal_list)
    opts = parse_options(options, signal_list, where)
    targets = senders.parse(sender, subclasses=opts.subclasses, where=where)
    check_targets(opts, targets, where)

    # changed= compares with a baseline: tracking goes on for each model as the receiver
    # attaches to it.
    prepare = (
        None
        if opts.changed is None
        else functools.partial(tracking.require, names=list(opts.changed))
    )

    def decorator(func: F) -> F:
        _check_receiver(func, signal_list)
        if opts.task is not None:
            _check_task_receiver(func, signal_list)
        for each in signal_list:
            registry.connect(func, each, targets, opts, delivery.build, prepare)
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


class Shortcut(Protocol):
    """A shortcut for a signal that takes the options every signal takes."""

    def __call__(
        self, sender: ModelSender | None = None, **options: Unpack[CommonOptions]
    ) -> Callable[[F], F]: ...


class SaveShortcut(Protocol):
    """``on_pre_save``: the options of every signal, and ``changed`` (a field name or a
    list of them: run only when the save changes one)."""

    def __call__(
        self, sender: ModelSender | None = None, **options: Unpack[SaveOptions]
    ) -> Callable[[F], F]: ...


class PostSaveShortcut(Protocol):
    """``on_post_save``: the options of ``on_pre_save``, and ``created``.

    ``created=True`` runs the receiver for inserts only, ``created=False`` for updates
    only; ``None``, the default, for both.
    """

    def __call__(
        self, sender: ModelSender | None = None, **options: Unpack[PostSaveOptions]
    ) -> Callable[[F], F]: ...


def _shortcut(signal: Signal) -> Any:
    name = f"on_{signal_name(signal)}"

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


def _shortcuts(*signals: Signal) -> tuple[Shortcut, ...]:
    return tuple(map(_shortcut, signals))


# One shortcut per model signal and per bulk signal, each named after its signal. Its type
# says which options it takes: pre_save and post_save take more than the others
# (options.SIGNAL_OPTIONS; tests/test_receivers.py checks that the two agree).
on_pre_save: SaveShortcut = _shortcut(model_signals.pre_save)
on_post_save: PostSaveShortcut = _shortcut(model_signals.post_save)
(
    on_pre_init,
    on_post_init,
    on_pre_delete,
    on_post_delete,
    on_m2m_changed,
    on_pre_bulk_create,
    on_post_bulk_create,
    on_pre_bulk_update,
    on_post_bulk_update,
    on_pre_update,
    on_post_update,
) = _shortcuts(
    model_signals.pre_init,
    model_signals.post_init,
    model_signals.pre_delete,
    model_signals.post_delete,
    model_signals.m2m_changed,
    *bulk_signals.BULK_SIGNALS,
)
