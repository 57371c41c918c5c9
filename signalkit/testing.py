"""Helpers for testing code that sends signals: capture sends, assert on them, mute
receivers and trace which receivers ran.

Every helper is context-local (built on :mod:`contextvars`): it sees and affects only the
sends made in the thread or async task that entered it, and in the contexts copied from
it while it is active (a task created inside the block, ``sync_to_async()`` and
``async_to_sync()`` calls). Nothing here edits ``Signal.receivers``.
"""

from __future__ import annotations

import functools
import inspect
import reprlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any, NamedTuple, TypeVar, cast

from asgiref.sync import iscoroutinefunction
from django.dispatch import Signal

from signalkit import _signal_patch, known_signals, observers, outcomes
from signalkit.naming import sender_label, signal_path
from signalkit.senders import parse_label, suggest_models

__all__ = [
    "Call",
    "Muted",
    "Run",
    "assert_not_sent",
    "assert_sent",
    "capture",
    "mute",
    "trace",
]

F = TypeVar("F", bound=Callable[..., Any])

# How many sends a failure message lists before it summarises the rest.
_SHOWN = 10

_repr = reprlib.Repr()
_repr.maxstring = _repr.maxother = 80
_repr.maxlist = _repr.maxtuple = _repr.maxset = _repr.maxfrozenset = 8
_repr.maxdict = 8
_repr.maxlevel = 3


class Call(NamedTuple):
    """One send of a signal, as :func:`capture` records it."""

    #: The sender, as sent.
    sender: Any
    #: The keyword arguments of the send (``signal`` and ``sender`` are not among them).
    kwargs: dict[str, Any]


class Run(NamedTuple):
    """One receiver that ran, as :func:`trace` records it."""

    #: The signal that was sent.
    signal: Signal
    #: The receiver: for a signalkit receiver, the decorated function.
    receiver: Callable[..., Any]
    #: The sender, as sent.
    sender: Any
    #: How long the receiver took, in seconds.
    seconds: float
    #: What the receiver raised, or ``None``.
    exception: BaseException | None


@contextmanager
def capture(signal: Signal, sender: object = None) -> Iterator[list[Call]]:
    """Record every send of ``signal`` made in the block, as a list of :class:`Call`.

    ``sender`` keeps the sends of that sender only (a model class, or
    ``"app_label.ModelName"``); ``None`` keeps every send. Sends are recorded even when
    no receiver is connected and while the receivers are muted: a capture observes the
    send, not the receivers. It also counts as a listener for ``has_listeners()``, so
    Django makes the sends it skips when nobody listens (the delete signals of a fast
    delete).
    """
    _check_signal(signal, "capture")
    calls: list[Call] = []

    def record(sent_by: Any, kwargs: dict[str, Any]) -> None:
        calls.append(Call(sent_by, kwargs))

    entry = _signal_patch.Observer(signal, _resolve_sender(sender), record)
    _signal_patch.push(entry)
    try:
        yield calls
    finally:
        _signal_patch.remove(entry)


@contextmanager
def assert_sent(
    signal: Signal, sender: object = None, **kwargs: Any
) -> Iterator[list[Call]]:
    """Fail unless the block sends ``signal`` at least once from ``sender`` (``None``:
    any sender) with keyword arguments that include ``kwargs`` (compared with ``==``).

    Yields a list that, once the block ends, holds the matching sends. The
    ``AssertionError`` lists every send of ``signal`` the block made and how each
    differs. When the block raises, its exception propagates and nothing is asserted.
    """
    with _matching(signal, sender, kwargs, "assert_sent") as (
        matching,
        sends,
        expected,
    ):
        yield matching
    if not matching:
        raise AssertionError(_not_sent_message(signal, expected, kwargs, sends))


@contextmanager
def assert_not_sent(
    signal: Signal, sender: object = None, **kwargs: Any
) -> Iterator[list[Call]]:
    """Fail if the block sends ``signal`` from ``sender`` (``None``: any sender) with
    keyword arguments that include ``kwargs`` (compared with ``==``).

    Yields a list that, once the block ends, holds the matching sends. The
    ``AssertionError`` lists each of them. When the block raises, its exception
    propagates and nothing is asserted.
    """
    with _matching(signal, sender, kwargs, "assert_not_sent") as (
        matching,
        _sends,
        expected,
    ):
        yield matching
    if matching:
        raise AssertionError(_sent_message(signal, expected, kwargs, matching))


def mute(*signals: Signal, sender: object = None) -> Muted:
    """Silence every receiver of ``signals`` (all signals if none are given), plain
    Django receivers included, for the sends made in the block or decorated function.

    ``sender`` limits muting to the sends of that sender (a model class, or
    ``"app_label.ModelName"``). Use it as a context manager or as a decorator of a sync
    or async function. Whether a send is muted is decided when it is made: an
    ``on_commit`` or ``task`` receiver of a save made while muted stays silent even if
    the transaction commits after the block.

    Without signals, Django's framework signals stay live, since Django and its test
    tools need them: ``request_started``, ``request_finished``,
    ``got_request_exception``, ``setting_changed``, ``template_rendered``,
    ``connection_created``, ``class_prepared``, ``pre_migrate`` and ``post_migrate``.
    Name one to mute it.
    """
    _check_mute_arguments(signals)
    return Muted(signals, sender)


class Muted:
    """What :func:`mute` returns: a context manager and a decorator.

    One instance may be entered again, nested, or from several threads or tasks at once;
    each exit ends the latest entry made in its own context. An exit in a context where
    this instance is not active (another thread or task than the one that entered it)
    does nothing: the mute stays on where it was entered, until exited there or until
    that context ends. The instance keeps no record of its entries, so entering and
    exiting in different contexts accumulates nothing.
    """

    def __init__(self, signals: tuple[Signal, ...], sender: object) -> None:
        self.signals = signals
        self.sender = sender

    def __repr__(self) -> str:
        names = ", ".join(signal_path(s) for s in self.signals) or "every signal"
        for_sender = "" if self.sender is None else f", sender={self.sender!r}"
        return f"<mute {names}{for_sender}>"

    def __enter__(self) -> None:
        entry = _signal_patch.Mute(
            self.signals or None,
            _resolve_sender(self.sender),
            spared=()
            if self.signals
            else known_signals.loaded(known_signals.INFRASTRUCTURE),
            owner=self,
        )
        _signal_patch.push(entry)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for entry in reversed(_signal_patch.active()):
            if isinstance(entry, _signal_patch.Mute) and entry.owner is self:
                _signal_patch.remove(entry)
                return

    def __call__(self, func: F) -> F:
        if isinstance(func, type):
            raise TypeError(
                f"mute() decorates functions, not the class {func.__qualname__}. In a "
                f"TestCase, enter it in setUp(): self.enterContext(mute(...)) (Python "
                f"3.11+), or use the pytest marker @pytest.mark.mute_signals."
            )
        if inspect.isgeneratorfunction(func) or inspect.isasyncgenfunction(func):
            raise TypeError(
                f"mute() cannot decorate the generator function {func.__qualname__}: "
                f"its body runs after the call returns. Use 'with mute(...):' inside it."
            )
        if iscoroutinefunction(func):

            @functools.wraps(func)
            async def async_muted(*args: Any, **kwargs: Any) -> Any:
                with self:
                    return await func(*args, **kwargs)

            return cast(F, async_muted)

        @functools.wraps(func)
        def muted(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)

        return cast(F, muted)


@contextmanager
def trace() -> Iterator[list[Run]]:
    """Record each receiver that runs in the block, as a list of :class:`Run`.

    A run is recorded when a receiver is really called: muted receivers are not, and a
    signalkit receiver is recorded as its decorated function, only when its conditions
    let it run, and when it runs (at commit for ``on_commit=True``, if that falls inside
    the block). A receiver that raises is recorded with the exception, which still
    propagates (or is logged, for ``robust=True``).

    Each :class:`Run` holds its signal, receiver, sender and exception strongly, for as
    long as the list is kept: a weakly connected receiver (``weak=True``, or Django's
    default ``connect()``) that ran in the block cannot be garbage-collected before the
    list is. Check that such a receiver goes away outside the block, or after dropping
    the list. Nothing else is kept once the block ends.
    """
    runs: list[Run] = []
    with observers.watching(_Tracer(runs)):
        yield runs


class _Tracer(outcomes.Consumer):
    """What :func:`trace` watches with: each receiver call, as a :class:`Run`."""

    def __init__(self, runs: list[Run]) -> None:
        self.runs = runs

    def called(self, outcome: outcomes.Outcome, state: Any) -> None:
        self.runs.append(
            Run(
                outcome.signal,
                outcome.receiver,
                outcome.sender,
                outcome.seconds or 0.0,
                outcome.exception,
            )
        )


@contextmanager
def _matching(
    signal: Signal, sender: Any, kwargs: dict[str, Any], helper: str
) -> Iterator[tuple[list[Call], list[Call], Any]]:
    """Yield a list that, once the block ends without raising, holds the sends of
    ``signal`` from ``sender`` whose arguments include ``kwargs``; with it, every send of
    ``signal`` the block made (so that a failure can show the ones that came close) and
    the sender resolved."""
    _check_signal(signal, helper)
    expected = _resolve_sender(sender)
    matching: list[Call] = []
    with capture(signal) as sends:
        yield matching, sends, expected
    matching += [c for c in sends if not _differences(c, expected, kwargs)]


def _differences(call: Call, sender: Any, kwargs: dict[str, Any]) -> list[str]:
    found = []
    if not _signal_patch.sender_matches(sender, call.sender):
        found.append(
            f"sender: expected {_sender_text(sender)}, got {_sender_text(call.sender)}"
        )
    for name, value in kwargs.items():
        if name not in call.kwargs:
            found.append(f"{name}: expected {_repr.repr(value)}, but it was not sent")
        elif call.kwargs[name] != value:
            found.append(
                f"{name}: expected {_repr.repr(value)}, "
                f"got {_repr.repr(call.kwargs[name])}"
            )
    return found


def _expectation(sender: Any, kwargs: dict[str, Any]) -> str:
    parts = [] if sender is None else [f"sender={_sender_text(sender)}"]
    parts += [f"{name}={_repr.repr(value)}" for name, value in kwargs.items()]
    return f" with {', '.join(parts)}" if parts else ""


def _listing(calls: list[Call], sender: Any, kwargs: dict[str, Any]) -> list[str]:
    lines = []
    for number, call in enumerate(calls[:_SHOWN], 1):
        lines.append(f"  {number}. {_describe(call)}")
        lines += [f"     - {text}" for text in _differences(call, sender, kwargs)]
    if len(calls) > _SHOWN:
        lines.append(f"  ... and {len(calls) - _SHOWN} more.")
    return lines


def _not_sent_message(
    signal: Signal, sender: Any, kwargs: dict[str, Any], sends: list[Call]
) -> str:
    head = f"{signal_path(signal)} was not sent{_expectation(sender, kwargs)}."
    if not sends:
        return f"{head}\nIt was not sent at all in the block."
    lines = [head, f"It was sent {_times(len(sends))} in the block:"]
    return "\n".join(lines + _listing(sends, sender, kwargs))


def _sent_message(
    signal: Signal, sender: Any, kwargs: dict[str, Any], matching: list[Call]
) -> str:
    head = (
        f"{signal_path(signal)} was sent {_times(len(matching))}"
        f"{_expectation(sender, kwargs)}, but should not have been:"
    )
    return "\n".join([head, *_listing(matching, sender, kwargs)])


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"


def _describe(call: Call) -> str:
    arguments = "".join(
        f", {name}={_repr.repr(value)}" for name, value in call.kwargs.items()
    )
    return f"sender={_sender_text(call.sender)}{arguments}"


def _sender_text(sender: Any) -> str:
    return str(sender_label(sender))


def _check_mute_arguments(signals: tuple[Any, ...]) -> None:
    for each in signals:
        if not isinstance(each, Signal):
            hint = (
                " To mute every signal, decorate with @mute() rather than @mute."
                if callable(each) and len(signals) == 1
                else ""
            )
            raise TypeError(f"mute() takes signals, not {each!r}.{hint}")


def _check_signal(signal: Any, helper: str) -> None:
    if not isinstance(signal, Signal):
        raise TypeError(
            f"{helper}() takes a signal as its first argument, not {signal!r}."
        )


def _resolve_sender(sender: Any) -> Any:
    """A model class for ``"app_label.ModelName"``; any other sender as given."""
    if not isinstance(sender, str):
        return sender
    from django.apps import apps

    parsed = parse_label(sender)
    if parsed is not None:
        try:
            return apps.get_registered_model(*parsed)
        except LookupError:
            pass
    close = suggest_models(sender)
    maybe = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
    raise ValueError(
        f"sender={sender!r} names no installed model: give a model class or "
        f"'app_label.ModelName'.{maybe}"
    )
